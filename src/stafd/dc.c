// SPDX-License-Identifier: Apache-2.0
/*
 * Discovery controllers. After each (re)connection the DC runs a chain of
 * kernel operations: DIM registration when the DC supports it, Get
 * Supported Log Pages to learn whether it can filter Port-Local Entries
 * Only, then Get Discovery Log Page. A request to re-run the chain while one
 * of its steps is in flight is remembered and honoured when the step ends,
 * so steps never overlap and no refresh is lost.
 */
#include <string.h>
#include <time.h>

#include "dc.h"
#include "stas/log.h"

#define REGISTER_RETRY_S     5.0
#define SUPPORTED_RETRY_S    5.0
#define GET_LOG_RETRY_S	     20.0
#define AEN_DISCOVERY_CHANGE 0x70f002

typedef enum {
	STEP_NONE,
	STEP_REGISTER,
	STEP_SUPPORTED,
	STEP_GET_LOG,
} Step;

struct _StasDc {
	StasCtrl ctrl; /* first: a StasDc is a StasCtrl */
	StasDcOrigin origin;
	GPtrArray *log_pages; /* GHashTable* */
	int lsp;
	StasOp register_op;
	StasOp supported_op;
	StasOp get_log_op;
	Step restart_from;   /* chain re-run requested while a step was in flight */
	gboolean chain_done; /* the chain ran to its end on this connection */
	gboolean pages_read; /* log_pages came from the DC, not from the last-known state */
	gint64 genctr;	     /* generation of log_pages read from the DC, -1 = none read */
	gboolean check_only; /* the next Get Log Page reads the header first (resync) */
	gboolean halted;     /* leaving: arm nothing any more */
	char *cntlid;	     /* controller ID of the association last registered */
	/* DIM life cycle: what the CDC holds of this host, if anything. */
	gboolean registered;	  /* the last register/update succeeded, and no deregister since */
	char *registered_cntlid;  /* ... on this association */
	char *registered_symname; /* ... with this host symbolic name */
	StasDimTask sending;	  /* the task of the DIM command in flight */
	gboolean dim_error_said;  /* a DIM error of this DC was logged; the next ones are debug */
	StasTimer *unresponsive_timer;
	gint64 lost_since; /* real time (µs) the DC was declared lost, 0 = not */
	const StasDcEvents *events;
	gpointer events_data;
};

static const char *const origin_names[] = {
	[STAS_ORIGIN_UNKNOWN] = "",
	[STAS_ORIGIN_CONFIGURED] = "configured",
	[STAS_ORIGIN_DISCOVERED] = "discovered",
	[STAS_ORIGIN_REFERRAL] = "referral",
};

static void run_chain(StasDc *dc, Step step);

static StasDc *DC(StasCtrl *ctrl)
{
	return (StasDc *)ctrl;
}

static const char *id(StasDc *dc)
{
	return stas_ctrl_id(&dc->ctrl);
}

static const char *dev(StasDc *dc)
{
	return stas_ctrl_device(&dc->ctrl);
}

/* ------------------------------------------------------------------- aging */

static double persistence(StasDc *dc)
{
	return dc->ctrl.env->conf
		       ? stas_conf_get_seconds(dc->ctrl.env->conf, STAS_OPT_ZEROCONF_CONNECTIONS_PERSISTENCE)
		       : 259200.0;
}

static gboolean advertised(StasDc *dc)
{
	return dc->events->advertised && dc->events->advertised(dc, dc->events_data);
}

static void clear_lost(StasDc *dc)
{
	dc->lost_since = 0;
	stas_reason_clear(&dc->ctrl.status);
	stas_timer_stop(dc->unresponsive_timer);
}

/* "Mon Dec  7 10:00:00 2026", or a note when the date is past GDateTime's
 * year 9999 (a persistence of 1e300 s is accepted). */
static char *removal_date(double seconds)
{
	g_autoptr(GDateTime) now = g_date_time_new_now_local();
	g_autoptr(GDateTime) when = NULL;

	if (seconds < 1e12)
		when = g_date_time_add_seconds(now, seconds);
	return when ? g_date_time_format(when, "%c") : g_strdup("(after the year 9999)");
}

