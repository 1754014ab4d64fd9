// SPDX-License-Identifier: Apache-2.0
/*
 * The shared part of the kernel layer: request and host values, and the *_finish functions that
 * every implementation (the libnvme one, the fakes of other tests) relies on.
 */
#include <string.h>

#include "stas/kernel.h"

#include "testutil.h"

START_TEST(test_fabrics_cfg_init_leaves_everything_unset)
{
	StasFabricsCfg cfg;

	memset(&cfg, 0, sizeof(cfg));
	stas_fabrics_cfg_init(&cfg);
	ck_assert_int_eq(cfg.value[STAS_FABRICS_KATO], -1);
	ck_assert_int_eq(cfg.value[STAS_FABRICS_QUEUE_SIZE], -1);
	ck_assert_int_eq(cfg.value[STAS_FABRICS_NR_IO_QUEUES], -1);
	ck_assert_int_eq(cfg.value[STAS_FABRICS_NR_WRITE_QUEUES], -1);
	ck_assert_int_eq(cfg.value[STAS_FABRICS_NR_POLL_QUEUES], -1);
	ck_assert_int_eq(cfg.value[STAS_FABRICS_RECONNECT_DELAY], -1);
	/* -1 would mean "forever" to the kernel. */
	ck_assert_int_eq(cfg.value[STAS_FABRICS_CTRL_LOSS_TMO], STAS_UNSET);
	ck_assert_int_eq(cfg.value[STAS_FABRICS_HDR_DIGEST], -1);
	ck_assert_int_eq(cfg.value[STAS_FABRICS_DATA_DIGEST], -1);
	ck_assert_int_eq(cfg.value[STAS_FABRICS_DISABLE_SQFLOW], -1);
}
END_TEST

/* Each fabrics option is one row of the configuration table, whose name is
 * also the controller= key, of a type the request can carry. */
START_TEST(test_every_fabrics_option_has_one_configuration_row)
{
	guint rows[STAS_FABRICS_COUNT] = { 0 };

	for (StasOpt id = 0; id < STAS_OPT_COUNT; id++) {
		const StasOptDesc *desc = stas_opt_desc(id);

		if (desc->fabrics == STAS_FABRICS_NONE)
			continue;
		ck_assert_int_lt(desc->fabrics, STAS_FABRICS_COUNT);
		ck_assert(desc->type == STAS_TYPE_BOOL || desc->type == STAS_TYPE_INT);
		rows[desc->fabrics]++;
	}
	for (guint opt = STAS_FABRICS_NONE + 1; opt < STAS_FABRICS_COUNT; opt++)
		ck_assert_msg(rows[opt] == 1, "fabrics option %u has %u rows", opt, rows[opt]);
	/* only -1 is unset where -1 is no value; ctrl-loss-tmo -1 is "forever" */
	ck_assert(!stas_fabrics_is_set(STAS_FABRICS_KATO, -1));
	ck_assert(!stas_fabrics_is_set(STAS_FABRICS_KATO, -7));
	ck_assert(stas_fabrics_is_set(STAS_FABRICS_KATO, 0));
	ck_assert(stas_fabrics_is_set(STAS_FABRICS_CTRL_LOSS_TMO, -1));
	ck_assert(!stas_fabrics_is_set(STAS_FABRICS_CTRL_LOSS_TMO, STAS_UNSET));
}
END_TEST

START_TEST(test_connect_request_clear_frees_and_resets)
{
	StasConnectRequest req = { 0 };

	req.transport = g_strdup("tcp");
	req.traddr = g_strdup("10.0.0.1");
	req.trsvcid = g_strdup("4420");
	req.subsysnqn = g_strdup("nqn.x");
	req.host_traddr = g_strdup("10.0.0.2");
	req.host_iface = g_strdup("eth0");
	req.discovery = TRUE;
	req.dhchap_secret = g_strdup("DHHC-1:00:secret:");
	req.dhchap_ctrl_secret = g_strdup("DHHC-1:00:other:");
	req.cfg.value[STAS_FABRICS_KATO] = 30;
	stas_connect_request_clear(&req);
	ck_assert_ptr_null(req.transport);
	ck_assert_ptr_null(req.traddr);
	ck_assert_ptr_null(req.trsvcid);
	ck_assert_ptr_null(req.subsysnqn);
	ck_assert_ptr_null(req.host_traddr);
	ck_assert_ptr_null(req.host_iface);
	ck_assert_ptr_null(req.dhchap_secret);
	ck_assert_ptr_null(req.dhchap_ctrl_secret);
	ck_assert(!req.discovery);
	ck_assert_int_eq(req.cfg.value[STAS_FABRICS_KATO], -1);
	ck_assert_int_eq(req.cfg.value[STAS_FABRICS_CTRL_LOSS_TMO], STAS_UNSET);
	/* Clearing twice, or an empty request, is harmless. */
	stas_connect_request_clear(&req);
}
END_TEST

