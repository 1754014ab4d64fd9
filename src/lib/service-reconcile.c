// SPDX-License-Identifier: Apache-2.0
/*
 * What a daemon wants, and how it gets there. Every change of what is wanted
 * (configuration, mDNS, log pages) arms the soak timer (0.2 s after the
 * last change, at most 1.5 s after the first); its expiry
 * resolves the configured controllers' names off the loop (phase 1), then
 * lets the daemon reconcile (phase 2) with the rules shared here: exclusion,
 * address validity, and adding what is wanted but not managed yet.
 */
#include "service-private.h"
#include "stas/secret.h"

/* ----------------------------------------------------------------- helpers */

StasTid *stas_service_tid(StasService *svc, GHashTable *cid)
{
	return stas_tid_new(cid, svc->env.host.hostnqn, stas_conf_get_bool(svc->conf, STAS_OPT_IGNORE_IFACE));
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

/* "exclude= at FILE:LINE (transport=tcp; subsysnqn=...)", secrets left out. */
static void set_excluded(StasService *svc, const StasCtrlEntry *entry, StasReason *why)
{
	g_autoptr(GString) text = g_string_new(NULL);

	for (guint i = 0; i < entry->keys->len; i++) {
		const char *key = g_ptr_array_index(entry->keys, i);

		if (stas_secret_is_key(key))
			continue;
		g_string_append_printf(text, "%s%s=%s", text->len ? "; " : "", key,
				       stas_ctrl_entry_get(entry, key));
	}
	stas_reason_set(why, STAS_REASON_EXCLUDED, "Excluded by exclude= at %s:%u (%s)",
			stas_conf_path(svc->conf), entry->line, text->len ? text->str : "matches everything");
}

gboolean stas_service_admit(StasService *svc, const StasTid *tid, StasReason *why)
{
	const StasCtrlEntry *exclusion = stas_tid_exclusion(tid, stas_conf_get_excludes(svc->conf));
	const char *transport = stas_tid_transport(tid);
	const char *unsafe = stas_tid_unsafe_reason(tid);
	GSocketFamily family;

	if (exclusion)
		set_excluded(svc, exclusion, why);
	else if (unsafe)
		stas_reason_set(why, STAS_REASON_UNSAFE, "Refused: %s", unsafe);
	else if (g_str_equal(transport, "fc") || g_str_equal(transport, "loop"))
		stas_reason_set(why, STAS_REASON_WANTED, "Passes every rule");
	else if (!ip_transport(transport))
		stas_reason_set(why, STAS_REASON_TRANSPORT, "Invalid transport %s", transport);
	else if ((family = literal_family(stas_tid_traddr(tid))) == G_SOCKET_FAMILY_INVALID)
		stas_reason_set(why, STAS_REASON_ADDRESS, "Invalid traddr \"%s\"", stas_tid_traddr(tid));
	else if (!family_enabled(svc, family))
		stas_reason_set(why, STAS_REASON_IP_FAMILY, "Address family disabled by ip-family");
	else
		stas_reason_set(why, STAS_REASON_WANTED, "Passes every rule");
	return stas_reason_admits(why);
}

const StasVerdict *stas_service_verdict(StasService *svc, const StasTid *tid, gboolean *departed)
{
	const StasVerdict *verdict = g_hash_table_lookup(svc->phase1_verdicts, tid);

	if (!verdict)
		verdict = g_hash_table_lookup(svc->verdicts, tid);
	if (departed)
		*departed = !verdict && g_hash_table_contains(svc->departed, tid);
	return verdict ? verdict : g_hash_table_lookup(svc->departed, tid);
}

static GHashTable *tid_table(GDestroyNotify free_value)
{
	return g_hash_table_new_full(stas_tid_hash, stas_tid_equal, (GDestroyNotify)stas_tid_unref,
				     free_value);
}

void stas_service_reconcile_init(StasService *svc)
{
	svc->last_resolved = tid_table((GDestroyNotify)stas_tid_unref);
	svc->phase1_verdicts = tid_table((GDestroyNotify)stas_verdict_free);
	svc->configured_from = tid_table(g_free);
	svc->verdicts = tid_table((GDestroyNotify)stas_verdict_free);
	svc->departed = tid_table((GDestroyNotify)stas_verdict_free);
	svc->reload_waiters = g_ptr_array_new();
}

void stas_service_reconcile_clear(StasService *svc)
{
	g_clear_pointer(&svc->last_resolved, g_hash_table_unref);
	g_clear_pointer(&svc->phase1_verdicts, g_hash_table_unref);
	g_clear_pointer(&svc->configured_from, g_hash_table_unref);
	g_clear_pointer(&svc->verdicts, g_hash_table_unref);
	g_clear_pointer(&svc->departed, g_hash_table_unref);
	stas_service_reload_clear(svc);
}

/* ----------------------------------------------------- phase 2: decisions */

StasCandidates *stas_candidates_new(const StasServiceApply *how, gpointer data, GDestroyNotify free_data)
{
	StasCandidates *cands = g_new0(StasCandidates, 1);

	cands->all = g_ptr_array_new_with_free_func((GDestroyNotify)stas_tid_unref);
	cands->how = how;
	cands->data = data;
	cands->free_data = free_data;
	return cands;
}

void stas_candidates_free(StasCandidates *cands)
{
	if (!cands)
		return;
	g_ptr_array_unref(cands->all);
	if (cands->free_data)
		cands->free_data(cands->data);
	g_free(cands);
}

static void decision_free(StasDecision *d)
{
	stas_tid_unref(d->tid);
	stas_verdict_free(d->verdict);
	g_free(d);
}

static StasDecision *decision_new(StasTid *tid, StasCtrl *ctrl, StasAction action, StasVerdict *verdict)
{
	StasDecision *d = g_new0(StasDecision, 1);

	d->tid = stas_tid_ref(tid);
	d->ctrl = ctrl;
	d->action = action;
	d->verdict = verdict;
	return d;
}

static StasVerdict *verdict_copy(const StasVerdict *src)
{
	StasVerdict *v = stas_verdict_new();

	stas_reason_copy(&v->reason, &src->reason);
	stas_reason_copy(&v->removal, &src->removal);
	v->sources = src->sources;
	g_string_assign(v->origin, src->origin->str);
	return v;
}

/* The verdict on each distinct candidate: where it comes from, and whether the rules admit it. */
static GHashTable *judge(StasService *svc, const StasCandidates *cands, GPtrArray *order)
{
	GHashTable *judged = tid_table((GDestroyNotify)stas_verdict_free);
	const StasServiceApply *how = cands->how;

	for (guint i = 0; i < cands->all->len; i++) {
		StasTid *tid = g_ptr_array_index(cands->all, i);
		StasVerdict *v = g_hash_table_lookup(judged, tid);
		const char *line = g_hash_table_lookup(svc->configured_from, tid);

		if (!v) {
			v = stas_verdict_new();
			g_hash_table_insert(judged, stas_tid_ref(tid), v);
			g_ptr_array_add(order, stas_tid_ref(tid));
			if (how->pinned && how->pinned(svc, tid, cands->data))
				stas_reason_set(
					&v->reason, STAS_REASON_PINNED,
					"The host booted from it (NBFT): wanted whatever the rules say");
			else
				stas_service_admit(svc, tid, &v->reason);
		}
		if (line)
			stas_verdict_add_origin(v, STAS_SOURCE_CONFIG, line);
		if (how->origin)
			how->origin(svc, tid, cands->data, v);
	}
	return judged;
}

/* A managed controller that nothing admits: it stays (spared) or goes. */
static StasDecision *decide_unwanted(StasService *svc, const StasCandidates *cands, StasCtrl *ctrl,
				     StasVerdict *v)
{
	const StasServiceApply *how = cands->how;
	gboolean listed = v != NULL;
	StasDecision *d;

	if (!v && (v = g_hash_table_lookup(svc->phase1_verdicts, ctrl->tid))) {
		/* Phase 1 turned its controller= line down (an exclude= added, ...). */
		v = verdict_copy(v);
	} else if (!v) {
		const StasVerdict *before = stas_service_verdict(svc, ctrl->tid, NULL);

		v = before ? verdict_copy(before) : stas_verdict_new();
		stas_reason_clear(&v->removal);
		/* Why it stopped being listed may be the controller's own state (a DC aged out). */
		if (ctrl->status.code != STAS_REASON_NONE)
			stas_reason_set(&v->reason, ctrl->status.code, "Nothing lists it any more, and: %s",
					ctrl->status.text);
		else
			stas_reason_set(&v->reason, STAS_REASON_UNLISTED, "Nothing lists it any more");
	}
	if (how->spare && how->spare(svc, ctrl, listed, cands->data, &v->removal))
		return decision_new(ctrl->tid, ctrl, STAS_ACTION_SPARE, v);
	d = decision_new(ctrl->tid, ctrl, STAS_ACTION_REMOVE, v);
	if (how->keep_connection) {
		d->disconnect = !how->keep_connection(svc, ctrl, cands->data, &v->removal);
	} else {
		d->disconnect = TRUE;
		stas_reason_set(&v->removal, STAS_REASON_DISCONNECT, "Removed, and disconnected");
	}
	return d;
}

GPtrArray *stas_service_decide(StasService *svc, const StasCandidates *cands)
{
	g_autoptr(GPtrArray) order = g_ptr_array_new_with_free_func((GDestroyNotify)stas_tid_unref);
	g_autoptr(GHashTable) judged = judge(svc, cands, order);
	g_autoptr(GPtrArray) current = stas_service_ctrls(svc);
	GPtrArray *out = g_ptr_array_new_with_free_func((GDestroyNotify)decision_free);
	GHashTableIter iter;
	gpointer key, value;

	for (guint i = 0; i < current->len; i++) {
		StasCtrl *ctrl = g_ptr_array_index(current, i);
		StasTid *listed = NULL;
		StasVerdict *v = NULL;

		if (!g_hash_table_steal_extended(judged, ctrl->tid, (gpointer *)&listed, (gpointer *)&v)) {
			g_ptr_array_add(out, decide_unwanted(svc, cands, ctrl, NULL));
			continue;
		}
		if (stas_reason_admits(&v->reason))
			g_ptr_array_add(out, decision_new(listed, ctrl,
							  stas_tid_cfg_equal(ctrl->tid, listed)
								  ? STAS_ACTION_KEEP
								  : STAS_ACTION_UPDATE,
							  v));
		else
			g_ptr_array_add(out, decide_unwanted(svc, cands, ctrl, v));
		stas_tid_unref(listed);
	}
	for (guint i = 0; i < order->len; i++) {
		g_autoptr(StasTid) tid = NULL;
		StasVerdict *v = NULL;

		if (!g_hash_table_steal_extended(judged, g_ptr_array_index(order, i), (gpointer *)&tid,
						 (gpointer *)&v))
			continue; /* managed: decided above */
		g_ptr_array_add(
			out,
			decision_new(tid, NULL,
				     stas_reason_admits(&v->reason) ? STAS_ACTION_ADD : STAS_ACTION_NONE, v));
	}
	/* Configured controllers phase 1 already turned down (managed ones: above). */
	g_hash_table_iter_init(&iter, svc->phase1_verdicts);
	while (g_hash_table_iter_next(&iter, &key, &value)) {
		if (!stas_service_lookup(svc, key))
			g_ptr_array_add(out, decision_new(key, NULL, STAS_ACTION_NONE, verdict_copy(value)));
	}
	return out;
}

/* ----------------------------------------------------- phase 2: execution */

#define DEPARTED_MAX 256

/* Keep what was decided about a controller that went (@v, taken), for explain. */
static void remember_departed(StasService *svc, StasTid *tid, StasVerdict *v)
{
	if (g_hash_table_size(svc->departed) >= DEPARTED_MAX) {
		GHashTableIter iter;
		gpointer key, value, oldest = NULL;
		gint64 when = G_MAXINT64;

		g_hash_table_iter_init(&iter, svc->departed);
		while (g_hash_table_iter_next(&iter, &key, &value)) {
			if (((StasVerdict *)value)->when < when) {
				when = ((StasVerdict *)value)->when;
				oldest = key;
			}
		}
		g_hash_table_remove(svc->departed, oldest);
	}
	g_hash_table_replace(svc->departed, stas_tid_ref(tid), v);
}

/* A rule's outcome is logged when it first applies, not at every reconciliation. */
static void log_new_verdict(StasService *svc, const StasTid *tid, const StasVerdict *v)
{
	const StasVerdict *before = g_hash_table_lookup(svc->verdicts, tid);

	if (stas_reason_admits(&v->reason) || (before && before->reason.code == v->reason.code))
		return;
	if (v->reason.code == STAS_REASON_IP_FAMILY || v->reason.code == STAS_REASON_UNLISTED)
		stas_debug("%s - %s", stas_tid_to_string(tid), v->reason.text);
	else if (v->reason.code == STAS_REASON_EXCLUDED)
		stas_info("%s - %s", stas_tid_to_string(tid), v->reason.text);
	else
		stas_warn("%s - %s", stas_tid_to_string(tid), v->reason.text);
}

static void remove_ctrl(StasService *svc, const StasServiceApply *how, StasDecision *d)
{
	StasVerdict *v = d->verdict;

	stas_info("%s | %s - %s no longer wanted (%s); removing it%s", stas_ctrl_id(d->ctrl),
		  stas_ctrl_device(d->ctrl), how->noun, v->reason.text,
		  d->disconnect ? "" : ", keeping its connection");
	svc->counters.removed[stas_removal_cause(v->reason.code, v->sources)][d->disconnect]++;
	remember_departed(svc, d->tid, g_steal_pointer(&d->verdict));
	stas_service_remove(svc, d->ctrl, !d->disconnect);
}

guint stas_service_apply(StasService *svc, const StasCandidates *cands)
{
	g_autoptr(GPtrArray) decisions = stas_service_decide(svc, cands);
	GHashTable *verdicts = tid_table((GDestroyNotify)stas_verdict_free);
	guint removed = 0;

	svc->counters.reconciliations++;
	for (guint i = 0; i < decisions->len; i++) {
		StasDecision *d = g_ptr_array_index(decisions, i);

		log_new_verdict(svc, d->tid, d->verdict);
		if (d->action == STAS_ACTION_REMOVE) {
			remove_ctrl(svc, cands->how, d);
			removed++;
		}
	}
	for (guint i = 0; i < decisions->len; i++) {
		StasDecision *d = g_ptr_array_index(decisions, i);

		if (d->action == STAS_ACTION_ADD) {
			g_hash_table_remove(svc->departed, d->tid);
			stas_service_add(svc, svc->klass->new_ctrl(svc, d->tid));
		} else if (d->action == STAS_ACTION_UPDATE) {
			stas_service_update_tid(svc, d->ctrl, d->tid);
		}
		if (d->action != STAS_ACTION_REMOVE)
			g_hash_table_replace(verdicts, stas_tid_ref(d->tid), g_steal_pointer(&d->verdict));
	}
	g_clear_pointer(&svc->verdicts, g_hash_table_unref);
	svc->verdicts = verdicts;
	if (cands->how->annotate) {
		g_autoptr(GPtrArray) current = stas_service_ctrls(svc);

		for (guint i = 0; i < current->len; i++)
			cands->how->annotate(svc, g_ptr_array_index(current, i), cands->data);
	}
	svc->applied_reloads = svc->pass_reloads;
	stas_service_reload_settle(svc);
	return removed;
}

/* ----------------------------------------------- reconciliation, phase 1 */

static void reconcile(StasService *svc);

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
	if (svc->reconcile_again && !svc->stopping) {
		svc->reconcile_again = FALSE;
		reconcile(svc);
	}
}

