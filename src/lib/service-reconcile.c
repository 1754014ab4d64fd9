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

/* ----------------------------------------------------------------- helpers */

StasTid *stas_service_tid(StasService *svc, GHashTable *cid)
{
	return stas_tid_new(cid, svc->env.host.hostnqn, stas_conf_get_bool(svc->conf, STAS_OPT_IGNORE_IFACE));
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

/* A set of TIDs (hash lookups: a reconciliation is O(controllers), not its square). */
static GHashTable *tid_set_new(void)
{
	return g_hash_table_new_full(stas_tid_hash, stas_tid_equal, (GDestroyNotify)stas_tid_unref, NULL);
}

static GHashTable *tid_set_from(const GPtrArray *tids)
{
	GHashTable *set = tid_set_new();

	for (guint i = 0; i < tids->len; i++)
		g_hash_table_add(set, stas_tid_ref(g_ptr_array_index(tids, i)));
	return set;
}

/* The TIDs of @all (duplicates once, in order) that are pinned, or neither
 * excluded nor have an invalid address: what the daemon should manage. Each
 * is also in @set. */
static GPtrArray *wanted_tids(StasService *svc, const GPtrArray *all, const StasServiceApply *how,
			      gpointer data, GHashTable *set)
{
	GPtrArray *wanted = g_ptr_array_new_with_free_func((GDestroyNotify)stas_tid_unref);

	for (guint i = 0; i < all->len; i++) {
		StasTid *tid = g_ptr_array_index(all, i);

		if (g_hash_table_contains(set, tid))
			continue;
		if ((how->pinned && how->pinned(svc, tid, data)) ||
		    (!stas_service_excluded(svc, tid) && stas_service_address_valid(svc, tid))) {
			g_ptr_array_add(wanted, stas_tid_ref(tid));
			g_hash_table_add(set, stas_tid_ref(tid));
		}
	}
	return wanted;
}

static void add_wanted(StasService *svc, const GPtrArray *wanted)
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

guint stas_service_apply(StasService *svc, const GPtrArray *all, const StasServiceApply *how, gpointer data)
{
	g_autoptr(GHashTable) wanted_set = tid_set_new();
	g_autoptr(GPtrArray) wanted = wanted_tids(svc, all, how, data, wanted_set);
	g_autoptr(GHashTable) listed = how->spare ? tid_set_from(all) : NULL;
	g_autoptr(GPtrArray) current = stas_service_ctrls(svc);
	guint removed = 0;

	for (guint i = 0; i < current->len; i++) {
		StasCtrl *ctrl = g_ptr_array_index(current, i);
		gboolean keep;

		if (g_hash_table_contains(wanted_set, ctrl->tid))
			continue;
		if (how->spare && how->spare(svc, ctrl, g_hash_table_contains(listed, ctrl->tid), data))
			continue;
		stas_info("%s | %s - %s no longer wanted; removing it", stas_ctrl_id(ctrl),
			  stas_ctrl_device(ctrl), how->noun);
		keep = how->keep_connection && how->keep_connection(svc, ctrl, data);
		stas_service_remove(svc, ctrl, keep);
		removed++;
	}
	add_wanted(svc, wanted);
	if (how->annotate) {
		g_ptr_array_unref(current);
		current = stas_service_ctrls(svc);
		for (guint i = 0; i < current->len; i++)
			how->annotate(svc, g_ptr_array_index(current, i), data);
	}
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
	/* Lookups still running are let finish, and the pass that waits for them
	 * runs again right after: cancelling them on every soak (mDNS or referral
	 * churn) meant that with a slow resolver phase 2 never ran (review-stafd L3). */
	if (svc->resolving) {
		svc->reconcile_again = TRUE;
		return;
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
