// SPDX-License-Identifier: Apache-2.0
/*
 * The daemon life cycle shared by stafd and stacd. Every change of what is
 * wanted (configuration, mDNS, log pages) arms a 1.5 s soak timer; its
 * expiry resolves the configured controllers' names off the loop, then lets
 * the daemon reconcile. Controllers leave through the terminator. The debug
 * D-Bus interface, the bus name, signals, sd_notify and the last-known state
 * are the same for both daemons and live here.
 */
#include <glib-unix.h>
#include <stdio.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include "stas/checkconf.h"
#include "stas/cmdline.h"
#include "stas/paths.h"

#include "stas/dbus-util.h"
#include "stas/nvme.h"
#include "stas/service.h"
#include "stas/state.h"

#define STOP_GRACE_S 5

static void reconcile(StasService *svc);

/* ----------------------------------------------------------------- helpers */

StasTid *stas_service_tid(StasService *svc, GHashTable *cid)
{
	return stas_tid_new(cid, svc->env.host.hostnqn, stas_conf_get_bool(svc->conf, STAS_OPT_IGNORE_IFACE));
}

gboolean stas_tid_list_contains(const GPtrArray *tids, const StasTid *tid)
{
	for (guint i = 0; i < tids->len; i++) {
		if (stas_tid_equal(g_ptr_array_index(tids, i), tid))
			return TRUE;
	}
	return FALSE;
}

gboolean stas_tid_cfg_equal(const StasTid *a, const StasTid *b)
{
	GHashTable *x = stas_tid_cfg_table(a), *y = stas_tid_cfg_table(b);
	GHashTableIter iter;
	gpointer key, value;

	if (g_hash_table_size(x) != g_hash_table_size(y))
		return FALSE;
	g_hash_table_iter_init(&iter, x);
	while (g_hash_table_iter_next(&iter, &key, &value)) {
		if (g_strcmp0(value, g_hash_table_lookup(y, key)) != 0)
			return FALSE;
	}
	return TRUE;
}

gboolean stas_service_excluded(StasService *svc, const StasTid *tid)
{
	return stas_tid_is_excluded(tid, stas_conf_get_excludes(svc->conf));
}

static gboolean ip_transport(const char *transport)
{
	return g_str_equal(transport, "tcp") || g_str_equal(transport, "rdma");
}

static gboolean family_enabled(StasService *svc, GSocketFamily family)
{
	guint mask = stas_conf_get_ip_family(svc->conf);

	return (family == G_SOCKET_FAMILY_IPV4 && (mask & STAS_IP_FAMILY_V4)) ||
	       (family == G_SOCKET_FAMILY_IPV6 && (mask & STAS_IP_FAMILY_V6));
}

static GSocketFamily literal_family(const char *traddr)
{
	g_autoptr(GInetAddress) addr = g_inet_address_new_from_string(traddr);

	return addr ? g_inet_address_get_family(addr) : G_SOCKET_FAMILY_INVALID;
}

gboolean stas_service_address_valid(StasService *svc, const StasTid *tid)
{
	const char *transport = stas_tid_transport(tid);
	const char *unsafe = stas_tid_unsafe_reason(tid);
	GSocketFamily family;

	if (unsafe) {
		g_autofree char *shown = g_strescape(stas_tid_to_string(tid), NULL);

		stas_warn("%s - Refused: %s", shown, unsafe);
		return FALSE;
	}
	if (g_str_equal(transport, "fc") || g_str_equal(transport, "loop"))
		return TRUE;
	if (!ip_transport(transport)) {
		stas_warn("%s - Invalid transport %s", stas_tid_to_string(tid), transport);
		return FALSE;
	}
	family = literal_family(stas_tid_traddr(tid));
	if (family == G_SOCKET_FAMILY_INVALID) {
		stas_warn("%s - Invalid traddr \"%s\"", stas_tid_to_string(tid), stas_tid_traddr(tid));
		return FALSE;
	}
	if (!family_enabled(svc, family)) {
		stas_debug("%s - Address family disabled by ip-family", stas_tid_to_string(tid));
		return FALSE;
	}
	return TRUE;
}

