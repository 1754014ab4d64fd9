/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Is anything listening there? A plain TCP connect with a short timeout,
 * made before the kernel is asked to connect: the kernel holds its global
 * fabrics mutex for the whole of a blocking connect, so one black-holed
 * address (a stale controller= line, a referral to an unreachable fabric)
 * would otherwise stall every NVMe-oF connect on the host for the kernel's
 * SYN timeout on every attempt (about 3 s with nvme-tcp, which sets
 * TCP_SYNCNT 1; the blackhole VM scenario measures it) (review-stafd #5). stafd's
 * mDNS probes make the same connect without blocking, on the main loop.
 */
#pragma once

#include <gio/gio.h>

#define STAS_PROBE_TIMEOUT_MS 5000

/* Starts the probe: a non-blocking TCP socket bound as the kernel would bind
 * the connection, its connect under way. @traddr: an IP literal (IPv6 may
 * carry "%scope", else @host_iface is its scope; an IPv4-mapped IPv6 address
 * is IPv4); @host_iface and @host_traddr (NULL or "" = none): where the
 * connection must come from. Returns the socket, with *@pending TRUE until
 * it is writable (then ask stas_tcp_probe_result), or -1 with @error. */
int stas_tcp_probe_begin(const char *traddr, const char *trsvcid, const char *host_iface,
			 const char *host_traddr, gboolean *pending, GError **error);
/* The outcome of a pending probe once @fd is writable. */
gboolean stas_tcp_probe_result(int fd, GError **error);

/* The whole probe, waiting at most @timeout_ms. Blocking: call it from a
 * worker thread only. FALSE with @error when nothing answered. */
gboolean stas_tcp_probe(const char *traddr, const char *trsvcid, const char *host_iface,
			const char *host_traddr, int timeout_ms, GError **error);
