// SPDX-License-Identifier: Apache-2.0
/*
 * The discovery-controller state machine (SPEC §5.4, §5.5, §5.7, §5.8, §6.6)
 * against a fake kernel whose every operation the test completes by hand,
 * with timers fired by the test.
 */
#include "dc.h"
#include "fake-kernel.h"
#include "stas/terminator.h"
#include "testutil.h"

#define WKNQN "nqn.2014-08.org.nvmexpress.discovery"

typedef struct {
	FakeEnv fe;
	FakeKernel *kernel; /* fe.kernel */
	StasCtrlEnv *env;   /* &fe.env */
	guint changed, referrals, unresponsive, disposed;
	gboolean advertised;
} Fixture;

static Fixture fx;

static void on_changed(StasDc *dc, gpointer data)
{
	fx.changed++;
}

static void on_referrals(StasDc *dc, gpointer data)
{
	fx.referrals++;
}

static void on_unresponsive(StasDc *dc, gpointer data)
{
	fx.unresponsive++;
}

static gboolean on_advertised(StasDc *dc, gpointer data)
{
	return fx.advertised;
}

static const StasDcEvents events = {
	.log_pages_changed = on_changed,
	.referrals_changed = on_referrals,
	.unresponsive = on_unresponsive,
	.advertised = on_advertised,
};

static void use_conf(const char *text)
{
	fake_env_use_conf(&fx.fe, text);
}

static void setup(void)
{
	memset(&fx, 0, sizeof(fx));
	fake_env_init(&fx.fe, STAS_DAEMON_STAFD);
	fx.kernel = fx.fe.kernel;
	fx.env = &fx.fe.env;
}

static void teardown(void)
{
	fake_env_clear(&fx.fe);
}

static StasDc *new_dc(const char *traddr)
{
	g_autoptr(StasCtrlEntry) entry = NULL;
	g_autofree char *text = g_strdup_printf("transport=tcp;traddr=%s;nqn=" WKNQN, traddr);
	g_autoptr(StasTid) tid = NULL;
	StasDc *dc;

	entry = stas_ctrl_entry_parse(text, "t", 1, "controller", NULL);
	tid = stas_tid_new_from_entry(entry, fx.env->host.hostnqn, FALSE);
	dc = stas_dc_new(tid, fx.env, &events, NULL);
	stas_dc_set_origin(dc, STAS_ORIGIN_CONFIGURED);
	stas_ctrl_schedule_connect(stas_dc_ctrl(dc));
	fake_iterate();
	return dc;
}

/* Takes the pending Get Log Page, checks its LSP and drops it. */
static void expect_get_log(int lsp)
{
	FakeCall *call = fake_take(fx.kernel, "get_log");

	ck_assert_int_eq(call->lsp, lsp);
	fake_discard(call);
}

/* Connects @dc as @device with the given dctype, through the whole chain
 * up to a log page with @entries. */
static void bring_up(StasDc *dc, const char *device, const char *dctype, const char *const *entries)
{
	fake_connect_ok(fake_take(fx.kernel, "connect"), device, dctype);
	if (g_strcmp0(dctype, "ddc") == 0 || g_strcmp0(dctype, "cdc") == 0)
		fake_register_done(fake_take(fx.kernel, "register"), NULL);
	if (g_strcmp0(dctype, "cdc") != 0)
		fake_supported_done(fake_take(fx.kernel, "supported"), 0);
	fake_log_done(fake_take(fx.kernel, "get_log"), entries);
}

static const char *info(StasDc *dc, const char *key)
{
	static char buf[256];
	g_autoptr(GHashTable) dict = stas_ctrl_info(stas_dc_ctrl(dc), TRUE);
	const char *value = g_hash_table_lookup(dict, key);

	g_strlcpy(buf, value ? value : "(absent)", sizeof(buf));
	return buf;
}

START_TEST(test_dc_connects_on_next_iteration_as_discovery_controller)
{
	StasDc *dc = new_dc("10.0.0.1");
	FakeCall *call = fake_take(fx.kernel, "connect");

	ck_assert(call->req.discovery);
	ck_assert_str_eq(call->req.traddr, "10.0.0.1");
	ck_assert_str_eq(call->req.trsvcid, "8009");
	ck_assert_str_eq(call->req.subsysnqn, WKNQN);
	ck_assert_int_eq(call->req.cfg.value[STAS_FABRICS_KATO], 30); /* stafd's default */
	ck_assert_int_eq(call->req.cfg.value[STAS_FABRICS_CTRL_LOSS_TMO], STAS_UNSET);
	ck_assert_str_eq(info(dc, "connect attempts"), "1");
	fake_connect_ok(call, "nvme1", "none");
	ck_assert_str_eq(stas_ctrl_device(stas_dc_ctrl(dc)), "nvme1");
	ck_assert_str_eq(info(dc, "connect attempts"), "0");
	stas_dc_unref(dc);
}
END_TEST

START_TEST(test_dc_ddc_registers_then_pleo_then_log)
{
	StasDc *dc = new_dc("10.0.0.1");
	FakeCall *log;

	fake_connect_ok(fake_take(fx.kernel, "connect"), "nvme1", "ddc");
	fake_register_done(fake_take(fx.kernel, "register"), "Status:0x4002 - Invalid Field");
	fake_supported_done(fake_take(fx.kernel, "supported"), STAS_DISC_PLEOS | STAS_DISC_EXTDLPES);
	log = fake_take(fx.kernel, "get_log");
	ck_assert_int_eq(log->lsp, STAS_LSP_PLEO);
	ck_assert_str_eq(log->device, "nvme1");
	fake_log_done(log, (const char *const[]){ "nvme:10.0.0.5", "nvme:10.0.0.6", NULL });
	ck_assert_uint_eq(stas_dc_log_pages(dc)->len, 2);
	ck_assert_uint_eq(fx.changed, 1);
	ck_assert_uint_eq(fx.referrals, 0);
	ck_assert_uint_eq(fake_count(fx.kernel, NULL), 0);
	ck_assert_ptr_nonnull(strstr(info(dc, "register operation"), "'completed': True"));
	stas_dc_unref(dc);
}
END_TEST

