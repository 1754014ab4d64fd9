// SPDX-License-Identifier: Apache-2.0
/*
 * What makes stacd stacd: its controllers are I/O controllers (ioc.c),
 * wanted when stacd.conf lists them or when a log page that stafd cached
 * lists them. At each reconciliation stacd asks stafd for every log page
 * (get_all_log_pages); when stafd is away or the call fails it keeps what
 * stafd said last instead of disconnecting everything (nvme-stas 2.4 tore
 * the storage down), and "what stafd said last" survives a restart of
 * stacd in the last-known state. With disconnect-scope = all-connections-
 * matching-disconnect-trtypes it also audits every I/O connection in the
 * kernel, once its own controllers have found theirs.
 */
#include "stac.h"
#include "stas/dbus-util.h"
#include "stas/names.h"
#include "stas/nbft.h"
#include "stas/state.h"

#define ADD_SOAK_S	     1.0  /* sysfs attributes trail udev "add" events */
#define STARTUP_AUDIT_WAIT_S 30.0 /* longest wait for first attempts before the start-up audit */
#define ORIGIN_DISCOVERED    "discovered"
#define ORIGIN_CONFIGURED    "configured"
#define ORIGIN_ADOPTED	     "adopted"
#define PAGES_DETAIL	     "log pages" /* stafd's word on where a DC's log page comes from */
#define PAGES_READ	     "read"	 /* ... from the DC itself, since stafd started */

/* The DC identity keys a listing keeps (not its secrets, nor its state). */
static const char *const dc_keys[] = { "transport",   "traddr",	    "trsvcid", "subsysnqn",
				       "host-traddr", "host-iface", "host-nqn" };

static StasStac *STAC(StasService *svc)
{
	return (StasStac *)svc;
}

static void listing_free(StasStacListing *listing)
{
	g_hash_table_unref(listing->dlpe);
	g_hash_table_unref(listing->dc);
	g_free(listing);
}

static GHashTable *new_discovered(void)
{
	return g_hash_table_new_full(stas_tid_hash, stas_tid_equal, (GDestroyNotify)stas_tid_unref,
				     (GDestroyNotify)listing_free);
}

static const char *dict_get(GHashTable *dict, const char *key)
{
	const char *value = dict ? g_hash_table_lookup(dict, key) : NULL;

	return value ? value : "";
}

/* The TID of the I/O controller that log page entry @dlpe names: it is
 * reached the way the DC that lists it (@dc) is. NULL for entries that are
 * not NVM subsystems (referrals and discovery subsystems are stafd's). */
static StasTid *listed_tid(StasStac *stac, GHashTable *dlpe, GHashTable *dc)
{
	g_autoptr(GHashTable) cid = NULL;

	if (!g_str_equal(dict_get(dlpe, "subtype"), "nvme"))
		return NULL;
	cid = stas_tid_cid_from_dlpe(dlpe, dc);
	return stas_service_tid(&stac->svc, cid);
}

/* Adds @dlpe as listed by @dc to @map; FALSE when it names no I/O controller. */
static gboolean add_listing(StasStac *stac, GHashTable *map, GHashTable *dlpe, GHashTable *dc)
{
	StasTid *tid = listed_tid(stac, dlpe, dc);
	StasStacListing *listing;

	if (!tid)
		return FALSE;
	listing = g_new0(StasStacListing, 1);
	listing->dlpe = g_hash_table_ref(dlpe);
	listing->dc = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	for (guint i = 0; i < G_N_ELEMENTS(dc_keys); i++) {
		if (*dict_get(dc, dc_keys[i]))
			g_hash_table_insert(listing->dc, g_strdup(dc_keys[i]),
					    g_strdup(dict_get(dc, dc_keys[i])));
	}
	g_hash_table_replace(map, tid, listing);
	return TRUE;
}

static void on_attempt(StasIoc *ioc, gpointer data);

