// SPDX-License-Identifier: Apache-2.0
/*
 * The controller life cycle both daemons share: find and adopt an existing
 * kernel connection or make a new one in a worker, retry on nvme-stas's
 * timers, notice when the kernel removes the device, and count operations
 * in flight so that a disconnect is never issued while one is pending.
 */
#include <string.h>

#include "stas/ctrl.h"
#include "stas/secret.h"
#include "stas/log.h"
#include "stas/names.h"
#include "stas/udev.h"

/* ------------------------------------------------------------- operations */

void stas_op_init(StasOp *op, const char *name, double retry_s, StasTimerFunc retry_func, gpointer data)
{
	memset(op, 0, sizeof(*op));
	op->name = name;
	if (retry_func)
		op->retry = stas_timer_new(retry_s, retry_func, data);
}

void stas_op_clear(StasOp *op)
{
	g_clear_pointer(&op->error, g_free);
	g_clear_pointer(&op->retry, stas_timer_free);
}

char *stas_op_describe(const StasOp *op)
{
	GString *out = g_string_new(NULL);

	g_string_append_printf(out, "{'fail count': %u, 'completed': %s, 'alive': True", op->fail_count,
			       op->in_flight   ? "False"
			       : op->completed ? "True"
					       : "False");
	if (op->retry) {
		g_autofree char *timer = stas_timer_describe(op->retry);

		g_string_append_printf(out, ", 'retry timer': '%s'", timer);
	}
	if (op->error)
		g_string_append_printf(out, ", 'error': '%s'", op->error);
	g_string_append_c(out, '}');
	return g_string_free(out, FALSE);
}

/* ---------------------------------------------------------------- objects */

static const char *ctrl_log_id(const StasCtrl *ctrl)
{
	return stas_tid_to_string(ctrl->tid);
}

static gboolean on_retry(gpointer data)
{
	stas_ctrl_schedule_connect(data);
	return G_SOURCE_REMOVE;
}

void stas_ctrl_init(StasCtrl *ctrl, const StasCtrlClass *klass, StasTid *tid, StasCtrlEnv *env)
{
	ctrl->klass = klass;
	ctrl->ref = 1;
	ctrl->tid = stas_tid_ref(tid);
	ctrl->env = env;
	ctrl->cancellable = g_cancellable_new();
	stas_op_init(&ctrl->connect_op, "connect operation", 0, NULL, NULL);
	ctrl->retry_timer = stas_timer_new(STAS_RETRY_NORMAL_S, on_retry, ctrl);
}

StasCtrl *stas_ctrl_ref(StasCtrl *ctrl)
{
	g_atomic_int_inc(&ctrl->ref);
	return ctrl;
}

void stas_ctrl_unref(StasCtrl *ctrl)
{
	if (!ctrl || !g_atomic_int_dec_and_test(&ctrl->ref))
		return;
	if (ctrl->klass->finalize)
		ctrl->klass->finalize(ctrl);
	g_clear_handle_id(&ctrl->idle_source, g_source_remove);
	stas_timer_free(ctrl->retry_timer);
	stas_op_clear(&ctrl->connect_op);
	stas_reason_clear(&ctrl->status);
	g_object_unref(ctrl->cancellable);
	stas_tid_unref(ctrl->tid);
	g_free(ctrl->device);
	g_free(ctrl->adopt);
	g_free(ctrl->dctype);
	g_free(ctrl->cntrltype);
	g_free(ctrl);
}

void stas_ctrl_update_tid(StasCtrl *ctrl, StasTid *tid)
{
	g_return_if_fail(stas_tid_equal(ctrl->tid, tid));
	stas_tid_ref(tid);
	stas_tid_unref(ctrl->tid);
	ctrl->tid = tid;
}

const char *stas_ctrl_id(const StasCtrl *ctrl)
{
	return ctrl_log_id(ctrl);
}

const char *stas_ctrl_device(const StasCtrl *ctrl)
{
	return ctrl->device ? ctrl->device : "nvme?";
}

gboolean stas_ctrl_connected(const StasCtrl *ctrl)
{
	return ctrl->device != NULL;
}

gboolean stas_ctrl_busy(StasCtrl *ctrl)
{
	StasOp *op;

	if (ctrl->connect_op.in_flight)
		return TRUE;
	for (guint i = 0; ctrl->klass->op && (op = ctrl->klass->op(ctrl, i)); i++) {
		if (op->in_flight)
			return TRUE;
	}
	return FALSE;
}