START_TEST(test_dc_cdc_gets_no_pleo)
{
	StasDc *dc = new_dc("10.0.0.1");

	fake_connect_ok(fake_take(fx.kernel, "connect"), "nvme1", "cdc");
	fake_register_done(fake_take(fx.kernel, "register"), NULL);
	ck_assert_uint_eq(fake_count(fx.kernel, "supported"), 0);
	expect_get_log(0);
	stas_dc_unref(dc);
}
END_TEST

START_TEST(test_dc_pleo_disabled_and_no_registration)
{
	StasDc *dc;
	FakeCall *log;

	use_conf("[Global]\npleo = disabled\n");
	dc = new_dc("10.0.0.1");
	fake_connect_ok(fake_take(fx.kernel, "connect"), "nvme1", "none");
	ck_assert_uint_eq(fake_count(fx.kernel, "register"), 0);
	ck_assert_uint_eq(fake_count(fx.kernel, "supported"), 0);
	log = fake_take(fx.kernel, "get_log");
	ck_assert_int_eq(log->lsp, 0);
	fake_discard(log);
	stas_dc_unref(dc);
}
END_TEST

START_TEST(test_dc_retry_3s_then_60s)
{
	StasDc *dc = new_dc("10.0.0.1");
	StasCtrl *ctrl = stas_dc_ctrl(dc);

	fake_fail(fake_take(fx.kernel, "connect"), "Connection refused");
	ck_assert(stas_timer_is_armed(ctrl->retry_timer));
	ck_assert(stas_timer_get_interval(ctrl->retry_timer) == 3.0);
	ck_assert_uint_eq(fake_count(fx.kernel, "connect"), 0); /* nothing before the timer */
	stas_timer_expire_now(ctrl->retry_timer);
	fake_iterate();
	ck_assert_str_eq(info(dc, "connect attempts"), "2");
	fake_fail(fake_take(fx.kernel, "connect"), "Connection refused");
	ck_assert(stas_timer_get_interval(ctrl->retry_timer) == 60.0);
	stas_timer_expire_now(ctrl->retry_timer);
	fake_iterate();
	fake_fail(fake_take(fx.kernel, "connect"), "Connection refused");
	ck_assert(stas_timer_get_interval(ctrl->retry_timer) == 60.0);
	ck_assert_ptr_nonnull(strstr(info(dc, "connect operation"), "'fail count': 3"));
	stas_dc_unref(dc);
}
END_TEST

START_TEST(test_dc_adopts_existing_connection)
{
	StasDc *dc;
	FakeCall *call;

	fx.kernel->existing = g_strdup("nvme7");
	dc = new_dc("10.0.0.1");
	ck_assert_uint_eq(fake_count(fx.kernel, "connect"), 0);
	call = fake_take(fx.kernel, "attach");
	ck_assert_str_eq(call->device, "nvme7");
	fake_connect_ok(call, NULL, "none");
	ck_assert_str_eq(stas_ctrl_device(stas_dc_ctrl(dc)), "nvme7");
	stas_dc_unref(dc);
}
END_TEST

static StasUevent *uevent(const char *action, const char *key, const char *value)
{
	StasUevent *ev = g_new0(StasUevent, 1);

	ev->action = action;
	ev->sysname = "nvme1";
	ev->properties = g_hash_table_new(g_str_hash, g_str_equal);
	if (key)
		g_hash_table_insert(ev->properties, (gpointer)key, (gpointer)value);
	return ev;
}

static void send(StasDc *dc, const char *action, const char *key, const char *value)
{
	StasUevent *ev = uevent(action, key, value);

	stas_dc_handle_uevent(dc, ev);
	g_hash_table_unref(ev->properties);
	g_free(ev);
	fake_iterate();
}

START_TEST(test_dc_discovery_change_aen_rereads_log)
{
	StasDc *dc = new_dc("10.0.0.1");

	bring_up(dc, "nvme1", "none", (const char *const[]){ "nvme:1.1.1.1", NULL });
	send(dc, "change", "NVME_AEN", "0x70f002");
	expect_get_log(0);
	send(dc, "change", "NVME_AEN", "0x12345");
	ck_assert_uint_eq(fake_count(fx.kernel, NULL), 0);
	stas_dc_unref(dc);
}
END_TEST

START_TEST(test_dc_aen_during_pending_connect_is_ignored)
{
	StasDc *dc = new_dc("10.0.0.1");

	send(dc, "change", "NVME_AEN", "0x70f002"); /* connect still in flight */
	ck_assert_uint_eq(fake_count(fx.kernel, "get_log"), 0);
	bring_up(dc, "nvme1", "none", NULL);
	ck_assert_uint_eq(fake_count(fx.kernel, NULL), 0);
	ck_assert_uint_eq(fx.changed, 1);
	stas_dc_unref(dc);
}
END_TEST