GPtrArray *stas_service_wanted(StasService *svc, const GPtrArray *all)
{
	GPtrArray *wanted = g_ptr_array_new_with_free_func((GDestroyNotify)stas_tid_unref);

	for (guint i = 0; i < all->len; i++) {
		StasTid *tid = g_ptr_array_index(all, i);

		if (!stas_tid_list_contains(wanted, tid) && !stas_service_excluded(svc, tid) &&
		    stas_service_address_valid(svc, tid))
			g_ptr_array_add(wanted, stas_tid_ref(tid));
	}
	return wanted;
}

void stas_service_add_wanted(StasService *svc, const GPtrArray *wanted)
{
	for (guint i = 0; i < wanted->len; i++) {
		StasTid *tid = g_ptr_array_index(wanted, i);
		StasCtrl *ctrl = stas_service_lookup(svc, tid);

		if (!ctrl)
			stas_service_add(svc, svc->klass->new_ctrl(svc, tid));
		else if (!stas_tid_cfg_equal(ctrl->tid, tid))
			stas_service_update_tid(svc, ctrl, tid);
	}
}

/* ------------------------------------------------------------- controllers */

StasCtrl *stas_service_lookup(StasService *svc, const StasTid *tid)
{
	return g_hash_table_lookup(svc->ctrls, tid);
}

static gint by_id(gconstpointer a, gconstpointer b)
{
	return g_strcmp0(stas_ctrl_id(*(StasCtrl *const *)a), stas_ctrl_id(*(StasCtrl *const *)b));
}

GPtrArray *stas_service_ctrls(StasService *svc)
{
	GPtrArray *list = g_ptr_array_new();
	GHashTableIter iter;
	gpointer value;

	g_hash_table_iter_init(&iter, svc->ctrls);
	while (g_hash_table_iter_next(&iter, NULL, &value))
		g_ptr_array_add(list, value);
	g_ptr_array_sort(list, by_id);
	return list;
}

GVariant *stas_service_controller_list(StasService *svc, gboolean detailed, gboolean root)
{
	g_autoptr(GPtrArray) ctrls = stas_service_ctrls(svc);
	GVariantBuilder builder;

	g_variant_builder_init(&builder, G_VARIANT_TYPE("aa{ss}"));
	for (guint i = 0; i < ctrls->len; i++) {
		StasCtrl *ctrl = g_ptr_array_index(ctrls, i);
		g_autoptr(GHashTable) dict = detailed ? stas_ctrl_details(ctrl, root)
						      : stas_ctrl_id_dict(ctrl, root);

		g_variant_builder_add_value(&builder, stas_dbus_dict(dict));
	}
	return g_variant_builder_end(&builder);
}

typedef struct {
	StasService *svc;
	gboolean detailed;
} ListCall;

static void reply_list_for(GDBusMethodInvocation *invocation, gboolean root, gpointer data)
{
	g_autofree ListCall *call = data;
	GVariant *list = stas_service_controller_list(call->svc, call->detailed, root);

	g_dbus_method_invocation_return_value(invocation, g_variant_new_tuple(&list, 1));
}

void stas_service_reply_controller_list(StasService *svc, GDBusMethodInvocation *invocation,
					gboolean detailed)
{
	ListCall *call = g_new0(ListCall, 1);

	call->svc = svc;
	call->detailed = detailed;
	stas_dbus_caller_async(invocation, reply_list_for, call);
}

void stas_service_add(StasService *svc, StasCtrl *ctrl)
{
	g_hash_table_insert(svc->ctrls, stas_tid_ref(ctrl->tid), ctrl);
	stas_ctrl_schedule_connect(ctrl);
}

static void on_disposed(StasCtrl *ctrl, gboolean success, gpointer data)
{
	StasService *svc = data;

	/* Remove only this very object: a new controller with the same identity
	 * may have been created meanwhile (nvme-stas removed whatever had it). */
	if (g_hash_table_lookup(svc->ctrls, ctrl->tid) == ctrl)
		g_hash_table_remove(svc->ctrls, ctrl->tid);
	stas_ctrl_unref(ctrl);
	if (svc->stopping && g_hash_table_size(svc->ctrls) == 0 &&
	    stas_terminator_count(svc->terminator) == 0)
		g_main_loop_quit(svc->loop);
	else
		stas_service_notify_status(svc);
}

void stas_service_remove(StasService *svc, StasCtrl *ctrl, gboolean keep)
{
	gpointer key;

	/* The table's reference goes to the terminator, which reports back. */
	if (!g_hash_table_steal_extended(svc->ctrls, ctrl->tid, &key, NULL))
		return;
	stas_tid_unref(key);
	stas_terminator_dispose(svc->terminator, ctrl, keep, on_disposed, svc);
}