START_TEST(test_connect_request_auto_clear)
{
	g_auto(StasConnectRequest) req = { 0 };

	req.dhchap_secret = g_strdup("DHHC-1:00:secret:");
	req.subsysnqn = g_strdup("nqn.x");
}
END_TEST

START_TEST(test_host_copy_is_deep_and_clear_resets)
{
	StasKernelHost src = { "nqn.host", "id", "key", NULL };
	StasKernelHost dst;

	stas_kernel_host_copy(&dst, &src);
	ck_assert_str_eq(dst.hostnqn, "nqn.host");
	ck_assert_ptr_ne(dst.hostnqn, src.hostnqn);
	ck_assert_str_eq(dst.hostid, "id");
	ck_assert_str_eq(dst.hostkey, "key");
	ck_assert_ptr_ne(dst.hostkey, src.hostkey);
	ck_assert_ptr_null(dst.symname);
	stas_kernel_host_clear(&dst);
	ck_assert_ptr_null(dst.hostnqn);
	ck_assert_ptr_null(dst.hostid);
	ck_assert_ptr_null(dst.hostkey);
	ck_assert_ptr_null(dst.symname);
	stas_kernel_host_clear(&dst);
}
END_TEST

START_TEST(test_free_functions_accept_null)
{
	stas_ctrl_device_free(NULL);
	stas_kernel_free(NULL);
}
END_TEST

static int fake_frees;

static void fake_free(StasKernel *k)
{
	fake_frees++;
	g_free(k);
}

static const StasKernelOps fake_ops = { .free = fake_free };

START_TEST(test_kernel_free_calls_the_implementation)
{
	StasKernel *k = g_new0(StasKernel, 1);

	k->ops = &fake_ops;
	fake_frees = 0;
	stas_kernel_free(k);
	ck_assert_int_eq(fake_frees, 1);
}
END_TEST

/* ------------------------------------------------------------ finish functions */

static void on_done(GObject *source, GAsyncResult *res, gpointer data)
{
	GAsyncResult **out = data;

	*out = g_object_ref(res);
}

/* Completes a task the way implementations do (no source object) and waits for it. */
static GAsyncResult *complete(GCancellable *cancellable, void (*ret)(GTask *task))
{
	GAsyncResult *res = NULL;
	g_autoptr(GTask) task = g_task_new(NULL, cancellable, on_done, &res);

	ret(task);
	while (!res)
		g_main_context_iteration(NULL, TRUE);
	return res;
}

static void return_device(GTask *task)
{
	StasCtrlDevice *dev = g_new0(StasCtrlDevice, 1);

	dev->device = g_strdup("nvme3");
	dev->dctype = g_strdup("cdc");
	dev->cntrltype = g_strdup("discovery");
	dev->registration_supported = TRUE;
	g_task_return_pointer(task, dev, (GDestroyNotify)stas_ctrl_device_free);
}

static void return_status(GTask *task)
{
	g_task_return_pointer(task, g_strdup("Status:0x0002 - bad"), g_free);
}

static void return_null(GTask *task)
{
	g_task_return_pointer(task, NULL, NULL);
}

static void return_flags(GTask *task)
{
	g_task_return_int(task, STAS_DISC_PLEOS | STAS_DISC_EXTDLPES);
}

static void return_failure(GTask *task)
{
	g_task_return_new_error(task, STAS_KERNEL_ERROR, STAS_KERNEL_ERROR_NO_DEVICE, "gone");
}

static void return_log(GTask *task)
{
	GPtrArray *log = g_ptr_array_new_with_free_func((GDestroyNotify)g_hash_table_unref);

	g_ptr_array_add(log, g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free));
	g_task_return_pointer(task, stas_discovery_log_new(7, log), (GDestroyNotify)stas_discovery_log_free);
}

static void return_true(GTask *task)
{
	g_task_return_boolean(task, TRUE);
}

START_TEST(test_device_finish)
{
	g_autoptr(GAsyncResult) ok = complete(NULL, return_device);
	g_autoptr(GAsyncResult) bad = complete(NULL, return_failure);
	g_autoptr(StasCtrlDevice) dev = NULL;
	g_autoptr(GError) error = NULL;

	dev = stas_kernel_device_finish(ok, NULL);
	ck_assert_str_eq(dev->device, "nvme3");
	ck_assert(dev->registration_supported);
	ck_assert_ptr_null(stas_kernel_device_finish(bad, &error));
	ck_assert(g_error_matches(error, STAS_KERNEL_ERROR, STAS_KERNEL_ERROR_NO_DEVICE));
}
END_TEST

