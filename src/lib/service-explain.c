// SPDX-License-Identifier: Apache-2.0
/*
 * What a daemon can tell an admin about its decisions, without deciding
 * anything again: why a controller is (not) connected (explain), what a
 * reload with an edited file would do (plan), and what it counted
 * (metrics, in the Prometheus text format that node_exporter's textfile
 * collector reads). Everything here reads the verdicts the reconciliation
 * kept and the controllers' counters; nothing changes state.
 */
#include "service-private.h"
#include "stas/json.h"
#include "stas/secret.h"

/* ------------------------------------------------------------- explain */

static void add_string(JsonBuilder *b, const char *member, const char *value)
{
	json_builder_set_member_name(b, member);
	if (value)
		json_builder_add_string_value(b, value);
	else
		json_builder_add_null_value(b);
}

static void add_int(JsonBuilder *b, const char *member, gint64 value)
{
	json_builder_set_member_name(b, member);
	json_builder_add_int_value(b, value);
}

static void add_sources(JsonBuilder *b, guint sources)
{
	static const struct {
		StasSource flag;
		const char *name;
	} names[] = {
		{ STAS_SOURCE_CONFIG, "config" }, { STAS_SOURCE_LOG_PAGE, "log-page" },
		{ STAS_SOURCE_MDNS, "mdns" },	  { STAS_SOURCE_REFERRAL, "referral" },
		{ STAS_SOURCE_NBFT, "nbft" },	  { STAS_SOURCE_AUDIT, "audit" },
		{ STAS_SOURCE_STATE, "state" },
	};

	json_builder_set_member_name(b, "sources");
	json_builder_begin_array(b);
	for (guint i = 0; i < G_N_ELEMENTS(names); i++) {
		if (sources & names[i].flag)
			json_builder_add_string_value(b, names[i].name);
	}
	json_builder_end_array(b);
}

static void add_reason(JsonBuilder *b, const char *member, const StasReason *reason)
{
	json_builder_set_member_name(b, member);
	if (reason->code == STAS_REASON_NONE) {
		json_builder_add_null_value(b);
		return;
	}
	json_builder_begin_object(b);
	add_string(b, "code", stas_reason_name(reason->code));
	add_string(b, "text", reason->text);
	json_builder_end_object(b);
}

static void add_counters(JsonBuilder *b, const StasCtrlCounters *c)
{
	json_builder_set_member_name(b, "counters");
	json_builder_begin_object(b);
	add_int(b, "connect attempts", c->connect_attempts);
	add_int(b, "connects", c->connects);
	add_int(b, "connect failures", c->connect_failures);
	add_int(b, "kernel disconnects", c->kernel_disconnects);
	add_int(b, "aens", c->aens);
	add_int(b, "log page fetches", c->log_page_fetches);
	add_int(b, "registrations", c->registrations);
	add_int(b, "registration failures", c->registration_failures);
	json_builder_end_object(b);
}

/* "connected", "connecting", "waiting to retry", "gave up", ... */
static const char *ctrl_state(const StasCtrl *ctrl)
{
	if (stas_ctrl_connected(ctrl))
		return "connected";
	if (ctrl->connect_op.in_flight)
		return "connecting";
	if (ctrl->status.code == STAS_REASON_NCC_GAVE_UP)
		return "gave up";
	if (stas_timer_is_armed(ctrl->retry_timer))
		return "waiting to retry";
	return "not connected";
}

static void add_ctrl(JsonBuilder *b, StasCtrl *ctrl)
{
	add_string(b, "state", ctrl_state(ctrl));
	add_string(b, "device", ctrl->device);
	add_reason(b, "status", &ctrl->status);
	add_string(b, "last error", ctrl->connect_op.error);
	add_int(b, "consecutive failures", ctrl->connect_op.fail_count);
	json_builder_set_member_name(b, "next attempt in s");
	if (!stas_ctrl_connected(ctrl) && stas_timer_is_armed(ctrl->retry_timer))
		json_builder_add_double_value(b, stas_timer_remaining(ctrl->retry_timer));
	else
		json_builder_add_null_value(b);
	json_builder_set_member_name(b, "operations");
	json_builder_begin_object(b);
	for (guint i = 0; ctrl->klass->op && ctrl->klass->op(ctrl, i); i++) {
		const StasOp *op = ctrl->klass->op(ctrl, i);

		if (!op->exists)
			continue;
		json_builder_set_member_name(b, op->name);
		json_builder_begin_object(b);
		add_string(b, "result", op->in_flight ? "in flight" : op->completed ? "completed" : "failed");
		add_int(b, "consecutive failures", op->fail_count);
		add_string(b, "last error", op->error);
		json_builder_end_object(b);
	}
	json_builder_end_object(b);
	add_counters(b, &ctrl->counters);
}

