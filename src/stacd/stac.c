// SPDX-License-Identifier: Apache-2.0
/*
 * What makes stacd stacd: its controllers are I/O controllers (ioc.c),
 * wanted when stacd.conf lists them or when a log page that stafd cached
 * lists them. At each reconciliation stacd asks stafd for every log page
 * (get_all_log_pages); when stafd is away or the call fails it keeps what
 * stafd said last instead of disconnecting everything (nvme-stas 2.4 tore
 * the storage down). With disconnect-scope = all-connections-matching-
 * disconnect-trtypes it also audits every I/O connection in the kernel.
 */
#include "stac.h"
#include "stas/dbus-util.h"
#include "stas/state.h"

#define STAF_NAME	 "org.nvmexpress.staf"
#define STAF_PATH	 "/org/nvmexpress/staf"
#define STAF_BACK_SOAK_S 10.0 /* stafd needs time to reconnect and refresh its cache */
#define ADD_SOAK_S	 1.0  /* sysfs attributes trail udev "add" events */

static StasStac *STAC(StasService *svc)
{
	return (StasStac *)svc;
}

static StasIoc *new_ioc(StasStac *stac, StasTid *tid)
{
	return stas_ioc_new(tid, &stac->svc.env);
}

static StasCtrl *stac_new_ctrl(StasService *svc, StasTid *tid)
{
	return stas_ioc_ctrl(new_ioc(STAC(svc), tid));
}

/* ---------------------------------------------------------------- audits */

static gboolean in_trtypes(StasService *svc, const char *transport)
{
	const GPtrArray *trtypes = stas_conf_get_trtypes(svc->conf);

	return g_ptr_array_find_with_equal_func((GPtrArray *)trtypes, transport, g_str_equal, NULL);
}

/* Adopt every I/O connection of the audited transports that nobody manages;
 * the next reconciliation disconnects the ones that are not wanted. */
static void audit(StasStac *stac)
{
	StasService *svc = &stac->svc;
	g_autoptr(GPtrArray) names = stas_udev_list_ctrls(svc->env.sysfs_root);
	g_autoptr(StasIfaces) ifaces = stas_ifaces_snapshot();
	gboolean ignore_iface = stas_conf_get_bool(svc->conf, STAS_OPT_IGNORE_IFACE);
	guint adopted = 0;

	for (guint i = 0; i < names->len; i++) {
		const char *name = g_ptr_array_index(names, i);
		g_autoptr(StasTid) tid = NULL;

		/* A device a managed controller already has is managed, whatever
		 * TID sysfs suggests for it: the TID built from sysfs carries the
		 * interface that owns src_addr, which a controller configured or
		 * discovered without host-iface does not have (nvme-stas then took
		 * its own connections for strangers and disconnected them). */
		if (stas_service_lookup_device(svc, name) ||
		    !stas_udev_is_ioc_device(svc->env.sysfs_root, name))
			continue;
		tid = stas_udev_ctrl_tid(svc->env.sysfs_root, name, ifaces, ignore_iface);
		if (!tid || !in_trtypes(svc, stas_tid_transport(tid)) || stas_service_lookup(svc, tid) ||
		    stas_terminator_pending(svc->terminator, tid))
			continue;
		stas_info("%s | %s - Audit: adopting a connection stacd does not manage",
			  stas_tid_to_string(tid), name);
		stas_service_add(svc, stas_ioc_ctrl(new_ioc(stac, tid)));
		adopted++;
	}
	if (adopted)
		stas_service_soak(svc);
}

static gboolean on_add_soak(gpointer data)
{
	StasStac *stac = data;

	if (stac->auditing)
		audit(stac);
	return G_SOURCE_REMOVE;
}

static void configure_audits(StasStac *stac)
{
	gboolean wanted = stas_conf_get_disconnect_scope(stac->svc.conf) ==
			  STAS_SCOPE_ALL_CONNECTIONS_MATCHING_DISCONNECT_TRTYPES;

	if (wanted && !stac->auditing) {
		stac->auditing = TRUE;
		audit(stac);
	} else if (!wanted) {
		stac->auditing = FALSE;
		stas_timer_stop(stac->add_soak);
	}
}

/* ------------------------------------------------------------ reconciliation */

static gboolean keep_connection(StasService *svc, const StasTid *tid)
{
	switch (stas_conf_get_disconnect_scope(svc->conf)) {
	case STAS_SCOPE_NO_DISCONNECT:
		return TRUE;
	case STAS_SCOPE_ALL_CONNECTIONS_MATCHING_DISCONNECT_TRTYPES:
		return !in_trtypes(svc, stas_tid_transport(tid));
	case STAS_SCOPE_ONLY_STAS_CONNECTIONS:
		break;
	}
	return FALSE;
}