START_TEST(test_register_finish_tells_success_from_status_and_failure)
{
	g_autoptr(GAsyncResult) status = complete(NULL, return_status);
	g_autoptr(GAsyncResult) success = complete(NULL, return_null);
	g_autoptr(GAsyncResult) failure = complete(NULL, return_failure);
	g_autofree char *text = NULL;
	char *none = (char *)"untouched";
	char *after_failure = (char *)"untouched";
	g_autoptr(GError) error = NULL;

	ck_assert(stas_kernel_register_finish(status, &text, NULL));
	ck_assert_str_eq(text, "Status:0x0002 - bad");
	ck_assert(stas_kernel_register_finish(success, &none, NULL));
	ck_assert_ptr_null(none);
	ck_assert(!stas_kernel_register_finish(failure, &after_failure, &error));
	ck_assert_ptr_null(after_failure);
	ck_assert_ptr_nonnull(error);
}
END_TEST

START_TEST(test_register_finish_without_status_pointer)
{
	g_autoptr(GAsyncResult) status = complete(NULL, return_status);

	ck_assert(stas_kernel_register_finish(status, NULL, NULL));
}
END_TEST

START_TEST(test_flags_log_and_disconnect_finish)
{
	g_autoptr(GAsyncResult) flags = complete(NULL, return_flags);
	g_autoptr(GAsyncResult) flags_bad = complete(NULL, return_failure);
	g_autoptr(GAsyncResult) log = complete(NULL, return_log);
	g_autoptr(GAsyncResult) done = complete(NULL, return_true);
	g_autoptr(GAsyncResult) not_done = complete(NULL, return_failure);
	g_autoptr(StasDiscoveryLog) entries = NULL;
	g_autoptr(GError) e1 = NULL;
	g_autoptr(GError) e2 = NULL;

	ck_assert_uint_eq(stas_kernel_flags_finish(flags, NULL), STAS_DISC_PLEOS | STAS_DISC_EXTDLPES);
	ck_assert_uint_eq(stas_kernel_flags_finish(flags_bad, &e1), 0);
	ck_assert_ptr_nonnull(e1);
	entries = stas_kernel_log_finish(log, NULL);
	ck_assert_uint_eq(entries->genctr, 7);
	ck_assert_uint_eq(entries->entries->len, 1);
	ck_assert(stas_kernel_disconnect_finish(done, NULL));
	ck_assert(!stas_kernel_disconnect_finish(not_done, &e2));
	ck_assert_ptr_nonnull(e2);
}
END_TEST

static GCancellable *cancel_me;

static void cancel_then_return_device(GTask *task)
{
	/* Cancelled after the operation ran: the result is dropped, not leaked. */
	g_cancellable_cancel(cancel_me);
	return_device(task);
}

START_TEST(test_cancelled_task_reports_cancelled_even_with_a_result)
{
	g_autoptr(GCancellable) cancellable = g_cancellable_new();
	g_autoptr(GAsyncResult) res = NULL;
	g_autoptr(GError) error = NULL;

	cancel_me = cancellable;
	res = complete(cancellable, cancel_then_return_device);
	ck_assert_ptr_null(stas_kernel_device_finish(res, &error));
	ck_assert(g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED));
}
END_TEST

int main(void)
{
	Suite *suite = suite_create("kernel");
	TCase *values = tcase_create("values");
	TCase *finish = tcase_create("finish");

	tcase_add_test(values, test_fabrics_cfg_init_leaves_everything_unset);
	tcase_add_test(values, test_every_fabrics_option_has_one_configuration_row);
	tcase_add_test(values, test_connect_request_clear_frees_and_resets);
	tcase_add_test(values, test_connect_request_auto_clear);
	tcase_add_test(values, test_host_copy_is_deep_and_clear_resets);
	tcase_add_test(values, test_free_functions_accept_null);
	tcase_add_test(values, test_kernel_free_calls_the_implementation);
	suite_add_tcase(suite, values);

	tcase_add_test(finish, test_device_finish);
	tcase_add_test(finish, test_register_finish_tells_success_from_status_and_failure);
	tcase_add_test(finish, test_register_finish_without_status_pointer);
	tcase_add_test(finish, test_flags_log_and_disconnect_finish);
	tcase_add_test(finish, test_cancelled_task_reports_cancelled_even_with_a_result);
	suite_add_tcase(suite, finish);
	return tu_run(suite);
}