void stas_dc_reevaluate_unresponsive(StasDc *dc)
{
	double t;

	if (dc->halted)
		return;
	if (dc->origin != STAS_ORIGIN_DISCOVERED || advertised(dc) || stas_ctrl_connected(&dc->ctrl)) {
		clear_lost(dc);
		return;
	}
	t = persistence(dc);
	if (t < 0) {
		stas_info("%s | %s - Controller not responding. Retrying...", id(dc), dev(dc));
		clear_lost(dc);
		return;
	}
	if (dc->lost_since)
		return; /* already counting down; a changed setting does not restart it */
	dc->lost_since = g_get_real_time();
	{
		g_autofree char *text = removal_date(t);

		stas_reason_set(
			&dc->ctrl.status, STAS_REASON_AGED_OUT,
			"Not responding; will be removed by %s unless restored (persistent-connections)",
			text);
		stas_info("%s | %s - Controller is not responding. Will be removed by %s unless restored",
			  id(dc), dev(dc), text);
	}
	stas_timer_set_interval(dc->unresponsive_timer, t);
	stas_timer_start(dc->unresponsive_timer);
}

gboolean stas_dc_is_unresponsive(const StasDc *dc)
{
	return dc->origin == STAS_ORIGIN_DISCOVERED && !advertised((StasDc *)dc) &&
	       !stas_ctrl_connected(&dc->ctrl) && dc->lost_since &&
	       !stas_timer_is_armed(dc->unresponsive_timer);
}

static gboolean on_unresponsive(gpointer data)
{
	StasDc *dc = data;

	if (dc->events->unresponsive)
		dc->events->unresponsive(dc, dc->events_data);
	return G_SOURCE_REMOVE;
}

/* ------------------------------------------------------------------ origin */

const char *stas_dc_origin_to_string(StasDcOrigin origin)
{
	return origin < G_N_ELEMENTS(origin_names) ? origin_names[origin] : "";
}

gboolean stas_dc_origin_from_string(const char *text, StasDcOrigin *origin)
{
	for (guint i = STAS_ORIGIN_CONFIGURED; i < G_N_ELEMENTS(origin_names); i++) {
		if (text && g_str_equal(text, origin_names[i])) {
			*origin = i;
			return TRUE;
		}
	}
	stas_err("Trying to set invalid origin to %s", text ? text : "(null)");
	return FALSE;
}

StasDcOrigin stas_dc_get_origin(const StasDc *dc)
{
	return dc->origin;
}

void stas_dc_set_origin(StasDc *dc, StasDcOrigin origin)
{
	dc->origin = origin;
	stas_dc_reevaluate_unresponsive(dc);
}

StasDcOrigin stas_dc_record_origin(JsonObject *record)
{
	JsonNode *node = json_object_get_member(record, "origin");
	StasDcOrigin origin = STAS_ORIGIN_UNKNOWN;
	const char *text;

	/* json-glib's string getter gives NULL for numbers and CRITICALs for
	 * arrays (review-stafd #10). */
	if (!node || !JSON_NODE_HOLDS_VALUE(node) || json_node_get_value_type(node) != G_TYPE_STRING)
		return origin;
	text = json_node_get_string(node);
	if (text && *text)
		stas_dc_origin_from_string(text, &origin);
	return origin;
}

void stas_dc_restore_origin(StasDc *dc, StasDcOrigin origin)
{
	dc->origin = origin;
}

/* ---------------------------------------------------------------- log pages */

const GPtrArray *stas_dc_log_pages(const StasDc *dc)
{
	return dc->log_pages;
}

void stas_dc_set_log_pages(StasDc *dc, GPtrArray *entries)
{
	g_ptr_array_unref(dc->log_pages);
	dc->log_pages = entries;
}

static gboolean is_referral(GHashTable *dlpe)
{
	const char *subtype = g_hash_table_lookup(dlpe, "subtype");

	return subtype && g_str_equal(subtype, "referral");
}

GPtrArray *stas_dc_referrals(const StasDc *dc)
{
	GPtrArray *out = g_ptr_array_new_with_free_func((GDestroyNotify)g_hash_table_unref);

	for (guint i = 0; i < dc->log_pages->len; i++) {
		GHashTable *dlpe = g_ptr_array_index(dc->log_pages, i);

		if (is_referral(dlpe))
			g_ptr_array_add(out, g_hash_table_ref(dlpe));
	}
	return out;
}