static gboolean is_secret(gpointer key, gpointer value, gpointer data)
{
	return stas_secret_is_key(key);
}

static void add_candidate(StasService *svc, JsonBuilder *b, const StasTid *tid, const StasVerdict *v,
			  gboolean departed)
{
	StasCtrl *ctrl = stas_service_lookup(svc, tid);
	g_autoptr(GHashTable) dict = stas_tid_as_dict(tid);
	g_autoptr(JsonNode) node = NULL;

	/* explain answers anyone, and is pasted into tickets: never a secret. */
	g_hash_table_foreach_remove(dict, is_secret, NULL);
	node = stas_json_dict(dict);
	json_builder_begin_object(b);
	add_string(b, "id", stas_tid_to_string(tid));
	json_builder_set_member_name(b, "tid");
	json_builder_add_value(b, g_steal_pointer(&node));
	add_string(b, "origin", v && v->origin->len ? v->origin->str : NULL);
	add_sources(b, v ? v->sources : 0);
	if (v) {
		add_reason(b, "verdict", &v->reason);
		add_reason(b, "removal", &v->removal);
	} else {
		/* Managed, but no reconciliation has judged it yet (restored or adopted). */
		StasReason none = { STAS_REASON_NONE, NULL };

		add_reason(b, "verdict", &none);
		add_reason(b, "removal", &none);
	}
	json_builder_set_member_name(b, "managed");
	json_builder_add_boolean_value(b, ctrl != NULL);
	if (ctrl)
		add_ctrl(b, ctrl);
	else
		add_string(b, "state", departed ? "removed" : "not managed");
	json_builder_end_object(b);
}

static gboolean target_matches(const StasTid *tid, StasCtrl *ctrl, const char *target)
{
	return !*target || g_str_equal(target, stas_tid_subsysnqn(tid)) ||
	       g_str_equal(target, stas_tid_traddr(tid)) || g_str_equal(target, stas_tid_to_string(tid)) ||
	       (ctrl && g_strcmp0(target, ctrl->device) == 0);
}

/* Every TID the daemon has an opinion about, each once. */
static GHashTable *known_tids(StasService *svc)
{
	GHashTable *seen = g_hash_table_new_full(stas_tid_hash, stas_tid_equal,
						 (GDestroyNotify)stas_tid_unref, NULL);
	GHashTable *tables[] = { svc->verdicts, svc->phase1_verdicts, svc->departed, svc->ctrls };

	for (guint i = 0; i < G_N_ELEMENTS(tables); i++) {
		GHashTableIter iter;
		gpointer key;

		g_hash_table_iter_init(&iter, tables[i]);
		while (g_hash_table_iter_next(&iter, &key, NULL))
			g_hash_table_add(seen, stas_tid_ref(key));
	}
	return seen;
}

static gint compare_tids(gconstpointer a, gconstpointer b)
{
	return g_strcmp0(stas_tid_to_string(*(StasTid *const *)a), stas_tid_to_string(*(StasTid *const *)b));
}

char *stas_service_explain(StasService *svc, const char *target)
{
	g_autoptr(JsonBuilder) b = json_builder_new();
	g_autoptr(JsonNode) root = NULL;
	g_autoptr(GHashTable) seen = known_tids(svc);
	g_autoptr(GPtrArray) tids = g_ptr_array_new();
	GHashTableIter iter;
	gpointer key;
	guint matched = 0;

	g_hash_table_iter_init(&iter, seen);
	while (g_hash_table_iter_next(&iter, &key, NULL))
		g_ptr_array_add(tids, key);
	g_ptr_array_sort(tids, compare_tids);
	json_builder_begin_object(b);
	add_string(b, "daemon", stas_daemon_name(svc->klass->daemon));
	add_string(b, "target", target);
	json_builder_set_member_name(b, "candidates");
	json_builder_begin_array(b);
	for (guint i = 0; i < tids->len; i++) {
		StasTid *tid = g_ptr_array_index(tids, i);
		gboolean departed;
		const StasVerdict *v;

		if (!target_matches(tid, stas_service_lookup(svc, tid), target))
			continue;
		v = stas_service_verdict(svc, tid, &departed);
		add_candidate(svc, b, tid, v, departed);
		matched++;
	}
	json_builder_end_array(b);
	if (!matched)
		add_string(
			b, "note",
			*target ? "Nothing lists it: no controller= line, no log page, no mDNS service, no "
				  "referral and no NBFT entry that this daemon knows of names it"
				: "This daemon knows of no controller");
	json_builder_end_object(b);
	root = json_builder_get_root(b);
	return stas_json_to_string(root, FALSE);
}

