// SPDX-License-Identifier: Apache-2.0
/*
 * D-Bus helpers shared by stafd and stacd. Replies are built from plain
 * string tables so that every value a client sees is a string, as the
 * a{ss} signatures of nvme-stas require.
 */
#include "stas/dbus-util.h"

typedef struct {
	GDBusMethodInvocation *invocation;
	StasCallerFunc func;
	gpointer data;
} CallerQuery;

static void on_unix_user(GObject *source, GAsyncResult *res, gpointer data)
{
	g_autofree CallerQuery *query = data;
	g_autoptr(GVariant) reply = g_dbus_connection_call_finish(G_DBUS_CONNECTION(source), res, NULL);
	guint32 uid = G_MAXUINT32;

	if (reply)
		g_variant_get(reply, "(u)", &uid);
	query->func(query->invocation, uid == 0, query->data);
	g_object_unref(query->invocation);
}

void stas_dbus_caller_async(GDBusMethodInvocation *invocation, StasCallerFunc func, gpointer data)
{
	CallerQuery *query = g_new0(CallerQuery, 1);
	const char *sender = g_dbus_method_invocation_get_sender(invocation);

	query->invocation = g_object_ref(invocation);
	query->func = func;
	query->data = data;
	if (!sender) { /* peer-to-peer: no bus to ask; trust nobody */
		on_unix_user(NULL, NULL, query);
		return;
	}
	g_dbus_connection_call(g_dbus_method_invocation_get_connection(invocation), "org.freedesktop.DBus",
			       "/org/freedesktop/DBus", "org.freedesktop.DBus", "GetConnectionUnixUser",
			       g_variant_new("(s)", sender), G_VARIANT_TYPE("(u)"), G_DBUS_CALL_FLAGS_NONE,
			       5000, NULL, on_unix_user, query);
}

gboolean stas_dbus_sender_is_root(GDBusConnection *bus, const char *sender)
{
	g_autoptr(GVariant) reply = NULL;
	guint32 uid = G_MAXUINT32;

	if (!sender)
		return FALSE;
	reply = g_dbus_connection_call_sync(bus, "org.freedesktop.DBus", "/org/freedesktop/DBus",
					    "org.freedesktop.DBus", "GetConnectionUnixUser",
					    g_variant_new("(s)", sender), G_VARIANT_TYPE("(u)"),
					    G_DBUS_CALL_FLAGS_NONE, 2000, NULL, NULL);
	if (reply)
		g_variant_get(reply, "(u)", &uid);
	return uid == 0;
}

static GList *sorted_keys(GHashTable *dict)
{
	return g_list_sort(g_hash_table_get_keys(dict), (GCompareFunc)g_strcmp0);
}

GVariant *stas_dbus_dict(GHashTable *dict)
{
	GVariantBuilder builder;
	g_autoptr(GList) keys = sorted_keys(dict);

	g_variant_builder_init(&builder, G_VARIANT_TYPE("a{ss}"));
	for (GList *l = keys; l; l = l->next) {
		const char *value = g_hash_table_lookup(dict, l->data);

		/* a{ss} carries UTF-8 only; kernel attributes could be anything. */
		if (g_utf8_validate(l->data, -1, NULL))
			g_variant_builder_add(&builder, "{ss}", l->data,
					      value && g_utf8_validate(value, -1, NULL) ? value : "");
	}
	return g_variant_builder_end(&builder);
}

StasTid *stas_dbus_tid(const char *transport, const char *traddr, const char *trsvcid, const char *subsysnqn,
		       const char *host_traddr, const char *host_iface, const char *host_nqn,
		       gboolean ignore_iface)
{
	const StasTidFields fields = { transport,   traddr,	trsvcid, subsysnqn,
				       host_traddr, host_iface, host_nqn };

	return stas_tid_new_from_fields(&fields, host_nqn, ignore_iface);
}

char *stas_dbus_introspection_xml(GDBusInterfaceInfo *const *interfaces)
{
	GString *xml = g_string_new(
		"<!DOCTYPE node PUBLIC \"-//freedesktop//DTD D-BUS Object Introspection 1.0//EN\"\n"
		"\"http://www.freedesktop.org/standards/dbus/1.0/introspect.dtd\">\n<node>\n");

	for (guint i = 0; interfaces[i]; i++)
		g_dbus_interface_info_generate_xml(interfaces[i], 2, xml);
	g_string_append(xml, "</node>\n");
	return g_string_free(xml, FALSE);
}