static StasIoc *new_ioc(StasStac *stac, StasTid *tid)
{
	StasIoc *ioc = stas_ioc_new(tid, &stac->svc.env);

	stas_ioc_on_attempt(ioc, on_attempt, stac);
	return ioc;
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

/* An existing kernel controller, as the audit sees it. */
typedef struct {
	const char *name;
	GHashTable *cid;
	const StasIfaces *ifaces;
} Device;

static gboolean claims(StasCtrl *ctrl, gconstpointer data)
{
	const Device *dev = data;

	return g_strcmp0(ctrl->device, dev->name) == 0 ||
	       stas_udev_cid_matches(dev->cid, ctrl->tid, dev->ifaces);
}

/* Is device @name (existing controller @cid) stacd's own? It is when a
 * managed controller has it, or could have it: the TID built from sysfs
 * carries the interface that owns src_addr, which a controller configured
 * or discovered without host-iface does not have, and a controller whose
 * connect or adoption is still running has no device yet (nvme-stas took
 * both for strangers and disconnected them). Controllers on their way out
 * keep theirs until the disconnect is done. */
static gboolean owned(StasStac *stac, const char *name, GHashTable *cid, const StasIfaces *ifaces)
{
	g_autoptr(GPtrArray) ctrls = stas_service_ctrls(&stac->svc);
	const Device dev = { name, cid, ifaces };

	for (guint i = 0; i < ctrls->len; i++) {
		if (claims(g_ptr_array_index(ctrls, i), &dev))
			return TRUE;
	}
	return stas_terminator_find(stac->svc.terminator, claims, &dev) != NULL;
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
		g_autoptr(GHashTable) cid = NULL;
		g_autoptr(StasTid) tid = NULL;
		StasCtrl *ctrl;

		if (!stas_udev_is_ioc_device(svc->env.sysfs_root, name))
			continue;
		cid = stas_udev_ctrl_cid(svc->env.sysfs_root, name);
		if (!cid || owned(stac, name, cid, ifaces))
			continue;
		tid = stas_udev_ctrl_tid(svc->env.sysfs_root, name, ifaces, ignore_iface);
		if (!tid || !in_trtypes(svc, stas_tid_transport(tid)) || stas_service_lookup(svc, tid) ||
		    stas_terminator_pending(svc->terminator, tid))
			continue;
		stas_info("%s | %s - Audit: adopting a connection stacd does not manage",
			  stas_tid_to_string(tid), name);
		ctrl = stas_ioc_ctrl(new_ioc(stac, tid));
		stas_service_add(svc, ctrl);
		stas_ctrl_adopt(ctrl, name);
		adopted++;
	}
	if (adopted)
		stas_service_soak(svc);
}

static gboolean on_add_soak(gpointer data)
{
	StasStac *stac = data;

	if (stac->auditing && !stac->startup_audit)
		audit(stac);
	return G_SOURCE_REMOVE;
}

/* Has @ctrl's first attempt to adopt or connect finished? */
static gboolean attempted_once(const StasCtrl *ctrl)
{
	return ctrl->device || (ctrl->connect_op.exists && !ctrl->connect_op.in_flight);
}

/* The start-up audit runs once the first reconciliation made every wanted
 * controller (restored, configured, listed by stafd) and each of them has
 * tried to find its connection; @force: the wait is over anyway (the audit
 * still leaves alone what a controller still connecting could claim). */
static void startup_audit_check(StasStac *stac, gboolean force)
{
	g_autoptr(GPtrArray) ctrls = NULL;
	guint waiting = 0;

	if (!stac->startup_audit || !stac->applied)
		return;
	ctrls = stas_service_ctrls(&stac->svc);
	for (guint i = 0; i < ctrls->len; i++)
		waiting += !attempted_once(g_ptr_array_index(ctrls, i));
	if (waiting && !force)
		return;
	if (waiting)
		stas_info(
			"Start-up audit: %u I/O controller(s) still connecting after %.0f s; auditing anyway",
			waiting, STARTUP_AUDIT_WAIT_S);
	stac->startup_audit = FALSE;
	stas_timer_stop(stac->startup_audit_timer);
	if (stac->auditing)
		audit(stac);
}

static void on_attempt(StasIoc *ioc, gpointer data)
{
	startup_audit_check(data, FALSE);
}

