/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The libnvme implementation of the kernel layer (kernel.h), plus what the
 * daemons need to know of the running kernel: which connect options
 * /dev/nvme-fabrics supports (SPEC §7.5) and how log page entries read as
 * nvme-stas dictionaries (SPEC §3.7).
 */
#pragma once

#include <glib.h>

#include "stas/kernel.h"

typedef struct {
	gboolean discovery;	     /* TP8013 unique discovery NQN */
	gboolean host_iface;	     /* bind to an interface */
	gboolean dhchap_secret;	     /* host DH-HMAC-CHAP secret */
	gboolean dhchap_ctrl_secret; /* controller DH-HMAC-CHAP secret */
} StasKernelSupport;

/* Probe once: kernel release thresholds, then the first line of
 * /dev/nvme-fabrics (stas_path(STAS_PATH_NVME_FABRICS)) when needed.
 * @release: uname -r text (NULL = the running kernel). Problems reading the
 * file are returned in *warning (may be NULL) and the version answers stay. */
void stas_kernel_support_probe(StasKernelSupport *support, const char *release, char **warning);
/* Parse an options line ("instance=-1,...,host_iface=%s,discovery,..."). */
void stas_kernel_support_parse(StasKernelSupport *support, const char *line);

/* The real kernel layer. @trace sets libnvme's log level (debug / err). */
StasKernel *stas_nvme_kernel_new(gboolean trace);
void stas_nvme_kernel_set_trace(StasKernel *k, gboolean trace);

/* DLPE conversion, exposed for tests: one entry of a discovery log page as
 * the dictionary of SPEC §3.7 (all values strings). */
struct nvmf_disc_log_entry;
GHashTable *stas_dlpe_to_dict(const struct nvmf_disc_log_entry *e);
/* TRUE when @traddr is a placeholder that some CDCs return (0.0.0.0, ::, empty). */
gboolean stas_dlpe_is_placeholder(const char *traddr);
/* "Status:0x%04x - text" / "Result:0x%04x, Status:0x%04x - text" of a DIM command. */
char *stas_nvme_status_text(int status, guint32 result);
