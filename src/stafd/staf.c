// SPDX-License-Identifier: Apache-2.0
/*
 * The stafd service. Discovery controllers come from three sources
 * (stafd.conf, mDNS, referrals in log pages); every change to any of them
 * arms a 1.5 s soak timer, and its expiry reconciles the managed set with
 * the wanted set: new DCs are created, unwanted ones leave through the
 * terminator. Everything runs on the main loop; kernel work is in workers.
 */
#include <errno.h>
#include <glib-unix.h>
#include <systemd/sd-daemon.h>

#include "staf.h"
#include "stas/nvme.h"
#include "stas/state.h"

#define PROG	     "stafd"
#define SOAK_S	     1.5
#define STOP_GRACE_S 5.0
#define WKNQN	     "nqn.2014-08.org.nvmexpress.discovery"

static void reconcile(StasStaf *staf);
static void notify_status(StasStaf *staf);

/* ------------------------------------------------------------------ helpers */

static StasTid *tid_from_entry(StasStaf *staf, const StasCtrlEntry *entry)
{
	return stas_tid_new_from_entry(entry, staf->env.host.hostnqn,
				       stas_conf_get_bool(staf->conf, STAS_OPT_IGNORE_IFACE));
}

static gboolean is_excluded(StasStaf *staf, const StasTid *tid)
{
	return stas_tid_is_excluded(tid, stas_conf_get_excludes(staf->conf));
}

static gboolean ip_transport(const char *transport)
{
	return g_str_equal(transport, "tcp") || g_str_equal(transport, "rdma");
}

static gboolean family_enabled(StasStaf *staf, GSocketFamily family)
{
	guint mask = stas_conf_get_ip_family(staf->conf);

	return (family == G_SOCKET_FAMILY_IPV4 && (mask & STAS_IP_FAMILY_V4)) ||
	       (family == G_SOCKET_FAMILY_IPV6 && (mask & STAS_IP_FAMILY_V6));
}

static GSocketFamily literal_family(const char *traddr)
{
	g_autoptr(GInetAddress) addr = g_inet_address_new_from_string(traddr);

	return addr ? g_inet_address_get_family(addr) : G_SOCKET_FAMILY_INVALID;
}

/* A copy of @tid with another traddr (after a name lookup). */
static StasTid *tid_with_traddr(StasStaf *staf, const StasTid *tid, const char *traddr)
{
	g_autoptr(GHashTable) dict = stas_tid_as_dict(tid);

	g_hash_table_insert(dict, g_strdup("traddr"), g_strdup(traddr));
	return stas_tid_new(dict, staf->env.host.hostnqn,
			    stas_conf_get_bool(staf->conf, STAS_OPT_IGNORE_IFACE));
}

StasDc *stas_staf_lookup(StasStaf *staf, const StasTid *tid)
{
	return g_hash_table_lookup(staf->dcs, tid);
}

static gint by_tid_text(gconstpointer a, gconstpointer b)
{
	StasCtrl *x = stas_dc_ctrl(*(StasDc *const *)a);
	StasCtrl *y = stas_dc_ctrl(*(StasDc *const *)b);

	return g_strcmp0(stas_ctrl_id(x), stas_ctrl_id(y));
}

GPtrArray *stas_staf_dcs(StasStaf *staf)
{
	GPtrArray *list = g_ptr_array_new();
	GHashTableIter iter;
	gpointer value;

	g_hash_table_iter_init(&iter, staf->dcs);
	while (g_hash_table_iter_next(&iter, NULL, &value))
		g_ptr_array_add(list, value);
	g_ptr_array_sort(list, by_tid_text);
	return list;
}

void stas_staf_soak(StasStaf *staf)
{
	if (!staf->stopping)
		stas_timer_start(staf->soak);
}

/* ------------------------------------------------------------ DC callbacks */

static void on_log_pages_changed(StasDc *dc, gpointer data)
{
	StasStaf *staf = data;

	stas_staf_dbus_log_pages_changed(staf, dc);
	notify_status(staf);
}