void stas_service_update_tid(StasService *svc, StasCtrl *ctrl, StasTid *tid)
{
	gpointer key;

	if (!g_hash_table_steal_extended(svc->ctrls, ctrl->tid, &key, NULL))
		return;
	stas_tid_unref(key);
	stas_ctrl_update_tid(ctrl, tid);
	g_hash_table_insert(svc->ctrls, stas_tid_ref(tid), ctrl);
}

/* ------------------------------------------------------------ state file */

void stas_service_save_state(StasService *svc)
{
	g_autoptr(JsonArray) records = json_array_new();
	g_autoptr(GPtrArray) ctrls = stas_service_ctrls(svc);
	g_autoptr(GError) error = NULL;
	const char *prog = stas_daemon_name(svc->klass->daemon);

	for (guint i = 0; i < ctrls->len; i++) {
		StasCtrl *ctrl = g_ptr_array_index(ctrls, i);
		g_autoptr(GHashTable) dict = stas_tid_as_dict(ctrl->tid);
		JsonObject *record = json_object_new();

		json_object_set_object_member(record, "tid", stas_json_from_dict(dict));
		if (svc->klass->save_record)
			svc->klass->save_record(svc, ctrl, record);
		json_array_add_object_element(records, record);
	}
	if (!stas_state_save(svc->state_path, prog, records, &error))
		stas_err("Unable to save last known config: %s", error->message);
}