/* ---------------------------------------------------------------- plan */

static void add_decision(JsonBuilder *b, const StasDecision *d)
{
	json_builder_begin_object(b);
	add_string(b, "id", stas_tid_to_string(d->tid));
	add_string(b, "device", d->ctrl ? d->ctrl->device : NULL);
	add_string(b, "origin", d->verdict->origin->len ? d->verdict->origin->str : NULL);
	add_reason(b, "verdict", &d->verdict->reason);
	add_reason(b, "removal", &d->verdict->removal);
	json_builder_end_object(b);
}

/* The members of the plan, in the order they are printed. */
static const char *plan_member(const StasDecision *d)
{
	switch (d->action) {
	case STAS_ACTION_ADD:
		return "connect";
	case STAS_ACTION_REMOVE:
		return d->disconnect ? "disconnect" : "remove, keeping the connection";
	case STAS_ACTION_KEEP:
	case STAS_ACTION_SPARE:
		return "keep";
	case STAS_ACTION_UPDATE:
		return "keep, with changed options";
	case STAS_ACTION_NONE:
		break;
	}
	return "not connected";
}

static char *plan_json(StasService *svc, const char *path, GPtrArray *decisions, StasProblems *problems)
{
	static const char *const members[] = { "disconnect", "remove, keeping the connection",
					       "connect",    "keep, with changed options",
					       "keep",	     "not connected" };
	g_autoptr(JsonBuilder) b = json_builder_new();
	g_autoptr(JsonNode) root = NULL;
	guint disconnects = 0;

	json_builder_begin_object(b);
	add_string(b, "daemon", stas_daemon_name(svc->klass->daemon));
	add_string(b, "file", path);
	for (guint m = 0; m < G_N_ELEMENTS(members); m++) {
		json_builder_set_member_name(b, members[m]);
		json_builder_begin_array(b);
		for (guint i = 0; i < decisions->len; i++) {
			const StasDecision *d = g_ptr_array_index(decisions, i);

			if (!g_str_equal(plan_member(d), members[m]))
				continue;
			add_decision(b, d);
			disconnects += m == 0;
		}
		json_builder_end_array(b);
	}
	json_builder_set_member_name(b, "problems");
	json_builder_begin_array(b);
	for (guint i = 0; i < problems->len; i++) {
		g_autofree char *text = stas_problem_to_string(g_ptr_array_index(problems, i));

		json_builder_add_string_value(b, text);
	}
	json_builder_end_array(b);
	add_int(b, "disconnects", disconnects);
	json_builder_end_object(b);
	root = json_builder_get_root(b);
	return stas_json_to_string(root, FALSE);
}

char *stas_service_plan(StasService *svc, const char *path, const char *text)
{
	g_autoptr(StasProblems) problems = stas_problems_new();
	g_autoptr(StasConf) edited = stas_conf_parse(svc->klass->daemon, path, text, problems);
	g_autoptr(GPtrArray) decisions = stas_service_decide_for(svc, edited);

	return plan_json(svc, path, decisions, problems);
}

/* ------------------------------------------------------------- metrics */

/* A label value as the text format wants it: \\, \" and \n escaped. */
static void append_label(GString *out, const char *name, const char *value, gboolean first)
{
	g_string_append_printf(out, "%s%s=\"", first ? "" : ",", name);
	for (const char *p = value; *p; p++) {
		if (*p == '\\' || *p == '"')
			g_string_append_c(out, '\\');
		if (*p == '\n')
			g_string_append(out, "\\n");
		else
			g_string_append_c(out, *p);
	}
	g_string_append_c(out, '"');
}