typedef struct {
	StasCtrl *ctrl;
	StasOp *op;
	guint generation;
} OpToken;

gpointer stas_ctrl_op_begin(StasCtrl *ctrl, StasOp *op)
{
	OpToken *token = g_new0(OpToken, 1);

	op->exists = TRUE;
	op->in_flight = TRUE;
	if (op->retry)
		stas_timer_stop(op->retry);
	token->ctrl = stas_ctrl_ref(ctrl);
	token->op = op;
	token->generation = ctrl->generation;
	return token;
}

StasCtrl *stas_ctrl_op_end(gpointer data, const GError *error, gboolean *current)
{
	g_autofree OpToken *token = data;
	StasCtrl *ctrl = token->ctrl;
	StasOp *op = token->op;

	*current = token->generation == ctrl->generation && !ctrl->stopping;
	op->in_flight = FALSE;
	if (*current) {
		op->completed = error == NULL;
		g_free(op->error);
		op->error = error ? g_strdup(error->message) : NULL;
		op->fail_count = error ? op->fail_count + 1 : 0;
	}
	if (!stas_ctrl_busy(ctrl) && ctrl->on_idle)
		ctrl->on_idle(ctrl, ctrl->on_idle_data);
	return ctrl;
}

/* -------------------------------------------------------------- connecting */

/* @unset: what the fabrics configuration uses for "not set" (kernel.h). */
static int conf_int(StasCtrl *ctrl, const char *key, StasOpt opt, int unset)
{
	const char *override = stas_tid_cfg(ctrl->tid, key);
	gint64 value;

	if (override && *override)
		return (int)g_ascii_strtoll(override, NULL, 10);
	if (ctrl->env->conf && stas_conf_get_int(ctrl->env->conf, opt, &value))
		return (int)value;
	return unset;
}

static int conf_bool(StasCtrl *ctrl, const char *key, StasOpt opt)
{
	const char *override = stas_tid_cfg(ctrl->tid, key);

	if (override && *override)
		return g_ascii_strcasecmp(override, "true") == 0;
	if (ctrl->env->conf && stas_conf_is_set(ctrl->env->conf, opt))
		return stas_conf_get_bool(ctrl->env->conf, opt);
	return -1;
}

/* TLS as tls= says (per controller=, then the global option), or, when it says nothing,
 * because the controller= entry carries a PSK. */
static gboolean wants_tls(StasCtrl *ctrl)
{
	int tls = conf_bool(ctrl, "tls", STAS_OPT_TLS);
	const char *key = stas_tid_cfg(ctrl->tid, "tls-key");

	return tls == 1 || (tls == -1 && key && *key);
}

static char *nonempty(const char *text)
{
	return text && *text ? g_strdup(text) : NULL;
}

void stas_ctrl_build_request(StasCtrl *ctrl, StasConnectRequest *req)
{
	const StasKernelSupport *support = &ctrl->env->support;
	StasFabricsCfg *cfg = &req->cfg;

	memset(req, 0, sizeof(*req));
	req->transport = g_strdup(stas_tid_transport(ctrl->tid));
	req->traddr = g_strdup(stas_tid_traddr(ctrl->tid));
	req->trsvcid = nonempty(stas_tid_trsvcid(ctrl->tid));
	req->subsysnqn = g_strdup(*stas_tid_subsysnqn(ctrl->tid) ? stas_tid_subsysnqn(ctrl->tid)
								 : STAS_WKNQN);
	req->host_traddr = nonempty(stas_tid_host_traddr(ctrl->tid));
	if (support->host_iface)
		req->host_iface = nonempty(stas_tid_host_iface(ctrl->tid));
	req->discovery = ctrl->klass->discovery;
	if (support->dhchap_secret)
		req->dhchap_secret = nonempty(stas_tid_cfg(ctrl->tid, "dhchap-secret"));
	if (support->dhchap_ctrl_secret)
		req->dhchap_ctrl_secret = nonempty(stas_tid_cfg(ctrl->tid, "dhchap-ctrl-secret"));
	req->tls_key = nonempty(stas_tid_cfg(ctrl->tid, "tls-key"));

	/* Every connect option of the configuration table, overridden per controller= entry. */
	stas_fabrics_cfg_init(cfg);
	for (StasOpt id = 0; id < STAS_OPT_COUNT; id++) {
		const StasOptDesc *desc = stas_opt_desc(id);

		if (desc->fabrics == STAS_FABRICS_NONE)
			continue;
		cfg->value[desc->fabrics] = desc->type == STAS_TYPE_BOOL
						    ? conf_bool(ctrl, desc->name, id)
						    : conf_int(ctrl, desc->name, id,
							       stas_fabrics_unset(desc->fabrics));
	}
	if (wants_tls(ctrl))
		cfg->value[STAS_FABRICS_TLS] = 1;
}