typedef struct {
	StasService *svc;
	StasTid *tid;
	char *at; /* "controller= at FILE:LINE" */
} Lookup;

/* Phase 1 turned a configured controller down: say why, for explain. */
static void drop_configured(StasService *svc, const StasTid *tid, const char *at, StasReasonCode code,
			    const char *text)
{
	StasVerdict *v = stas_verdict_new();

	stas_verdict_add_origin(v, STAS_SOURCE_CONFIG, at);
	stas_reason_set(&v->reason, code, "%s", text);
	g_hash_table_replace(svc->phase1_verdicts, stas_tid_ref((StasTid *)tid), v);
}

static void configured_ready(StasService *svc, GPtrArray *out, StasTid *tid, const char *at)
{
	g_hash_table_replace(svc->configured_from, stas_tid_ref(tid), g_strdup(at));
	g_ptr_array_add(out, stas_tid_ref(tid));
}

typedef enum { ENTRY_READY, ENTRY_DROPPED, ENTRY_LOOKUP } EntryFate;

/* Phase 1 for one controller= line, up to its name: READY (added to @out),
 * DROPPED (the verdict says why) or LOOKUP (traddr is a host name). */
static EntryFate entry_fate(StasService *svc, StasTid *tid, const char *at, GPtrArray *out)
{
	const StasCtrlEntry *exclusion = stas_tid_exclusion(tid, stas_conf_get_excludes(svc->conf));
	const char *traddr = stas_tid_traddr(tid);
	GSocketFamily family;

	if (exclusion) {
		StasReason why = { 0 };

		set_excluded(svc, exclusion, &why);
		drop_configured(svc, tid, at, why.code, why.text);
		stas_reason_clear(&why);
		return ENTRY_DROPPED;
	}
	if (!ip_transport(stas_tid_transport(tid))) {
		configured_ready(svc, out, tid, at);
		return ENTRY_READY;
	}
	if (!*traddr) {
		stas_err("%s - Invalid traddr (empty)", stas_tid_to_string(tid));
		drop_configured(svc, tid, at, STAS_REASON_ADDRESS, "Invalid traddr (empty)");
		return ENTRY_DROPPED;
	}
	family = literal_family(traddr);
	if (family == G_SOCKET_FAMILY_INVALID)
		return ENTRY_LOOKUP;
	if (!family_enabled(svc, family)) {
		stas_warn("%s - Excluded because of ip-family", stas_tid_to_string(tid));
		drop_configured(svc, tid, at, STAS_REASON_IP_FAMILY, "Excluded because of ip-family");
		return ENTRY_DROPPED;
	}
	configured_ready(svc, out, tid, at);
	return ENTRY_READY;
}