static void on_referrals_changed(StasDc *dc, gpointer data)
{
	stas_staf_soak(data);
}

static void on_unresponsive(StasDc *dc, gpointer data)
{
	stas_staf_soak(data);
}

static gboolean on_advertised(StasDc *dc, gpointer data)
{
	/* mDNS discovery (Avahi) arrives with the zeroconf work; until then no
	 * DC is advertised, which only matters for discovered DCs. */
	return FALSE;
}

static const StasDcEvents dc_events = {
	.log_pages_changed = on_log_pages_changed,
	.referrals_changed = on_referrals_changed,
	.unresponsive = on_unresponsive,
	.advertised = on_advertised,
};

static StasDc *add_dc(StasStaf *staf, StasTid *tid)
{
	StasDc *dc = stas_dc_new(tid, &staf->env, &dc_events, staf);

	g_hash_table_insert(staf->dcs, stas_tid_ref(tid), dc);
	stas_ctrl_schedule_connect(stas_dc_ctrl(dc));
	return dc;
}

/* ------------------------------------------------------------ state file */

static void save_state(StasStaf *staf)
{
	g_autoptr(JsonArray) controllers = json_array_new();
	g_autoptr(GPtrArray) dcs = stas_staf_dcs(staf);
	g_autoptr(GError) error = NULL;

	for (guint i = 0; i < dcs->len; i++) {
		StasDc *dc = g_ptr_array_index(dcs, i);
		g_autoptr(GHashTable) dict = stas_tid_as_dict(stas_dc_ctrl(dc)->tid);
		JsonObject *record = json_object_new();
		JsonArray *pages = json_array_new();
		const GPtrArray *entries = stas_dc_log_pages(dc);

		for (guint e = 0; e < entries->len; e++)
			json_array_add_object_element(pages,
						      stas_json_from_dict(g_ptr_array_index(entries, e)));
		json_object_set_object_member(record, "tid", stas_json_from_dict(dict));
		json_object_set_string_member(record, "origin",
					      stas_dc_origin_to_string(stas_dc_get_origin(dc)));
		json_object_set_array_member(record, "log-pages", pages);
		json_array_add_object_element(controllers, record);
	}
	if (!stas_state_save(staf->state_path, PROG, controllers, &error))
		stas_err("Unable to save last known config: %s", error->message);
}

