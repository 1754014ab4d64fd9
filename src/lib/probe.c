// SPDX-License-Identifier: Apache-2.0
/*
 * The blocking TCP reachability probe of probe.h.
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
	if (g_inet_address_get_family(addr) == G_SOCKET_FAMILY_IPV6)
		scope_id = if_nametoindex(scope ? scope + 1 : iface ? iface : "");
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

gboolean stas_tcp_probe(const char *traddr, const char *trsvcid, const char *host_iface,
			const char *host_traddr, int timeout_ms, GError **error)
{
	struct sockaddr_storage target, source;
	socklen_t target_len, source_len;
	guint64 port = 0;
	struct pollfd pfd;
	int fd, rc, code = 0;
	socklen_t code_len = sizeof(code);
	gboolean ok = FALSE;

	if (host_iface && !*host_iface)
		host_iface = NULL;
	if (!g_ascii_string_to_unsigned(trsvcid ? trsvcid : "", 10, 1, 65535, &port, NULL)) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "\"%s\" is not a port",
			    trsvcid ? trsvcid : "");
		return FALSE;
	}
	if (!socket_address(traddr, (guint)port, host_iface, &target, &target_len, error))
		return FALSE;
	fd = socket(target.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return fail(error, "socket", errno);
	/* Binding to a device needs CAP_NET_RAW; without it the probe still says
	 * whether the address answers at all, which is what matters most. */
	if (host_iface)
		(void)setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, host_iface, strlen(host_iface) + 1);
	if (host_traddr && *host_traddr) {
		if (!socket_address(host_traddr, 0, host_iface, &source, &source_len, error))
			goto out;
		if (source.ss_family == target.ss_family &&
		    bind(fd, (struct sockaddr *)&source, source_len) < 0) {
			fail(error, "cannot bind to host-traddr", errno);
			goto out;
		}
	}
	rc = connect(fd, (struct sockaddr *)&target, target_len);
	if (rc < 0 && errno != EINPROGRESS) {
		fail(error, "not reachable", errno);
		goto out;
	}
	if (rc < 0) {
		pfd.fd = fd;
		pfd.events = POLLOUT;
		do
			rc = poll(&pfd, 1, timeout_ms);
		while (rc < 0 && errno == EINTR);
		if (rc == 0) {
			g_set_error(error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
				    "not reachable: no answer within %d ms", timeout_ms);
			goto out;
		}
		if (rc < 0 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &code, &code_len) < 0) {
			fail(error, "not reachable", errno);
			goto out;
		}
		if (code) {
			fail(error, "not reachable", code);
			goto out;
		}
	}
	ok = TRUE;
out:
	close(fd);
	return ok;
}