START_TEST(test_dc_aen_during_get_log_runs_it_again_after)
{
	StasDc *dc = new_dc("10.0.0.1");
	FakeCall *first;

	fake_connect_ok(fake_take(fx.kernel, "connect"), "nvme1", "none");
	fake_supported_done(fake_take(fx.kernel, "supported"), 0);
	first = fake_take(fx.kernel, "get_log");
	send(dc, "change", "NVME_AEN", "0x70f002");
	ck_assert_uint_eq(fake_count(fx.kernel, "get_log"), 0); /* never two at once */
	fake_log_done(first, (const char *const[]){ "nvme:1.1.1.1", NULL });
	ck_assert_uint_eq(fake_count(fx.kernel, "get_log"), 1);
	fake_log_done(fake_take(fx.kernel, "get_log"), (const char *const[]){ "nvme:2.2.2.2", NULL });
	ck_assert_uint_eq(stas_dc_log_pages(dc)->len, 1);
	ck_assert_str_eq(g_hash_table_lookup(g_ptr_array_index(stas_dc_log_pages(dc), 0), "traddr"),
			 "2.2.2.2");
	stas_dc_unref(dc);
}
END_TEST

START_TEST(test_dc_rediscover_event_reregisters)
{
	StasDc *dc = new_dc("10.0.0.1");

	bring_up(dc, "nvme1", "ddc", NULL);
	send(dc, "change", "NVME_EVENT", "rediscover");
	fake_register_done(fake_take(fx.kernel, "register"), NULL);
	fake_supported_done(fake_take(fx.kernel, "supported"), 0);
	fake_log_done(fake_take(fx.kernel, "get_log"), NULL);
	ck_assert_uint_eq(fx.changed, 2);
	stas_dc_unref(dc);
}
END_TEST

START_TEST(test_dc_remove_keeps_cache_voids_pending_and_retries_fast)
{
	StasDc *dc = new_dc("10.0.0.1");
	StasCtrl *ctrl = stas_dc_ctrl(dc);
	FakeCall *late;

	bring_up(dc, "nvme1", "none", (const char *const[]){ "nvme:1.1.1.1", NULL });
	send(dc, "change", "NVME_AEN", "0x70f002");
	late = fake_take(fx.kernel, "get_log");
	send(dc, "remove", NULL, NULL);
	ck_assert(!stas_ctrl_connected(ctrl));
	ck_assert_uint_eq(stas_dc_log_pages(dc)->len, 1); /* stacd keeps its I/O controllers */
	ck_assert(stas_timer_is_armed(ctrl->retry_timer));
	ck_assert(stas_timer_get_interval(ctrl->retry_timer) == 3.0);
	fake_log_done(late, NULL); /* a result from the removed device: ignored */
	ck_assert_uint_eq(stas_dc_log_pages(dc)->len, 1);
	ck_assert_uint_eq(fx.changed, 1);
	stas_timer_expire_now(ctrl->retry_timer);
	fake_iterate();
	ck_assert_uint_eq(fake_count(fx.kernel, "connect"), 1);
	stas_dc_unref(dc);
}
END_TEST

START_TEST(test_dc_get_log_failure_keeps_cache_and_retries_in_20s)
{
	StasDc *dc = new_dc("10.0.0.1");

	bring_up(dc, "nvme1", "none", (const char *const[]){ "nvme:1.1.1.1", NULL });
	send(dc, "change", "NVME_AEN", "0x70f002");
	fake_fail(fake_take(fx.kernel, "get_log"), "Discover failed");
	ck_assert_uint_eq(stas_dc_log_pages(dc)->len, 1);
	ck_assert_ptr_nonnull(strstr(info(dc, "get log page operation"), "'retry timer': '20.0s ["));
	ck_assert_ptr_nonnull(strstr(info(dc, "get log page operation"), "'error': 'Discover failed'"));
	stas_dc_unref(dc);
}
END_TEST

START_TEST(test_dc_referral_change_is_reported)
{
	StasDc *dc = new_dc("10.0.0.1");
	g_autoptr(GPtrArray) referrals = NULL;

	bring_up(dc, "nvme1", "none", (const char *const[]){ "nvme:1.1.1.1", "referral:2.2.2.2", NULL });
	ck_assert_uint_eq(fx.referrals, 1);
	referrals = stas_dc_referrals(dc);
	ck_assert_uint_eq(referrals->len, 1);
	send(dc, "change", "NVME_AEN", "0x70f002");
	fake_log_done(fake_take(fx.kernel, "get_log"),
		      (const char *const[]){ "nvme:9.9.9.9", "referral:2.2.2.2", NULL });
	ck_assert_uint_eq(fx.referrals, 1); /* same referrals: no reconciliation */
	stas_dc_unref(dc);
}
END_TEST

static void on_done(StasCtrl *ctrl, gboolean success, gpointer data)
{
	fx.disposed++;
	ck_assert(success);
}

START_TEST(test_disconnect_never_overtakes_pending_connect)
{
	g_autoptr(StasTerminator) t = stas_terminator_new();
	StasDc *dc = new_dc("10.0.0.1");
	FakeCall *disconnect;

	stas_terminator_dispose(t, stas_dc_ctrl(dc), FALSE, on_done, NULL);
	fake_iterate();
	ck_assert(stas_terminator_pending(t, stas_dc_ctrl(dc)->tid));
	ck_assert_uint_eq(fake_count(fx.kernel, "disconnect"), 0);
	/* The connect completes: the chain may go on (nvme-stas lets it), then
	 * the disconnect goes out with the device the connect produced. */
	fake_connect_ok(fake_take(fx.kernel, "connect"), "nvme4", "none");
	fake_supported_done(fake_take(fx.kernel, "supported"), 0);
	fake_log_done(fake_take(fx.kernel, "get_log"), NULL);
	disconnect = fake_take(fx.kernel, "disconnect");
	ck_assert_str_eq(disconnect->device, "nvme4");
	/* The controller stays the terminator's until the disconnect is done. */
	ck_assert_uint_eq(stas_terminator_count(t), 1);
	fake_disconnect_done(disconnect);
	ck_assert_uint_eq(fx.disposed, 1);
	ck_assert_uint_eq(stas_terminator_count(t), 0);
	stas_dc_unref(dc);
}
END_TEST

