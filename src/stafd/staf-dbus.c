// SPDX-License-Identifier: Apache-2.0
/*
 * stafd on D-Bus: org.nvmexpress.staf (generated skeleton) and
 * org.nvmexpress.staf.debug at /org/nvmexpress/staf. Replies carry secrets
 * (host key, dhchap-secret, dhchap-ctrl-secret) only to callers whose uid
 * is 0; nvme-stas showed them to every local user.
 */
#include <systemd/sd-daemon.h>

#include "staf.h"
#include "stas/dbus-util.h"

#define BUS_NAME    "org.nvmexpress.staf"
#define OBJECT_PATH "/org/nvmexpress/staf"

/* --------------------------------------------------------------- replies */

static GVariant *controller_list(StasStaf *staf, gboolean detailed, gboolean root)
{
	g_autoptr(GPtrArray) dcs = stas_staf_dcs(staf);
	GVariantBuilder builder;

	g_variant_builder_init(&builder, G_VARIANT_TYPE("aa{ss}"));
	for (guint i = 0; i < dcs->len; i++) {
		StasCtrl *ctrl = stas_dc_ctrl(g_ptr_array_index(dcs, i));
		g_autoptr(GHashTable) dict = detailed ? stas_ctrl_details(ctrl, root)
						      : stas_ctrl_id_dict(ctrl, root);

		g_variant_builder_add_value(&builder, stas_dbus_dict(dict));
	}
	return g_variant_builder_end(&builder);
}

static JsonNode *log_pages_json(StasDc *dc)
{
	const GPtrArray *entries = stas_dc_log_pages(dc);
	JsonArray *array = json_array_new();
	JsonNode *node = json_node_new(JSON_NODE_ARRAY);

	for (guint i = 0; i < entries->len; i++)
		json_array_add_element(array, stas_json_dict(g_ptr_array_index(entries, i)));
	json_node_take_array(node, array);
	return node;
}

static char *all_log_pages(StasStaf *staf, gboolean detailed, gboolean root)
{
	g_autoptr(GPtrArray) dcs = stas_staf_dcs(staf);
	g_autoptr(JsonNode) root_node = json_node_new(JSON_NODE_ARRAY);
	JsonArray *array = json_array_new();

	for (guint i = 0; i < dcs->len; i++) {
		StasDc *dc = g_ptr_array_index(dcs, i);
		StasCtrl *ctrl = stas_dc_ctrl(dc);
		g_autoptr(GHashTable) dict = detailed ? stas_ctrl_details(ctrl, root)
						      : stas_ctrl_id_dict(ctrl, root);
		JsonObject *element = json_object_new();

		json_object_set_member(element, "discovery-controller", stas_json_dict(dict));
		json_object_set_member(element, "log-pages", log_pages_json(dc));
		json_array_add_object_element(array, element);
	}
	json_node_take_array(root_node, array);
	return stas_json_to_string(root_node, FALSE);
}

static char *process_info(StasStaf *staf, gboolean root)
{
	g_autoptr(JsonBuilder) b = json_builder_new();
	g_autoptr(JsonNode) node = NULL;
	g_autoptr(GHashTable) terminator = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	g_autofree char *soak = stas_timer_describe(staf->soak);
	const struct {
		const char *key;
		const char *value;
	} host[] = {
		{ "hostnqn", staf->host->nqn },
		{ "hostid", staf->host->id },
		{ "hostkey", root ? staf->host->key : NULL },
		{ "symname", staf->host->symname },
	};
	gboolean tron = stas_logger_get_trace(staf->logger);
	GHashTableIter iter;
	gpointer key, value;

	json_builder_begin_object(b);
	json_builder_set_member_name(b, "tron");
	json_builder_add_boolean_value(b, tron);
	json_builder_set_member_name(b, "log-level");
	json_builder_add_string_value(b, tron ? "DEBUG" : "INFO");
	for (guint i = 0; i < G_N_ELEMENTS(host); i++) {
		json_builder_set_member_name(b, host[i].key);
		if (host[i].value)
			json_builder_add_string_value(b, host[i].value);
		else
			json_builder_add_null_value(b);
	}
	json_builder_set_member_name(b, "last known config file");
	json_builder_add_string_value(b, staf->state_path);
	json_builder_set_member_name(b, "config soak timer");
	json_builder_add_string_value(b, soak);
	json_builder_set_member_name(b, "kernel support.TP8013");
	json_builder_add_string_value(b, staf->env.support.discovery ? "True" : "False");
	json_builder_set_member_name(b, "kernel support.host_iface");
	json_builder_add_string_value(b, staf->env.support.host_iface ? "True" : "False");
	stas_terminator_describe(staf->terminator, terminator);
	g_hash_table_iter_init(&iter, terminator);
	while (g_hash_table_iter_next(&iter, &key, &value)) {
		json_builder_set_member_name(b, key);
		json_builder_add_string_value(b, value);
	}
	/* mDNS state: filled in by the zeroconf work. */
	json_builder_set_member_name(b, "avahi");
	json_builder_begin_object(b);
	json_builder_set_member_name(b, "avahi wake up timer");
	json_builder_add_null_value(b);
	json_builder_set_member_name(b, "service types");
	json_builder_begin_array(b);
	json_builder_end_array(b);
	json_builder_set_member_name(b, "services");
	json_builder_begin_object(b);
	json_builder_end_object(b);
	json_builder_end_object(b);
	json_builder_end_object(b);
	node = json_builder_get_root(b);
	return stas_json_to_string(node, FALSE);
}