static gboolean lists_equal(const GPtrArray *a, const GPtrArray *b)
{
	if (a->len != b->len)
		return FALSE;
	for (guint i = 0; i < a->len; i++) {
		if (!stas_dict_equal(g_ptr_array_index(a, i), g_ptr_array_index(b, i)))
			return FALSE;
	}
	return TRUE;
}

/* -------------------------------------------------------------- the chain */

static gboolean chain_busy(StasDc *dc)
{
	return dc->register_op.in_flight || dc->supported_op.in_flight || dc->get_log_op.in_flight;
}

/* Called when step @ended ends (@ok: it succeeded): honour a re-run that
 * was asked for meanwhile. A request for a later step is met by going on
 * with the chain, which keeps what this step learned (review-stafd L1). */
static gboolean restart_requested(StasDc *dc, Step ended, gboolean ok)
{
	Step step = dc->restart_from;

	if (step == STEP_NONE)
		return FALSE;
	dc->restart_from = STEP_NONE;
	if (ok && step > ended)
		return FALSE;
	run_chain(dc, step);
	return TRUE;
}

/* A result of a past connection is ignored, but a request made while it
 * was in flight is for the current one (review-stafd #8). */
static void stale_result(StasDc *dc)
{
	if (!dc->ctrl.stopping)
		restart_requested(dc, STEP_NONE, FALSE);
}

static void on_get_log_done(GObject *source, GAsyncResult *res, gpointer token)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(StasDiscoveryLog) log = stas_kernel_log_finish(res, &error);
	g_autoptr(GPtrArray) entries = log ? g_steal_pointer(&log->entries) : NULL;
	gboolean current;
	StasDc *dc = DC(stas_ctrl_op_end(token, error, &current));

	if (!current) {
		stale_result(dc);
		goto out;
	}
	if (log)
		dc->ctrl.counters.log_page_fetches++;
	if (restart_requested(dc, STEP_GET_LOG, log != NULL))
		goto out;
	if (log && !entries) {
		/* What udev may have lost changed nothing here. */
		stas_debug("%s | %s - Log page unchanged (generation %" G_GUINT64_FORMAT ")", id(dc), dev(dc),
			   log->genctr);
		dc->chain_done = TRUE;
		goto out;
	}
	if (!entries) {
		if (dc->get_log_op.fail_count == 1)
			stas_err("%s | %s - Failed to retrieve log pages: %s", id(dc), dev(dc),
				 error->message);
		else
			stas_debug("%s | %s - Failed to retrieve log pages: %s", id(dc), dev(dc),
				   error->message);
		stas_timer_start(dc->get_log_op.retry); /* the cached entries stay */
		goto out;
	}
	{
		g_autoptr(GPtrArray) old_referrals = stas_dc_referrals(dc);
		g_autoptr(GPtrArray) new_referrals = NULL;

		dc->chain_done = TRUE;
		dc->pages_read = TRUE;
		dc->genctr = (gint64)MIN(log->genctr, (guint64)G_MAXINT64);
		stas_dc_set_log_pages(dc, g_steal_pointer(&entries));
		new_referrals = stas_dc_referrals(dc);
		stas_info("%s | %s - Received discovery log pages (num records=%u).", id(dc), dev(dc),
			  dc->log_pages->len);
		if (dc->events->log_pages_changed)
			dc->events->log_pages_changed(dc, dc->events_data);
		if (!lists_equal(old_referrals, new_referrals) && dc->events->referrals_changed)
			dc->events->referrals_changed(dc, dc->events_data);
	}
out:
	stas_ctrl_unref(&dc->ctrl);
}

static void start_get_log(StasDc *dc)
{
	gpointer token = stas_ctrl_op_begin(&dc->ctrl, &dc->get_log_op);
	StasKernel *k = dc->ctrl.env->kernel;

	/* Only a resync asks whether the page changed: an AEN or a new
	 * connection says it did, or may have. */
	gint64 known = dc->check_only ? dc->genctr : -1;

	dc->check_only = FALSE;
	stas_debug("%s | %s - Get discovery log page (lsp=%d%s)", id(dc), dev(dc), dc->lsp,
		   known >= 0 ? ", if changed" : "");
	k->ops->get_discovery_log(k, dc->ctrl.device, dc->lsp, known, dc->ctrl.cancellable, on_get_log_done,
				  token);
}