static char *entry_at(StasService *svc, const StasCtrlEntry *entry)
{
	return g_strdup_printf("controller= at %s:%u", stas_conf_path(svc->conf), entry->line);
}

/* Phase 1 at once: the configured controllers that pass exclusion and
 * ip-family, a host name taking the address it last resolved to. */
static GPtrArray *configured_now(StasService *svc)
{
	const GPtrArray *entries = stas_conf_get_controllers(svc->conf);
	GPtrArray *out = g_ptr_array_new_with_free_func((GDestroyNotify)stas_tid_unref);

	for (guint i = 0; i < entries->len; i++) {
		const StasCtrlEntry *entry = g_ptr_array_index(entries, i);
		g_autoptr(StasTid) tid = stas_service_tid(svc, entry->values);
		g_autofree char *at = entry_at(svc, entry);
		StasTid *last;

		if (entry_fate(svc, tid, at, out) != ENTRY_LOOKUP)
			continue;
		last = g_hash_table_lookup(svc->last_resolved, tid);
		if (last)
			configured_ready(svc, out, last, at);
		else
			drop_configured(
				svc, tid, at, STAS_REASON_UNRESOLVED,
				"A host name that has not resolved yet (--plan does not look names up)");
	}
	return out;
}

GPtrArray *stas_service_decide_for(StasService *svc, StasConf *conf)
{
	StasConf *live = svc->conf;
	GHashTable *live_phase1 = svc->phase1_verdicts;
	GHashTable *live_from = svc->configured_from;
	g_autoptr(GPtrArray) configured = NULL;
	g_autoptr(StasCandidates) cands = NULL;
	GPtrArray *decisions;

	svc->conf = svc->env.conf = conf;
	svc->phase1_verdicts = tid_table((GDestroyNotify)stas_verdict_free);
	svc->configured_from = tid_table(g_free);
	configured = configured_now(svc);
	cands = svc->klass->candidates(svc, configured);
	decisions = stas_service_decide(svc, cands);
	g_clear_pointer(&cands, stas_candidates_free);
	g_hash_table_unref(svc->phase1_verdicts);
	g_hash_table_unref(svc->configured_from);
	svc->phase1_verdicts = live_phase1;
	svc->configured_from = live_from;
	svc->conf = svc->env.conf = live;
	return decisions;
}

