// SPDX-License-Identifier: Apache-2.0
/*
 * stacd's reconciliation and audit (review-stacd #1, #2, #6): restarts in
 * every disconnect-scope with stafd absent, failing or slow never
 * disconnect a wanted connection; the start-up audit waits for restored
 * controllers and leaves alone whatever a managed controller can claim.
 * The service is built by hand around the fake kernel, a fake sysfs tree
 * (kernel 6.1+ layout: "address" has src_addr) and log pages fed as the
 * JSON stafd would send.
 */
#include <unistd.h>

#include "fake-kernel.h"
#include "service-private.h"
#include "stac.h"
#include "stas/state.h"
#include "testutil.h"

#define HOSTNQN "nqn.2014-08.org.nvmexpress:uuid:test"
#define SUB1	"nqn.2024-01.io.example:sub1"
#define SUB2	"nqn.2024-01.io.example:sub2"

static const char *const scopes[] = {
	"only-stas-connections",
	"all-connections-matching-disconnect-trtypes",
	"no-disconnect",
};

typedef struct {
	char *dir; /* sysfs root, state file and configuration */
	char *conf;
	FakeKernel *kernel;
	StasKernelOps ops;	 /* the fake kernel's, adoption looking at the fake sysfs */
	const char *find_answer; /* non-NULL: find_existing answers this instead */
	StasStac *stac;
	StasStacFetch *fetch; /* the get_all_log_pages call stafd has not answered */
	StasLogger *logger;   /* a reload sets the trace flag on it */
} Fixture;

static Fixture fx;

/* --------------------------------------------------------------- sysfs */

static void put(const char *dir, const char *name, const char *text)
{
	g_free(tu_write(dir, name, text, -1));
}

/* A tcp I/O controller connected to @subsysnqn as kernel 6.1+ shows it when
 * the connect named no host-iface: only src_addr tells the interface. */
static void sysfs_ioc(const char *name, const char *subsysnqn)
{
	g_autofree char *dir = g_build_filename(fx.dir, "class", "nvme", name, NULL);
	g_autofree char *child_name = g_strconcat(name, "n1", NULL);
	g_autofree char *child = g_build_filename(dir, child_name, NULL);
	g_autofree char *nqn = g_strconcat(subsysnqn, "\n", NULL);

	ck_assert_int_eq(g_mkdir_with_parents(child, 0755), 0);
	put(child, "uevent", "DEVTYPE=disk\n");
	put(dir, "uevent",
	    "MAJOR=240\nNVME_TRTYPE=tcp\nNVME_TRADDR=127.0.0.1\nNVME_TRSVCID=4420\n"
	    "NVME_HOST_TRADDR=none\nNVME_HOST_IFACE=none\n");
	put(dir, "subsysnqn", nqn);
	put(dir, "hostnqn", HOSTNQN "\n");
	put(dir, "cntrltype", "io\n");
	put(dir, "address", "traddr=127.0.0.1,trsvcid=4420,src_addr=127.0.0.1\n");
}

static void sysfs_remove(const char *name)
{
	g_autofree char *dir = g_build_filename(fx.dir, "class", "nvme", name, NULL);

	tu_rmtree(dir);
}

static char *find_in_sysfs(StasKernel *k, const StasTid *tid, gboolean discovery, StasDeviceOwnedFunc owned,
			   gpointer owned_data)
{
	g_autoptr(StasSysfsIndex) index = NULL;

	if (fx.find_answer)
		return g_strdup(fx.find_answer);
	index = stas_sysfs_index_new(fx.dir);
	return stas_udev_find_free_ctrl(index, tid, discovery, NULL, owned, owned_data);
}

/* ------------------------------------------------------------- stafd */

/* stafd's get_all_log_pages answer: one DC without host-iface listing @a
 * and @b (NULL: fewer) on 127.0.0.1:4420, its "log pages" detail @pages
 * (NULL: none, as an older stafd sends). */
static char *log_pages_as(const char *pages, const char *a, const char *b)
{
	g_autofree char *detail = pages ? g_strdup_printf("\"log pages\": \"%s\", ", pages) : g_strdup("");
	GString *json = g_string_new(NULL);
	const char *nqns[] = { a, b };

	g_string_append_printf(
		json,
		"[{\"discovery-controller\": {\"transport\": \"tcp\", \"traddr\": \"127.0.0.1\", "
		"\"trsvcid\": \"8009\", \"subsysnqn\": \"nqn.2014-08.org.nvmexpress.discovery\", "
		"\"host-traddr\": \"\", \"host-iface\": \"\", \"host-nqn\": \"" HOSTNQN "\", %s"
		"\"dhchap-secret\": \"DHHC-1:00:secret:\", \"device\": \"nvme0\"}, \"log-pages\": [",
		detail);

	for (guint i = 0; i < G_N_ELEMENTS(nqns) && nqns[i]; i++)
		g_string_append_printf(
			json,
			"%s{\"trtype\": \"tcp\", \"adrfam\": \"ipv4\", \"subtype\": \"nvme\", "
			"\"treq\": \"not specified\", \"portid\": \"1\", \"trsvcid\": \"4420\", "
			"\"subnqn\": \"%s\", \"traddr\": \"127.0.0.1\", \"eflags\": \"0\"}",
			i ? ", " : "", nqns[i]);
	g_string_append(json, "]}]");
	return g_string_free(json, FALSE);
}

