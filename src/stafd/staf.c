// SPDX-License-Identifier: Apache-2.0
/*
 * What makes stafd stafd: its controllers are discovery controllers (dc.c),
 * wanted when configured, advertised over mDNS or referred to by another
 * DC's log page. mDNS-discovered DCs that merely stop being advertised are
 * kept until they also stop answering (aging, dc.c); everything else that is
 * no longer wanted is disconnected.
 */
#include "autoconnect.h"
#include "staf.h"
#include "stas/names.h"
#include "stas/nbft.h"
#include "stas/state.h"

static StasStaf *STAF(StasService *svc)
{
	return (StasStaf *)svc;
}

/* ------------------------------------------------------------ DC callbacks */

static void on_log_pages_changed(StasDc *dc, gpointer data)
{
	StasStaf *staf = data;

	stas_staf_dbus_log_pages_changed(staf, dc);
	stas_service_notify_status(&staf->svc);
}

static void on_soak_needed(StasDc *dc, gpointer data)
{
	stas_service_soak(data);
}

/* The TIDs of the DCs that mDNS currently advertises as reachable. */
static GPtrArray *discovered_tids(StasStaf *staf)
{
	GPtrArray *out = g_ptr_array_new_with_free_func((GDestroyNotify)stas_tid_unref);
	g_autoptr(GPtrArray) cids = staf->zeroconf ? stas_zeroconf_reachable(staf->zeroconf) : NULL;

	for (guint i = 0; cids && i < cids->len; i++)
		g_ptr_array_add(out, stas_service_tid(&staf->svc, g_ptr_array_index(cids, i)));
	return out;
}

static gboolean on_advertised(StasDc *dc, gpointer data)
{
	g_autoptr(GPtrArray) tids = discovered_tids(data);

	return stas_tid_list_contains(tids, stas_dc_ctrl(dc)->tid);
}

static const StasDcEvents dc_events = {
	.log_pages_changed = on_log_pages_changed,
	.referrals_changed = on_soak_needed,
	.unresponsive = on_soak_needed,
	.advertised = on_advertised,
};

static StasDc *new_dc(StasStaf *staf, StasTid *tid)
{
	return stas_dc_new(tid, &staf->svc.env, &dc_events, staf);
}

static StasCtrl *staf_new_ctrl(StasService *svc, StasTid *tid)
{
	return stas_dc_ctrl(new_dc(STAF(svc), tid));
}

/* ------------------------------------------------------------ reconciliation */

/* The referrals in the managed DCs' log pages, and in @referrers each one's
 * origin: "referral in the log page of (...)", the first DC that lists it. */
static GPtrArray *referral_tids(StasStaf *staf, GHashTable *referrers)
{
	GPtrArray *out = g_ptr_array_new_with_free_func((GDestroyNotify)stas_tid_unref);
	g_autoptr(GPtrArray) ctrls = stas_service_ctrls(&staf->svc);

	for (guint c = 0; c < ctrls->len; c++) {
		StasCtrl *ctrl = g_ptr_array_index(ctrls, c);
		g_autoptr(GHashTable) parent = stas_tid_as_dict(ctrl->tid);
		g_autoptr(GPtrArray) referrals = stas_dc_referrals(stas_dc_from_ctrl(ctrl));

		for (guint i = 0; i < referrals->len; i++) {
			/* A referral is reached the way its referrer is. */
			g_autoptr(GHashTable)
				cid = stas_tid_cid_from_dlpe(g_ptr_array_index(referrals, i), parent);
			StasTid *tid = stas_service_tid(&staf->svc, cid);

			if (!g_hash_table_contains(referrers, tid))
				g_hash_table_insert(referrers, stas_tid_ref(tid),
						    g_strdup_printf("referral in the log page of %s",
								    stas_ctrl_id(ctrl)));
			g_ptr_array_add(out, tid);
		}
	}
	return out;
}

/* Configured DCs need transport, address and port (this is also where
 * configured fc/loop DCs go: they have no trsvcid); no NQN means the
 * well-known discovery NQN. */