static gboolean pleo_wanted(StasDc *dc)
{
	/* PLEO only towards DCs that are not CDCs; an unknown dctype is not a CDC. */
	return (!dc->ctrl.env->conf || stas_conf_get_bool(dc->ctrl.env->conf, STAS_OPT_PLEO)) &&
	       g_strcmp0(dc->ctrl.dctype, "cdc") != 0;
}

static void on_supported_done(GObject *source, GAsyncResult *res, gpointer token)
{
	g_autoptr(GError) error = NULL;
	guint flags = stas_kernel_flags_finish(res, &error);
	gboolean current;
	StasDc *dc = DC(stas_ctrl_op_end(token, error, &current));

	if (!current) {
		stale_result(dc);
		goto out;
	}
	if (restart_requested(dc, STEP_SUPPORTED, error == NULL))
		goto out;
	if (error) {
		/* Unexpected (the command's own errors arrive as "no flags"). */
		if (dc->supported_op.fail_count == 1)
			stas_err("%s | %s - Failed to get supported log pages: %s", id(dc), dev(dc),
				 error->message);
		stas_timer_start(dc->supported_op.retry);
		goto out;
	}
	stas_debug("%s | %s - Supported log page options:%s%s%s", id(dc), dev(dc),
		   flags & STAS_DISC_EXTDLPES ? " EXTDLPES" : "", flags & STAS_DISC_PLEOS ? " PLEOS" : "",
		   flags & STAS_DISC_ALLSUBES ? " ALLSUBES" : "");
	dc->lsp = flags & STAS_DISC_PLEOS ? STAS_LSP_PLEO : 0;
	start_get_log(dc);
out:
	stas_ctrl_unref(&dc->ctrl);
}

static void start_supported(StasDc *dc)
{
	gpointer token = stas_ctrl_op_begin(&dc->ctrl, &dc->supported_op);
	StasKernel *k = dc->ctrl.env->kernel;

	k->ops->supported_log_pages(k, dc->ctrl.device, dc->ctrl.cancellable, on_supported_done, token);
}

static void after_registration(StasDc *dc)
{
	if (pleo_wanted(dc)) {
		start_supported(dc);
	} else {
		dc->lsp = 0;
		start_get_log(dc);
	}
}

/* One DIM error per DC is worth a warning; the CDC's status says why. */
static void dim_failed(StasDc *dc, StasDimTask tas, const char *why)
{
	dc->ctrl.counters.registration_failures++;
	if (dc->dim_error_said) {
		stas_debug("%s | %s - DIM %s failed again: %s", id(dc), dev(dc), stas_dim_task_name(tas),
			   why);
		return;
	}
	dc->dim_error_said = TRUE;
	stas_warn("%s | %s - DIM %s failed: %s (the connection stays; later failures of this DC are "
		  "logged at debug level)",
		  id(dc), dev(dc), stas_dim_task_name(tas), why);
}

static void note_registered(StasDc *dc)
{
	const char *symname = dc->ctrl.env->host.symname;

	dc->ctrl.counters.registrations++;
	stas_info("%s | %s - DIM %s completed%s%s", id(dc), dev(dc), stas_dim_task_name(dc->sending),
		  symname ? ", symbolic name " : "", symname ? symname : "");
	dc->registered = TRUE;
	dc->dim_error_said = FALSE;
	g_free(dc->registered_cntlid);
	dc->registered_cntlid = g_strdup(dc->cntlid);
	g_free(dc->registered_symname);
	dc->registered_symname = g_strdup(symname);
}

/* Register on a new association; on the one registered already, update when
 * the host's symbolic name changed (a reload after stasadm set-symname). */
static StasDimTask next_dim_task(StasDc *dc)
{
	if (dc->registered && g_strcmp0(dc->registered_cntlid, dc->cntlid) == 0 &&
	    g_strcmp0(dc->registered_symname, dc->ctrl.env->host.symname) != 0)
		return STAS_DIM_UPDATE;
	return STAS_DIM_REGISTER;
}

static void on_register_done(GObject *source, GAsyncResult *res, gpointer token)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *status = NULL;
	gboolean ok = stas_kernel_register_finish(res, &status, &error);
	gboolean current;
	StasDc *dc = DC(stas_ctrl_op_end(token, error, &current));

	if (!current) {
		stale_result(dc);
		goto out;
	}
	if (ok && !status)
		note_registered(dc);
	else
		dim_failed(dc, dc->sending, status ? status : error->message);
	if (restart_requested(dc, STEP_REGISTER, ok))
		goto out;
	if (!ok) {
		stas_timer_start(dc->register_op.retry);
		goto out;
	}
	after_registration(dc); /* a CDC that refuses DIM still serves its log page */