/* What a stafd that has read its DC's log page answers. */
static char *log_pages(const char *a, const char *b)
{
	return log_pages_as("read", a, b);
}

static void on_fetch(StasStac *stac, StasStacFetch *fetch)
{
	ck_assert_ptr_null(fx.fetch);
	fx.fetch = fetch;
}

static void answer(const char *json)
{
	StasStacFetch *fetch = fx.fetch;

	ck_assert_ptr_nonnull(fetch);
	fx.fetch = NULL;
	stas_stac_fetch_done(fetch, json, NULL);
	fake_iterate();
}

static void answer_error(void)
{
	g_autoptr(GError)
		error = g_error_new_literal(G_DBUS_ERROR, G_DBUS_ERROR_NO_REPLY, "Timeout was reached");
	StasStacFetch *fetch = fx.fetch;

	ck_assert_ptr_nonnull(fetch);
	fx.fetch = NULL;
	stas_stac_fetch_done(fetch, NULL, error);
	fake_iterate();
}

/* ------------------------------------------------------------ service */

/* A stacd as stas_stac_new() makes it, with @conf as stacd.conf, the fake
 * kernel, the fake sysfs and stafd on the bus when @staf_up. */
static StasStac *start(const char *conf, gboolean staf_up)
{
	StasStac *stac = g_new0(StasStac, 1);
	StasService *svc = &stac->svc;

	fx.kernel = fake_kernel_new();
	fx.ops = *fx.kernel->parent.ops;
	fx.ops.find_existing = find_in_sysfs;
	fx.kernel->parent.ops = &fx.ops;

	stas_stac_setup(stac);
	stac->fetch = on_fetch;
	stac->staf_up = staf_up;
	fake_service_init(svc, stas_stac_class(), fx.kernel, fx.dir, conf, HOSTNQN);
	stas_service_restore_state(svc);
	stas_stac_start(stac);
	fake_iterate();
	fx.stac = stac;
	return stac;
}

/* stacd exits (keeping every connection, as it does) and is freed. */
static void stop(void)
{
	StasService *svc = &fx.stac->svc;
	stas_service_save_state(svc);
	if (fx.fetch) {
		g_cancellable_cancel(stas_stac_fetch_cancellable(fx.fetch));
		stas_stac_fetch_done(g_steal_pointer(&fx.fetch), NULL, NULL);
	}
	fake_service_free(svc);
	fx.stac = NULL;
	fx.kernel = NULL;
}

/* One pass of reconciliation with stacd.conf's controllers. */
static void reconcile(void)
{
	StasService *svc = &fx.stac->svc;
	const GPtrArray *entries = stas_conf_get_controllers(svc->conf);
	g_autoptr(GPtrArray) configured = g_ptr_array_new_with_free_func((GDestroyNotify)stas_tid_unref);

	for (guint i = 0; i < entries->len; i++) {
		const StasCtrlEntry *entry = g_ptr_array_index(entries, i);

		g_ptr_array_add(configured, stas_service_tid(svc, entry->values));
	}
	svc->klass->reconcile(svc, configured);
	fake_iterate();
}

/* Takes the pending connect of @subsysnqn. */
static FakeCall *take_connect(const char *subsysnqn)
{
	for (GList *l = fx.kernel->calls->head; l; l = l->next) {
		FakeCall *call = l->data;

		if (g_str_equal(call->op, "connect") && g_strcmp0(call->req.subsysnqn, subsysnqn) == 0) {
			g_queue_delete_link(fx.kernel->calls, l);
			return call;
		}
	}
	ck_abort_msg("no pending connect of %s", subsysnqn);
	return NULL;
}

static guint n_ctrls(void)
{
	return g_hash_table_size(fx.stac->svc.ctrls);
}

/* The managed controller of @subsysnqn (the test fails when there are not one). */
static StasCtrl *ctrl_of(const char *subsysnqn)
{
	g_autoptr(GPtrArray) ctrls = stas_service_ctrls(&fx.stac->svc);
	StasCtrl *found = NULL;

	for (guint i = 0; i < ctrls->len; i++) {
		StasCtrl *ctrl = g_ptr_array_index(ctrls, i);

		if (g_str_equal(stas_tid_subsysnqn(ctrl->tid), subsysnqn)) {
			ck_assert_msg(!found, "two controllers for %s", subsysnqn);
			found = ctrl;
		}
	}
	ck_assert_msg(found != NULL, "no controller for %s", subsysnqn);
	return found;
}