static void set_device(StasCtrl *ctrl, StasCtrlDevice *dev)
{
	g_free(ctrl->device);
	g_free(ctrl->dctype);
	g_free(ctrl->cntrltype);
	ctrl->device = g_strdup(dev->device);
	ctrl->dctype = g_strdup(dev->dctype);
	ctrl->cntrltype = g_strdup(dev->cntrltype);
	ctrl->registration_supported = dev->registration_supported;
}

static void on_connect_done(GObject *source, GAsyncResult *res, gpointer token)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(StasCtrlDevice) dev = stas_kernel_device_finish(res, &error);
	gboolean current;
	StasCtrl *ctrl;

	/* A connect the daemon's stop overtook still made a kernel connection: the
	 * controller must know its device, or the terminator (which waits for this
	 * very completion) could not disconnect it (review-stafd L6). The device is
	 * set before the end of the op is reported, which is what wakes it. */
	ctrl = ((OpToken *)token)->ctrl;
	if (dev && ctrl->stopping && !ctrl->device)
		set_device(ctrl, dev);
	ctrl = stas_ctrl_op_end(token, error, &current);
	if (!current)
		goto out;
	if (dev) {
		set_device(ctrl, dev);
		ctrl->counters.connects++;
		stas_info("%s | %s - Connection established!", ctrl_log_id(ctrl), ctrl->device);
		ctrl->connect_attempts = 0;
		stas_timer_stop(ctrl->retry_timer);
		if (ctrl->klass->connected)
			ctrl->klass->connected(ctrl);
		goto out;
	}
	ctrl->counters.connect_failures++;
	/* 3 s after the first failure, then every 60 s; only the second
	 * consecutive failure is worth an ERROR. */
	if (ctrl->connect_attempts == 2)
		stas_err("%s | %s - Failed to connect to controller: %s", ctrl_log_id(ctrl),
			 stas_ctrl_device(ctrl), error->message);
	else
		stas_debug("%s | %s - Failed to connect: %s", ctrl_log_id(ctrl), stas_ctrl_device(ctrl),
			   error->message);
	if (ctrl->connect_attempts == 1)
		stas_timer_set_interval(ctrl->retry_timer, STAS_RETRY_FAST_S);
	else if (ctrl->connect_attempts == 2)
		stas_timer_set_interval(ctrl->retry_timer, STAS_RETRY_NORMAL_S);
	stas_timer_start(ctrl->retry_timer);
	if (ctrl->klass->connect_failed)
		ctrl->klass->connect_failed(ctrl, error);
out:
	stas_ctrl_unref(ctrl);
}

static void start_connect_op(StasCtrl *ctrl, const char *existing)
{
	StasCtrlEnv *env = ctrl->env;
	gpointer token = stas_ctrl_op_begin(ctrl, &ctrl->connect_op);

	if (existing) {
		stas_info("%s | %s - Found existing connection; adopting it", ctrl_log_id(ctrl), existing);
		env->kernel->ops->attach(env->kernel, existing, ctrl->cancellable, on_connect_done, token);
	} else {
		g_auto(StasConnectRequest) req = { 0 };

		stas_ctrl_build_request(ctrl, &req);
		stas_debug("%s | %s - Connecting", ctrl_log_id(ctrl), stas_ctrl_device(ctrl));
		env->kernel->ops->connect(env->kernel, &env->host, &req, ctrl->cancellable, on_connect_done,
					  token);
	}
}

char *stas_ctrl_find_existing(StasCtrlEnv *env, const StasTid *tid, gboolean discovery)
{
	return env->kernel->ops->find_existing(env->kernel, tid, discovery, env->device_owned,
					       env->device_owned_data);
}