static gboolean on_startup_audit_timer(gpointer data)
{
	startup_audit_check(data, TRUE);
	return G_SOURCE_REMOVE;
}

static void configure_audits(StasStac *stac)
{
	gboolean wanted = stas_conf_get_disconnect_scope(stac->svc.conf) ==
			  STAS_SCOPE_ALL_CONNECTIONS_MATCHING_DISCONNECT_TRTYPES;

	if (wanted && !stac->auditing) {
		stac->auditing = TRUE;
		if (!stac->startup_audit)
			audit(stac);
	} else if (!wanted) {
		stac->auditing = FALSE;
		stas_timer_stop(stac->add_soak);
	}
}

/* ------------------------------------------------------------ reconciliation */

static gboolean keep_connection(StasService *svc, StasCtrl *ctrl, gpointer data, StasReason *why)
{
	const char *transport = stas_tid_transport(ctrl->tid);

	switch (stas_conf_get_disconnect_scope(svc->conf)) {
	case STAS_SCOPE_NO_DISCONNECT:
		stas_reason_set(why, STAS_REASON_KEEP,
				"disconnect-scope=no-disconnect: its connection stays");
		return TRUE;
	case STAS_SCOPE_ALL_CONNECTIONS_MATCHING_DISCONNECT_TRTYPES:
		if (!in_trtypes(svc, transport)) {
			stas_reason_set(why, STAS_REASON_KEEP,
					"transport %s is not in disconnect-trtypes: its connection stays",
					transport);
			return TRUE;
		}
		stas_reason_set(why, STAS_REASON_DISCONNECT,
				"disconnect-scope=all-connections-matching-disconnect-trtypes and %s is in "
				"disconnect-trtypes: disconnected",
				transport);
		return FALSE;
	case STAS_SCOPE_ONLY_STAS_CONNECTIONS:
		break;
	}
	stas_reason_set(why, STAS_REASON_DISCONNECT, "disconnect-scope=only-stas-connections: disconnected");
	return FALSE;
}

/* Each I/O controller learns the entry that lists it (NCC may change). */
static void set_dlpe(StasService *svc, StasCtrl *ctrl, gpointer data)
{
	StasStacListing *listing = g_hash_table_lookup(STAC(svc)->discovered, ctrl->tid);

	if (listing)
		stas_ioc_set_dlpe(stas_ioc_from_ctrl(ctrl), listing->dlpe);
}

/* The controllers the host booted from: no configuration takes them away. */
static gboolean booted_from(StasService *svc, const StasTid *tid, gpointer data)
{
	return stas_tid_list_contains(STAC(svc)->booted, tid);
}

/* "log page of DC (tcp, 10.0.0.1, 8009, nqn...)": which DC's page lists @tid. */
static void ioc_origin(StasService *svc, const StasTid *tid, gpointer data, StasVerdict *verdict)
{
	StasStacListing *listing = g_hash_table_lookup(STAC(svc)->discovered, tid);

	if (booted_from(svc, tid, data))
		stas_verdict_add_origin(verdict, STAS_SOURCE_NBFT, "NBFT (the host booted from it)");
	if (listing) {
		g_autofree char *text = g_strdup_printf(
			"log page of DC (%s, %s, %s, %s)%s", dict_get(listing->dc, "transport"),
			dict_get(listing->dc, "traddr"), dict_get(listing->dc, "trsvcid"),
			dict_get(listing->dc, "subsysnqn"),
			STAC(svc)->staf_up ? "" : " (as stafd said last)");

		stas_verdict_add_origin(verdict, STAS_SOURCE_LOG_PAGE, text);
	}
}

static const StasServiceApply apply_iocs = {
	.noun = "I/O controller",
	.pinned = booted_from,
	.origin = ioc_origin,
	.keep_connection = keep_connection,
	.annotate = set_dlpe,
};

/* nqn is mandatory for I/O controllers; fc/loop have no trsvcid. The others
 * get a verdict that says so. */