static void normalise_configured(StasStaf *staf, GPtrArray *configured)
{
	for (guint i = configured->len; i > 0; i--) {
		StasTid *tid = g_ptr_array_index(configured, i - 1);
		g_autoptr(GHashTable) dict = NULL;
		const char *at;

		if (!*stas_tid_transport(tid) || !*stas_tid_traddr(tid) || !*stas_tid_trsvcid(tid)) {
			g_ptr_array_remove_index(configured, i - 1);
			continue;
		}
		if (*stas_tid_subsysnqn(tid))
			continue;
		dict = stas_tid_as_dict(tid);
		g_hash_table_insert(dict, g_strdup("subsysnqn"), g_strdup(STAS_WKNQN));
		g_ptr_array_index(configured, i - 1) = stas_service_tid(&staf->svc, dict);
		/* The controller= line it came from stays its origin. */
		at = g_hash_table_lookup(staf->svc.configured_from, tid);
		if (at)
			g_hash_table_replace(staf->svc.configured_from,
					     stas_tid_ref(g_ptr_array_index(configured, i - 1)),
					     g_strdup(at));
		stas_tid_unref(tid);
	}
}

/* The DCs the NBFT names. Firmware tables do not change while the host
 * runs: read once, when first needed (a reconciliation, or a stop that
 * comes before any). */
static GPtrArray *booted_dcs(StasStaf *staf)
{
	StasService *svc = &staf->svc;

	if (!staf->booted)
		staf->booted = stas_nbft_tids(svc->env.sysfs_root, STAS_NBFT_DISCOVERY, svc->env.host.hostnqn,
					      stas_conf_get_bool(svc->conf, STAS_OPT_IGNORE_IFACE));
	return staf->booted;
}

/* Where the wanted DCs of one reconciliation come from. */
typedef struct {
	GPtrArray *booted; /* the NBFT's (borrowed) */
	GPtrArray *configured;
	GPtrArray *discovered;
	GPtrArray *referrals;
	GHashTable *referrers; /* StasTid* of a referral -> its origin's text */
} Sources;

static void sources_free(Sources *from)
{
	g_ptr_array_unref(from->configured);
	g_ptr_array_unref(from->discovered);
	g_ptr_array_unref(from->referrals);
	g_hash_table_unref(from->referrers);
	g_free(from);
}

/* An mDNS-discovered DC that merely stopped being advertised stays until it
 * also stops answering; one excluded or invalid goes now. */
static gboolean spare_dc(StasService *svc, StasCtrl *ctrl, gboolean listed, gpointer data, StasReason *why)
{
	StasDc *dc = stas_dc_from_ctrl(ctrl);

	if (listed || stas_dc_is_unresponsive(dc) || stas_dc_get_origin(dc) != STAS_ORIGIN_DISCOVERED)
		return FALSE;
	stas_reason_set(why, STAS_REASON_SPARED,
			"No longer advertised by mDNS; kept until it also stops answering");
	return TRUE;
}

static void dc_origin(StasService *svc, const StasTid *tid, gpointer data, StasVerdict *verdict)
{
	const Sources *from = data;

	if (stas_tid_list_contains(from->booted, tid))
		stas_verdict_add_origin(verdict, STAS_SOURCE_NBFT, "NBFT (the host booted through it)");
	if (stas_tid_list_contains(from->discovered, tid))
		stas_verdict_add_origin(verdict, STAS_SOURCE_MDNS, "mDNS service _nvme-disc._tcp");
	if (g_hash_table_contains(from->referrers, tid))
		stas_verdict_add_origin(verdict, STAS_SOURCE_REFERRAL,
					g_hash_table_lookup(from->referrers, tid));
}

/* Configuration (the firmware's first) beats a referral, which beats mDNS. */
static void set_origin(StasService *svc, StasCtrl *ctrl, gpointer data)
{
	const Sources *from = data;
	StasDc *dc = stas_dc_from_ctrl(ctrl);

	if (stas_tid_list_contains(from->booted, ctrl->tid) ||
	    stas_tid_list_contains(from->configured, ctrl->tid))
		stas_dc_set_origin(dc, STAS_ORIGIN_CONFIGURED);
	else if (stas_tid_list_contains(from->referrals, ctrl->tid))
		stas_dc_set_origin(dc, STAS_ORIGIN_REFERRAL);
	else if (stas_tid_list_contains(from->discovered, ctrl->tid))
		stas_dc_set_origin(dc, STAS_ORIGIN_DISCOVERED);
}