static char *scope_conf(const char *scope)
{
	return g_strdup_printf("[I/O controller connection management]\ndisconnect-scope = %s\n", scope);
}

/* Before the restart: stafd lists SUB1, stacd connects it as nvme1 and
 * records that in its last-known state, then exits. */
static void run_until_restart(const char *conf)
{
	g_autofree char *json = log_pages(SUB1, NULL);

	start(conf, TRUE);
	reconcile();
	answer(json);
	fake_connect_ok(take_connect(SUB1), "nvme1", NULL);
	sysfs_ioc("nvme1", SUB1);
	ck_assert_str_eq(stas_ctrl_device(ctrl_of(SUB1)), "nvme1");
	stop();
}

/* After the restart, the restored controller adopts nvme1. */
static void adopt_nvme1(void)
{
	FakeCall *call = fake_take(fx.kernel, "attach");

	ck_assert_str_eq(call->device, "nvme1");
	fake_connect_ok(call, NULL, NULL);
	ck_assert_str_eq(stas_ctrl_device(ctrl_of(SUB1)), "nvme1");
}

static void setup(void)
{
	memset(&fx, 0, sizeof(fx));
	fx.dir = tu_tmpdir();
}

static void teardown(void)
{
	if (fx.stac)
		stop();
	g_clear_pointer(&fx.logger, stas_logger_free);
	tu_rmtree(fx.dir);
	g_free(fx.dir);
}

/* ------------------------------------------------------------ restarts */

START_TEST(test_restart_without_stafd_keeps_listed_connection)
{
	g_autofree char *conf = scope_conf(scopes[_i]);

	run_until_restart(conf);
	start(conf, FALSE);
	adopt_nvme1();
	reconcile(); /* stafd is not on the bus */
	ck_assert_uint_eq(fake_count(fx.kernel, "disconnect"), 0);
	ck_assert_str_eq(stas_ctrl_device(ctrl_of(SUB1)), "nvme1");
	reconcile(); /* and again: nothing changes while stafd stays away */
	ck_assert_uint_eq(fake_count(fx.kernel, "disconnect"), 0);
	ck_assert_uint_eq(n_ctrls(), 1);
}
END_TEST

START_TEST(test_restart_first_stafd_call_failing_keeps_listed_connection)
{
	g_autofree char *conf = scope_conf(scopes[_i]);
	g_autofree char *without = log_pages(SUB2, NULL);

	run_until_restart(conf);
	start(conf, TRUE);
	adopt_nvme1();
	reconcile();
	answer_error();
	ck_assert_uint_eq(fake_count(fx.kernel, "disconnect"), 0);
	ck_assert_str_eq(stas_ctrl_device(ctrl_of(SUB1)), "nvme1");
	/* Once stafd answers, its answer is what is wanted. */
	reconcile();
	answer(without);
	ck_assert_ptr_null(stas_service_lookup_device(&fx.stac->svc, "nvme1"));
	ck_assert_uint_eq(fake_count(fx.kernel, "disconnect"),
			  g_str_equal(scopes[_i], "no-disconnect") ? 0 : 1);
}
END_TEST

START_TEST(test_restart_with_slow_stafd_keeps_listed_connection)
{
	g_autofree char *conf = scope_conf(scopes[_i]);
	g_autofree char *json = log_pages(SUB1, NULL);

	run_until_restart(conf);
	start(conf, TRUE);
	reconcile(); /* stafd does not answer yet */
	adopt_nvme1();
	ck_assert_ptr_nonnull(fx.fetch);
	ck_assert_uint_eq(fake_count(fx.kernel, "disconnect"), 0);
	ck_assert_uint_eq(n_ctrls(), 1);
	answer(json);
	ck_assert_uint_eq(fake_count(fx.kernel, "disconnect"), 0);
	ck_assert_str_eq(stas_ctrl_device(ctrl_of(SUB1)), "nvme1");
	ck_assert_uint_eq(n_ctrls(), 1);
}
END_TEST

/* stafd listed SUB1 last; its connection died while stacd was down. */
START_TEST(test_restart_reconnects_listed_controller_whose_device_is_gone)
{
	g_autofree char *conf = scope_conf(scopes[0]);

	run_until_restart(conf);
	sysfs_remove("nvme1");
	start(conf, FALSE);
	ck_assert_uint_eq(n_ctrls(), 0);
	reconcile();
	ck_assert_uint_eq(n_ctrls(), 1);
	fake_connect_ok(fake_take(fx.kernel, "connect"), "nvme2", NULL);
	ck_assert_str_eq(stas_ctrl_device(ctrl_of(SUB1)), "nvme2");
}
END_TEST