static GPtrArray *usable_configured(StasService *svc, GPtrArray *configured)
{
	GPtrArray *usable = g_ptr_array_new_with_free_func((GDestroyNotify)stas_tid_unref);

	for (guint i = 0; i < configured->len; i++) {
		StasTid *tid = g_ptr_array_index(configured, i);
		StasVerdict *v;

		if (*stas_tid_transport(tid) && *stas_tid_traddr(tid) && *stas_tid_trsvcid(tid) &&
		    *stas_tid_subsysnqn(tid)) {
			g_ptr_array_add(usable, stas_tid_ref(tid));
			continue;
		}
		v = stas_verdict_new();
		stas_verdict_add_origin(v, STAS_SOURCE_CONFIG,
					g_hash_table_lookup(svc->configured_from, tid));
		stas_reason_set(&v->reason, STAS_REASON_INCOMPLETE,
				"An I/O controller needs transport, traddr, trsvcid and subsysnqn");
		g_hash_table_replace(svc->phase1_verdicts, stas_tid_ref(tid), v);
	}
	return usable;
}

/* The candidates: the NBFT's, the @usable configured ones, what stafd listed. */
static StasCandidates *candidates_from(StasStac *stac, const GPtrArray *usable)
{
	StasService *svc = &stac->svc;
	StasCandidates *cands = stas_candidates_new(&apply_iocs, NULL, NULL);
	GHashTableIter iter;
	gpointer key;

	/* Firmware tables do not change while the host runs: read once, before the first
	 * reconciliation can remove a restored boot controller. */
	if (!stac->booted)
		stac->booted = stas_nbft_tids(svc->env.sysfs_root, STAS_NBFT_IO, svc->env.host.hostnqn,
					      stas_conf_get_bool(svc->conf, STAS_OPT_IGNORE_IFACE));
	stas_tid_list_append(cands->all, stac->booted);
	stas_tid_list_append(cands->all, usable);
	g_hash_table_iter_init(&iter, stac->discovered);
	while (g_hash_table_iter_next(&iter, &key, NULL))
		g_ptr_array_add(cands->all, stas_tid_ref(key));
	return cands;
}

static StasCandidates *stac_candidates(StasService *svc, GPtrArray *configured)
{
	g_autoptr(GPtrArray) usable = usable_configured(svc, configured);

	return candidates_from(STAC(svc), usable);
}

static void apply(StasStac *stac, GPtrArray *configured)
{
	StasService *svc = &stac->svc;
	g_autoptr(StasCandidates) cands = NULL;

	/* What the state file records as configured: not what stafd lists. */
	g_clear_pointer(&stac->configured, g_ptr_array_unref);
	stac->configured = usable_configured(svc, configured);
	cands = candidates_from(stac, stac->configured);
	stas_service_apply(svc, cands);
	stas_service_save_state(svc);
	stas_service_notify_status(svc);
	if (!stac->applied && stac->startup_audit)
		stas_timer_start(stac->startup_audit_timer);
	stac->applied = TRUE;
	startup_audit_check(stac, FALSE);
}

/* Do @a and @b (DC dicts) name the same discovery controller? */
static gboolean same_dc(GHashTable *a, GHashTable *b)
{
	for (guint i = 0; i < G_N_ELEMENTS(dc_keys); i++) {
		if (!g_str_equal(dict_get(a, dc_keys[i]), dict_get(b, dc_keys[i])))
			return FALSE;
	}
	return TRUE;
}

/* Has stafd read @dc's log page since it started? A stafd that restarted
 * serves the page it restored from its last-known state, or none, until
 * the DC answered again: such a page adds what it lists but is no reason
 * to remove anything. An older stafd (nvme-stas) does not say: its page is
 * taken as read, as it always was. */
static gboolean page_read(GHashTable *dc)
{
	const char *pages = dc ? g_hash_table_lookup(dc, PAGES_DETAIL) : NULL;

	return !pages || g_str_equal(pages, PAGES_READ);
}