out:
	stas_ctrl_unref(&dc->ctrl);
}

static void start_register(StasDc *dc)
{
	gpointer token = stas_ctrl_op_begin(&dc->ctrl, &dc->register_op);
	StasKernel *k = dc->ctrl.env->kernel;

	dc->sending = next_dim_task(dc);
	k->ops->dim(k, &dc->ctrl.env->host, dc->ctrl.device, dc->sending, dc->ctrl.cancellable,
		    on_register_done, token);
}

static void run_chain(StasDc *dc, Step step)
{
	if (!dc->ctrl.device || dc->ctrl.stopping)
		return;
	if (chain_busy(dc)) {
		if (dc->restart_from == STEP_NONE || step < dc->restart_from)
			dc->restart_from = step;
		return;
	}
	switch (step) {
	case STEP_REGISTER:
		if (dc->ctrl.registration_supported) {
			start_register(dc);
			break;
		}
		/* fall through */
	case STEP_SUPPORTED:
		after_registration(dc);
		break;
	case STEP_GET_LOG:
		start_get_log(dc);
		break;
	case STEP_NONE:
		break;
	}
}

/* A DC association has a controller ID of its own (dynamic controller
 * model): a new one means the kernel reconnected or the device was replaced. */
static char *read_cntlid(StasDc *dc)
{
	return dc->ctrl.device ? stas_udev_ctrl_attr(dc->ctrl.env->sysfs_root, dc->ctrl.device, "cntlid")
			       : NULL;
}

static void remember_association(StasDc *dc)
{
	g_free(dc->cntlid);
	dc->cntlid = read_cntlid(dc);
}

void stas_dc_refresh(StasDc *dc)
{
	g_autofree char *cntlid = NULL;

	stas_dc_reevaluate_unresponsive(dc);
	if (!dc->ctrl.device)
		return;
	cntlid = read_cntlid(dc);
	if (g_strcmp0(cntlid, dc->cntlid) != 0) {
		stas_info("%s | %s - Controller ID changed (%s -> %s): registering again", id(dc), dev(dc),
			  dc->cntlid ? dc->cntlid : "?", cntlid ? cntlid : "?");
		stas_dc_resync(dc);
		return;
	}
	/* Same association: an AEN may have been lost, so ask the DC whether
	 * its page changed (one header read) rather than reading it whole. */
	if (dc->get_log_op.exists) {
		dc->check_only = TRUE;
		run_chain(dc, STEP_GET_LOG);
	}
}

void stas_dc_resync(StasDc *dc)
{
	dc->check_only = FALSE;
	remember_association(dc);
	stas_dc_reevaluate_unresponsive(dc);
	if (dc->register_op.exists)
		run_chain(dc, STEP_REGISTER);
	else if (dc->supported_op.exists)
		run_chain(dc, STEP_SUPPORTED);
	else if (dc->get_log_op.exists)
		run_chain(dc, STEP_GET_LOG);
}

/* ------------------------------------------------------------------ events */

void stas_dc_handle_uevent(StasDc *dc, const StasUevent *event)
{
	const char *aen, *nvme_event;

	if (g_str_equal(event->action, "remove")) {
		stas_ctrl_device_removed(&dc->ctrl);
		return;
	}
	if (!g_str_equal(event->action, "change")) {
		stas_debug("%s | %s - Ignoring %s event", id(dc), dev(dc), event->action);
		return;
	}
	aen = g_hash_table_lookup(event->properties, "NVME_AEN");
	nvme_event = g_hash_table_lookup(event->properties, "NVME_EVENT");
	if (aen) {
		guint64 value = g_ascii_strtoull(aen, NULL, 16);

		dc->ctrl.counters.aens++;
		stas_info("%s | %s - Received AEN: %s", id(dc), dev(dc), aen);
		if (value == AEN_DISCOVERY_CHANGE && dc->get_log_op.exists) {
			dc->check_only = FALSE; /* the DC says it changed: read it whole */
			run_chain(dc, STEP_GET_LOG);
		}
	} else if (nvme_event && g_str_equal(nvme_event, "connected") && !dc->chain_done && chain_busy(dc)) {
		/* The kernel announces every new connection, ours too; the chain
		 * our connect started began after it (review-stafd L7). */
		stas_debug("%s | %s - \"connected\" event of the connection being set up", id(dc), dev(dc));
	} else if (nvme_event &&
		   (g_str_equal(nvme_event, "connected") || g_str_equal(nvme_event, "rediscover"))) {
		stas_info("%s | %s - Received \"%s\" event", id(dc), dev(dc), nvme_event);
		stas_dc_resync(dc);
	}
}