static char *controller_info(StasStaf *staf, GVariant *params, gboolean root)
{
	const char *f[7];
	g_autoptr(StasTid) tid = NULL;
	g_autoptr(GHashTable) info = NULL;
	g_autoptr(JsonNode) node = NULL;
	StasDc *dc;

	g_variant_get(params, "(&s&s&s&s&s&s&s)", &f[0], &f[1], &f[2], &f[3], &f[4], &f[5], &f[6]);
	tid = stas_dbus_tid(f[0], f[1], f[2], f[3], f[4], f[5], f[6],
			    stas_conf_get_bool(staf->conf, STAS_OPT_IGNORE_IFACE));
	dc = stas_staf_lookup(staf, tid);
	if (!dc)
		return g_strdup("{}");
	info = stas_ctrl_info(stas_dc_ctrl(dc), root);
	node = stas_json_dict(info);
	return stas_json_to_string(node, FALSE);
}

/* --------------------------------------------- org.nvmexpress.staf methods */

typedef struct {
	StasStaf *staf;
	gboolean detailed;
} ListCall;

static void list_controllers_for(GDBusMethodInvocation *invocation, gboolean root, gpointer data)
{
	g_autofree ListCall *call = data;

	stas_dbus_staf_complete_list_controllers(call->staf->iface, invocation,
						 controller_list(call->staf, call->detailed, root));
}