static void apply(StasStac *stac, GPtrArray *configured)
{
	StasService *svc = &stac->svc;
	g_autoptr(GPtrArray) all = g_ptr_array_new_with_free_func((GDestroyNotify)stas_tid_unref);
	g_autoptr(GPtrArray) wanted = NULL;
	g_autoptr(GPtrArray) current = stas_service_ctrls(svc);
	GHashTableIter iter;
	gpointer key;

	/* nqn is mandatory for I/O controllers; fc/loop have no trsvcid. */
	for (guint i = 0; i < configured->len; i++) {
		StasTid *tid = g_ptr_array_index(configured, i);

		if (*stas_tid_transport(tid) && *stas_tid_traddr(tid) && *stas_tid_trsvcid(tid) &&
		    *stas_tid_subsysnqn(tid))
			g_ptr_array_add(all, stas_tid_ref(tid));
	}
	g_hash_table_iter_init(&iter, stac->discovered);
	while (g_hash_table_iter_next(&iter, &key, NULL))
		g_ptr_array_add(all, stas_tid_ref(key));
	wanted = stas_service_wanted(svc, all);

	for (guint i = 0; i < current->len; i++) {
		StasCtrl *ctrl = g_ptr_array_index(current, i);

		if (stas_tid_list_contains(wanted, ctrl->tid))
			continue;
		stas_info("%s | %s - I/O controller no longer wanted; removing it", stas_ctrl_id(ctrl),
			  stas_ctrl_device(ctrl));
		stas_service_remove(svc, ctrl, keep_connection(svc, ctrl->tid));
	}
	stas_service_add_wanted(svc, wanted);
	/* Each I/O controller learns the entry that lists it (NCC may change). */
	g_ptr_array_unref(current);
	current = stas_service_ctrls(svc);
	for (guint i = 0; i < current->len; i++) {
		StasCtrl *ctrl = g_ptr_array_index(current, i);
		GHashTable *dlpe = g_hash_table_lookup(stac->discovered, ctrl->tid);

		if (dlpe)
			stas_ioc_set_dlpe(stas_ioc_from_ctrl(ctrl), dlpe);
	}
	stas_service_save_state(svc);
	stas_service_notify_status(svc);
}

static const char *member(JsonObject *object, const char *name)
{
	JsonNode *node = object ? json_object_get_member(object, name) : NULL;

	return node && JSON_NODE_HOLDS_VALUE(node) && json_node_get_value_type(node) == G_TYPE_STRING
		       ? json_node_get_string(node)
		       : "";
}

/* stafd's answer as TID -> entry, for the entries that are NVM subsystems
 * (referrals and discovery subsystems are stafd's business). NULL when the
 * text is not what stafd sends. */
static GHashTable *parse_log_pages(StasStac *stac, const char *json, GError **error)
{
	g_autoptr(JsonParser) parser = json_parser_new();
	g_autoptr(GHashTable) map = NULL;
	JsonNode *root;
	JsonArray *dcs;

	if (!json_parser_load_from_data(parser, json, -1, error))
		return NULL;
	root = json_parser_get_root(parser);
	if (!root || !JSON_NODE_HOLDS_ARRAY(root)) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "not a JSON array");
		return NULL;
	}
	map = g_hash_table_new_full(stas_tid_hash, stas_tid_equal, (GDestroyNotify)stas_tid_unref,
				    (GDestroyNotify)g_hash_table_unref);
	dcs = json_node_get_array(root);
	for (guint d = 0; d < json_array_get_length(dcs); d++) {
		JsonNode *dc_node = json_array_get_element(dcs, d);
		JsonObject *dc = JSON_NODE_HOLDS_OBJECT(dc_node) ? json_node_get_object(dc_node) : NULL;
		JsonNode *ctrl_node = dc ? json_object_get_member(dc, "discovery-controller") : NULL;
		JsonObject *ctrl = ctrl_node && JSON_NODE_HOLDS_OBJECT(ctrl_node)
					   ? json_node_get_object(ctrl_node)
					   : NULL;
		JsonNode *pages_node = dc ? json_object_get_member(dc, "log-pages") : NULL;
		JsonArray *pages = pages_node && JSON_NODE_HOLDS_ARRAY(pages_node)
					   ? json_node_get_array(pages_node)
					   : NULL;

		for (guint p = 0; pages && p < json_array_get_length(pages); p++) {
			JsonNode *page_node = json_array_get_element(pages, p);
			g_autoptr(GHashTable) dlpe = NULL;
			g_autoptr(GHashTable) cid = NULL;
			const char *host_nqn = member(ctrl, "host-nqn");

			if (!JSON_NODE_HOLDS_OBJECT(page_node))
				continue;
			dlpe = stas_dict_from_json(json_node_get_object(page_node));
			if (g_strcmp0(g_hash_table_lookup(dlpe, "subtype"), "nvme") != 0)
				continue;
			cid = g_hash_table_new(g_str_hash, g_str_equal);
			g_hash_table_insert(cid, "transport", g_hash_table_lookup(dlpe, "trtype"));
			g_hash_table_insert(cid, "traddr", g_hash_table_lookup(dlpe, "traddr"));
			g_hash_table_insert(cid, "trsvcid", g_hash_table_lookup(dlpe, "trsvcid"));
			g_hash_table_insert(cid, "subsysnqn", g_hash_table_lookup(dlpe, "subnqn"));
			/* An I/O controller is reached the way the DC that lists it is. */
			g_hash_table_insert(cid, "host-traddr", (gpointer)member(ctrl, "host-traddr"));
			g_hash_table_insert(cid, "host-iface", (gpointer)member(ctrl, "host-iface"));
			if (*host_nqn)
				g_hash_table_insert(cid, "host-nqn", (gpointer)host_nqn);
			g_hash_table_insert(map, stas_service_tid(&stac->svc, cid), g_steal_pointer(&dlpe));
		}
	}
	return g_steal_pointer(&map);
}

