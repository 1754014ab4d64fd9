// SPDX-License-Identifier: Apache-2.0
/*
 * Local network interfaces and their IP addresses (SPEC §6.5.1), and IP
 * literal helpers. Matching existing tcp connections needs "which interface
 * owns this source address" and "what is this interface's primary address".
 */
#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include "stas/iface.h"

typedef struct {
	char *name;
	GPtrArray *addresses; /* char*, in the order they were listed */
} StasIface;

struct _StasIfaces {
	GPtrArray *ifaces; /* StasIface*, in order of first appearance */
};

/* An IP literal reduced to what comparisons need. */
typedef struct {
	GSocketFamily family; /* after IPv4-mapped IPv6 was turned into IPv4 */
	guint8 bytes[16];
	char scope[IF_NAMESIZE + 1]; /* IPv6 "%scope" suffix without the '%', or "" */
} IpAddr;

/* Parses @text as an IPv4 or IPv6 literal. IPv6 may carry a "%scope"
 * suffix (Python's ipaddress accepts it, so upstream did too); it is kept
 * apart because the kernel never prints it in src_addr. @unmap: turn
 * ::ffff:a.b.c.d into a.b.c.d so both spellings compare equal. */
static gboolean ip_parse(const char *text, gboolean unmap, IpAddr *ip)
{
	char buf[INET6_ADDRSTRLEN + IF_NAMESIZE + 2];
	const char *percent;
	gsize len;

	memset(ip, 0, sizeof(*ip));
	if (!text || !*text)
		return FALSE;
	len = strlen(text);
	if (len >= sizeof(buf))
		return FALSE;
	memcpy(buf, text, len + 1);

	if (inet_pton(AF_INET, buf, ip->bytes) == 1) {
		ip->family = G_SOCKET_FAMILY_IPV4;
		return TRUE;
	}

	percent = strchr(buf, '%');
	if (percent) {
		gsize scope_len = len - (gsize)(percent - buf) - 1;

		if (scope_len == 0 || scope_len > IF_NAMESIZE)
			return FALSE;
		memcpy(ip->scope, percent + 1, scope_len + 1);
		buf[percent - buf] = '\0';
	}
	if (inet_pton(AF_INET6, buf, ip->bytes) != 1)
		return FALSE;
	ip->family = G_SOCKET_FAMILY_IPV6;

	if (unmap && IN6_IS_ADDR_V4MAPPED((const struct in6_addr *)ip->bytes)) {
		memmove(ip->bytes, ip->bytes + 12, 4);
		memset(ip->bytes + 4, 0, 12);
		ip->family = G_SOCKET_FAMILY_IPV4;
		ip->scope[0] = '\0';
	}
	return TRUE;
}

/* A missing scope means "unspecified" and matches any scope: the kernel
 * reports link-local src_addr without one while a configured host-traddr
 * may carry it. Two different explicit scopes are different links. */
static gboolean ip_addr_equal(const IpAddr *a, const IpAddr *b)
{
	if (a->family != b->family)
		return FALSE;
	if (memcmp(a->bytes, b->bytes, a->family == G_SOCKET_FAMILY_IPV4 ? 4 : 16) != 0)
		return FALSE;
	return !*a->scope || !*b->scope || g_str_equal(a->scope, b->scope);
}

gboolean stas_ip_equal(const char *a, const char *b)
{
	IpAddr x, y;

	return ip_parse(a, TRUE, &x) && ip_parse(b, TRUE, &y) && ip_addr_equal(&x, &y);
}

char *stas_ip_canonical(const char *text)
{
	char out[INET6_ADDRSTRLEN];
	IpAddr ip;

	if (!ip_parse(text, TRUE, &ip))
		return NULL;
	inet_ntop(ip.family == G_SOCKET_FAMILY_IPV4 ? AF_INET : AF_INET6, ip.bytes, out, sizeof(out));
	return *ip.scope ? g_strdup_printf("%s%%%s", out, ip.scope) : g_strdup(out);
}

/* The family of the literal as written: ::ffff:1.2.3.4 is IPv6 here, as in
 * upstream's ip-family filter (which does not unmap). */
GSocketFamily stas_ip_family(const char *text)
{
	IpAddr ip;

	return ip_parse(text, FALSE, &ip) ? ip.family : G_SOCKET_FAMILY_INVALID;
}

guint stas_iface_index(const char *ifname)
{
	return ifname && *ifname ? if_nametoindex(ifname) : 0;
}

/* ------------------------------------------------------------- snapshots */

static void iface_free(gpointer data)
{
	StasIface *iface = data;

	g_free(iface->name);
	g_ptr_array_unref(iface->addresses);
	g_free(iface);
}

StasIfaces *stas_ifaces_new(void)
{
	StasIfaces *ifaces = g_new0(StasIfaces, 1);

	ifaces->ifaces = g_ptr_array_new_with_free_func(iface_free);
	return ifaces;
}