/* What @dc listed before stays in @map while stafd has not read its page. */
static void keep_unread_listings(StasStac *stac, GHashTable *map, GHashTable *dc)
{
	GHashTableIter iter;
	gpointer key, value;
	guint kept = 0;

	g_hash_table_iter_init(&iter, stac->discovered);
	while (g_hash_table_iter_next(&iter, &key, &value)) {
		StasStacListing *listing = value;

		if (same_dc(listing->dc, dc) && !g_hash_table_contains(map, key))
			kept += add_listing(stac, map, listing->dlpe, listing->dc);
	}
	if (kept)
		stas_info("stafd has not read the log page of (%s, %s, %s) yet; keeping the %u I/O "
			  "controller(s) it listed before",
			  dict_get(dc, "transport"), dict_get(dc, "traddr"), dict_get(dc, "trsvcid"), kept);
}

typedef struct {
	StasStac *stac;
	GHashTable *map; /* TID -> listing */
	guint unread;	 /* DCs whose page stafd has not read yet */
} Listings;

static void add_dc_listings(GHashTable *dc, const GPtrArray *entries, gpointer data)
{
	Listings *out = data;

	for (guint i = 0; i < entries->len; i++)
		add_listing(out->stac, out->map, g_ptr_array_index(entries, i), dc);
	if (dc && !page_read(dc)) {
		keep_unread_listings(out->stac, out->map, dc);
		out->unread++;
	}
}

/* stafd's answer as TID -> listing; @unread counts the DCs whose page stafd
 * has not read yet. NULL when the text is not what stafd sends. */
static GHashTable *parse_log_pages(StasStac *stac, const char *json, guint *unread, GError **error)
{
	Listings out = { stac, new_discovered(), 0 };

	if (!stas_log_pages_parse(json, add_dc_listings, &out, error)) {
		g_hash_table_unref(out.map);
		return NULL;
	}
	*unread += out.unread;
	return out.map;
}

struct _StasStacFetch {
	StasStac *stac;
	GPtrArray *configured;
	GCancellable *cancellable;
};

GCancellable *stas_stac_fetch_cancellable(StasStacFetch *fetch)
{
	return fetch->cancellable;
}

void stas_stac_fetch_done(StasStacFetch *fetch, const char *json, const GError *error)
{
	g_autoptr(GPtrArray) configured = fetch->configured;
	g_autoptr(GCancellable) cancellable = fetch->cancellable;
	g_autoptr(GError) parse_error = NULL;
	g_autoptr(GHashTable) map = NULL;
	StasStac *stac = fetch->stac;
	guint unread = 0;

	g_free(fetch);
	/* stacd is stopping, or a newer pass took over */
	if (g_cancellable_is_cancelled(cancellable))
		return;
	if (json)
		map = parse_log_pages(stac, json, &unread, &parse_error);
	if (stac->fetching == cancellable)
		g_clear_object(&stac->fetching);
	if (map) {
		stas_debug("stafd lists %u I/O controller(s); %u DC log page(s) not read yet",
			   g_hash_table_size(map), unread);
		g_hash_table_unref(stac->discovered);
		stac->discovered = g_steal_pointer(&map);
	} else {
		stas_warn("Cannot read the log pages from stafd (%s); keeping the %u I/O controller(s) it "
			  "listed before",
			  parse_error ? parse_error->message
			  : error     ? error->message
				      : "no answer",
			  g_hash_table_size(stac->discovered));
	}
	if (!stac->svc.stopping)
		apply(stac, configured);
}

static void on_log_pages(GObject *source, GAsyncResult *res, gpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *json = NULL;

	stas_dbus_staf_call_get_all_log_pages_finish(STAS_DBUS_STAF(source), &json, res, &error);
	stas_stac_fetch_done(data, json, error);
}

static void fetch_over_dbus(StasStac *stac, StasStacFetch *fetch)
{
	stas_dbus_staf_call_get_all_log_pages(stac->staf, TRUE, fetch->cancellable, on_log_pages, fetch);
}