typedef struct {
	StasStac *stac;
	GPtrArray *configured;
} Fetch;

static void on_log_pages(GObject *source, GAsyncResult *res, gpointer data)
{
	g_autofree Fetch *fetch = data;
	g_autoptr(GPtrArray) configured = fetch->configured;
	g_autoptr(GError) error = NULL;
	g_autofree char *json = NULL;
	g_autoptr(GHashTable) map = NULL;
	StasStac *stac = fetch->stac;

	if (!stas_dbus_staf_call_get_all_log_pages_finish(STAS_DBUS_STAF(source), &json, res, &error)) {
		if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
			return; /* stacd is stopping, or a newer pass took over */
	} else {
		map = parse_log_pages(stac, json, &error);
	}
	g_clear_object(&stac->fetching);
	if (map) {
		g_hash_table_unref(stac->discovered);
		stac->discovered = g_steal_pointer(&map);
	} else {
		stas_warn("Cannot read the log pages from stafd (%s); keeping the %u I/O controller(s) it "
			  "listed before",
			  error->message, g_hash_table_size(stac->discovered));
	}
	if (!stac->svc.stopping)
		apply(stac, configured);
}

static void stac_reconcile(StasService *svc, GPtrArray *configured)
{
	StasStac *stac = STAC(svc);
	Fetch *fetch;

	if (stac->fetching) {
		g_cancellable_cancel(stac->fetching);
		g_clear_object(&stac->fetching);
	}
	if (!stac->staf) {
		if (stac->staf_seen || g_hash_table_size(stac->discovered))
			stas_info("stafd is not running; keeping the %u I/O controller(s) it listed before",
				  g_hash_table_size(stac->discovered));
		apply(stac, configured);
		return;
	}
	fetch = g_new0(Fetch, 1);
	fetch->stac = stac;
	fetch->configured = g_ptr_array_ref(configured);
	stac->fetching = g_cancellable_new();
	stas_dbus_staf_call_get_all_log_pages(stac->staf, TRUE, stac->fetching, on_log_pages, fetch);
}

/* ------------------------------------------------------------ watching stafd */

