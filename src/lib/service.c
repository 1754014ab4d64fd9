// SPDX-License-Identifier: Apache-2.0
/*
 * The daemon life cycle shared by stafd and stacd: the registry of managed
 * controllers (which leave through the terminator), the last-known state,
 * udev dispatch, start-up, reload on SIGHUP, stop on SIGTERM, sd_notify.
 * What is wanted is decided in service-reconcile.c, the D-Bus side lives in
 * service-dbus.c.
 */
#include <glib-unix.h>
#include <systemd/sd-daemon.h>

#include "service-private.h"
#include "stas/dbus-util.h"
#include "stas/nvme.h"
#include "stas/state.h"

#define STOP_GRACE_S 5

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
	stas_service_reload_settle(svc);
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

void stas_service_restore_state(StasService *svc)
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

gboolean stas_service_device_owned(const char *device, gpointer data)
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

	svc->counters.udev_overflows++;
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
	svc->reloads++;
	load_config(svc, FALSE, &ignored);
	stas_service_set_trace(svc, stas_conf_get_bool(svc->conf, STAS_OPT_TRON));
	stas_service_metrics_configure(svc);
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
	stas_service_reload_settle(svc); /* a reload waiting is over */
	stas_timer_stop(svc->soak);
	if (svc->resolving)
		g_cancellable_cancel(svc->resolving);
	stas_service_save_state(svc);
	ctrls = stas_service_ctrls(svc);
	if (ctrls->len == 0 && stas_terminator_count(svc->terminator) == 0) {
		g_main_loop_quit(svc->loop);
		return;
	}
	svc->stop_grace_id = g_timeout_add_seconds(STOP_GRACE_S, on_stop_grace, svc);
	for (guint i = 0; i < ctrls->len; i++) {
		StasCtrl *ctrl = g_ptr_array_index(ctrls, i);

		keep = svc->klass->keep_on_stop(svc, ctrl);
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
	stas_service_reconcile_init(svc);
	svc->soak = stas_timer_new(STAS_SOAK_QUIET_S, stas_service_on_soak, svc);
	svc->state_path = stas_state_path(stas_daemon_name(klass->daemon));
	if (!load_config(svc, TRUE, exit_status))
		return FALSE;
	trace = tron || stas_conf_get_bool(svc->conf, STAS_OPT_TRON);
	svc->env.kernel = stas_nvme_kernel_new(trace);
	svc->env.device_owned = stas_service_device_owned;
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
	stas_service_restore_state(svc);
	if (!stas_service_dbus_start(svc, &error)) {
		g_printerr("%s: %s\n", stas_daemon_name(klass->daemon), error->message);
		*exit_status = 1;
		return FALSE;
	}
	stas_service_metrics_configure(svc);
	svc->signal_ids[0] = g_unix_signal_add(SIGHUP, on_sighup, svc);
	svc->signal_ids[1] = g_unix_signal_add(SIGTERM, on_sigterm, svc);
	svc->signal_ids[2] = g_unix_signal_add(SIGINT, on_sigterm, svc);
	stas_service_soak_first(svc);
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
	stas_service_reload_clear(svc);
	stas_service_dbus_stop(svc);
	stas_service_metrics_close(svc);
	if (svc->resolving)
		g_cancellable_cancel(svc->resolving);
	g_clear_object(&svc->resolving);
	g_clear_pointer(&svc->resolved, g_ptr_array_unref);
	stas_service_reconcile_clear(svc);
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