START_TEST(test_keep_connection_issues_no_disconnect)
{
	g_autoptr(StasTerminator) t = stas_terminator_new();
	StasDc *dc = new_dc("10.0.0.1");

	bring_up(dc, "nvme1", "none", NULL);
	stas_terminator_dispose(t, stas_dc_ctrl(dc), TRUE, on_done, NULL);
	ck_assert_uint_eq(fx.disposed, 0); /* never synchronously */
	fake_iterate();
	ck_assert_uint_eq(fx.disposed, 1);
	ck_assert_uint_eq(fake_count(fx.kernel, "disconnect"), 0);
	stas_dc_unref(dc);
}
END_TEST

START_TEST(test_stopping_voids_results)
{
	StasDc *dc = new_dc("10.0.0.1");
	StasCtrl *ctrl = stas_dc_ctrl(dc);

	stas_ctrl_stop(ctrl);
	fake_connect_ok(fake_take(fx.kernel, "connect"), "nvme1", "ddc");
	/* The kernel made the connection: the controller records the device so the
	 * terminator can disconnect it, and does nothing else with it. */
	ck_assert_str_eq(stas_ctrl_device(ctrl), "nvme1");
	ck_assert_uint_eq(fake_count(fx.kernel, NULL), 0);
	ck_assert(!stas_ctrl_busy(ctrl));
	stas_dc_unref(dc);
}
END_TEST

/* ----------------------------------------------------- DIM life cycle */

static FakeCall *take_dim(StasDimTask tas)
{
	FakeCall *call = fake_take(fx.kernel, "register");

	ck_assert_msg(call->tas == tas, "DIM %s, expected %s", stas_dim_task_name(call->tas),
		      stas_dim_task_name(tas));
	return call;
}

START_TEST(test_dim_registers_updates_and_deregisters)
{
	g_autoptr(StasTerminator) t = stas_terminator_new();
	StasDc *dc = new_dc("10.0.0.1");
	FakeCall *call;

	bring_up(dc, "nvme1", "cdc", NULL);
	ck_assert_uint_eq(stas_dc_ctrl(dc)->counters.registrations, 1);
	/* Reload with the same name: registered again, as nvme-stas does. */
	stas_dc_resync(dc);
	fake_register_done(take_dim(STAS_DIM_REGISTER), NULL);
	fake_log_done(fake_take(fx.kernel, "get_log"), NULL);
	/* stasadm set-symname, then a reload: an update, carrying the new name. */
	g_free(fx.env->host.symname);
	fx.env->host.symname = g_strdup("rack-7");
	stas_dc_resync(dc);
	call = take_dim(STAS_DIM_UPDATE);
	ck_assert_str_eq(call->symname, "rack-7");
	fake_register_done(call, NULL);
	fake_log_done(fake_take(fx.kernel, "get_log"), NULL);
	/* Removed from the configuration: deregister, then disconnect. */
	stas_terminator_dispose(t, stas_dc_ctrl(dc), FALSE, on_done, NULL);
	fake_iterate();
	ck_assert_uint_eq(fake_count(fx.kernel, "disconnect"), 0);
	fake_register_done(take_dim(STAS_DIM_DEREGISTER), NULL);
	fake_disconnect_done(fake_take(fx.kernel, "disconnect"));
	ck_assert_uint_eq(fx.disposed, 1);
	ck_assert_uint_eq(stas_dc_ctrl(dc)->counters.registrations, 4);
	stas_dc_unref(dc);
}
END_TEST

/* A CDC that fails DIM keeps serving: the log page is read, the connection
 * stays, and leaving still disconnects after a failed deregister. */
START_TEST(test_dim_failure_leaves_the_connection_up)
{
	g_autoptr(StasTerminator) t = stas_terminator_new();
	StasDc *dc = new_dc("10.0.0.1");

	fake_connect_ok(fake_take(fx.kernel, "connect"), "nvme1", "cdc");
	fake_register_done(take_dim(STAS_DIM_REGISTER), "Status:0x4002 - Invalid Field");
	fake_log_done(fake_take(fx.kernel, "get_log"), NULL);
	ck_assert_uint_eq(fake_count(fx.kernel, "disconnect"), 0);
	ck_assert(stas_ctrl_connected(stas_dc_ctrl(dc)));
	ck_assert_uint_eq(stas_dc_ctrl(dc)->counters.registration_failures, 1);
	/* Never registered: nothing to deregister. */
	stas_terminator_dispose(t, stas_dc_ctrl(dc), FALSE, on_done, NULL);
	fake_iterate();
	ck_assert_uint_eq(fake_count(fx.kernel, "register"), 0);
	fake_disconnect_done(fake_take(fx.kernel, "disconnect"));
	ck_assert_uint_eq(fx.disposed, 1);
	stas_dc_unref(dc);
}
END_TEST