static gboolean on_list_controllers(StasDbusStaf *iface, GDBusMethodInvocation *invocation, gboolean detailed,
				    gpointer data)
{
	ListCall *call = g_new0(ListCall, 1);

	call->staf = data;
	call->detailed = detailed;
	stas_dbus_caller_async(invocation, list_controllers_for, call);
	return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean on_get_log_pages(StasDbusStaf *iface, GDBusMethodInvocation *invocation,
				 const char *transport, const char *traddr, const char *trsvcid,
				 const char *subsysnqn, const char *host_traddr, const char *host_iface,
				 const char *host_nqn, gpointer data)
{
	StasStaf *staf = data;
	g_autoptr(StasTid)
		tid = stas_dbus_tid(transport, traddr, trsvcid, subsysnqn, host_traddr, host_iface, host_nqn,
				    stas_conf_get_bool(staf->conf, STAS_OPT_IGNORE_IFACE));
	StasDc *dc = stas_staf_lookup(staf, tid);
	GVariantBuilder builder;

	g_variant_builder_init(&builder, G_VARIANT_TYPE("aa{ss}"));
	if (dc) {
		const GPtrArray *entries = stas_dc_log_pages(dc);

		for (guint i = 0; i < entries->len; i++)
			g_variant_builder_add_value(&builder, stas_dbus_dict(g_ptr_array_index(entries, i)));
	}
	stas_dbus_staf_complete_get_log_pages(iface, invocation, g_variant_builder_end(&builder));
	return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static void all_log_pages_for(GDBusMethodInvocation *invocation, gboolean root, gpointer data)
{
	g_autofree ListCall *call = data;
	g_autofree char *json = all_log_pages(call->staf, call->detailed, root);

	stas_dbus_staf_complete_get_all_log_pages(call->staf->iface, invocation, json);
}

static gboolean on_get_all_log_pages(StasDbusStaf *iface, GDBusMethodInvocation *invocation,
				     gboolean detailed, gpointer data)
{
	ListCall *call = g_new0(ListCall, 1);

	call->staf = data;
	call->detailed = detailed;
	stas_dbus_caller_async(invocation, all_log_pages_for, call);
	return G_DBUS_METHOD_INVOCATION_HANDLED;
}

/* ------------------------------------------- org.nvmexpress.staf.debug */

static void debug_method_for(GDBusMethodInvocation *invocation, gboolean root, gpointer data)
{
	StasStaf *staf = data;
	const char *method = g_dbus_method_invocation_get_method_name(invocation);
	g_autofree char *json = NULL;

	if (g_str_equal(method, "process_info"))
		json = process_info(staf, root);
	else
		json = controller_info(staf, g_dbus_method_invocation_get_parameters(invocation), root);
	g_dbus_method_invocation_return_value(invocation, g_variant_new("(s)", json));
}

static void on_debug_method(GDBusConnection *bus, const char *sender, const char *path, const char *interface,
			    const char *method, GVariant *params, GDBusMethodInvocation *invocation,
			    gpointer data)
{
	/* GDBus has checked the signature against the interface info. */
	stas_dbus_caller_async(invocation, debug_method_for, data);
}

static GVariant *on_debug_get(GDBusConnection *bus, const char *sender, const char *path,
			      const char *interface, const char *property, GError **error, gpointer data)
{
	StasStaf *staf = data;
	gboolean tron = stas_logger_get_trace(staf->logger);

	if (g_str_equal(property, "tron"))
		return g_variant_new_boolean(tron);
	return g_variant_new_string(tron ? "DEBUG" : "INFO");
}

static gboolean on_debug_set(GDBusConnection *bus, const char *sender, const char *path,
			     const char *interface, const char *property, GVariant *value, GError **error,
			     gpointer data)
{
	StasStaf *staf = data;

	/* The bus policy already says so; a daemon does not rely on it alone. */
	if (!stas_dbus_sender_is_root(bus, sender)) {
		g_set_error(error, G_DBUS_ERROR, G_DBUS_ERROR_ACCESS_DENIED, "Only root may set %s",
			    property);
		return FALSE;
	}
	stas_staf_set_trace(staf, g_variant_get_boolean(value));
	return TRUE;
}

static const GDBusInterfaceVTable debug_vtable = {
	.method_call = on_debug_method,
	.get_property = on_debug_get,
	.set_property = on_debug_set,
};

/* ----------------------------------------------------------- bus name */

static void on_name_acquired(GDBusConnection *bus, const char *name, gpointer data)
{
	stas_info("Acquired D-Bus name %s", name);
	sd_notify(0, "READY=1");
}

static void on_name_lost(GDBusConnection *bus, const char *name, gpointer data)
{
	StasStaf *staf = data;

	/* Another stafd owns it, or there is no bus: not a state to run in. */
	g_printerr("stafd: cannot own D-Bus name %s (already running, or no system bus)\n", name);
	staf->exit_status = 1;
	g_main_loop_quit(staf->loop);
}

gboolean stas_staf_dbus_start(StasStaf *staf, GError **error)
{
	staf->bus = g_bus_get_sync(G_BUS_TYPE_SYSTEM, NULL, error);
	if (!staf->bus)
		return FALSE;
	staf->iface = stas_dbus_staf_skeleton_new();
	g_signal_connect(staf->iface, "handle-list-controllers", G_CALLBACK(on_list_controllers), staf);
	g_signal_connect(staf->iface, "handle-get-log-pages", G_CALLBACK(on_get_log_pages), staf);
	g_signal_connect(staf->iface, "handle-get-all-log-pages", G_CALLBACK(on_get_all_log_pages), staf);
	if (!g_dbus_interface_skeleton_export(G_DBUS_INTERFACE_SKELETON(staf->iface), staf->bus, OBJECT_PATH,
					      error))
		return FALSE;
	staf->debug_id = g_dbus_connection_register_object(staf->bus, OBJECT_PATH,
							   stas_dbus_staf_debug_interface_info(),
							   &debug_vtable, staf, NULL, error);
	if (!staf->debug_id)
		return FALSE;
	/* Exported first, then the name: a client that sees the name can call. */
	staf->name_id = g_bus_own_name_on_connection(staf->bus, BUS_NAME, G_BUS_NAME_OWNER_FLAGS_DO_NOT_QUEUE,
						     on_name_acquired, on_name_lost, staf, NULL);
	return TRUE;
}

void stas_staf_dbus_stop(StasStaf *staf)
{
	g_clear_handle_id(&staf->name_id, g_bus_unown_name);
	if (staf->debug_id) {
		g_dbus_connection_unregister_object(staf->bus, staf->debug_id);
		staf->debug_id = 0;
	}
	if (staf->iface) {
		g_dbus_interface_skeleton_unexport(G_DBUS_INTERFACE_SKELETON(staf->iface));
		g_clear_object(&staf->iface);
	}
	if (staf->bus) {
		g_dbus_connection_flush_sync(staf->bus, NULL, NULL);
		g_clear_object(&staf->bus);
	}
}

void stas_staf_dbus_log_pages_changed(StasStaf *staf, StasDc *dc)
{
	const StasTid *tid = stas_dc_ctrl(dc)->tid;

	if (!staf->iface)
		return;
	stas_dbus_staf_emit_log_pages_changed(staf->iface, stas_tid_transport(tid), stas_tid_traddr(tid),
					      stas_tid_trsvcid(tid), stas_tid_subsysnqn(tid),
					      stas_tid_host_traddr(tid), stas_tid_host_iface(tid),
					      stas_tid_host_nqn(tid), stas_ctrl_device(stas_dc_ctrl(dc)));
}

void stas_staf_dbus_dc_removed(StasStaf *staf)
{
	if (staf->iface)
		stas_dbus_staf_emit_dc_removed(staf->iface);
}
