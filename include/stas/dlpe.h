/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Discovery log page entries (DLPEs): how one reads as the nvme-stas
 * dictionary of SPEC §3.7 (all values strings, always valid UTF-8), and
 * whether a DC's strings are safe to hand to the kernel.
 */
#pragma once

#include <glib.h>

struct nvmf_disc_log_entry;

/* One entry of a discovery log page as a dictionary (char* -> char*). */
GHashTable *stas_dlpe_to_dict(const struct nvmf_disc_log_entry *e);
/* TRUE when @traddr is a placeholder that some CDCs return (0.0.0.0, ::, empty). */
gboolean stas_dlpe_is_placeholder(const char *traddr);
/* Whether the entry (its dictionary) asks for NVMe/TCP TLS: a tcp entry whose TREQ says a
 * secure channel is required, or whose SECTYPE names TLS and TREQ does not make it optional. */
gboolean stas_dlpe_wants_tls(GHashTable *dlpe);