/* The DCs the host booted through: no configuration takes them away. */
static gboolean booted_through(StasService *svc, const StasTid *tid, gpointer data)
{
	return stas_tid_list_contains(((const Sources *)data)->booted, tid);
}

static const StasServiceApply apply_dcs = {
	.noun = "Controller",
	.spare = spare_dc,
	.pinned = booted_through,
	.origin = dc_origin,
	.annotate = set_origin,
};

static StasCandidates *staf_candidates(StasService *svc, GPtrArray *configured)
{
	StasStaf *staf = STAF(svc);
	Sources *from = g_new0(Sources, 1);
	StasCandidates *cands = stas_candidates_new(&apply_dcs, from, (GDestroyNotify)sources_free);

	GHashTable *referrers = g_hash_table_new_full(stas_tid_hash, stas_tid_equal,
						      (GDestroyNotify)stas_tid_unref, g_free);

	normalise_configured(staf, configured);
	*from = (Sources){ booted_dcs(staf), g_ptr_array_ref(configured), discovered_tids(staf),
			   referral_tids(staf, referrers), referrers };
	stas_tid_list_append(cands->all, from->booted);
	stas_tid_list_append(cands->all, from->configured);
	stas_tid_list_append(cands->all, from->discovered);
	stas_tid_list_append(cands->all, from->referrals);
	return cands;
}

static void staf_reconcile(StasService *svc, GPtrArray *configured)
{
	g_autoptr(StasCandidates) cands = staf_candidates(svc, configured);

	if (stas_service_apply(svc, cands))
		stas_staf_dbus_dc_removed(STAF(svc));
}

/* ---------------------------------------------------------- service hooks */

static void configure_zeroconf(StasStaf *staf)
{
	stas_zeroconf_configure(staf->zeroconf, stas_conf_get_bool(staf->svc.conf, STAS_OPT_ZEROCONF),
				staf->svc.env.support.discovery);
}

static void staf_reloaded(StasService *svc)
{
	g_autoptr(GPtrArray) ctrls = stas_service_ctrls(svc);

	configure_zeroconf(STAF(svc));
	/* Re-register (a changed symbolic name reaches the CDCs) and refresh. */
	for (guint i = 0; i < ctrls->len; i++)
		stas_dc_resync(stas_dc_from_ctrl(g_ptr_array_index(ctrls, i)));
}

/* Is @sysname the device of one of our DCs that has none yet, i.e. one that
 * is connecting to it or adopting it? Until the connect completes its
 * events look unmanaged, but are not nvme-cli's (review-stafd L5). */
static gboolean awaited_by_a_dc(StasService *svc, const char *sysname)
{
	g_autoptr(GHashTable) cid = stas_udev_ctrl_cid(svc->env.sysfs_root, sysname);
	g_autoptr(GPtrArray) ctrls = NULL;

	if (!cid)
		return FALSE;
	ctrls = stas_service_ctrls(svc);
	for (guint i = 0; i < ctrls->len; i++) {
		StasCtrl *ctrl = g_ptr_array_index(ctrls, i);

		if (!ctrl->device && stas_udev_cid_matches(cid, ctrl->tid, NULL))
			return TRUE;
	}
	return FALSE;
}

static void staf_uevent(StasService *svc, StasCtrl *ctrl, const StasUevent *event)
{
	if (ctrl)
		stas_dc_handle_uevent(stas_dc_from_ctrl(ctrl), event);
	else if (g_str_equal(event->action, "change") &&
		 stas_udev_is_dc_device(svc->env.sysfs_root, event->sysname) &&
		 !awaited_by_a_dc(svc, event->sysname))
		stas_autoconnect_forward(event); /* a DC stafd does not manage: nvme-cli's */
}

static void staf_resync(StasService *svc, StasCtrl *ctrl)
{
	/* An AEN may have been lost; DIM again only for a new association. */
	stas_dc_refresh(stas_dc_from_ctrl(ctrl));
}

static void staf_save_record(StasService *svc, StasCtrl *ctrl, JsonObject *record)
{
	StasDc *dc = stas_dc_from_ctrl(ctrl);

	json_object_set_string_member(record, "origin", stas_dc_origin_to_string(stas_dc_get_origin(dc)));
	json_object_set_member(record, "log-pages", stas_log_page_to_json(stas_dc_log_pages(dc)));
}