static void restore_state(StasStaf *staf)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(JsonArray) controllers = stas_state_load(staf->state_path, PROG, &error);
	guint count = 0;

	if (!controllers) {
		if (!g_error_matches(error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
			stas_warn("Ignoring last known config: %s", error->message);
		return;
	}
	for (guint i = 0; i < json_array_get_length(controllers); i++) {
		JsonObject *record = json_array_get_object_element(controllers, i);
		JsonObject *tid_object = record ? json_object_get_object_member(record, "tid") : NULL;
		JsonArray *pages = record ? json_object_get_array_member(record, "log-pages") : NULL;
		g_autoptr(GHashTable) dict = NULL;
		g_autoptr(StasTid) tid = NULL;
		g_autoptr(GPtrArray) entries = NULL;
		StasDcOrigin origin = STAS_ORIGIN_UNKNOWN;
		StasDc *dc;

		if (!tid_object) {
			stas_warn("Last known config: record %u has no controller identity; skipped", i);
			continue;
		}
		dict = stas_dict_from_json(tid_object);
		tid = stas_tid_new(dict, staf->env.host.hostnqn,
				   stas_conf_get_bool(staf->conf, STAS_OPT_IGNORE_IFACE));
		if (stas_staf_lookup(staf, tid))
			continue;
		entries = g_ptr_array_new_with_free_func((GDestroyNotify)g_hash_table_unref);
		for (guint e = 0; pages && e < json_array_get_length(pages); e++) {
			JsonObject *page = json_array_get_object_element(pages, e);

			if (page)
				g_ptr_array_add(entries, stas_dict_from_json(page));
		}
		dc = add_dc(staf, tid);
		stas_dc_set_log_pages(dc, g_steal_pointer(&entries));
		if (json_object_has_member(record, "origin")) {
			const char *text = json_object_get_string_member_with_default(record, "origin", "");

			if (*text && stas_dc_origin_from_string(text, &origin))
				stas_dc_set_origin(dc, origin);
		}
		count++;
	}
	stas_info("Restored %u discovery controller(s) from %s", count, staf->state_path);
}

/* ----------------------------------------------------------- reconciliation */

static gboolean tid_in(GPtrArray *list, const StasTid *tid)
{
	for (guint i = 0; i < list->len; i++) {
		if (stas_tid_equal(g_ptr_array_index(list, i), tid))
			return TRUE;
	}
	return FALSE;
}

/* nvme-stas's invalid-address filter (SPEC §5.3 step 5). */
static gboolean address_valid(StasStaf *staf, const StasTid *tid)
{
	const char *transport = stas_tid_transport(tid);
	GSocketFamily family;

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
	if (!family_enabled(staf, family)) {
		stas_debug("%s - Address family disabled by ip-family", stas_tid_to_string(tid));
		return FALSE;
	}
	return TRUE;
}

static GPtrArray *referral_tids(StasStaf *staf)
{
	GPtrArray *out = g_ptr_array_new_with_free_func((GDestroyNotify)stas_tid_unref);
	GHashTableIter iter;
	gpointer key, value;

	g_hash_table_iter_init(&iter, staf->dcs);
	while (g_hash_table_iter_next(&iter, &key, &value)) {
		const StasTid *parent = stas_dc_ctrl(value)->tid;
		g_autoptr(GPtrArray) referrals = stas_dc_referrals(value);

		for (guint i = 0; i < referrals->len; i++) {
			GHashTable *dlpe = g_ptr_array_index(referrals, i);
			g_autoptr(GHashTable) cid = g_hash_table_new(g_str_hash, g_str_equal);

			g_hash_table_insert(cid, "transport", g_hash_table_lookup(dlpe, "trtype"));
			g_hash_table_insert(cid, "traddr", g_hash_table_lookup(dlpe, "traddr"));
			g_hash_table_insert(cid, "trsvcid", g_hash_table_lookup(dlpe, "trsvcid"));
			g_hash_table_insert(cid, "subsysnqn", g_hash_table_lookup(dlpe, "subnqn"));
			g_hash_table_insert(cid, "host-traddr", (gpointer)stas_tid_host_traddr(parent));
			g_hash_table_insert(cid, "host-iface", (gpointer)stas_tid_host_iface(parent));
			g_hash_table_insert(cid, "host-nqn", (gpointer)stas_tid_host_nqn(parent));
			g_ptr_array_add(out, stas_tid_new(cid, staf->env.host.hostnqn, FALSE));
		}
	}
	return out;
}

static gboolean cfg_equal(const StasTid *a, const StasTid *b)
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

static void on_dc_disposed(StasCtrl *ctrl, gboolean success, gpointer data)
{
	StasStaf *staf = data;

	/* Remove only this very object: a new DC with the same identity may
	 * have been created meanwhile (nvme-stas removed whatever had the TID). */
	if (g_hash_table_lookup(staf->dcs, ctrl->tid) == (gpointer)stas_dc_from_ctrl(ctrl))
		g_hash_table_remove(staf->dcs, ctrl->tid);
	stas_ctrl_unref(ctrl);
	if (staf->stopping && g_hash_table_size(staf->dcs) == 0 &&
	    stas_terminator_count(staf->terminator) == 0)
		g_main_loop_quit(staf->loop);
	else
		notify_status(staf);
}

static void reconcile_apply(StasStaf *staf, GPtrArray *configured)
{
	g_autoptr(GPtrArray) referrals = referral_tids(staf);
	g_autoptr(GPtrArray) discovered = g_ptr_array_new_with_free_func((GDestroyNotify)stas_tid_unref);
	g_autoptr(GPtrArray) all = g_ptr_array_new_with_free_func((GDestroyNotify)stas_tid_unref);
	g_autoptr(GPtrArray) wanted = g_ptr_array_new_with_free_func((GDestroyNotify)stas_tid_unref);
	g_autoptr(GPtrArray) current = stas_staf_dcs(staf);
	guint removed = 0;

	if (staf->stopping)
		return;
	for (guint i = 0; i < configured->len; i++)
		g_ptr_array_add(all, stas_tid_ref(g_ptr_array_index(configured, i)));
	for (guint i = 0; i < discovered->len; i++)
		g_ptr_array_add(all, stas_tid_ref(g_ptr_array_index(discovered, i)));
	for (guint i = 0; i < referrals->len; i++)
		g_ptr_array_add(all, stas_tid_ref(g_ptr_array_index(referrals, i)));
	for (guint i = 0; i < all->len; i++) {
		StasTid *tid = g_ptr_array_index(all, i);

		if (!tid_in(wanted, tid) && !is_excluded(staf, tid) && address_valid(staf, tid))
			g_ptr_array_add(wanted, stas_tid_ref(tid));
	}

	/* Unwanted DCs go, except mDNS-discovered ones that merely stopped being
	 * advertised: those stay until they also stop answering (aging). */
	for (guint i = 0; i < current->len; i++) {
		StasDc *dc = g_ptr_array_index(current, i);
		StasCtrl *ctrl = stas_dc_ctrl(dc);
		gboolean must_remove = tid_in(all, ctrl->tid) || stas_dc_is_unresponsive(dc);

		if (tid_in(wanted, ctrl->tid))
			continue;
		if (!must_remove && stas_dc_get_origin(dc) == STAS_ORIGIN_DISCOVERED)
			continue;
		stas_info("%s | %s - Controller no longer wanted; removing it", stas_ctrl_id(ctrl),
			  stas_ctrl_device(ctrl));
		/* The table's reference on the DC goes to the terminator, which
		 * reports back through on_dc_disposed. */
		{
			gpointer old_key;

			g_hash_table_steal_extended(staf->dcs, ctrl->tid, &old_key, NULL);
			stas_tid_unref(old_key);
		}
		stas_terminator_dispose(staf->terminator, ctrl, FALSE, on_dc_disposed, staf);
		removed++;
	}
	if (removed)
		stas_staf_dbus_dc_removed(staf);

	for (guint i = 0; i < wanted->len; i++) {
		StasTid *tid = g_ptr_array_index(wanted, i);
		StasDc *dc = stas_staf_lookup(staf, tid);

		if (!dc) {
			add_dc(staf, tid);
		} else if (!cfg_equal(stas_dc_ctrl(dc)->tid, tid)) {
			/* Same controller, new options (secrets, kato...): keep the
			 * object and its connection, use the options from now on. The
			 * table's key is the controller's TID, so re-key it too. */
			gpointer old_key;

			g_hash_table_steal_extended(staf->dcs, tid, &old_key, NULL);
			stas_tid_unref(old_key);
			stas_ctrl_update_tid(stas_dc_ctrl(dc), tid);
			g_hash_table_insert(staf->dcs, stas_tid_ref(tid), dc);
		}
	}
	{
		g_autoptr(GPtrArray) managed = stas_staf_dcs(staf);

		for (guint i = 0; i < managed->len; i++) {
			StasDc *dc = g_ptr_array_index(managed, i);
			const StasTid *tid = stas_dc_ctrl(dc)->tid;

			if (tid_in(configured, tid))
				stas_dc_set_origin(dc, STAS_ORIGIN_CONFIGURED);
			else if (tid_in(referrals, tid))
				stas_dc_set_origin(dc, STAS_ORIGIN_REFERRAL);
			else if (tid_in(discovered, tid))
				stas_dc_set_origin(dc, STAS_ORIGIN_DISCOVERED);
		}
	}
	save_state(staf);
	notify_status(staf);
}

/* Phase 1 ends when the last name lookup has answered. */
static void resolved_one(StasStaf *staf)
{
	g_autoptr(GPtrArray) configured = NULL;

	if (--staf->resolving_pending > 0)
		return;
	configured = g_steal_pointer(&staf->resolved);
	g_clear_object(&staf->resolving);
	for (guint i = configured->len; i > 0; i--) {
		StasTid *tid = g_ptr_array_index(configured, i - 1);

		/* Configured DCs without a usable identity are dropped (this is
		 * also where configured fc/loop DCs go: they have no trsvcid). */
		if (!*stas_tid_transport(tid) || !*stas_tid_traddr(tid) || !*stas_tid_trsvcid(tid)) {
			g_ptr_array_remove_index(configured, i - 1);
		} else if (!*stas_tid_subsysnqn(tid)) {
			g_autoptr(GHashTable) dict = stas_tid_as_dict(tid);

			g_hash_table_insert(dict, g_strdup("subsysnqn"), g_strdup(WKNQN));
			g_ptr_array_index(configured, i - 1) = stas_tid_new(dict, staf->env.host.hostnqn,
									    FALSE);
			stas_tid_unref(tid);
		}
	}
	reconcile_apply(staf, configured);
}

typedef struct {
	StasStaf *staf;
	StasTid *tid;
} Lookup;

static void on_lookup_done(GObject *source, GAsyncResult *res, gpointer data)
{
	g_autofree Lookup *lookup = data;
	g_autoptr(StasTid) tid = lookup->tid;
	g_autoptr(GError) error = NULL;
	GList *addresses = g_resolver_lookup_by_name_finish(G_RESOLVER(source), res, &error);
	StasStaf *staf = lookup->staf;
	GInetAddress *chosen = NULL;

	if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
		return; /* a newer reconciliation replaced this one; its counter is fresh */
	if (!addresses) {
		stas_err("%s - Cannot resolve traddr: %s", stas_tid_to_string(tid), error->message);
	} else {
		/* The first IPv4 address when IPv4 is allowed, else the first IPv6. */
		for (int pass = 0; pass < 2 && !chosen; pass++) {
			GSocketFamily want = pass == 0 ? G_SOCKET_FAMILY_IPV4 : G_SOCKET_FAMILY_IPV6;

			for (GList *l = addresses; l && !chosen; l = l->next) {
				if (g_inet_address_get_family(l->data) == want && family_enabled(staf, want))
					chosen = l->data;
			}
		}
		if (chosen) {
			g_autofree char *text = g_inet_address_to_string(chosen);

			stas_debug("%s - Resolved to %s", stas_tid_to_string(tid), text);
			g_ptr_array_add(staf->resolved, tid_with_traddr(staf, tid, text));
		}
		g_resolver_free_addresses(addresses);
	}
	resolved_one(staf);
}

static void reconcile(StasStaf *staf)
{
	const GPtrArray *entries = stas_conf_get_controllers(staf->conf);
	g_autoptr(GResolver) resolver = g_resolver_get_default();

	if (staf->stopping)
		return;
	/* A reconciliation still resolving names is superseded by this one. */
	if (staf->resolving) {
		g_cancellable_cancel(staf->resolving);
		g_clear_object(&staf->resolving);
		g_clear_pointer(&staf->resolved, g_ptr_array_unref);
	}
	staf->resolving = g_cancellable_new();
	staf->resolved = g_ptr_array_new_with_free_func((GDestroyNotify)stas_tid_unref);
	staf->resolving_pending = 1; /* this function's own share, released below */

	for (guint i = 0; i < entries->len; i++) {
		g_autoptr(StasTid) tid = tid_from_entry(staf, g_ptr_array_index(entries, i));
		const char *traddr = stas_tid_traddr(tid);
		GSocketFamily family;
		Lookup *lookup;

		if (is_excluded(staf, tid))
			continue;
		if (!ip_transport(stas_tid_transport(tid))) {
			g_ptr_array_add(staf->resolved, g_steal_pointer(&tid));
			continue;
		}
		if (!*traddr) {
			stas_err("%s - Invalid traddr (empty)", stas_tid_to_string(tid));
			continue;
		}
		family = literal_family(traddr);
		if (family != G_SOCKET_FAMILY_INVALID) {
			if (family_enabled(staf, family))
				g_ptr_array_add(staf->resolved, g_steal_pointer(&tid));
			else
				stas_warn("%s - Excluded because of ip-family", stas_tid_to_string(tid));
			continue;
		}
		lookup = g_new0(Lookup, 1);
		lookup->staf = staf;
		lookup->tid = g_steal_pointer(&tid);
		staf->resolving_pending++;
		g_resolver_lookup_by_name_async(resolver, traddr, staf->resolving, on_lookup_done, lookup);
	}
	resolved_one(staf);
}

static gboolean on_soak(gpointer data)
{
	reconcile(data);
	return G_SOURCE_REMOVE;
}

/* ------------------------------------------------------------------- udev */

static StasDc *dc_by_device(StasStaf *staf, const char *device)
{
	GHashTableIter iter;
	gpointer key, value;

	g_hash_table_iter_init(&iter, staf->dcs);
	while (g_hash_table_iter_next(&iter, &key, &value)) {
		if (g_strcmp0(stas_dc_ctrl(value)->device, device) == 0)
			return value;
	}
	return NULL;
}

static void on_uevent(const StasUevent *event, gpointer data)
{
	StasStaf *staf = data;
	StasDc *dc = dc_by_device(staf, event->sysname);

	if (dc)
		stas_dc_handle_uevent(dc, event);
	if (g_str_equal(event->action, "add") || g_str_equal(event->action, "remove"))
		stas_terminator_poke(staf->terminator);
	if (dc && g_str_equal(event->action, "remove"))
		notify_status(staf);
}

/* Events were lost: what the kernel has now is the truth. */
static void on_udev_resync(gpointer data)
{
	StasStaf *staf = data;
	g_autoptr(GPtrArray) dcs = stas_staf_dcs(staf);

	stas_warn("udev events were lost; re-reading controller state from sysfs");
	for (guint i = 0; i < dcs->len; i++) {
		StasDc *dc = g_ptr_array_index(dcs, i);
		StasCtrl *ctrl = stas_dc_ctrl(dc);
		g_autofree char *subsysnqn = NULL;

		if (!ctrl->device)
			continue;
		subsysnqn = stas_udev_ctrl_attr(staf->env.sysfs_root, ctrl->device, "subsysnqn");
		if (!subsysnqn)
			stas_ctrl_device_removed(ctrl);
		else
			stas_dc_resync(dc);
	}
	stas_terminator_poke(staf->terminator);
}

/* ------------------------------------------------------- life cycle, signals */

static void notify_status(StasStaf *staf)
{
	GHashTableIter iter;
	gpointer key, value;
	guint connected = 0;

	g_hash_table_iter_init(&iter, staf->dcs);
	while (g_hash_table_iter_next(&iter, &key, &value))
		connected += stas_ctrl_connected(stas_dc_ctrl(value));
	sd_notifyf(0, "STATUS=%u discovery controller(s), %u connected", g_hash_table_size(staf->dcs),
		   connected);
}

void stas_staf_set_trace(StasStaf *staf, gboolean on)
{
	stas_logger_set_trace(staf->logger, on);
	stas_nvme_kernel_set_trace(staf->env.kernel, on);
}

static void host_to_env(StasStaf *staf)
{
	StasKernelHost host = {
		.hostnqn = staf->host->nqn,
		.hostid = staf->host->id,
		.hostkey = staf->host->key,
		.symname = staf->host->symname,
	};

	stas_kernel_host_clear(&staf->env.host);
	stas_kernel_host_copy(&staf->env.host, &host);
}

/* Loads stafd.conf and sys.conf. At start-up a bad host identity is fatal;
 * on reload the previous identity is kept. */
static gboolean load_config(StasStaf *staf, gboolean starting, int *exit_status)
{
	g_autoptr(StasProblems) problems = stas_problems_new();
	g_autoptr(GError) error = NULL;
	g_autoptr(StasConf) conf = stas_conf_load(STAS_DAEMON_STAFD, staf->conf_path, problems, &error);
	g_autoptr(StasHost) host = NULL;

	if (!conf) {
		stas_err("Cannot read %s: %s; %s", staf->conf_path, error->message,
			 starting ? "using defaults" : "keeping the current configuration");
		if (!starting)
			return TRUE;
		conf = stas_conf_load(STAS_DAEMON_STAFD, "/dev/null", NULL, NULL);
	}
	host = stas_host_load(staf->sys_conf_path, problems, &error);
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
		stas_host_free(staf->host);
		staf->host = g_steal_pointer(&host);
		host_to_env(staf);
	}
	stas_conf_free(staf->conf);
	staf->conf = g_steal_pointer(&conf);
	staf->env.conf = staf->conf;
	return TRUE;
}