static void stac_reconcile(StasService *svc, GPtrArray *configured)
{
	StasStac *stac = STAC(svc);
	StasStacFetch *fetch;

	if (stac->fetching) {
		g_cancellable_cancel(stac->fetching);
		g_clear_object(&stac->fetching);
	}
	if (!stac->staf_up) {
		/* Also right after a restart: the listings came back from the
		 * last-known state, and stafd has not said otherwise yet. */
		if (stac->staf_seen || g_hash_table_size(stac->discovered))
			stas_info("stafd is not running; keeping the %u I/O controller(s) it listed before",
				  g_hash_table_size(stac->discovered));
		apply(stac, configured);
		return;
	}
	fetch = g_new0(StasStacFetch, 1);
	fetch->stac = stac;
	fetch->configured = g_ptr_array_ref(configured);
	fetch->cancellable = g_cancellable_new();
	stac->fetching = g_object_ref(fetch->cancellable);
	stac->fetch(stac, fetch);
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
	stac->staf_up = TRUE;
	/* Whatever the signal says, stacd re-reads everything after the soak. */
	g_signal_connect_swapped(proxy, "log-pages-changed", G_CALLBACK(stas_service_soak), &stac->svc);
	g_signal_connect_swapped(proxy, "dc-removed", G_CALLBACK(stas_service_soak), &stac->svc);
	/* No waiting for a stafd that has just started: until it has read a
	 * DC's log page again, what that DC listed stays (page_read). */
	stas_service_soak(&stac->svc);
}

static void on_staf_appeared(GDBusConnection *bus, const char *name, const char *owner, gpointer data)
{
	StasStac *stac = data;

	stas_info("stafd appeared on D-Bus (%s)", owner);
	stac->staf_seen = TRUE;
	stas_dbus_staf_proxy_new(
		bus, G_DBUS_PROXY_FLAGS_DO_NOT_LOAD_PROPERTIES | G_DBUS_PROXY_FLAGS_DO_NOT_AUTO_START,
		STAS_STAF_BUS_NAME, STAS_STAF_OBJECT_PATH, NULL, on_staf_proxy, stac);
}

static void on_staf_vanished(GDBusConnection *bus, const char *name, gpointer data)
{
	StasStac *stac = data;

	if (!stac->staf_seen)
		return;
	stas_info("stafd left D-Bus; its I/O controllers stay as they are");
	g_clear_object(&stac->staf);
	stac->staf_up = FALSE;
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

/* Why the controller is wanted, and for a listed one the entry and the DC
 * that listed it, so that a restarted stacd knows what stafd said last. */
static void stac_save_record(StasService *svc, StasCtrl *ctrl, JsonObject *record)
{
	StasStac *stac = STAC(svc);
	StasStacListing *listing = g_hash_table_lookup(stac->discovered, ctrl->tid);

	if (listing) {
		json_object_set_string_member(record, "origin", ORIGIN_DISCOVERED);
		json_object_set_object_member(record, "dlpe", stas_json_from_dict(listing->dlpe));
		json_object_set_object_member(record, "dc", stas_json_from_dict(listing->dc));
	} else if (stac->configured && stas_tid_list_contains(stac->configured, ctrl->tid)) {
		json_object_set_string_member(record, "origin", ORIGIN_CONFIGURED);
	} else {
		json_object_set_string_member(record, "origin", ORIGIN_ADOPTED);
	}
}

/* A string member of a record; "" when absent or of another type. */
static const char *record_string(JsonObject *record, const char *member)
{
	JsonNode *node = json_object_get_member(record, member);

	return node && JSON_NODE_HOLDS_VALUE(node) && json_node_get_value_type(node) == G_TYPE_STRING
		       ? json_node_get_string(node)
		       : "";
}

static GHashTable *record_dict(JsonObject *record, const char *member)
{
	JsonNode *node = json_object_get_member(record, member);

	return node && JSON_NODE_HOLDS_OBJECT(node) ? stas_dict_from_json(json_node_get_object(node)) : NULL;
}

/* A listed record puts its entry back into what stafd said last; FALSE
 * when the record does not hold together (reported, then skipped). */
static gboolean restore_listing(StasStac *stac, StasTid *tid, JsonObject *record)
{
	g_autoptr(GHashTable) dlpe = record_dict(record, "dlpe");
	g_autoptr(GHashTable) dc = record_dict(record, "dc");
	g_autoptr(StasTid) listed = dlpe && dc ? listed_tid(stac, dlpe, dc) : NULL;

	if (!listed || !stas_tid_equal(listed, tid)) {
		stas_warn("%s - Last known config: the log page entry of this record is malformed; skipped",
			  stas_tid_to_string(tid));
		return FALSE;
	}
	return add_listing(stac, stac->discovered, dlpe, dc);
}

/* An I/O controller a log page listed is wanted again at once, whether its
 * connection survived or not: stafd said so last, and an admin expects
 * stacd to reconnect it as it would have had it kept running (an exclude=
 * added meanwhile still applies at the first reconciliation). A connection
 * that still exists is adopted right away; one that is gone is made again
 * by that reconciliation. Other records come back only when their
 * connection still exists, so that it can be torn down if stacd.conf no
 * longer lists it. */
static StasCtrl *stac_restore_record(StasService *svc, StasTid *tid, JsonObject *record)
{
	StasStac *stac = STAC(svc);
	const char *origin = record_string(record, "origin");
	g_autofree char *device = NULL;
	StasIoc *ioc;

	if (g_str_equal(origin, ORIGIN_DISCOVERED) && !restore_listing(stac, tid, record))
		return NULL;
	device = stas_ctrl_find_existing(&svc->env, tid, FALSE);
	if (!device)
		return NULL;
	ioc = new_ioc(stac, tid);
	if (g_str_equal(origin, ORIGIN_DISCOVERED)) {
		StasStacListing *listing = g_hash_table_lookup(stac->discovered, tid);

		stas_ioc_set_dlpe(ioc, listing->dlpe);
	}
	return stas_ioc_ctrl(ioc);
}

static gboolean stac_keep_on_stop(StasService *svc, StasCtrl *ctrl)
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
	g_clear_pointer(&stac->startup_audit_timer, stas_timer_free);
	g_clear_pointer(&stac->configured, g_ptr_array_unref);
	g_clear_pointer(&stac->booted, g_ptr_array_unref);
}