static void family(GString *out, const char *name, const char *type, const char *help)
{
	g_string_append_printf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void ctrl_labels(GString *out, const char *daemon, const StasTid *tid)
{
	g_string_append_c(out, '{');
	append_label(out, "daemon", daemon, TRUE);
	append_label(out, "transport", stas_tid_transport(tid), FALSE);
	append_label(out, "traddr", stas_tid_traddr(tid), FALSE);
	append_label(out, "trsvcid", stas_tid_trsvcid(tid), FALSE);
	append_label(out, "subsysnqn", stas_tid_subsysnqn(tid), FALSE);
	append_label(out, "host_iface", stas_tid_host_iface(tid), FALSE);
	append_label(out, "host_traddr", stas_tid_host_traddr(tid), FALSE);
	g_string_append_c(out, '}');
}

typedef struct {
	const char *name;
	const char *help;
	gsize offset; /* in StasCtrlCounters; G_MAXSIZE: the connected gauge */
} CtrlMetric;

#define COUNTER(field) G_STRUCT_OFFSET(StasCtrlCounters, field)

static const CtrlMetric ctrl_metrics[] = {
	{ "stas_controller_connected", "1 while the controller has a kernel connection.", G_MAXSIZE },
	{ "stas_controller_connect_attempts_total", "Connects and adoptions started.",
	  COUNTER(connect_attempts) },
	{ "stas_controller_connects_total", "Connects and adoptions that succeeded.", COUNTER(connects) },
	{ "stas_controller_connect_failures_total", "Connects and adoptions that failed.",
	  COUNTER(connect_failures) },
	{ "stas_controller_kernel_disconnects_total", "Times the kernel removed the controller's device.",
	  COUNTER(kernel_disconnects) },
	{ "stas_controller_aens_total", "Asynchronous event notifications received (discovery controllers).",
	  COUNTER(aens) },
	{ "stas_controller_log_page_fetches_total", "Discovery log pages read (discovery controllers).",
	  COUNTER(log_page_fetches) },
	{ "stas_controller_registrations_total", "DIM commands that succeeded (discovery controllers).",
	  COUNTER(registrations) },
	{ "stas_controller_registration_failures_total", "DIM commands that failed (discovery controllers).",
	  COUNTER(registration_failures) },
};

char *stas_service_metrics(StasService *svc)
{
	const char *daemon = stas_daemon_name(svc->klass->daemon);
	const StasServiceCounters *c = &svc->counters;
	g_autoptr(GPtrArray) ctrls = stas_service_ctrls(svc);
	GString *out = g_string_new(NULL);
	const struct {
		const char *name;
		const char *help;
		guint64 value;
	} daemon_metrics[] = {
		{ "stas_reconciliations_total", "Reconciliations run.", c->reconciliations },
		{ "stas_udev_overflows_total", "Times the kernel dropped udev events (each led to a resync).",
		  c->udev_overflows },
		{ "stas_dbus_refused_total", "D-Bus calls and property writes refused to a caller.",
		  c->dbus_refused },
		{ "stas_controllers", "Controllers managed now.", ctrls->len },
	};

	for (guint i = 0; i < G_N_ELEMENTS(daemon_metrics); i++) {
		family(out, daemon_metrics[i].name,
		       g_str_has_suffix(daemon_metrics[i].name, "_total") ? "counter" : "gauge",
		       daemon_metrics[i].help);
		g_string_append_printf(out, "%s{daemon=\"%s\"} %" G_GUINT64_FORMAT "\n",
				       daemon_metrics[i].name, daemon, daemon_metrics[i].value);
	}
	family(out, "stas_controllers_removed_total", "counter",
	       "Controllers that stopped being wanted, by cause, and whether their connection was cut.");
	for (guint cause = 0; cause < STAS_CAUSE_KERNEL; cause++) { /* the kernel's are per controller */
		for (guint cut = 0; cut < 2; cut++)
			g_string_append_printf(out,
					       "stas_controllers_removed_total{daemon=\"%s\",cause=\"%s\","
					       "connection=\"%s\"} %" G_GUINT64_FORMAT "\n",
					       daemon, stas_cause_name(cause), cut ? "disconnected" : "kept",
					       c->removed[cause][cut]);
	}
	for (guint m = 0; m < G_N_ELEMENTS(ctrl_metrics); m++) {
		family(out, ctrl_metrics[m].name, ctrl_metrics[m].offset == G_MAXSIZE ? "gauge" : "counter",
		       ctrl_metrics[m].help);
		for (guint i = 0; i < ctrls->len; i++) {
			StasCtrl *ctrl = g_ptr_array_index(ctrls, i);
			guint64 value = ctrl_metrics[m].offset == G_MAXSIZE
						? (guint64)stas_ctrl_connected(ctrl)
						: G_STRUCT_MEMBER(guint64, &ctrl->counters,
								  ctrl_metrics[m].offset);

			g_string_append(out, ctrl_metrics[m].name);
			ctrl_labels(out, daemon, ctrl->tid);
			g_string_append_printf(out, " %" G_GUINT64_FORMAT "\n", value);
		}
	}
	return g_string_free(out, FALSE);
}
