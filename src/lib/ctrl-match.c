// SPDX-License-Identifier: Apache-2.0
/*
 * Does an existing kernel controller match a TID (SPEC §6.5)? The rules per
 * transport, tcp's source-address inference for kernels before and after
 * 6.1, and the scan that finds the device a controller adopts.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

#include "stas/names.h"
#include "stas/udev.h"

static const char *cid_get(GHashTable *cid, const char *key)
{
	const char *value = g_hash_table_lookup(cid, key);

	return value ? value : "";
}

/* Addresses that both parse compare as IP; anything else (empty, names)
 * compares as text, so two different non-addresses never match. */
static gboolean addr_equal(const char *a, const char *b)
{
	if (stas_ip_family(a) != G_SOCKET_FAMILY_INVALID && stas_ip_family(b) != G_SOCKET_FAMILY_INVALID)
		return stas_ip_equal(a, b);
	return g_str_equal(a, b);
}

/* The family @text compares in: an IPv4-mapped IPv6 address is IPv4. */
static GSocketFamily compare_family(const char *text)
{
	GSocketFamily family = stas_ip_family(text);
	struct in6_addr a6;

	if (family == G_SOCKET_FAMILY_IPV6) {
		g_autofree char *bare = g_strndup(text, strcspn(text, "%"));

		if (inet_pton(AF_INET6, bare, &a6) == 1 && IN6_IS_ADDR_V4MAPPED(&a6))
			return G_SOCKET_FAMILY_IPV4;
	}
	return family;
}

/* Taking a snapshot costs a netlink dump: only when a rule needs one. */
static const StasIfaces *need_ifaces(const StasIfaces *given, StasIfaces **own)
{
	if (given)
		return given;
	if (!*own)
		*own = stas_ifaces_snapshot();
	return *own;
}

/* Kernels before 6.1 do not tell which source address a connection uses,
 * so infer it from what the connection was created with; when that says
 * nothing, assume a match rather than open a duplicate connection. */
static gboolean tcp_host_matches_legacy(GHashTable *cid, const StasTid *tid, const StasIfaces *ifaces)
{
	const char *host_traddr = stas_tid_host_traddr(tid);
	const char *host_iface = stas_tid_host_iface(tid);
	const char *cid_traddr = cid_get(cid, "host-traddr");
	const char *cid_iface = cid_get(cid, "host-iface");
	gboolean cid_has_traddr = stas_ip_family(cid_traddr) != G_SOCKET_FAMILY_INVALID;
	g_autoptr(StasIfaces) own = NULL;

	if (*host_traddr) {
		if (cid_has_traddr) {
			if (!stas_ip_equal(host_traddr, cid_traddr))
				return FALSE;
		} else if (*cid_iface) {
			/* Without host-traddr the kernel used the interface's
			 * primary address of the destination's family. */
			GSocketFamily family = compare_family(host_traddr);
			const char *primary = NULL;

			if (family != G_SOCKET_FAMILY_INVALID)
				primary = stas_ifaces_primary(need_ifaces(ifaces, &own), cid_iface, family);
			if (primary && !stas_ip_equal(primary, host_traddr))
				return FALSE;
		} else {
			g_debug("%s: existing connection has no host-traddr nor host-iface; assuming it "
				"matches",
				stas_tid_to_string(tid));
		}
	}

	if (*host_iface) {
		if (*cid_iface) {
			if (!g_str_equal(host_iface, cid_iface))
				return FALSE;
		} else if (cid_has_traddr) {
			const char *owner = stas_ifaces_owner(need_ifaces(ifaces, &own), cid_traddr);

			if (!owner || !g_str_equal(host_iface, owner))
				return FALSE;
		} else {
			g_debug("%s: existing connection has no host-traddr nor host-iface; assuming it "
				"matches",
				stas_tid_to_string(tid));
		}
	}
	return TRUE;
}

static gboolean tcp_host_matches(GHashTable *cid, const StasTid *tid, const StasIfaces *ifaces)
{
	const char *host_traddr = stas_tid_host_traddr(tid);
	const char *host_iface = stas_tid_host_iface(tid);
	const char *src_addr = cid_get(cid, "src-addr");
	g_autoptr(StasIfaces) own = NULL;

	if (!*host_traddr && !*host_iface)
		return TRUE;
	if (stas_ip_family(src_addr) == G_SOCKET_FAMILY_INVALID)
		return tcp_host_matches_legacy(cid, tid, ifaces);

	/* src_addr is where the connection really comes from: it answers
	 * both questions, whatever the connection was created with. */
	if (*host_traddr && !stas_ip_equal(host_traddr, src_addr))
		return FALSE;
	if (*host_iface) {
		const char *owner = stas_ifaces_owner(need_ifaces(ifaces, &own), src_addr);

		if (!owner || !g_str_equal(host_iface, owner))
			return FALSE;
	}
	return TRUE;
}