/* A restored TID goes through the checks every other one does before it
 * may connect: complete, not excluded, a valid address (fuzz F2). */
static gboolean restorable(StasService *svc, StasTid *tid)
{
	StasReason why = { 0 };
	gboolean ok;

	if (!*stas_tid_transport(tid) || !*stas_tid_traddr(tid) || !*stas_tid_trsvcid(tid))
		stas_reason_set(&why, STAS_REASON_INCOMPLETE, "incomplete identity");
	else
		stas_service_admit(svc, tid, &why);
	ok = stas_reason_admits(&why);
	if (!ok)
		stas_warn("Last known config: %s not restored (%s)", stas_tid_to_string(tid), why.text);
	stas_reason_clear(&why);
	return ok;
}

/* A DC comes back with its cached log page, so stacd sees no gap while the
 * DC reconnects (normally adopting the connection left in the kernel). */
static StasCtrl *staf_restore_record(StasService *svc, StasTid *tid, JsonObject *record)
{
	StasDc *dc;

	if (!restorable(svc, tid))
		return NULL;
	dc = new_dc(STAF(svc), tid);
	stas_dc_set_log_pages(dc, stas_log_page_from_json(json_object_get_member(record, "log-pages")));
	/* Aging waits until the DC had its chance to reconnect (review-stafd L9). */
	stas_dc_restore_origin(dc, stas_dc_record_origin(record));
	return stas_dc_ctrl(dc);
}

/* A DC the host booted through stays connected, persistent-connections or not. */
static gboolean staf_keep_on_stop(StasService *svc, StasCtrl *ctrl)
{
	return stas_conf_get_bool(svc->conf, STAS_OPT_PERSISTENT_CONNECTIONS) ||
	       stas_tid_list_contains(booted_dcs(STAF(svc)), ctrl->tid);
}

static void staf_process_info(StasService *svc, JsonBuilder *b, gboolean root)
{
	stas_zeroconf_describe(STAF(svc)->zeroconf, b);
}

/* Only the stafd that owns the bus name touches the mask: a second one
 * fails before it could remove the first one's. */
static void staf_started(StasService *svc)
{
	stas_autoconnect_mask();
	STAF(svc)->masked = TRUE;
}

static void staf_finalize(StasService *svc)
{
	StasStaf *staf = STAF(svc);

	g_clear_pointer(&staf->zeroconf, stas_zeroconf_free);
	g_clear_pointer(&staf->booted, g_ptr_array_unref);
	if (staf->masked)
		stas_autoconnect_unmask();
}

static void on_zeroconf_changed(gpointer data)
{
	stas_service_soak(data);
}

static const StasServiceClass staf_class = {
	.daemon = STAS_DAEMON_STAFD,
	.bus_name = STAS_STAF_BUS_NAME,
	.object_path = STAS_STAF_OBJECT_PATH,
	.noun = "discovery controller",
	.debug_interface = stas_dbus_staf_debug_interface_info,
	.export = stas_staf_dbus_export,
	.unexport = stas_staf_dbus_unexport,
	.new_ctrl = staf_new_ctrl,
	.reconcile = staf_reconcile,
	.candidates = staf_candidates,
	.reloaded = staf_reloaded,
	.uevent = staf_uevent,
	.resync = staf_resync,
	.save_record = staf_save_record,
	.restore_record = staf_restore_record,
	.keep_on_stop = staf_keep_on_stop,
	.process_info = staf_process_info,
	.started = staf_started,
	.finalize = staf_finalize,
};

const StasServiceClass *stas_staf_class(void)
{
	return &staf_class;
}

StasStaf *stas_staf_new(StasLogger *logger, const char *conf_path, gboolean tron, int *exit_status)
{
	StasStaf *staf = g_new0(StasStaf, 1);

	staf->zeroconf = stas_zeroconf_new(on_zeroconf_changed, &staf->svc);
	if (!stas_service_init(&staf->svc, &staf_class, logger, conf_path, tron, exit_status)) {
		stas_service_free(&staf->svc);
		return NULL;
	}
	configure_zeroconf(staf);
	return staf;
}