/* ------------------------------------------------------------- StasCtrl hooks */

static void dc_connected(StasCtrl *ctrl)
{
	StasDc *dc = DC(ctrl);

	clear_lost(dc);
	dc->restart_from = STEP_NONE;
	dc->chain_done = FALSE;
	remember_association(dc);
	run_chain(dc, STEP_REGISTER);
}

static void dc_connect_failed(StasCtrl *ctrl, const GError *error)
{
	stas_dc_reevaluate_unresponsive(DC(ctrl));
}

static void dc_removed(StasCtrl *ctrl)
{
	StasDc *dc = DC(ctrl);

	/* The cached entries stay: stacd keeps its I/O controllers meanwhile. */
	dc->restart_from = STEP_NONE;
	stas_dc_reevaluate_unresponsive(dc);
}

/* The DC leaves (review-stafd L2): the op retry timers are stopped by
 * ctrl.c; the aging timer is the DC's own, and nothing may re-arm it. */
static void dc_halt(StasCtrl *ctrl)
{
	StasDc *dc = DC(ctrl);

	dc->halted = TRUE;
	dc->restart_from = STEP_NONE;
	stas_timer_stop(dc->unresponsive_timer);
}

static StasOp *dc_op(StasCtrl *ctrl, guint index)
{
	StasDc *dc = DC(ctrl);
	StasOp *ops[] = { &dc->register_op, &dc->supported_op, &dc->get_log_op };

	return index < G_N_ELEMENTS(ops) ? ops[index] : NULL;
}

/* Where the cached log page comes from. stacd removes what a page no longer
 * lists only once it is "read": not while a restarted stafd serves the page
 * it restored, or none yet. */
static const char *pages_state(const StasDc *dc)
{
	if (dc->pages_read)
		return "read";
	return dc->log_pages->len ? "restored" : "not read yet";
}

static void dc_add_info(StasCtrl *ctrl, GHashTable *info)
{
	StasDc *dc = DC(ctrl);
	static const struct {
		const char *key;
		gsize offset;
	} ops[] = {
		{ "get log page operation", G_STRUCT_OFFSET(StasDc, get_log_op) },
		{ "register operation", G_STRUCT_OFFSET(StasDc, register_op) },
		{ "get supported log page operation", G_STRUCT_OFFSET(StasDc, supported_op) },
	};

	g_hash_table_insert(info, g_strdup("origin"), g_strdup(stas_dc_origin_to_string(dc->origin)));
	g_hash_table_insert(info, g_strdup("log pages"), g_strdup(pages_state(dc)));
	if (dc->origin == STAS_ORIGIN_DISCOVERED) {
		double t = persistence(dc);

		g_hash_table_insert(info, g_strdup("unresponsive timer"),
				    stas_timer_describe(dc->unresponsive_timer));
		g_hash_table_insert(info, g_strdup("unresponsive timeout"),
				    t < 0 ? g_strdup("forever") : g_strdup_printf("%.0f sec", t));
		if (dc->lost_since) {
			g_autoptr(GDateTime)
				lost = g_date_time_new_from_unix_local(dc->lost_since / G_USEC_PER_SEC);

			g_hash_table_insert(info, g_strdup("unresponsive time"),
					    g_date_time_format(lost, "%a %b %e %H:%M:%S %Y"));
		} else {
			g_hash_table_insert(info, g_strdup("unresponsive time"), g_strdup("---"));
		}
	}
	for (guint i = 0; i < G_N_ELEMENTS(ops); i++) {
		const StasOp *op = G_STRUCT_MEMBER_P(dc, ops[i].offset);

		if (op->exists)
			g_hash_table_insert(info, g_strdup(ops[i].key), stas_op_describe(op));
	}
}

typedef struct {
	StasDc *dc;
	StasCtrlNextFunc next;
	gpointer data;
} Leaving;