/* The record keeps the entry and the DC, never the DC's secrets. */
START_TEST(test_state_records_listing_and_origin)
{
	g_autofree char *conf = g_strdup("[Controllers]\ncontroller = transport=tcp;traddr=127.0.0.1;"
					 "trsvcid=4420;nqn=" SUB2 "\n");
	g_autofree char *path = g_build_filename(fx.dir, "last-known-config.json", NULL);
	g_autofree char *text = NULL;

	run_until_restart(conf);
	ck_assert(g_file_get_contents(path, &text, NULL, NULL));
	ck_assert_ptr_nonnull(strstr(text, "\"origin\":\"discovered\""));
	ck_assert_ptr_nonnull(strstr(text, "\"origin\":\"configured\""));
	ck_assert_ptr_nonnull(strstr(text, "\"subnqn\":\"" SUB1 "\""));
	ck_assert_ptr_nonnull(strstr(text, "\"trsvcid\":\"8009\""));
	ck_assert_ptr_null(strstr(text, "DHHC-1"));
	ck_assert_ptr_null(strstr(text, "nvme0"));
}
END_TEST

START_TEST(test_malformed_records_are_skipped)
{
	static const char *const bad[] = {
		/* not an object, no identity */
		"1",
		"{\"origin\": \"discovered\"}",
		/* a listed record without its entry, or with one of another controller */
		"{\"tid\": {\"transport\": \"tcp\", \"traddr\": \"127.0.0.1\", \"trsvcid\": \"4420\", "
		"\"subsysnqn\": \"" SUB1 "\"}, \"origin\": \"discovered\", \"dlpe\": [], \"dc\": {}}",
		"{\"tid\": {\"transport\": \"tcp\", \"traddr\": \"127.0.0.1\", \"trsvcid\": \"4420\", "
		"\"subsysnqn\": \"" SUB1 "\"}, \"origin\": \"discovered\", \"dlpe\": {\"subtype\": \"nvme\", "
		"\"trtype\": \"tcp\", \"traddr\": \"10.0.0.9\", \"trsvcid\": \"4420\", \"subnqn\": \"x\"}, "
		"\"dc\": {}}",
		"{\"tid\": {\"transport\": \"tcp\", \"traddr\": \"127.0.0.1\", \"trsvcid\": \"4420\", "
		"\"subsysnqn\": \"" SUB1 "\"}, \"origin\": 7, \"dlpe\": 1, \"dc\": null}",
	};
	g_autofree char *conf = scope_conf(scopes[0]);

	sysfs_ioc("nvme1", SUB1);
	for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_autofree char *text = g_strdup_printf(
			"{\"format\": \"stas-state\", \"version\": 1, \"daemon\": \"stacd\", "
			"\"controllers\": [%s]}",
			bad[i]);

		g_free(tu_write(fx.dir, "last-known-config.json", text, -1));
		start(conf, FALSE);
		/* A record with no valid origin is an old file's: only with its device. */
		ck_assert_uint_le(n_ctrls(), 1);
		ck_assert_uint_eq(g_hash_table_size(fx.stac->discovered), 0);
		stop();
	}
}
END_TEST

/* A stafd that has just (re)started serves its DCs before it has read their
 * log pages again: an empty page or one restored from its last-known state.
 * Such an answer adds what it lists and removes nothing (review-stacd #2;
 * the VM scenario stacd-restart lost both I/O controllers to it). */
START_TEST(test_restart_stafd_not_read_yet_removes_nothing)
{
	static const char *const unread[] = { "not read yet", "restored" };
	g_autofree char *conf = scope_conf(scopes[_i]);
	g_autofree char *empty = log_pages_as(unread[_i % 2], NULL, NULL);
	g_autofree char *other = log_pages_as(unread[(_i + 1) % 2], SUB2, NULL);
	g_autofree char *read_empty = log_pages(NULL, NULL);

	run_until_restart(conf);
	start(conf, TRUE);
	adopt_nvme1();
	reconcile();
	answer(empty);
	ck_assert_uint_eq(fake_count(fx.kernel, "disconnect"), 0);
	ck_assert_str_eq(stas_ctrl_device(ctrl_of(SUB1)), "nvme1");
	reconcile();
	answer(other);
	ck_assert_uint_eq(fake_count(fx.kernel, "disconnect"), 0);
	ck_assert_str_eq(stas_ctrl_device(ctrl_of(SUB1)), "nvme1");
	ck_assert_uint_eq(n_ctrls(), 2); /* what it lists is wanted at once */
	/* Once stafd has read the page, an entry it no longer lists goes. */
	reconcile();
	answer(read_empty);
	ck_assert_ptr_null(stas_service_lookup_device(&fx.stac->svc, "nvme1"));
	ck_assert_uint_eq(n_ctrls(), 0);
}
END_TEST

/* An older stafd (or nvme-stas's) says nothing about its log pages: its
 * answer is authoritative, as it always was. */
START_TEST(test_stafd_without_log_page_detail_is_authoritative)
{
	g_autofree char *conf = scope_conf(scopes[0]);
	g_autofree char *empty = log_pages_as(NULL, NULL, NULL);

	run_until_restart(conf);
	start(conf, TRUE);
	adopt_nvme1();
	reconcile();
	answer(empty);
	ck_assert_uint_eq(n_ctrls(), 0);
	ck_assert_uint_eq(fake_count(fx.kernel, "disconnect"), 1);
}
END_TEST

