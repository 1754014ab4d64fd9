// SPDX-License-Identifier: Apache-2.0
/*
 * stafd's handling of events of devices it does not manage (review-stafd
 * L5): the event of a DC device that one of stafd's own DCs is connecting
 * to or adopting is stafd's, not nvme-cli's, and must not be handed to
 * nvme-cli's autoconnect (which would connect the DC a second time); the
 * event of a DC nobody here wants is. The service is built by hand around
 * the fake kernel and a fake sysfs tree; systemctl is a script of the test's
 * that records what it was asked.
 */
#include <glib/gstdio.h>
#include <unistd.h>

#include "fake-kernel.h"
#include "fake-sysfs.h"
#include "staf.h"
#include "testutil.h"

typedef struct {
	char *dir;   /* sysfs root, bin/, configuration, state */
	char *calls; /* what the fake systemctl was asked, one line per call */
	FakeKernel *kernel;
	StasStaf *staf;
	guint forwarded; /* "handing its event to" log lines */
} Fixture;

static Fixture fx;

/* Counts the forwards as stafd logs them, before it spawns systemctl. */
static void on_log(const char *domain, GLogLevelFlags level, const char *message, gpointer data)
{
	if (strstr(message, "handing its event to"))
		fx.forwarded++;
}

/* stafd as stas_staf_new() makes it, without avahi and D-Bus. */
static void start(const char *conf)
{
	StasStaf *staf = g_new0(StasStaf, 1);

	fx.kernel = fake_kernel_new();
	fake_service_init(&staf->svc, stas_staf_class(), fx.kernel, fx.dir, conf, HOSTNQN);
	fx.staf = staf;
}

static void reconcile(void)
{
	StasService *svc = &fx.staf->svc;
	const GPtrArray *entries = stas_conf_get_controllers(svc->conf);
	g_autoptr(GPtrArray) configured = g_ptr_array_new_with_free_func((GDestroyNotify)stas_tid_unref);

	for (guint i = 0; i < entries->len; i++)
		g_ptr_array_add(configured,
				stas_service_tid(
					svc, ((const StasCtrlEntry *)g_ptr_array_index(entries, i))->values));
	svc->klass->reconcile(svc, configured);
	fake_iterate();
}

/* A DC device @name at 127.0.0.1:@trsvcid, as the kernel shows it. */
static void sysfs_dc(const char *name, const char *trsvcid)
{
	g_autofree char *address = g_strdup_printf("traddr=127.0.0.1,trsvcid=%s,src_addr=127.0.0.1", trsvcid);
	const FakeCtrl dc = {
		.trtype = "tcp",
		.traddr = "127.0.0.1",
		.trsvcid = trsvcid,
		.host_traddr = "none",
		.host_iface = "none",
		.subsysnqn = WKNQN,
		.hostnqn = HOSTNQN,
		.cntrltype = "discovery",
		.address = address,
	};

	fake_ctrl(fx.dir, name, &dc);
}

/* The kernel's discovery-change AEN of @name, as udev delivers it. */
static void aen(const char *name)
{
	g_autoptr(GHashTable) props = dict_new("NVME_AEN", "0x70f002", "NVME_TRTYPE", "tcp", "NVME_TRADDR",
					       "127.0.0.1", NULL);
	StasUevent event = { "change", name, props };
	StasService *svc = &fx.staf->svc;

	svc->klass->uevent(svc, stas_service_lookup_device(svc, name), &event);
}

/* Waits (at most 5 s) for the fake systemctl to have been called @n times;
 * returns how many times it was. */
static guint systemctl_calls(guint n)
{
	for (guint i = 0; i < 500; i++) {
		g_autofree char *text = NULL;
		guint lines = 0;

		fake_iterate();
		if (g_file_get_contents(fx.calls, &text, NULL, NULL))
			for (const char *p = text; (p = strchr(p, '\n')); p++)
				lines++;
		if (lines >= n)
			return lines;
		g_usleep(10000);
	}
	return 0;
}

static void setup(void)
{
	g_autofree char *bin = NULL;
	g_autofree char *script = NULL;
	g_autofree char *path = NULL;

	memset(&fx, 0, sizeof(fx));
	fx.dir = tu_tmpdir();
	bin = g_build_filename(fx.dir, "bin", NULL);
	g_mkdir(bin, 0755);
	fx.calls = g_build_filename(fx.dir, "systemctl.calls", NULL);
	script = g_strdup_printf("#!/bin/sh\necho \"$*\" >>'%s'\n", fx.calls);
	path = tu_write(bin, "systemctl", script, -1);
	g_chmod(path, 0755);
	g_setenv("PATH", bin, TRUE);
	g_log_set_handler(G_LOG_DOMAIN, G_LOG_LEVEL_MASK, on_log, NULL);
}