void stas_staf_reload(StasStaf *staf)
{
	g_autoptr(GPtrArray) dcs = NULL;
	int ignored;

	if (staf->stopping)
		return;
	sd_notify(0, "RELOADING=1");
	stas_info("Reloading configuration");
	load_config(staf, FALSE, &ignored);
	stas_staf_set_trace(staf, stas_conf_get_bool(staf->conf, STAS_OPT_TRON));
	stas_staf_soak(staf);
	dcs = stas_staf_dcs(staf);
	for (guint i = 0; i < dcs->len; i++)
		stas_dc_resync(g_ptr_array_index(dcs, i));
	sd_notify(0, "READY=1");
}

static gboolean on_stop_grace(gpointer data)
{
	StasStaf *staf = data;

	/* Operations still in flight (a connect to a silent address) are not
	 * waited for any longer. */
	staf->stop_grace_id = 0;
	stas_terminator_flush(staf->terminator);
	return G_SOURCE_REMOVE;
}

void stas_staf_stop(StasStaf *staf)
{
	g_autoptr(GPtrArray) dcs = NULL;
	gboolean keep;

	if (staf->stopping)
		return;
	sd_notify(0, "STOPPING=1");
	stas_info("Stopping");
	staf->stopping = TRUE;
	stas_timer_stop(staf->soak);
	if (staf->resolving)
		g_cancellable_cancel(staf->resolving);
	save_state(staf);
	dcs = stas_staf_dcs(staf);
	if (dcs->len == 0) {
		g_main_loop_quit(staf->loop);
		return;
	}
	keep = stas_conf_get_bool(staf->conf, STAS_OPT_PERSISTENT_CONNECTIONS);
	staf->stop_grace_id = g_timeout_add_seconds(STOP_GRACE_S, on_stop_grace, staf);
	for (guint i = 0; i < dcs->len; i++) {
		StasCtrl *ctrl = stas_dc_ctrl(g_ptr_array_index(dcs, i));

		stas_ctrl_stop(ctrl);
		stas_terminator_dispose(staf->terminator, stas_ctrl_ref(ctrl), keep, on_dc_disposed, staf);
	}
}