/* Tests, the demo and containers point both daemons at one runtime
 * directory with STAS_RUNTIME_DIR; each overwrote the other's state, so a
 * restarted stafd came back without its DCs and log pages and a restarted
 * stacd without what stafd listed. */
START_TEST(test_daemons_keep_their_own_state_file_in_one_runtime_dir)
{
	g_autofree char *staf = NULL;
	g_autofree char *stac = NULL;

	g_setenv("STAS_RUNTIME_DIR", fx.dir, TRUE);
	staf = stas_state_path("stafd");
	stac = stas_state_path("stacd");
	g_unsetenv("STAS_RUNTIME_DIR");
	ck_assert_str_ne(staf, stac);
	ck_assert(g_str_has_prefix(staf, fx.dir));
	ck_assert(g_str_has_prefix(stac, fx.dir));
}
END_TEST

/* ------------------------------------------------------------- audits */

#define AUDIT_CONF                                 \
	"[I/O controller connection management]\n" \
	"disconnect-scope = all-connections-matching-disconnect-trtypes\n"

/* review-stacd #1: on 6.1+ the audit's TID of nvme1 has host-iface "lo",
 * the restored controller's has none; before it adopted nvme1 the audit
 * took it for a stranger and the next reconciliation disconnected it. */
START_TEST(test_startup_audit_waits_for_restored_controller)
{
	run_until_restart(AUDIT_CONF);
	start(AUDIT_CONF, FALSE);
	ck_assert_uint_eq(fake_count(fx.kernel, "attach"), 1); /* adoption in flight */
	reconcile();
	ck_assert_uint_eq(n_ctrls(), 1);
	ck_assert(fx.stac->startup_audit);
	adopt_nvme1();
	ck_assert(!fx.stac->startup_audit);
	ck_assert_uint_eq(n_ctrls(), 1);
	reconcile();
	ck_assert_uint_eq(fake_count(fx.kernel, "disconnect"), 0);
	ck_assert_str_eq(stas_ctrl_device(ctrl_of(SUB1)), "nvme1");
}
END_TEST

/* Even when the wait is cut short, a device a controller still adopting
 * could claim (match semantics, not TID equality) is not a stranger. */
START_TEST(test_audit_leaves_device_a_controller_can_claim)
{
	run_until_restart(AUDIT_CONF);
	start(AUDIT_CONF, FALSE);
	reconcile();
	stas_timer_expire_now(fx.stac->startup_audit_timer);
	fake_iterate();
	ck_assert(!fx.stac->startup_audit);
	ck_assert_uint_eq(n_ctrls(), 1);
	adopt_nvme1();
	reconcile();
	ck_assert_uint_eq(fake_count(fx.kernel, "disconnect"), 0);
}
END_TEST

/* review-stacd #6: the kernel shows the device before the connect returns. */
START_TEST(test_audit_leaves_device_of_controller_connecting)
{
	const char *conf = AUDIT_CONF "[Controllers]\ncontroller = transport=tcp;traddr=127.0.0.1;"
				      "trsvcid=4420;nqn=" SUB1 "\n";
	FakeCall *call;

	start(conf, FALSE);
	reconcile();
	ck_assert_uint_eq(fake_count(fx.kernel, "connect"), 1);
	sysfs_ioc("nvme1", SUB1); /* connect still in flight */
	stas_timer_expire_now(fx.stac->startup_audit_timer);
	fake_iterate();
	stas_timer_expire_now(fx.stac->add_soak); /* as after udev "add" */
	fake_iterate();
	ck_assert_uint_eq(n_ctrls(), 1);
	call = fake_take(fx.kernel, "connect");
	fake_connect_ok(call, "nvme1", NULL);
	reconcile();
	ck_assert_uint_eq(fake_count(fx.kernel, "disconnect"), 0);
	ck_assert_str_eq(stas_ctrl_device(ctrl_of(SUB1)), "nvme1");
}
END_TEST

/* A stranger is adopted, exactly the device the audit saw, then removed. */
START_TEST(test_audit_adopts_the_device_it_saw_and_removes_it)
{
	FakeCall *call;

	sysfs_ioc("nvme2", SUB2);
	fx.find_answer = "nvme9"; /* whatever a lookup would say */
	start(AUDIT_CONF, FALSE);
	reconcile();
	ck_assert_uint_eq(n_ctrls(), 1);
	call = fake_take(fx.kernel, "attach");
	ck_assert_str_eq(call->device, "nvme2");
	fake_connect_ok(call, NULL, NULL);
	reconcile();
	call = fake_take(fx.kernel, "disconnect");
	ck_assert_str_eq(call->device, "nvme2");
	/* While the disconnect runs, the device is not a stranger again. */
	stas_timer_expire_now(fx.stac->add_soak);
	fake_iterate();
	ck_assert_uint_eq(n_ctrls(), 0);
	fake_disconnect_done(call);
}
END_TEST