static void teardown(void)
{
	fake_service_free(&fx.staf->svc);
	tu_rmtree(fx.dir);
	g_free(fx.dir);
	g_free(fx.calls);
}

/* review-stafd L5: the device of the DC stafd is connecting to is not
 * managed yet, but its AEN is stafd's. */
START_TEST(test_aen_of_a_dc_being_connected_is_not_forwarded)
{
	start("[Controllers]\ncontroller = transport=tcp;traddr=127.0.0.1;trsvcid=8009\n");
	reconcile();
	ck_assert_uint_eq(fake_count(fx.kernel, "connect"), 1); /* in flight */
	sysfs_dc("nvme4", "8009"); /* the kernel made it; the result is not back yet */
	aen("nvme4");
	ck_assert_uint_eq(fx.forwarded, 0);
}
END_TEST

/* A DC nobody here wants is nvme-cli's: its AEN goes to nvmf-connect@. */
START_TEST(test_aen_of_a_stranger_dc_is_forwarded)
{
	g_autofree char *text = NULL;

	start("[Controllers]\ncontroller = transport=tcp;traddr=127.0.0.1;trsvcid=8009\n");
	reconcile();
	sysfs_dc("nvme7", "8010");
	aen("nvme7");
	ck_assert_uint_eq(fx.forwarded, 1);
	ck_assert_uint_eq(systemctl_calls(1), 1);
	ck_assert(g_file_get_contents(fx.calls, &text, NULL, NULL));
	ck_assert_ptr_nonnull(strstr(text, "restart nvmf-connect@"));
	ck_assert_ptr_nonnull(strstr(text, "nvme7"));
}
END_TEST

/* A stop before the first reconciliation (a DC restored from the last-known
 * state, persistent-connections = false) asked whether the NBFT names the DC
 * before the NBFT was read, and crashed. */
START_TEST(test_stop_before_the_first_reconciliation)
{
	g_autoptr(GHashTable) cid = g_hash_table_new(g_str_hash, g_str_equal);
	g_autoptr(StasTid) tid = NULL;
	StasCtrl *ctrl;

	start("[Discovery controller connection management]\npersistent-connections = false\n");
	g_hash_table_insert(cid, "transport", "tcp");
	g_hash_table_insert(cid, "traddr", "127.0.0.1");
	g_hash_table_insert(cid, "trsvcid", "8009");
	g_hash_table_insert(cid, "subsysnqn", "nqn.2014-08.org.nvmexpress.discovery");
	tid = stas_service_tid(&fx.staf->svc, cid);
	ctrl = fx.staf->svc.klass->new_ctrl(&fx.staf->svc, tid);
	stas_service_add(&fx.staf->svc, ctrl);
	ck_assert(!fx.staf->svc.klass->keep_on_stop(&fx.staf->svc, ctrl));
}
END_TEST

/* explain names the DC whose log page lists a referral, as its origin. */
START_TEST(test_a_referral_names_its_referrer)
{
	g_autofree char *json = NULL;

	start("[Controllers]\ncontroller = transport=tcp;traddr=127.0.0.1;trsvcid=8009\n");
	reconcile();
	fake_connect_ok(fake_take(fx.kernel, "connect"), "nvme1", "none");
	fake_supported_done(fake_take(fx.kernel, "supported"), 0);
	fake_log_done(fake_take(fx.kernel, "get_log"), (const char *const[]){ "referral:10.0.0.2", NULL });
	reconcile();
	json = stas_service_explain(&fx.staf->svc, "10.0.0.2");
	ck_assert_msg(strstr(json, "referral in the log page of (tcp, 127.0.0.1, 8009, " WKNQN), "%s", json);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("staf");
	TCase *tc = tcase_create("uevents");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_aen_of_a_dc_being_connected_is_not_forwarded);
	tcase_add_test(tc, test_aen_of_a_stranger_dc_is_forwarded);
	tcase_add_test(tc, test_stop_before_the_first_reconciliation);
	tcase_add_test(tc, test_a_referral_names_its_referrer);
	suite_add_tcase(s, tc);
	return tu_run(s);
}
