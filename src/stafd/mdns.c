// SPDX-License-Identifier: Apache-2.0
/*
 * Reading mDNS advertisements of discovery controllers. Anything on the
 * network can advertise _nvme-disc._tcp, so every byte is checked before it
 * becomes part of a controller's identity.
 */
#include <string.h>

#include "mdns.h"
#include "stas/log.h"

static gboolean printable_ascii(const guint8 *bytes, gsize len)
{
	for (gsize i = 0; i < len; i++) {
		if (bytes[i] < 0x20 || bytes[i] > 0x7e)
			return FALSE;
	}
	return TRUE;
}

/* TRUE when the item starts with "nqn=" in any case. */
static gboolean is_nqn_item(const guint8 *bytes, gsize len)
{
	return len >= 4 && g_ascii_strncasecmp((const char *)bytes, "nqn=", 4) == 0;
}

GHashTable *stas_mdns_txt_parse(AvahiStringList *txt)
{
	GHashTable *items = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);

	for (AvahiStringList *l = txt; l; l = avahi_string_list_get_next(l)) {
		const guint8 *bytes = avahi_string_list_get_text(l);
		gsize len = avahi_string_list_get_size(l);
		const guint8 *eq = memchr(bytes, '=', len);

		if (!printable_ascii(bytes, len) || !eq || eq == bytes ||
		    memchr(eq + 1, '=', len - (eq + 1 - bytes))) {
			g_autofree char *raw = g_strndup((const char *)bytes, len);
			g_autofree char *shown = g_strescape(raw, NULL);

			stas_info("mDNS TXT item \"%s\" ignored: not one key=value of printable ASCII",
				  shown);
			/* Without its NQN the service is not what it claims to be. */
			if (is_nqn_item(bytes, len))
				g_hash_table_insert(items, g_strdup("nqn"), NULL);
			continue;
		}
		g_hash_table_insert(items, g_ascii_strdown((const char *)bytes, eq - bytes),
				    g_strndup((const char *)eq + 1, len - (eq + 1 - bytes)));
	}
	return items;
}

/* An NQN that can go into the kernel's option string as it is: printable
 * ASCII without ',', '=' or white space (fuzz F1). */
static gboolean nqn_valid(const char *nqn)
{
	for (const char *c = nqn; *c; c++) {
		if (*c <= ' ' || *c > '~' || *c == ',' || *c == '=')
			return FALSE;
	}
	return TRUE;
}

GHashTable *stas_mdns_identity(GHashTable *txt, const char *address, guint16 port, const char *ifname,
			       gboolean tp8013, char **why)
{
	const char *p = g_hash_table_lookup(txt, "p");
	const char *nqn = g_hash_table_lookup(txt, "nqn");
	g_autofree char *protocol = p ? g_strstrip(g_ascii_strdown(p, -1)) : NULL;
	g_autofree char *nqn_text = nqn ? g_strstrip(g_strdup(nqn)) : NULL;
	const char *transport;
	GHashTable *cid;

	if (g_strcmp0(protocol, "tcp") == 0) {
		transport = "tcp";
	} else if (g_strcmp0(protocol, "roce") == 0 || g_strcmp0(protocol, "iwarp") == 0 ||
		   g_strcmp0(protocol, "rdma") == 0) {
		transport = "rdma";
	} else {
		*why = protocol ? g_strdup_printf("unknown protocol p=%s", protocol)
				: g_strdup("no protocol (p=)");
		return NULL;
	}
	if (g_hash_table_contains(txt, "nqn") && (!nqn_text || !nqn_valid(nqn_text))) {
		g_autofree char *shown = nqn_text ? g_strescape(nqn_text, NULL) : NULL;

		*why = shown ? g_strdup_printf("invalid nqn=%s (',', '=', white space or control characters)",
					       shown)
			     : g_strdup("unreadable nqn= item");
		return NULL;
	}
	cid = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	g_hash_table_insert(cid, g_strdup("transport"), g_strdup(transport));
	g_hash_table_insert(cid, g_strdup("traddr"), g_strstrip(g_strdup(address)));
	g_hash_table_insert(cid, g_strdup("trsvcid"), g_strdup_printf("%u", port));
	/* Only TCP connections can be bound to the interface the DC was seen on. */
	g_hash_table_insert(cid, g_strdup("host-iface"),
			    g_strdup(g_str_equal(transport, "tcp") ? ifname : ""));
	g_hash_table_insert(cid, g_strdup("subsysnqn"),
			    g_strdup(tp8013 && nqn_text && *nqn_text ? nqn_text : STAS_WKNQN));
	return cid;
}

char *stas_mdns_service_id(int ifindex, gboolean ipv6, const char *name, const char *type, const char *domain)
{
	return g_strdup_printf("(%d, %s, %s.%s, %s)", ifindex, ipv6 ? "IPv6" : "IPv4", name, domain, type);
}

guint stas_backoff_next(StasBackoff *backoff)
{
	static const guint delays[] = { 5, 10, 30, 60, 300, 600 };
	guint delay = delays[MIN(backoff->next, G_N_ELEMENTS(delays) - 1)];

	if (backoff->next < G_N_ELEMENTS(delays))
		backoff->next++;
	return delay;
}