/* Audits are for audit mode only, restart or not. */
START_TEST(test_no_audit_outside_audit_scope)
{
	g_autofree char *conf = scope_conf(scopes[_i == 0 ? 0 : 2]);

	sysfs_ioc("nvme2", SUB2);
	start(conf, FALSE);
	reconcile();
	stas_timer_expire_now(fx.stac->add_soak);
	fake_iterate();
	ck_assert_uint_eq(n_ctrls(), 0);
	ck_assert_uint_eq(fake_count(fx.kernel, NULL), 0);
}
END_TEST

/* ------------------------------------------------ explain, plan, metrics */

#define SUB3 "nqn.2024-01.io.example:sub3"

/* stacd.conf for the explain tests: SUB3 configured on line 2, SUB2 excluded on line 3. */
static const char explain_conf[] = "[Controllers]\n"
				   "controller = transport=tcp;traddr=127.0.0.1;trsvcid=4420;nqn=" SUB3 "\n"
				   "exclude = nqn=" SUB2 "\n";

/* The soak expires: phase 1 (literal addresses, no lookup), then stafd answers. */
static void soak_and_answer(const char *json)
{
	stas_service_on_soak(&fx.stac->svc);
	fake_iterate();
	answer(json);
}

/* explain's answer for @target, parsed; the test frees it. */
static JsonObject *explain(const char *target)
{
	g_autofree char *json = stas_service_explain(&fx.stac->svc, target);
	g_autoptr(JsonParser) parser = json_parser_new();

	ck_assert(json_parser_load_from_data(parser, json, -1, NULL));
	return json_object_ref(json_node_get_object(json_parser_get_root(parser)));
}

static JsonObject *only_candidate(JsonObject *answer_)
{
	JsonArray *candidates = json_object_get_array_member(answer_, "candidates");

	ck_assert_uint_eq(json_array_get_length(candidates), 1);
	return json_array_get_object_element(candidates, 0);
}

static const char *member_text(JsonObject *object, const char *member, const char *inner)
{
	JsonObject *o = json_object_get_object_member(object, member);

	ck_assert_msg(o != NULL, "no %s", member);
	return json_object_get_string_member(o, inner);
}

START_TEST(test_explain_names_the_exclusion_line)
{
	g_autofree char *json = log_pages(SUB1, SUB2);
	g_autoptr(JsonObject) excluded = NULL;
	g_autoptr(JsonObject) listed = NULL;
	JsonObject *c;

	start(explain_conf, TRUE);
	soak_and_answer(json);
	excluded = explain(SUB2);
	c = only_candidate(excluded);
	ck_assert_str_eq(member_text(c, "verdict", "code"), "excluded");
	ck_assert_msg(strstr(member_text(c, "verdict", "text"), "daemon.conf:3"), "%s",
		      member_text(c, "verdict", "text"));
	ck_assert(strstr(json_object_get_string_member(c, "origin"), "log page of DC (tcp, 127.0.0.1, 8009"));
	ck_assert(!json_object_get_boolean_member(c, "managed"));
	listed = explain(SUB3);
	c = only_candidate(listed);
	ck_assert_str_eq(member_text(c, "verdict", "code"), "wanted");
	ck_assert(strstr(json_object_get_string_member(c, "origin"), "controller= at "));
	ck_assert(strstr(json_object_get_string_member(c, "origin"), "daemon.conf:2"));
}
END_TEST

START_TEST(test_explain_gives_the_kernel_error_and_next_attempt)
{
	g_autofree char *json = log_pages(SUB1, NULL);
	g_autoptr(JsonObject) answer_ = NULL;
	JsonObject *c, *counters;

	start("", TRUE);
	soak_and_answer(json);
	fake_fail(take_connect(SUB1), "Failed to write to /dev/nvme-fabrics: Connection refused");
	answer_ = explain(SUB1);
	c = only_candidate(answer_);
	ck_assert_str_eq(json_object_get_string_member(c, "state"), "waiting to retry");
	ck_assert(strstr(json_object_get_string_member(c, "last error"), "Connection refused"));
	ck_assert(!json_object_get_null_member(c, "next attempt in s"));
	counters = json_object_get_object_member(c, "counters");
	ck_assert_int_eq(json_object_get_int_member(counters, "connect attempts"), 1);
	ck_assert_int_eq(json_object_get_int_member(counters, "connect failures"), 1);
}
END_TEST

/* explain and plan answer any local user: no secret of a controller= or
 * exclude= line is in them. */