static void on_staf_proxy(GObject *source, GAsyncResult *res, gpointer data)
{
	StasStac *stac = data;
	g_autoptr(GError) error = NULL;
	StasDbusStaf *proxy = stas_dbus_staf_proxy_new_finish(res, &error);

	if (!proxy) {
		if (!g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
			stas_err("Cannot talk to stafd: %s", error->message);
		return;
	}
	g_clear_object(&stac->staf);
	stac->staf = proxy;
	/* Whatever the signal says, stacd re-reads everything after the soak. */
	g_signal_connect_swapped(proxy, "log-pages-changed", G_CALLBACK(stas_service_soak), &stac->svc);
	g_signal_connect_swapped(proxy, "dc-removed", G_CALLBACK(stas_service_soak), &stac->svc);
	/* The soak timer still has the 10 s interval if stafd is coming back. */
	stas_service_soak(&stac->svc);
	stas_timer_set_interval(stac->svc.soak, STAS_SOAK_S);
}

static void on_staf_appeared(GDBusConnection *bus, const char *name, const char *owner, gpointer data)
{
	StasStac *stac = data;

	stas_info("stafd appeared on D-Bus (%s)", owner);
	stac->staf_seen = TRUE;
	stas_dbus_staf_proxy_new(
		bus, G_DBUS_PROXY_FLAGS_DO_NOT_LOAD_PROPERTIES | G_DBUS_PROXY_FLAGS_DO_NOT_AUTO_START,
		STAF_NAME, STAF_PATH, NULL, on_staf_proxy, stac);
}

static void on_staf_vanished(GDBusConnection *bus, const char *name, gpointer data)
{
	StasStac *stac = data;

	if (!stac->staf_seen)
		return;
	stas_info("stafd left D-Bus; its I/O controllers stay as they are");
	g_clear_object(&stac->staf);
	stas_timer_set_interval(stac->svc.soak, STAF_BACK_SOAK_S);
}

/* ---------------------------------------------------------- service hooks */

static void stac_reloaded(StasService *svc)
{
	StasStac *stac = STAC(svc);
	g_autoptr(GPtrArray) ctrls = stas_service_ctrls(svc);

	configure_audits(stac);
	for (guint i = 0; i < ctrls->len; i++)
		stas_ioc_reload(stas_ioc_from_ctrl(g_ptr_array_index(ctrls, i)));
}

static void stac_uevent(StasService *svc, StasCtrl *ctrl, const StasUevent *event)
{
	StasStac *stac = STAC(svc);

	/* AENs and NVME_EVENTs mean nothing to I/O controllers; removal does. */
	if (ctrl && g_str_equal(event->action, "remove"))
		stas_ctrl_device_removed(ctrl);
	if (stac->auditing && g_str_equal(event->action, "add"))
		stas_timer_start(stac->add_soak);
}

/* Only connections that still exist are tracked again after a restart, so
 * they can be torn down if their log page entry went away meanwhile. */
static StasCtrl *stac_restore_record(StasService *svc, StasTid *tid, JsonObject *record)
{
	g_autofree char *device = stas_ctrl_find_existing(&svc->env, tid, FALSE);

	if (!device)
		return NULL;
	return stas_ioc_ctrl(new_ioc(STAC(svc), tid));
}

static gboolean stac_keep_on_stop(StasService *svc)
{
	return TRUE; /* stacd never takes storage down when it exits */
}

static void stac_finalize(StasService *svc)
{
	StasStac *stac = STAC(svc);

	g_clear_handle_id(&stac->staf_watch, g_bus_unwatch_name);
	if (stac->fetching)
		g_cancellable_cancel(stac->fetching);
	g_clear_object(&stac->fetching);
	g_clear_object(&stac->staf);
	g_clear_pointer(&stac->discovered, g_hash_table_unref);
	g_clear_pointer(&stac->add_soak, stas_timer_free);
}

static const StasServiceClass stac_class = {
	.daemon = STAS_DAEMON_STACD,
	.bus_name = "org.nvmexpress.stac",
	.object_path = "/org/nvmexpress/stac",
	.noun = "I/O controller",
	.debug_interface = stas_dbus_stac_debug_interface_info,
	.export = stas_stac_dbus_export,
	.unexport = stas_stac_dbus_unexport,
	.new_ctrl = stac_new_ctrl,
	.reconcile = stac_reconcile,
	.reloaded = stac_reloaded,
	.uevent = stac_uevent,
	.restore_record = stac_restore_record,
	.keep_on_stop = stac_keep_on_stop,
	.finalize = stac_finalize,
};

StasStac *stas_stac_new(StasLogger *logger, const char *conf_path, gboolean tron, int *exit_status)
{
	StasStac *stac = g_new0(StasStac, 1);

	stac->discovered = g_hash_table_new_full(stas_tid_hash, stas_tid_equal,
						 (GDestroyNotify)stas_tid_unref,
						 (GDestroyNotify)g_hash_table_unref);
	stac->add_soak = stas_timer_new(ADD_SOAK_S, on_add_soak, stac);
	if (!stas_service_init(&stac->svc, &stac_class, logger, conf_path, tron, exit_status)) {
		stas_service_free(&stac->svc);
		return NULL;
	}
	configure_audits(stac);
	stac->staf_watch = g_bus_watch_name_on_connection(stac->svc.bus, STAF_NAME,
							  G_BUS_NAME_WATCHER_FLAGS_NONE, on_staf_appeared,
							  on_staf_vanished, stac, NULL);
	return stac;
}