START_TEST(test_dim_deregister_failure_still_disconnects)
{
	g_autoptr(StasTerminator) t = stas_terminator_new();
	StasDc *dc = new_dc("10.0.0.1");

	bring_up(dc, "nvme1", "cdc", NULL);
	stas_terminator_dispose(t, stas_dc_ctrl(dc), FALSE, on_done, NULL);
	fake_iterate();
	fake_register_done(take_dim(STAS_DIM_DEREGISTER), "Status:0x0002 - Invalid Field");
	fake_disconnect_done(fake_take(fx.kernel, "disconnect"));
	ck_assert_uint_eq(fx.disposed, 1);
	ck_assert_uint_eq(stas_dc_ctrl(dc)->counters.registration_failures, 1);
	stas_dc_unref(dc);
}
END_TEST

START_TEST(test_dc_origin_strings)
{
	StasDcOrigin origin = STAS_ORIGIN_REFERRAL;

	ck_assert(stas_dc_origin_from_string("discovered", &origin));
	ck_assert_int_eq(origin, STAS_ORIGIN_DISCOVERED);
	ck_assert(!stas_dc_origin_from_string("bogus", &origin));
	ck_assert_int_eq(origin, STAS_ORIGIN_DISCOVERED);
	ck_assert_str_eq(stas_dc_origin_to_string(STAS_ORIGIN_CONFIGURED), "configured");
}
END_TEST

START_TEST(test_discovered_dc_ages_out_when_unreachable)
{
	StasDc *dc;

	use_conf("[Discovery controller connection management]\nzeroconf-connections-persistence = 10\n");
	dc = new_dc("10.0.0.1");
	stas_dc_set_origin(dc, STAS_ORIGIN_DISCOVERED);
	ck_assert_str_eq(info(dc, "unresponsive timeout"), "10 sec");
	ck_assert_str_ne(info(dc, "unresponsive time"), "---");
	ck_assert(!stas_dc_is_unresponsive(dc)); /* the countdown runs */
	ck_assert_ptr_nonnull(strstr(info(dc, "unresponsive timer"), "10.0s ["));
	ck_assert_ptr_null(strstr(info(dc, "unresponsive timer"), "[off]"));
	fake_fail(fake_take(fx.kernel, "connect"), "refused");
	ck_assert_uint_eq(fx.unresponsive, 0);
	ck_assert_ptr_null(strstr(info(dc, "unresponsive timer"), "[off]")); /* not restarted, not stopped */
	stas_dc_unref(dc);
}
END_TEST

START_TEST(test_discovered_dc_kept_forever_with_negative_persistence)
{
	StasDc *dc;

	use_conf("[Discovery controller connection management]\nzeroconf-connections-persistence = -1\n");
	dc = new_dc("10.0.0.1");
	stas_dc_set_origin(dc, STAS_ORIGIN_DISCOVERED);
	fake_fail(fake_take(fx.kernel, "connect"), "refused");
	ck_assert_str_eq(info(dc, "unresponsive time"), "---");
	ck_assert_str_eq(info(dc, "unresponsive timeout"), "forever");
	ck_assert(!stas_dc_is_unresponsive(dc));
	stas_dc_unref(dc);
}
END_TEST

START_TEST(test_advertised_or_connected_dc_does_not_age)
{
	StasDc *dc;

	use_conf("[Discovery controller connection management]\nzeroconf-connections-persistence = 0\n");
	fx.advertised = TRUE;
	dc = new_dc("10.0.0.1");
	stas_dc_set_origin(dc, STAS_ORIGIN_DISCOVERED);
	ck_assert_str_eq(info(dc, "unresponsive time"), "---");
	fx.advertised = FALSE;
	bring_up(dc, "nvme1", "none", NULL);
	stas_dc_set_origin(dc, STAS_ORIGIN_DISCOVERED);
	ck_assert_str_eq(info(dc, "unresponsive time"), "---");
	send(dc, "remove", NULL, NULL); /* kernel gave up: aging starts, 0 s */
	fake_iterate();
	ck_assert_uint_eq(fx.unresponsive, 1);
	ck_assert(stas_dc_is_unresponsive(dc));
	stas_dc_unref(dc);
}
END_TEST

START_TEST(test_dc_reconnect_while_stale_op_runs_restarts_the_chain)
{
	/* review-stafd #8: the old connection's Get Log Page outlives the
	 * reconnect; when it ends, the new connection's chain must run. */
	StasDc *dc = new_dc("10.0.0.1");
	StasCtrl *ctrl = stas_dc_ctrl(dc);
	FakeCall *late, *log;

	bring_up(dc, "nvme1", "ddc", (const char *const[]){ "nvme:1.1.1.1", NULL });
	send(dc, "change", "NVME_AEN", "0x70f002");
	late = fake_take(fx.kernel, "get_log");
	send(dc, "remove", NULL, NULL);
	stas_timer_expire_now(ctrl->retry_timer);
	fake_iterate();
	fake_connect_ok(fake_take(fx.kernel, "connect"), "nvme2", "ddc");
	ck_assert_uint_eq(fake_count(fx.kernel, "register"), 0); /* never two steps at once */
	fake_log_done(late, NULL);				 /* stale: ignored, but the chain goes on */
	ck_assert_uint_eq(stas_dc_log_pages(dc)->len, 1);
	fake_register_done(fake_take(fx.kernel, "register"), NULL);
	fake_supported_done(fake_take(fx.kernel, "supported"), 0);
	log = fake_take(fx.kernel, "get_log");
	ck_assert_str_eq(log->device, "nvme2");
	fake_log_done(log, (const char *const[]){ "nvme:2.2.2.2", NULL });
	ck_assert_str_eq(g_hash_table_lookup(g_ptr_array_index(stas_dc_log_pages(dc), 0), "traddr"),
			 "2.2.2.2");
	ck_assert_uint_eq(fake_count(fx.kernel, NULL), 0);
	stas_dc_unref(dc);
}
END_TEST

