// SPDX-License-Identifier: Apache-2.0
/*
 * The D-Bus side both daemons share: the debug interface (process_info,
 * controller_info, explain, plan, metrics, reload, the tron and log_level
 * properties, with the caller's uid deciding what secrets it sees and who
 * may change anything) and owning the bus name.
 */
#include <systemd/sd-daemon.h>

#include "service-private.h"
#include "stas/dbus-util.h"

/* ------------------------------------------------------ the debug interface */

static char *process_info(StasService *svc, gboolean root)
{
	g_autoptr(JsonBuilder) b = json_builder_new();
	g_autoptr(JsonNode) node = NULL;
	g_autoptr(GHashTable) terminator = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	g_autoptr(GList) keys = NULL;
	g_autofree char *soak = stas_timer_describe(svc->soak);
	const struct {
		const char *key;
		const char *value;
	} host[] = {
		{ "hostnqn", svc->host->nqn },
		{ "hostid", svc->host->id },
		{ "hostkey", root ? svc->host->key : NULL }, /* nvme-stas showed it to anyone */
		{ "symname", svc->host->symname },
	};
	gboolean tron = stas_logger_get_trace(svc->logger);

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
	json_builder_add_string_value(b, svc->state_path);
	json_builder_set_member_name(b, "config soak timer");
	json_builder_add_string_value(b, soak);
	json_builder_set_member_name(b, "kernel support.TP8013");
	json_builder_add_string_value(b, svc->env.support.discovery ? "True" : "False");
	json_builder_set_member_name(b, "kernel support.host_iface");
	json_builder_add_string_value(b, svc->env.support.host_iface ? "True" : "False");
	stas_terminator_describe(svc->terminator, terminator);
	keys = g_list_sort(g_hash_table_get_keys(terminator), (GCompareFunc)g_strcmp0);
	for (GList *l = keys; l; l = l->next) {
		json_builder_set_member_name(b, l->data);
		json_builder_add_string_value(b, g_hash_table_lookup(terminator, l->data));
	}
	json_builder_set_member_name(b, "counters");
	json_builder_begin_object(b);
	json_builder_set_member_name(b, "reconciliations");
	json_builder_add_int_value(b, svc->counters.reconciliations);
	json_builder_set_member_name(b, "udev overflows");
	json_builder_add_int_value(b, svc->counters.udev_overflows);
	json_builder_set_member_name(b, "dbus refused");
	json_builder_add_int_value(b, svc->counters.dbus_refused);
	for (guint cause = 0; cause < STAS_CAUSE_KERNEL; cause++) { /* the kernel's are per controller */
		g_autofree char *name = g_strdup_printf("removed (%s)", stas_cause_name(cause));

		json_builder_set_member_name(b, name);
		json_builder_add_int_value(b,
					   svc->counters.removed[cause][0] + svc->counters.removed[cause][1]);
	}
	json_builder_end_object(b);
	if (svc->klass->process_info)
		svc->klass->process_info(svc, b, root);
	json_builder_end_object(b);
	node = json_builder_get_root(b);
	return stas_json_to_string(node, FALSE);
}

static char *controller_info(StasService *svc, GVariant *params, gboolean root)
{
	const char *f[7];
	g_autoptr(StasTid) tid = NULL;
	g_autoptr(GHashTable) info = NULL;
	g_autoptr(JsonNode) node = NULL;
	StasCtrl *ctrl;

	g_variant_get(params, "(&s&s&s&s&s&s&s)", &f[0], &f[1], &f[2], &f[3], &f[4], &f[5], &f[6]);
	tid = stas_dbus_tid(f[0], f[1], f[2], f[3], f[4], f[5], f[6],
			    stas_conf_get_bool(svc->conf, STAS_OPT_IGNORE_IFACE));
	ctrl = stas_service_lookup(svc, tid);
	if (!ctrl)
		return g_strdup("{}");
	info = stas_ctrl_info(ctrl, root);
	node = stas_json_dict(info);
	return stas_json_to_string(node, FALSE);
}

/* reload's answer: the invocation is the one GDBus handed over. */
static void on_reloaded(StasService *svc, gboolean in_force, gpointer invocation)
{
	g_dbus_method_invocation_return_value(invocation, NULL);
}