static void on_lookup_done(GObject *source, GAsyncResult *res, gpointer data)
{
	g_autofree Lookup *lookup = data;
	g_autoptr(StasTid) tid = lookup->tid;
	g_autofree char *at = lookup->at;
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
			configured_ready(svc, svc->resolved, last, lookup->at);
		} else {
			g_autofree char *text = g_strdup_printf("Cannot resolve traddr: %s", error->message);

			stas_err("%s - %s", stas_tid_to_string(tid), text);
			drop_configured(svc, tid, lookup->at, STAS_REASON_UNRESOLVED, text);
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
			configured_ready(svc, svc->resolved, resolved, lookup->at);
			stas_tid_unref(resolved);
		} else {
			drop_configured(svc, tid, lookup->at, STAS_REASON_IP_FAMILY,
					"Its name resolves to no address of an enabled ip-family");
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
	/* Lookups still running are let finish, and the pass that waits for them
	 * runs again right after: cancelling them on every soak (mDNS or referral
	 * churn) meant that with a slow resolver phase 2 never ran (review-stafd L3). */
	if (svc->resolving) {
		svc->reconcile_again = TRUE;
		return;
	}
	svc->pass_reloads = svc->reloads;
	svc->resolving = g_cancellable_new();
	svc->resolved = g_ptr_array_new_with_free_func((GDestroyNotify)stas_tid_unref);
	svc->resolving_pending = 1; /* this function's own share, released at the end */

	g_hash_table_remove_all(svc->phase1_verdicts);
	g_hash_table_remove_all(svc->configured_from);
	for (guint i = 0; i < entries->len; i++) {
		const StasCtrlEntry *entry = g_ptr_array_index(entries, i);
		g_autoptr(StasTid) tid = stas_service_tid(svc, entry->values);
		g_autofree char *at = entry_at(svc, entry);
		Lookup *lookup;

		if (entry_fate(svc, tid, at, svc->resolved) != ENTRY_LOOKUP)
			continue;
		lookup = g_new0(Lookup, 1);
		lookup->svc = svc;
		lookup->tid = g_steal_pointer(&tid);
		lookup->at = g_steal_pointer(&at);
		svc->resolving_pending++;
		g_resolver_lookup_by_name_async(resolver, stas_tid_traddr(lookup->tid), svc->resolving,
						on_lookup_done, lookup);
	}
	resolved_one(svc);
}

gboolean stas_service_on_soak(gpointer data)
{
	reconcile(data);
	return G_SOURCE_REMOVE;
}

/* At start-up nothing has changed yet: wait the whole STAS_SOAK_S for the first
 * news (stafd on the bus, an mDNS answer), then soak as usual after it. */
void stas_service_soak_first(StasService *svc)
{
	svc->soak_since = g_get_monotonic_time();
	stas_timer_set_interval(svc->soak, STAS_SOAK_S);
	stas_timer_start(svc->soak);
}

/* One change acted on within STAS_SOAK_QUIET_S, a burst as one, and a
 * stream that never pauses still every STAS_SOAK_S. */
void stas_service_soak(StasService *svc)
{
	gint64 now = g_get_monotonic_time();
	double left;

	if (svc->stopping)
		return;
	if (!stas_timer_is_armed(svc->soak))
		svc->soak_since = now;
	left = STAS_SOAK_S - (double)(now - svc->soak_since) / G_USEC_PER_SEC;
	stas_timer_set_interval(svc->soak, CLAMP(left, 0.0, STAS_SOAK_QUIET_S));
	stas_timer_start(svc->soak);
}