START_TEST(test_dc_aen_during_supported_keeps_pleo_result)
{
	/* review-stafd L1: the chain goes on to the Get Log Page the AEN asks
	 * for, with the LSP the step just learned. */
	StasDc *dc = new_dc("10.0.0.1");
	FakeCall *supported;

	bring_up(dc, "nvme1", "none", NULL);
	send(dc, "change", "NVME_EVENT", "rediscover");
	supported = fake_take(fx.kernel, "supported");
	send(dc, "change", "NVME_AEN", "0x70f002");
	fake_supported_done(supported, STAS_DISC_PLEOS);
	expect_get_log(STAS_LSP_PLEO);
	ck_assert_uint_eq(fake_count(fx.kernel, NULL), 0);
	stas_dc_unref(dc);
}
END_TEST

START_TEST(test_dc_aen_during_register_keeps_the_supported_step)
{
	StasDc *dc = new_dc("10.0.0.1");
	FakeCall *reg;

	bring_up(dc, "nvme1", "ddc", NULL);
	send(dc, "change", "NVME_EVENT", "rediscover");
	reg = fake_take(fx.kernel, "register");
	send(dc, "change", "NVME_AEN", "0x70f002");
	fake_register_done(reg, NULL);
	fake_supported_done(fake_take(fx.kernel, "supported"), STAS_DISC_PLEOS);
	expect_get_log(STAS_LSP_PLEO);
	ck_assert_uint_eq(fake_count(fx.kernel, NULL), 0);
	stas_dc_unref(dc);
}
END_TEST

START_TEST(test_dc_connected_event_of_own_connect_registers_once)
{
	/* review-stafd L7: the kernel announces every new connection with
	 * NVME_EVENT=connected; the chain the connect started covers it. */
	StasDc *dc = new_dc("10.0.0.1");

	fake_connect_ok(fake_take(fx.kernel, "connect"), "nvme1", "ddc");
	send(dc, "change", "NVME_EVENT", "connected");
	fake_register_done(fake_take(fx.kernel, "register"), NULL);
	fake_supported_done(fake_take(fx.kernel, "supported"), 0);
	fake_log_done(fake_take(fx.kernel, "get_log"), NULL);
	ck_assert_uint_eq(fake_count(fx.kernel, NULL), 0);
	/* A later one is a kernel reconnect: register again. */
	send(dc, "change", "NVME_EVENT", "connected");
	ck_assert_uint_eq(fake_count(fx.kernel, "register"), 1);
	stas_dc_unref(dc);
}
END_TEST

START_TEST(test_dc_huge_persistence_logs_and_waits)
{
	/* fuzz F4: 1e300 s is past any GDateTime; no CRITICAL, no early removal. */
	StasDc *dc;

	use_conf("[Discovery controller connection management]\nzeroconf-connections-persistence = 1e300\n");
	g_log_set_fatal_mask("GLib", G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING);
	dc = new_dc("10.0.0.1");
	stas_dc_set_origin(dc, STAS_ORIGIN_DISCOVERED);
	fake_fail(fake_take(fx.kernel, "connect"), "refused");
	fake_iterate();
	ck_assert_uint_eq(fx.unresponsive, 0);
	ck_assert_ptr_null(strstr(info(dc, "unresponsive timer"), "[off]"));
	ck_assert(!stas_dc_is_unresponsive(dc));
	stas_dc_unref(dc);
}
END_TEST

START_TEST(test_dc_stop_halts_the_unresponsive_timer)
{
	/* review-stafd L2: a leaving DC arms nothing. */
	StasDc *dc;
	StasCtrl *ctrl;

	use_conf("[Discovery controller connection management]\nzeroconf-connections-persistence = 10\n");
	dc = new_dc("10.0.0.1");
	ctrl = stas_dc_ctrl(dc);
	stas_dc_set_origin(dc, STAS_ORIGIN_DISCOVERED);
	fake_fail(fake_take(fx.kernel, "connect"), "refused");
	ck_assert_ptr_null(strstr(info(dc, "unresponsive timer"), "[off]"));
	stas_ctrl_stop(ctrl);
	ck_assert_ptr_nonnull(strstr(info(dc, "unresponsive timer"), "[off]"));
	stas_dc_reevaluate_unresponsive(dc);
	stas_dc_set_origin(dc, STAS_ORIGIN_DISCOVERED);
	ck_assert_ptr_nonnull(strstr(info(dc, "unresponsive timer"), "[off]"));
	stas_dc_unref(dc);
}
END_TEST

START_TEST(test_dc_disposal_halts_the_unresponsive_timer)
{
	g_autoptr(StasTerminator) t = stas_terminator_new();
	StasDc *dc;

	use_conf("[Discovery controller connection management]\nzeroconf-connections-persistence = 10\n");
	dc = new_dc("10.0.0.1");
	stas_dc_set_origin(dc, STAS_ORIGIN_DISCOVERED);
	fake_fail(fake_take(fx.kernel, "connect"), "refused");
	stas_terminator_dispose(t, stas_dc_ctrl(dc), FALSE, on_done, NULL);
	fake_iterate();
	ck_assert_ptr_nonnull(strstr(info(dc, "unresponsive timer"), "[off]"));
	ck_assert_uint_eq(fx.disposed, 1);
	stas_dc_unref(dc);
}
END_TEST