static void debug_method_for(GDBusMethodInvocation *invocation, gboolean root, gpointer data)
{
	StasService *svc = data;
	const char *method = g_dbus_method_invocation_get_method_name(invocation);
	g_autofree char *json = NULL;

	GVariant *params = g_dbus_method_invocation_get_parameters(invocation);

	if (g_str_equal(method, "reload")) {
		if (!root) {
			svc->counters.dbus_refused++;
			g_dbus_method_invocation_return_error_literal(
				invocation, G_DBUS_ERROR, G_DBUS_ERROR_ACCESS_DENIED, "Only root may reload");
			return;
		}
		stas_service_reload_then(svc, on_reloaded, invocation);
		return;
	}
	if (g_str_equal(method, "process_info")) {
		json = process_info(svc, root);
	} else if (g_str_equal(method, "explain")) {
		const char *target;

		g_variant_get(params, "(&s)", &target);
		json = stas_service_explain(svc, target);
	} else if (g_str_equal(method, "plan")) {
		const char *path, *text;

		g_variant_get(params, "(&s&s)", &path, &text);
		json = stas_service_plan(svc, path, text);
	} else if (g_str_equal(method, "metrics")) {
		json = stas_service_metrics(svc);
	} else {
		json = controller_info(svc, params, root);
	}
	g_dbus_method_invocation_return_value(invocation, g_variant_new("(s)", json));
}

static void on_debug_method(GDBusConnection *bus, const char *sender, const char *path, const char *interface,
			    const char *method, GVariant *params, GDBusMethodInvocation *invocation,
			    gpointer data)
{
	/* GDBus has checked the arguments against the interface description. */
	stas_dbus_caller_async(invocation, debug_method_for, data);
}

static GVariant *on_debug_get(GDBusConnection *bus, const char *sender, const char *path,
			      const char *interface, const char *property, GError **error, gpointer data)
{
	StasService *svc = data;
	gboolean tron = stas_logger_get_trace(svc->logger);

	if (g_str_equal(property, "tron"))
		return g_variant_new_boolean(tron);
	return g_variant_new_string(tron ? "DEBUG" : "INFO");
}

static gboolean on_debug_set(GDBusConnection *bus, const char *sender, const char *path,
			     const char *interface, const char *property, GVariant *value, GError **error,
			     gpointer data)
{
	/* The bus policy says so already; a daemon does not rely on it alone. */
	if (!stas_dbus_sender_is_root(bus, sender)) {
		((StasService *)data)->counters.dbus_refused++;
		g_set_error(error, G_DBUS_ERROR, G_DBUS_ERROR_ACCESS_DENIED, "Only root may set %s",
			    property);
		return FALSE;
	}
	stas_service_set_trace(data, g_variant_get_boolean(value));
	return TRUE;
}

static const GDBusInterfaceVTable debug_vtable = {
	.method_call = on_debug_method,
	.get_property = on_debug_get,
	.set_property = on_debug_set,
};

static void on_name_acquired(GDBusConnection *bus, const char *name, gpointer data)
{
	StasService *svc = data;

	stas_info("Acquired D-Bus name %s", name);
	if (svc->klass->started)
		svc->klass->started(svc);
	sd_notify(0, "READY=1");
}

static void on_name_lost(GDBusConnection *bus, const char *name, gpointer data)
{
	StasService *svc = data;

	/* Another instance owns it, or there is no bus: not a state to run in. */
	g_printerr("%s: cannot own D-Bus name %s (already running, or no system bus)\n",
		   stas_daemon_name(svc->klass->daemon), name);
	svc->exit_status = 1;
	g_main_loop_quit(svc->loop);
}

gboolean stas_service_dbus_start(StasService *svc, GError **error)
{
	svc->bus = g_bus_get_sync(G_BUS_TYPE_SYSTEM, NULL, error);
	if (!svc->bus || !svc->klass->export(svc, svc->bus, error))
		return FALSE;
	svc->debug_id = g_dbus_connection_register_object(svc->bus, svc->klass->object_path,
							  svc->klass->debug_interface(), &debug_vtable, svc,
							  NULL, error);
	if (!svc->debug_id)
		return FALSE;
	/* Exported first, then the name: a client that sees the name can call. */
	svc->name_id = g_bus_own_name_on_connection(svc->bus, svc->klass->bus_name,
						    G_BUS_NAME_OWNER_FLAGS_DO_NOT_QUEUE, on_name_acquired,
						    on_name_lost, svc, NULL);
	return TRUE;
}

void stas_service_dbus_stop(StasService *svc)
{
	g_clear_handle_id(&svc->name_id, g_bus_unown_name);
	if (svc->debug_id) {
		g_dbus_connection_unregister_object(svc->bus, svc->debug_id);
		svc->debug_id = 0;
	}
	if (svc->klass && svc->klass->unexport)
		svc->klass->unexport(svc);
	if (svc->bus) {
		g_dbus_connection_flush_sync(svc->bus, NULL, NULL);
		g_clear_object(&svc->bus);
	}
}