void stas_ifaces_free(StasIfaces *ifaces)
{
	if (!ifaces)
		return;
	g_ptr_array_unref(ifaces->ifaces);
	g_free(ifaces);
}

static StasIface *find_iface(const StasIfaces *ifaces, const char *ifname)
{
	for (guint i = 0; ifname && i < ifaces->ifaces->len; i++) {
		StasIface *iface = g_ptr_array_index(ifaces->ifaces, i);

		if (g_str_equal(iface->name, ifname))
			return iface;
	}
	return NULL;
}

void stas_ifaces_add(StasIfaces *ifaces, const char *ifname, const char *address)
{
	StasIface *iface;

	g_return_if_fail(ifaces && ifname && *ifname);
	/* Owner and primary lookups only make sense for IP literals. */
	if (stas_ip_family(address) == G_SOCKET_FAMILY_INVALID)
		return;
	iface = find_iface(ifaces, ifname);
	if (!iface) {
		iface = g_new0(StasIface, 1);
		iface->name = g_strdup(ifname);
		iface->addresses = g_ptr_array_new_with_free_func(g_free);
		g_ptr_array_add(ifaces->ifaces, iface);
	}
	g_ptr_array_add(iface->addresses, g_strdup(address));
}

StasIfaces *stas_ifaces_snapshot(void)
{
	StasIfaces *ifaces = stas_ifaces_new();
	struct ifaddrs *list = NULL;

	if (getifaddrs(&list) < 0) {
		g_debug("getifaddrs: %s", g_strerror(errno));
		return ifaces;
	}
	/* glibc lists addresses in the order of the kernel's RTM_GETADDR dump,
	 * so the first address of a family on an interface is its primary. */
	for (const struct ifaddrs *ifa = list; ifa; ifa = ifa->ifa_next) {
		char text[INET6_ADDRSTRLEN];
		g_autofree char *name = NULL;
		const void *raw;
		char *colon;

		if (!ifa->ifa_addr || !ifa->ifa_name)
			continue;
		if (ifa->ifa_addr->sa_family == AF_INET)
			raw = &((const struct sockaddr_in *)ifa->ifa_addr)->sin_addr;
		else if (ifa->ifa_addr->sa_family == AF_INET6)
			raw = &((const struct sockaddr_in6 *)ifa->ifa_addr)->sin6_addr;
		else
			continue;
		/* inet_ntop, unlike getnameinfo, adds no "%scope" to link-local
		 * addresses: the interface is the scope. */
		if (!inet_ntop(ifa->ifa_addr->sa_family, raw, text, sizeof(text)))
			continue;
		/* IPv4 aliases come labelled "eth0:1"; ':' is not allowed in an
		 * interface name, so what precedes it is the real interface. */
		name = g_strdup(ifa->ifa_name);
		colon = strchr(name, ':');
		if (colon)
			*colon = '\0';
		stas_ifaces_add(ifaces, name, text);
	}
	freeifaddrs(list);
	return ifaces;
}

static gboolean iface_has(const StasIface *iface, const IpAddr *ip)
{
	for (guint i = 0; i < iface->addresses->len; i++) {
		IpAddr have;

		if (ip_parse(g_ptr_array_index(iface->addresses, i), TRUE, &have) && ip_addr_equal(&have, ip))
			return TRUE;
	}
	return FALSE;
}

const char *stas_ifaces_owner(const StasIfaces *ifaces, const char *address)
{
	const StasIface *scoped;
	IpAddr ip;

	if (!ifaces || !ip_parse(address, TRUE, &ip))
		return NULL;
	/* A link-local address can sit on several interfaces; an explicit
	 * scope naming one of them that has it settles which. */
	if (*ip.scope) {
		char byindex[IF_NAMESIZE];
		guint64 index;
		const char *scope_name = ip.scope;

		if (g_ascii_string_to_unsigned(ip.scope, 10, 1, G_MAXUINT, &index, NULL) &&
		    if_indextoname((unsigned int)index, byindex))
			scope_name = byindex;
		scoped = find_iface(ifaces, scope_name);
		if (scoped && iface_has(scoped, &ip))
			return scoped->name;
	}
	for (guint i = 0; i < ifaces->ifaces->len; i++) {
		const StasIface *iface = g_ptr_array_index(ifaces->ifaces, i);

		if (iface_has(iface, &ip))
			return iface->name;
	}
	return NULL;
}

const char *stas_ifaces_primary(const StasIfaces *ifaces, const char *ifname, GSocketFamily family)
{
	const StasIface *iface = ifaces ? find_iface(ifaces, ifname) : NULL;

	for (guint i = 0; iface && i < iface->addresses->len; i++) {
		const char *address = g_ptr_array_index(iface->addresses, i);

		if (stas_ip_family(address) == family)
			return address;
	}
	return NULL;
}
