/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The libnvme implementation of the kernel layer (kernel.h): every blocking
 * call in a worker thread on a private libnvme tree.
 */
#pragma once

#include <glib.h>

#include "stas/dlpe.h"
#include "stas/kernel.h"

/* The real kernel layer. @trace sets libnvme's log level (debug / err). */
StasKernel *stas_nvme_kernel_new(gboolean trace);
void stas_nvme_kernel_set_trace(StasKernel *k, gboolean trace);

/* "Status:0x%04x - text" / "Result:0x%04x, Status:0x%04x - text" of a DIM command. */
char *stas_nvme_status_text(int status, guint32 result);