START_TEST(test_dc_record_origin_needs_a_known_string)
{
	static const struct {
		const char *json;
		StasDcOrigin origin;
	} cases[] = {
		{ "{\"origin\": \"discovered\"}", STAS_ORIGIN_DISCOVERED },
		{ "{\"origin\": \"referral\"}", STAS_ORIGIN_REFERRAL },
		{ "{\"origin\": 5}", STAS_ORIGIN_UNKNOWN },
		{ "{\"origin\": true}", STAS_ORIGIN_UNKNOWN },
		{ "{\"origin\": null}", STAS_ORIGIN_UNKNOWN },
		{ "{\"origin\": []}", STAS_ORIGIN_UNKNOWN },
		{ "{\"origin\": {}}", STAS_ORIGIN_UNKNOWN },
		{ "{\"origin\": \"\"}", STAS_ORIGIN_UNKNOWN },
		{ "{\"origin\": \"bogus\"}", STAS_ORIGIN_UNKNOWN },
		{ "{}", STAS_ORIGIN_UNKNOWN },
	};

	g_log_set_fatal_mask("Json", G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING);
	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autoptr(JsonParser) parser = json_parser_new();

		ck_assert(json_parser_load_from_data(parser, cases[i].json, -1, NULL));
		ck_assert_msg(stas_dc_record_origin(json_node_get_object(json_parser_get_root(parser))) ==
				      cases[i].origin,
			      "case %u", i);
	}
}
END_TEST

START_TEST(test_dc_restored_origin_does_not_start_aging)
{
	/* review-stafd L9: a restored mDNS DC has not tried to reconnect yet. */
	StasDc *dc;

	use_conf("[Discovery controller connection management]\nzeroconf-connections-persistence = 10\n");
	dc = new_dc("10.0.0.1");
	stas_dc_restore_origin(dc, STAS_ORIGIN_DISCOVERED);
	ck_assert_int_eq(stas_dc_get_origin(dc), STAS_ORIGIN_DISCOVERED);
	ck_assert_str_eq(info(dc, "unresponsive time"), "---");
	fake_fail(fake_take(fx.kernel, "connect"), "refused");
	ck_assert_str_ne(info(dc, "unresponsive time"), "---");
	stas_dc_unref(dc);
}
END_TEST

/* Writes the cntlid of @device in the fake sysfs. */
static void set_cntlid(const char *device, const char *cntlid)
{
	g_autofree char *dir = g_build_filename(fx.fe.dir, "class", "nvme", device, NULL);
	g_autofree char *text = g_strdup_printf("%s\n", cntlid);
	g_autofree char *path = NULL;

	g_mkdir_with_parents(dir, 0755);
	path = tu_write(dir, "cntlid", text, -1);
}

START_TEST(test_dc_refresh_after_lost_events_asks_only_for_the_generation)
{
	/* review-stafd #9 and issue 10: a udev overflow re-runs neither DIM nor
	 * a whole Get Log Page on every DC; each is asked whether its page
	 * changed since the generation read last (one header read). */
	const char *const entries[] = { "nvme:10.0.0.7", NULL };
	StasDc *dc = new_dc("10.0.0.1");
	FakeCall *call;

	set_cntlid("nvme1", "5");
	fake_connect_ok(fake_take(fx.kernel, "connect"), "nvme1", "ddc");
	fake_register_done(fake_take(fx.kernel, "register"), NULL);
	fake_supported_done(fake_take(fx.kernel, "supported"), 0);
	call = fake_take(fx.kernel, "get_log");
	ck_assert_int_eq(call->known_genctr, -1); /* a new connection reads it whole */
	fake_log_done_at(call, 41, entries);
	fx.changed = 0;

	stas_dc_refresh(dc);
	fake_iterate();
	ck_assert_uint_eq(fake_count(fx.kernel, "register"), 0);
	ck_assert_uint_eq(fake_count(fx.kernel, "supported"), 0);
	call = fake_take(fx.kernel, "get_log");
	ck_assert_int_eq(call->known_genctr, 41);
	fake_log_unchanged(call);
	ck_assert_uint_eq(fx.changed, 0);
	ck_assert_uint_eq(stas_dc_log_pages(dc)->len, 1); /* the cache stays */

	/* A page that did change is read, and becomes the reference. */
	stas_dc_refresh(dc);
	fake_iterate();
	call = fake_take(fx.kernel, "get_log");
	ck_assert_int_eq(call->known_genctr, 41);
	fake_log_done_at(call, 42, NULL);
	ck_assert_uint_eq(fx.changed, 1);
	ck_assert_uint_eq(stas_dc_log_pages(dc)->len, 0);
	stas_dc_refresh(dc);
	fake_iterate();
	call = fake_take(fx.kernel, "get_log");
	ck_assert_int_eq(call->known_genctr, 42);
	fake_discard(call);
	stas_dc_unref(dc);
}
END_TEST

/* An AEN says the page changed: it is read whole, even when it arrives
 * during a resync's generation check. */
START_TEST(test_dc_aen_reads_the_whole_page)
{
	StasDc *dc = new_dc("10.0.0.1");
	FakeCall *call;

	set_cntlid("nvme1", "5");
	bring_up(dc, "nvme1", "ddc", NULL);
	stas_dc_refresh(dc);
	fake_iterate();
	call = fake_take(fx.kernel, "get_log");
	ck_assert_int_eq(call->known_genctr, 1);
	send(dc, "change", "NVME_AEN", "0x70f002");
	fake_log_unchanged(call);
	call = fake_take(fx.kernel, "get_log");
	ck_assert_int_eq(call->known_genctr, -1);
	fake_discard(call);
	stas_dc_unref(dc);
}
END_TEST

