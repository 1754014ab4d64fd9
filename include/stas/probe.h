/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Is anything listening there? A plain TCP connect with a short timeout,
 * made before the kernel is asked to connect: the kernel holds its global
 * fabrics mutex for the whole of a blocking connect, so one black-holed
 * address (a stale controller= line, a referral to an unreachable fabric)
 * would otherwise stall every NVMe-oF connect on the host for the SYN
 * timeout, about two minutes, on every retry (review-stafd #5).
 * Blocking: call it from a worker thread only.
 */
#pragma once

#include <gio/gio.h>

#define STAS_PROBE_TIMEOUT_MS 5000

/* @traddr: an IP literal (IPv6 may carry "%scope"); @host_iface and
 * @host_traddr (NULL or "" = none): where the connection must come from,
 * as the kernel would bind it. FALSE with @error when nothing answered. */
gboolean stas_tcp_probe(const char *traddr, const char *trsvcid, const char *host_iface,
			const char *host_traddr, int timeout_ms, GError **error);