gboolean stas_udev_cid_matches(GHashTable *cid, const StasTid *tid, const StasIfaces *ifaces)
{
	const char *transport, *subsysnqn;
	gboolean ip_transport;

	if (!cid || !tid)
		return FALSE;
	transport = stas_tid_transport(tid);
	if (!g_str_equal(transport, cid_get(cid, "transport")) ||
	    !g_str_equal(stas_tid_trsvcid(tid), cid_get(cid, "trsvcid")) ||
	    !g_str_equal(stas_tid_host_nqn(tid), cid_get(cid, "host-nqn")))
		return FALSE;

	/* TP8013: a DC reached with the well-known NQN may report its own. */
	subsysnqn = stas_tid_subsysnqn(tid);
	if (!g_str_equal(subsysnqn, STAS_WKNQN) && !g_str_equal(subsysnqn, cid_get(cid, "subsysnqn")))
		return FALSE;

	ip_transport = g_str_equal(transport, "tcp") || g_str_equal(transport, "rdma");
	if (ip_transport ? !addr_equal(stas_tid_traddr(tid), cid_get(cid, "traddr"))
			 : g_ascii_strcasecmp(stas_tid_traddr(tid), cid_get(cid, "traddr")) != 0)
		return FALSE;

	if (g_str_equal(transport, "tcp"))
		return tcp_host_matches(cid, tid, ifaces);
	if (g_str_equal(transport, "fc")) /* host-traddr is mandatory for fc */
		return g_ascii_strcasecmp(stas_tid_host_traddr(tid), cid_get(cid, "host-traddr")) == 0;
	if (g_str_equal(transport, "rdma") && *stas_tid_host_traddr(tid))
		return addr_equal(stas_tid_host_traddr(tid), cid_get(cid, "host-traddr"));
	return TRUE;
}

/* The cheap first look of a search: transport, address, port and NQNs, which
 * the index keeps for every device (stas_udev_cid_matches has the rules). */
static gboolean address_may_match(const StasSysfsAddr *addr, const StasTid *tid)
{
	const char *transport = stas_tid_transport(tid);
	const char *subsysnqn = stas_tid_subsysnqn(tid);

	if (!g_str_equal(transport, addr->transport) || !g_str_equal(stas_tid_trsvcid(tid), addr->trsvcid) ||
	    !g_str_equal(stas_tid_host_nqn(tid), addr->hostnqn))
		return FALSE;
	if (!g_str_equal(subsysnqn, STAS_WKNQN) && !g_str_equal(subsysnqn, addr->subsysnqn))
		return FALSE;
	if (g_str_equal(transport, "tcp") || g_str_equal(transport, "rdma"))
		return addr_equal(stas_tid_traddr(tid), addr->traddr);
	return g_ascii_strcasecmp(stas_tid_traddr(tid), addr->traddr) == 0;
}

char *stas_udev_find_free_ctrl(StasSysfsIndex *index, const StasTid *tid, gboolean discovery,
			       const StasIfaces *ifaces, gboolean (*owned)(const char *device, gpointer data),
			       gpointer owned_data)
{
	const GPtrArray *devices;
	const char *sysfs_root;
	g_autoptr(StasIfaces) own = NULL;
	g_autofree char *wildcard = NULL;

	g_return_val_if_fail(index && tid, NULL);
	sysfs_root = stas_sysfs_index_root(index);
	devices = stas_sysfs_index_scan(index);
	/* One snapshot for the whole search instead of one per controller. */
	if (!ifaces && g_str_equal(stas_tid_transport(tid), "tcp") &&
	    (*stas_tid_host_traddr(tid) || *stas_tid_host_iface(tid)))
		ifaces = need_ifaces(NULL, &own);

	for (guint i = 0; i < devices->len; i++) {
		const StasSysfsAddr *addr = g_ptr_array_index(devices, i);
		const char *name = addr->name;
		g_autoptr(GHashTable) cid = NULL;

		if (!address_may_match(addr, tid))
			continue;
		cid = stas_udev_ctrl_cid(sysfs_root, name);
		if (!cid || !stas_udev_cid_matches(cid, tid, ifaces))
			continue;
		if (!(discovery ? stas_udev_is_dc_device(sysfs_root, name)
				: stas_udev_is_ioc_device(sysfs_root, name)))
			continue;
		if (owned && owned(name, owned_data))
			continue;
		if (g_str_equal(cid_get(cid, "subsysnqn"), stas_tid_subsysnqn(tid)))
			return g_strdup(name);
		if (!wildcard)
			wildcard = g_strdup(name);
	}
	return g_steal_pointer(&wildcard);
}

char *stas_udev_find_ctrl(const char *sysfs_root, const StasTid *tid, gboolean discovery,
			  const StasIfaces *ifaces)
{
	g_autoptr(StasSysfsIndex) index = stas_sysfs_index_new(sysfs_root);

	return stas_udev_find_free_ctrl(index, tid, discovery, ifaces, NULL, NULL);
}

StasTid *stas_udev_ctrl_tid(const char *sysfs_root, const char *sysname, const StasIfaces *ifaces,
			    gboolean ignore_iface)
{
	g_autoptr(GHashTable) cid = stas_udev_ctrl_cid(sysfs_root, sysname);
	g_autoptr(StasIfaces) own = NULL;
	const char *src_addr;

	if (!cid)
		return NULL;
	/* The kernel records host-iface only when it was asked for one; the
	 * source address still tells which interface the connection uses. */
	src_addr = cid_get(cid, "src-addr");
	if (!ignore_iface && g_str_equal(cid_get(cid, "transport"), "tcp") && !*cid_get(cid, "host-iface") &&
	    *src_addr) {
		const char *owner = stas_ifaces_owner(need_ifaces(ifaces, &own), src_addr);

		g_hash_table_insert(cid, g_strdup("host-iface"), g_strdup(owner ? owner : ""));
	}
	/* The cid always has host-nqn, so no system Host NQN is needed. */
	return stas_tid_new(cid, NULL, ignore_iface);
}