START_TEST(test_dc_refresh_of_a_changed_device_registers_again)
{
	/* A DC association gets a new controller ID: the events lost may have
	 * included the kernel's reconnect, after which the DC needs DIM again. */
	StasDc *dc = new_dc("10.0.0.1");

	set_cntlid("nvme1", "5");
	bring_up(dc, "nvme1", "ddc", NULL);
	set_cntlid("nvme1", "6");
	stas_dc_refresh(dc);
	fake_iterate();
	fake_register_done(fake_take(fx.kernel, "register"), NULL);
	fake_supported_done(fake_take(fx.kernel, "supported"), 0);
	fake_log_done(fake_take(fx.kernel, "get_log"), NULL);
	stas_dc_refresh(dc); /* the new ID is the reference now */
	fake_iterate();
	ck_assert_uint_eq(fake_count(fx.kernel, "register"), 0);
	expect_get_log(0);
	stas_dc_unref(dc);
}
END_TEST

START_TEST(test_secrets_only_in_privileged_dictionaries)
{
	g_autoptr(StasCtrlEntry) entry = stas_ctrl_entry_parse(
		"transport=tcp;traddr=1.1.1.1;dhchap-secret=DHHC-1:00:abc=:;dhchap-ctrl-secret=x", "t", 1,
		"c", NULL);
	g_autoptr(StasTid) tid = stas_tid_new_from_entry(entry, "nqn.h", FALSE);
	StasDc *dc = stas_dc_new(tid, fx.env, &events, NULL);
	g_autoptr(GHashTable) open = stas_ctrl_details(stas_dc_ctrl(dc), FALSE);
	g_autoptr(GHashTable) priv = stas_ctrl_details(stas_dc_ctrl(dc), TRUE);

	ck_assert_ptr_null(g_hash_table_lookup(open, "dhchap-secret"));
	ck_assert_ptr_null(g_hash_table_lookup(open, "dhchap-ctrl-secret"));
	ck_assert_str_eq(g_hash_table_lookup(priv, "dhchap-secret"), "DHHC-1:00:abc=:");
	ck_assert_str_eq(g_hash_table_lookup(open, "device"), "nvme?");
	ck_assert_str_eq(g_hash_table_lookup(open, "connected"), "False");
	ck_assert_str_eq(g_hash_table_lookup(open, "retry connect timer"), "60.0s [off]");
	stas_dc_unref(dc);
}
END_TEST

int main(void)
{
	Suite *suite = suite_create("dc");
	TCase *tc = tcase_create("dc");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_dc_connects_on_next_iteration_as_discovery_controller);
	tcase_add_test(tc, test_dc_ddc_registers_then_pleo_then_log);
	tcase_add_test(tc, test_dc_cdc_gets_no_pleo);
	tcase_add_test(tc, test_dc_pleo_disabled_and_no_registration);
	tcase_add_test(tc, test_dc_retry_3s_then_60s);
	tcase_add_test(tc, test_dc_adopts_existing_connection);
	tcase_add_test(tc, test_dc_discovery_change_aen_rereads_log);
	tcase_add_test(tc, test_dc_aen_during_pending_connect_is_ignored);
	tcase_add_test(tc, test_dc_aen_during_get_log_runs_it_again_after);
	tcase_add_test(tc, test_dc_rediscover_event_reregisters);
	tcase_add_test(tc, test_dc_remove_keeps_cache_voids_pending_and_retries_fast);
	tcase_add_test(tc, test_dc_get_log_failure_keeps_cache_and_retries_in_20s);
	tcase_add_test(tc, test_dc_referral_change_is_reported);
	tcase_add_test(tc, test_disconnect_never_overtakes_pending_connect);
	tcase_add_test(tc, test_keep_connection_issues_no_disconnect);
	tcase_add_test(tc, test_dim_registers_updates_and_deregisters);
	tcase_add_test(tc, test_dim_failure_leaves_the_connection_up);
	tcase_add_test(tc, test_dim_deregister_failure_still_disconnects);
	tcase_add_test(tc, test_stopping_voids_results);
	tcase_add_test(tc, test_dc_origin_strings);
	tcase_add_test(tc, test_discovered_dc_ages_out_when_unreachable);
	tcase_add_test(tc, test_discovered_dc_kept_forever_with_negative_persistence);
	tcase_add_test(tc, test_advertised_or_connected_dc_does_not_age);
	tcase_add_test(tc, test_secrets_only_in_privileged_dictionaries);
	tcase_add_test(tc, test_dc_reconnect_while_stale_op_runs_restarts_the_chain);
	tcase_add_test(tc, test_dc_aen_during_supported_keeps_pleo_result);
	tcase_add_test(tc, test_dc_aen_during_register_keeps_the_supported_step);
	tcase_add_test(tc, test_dc_connected_event_of_own_connect_registers_once);
	tcase_add_test(tc, test_dc_huge_persistence_logs_and_waits);
	tcase_add_test(tc, test_dc_stop_halts_the_unresponsive_timer);
	tcase_add_test(tc, test_dc_disposal_halts_the_unresponsive_timer);
	tcase_add_test(tc, test_dc_record_origin_needs_a_known_string);
	tcase_add_test(tc, test_dc_restored_origin_does_not_start_aging);
	tcase_add_test(tc, test_dc_refresh_after_lost_events_asks_only_for_the_generation);
	tcase_add_test(tc, test_dc_aen_reads_the_whole_page);
	tcase_add_test(tc, test_dc_refresh_of_a_changed_device_registers_again);
	suite_add_tcase(suite, tc);
	return tu_run(suite);
}