static gboolean on_connect_idle(gpointer data)
{
	StasCtrl *ctrl = data;
	g_autofree char *existing = NULL;

	ctrl->idle_source = 0;
	if (ctrl->stopping || ctrl->connect_op.in_flight || ctrl->device)
		return G_SOURCE_REMOVE;
	ctrl->connect_attempts++;
	ctrl->counters.connect_attempts++;
	existing = g_steal_pointer(&ctrl->adopt);
	if (!existing)
		existing = stas_ctrl_find_existing(ctrl->env, ctrl->tid, ctrl->klass->discovery);
	else if (ctrl->env->device_owned && ctrl->env->device_owned(existing, ctrl->env->device_owned_data))
		g_clear_pointer(&existing, g_free); /* taken meanwhile: look again next time */
	start_connect_op(ctrl, existing);
	return G_SOURCE_REMOVE;
}

void stas_ctrl_schedule_connect(StasCtrl *ctrl)
{
	if (ctrl->stopping || ctrl->idle_source)
		return;
	ctrl->idle_source = g_idle_add(on_connect_idle, ctrl);
}

void stas_ctrl_adopt(StasCtrl *ctrl, const char *device)
{
	g_free(ctrl->adopt);
	ctrl->adopt = g_strdup(device);
	stas_ctrl_schedule_connect(ctrl);
}

/* ------------------------------------------------------------ state changes */

static void void_pending(StasCtrl *ctrl)
{
	StasOp *op;

	/* Results still in flight belong to a past state: drop them on arrival. */
	ctrl->generation++;
	g_clear_handle_id(&ctrl->idle_source, g_source_remove);
	for (guint i = 0; ctrl->klass->op && (op = ctrl->klass->op(ctrl, i)); i++) {
		if (op->retry)
			stas_timer_stop(op->retry);
	}
}

/* Every timer of the controller and of its subclass: nothing may start a
 * kernel operation on a controller that is leaving (review-stafd L2). */
static void halt_timers(StasCtrl *ctrl)
{
	StasOp *op;

	stas_timer_stop(ctrl->retry_timer);
	g_clear_handle_id(&ctrl->idle_source, g_source_remove);
	for (guint i = 0; ctrl->klass->op && (op = ctrl->klass->op(ctrl, i)); i++) {
		if (op->retry)
			stas_timer_stop(op->retry);
	}
	if (ctrl->klass->halt)
		ctrl->klass->halt(ctrl);
}

void stas_ctrl_stop(StasCtrl *ctrl)
{
	ctrl->stopping = TRUE;
	void_pending(ctrl);
	halt_timers(ctrl);
	g_cancellable_cancel(ctrl->cancellable);
}

void stas_ctrl_device_removed(StasCtrl *ctrl)
{
	stas_info("%s | %s - Received remove event; the kernel deleted the controller", ctrl_log_id(ctrl),
		  stas_ctrl_device(ctrl));
	void_pending(ctrl);
	g_clear_pointer(&ctrl->device, g_free);
	ctrl->connect_attempts = 0;
	ctrl->counters.kernel_disconnects++;
	if (ctrl->klass->removed)
		ctrl->klass->removed(ctrl);
	if (ctrl->stopping)
		return;
	/* As nvme-stas 2.5+: always the fast retry after a removal. */
	stas_timer_set_interval(ctrl->retry_timer, STAS_RETRY_FAST_S);
	stas_timer_start(ctrl->retry_timer);
}

typedef struct {
	StasCtrl *ctrl;
	StasCtrlDoneFunc done;
	gpointer user_data;
	gboolean success;
} DisconnectCall;

static gboolean on_disconnect_idle(gpointer data)
{
	g_autofree DisconnectCall *call = data;

	call->done(call->ctrl, call->success, call->user_data);
	stas_ctrl_unref(call->ctrl);
	return G_SOURCE_REMOVE;
}

static void on_disconnect_done(GObject *source, GAsyncResult *res, gpointer data)
{
	DisconnectCall *call = data;
	g_autoptr(GError) error = NULL;

	call->success = stas_kernel_disconnect_finish(res, &error);
	if (!call->success)
		stas_warn("%s | %s - Failed to disconnect: %s", ctrl_log_id(call->ctrl),
			  stas_ctrl_device(call->ctrl), error->message);
	on_disconnect_idle(call);
}