static const StasServiceClass stac_class = {
	.daemon = STAS_DAEMON_STACD,
	.bus_name = STAS_STAC_BUS_NAME,
	.object_path = STAS_STAC_OBJECT_PATH,
	.noun = "I/O controller",
	.debug_interface = stas_dbus_stac_debug_interface_info,
	.export = stas_stac_dbus_export,
	.unexport = stas_stac_dbus_unexport,
	.new_ctrl = stac_new_ctrl,
	.reconcile = stac_reconcile,
	.candidates = stac_candidates,
	.reloaded = stac_reloaded,
	.uevent = stac_uevent,
	.save_record = stac_save_record,
	.restore_record = stac_restore_record,
	.keep_on_stop = stac_keep_on_stop,
	.finalize = stac_finalize,
};

const StasServiceClass *stas_stac_class(void)
{
	return &stac_class;
}

void stas_stac_setup(StasStac *stac)
{
	stac->discovered = new_discovered();
	stac->fetch = fetch_over_dbus;
	stac->add_soak = stas_timer_new(ADD_SOAK_S, on_add_soak, stac);
	stac->startup_audit = TRUE;
	stac->startup_audit_timer = stas_timer_new(STARTUP_AUDIT_WAIT_S, on_startup_audit_timer, stac);
}

void stas_stac_start(StasStac *stac)
{
	guint listed = g_hash_table_size(stac->discovered);

	if (listed)
		stas_info("Keeping the %u I/O controller(s) stafd listed before the restart until it answers",
			  listed);
	configure_audits(stac);
}

StasStac *stas_stac_new(StasLogger *logger, const char *conf_path, gboolean tron, int *exit_status)
{
	StasStac *stac = g_new0(StasStac, 1);

	stas_stac_setup(stac);
	if (!stas_service_init(&stac->svc, &stac_class, logger, conf_path, tron, exit_status)) {
		stas_service_free(&stac->svc);
		return NULL;
	}
	stas_stac_start(stac);
	stac->staf_watch = g_bus_watch_name_on_connection(stac->svc.bus, STAS_STAF_BUS_NAME,
							  G_BUS_NAME_WATCHER_FLAGS_NONE, on_staf_appeared,
							  on_staf_vanished, stac, NULL);
	return stac;
}