static void restore_state(StasService *svc)
{
	const char *prog = stas_daemon_name(svc->klass->daemon);
	g_autoptr(GError) error = NULL;
	g_autoptr(JsonArray) records = stas_state_load(svc->state_path, prog, &error);
	guint count = 0;

	if (!records) {
		if (!g_error_matches(error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
			stas_warn("Ignoring last known config: %s", error->message);
		return;
	}
	for (guint i = 0; i < json_array_get_length(records); i++) {
		JsonNode *node = json_array_get_element(records, i);
		JsonObject *record = JSON_NODE_HOLDS_OBJECT(node) ? json_node_get_object(node) : NULL;
		JsonNode *tid_node = record ? json_object_get_member(record, "tid") : NULL;
		g_autoptr(GHashTable) dict = NULL;
		g_autoptr(StasTid) tid = NULL;
		StasCtrl *ctrl;

		if (!tid_node || !JSON_NODE_HOLDS_OBJECT(tid_node)) {
			stas_warn("Last known config: record %u has no controller identity; skipped", i);
			continue;
		}
		dict = stas_dict_from_json(json_node_get_object(tid_node));
		tid = stas_service_tid(svc, dict);
		if (stas_service_lookup(svc, tid))
			continue;
		ctrl = svc->klass->restore_record(svc, tid, record);
		if (!ctrl)
			continue;
		stas_service_add(svc, ctrl);
		count++;
	}
	stas_info("Restored %u controller(s) from %s", count, svc->state_path);
}

/* ----------------------------------------------- reconciliation, phase 1 */

static void resolved_one(StasService *svc)
{
	g_autoptr(GPtrArray) configured = NULL;

	if (--svc->resolving_pending > 0)
		return;
	configured = g_steal_pointer(&svc->resolved);
	g_clear_object(&svc->resolving);
	if (!svc->stopping)
		svc->klass->reconcile(svc, configured);
	stas_service_save_state(svc);
	stas_service_notify_status(svc);
}

typedef struct {
	StasService *svc;
	StasTid *tid;
} Lookup;

static void on_lookup_done(GObject *source, GAsyncResult *res, gpointer data)
{
	g_autofree Lookup *lookup = data;
	g_autoptr(StasTid) tid = lookup->tid;
	g_autoptr(GError) error = NULL;
	GList *addresses = g_resolver_lookup_by_name_finish(G_RESOLVER(source), res, &error);
	StasService *svc = lookup->svc;
	GInetAddress *chosen = NULL;

	if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
		return; /* a newer reconciliation replaced this one */
	if (!addresses) {
		StasTid *last = g_hash_table_lookup(svc->last_resolved, tid);

		/* A resolver that hiccups must not cut storage (review-stacd #5): a name
		 * that resolved before keeps its address until it resolves again. */
		if (last) {
			stas_warn("%s - Cannot resolve traddr: %s; keeping the last address %s",
				  stas_tid_to_string(tid), error->message, stas_tid_traddr(last));
			g_ptr_array_add(svc->resolved, stas_tid_ref(last));
		} else {
			stas_err("%s - Cannot resolve traddr: %s", stas_tid_to_string(tid), error->message);
		}
	} else {
		/* The first IPv4 address when IPv4 is allowed, else the first IPv6. */
		for (int pass = 0; pass < 2 && !chosen; pass++) {
			GSocketFamily want = pass == 0 ? G_SOCKET_FAMILY_IPV4 : G_SOCKET_FAMILY_IPV6;

			for (GList *l = addresses; l && !chosen; l = l->next) {
				if (g_inet_address_get_family(l->data) == want && family_enabled(svc, want))
					chosen = l->data;
			}
		}
		if (chosen) {
			g_autofree char *text = g_inet_address_to_string(chosen);
			g_autoptr(GHashTable) dict = stas_tid_as_dict(tid);

			StasTid *resolved;

			stas_debug("%s - Resolved to %s", stas_tid_to_string(tid), text);
			g_hash_table_insert(dict, g_strdup("traddr"), g_strdup(text));
			resolved = stas_service_tid(svc, dict);
			g_hash_table_replace(svc->last_resolved, stas_tid_ref(tid), stas_tid_ref(resolved));
			g_ptr_array_add(svc->resolved, resolved);
		}
		g_resolver_free_addresses(addresses);
	}
	resolved_one(svc);
}

static void reconcile(StasService *svc)
{
	const GPtrArray *entries = stas_conf_get_controllers(svc->conf);
	g_autoptr(GResolver) resolver = g_resolver_get_default();

	if (svc->stopping)
		return;
	if (svc->resolving) {
		g_cancellable_cancel(svc->resolving);
		g_clear_object(&svc->resolving);
		g_clear_pointer(&svc->resolved, g_ptr_array_unref);
	}
	svc->resolving = g_cancellable_new();
	svc->resolved = g_ptr_array_new_with_free_func((GDestroyNotify)stas_tid_unref);
	svc->resolving_pending = 1; /* this function's own share, released at the end */

	for (guint i = 0; i < entries->len; i++) {
		const StasCtrlEntry *entry = g_ptr_array_index(entries, i);
		g_autoptr(StasTid) tid = stas_service_tid(svc, entry->values);
		const char *traddr = stas_tid_traddr(tid);
		GSocketFamily family;
		Lookup *lookup;

		if (stas_service_excluded(svc, tid))
			continue;
		if (!ip_transport(stas_tid_transport(tid))) {
			g_ptr_array_add(svc->resolved, g_steal_pointer(&tid));
			continue;
		}
		if (!*traddr) {
			stas_err("%s - Invalid traddr (empty)", stas_tid_to_string(tid));
			continue;
		}
		family = literal_family(traddr);
		if (family != G_SOCKET_FAMILY_INVALID) {
			if (family_enabled(svc, family))
				g_ptr_array_add(svc->resolved, g_steal_pointer(&tid));
			else
				stas_warn("%s - Excluded because of ip-family", stas_tid_to_string(tid));
			continue;
		}
		lookup = g_new0(Lookup, 1);
		lookup->svc = svc;
		lookup->tid = g_steal_pointer(&tid);
		svc->resolving_pending++;
		g_resolver_lookup_by_name_async(resolver, traddr, svc->resolving, on_lookup_done, lookup);
	}
	resolved_one(svc);
}

static gboolean on_soak(gpointer data)
{
	reconcile(data);
	return G_SOURCE_REMOVE;
}

void stas_service_soak(StasService *svc)
{
	if (!svc->stopping)
		stas_timer_start(svc->soak);
}

/* -------------------------------------------------------------------- udev */

StasCtrl *stas_service_lookup_device(StasService *svc, const char *device)
{
	GHashTableIter iter;
	gpointer value;

	g_hash_table_iter_init(&iter, svc->ctrls);
	while (g_hash_table_iter_next(&iter, NULL, &value)) {
		if (g_strcmp0(((StasCtrl *)value)->device, device) == 0)
			return value;
	}
	return NULL;
}

/* StasCtrlEnv.device_owned: managed controllers and those leaving hold their devices. */
static gboolean device_owned(const char *device, gpointer data)
{
	StasService *svc = data;

	return stas_service_lookup_device(svc, device) || stas_terminator_has_device(svc->terminator, device);
}

static void on_uevent(const StasUevent *event, gpointer data)
{
	StasService *svc = data;
	StasCtrl *ctrl = stas_service_lookup_device(svc, event->sysname);

	if (svc->klass->uevent)
		svc->klass->uevent(svc, ctrl, event);
	else if (ctrl && g_str_equal(event->action, "remove"))
		stas_ctrl_device_removed(ctrl);
	if (g_str_equal(event->action, "add") || g_str_equal(event->action, "remove"))
		stas_terminator_poke(svc->terminator);
	if (ctrl && g_str_equal(event->action, "remove"))
		stas_service_notify_status(svc);
}

/* Events were lost: what sysfs says now is the truth. */
static void on_udev_resync(gpointer data)
{
	StasService *svc = data;
	g_autoptr(GPtrArray) ctrls = stas_service_ctrls(svc);

	stas_warn("udev events were lost; re-reading controller state from sysfs");
	for (guint i = 0; i < ctrls->len; i++) {
		StasCtrl *ctrl = g_ptr_array_index(ctrls, i);
		g_autofree char *subsysnqn = NULL;

		if (!ctrl->device)
			continue;
		subsysnqn = stas_udev_ctrl_attr(svc->env.sysfs_root, ctrl->device, "subsysnqn");
		if (!subsysnqn)
			stas_ctrl_device_removed(ctrl);
		else if (svc->klass->resync)
			svc->klass->resync(svc, ctrl);
	}
	stas_terminator_poke(svc->terminator);
	stas_service_soak(svc);
}

/* ------------------------------------------------------------- life cycle */

void stas_service_notify_status(StasService *svc)
{
	GHashTableIter iter;
	gpointer value;
	guint connected = 0;

	g_hash_table_iter_init(&iter, svc->ctrls);
	while (g_hash_table_iter_next(&iter, NULL, &value))
		connected += stas_ctrl_connected(value);
	sd_notifyf(0, "STATUS=%u %s(s), %u connected", g_hash_table_size(svc->ctrls), svc->klass->noun,
		   connected);
}

void stas_service_set_trace(StasService *svc, gboolean on)
{
	stas_logger_set_trace(svc->logger, on);
	if (svc->env.kernel)
		stas_nvme_kernel_set_trace(svc->env.kernel, on);
}

static void host_to_env(StasService *svc)
{
	StasKernelHost host = {
		.hostnqn = svc->host->nqn,
		.hostid = svc->host->id,
		.hostkey = svc->host->key,
		.symname = svc->host->symname,
	};

	stas_kernel_host_clear(&svc->env.host);
	stas_kernel_host_copy(&svc->env.host, &host);
}

/* The daemon's file and sys.conf. At start-up a bad host identity is fatal;
 * on reload the previous identity and configuration stay when unreadable. */
static gboolean load_config(StasService *svc, gboolean starting, int *exit_status)
{
	g_autoptr(StasProblems) problems = stas_problems_new();
	g_autoptr(GError) error = NULL;
	g_autoptr(StasConf) conf = stas_conf_load(svc->klass->daemon, svc->conf_path, problems, &error);
	g_autoptr(StasHost) host = NULL;

	if (!conf) {
		stas_err("Cannot read %s: %s; %s", svc->conf_path, error->message,
			 starting ? "using defaults" : "keeping the current configuration");
		if (!starting)
			return TRUE;
		g_clear_error(&error);
		conf = stas_conf_load(svc->klass->daemon, "/dev/null", NULL, NULL);
	}
	host = stas_host_load(NULL, problems, &error);
	stas_problems_sort(problems);
	stas_problems_log(problems);
	if (!host) {
		if (starting) {
			g_printerr("%s\n", error->message);
			*exit_status = 1;
			return FALSE;
		}
		stas_err("%s; keeping the current host identity", error->message);
	} else {
		stas_host_free(svc->host);
		svc->host = g_steal_pointer(&host);
		host_to_env(svc);
	}
	stas_conf_free(svc->conf);
	svc->conf = g_steal_pointer(&conf);
	svc->env.conf = svc->conf;
	return TRUE;
}

void stas_service_reload(StasService *svc)
{
	int ignored;

	if (svc->stopping)
		return;
	sd_notify(0, "RELOADING=1");
	stas_info("Reloading configuration");
	load_config(svc, FALSE, &ignored);
	stas_service_set_trace(svc, stas_conf_get_bool(svc->conf, STAS_OPT_TRON));
	stas_service_soak(svc);
	if (svc->klass->reloaded)
		svc->klass->reloaded(svc);
	sd_notify(0, "READY=1");
}

static gboolean on_stop_grace(gpointer data)
{
	StasService *svc = data;

	/* Operations still in flight (a connect to a silent address) are not
	 * waited for any longer. */
	svc->stop_grace_id = 0;
	stas_terminator_flush(svc->terminator);
	return G_SOURCE_REMOVE;
}

void stas_service_stop(StasService *svc)
{
	g_autoptr(GPtrArray) ctrls = NULL;
	gboolean keep;

	if (svc->stopping)
		return;
	sd_notify(0, "STOPPING=1");
	stas_info("Stopping");
	svc->stopping = TRUE;
	stas_timer_stop(svc->soak);
	if (svc->resolving)
		g_cancellable_cancel(svc->resolving);
	stas_service_save_state(svc);
	ctrls = stas_service_ctrls(svc);
	if (ctrls->len == 0 && stas_terminator_count(svc->terminator) == 0) {
		g_main_loop_quit(svc->loop);
		return;
	}
	keep = svc->klass->keep_on_stop(svc);
	svc->stop_grace_id = g_timeout_add_seconds(STOP_GRACE_S, on_stop_grace, svc);
	for (guint i = 0; i < ctrls->len; i++) {
		StasCtrl *ctrl = g_ptr_array_index(ctrls, i);

		stas_ctrl_stop(ctrl);
		stas_terminator_dispose(svc->terminator, stas_ctrl_ref(ctrl), keep, on_disposed, svc);
	}
}

static gboolean on_sighup(gpointer data)
{
	stas_service_reload(data);
	return G_SOURCE_CONTINUE;
}

static gboolean on_sigterm(gpointer data)
{
	stas_service_stop(data);
	return G_SOURCE_CONTINUE;
}

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

static void debug_method_for(GDBusMethodInvocation *invocation, gboolean root, gpointer data)
{
	StasService *svc = data;
	const char *method = g_dbus_method_invocation_get_method_name(invocation);
	g_autofree char *json = NULL;

	if (g_str_equal(method, "process_info"))
		json = process_info(svc, root);
	else
		json = controller_info(svc, g_dbus_method_invocation_get_parameters(invocation), root);
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

static gboolean dbus_start(StasService *svc, GError **error)
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

static void dbus_stop(StasService *svc)
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

/* -------------------------------------------------------------- start, end */

gboolean stas_service_init(StasService *svc, const StasServiceClass *klass, StasLogger *logger,
			   const char *conf_path, gboolean tron, int *exit_status)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *warning = NULL;
	gboolean trace;

	svc->klass = klass;
	svc->logger = logger;
	svc->conf_path = g_strdup(conf_path);
	svc->loop = g_main_loop_new(NULL, FALSE);
	svc->ctrls = g_hash_table_new_full(stas_tid_hash, stas_tid_equal, (GDestroyNotify)stas_tid_unref,
					   (GDestroyNotify)stas_ctrl_unref);
	svc->terminator = stas_terminator_new();
	svc->last_resolved = g_hash_table_new_full(stas_tid_hash, stas_tid_equal,
						   (GDestroyNotify)stas_tid_unref,
						   (GDestroyNotify)stas_tid_unref);
	svc->soak = stas_timer_new(STAS_SOAK_S, on_soak, svc);
	svc->state_path = stas_state_path(stas_daemon_name(klass->daemon));
	if (!load_config(svc, TRUE, exit_status))
		return FALSE;
	trace = tron || stas_conf_get_bool(svc->conf, STAS_OPT_TRON);
	svc->env.kernel = stas_nvme_kernel_new(trace);
	svc->env.device_owned = device_owned;
	svc->env.device_owned_data = svc;
	stas_service_set_trace(svc, trace);
	stas_kernel_support_probe(&svc->env.support, NULL, &warning);
	if (warning)
		stas_warn("%s", warning);
	if (!svc->env.support.host_iface || !svc->env.support.discovery)
		stas_warn("The kernel lacks connect options stas uses (%s%s); a newer kernel is recommended",
			  svc->env.support.host_iface ? "" : "host_iface ",
			  svc->env.support.discovery ? "" : "discovery");
	svc->udev = stas_udev_new(NULL, on_uevent, on_udev_resync, svc, &error);
	if (!svc->udev) {
		stas_err("Cannot monitor udev events (%s); kernel changes will go unnoticed", error->message);
		g_clear_error(&error);
	}
	restore_state(svc);
	if (!dbus_start(svc, &error)) {
		g_printerr("%s: %s\n", stas_daemon_name(klass->daemon), error->message);
		*exit_status = 1;
		return FALSE;
	}
	svc->signal_ids[0] = g_unix_signal_add(SIGHUP, on_sighup, svc);
	svc->signal_ids[1] = g_unix_signal_add(SIGTERM, on_sigterm, svc);
	svc->signal_ids[2] = g_unix_signal_add(SIGINT, on_sigterm, svc);
	stas_service_soak(svc);
	*exit_status = 0;
	return TRUE;
}

int stas_service_run(StasService *svc)
{
	g_main_loop_run(svc->loop);
	return svc->exit_status;
}

void stas_service_free(StasService *svc)
{
	if (!svc)
		return;
	for (guint i = 0; i < G_N_ELEMENTS(svc->signal_ids); i++)
		g_clear_handle_id(&svc->signal_ids[i], g_source_remove);
	g_clear_handle_id(&svc->stop_grace_id, g_source_remove);
	dbus_stop(svc);
	if (svc->resolving)
		g_cancellable_cancel(svc->resolving);
	g_clear_object(&svc->resolving);
	g_clear_pointer(&svc->resolved, g_ptr_array_unref);
	g_clear_pointer(&svc->last_resolved, g_hash_table_unref);
	g_clear_pointer(&svc->ctrls, g_hash_table_unref);
	g_clear_pointer(&svc->terminator, stas_terminator_free);
	g_clear_pointer(&svc->soak, stas_timer_free);
	g_clear_pointer(&svc->udev, stas_udev_free);
	if (svc->klass && svc->klass->finalize)
		svc->klass->finalize(svc);
	g_clear_pointer(&svc->env.kernel, stas_kernel_free);
	stas_kernel_host_clear(&svc->env.host);
	g_clear_pointer(&svc->conf, stas_conf_free);
	g_clear_pointer(&svc->host, stas_host_free);
	g_clear_pointer(&svc->loop, g_main_loop_unref);
	g_free(svc->state_path);
	g_free(svc->conf_path);
	g_free(svc);
}

/* ------------------------------------------------------------------ main() */

static int write_idl(const char *prog, const char *path, GDBusInterfaceInfo *const *interfaces)
{
	g_autofree char *xml = stas_dbus_introspection_xml(interfaces);
	g_autoptr(GError) error = NULL;

	if (!g_file_set_contents(path, xml, -1, &error)) {
		g_printerr("%s: %s\n", prog, error->message);
		return 1;
	}
	return 0;
}

int stas_daemon_main(StasDaemon daemon, int argc, char **argv, GDBusInterfaceInfo *const *interfaces,
		     StasServiceStart start)
{
	const char *prog = stas_daemon_name(daemon);
	g_auto(StasCmdline) cmdline = { 0 };
	g_autoptr(StasLogger) logger = NULL;
	g_autofree char *fabrics = NULL;
	StasService *svc;
	int status;

	if (!stas_cmdline_parse(&cmdline, daemon, argc, argv, &status))
		return status;
	if (cmdline.version) {
		stas_print_version();
		return 0;
	}
	if (cmdline.check_config)
		return stas_check_config(daemon, cmdline.conf_file, NULL, stdout, stderr);
	if (cmdline.idl)
		return write_idl(prog, cmdline.idl, interfaces);
	if (geteuid() != 0) {
		g_printerr("Permission denied. You need root privileges to run %s.\n", prog);
		return 1;
	}
	fabrics = stas_path(STAS_PATH_NVME_FABRICS, NULL);
	if (!g_file_test(fabrics, G_FILE_TEST_EXISTS)) {
		g_printerr("Fatal error: missing nvme-tcp kernel module\n");
		return 1;
	}
	logger = stas_logger_new(prog, cmdline.syslog, NULL);
	stas_logger_install(logger);
	svc = start(logger, cmdline.conf_file, cmdline.tron, &status);
	if (!svc)
		return status;
	status = stas_service_run(svc);
	stas_service_free(svc);
	return status;
}