START_TEST(test_explain_and_plan_show_no_secret)
{
	static const char conf[] = "[Controllers]\n"
				   "controller = transport=tcp;traddr=127.0.0.1;trsvcid=4420;nqn=" SUB3
				   ";dhchap-secret=DHHC-1:00:c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0MTIzNDU2:\n"
				   "exclude = nqn=" SUB2
				   ";dhchap-ctrl-secret=DHHC-1:00:b3RoZXJvdGhlcm90aGVyb3RoZXIxMjM0NTY3:\n";
	g_autofree char *json = log_pages(SUB1, SUB2);
	g_autofree char *explained = NULL;
	g_autofree char *plan = NULL;

	start(conf, TRUE);
	soak_and_answer(json);
	explained = stas_service_explain(&fx.stac->svc, "");
	plan = stas_service_plan(&fx.stac->svc, "/etc/stas/stacd.conf", conf);
	ck_assert_msg(strstr(explained, SUB3) && !strstr(explained, "DHHC-1"), "%s", explained);
	ck_assert_msg(!strstr(plan, "DHHC-1"), "%s", plan);
}
END_TEST

START_TEST(test_explain_says_when_nothing_lists_the_target)
{
	g_autofree char *json = log_pages(SUB1, NULL);
	g_autoptr(JsonObject) answer_ = NULL;

	start("", TRUE);
	soak_and_answer(json);
	answer_ = explain("nqn.2024-01.io.example:nobody");
	ck_assert_uint_eq(json_array_get_length(json_object_get_array_member(answer_, "candidates")), 0);
	ck_assert(strstr(json_object_get_string_member(answer_, "note"), "Nothing lists it"));
}
END_TEST

/* --plan: an added exclude= would disconnect SUB1; asking changes nothing. */
START_TEST(test_plan_lists_the_disconnect_and_changes_nothing)
{
	g_autofree char *json = log_pages(SUB1, SUB2);
	g_autofree char *plan = NULL;
	g_autoptr(JsonParser) parser = json_parser_new();
	StasConf *live;
	JsonObject *o;
	JsonArray *disconnect;

	start("", TRUE);
	soak_and_answer(json);
	fake_connect_ok(take_connect(SUB1), "nvme1", NULL);
	fake_connect_ok(take_connect(SUB2), "nvme2", NULL);
	live = fx.stac->svc.conf;
	plan = stas_service_plan(&fx.stac->svc, "/etc/stas/stacd.conf",
				 "[Controllers]\nexclude = nqn=" SUB1 "\n");
	ck_assert(json_parser_load_from_data(parser, plan, -1, NULL));
	o = json_node_get_object(json_parser_get_root(parser));
	disconnect = json_object_get_array_member(o, "disconnect");
	ck_assert_uint_eq(json_array_get_length(disconnect), 1);
	ck_assert_str_eq(
		json_object_get_string_member(json_array_get_object_element(disconnect, 0), "device"),
		"nvme1");
	ck_assert_uint_eq(json_array_get_length(json_object_get_array_member(o, "keep")), 1);
	ck_assert_int_eq(json_object_get_int_member(o, "disconnects"), 1);
	ck_assert_ptr_eq(fx.stac->svc.conf, live);
	ck_assert_uint_eq(n_ctrls(), 2);
	ck_assert_uint_eq(fake_count(fx.kernel, "disconnect"), 0);
	ck_assert_str_eq(stas_ctrl_device(ctrl_of(SUB1)), "nvme1");
}
END_TEST

START_TEST(test_metrics_count_connects_and_failures)
{
	g_autofree char *json = log_pages(SUB1, NULL);
	g_autofree char *metrics = NULL;

	start("", TRUE);
	soak_and_answer(json);
	fake_fail(take_connect(SUB1), "Connection refused");
	metrics = stas_service_metrics(&fx.stac->svc);
	ck_assert_msg(strstr(metrics, "# TYPE stas_controller_connect_failures_total counter\n"), "%s",
		      metrics);
	ck_assert(strstr(metrics, "stas_controller_connect_failures_total{daemon=\"stacd\",transport=\"tcp\","
				  "traddr=\"127.0.0.1\",trsvcid=\"4420\",subsysnqn=\"" SUB1 "\""));
	ck_assert(strstr(metrics, "\"} 1\n"));
	ck_assert(strstr(metrics, "stas_reconciliations_total{daemon=\"stacd\"} 1\n"));
}
END_TEST

/* ------------------------------------------------------------- reload */

static void on_reloaded(StasService *svc, gboolean in_force, gpointer data)
{
	*(int *)data = in_force ? 1 : -1;
}

/* stacd.conf becomes @conf, and the reload reads it with the same host
 * identity (files in the fixture's directory, not the machine's). */
static void reload_with(const char *conf, int *done)
{
	StasService *svc = &fx.stac->svc;
	g_autofree char *nvme = g_build_filename(fx.dir, "nvme", NULL);

	ck_assert_int_eq(g_mkdir_with_parents(nvme, 0755), 0);
	put(nvme, "hostnqn", HOSTNQN "\n");
	put(nvme, "hostid", "id\n");
	g_setenv("STAS_NVME_DIR", nvme, TRUE);
	g_setenv("STAS_CONF_DIR", fx.dir, TRUE);
	put(fx.dir, "daemon.conf", conf);
	if (!fx.logger)
		fx.logger = stas_logger_new("stacd", FALSE, stderr);
	svc->logger = fx.logger;
	stas_service_reload_then(svc, on_reloaded, done);
	g_unsetenv("STAS_NVME_DIR");
	g_unsetenv("STAS_CONF_DIR");
}