static void on_deregistered(GObject *source, GAsyncResult *res, gpointer data)
{
	g_autofree Leaving *leaving = data;
	g_autoptr(GError) error = NULL;
	g_autofree char *status = NULL;
	StasDc *dc = leaving->dc;

	if (stas_kernel_register_finish(res, &status, &error) && !status) {
		dc->ctrl.counters.registrations++;
		stas_info("%s | %s - DIM deregister completed", id(dc), dev(dc));
	} else {
		dim_failed(dc, STAS_DIM_DEREGISTER, status ? status : error->message);
	}
	dc->registered = FALSE;
	leaving->next(&dc->ctrl, leaving->data);
	stas_ctrl_unref(&dc->ctrl);
}

/* The DC goes and its connection with it (removed from the configuration,
 * aged out, or stafd stops without persistent connections): a CDC that
 * holds this host's registration is told first (TP8010 deregister). */
static void dc_leaving(StasCtrl *ctrl, StasCtrlNextFunc next, gpointer data)
{
	StasDc *dc = DC(ctrl);
	StasKernel *k = ctrl->env->kernel;
	Leaving *leaving;

	if (!dc->registered || !ctrl->device) {
		next(ctrl, data);
		return;
	}
	leaving = g_new0(Leaving, 1);
	leaving->dc = DC(stas_ctrl_ref(ctrl));
	leaving->next = next;
	leaving->data = data;
	/* No cancellable: a stopping daemon still says goodbye. */
	k->ops->dim(k, &ctrl->env->host, ctrl->device, STAS_DIM_DEREGISTER, NULL, on_deregistered, leaving);
}

static void dc_finalize(StasCtrl *ctrl)
{
	StasDc *dc = DC(ctrl);

	stas_op_clear(&dc->register_op);
	stas_op_clear(&dc->supported_op);
	stas_op_clear(&dc->get_log_op);
	stas_timer_free(dc->unresponsive_timer);
	g_ptr_array_unref(dc->log_pages);
	g_free(dc->cntlid);
	g_free(dc->registered_cntlid);
	g_free(dc->registered_symname);
}

static const StasCtrlClass dc_class = {
	.discovery = TRUE,
	.connected = dc_connected,
	.connect_failed = dc_connect_failed,
	.removed = dc_removed,
	.halt = dc_halt,
	.leaving = dc_leaving,
	.op = dc_op,
	.add_info = dc_add_info,
	.finalize = dc_finalize,
};

static gboolean on_register_retry(gpointer data)
{
	run_chain(data, STEP_REGISTER);
	return G_SOURCE_REMOVE;
}

static gboolean on_supported_retry(gpointer data)
{
	run_chain(data, STEP_SUPPORTED);
	return G_SOURCE_REMOVE;
}

static gboolean on_get_log_retry(gpointer data)
{
	run_chain(data, STEP_GET_LOG);
	return G_SOURCE_REMOVE;
}

StasDc *stas_dc_new(StasTid *tid, StasCtrlEnv *env, const StasDcEvents *events, gpointer data)
{
	StasDc *dc = g_new0(StasDc, 1);

	stas_ctrl_init(&dc->ctrl, &dc_class, tid, env);
	dc->log_pages = g_ptr_array_new_with_free_func((GDestroyNotify)g_hash_table_unref);
	dc->events = events;
	dc->events_data = data;
	dc->genctr = -1;
	stas_op_init(&dc->register_op, "register operation", REGISTER_RETRY_S, on_register_retry, dc);
	stas_op_init(&dc->supported_op, "get supported log page operation", SUPPORTED_RETRY_S,
		     on_supported_retry, dc);
	stas_op_init(&dc->get_log_op, "get log page operation", GET_LOG_RETRY_S, on_get_log_retry, dc);
	dc->unresponsive_timer = stas_timer_new(0, on_unresponsive, dc);
	return dc;
}

StasCtrl *stas_dc_ctrl(StasDc *dc)
{
	return &dc->ctrl;
}

StasDc *stas_dc_from_ctrl(StasCtrl *ctrl)
{
	g_return_val_if_fail(ctrl->klass == &dc_class, NULL);
	return DC(ctrl);
}

void stas_dc_unref(StasDc *dc)
{
	if (dc)
		stas_ctrl_unref(&dc->ctrl);
}