static gboolean on_sighup(gpointer data)
{
	stas_staf_reload(data);
	return G_SOURCE_CONTINUE;
}

static gboolean on_sigterm(gpointer data)
{
	stas_staf_stop(data);
	return G_SOURCE_CONTINUE;
}

StasStaf *stas_staf_new(StasLogger *logger, const char *conf_path, gboolean tron, int *exit_status)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *warning = NULL;
	StasStaf *staf = g_new0(StasStaf, 1);

	staf->logger = logger;
	staf->conf_path = g_strdup(conf_path);
	staf->tron_cmdline = tron;
	staf->loop = g_main_loop_new(NULL, FALSE);
	if (!load_config(staf, TRUE, exit_status)) {
		stas_staf_free(staf);
		return NULL;
	}
	staf->env.kernel = stas_nvme_kernel_new(tron || stas_conf_get_bool(staf->conf, STAS_OPT_TRON));
	stas_staf_set_trace(staf, tron || stas_conf_get_bool(staf->conf, STAS_OPT_TRON));
	stas_kernel_support_probe(&staf->env.support, NULL, &warning);
	if (warning)
		stas_warn("%s", warning);
	if (!staf->env.support.host_iface || !staf->env.support.discovery)
		stas_warn("The kernel lacks connect options stafd uses (%s%s); a newer kernel is recommended",
			  staf->env.support.host_iface ? "" : "host_iface ",
			  staf->env.support.discovery ? "" : "discovery");
	if (g_file_test("/sys/firmware/acpi/tables/NBFT", G_FILE_TEST_EXISTS))
		stas_warn("NBFT tables are present but this build cannot read them (libnvme >= 1.5 needed)");

	staf->dcs = g_hash_table_new_full(stas_tid_hash, stas_tid_equal, (GDestroyNotify)stas_tid_unref,
					  (GDestroyNotify)stas_dc_unref);
	staf->terminator = stas_terminator_new();
	staf->soak = stas_timer_new(SOAK_S, on_soak, staf);
	staf->state_path = stas_state_path(PROG);
	staf->udev = stas_udev_new(NULL, on_uevent, on_udev_resync, staf, &error);
	if (!staf->udev) {
		stas_err("Cannot monitor udev events (%s); kernel changes will go unnoticed", error->message);
		g_clear_error(&error);
	}
	restore_state(staf);
	if (!stas_staf_dbus_start(staf, &error)) {
		g_printerr("stafd: %s\n", error->message);
		*exit_status = 1;
		stas_staf_free(staf);
		return NULL;
	}
	staf->signal_ids[0] = g_unix_signal_add(SIGHUP, on_sighup, staf);
	staf->signal_ids[1] = g_unix_signal_add(SIGTERM, on_sigterm, staf);
	staf->signal_ids[2] = g_unix_signal_add(SIGINT, on_sigterm, staf);
	stas_staf_soak(staf);
	*exit_status = 0;
	return staf;
}