/* systemctl reload's promise: an added exclude= has disconnected its
 * controller when the reload returns, not some soak and thread later. */
START_TEST(test_reload_returns_once_the_exclusion_disconnected)
{
	g_autofree char *json = log_pages(SUB1, SUB2);
	FakeCall *disconnect;
	int done = 0;

	start("", TRUE);
	soak_and_answer(json);
	fake_connect_ok(take_connect(SUB1), "nvme1", NULL);
	fake_connect_ok(take_connect(SUB2), "nvme2", NULL);
	reload_with("[Controllers]\nexclude = nqn=" SUB2 "\n", &done);
	fake_iterate();
	ck_assert_int_eq(done, 0); /* the soak has not expired */
	soak_and_answer(json);
	disconnect = fake_take(fx.kernel, "disconnect");
	ck_assert_ptr_nonnull(disconnect);
	ck_assert_int_eq(done, 0); /* applied, but the disconnect is still running */
	fake_disconnect_done(disconnect);
	fake_iterate();
	ck_assert_int_eq(done, 1);
	ck_assert_uint_eq(n_ctrls(), 1);
	ck_assert_uint_eq(fx.stac->svc.counters.dbus_refused, 0);
}
END_TEST

/* A reload that changes nothing is in force once its reconciliation ran. */
START_TEST(test_reload_without_change_returns_after_its_reconciliation)
{
	g_autofree char *json = log_pages(SUB1, NULL);
	int done = 0;

	start("", TRUE);
	soak_and_answer(json);
	fake_connect_ok(take_connect(SUB1), "nvme1", NULL);
	reload_with("", &done);
	fake_iterate();
	ck_assert_int_eq(done, 0);
	soak_and_answer(json);
	ck_assert_int_eq(done, 1);
	ck_assert_uint_eq(fake_count(fx.kernel, "disconnect"), 0);
}
END_TEST

static Suite *stac_suite(void)
{
	Suite *s = suite_create("stac");
	TCase *restart = tcase_create("restart");
	TCase *audit = tcase_create("audit");
	TCase *explained = tcase_create("explain");
	TCase *reload = tcase_create("reload");

	tcase_add_checked_fixture(restart, setup, teardown);
	tcase_add_loop_test(restart, test_restart_without_stafd_keeps_listed_connection, 0,
			    G_N_ELEMENTS(scopes));
	tcase_add_loop_test(restart, test_restart_first_stafd_call_failing_keeps_listed_connection, 0,
			    G_N_ELEMENTS(scopes));
	tcase_add_loop_test(restart, test_restart_with_slow_stafd_keeps_listed_connection, 0,
			    G_N_ELEMENTS(scopes));
	tcase_add_test(restart, test_restart_reconnects_listed_controller_whose_device_is_gone);
	tcase_add_test(restart, test_state_records_listing_and_origin);
	tcase_add_test(restart, test_malformed_records_are_skipped);
	tcase_add_loop_test(restart, test_restart_stafd_not_read_yet_removes_nothing, 0,
			    G_N_ELEMENTS(scopes));
	tcase_add_test(restart, test_stafd_without_log_page_detail_is_authoritative);
	tcase_add_test(restart, test_daemons_keep_their_own_state_file_in_one_runtime_dir);
	suite_add_tcase(s, restart);

	tcase_add_checked_fixture(audit, setup, teardown);
	tcase_add_test(audit, test_startup_audit_waits_for_restored_controller);
	tcase_add_test(audit, test_audit_leaves_device_a_controller_can_claim);
	tcase_add_test(audit, test_audit_leaves_device_of_controller_connecting);
	tcase_add_test(audit, test_audit_adopts_the_device_it_saw_and_removes_it);
	tcase_add_loop_test(audit, test_no_audit_outside_audit_scope, 0, 2);
	suite_add_tcase(s, audit);

	tcase_add_checked_fixture(explained, setup, teardown);
	tcase_add_test(explained, test_explain_names_the_exclusion_line);
	tcase_add_test(explained, test_explain_gives_the_kernel_error_and_next_attempt);
	tcase_add_test(explained, test_explain_says_when_nothing_lists_the_target);
	tcase_add_test(explained, test_explain_and_plan_show_no_secret);
	tcase_add_test(explained, test_plan_lists_the_disconnect_and_changes_nothing);
	tcase_add_test(explained, test_metrics_count_connects_and_failures);
	suite_add_tcase(s, explained);

	tcase_add_checked_fixture(reload, setup, teardown);
	tcase_add_test(reload, test_reload_returns_once_the_exclusion_disconnected);
	tcase_add_test(reload, test_reload_without_change_returns_after_its_reconciliation);
	suite_add_tcase(s, reload);
	return s;
}

int main(void)
{
	return tu_run(stac_suite());
}