static void disconnect_now(StasCtrl *ctrl, gpointer data)
{
	DisconnectCall *call = data;

	if (!ctrl->device) { /* the kernel removed it meanwhile */
		g_idle_add(on_disconnect_idle, call);
		return;
	}
	stas_info("%s | %s - Disconnect initiated", ctrl_log_id(ctrl), ctrl->device);
	/* Not the controller's cancellable: a stopping daemon still disconnects. */
	ctrl->env->kernel->ops->disconnect(ctrl->env->kernel, ctrl->device, NULL, on_disconnect_done, call);
}

void stas_ctrl_disconnect(StasCtrl *ctrl, gboolean keep, StasCtrlDoneFunc done, gpointer user_data)
{
	DisconnectCall *call = g_new0(DisconnectCall, 1);

	call->ctrl = stas_ctrl_ref(ctrl);
	call->done = done;
	call->user_data = user_data;
	call->success = TRUE;
	stas_debug("%s | %s: keep_connection=%s", ctrl_log_id(ctrl), stas_ctrl_device(ctrl),
		   keep ? "True" : "False");
	halt_timers(ctrl);
	if (ctrl->device && !keep) {
		if (ctrl->klass->leaving)
			ctrl->klass->leaving(ctrl, disconnect_now, call);
		else
			disconnect_now(ctrl, call);
		return;
	}
	g_idle_add(on_disconnect_idle, call);
}

/* ------------------------------------------------------------ dictionaries */

static void put(GHashTable *dict, const char *key, const char *value)
{
	g_hash_table_insert(dict, g_strdup(key), g_strdup(value ? value : ""));
}

static gboolean is_secret_entry(gpointer key, gpointer value, gpointer data)
{
	return stas_secret_is_key(key); /* the one list of secret keys */
}

GHashTable *stas_ctrl_id_dict(StasCtrl *ctrl, gboolean secrets)
{
	GHashTable *dict = stas_tid_as_dict(ctrl->tid);

	if (!secrets)
		g_hash_table_foreach_remove(dict, is_secret_entry, NULL);
	put(dict, "device", stas_ctrl_device(ctrl));
	return dict;
}

GHashTable *stas_ctrl_info(StasCtrl *ctrl, gboolean secrets)
{
	GHashTable *info = stas_ctrl_id_dict(ctrl, secrets);
	g_autofree char *attempts = g_strdup_printf("%u", ctrl->connect_attempts);

	put(info, "connect attempts", attempts);
	g_hash_table_insert(info, g_strdup("retry connect timer"), stas_timer_describe(ctrl->retry_timer));
	if (ctrl->connect_op.exists)
		g_hash_table_insert(info, g_strdup("connect operation"), stas_op_describe(&ctrl->connect_op));
	if (ctrl->klass->add_info)
		ctrl->klass->add_info(ctrl, info);
	return info;
}

/* Whether the connection is TLS and with which key (its serial in the kernel's keyring, never
 * its material): the kernel shows tls_key only for a TLS controller. Only controllers that use
 * or want TLS get these entries, so the others read as nvme-stas's. */
static void add_tls_details(StasCtrl *ctrl, GHashTable *details)
{
	g_autofree char *key = NULL;

	if (ctrl->device)
		key = stas_udev_ctrl_attr(ctrl->env->sysfs_root, ctrl->device, "tls_key");
	if (!wants_tls(ctrl) && !(key && *key))
		return;
	/* not "tls"/"tls-key": those are the configuration's, which the dictionary already has */
	put(details, "tls.active", key && *key ? "True" : "False");
	if (key && *key)
		g_hash_table_insert(details, g_strdup("tls.key-serial"), g_strdup_printf("0x%s", key));
}

GHashTable *stas_ctrl_details(StasCtrl *ctrl, gboolean secrets)
{
	static const char *const attrs[] = { "hostid", "hostnqn", "model", "serial", "dctype", "cntrltype" };
	GHashTable *details = stas_ctrl_info(ctrl, secrets);

	for (guint i = 0; i < G_N_ELEMENTS(attrs); i++) {
		g_autofree char *value = NULL;

		if (ctrl->device)
			value = stas_udev_ctrl_attr(ctrl->env->sysfs_root, ctrl->device, attrs[i]);
		put(details, attrs[i], value);
	}
	put(details, "connected", ctrl->device ? "True" : "False");
	add_tls_details(ctrl, details);
	return details;
}