int stas_staf_run(StasStaf *staf)
{
	g_main_loop_run(staf->loop);
	return staf->exit_status;
}

void stas_staf_free(StasStaf *staf)
{
	if (!staf)
		return;
	for (guint i = 0; i < G_N_ELEMENTS(staf->signal_ids); i++)
		g_clear_handle_id(&staf->signal_ids[i], g_source_remove);
	g_clear_handle_id(&staf->stop_grace_id, g_source_remove);
	stas_staf_dbus_stop(staf);
	if (staf->resolving)
		g_cancellable_cancel(staf->resolving);
	g_clear_object(&staf->resolving);
	g_clear_pointer(&staf->resolved, g_ptr_array_unref);
	g_clear_pointer(&staf->dcs, g_hash_table_unref);
	g_clear_pointer(&staf->terminator, stas_terminator_free);
	g_clear_pointer(&staf->soak, stas_timer_free);
	g_clear_pointer(&staf->udev, stas_udev_free);
	g_clear_pointer(&staf->env.kernel, stas_kernel_free);
	stas_kernel_host_clear(&staf->env.host);
	g_clear_pointer(&staf->conf, stas_conf_free);
	g_clear_pointer(&staf->host, stas_host_free);
	g_clear_pointer(&staf->loop, g_main_loop_unref);
	g_free(staf->state_path);
	g_free(staf->conf_path);
	g_free(staf->sys_conf_path);
	g_free(staf);
}
