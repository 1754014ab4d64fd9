// SPDX-License-Identifier: Apache-2.0
/*
 * The TCP reachability probe of probe.h: started without blocking, then
 * waited for by poll() (workers) or by the main loop (mDNS).
 */
#include <errno.h>
#include <net/if.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "stas/probe.h"

/* A socket address for @text ("fe80::1%eth0" carries its scope); FALSE when not an IP literal. */
static gboolean socket_address(const char *text, guint port, const char *iface, struct sockaddr_storage *ss,
			       socklen_t *len, GError **error)
{
	g_autofree char *bare = g_strndup(text, strcspn(text, "%"));
	const char *scope = strchr(text, '%');
	g_autoptr(GInetAddress) addr = g_inet_address_new_from_string(bare);
	g_autoptr(GSocketAddress) sa = NULL;
	guint scope_id = 0;

	if (!addr) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "\"%s\" is not an IP address",
			    text);
		return FALSE;
	}
	if (g_inet_address_get_family(addr) == G_SOCKET_FAMILY_IPV6) {
		static const guint8 mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
		const guint8 *b = g_inet_address_to_bytes(addr);

		if (memcmp(b, mapped, sizeof(mapped)) == 0) {
			GInetAddress *v4 = g_inet_address_new_from_bytes(b + 12, G_SOCKET_FAMILY_IPV4);

			g_object_unref(addr);
			addr = v4;
		} else {
			scope_id = if_nametoindex(scope ? scope + 1 : iface ? iface : "");
		}
	}
	sa = g_object_new(G_TYPE_INET_SOCKET_ADDRESS, "address", addr, "port", port, "scope-id", scope_id,
			  NULL);
	*len = (socklen_t)g_socket_address_get_native_size(sa);
	return g_socket_address_to_native(sa, ss, sizeof(*ss), error);
}

static gboolean fail(GError **error, const char *what, int code)
{
	g_set_error(error, G_IO_ERROR, g_io_error_from_errno(code), "%s: %s", what, g_strerror(code));
	return FALSE;
}

static int fail_fd(int fd, GError **error, const char *what, int code)
{
	fail(error, what, code);
	close(fd);
	return -1;
}

int stas_tcp_probe_begin(const char *traddr, const char *trsvcid, const char *host_iface,
			 const char *host_traddr, gboolean *pending, GError **error)
{
	struct sockaddr_storage target, source;
	socklen_t target_len, source_len;
	guint64 port = 0;
	int fd;

	if (host_iface && !*host_iface)
		host_iface = NULL;
	if (!g_ascii_string_to_unsigned(trsvcid ? trsvcid : "", 10, 1, 65535, &port, NULL)) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "\"%s\" is not a port",
			    trsvcid ? trsvcid : "");
		return -1;
	}
	if (!socket_address(traddr, (guint)port, host_iface, &target, &target_len, error))
		return -1;
	fd = socket(target.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		fail(error, "socket", errno);
		return -1;
	}
	/* Binding to a device needs CAP_NET_RAW; without it the probe still says
	 * whether the address answers at all, which is what matters most (and
	 * the scope of a link-local address already names the link). */
	if (host_iface)
		(void)setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, host_iface, strlen(host_iface) + 1);
	if (host_traddr && *host_traddr) {
		if (!socket_address(host_traddr, 0, host_iface, &source, &source_len, error)) {
			close(fd);
			return -1;
		}
		if (source.ss_family == target.ss_family &&
		    bind(fd, (struct sockaddr *)&source, source_len) < 0)
			return fail_fd(fd, error, "cannot bind to host-traddr", errno);
	}
	*pending = FALSE;
	if (connect(fd, (struct sockaddr *)&target, target_len) == 0)
		return fd;
	if (errno != EINPROGRESS)
		return fail_fd(fd, error, "not reachable", errno);
	*pending = TRUE;
	return fd;
}

gboolean stas_tcp_probe_result(int fd, GError **error)
{
	int code = 0;
	socklen_t code_len = sizeof(code);

	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &code, &code_len) < 0)
		return fail(error, "not reachable", errno);
	if (code)
		return fail(error, "not reachable", code);
	return TRUE;
}

gboolean stas_tcp_probe(const char *traddr, const char *trsvcid, const char *host_iface,
			const char *host_traddr, int timeout_ms, GError **error)
{
	gboolean pending, ok;
	struct pollfd pfd;
	int fd = stas_tcp_probe_begin(traddr, trsvcid, host_iface, host_traddr, &pending, error);
	int rc = 1;

	if (fd < 0)
		return FALSE;
	if (pending) {
		pfd.fd = fd;
		pfd.events = POLLOUT;
		do
			rc = poll(&pfd, 1, timeout_ms);
		while (rc < 0 && errno == EINTR);
	}
	if (rc == 0) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT, "not reachable: no answer within %d ms",
			    timeout_ms);
		ok = FALSE;
	} else if (rc < 0) {
		ok = fail(error, "not reachable", errno);
	} else {
		ok = !pending || stas_tcp_probe_result(fd, error);
	}
	close(fd);
	return ok;
}
