// SPDX-License-Identifier: Apache-2.0
/* The test kernel layer: queue every call, complete it when the test says. */
#include <string.h>

#include "fake-kernel.h"
#include "testutil.h"

static FakeCall *queue(FakeKernel *k, const char *op, const char *device, GCancellable *cancellable,
		       GAsyncReadyCallback cb, gpointer data)
{
	FakeCall *call = g_new0(FakeCall, 1);

	call->op = g_strdup(op);
	call->device = g_strdup(device);
	call->task = g_task_new(NULL, cancellable, cb, data);
	g_queue_push_tail(k->calls, call);
	return call;
}

static void fake_connect(StasKernel *k, const StasKernelHost *host, const StasConnectRequest *req,
			 GCancellable *cancellable, GAsyncReadyCallback cb, gpointer data)
{
	/* As the real kernel layer: a connect that completes is reported, cancelled or not. */
	FakeCall *call = queue((FakeKernel *)k, "connect", NULL, cancellable, cb, data);

	g_task_set_check_cancellable(call->task, FALSE);
	stas_connect_request_copy(&call->req, req);
}

static void fake_attach(StasKernel *k, const char *device, GCancellable *c, GAsyncReadyCallback cb,
			gpointer d)
{
	queue((FakeKernel *)k, "attach", device, c, cb, d);
}

static void fake_register(StasKernel *k, const StasKernelHost *host, const char *device, StasDimTask tas,
			  GCancellable *c, GAsyncReadyCallback cb, gpointer d)
{
	FakeCall *call = queue((FakeKernel *)k, "register", device, c, cb, d);

	call->tas = tas;
	call->symname = g_strdup(host->symname);
}

static void fake_supported(StasKernel *k, const char *device, GCancellable *c, GAsyncReadyCallback cb,
			   gpointer d)
{
	queue((FakeKernel *)k, "supported", device, c, cb, d);
}

static void fake_get_log(StasKernel *k, const char *device, int lsp, gint64 known_genctr, GCancellable *c,
			 GAsyncReadyCallback cb, gpointer d)
{
	FakeCall *call = queue((FakeKernel *)k, "get_log", device, c, cb, d);

	call->lsp = lsp;
	call->known_genctr = known_genctr;
}

static void fake_disconnect(StasKernel *k, const char *device, GCancellable *c, GAsyncReadyCallback cb,
			    gpointer d)
{
	queue((FakeKernel *)k, "disconnect", device, c, cb, d);
}

static char *fake_find_existing(StasKernel *k, const StasTid *tid, gboolean discovery,
				StasDeviceOwnedFunc owned, gpointer owned_data)
{
	const char *existing = ((FakeKernel *)k)->existing;

	return existing && !(owned && owned(existing, owned_data)) ? g_strdup(existing) : NULL;
}

static void fake_free(StasKernel *k)
{
	FakeKernel *fk = (FakeKernel *)k;

	g_queue_free_full(fk->calls, (GDestroyNotify)fake_call_free);
	g_free(fk->existing);
	g_free(fk);
}

static const StasKernelOps fake_ops = {
	.connect = fake_connect,
	.attach = fake_attach,
	.dim = fake_register,
	.supported_log_pages = fake_supported,
	.get_discovery_log = fake_get_log,
	.disconnect = fake_disconnect,
	.find_existing = fake_find_existing,
	.free = fake_free,
};

FakeKernel *fake_kernel_new(void)
{
	FakeKernel *k = g_new0(FakeKernel, 1);

	k->parent.ops = &fake_ops;
	k->calls = g_queue_new();
	return k;
}

void fake_iterate(void)
{
	while (g_main_context_iteration(NULL, FALSE))
		;
}

guint fake_count(FakeKernel *k, const char *op)
{
	guint n = 0;

	for (GList *l = k->calls->head; l; l = l->next)
		n += !op || g_str_equal(((FakeCall *)l->data)->op, op);
	return n;
}

FakeCall *fake_take(FakeKernel *k, const char *op)
{
	for (GList *l = k->calls->head; l; l = l->next) {
		FakeCall *call = l->data;

		if (g_str_equal(call->op, op)) {
			g_queue_delete_link(k->calls, l);
			return call;
		}
	}
	ck_abort_msg("no pending %s call", op);
	return NULL;
}

void fake_call_free(FakeCall *call)
{
	if (call->task)
		g_object_unref(call->task);
	stas_connect_request_clear(&call->req);
	g_free(call->op);
	g_free(call->device);
	g_free(call->symname);
	g_free(call);
}

static void finish(FakeCall *call)
{
	fake_call_free(call);
	fake_iterate();
}

void fake_connect_ok(FakeCall *call, const char *device, const char *dctype)
{
	StasCtrlDevice *dev = g_new0(StasCtrlDevice, 1);

	dev->device = g_strdup(device ? device : call->device);
	dev->dctype = g_strdup(dctype);
	dev->cntrltype = g_strdup("discovery");
	dev->registration_supported = g_strcmp0(dctype, "ddc") == 0 || g_strcmp0(dctype, "cdc") == 0;
	g_task_return_pointer(call->task, dev, (GDestroyNotify)stas_ctrl_device_free);
	finish(call);
}

void fake_fail(FakeCall *call, const char *message)
{
	g_task_return_new_error(call->task, STAS_KERNEL_ERROR, STAS_KERNEL_ERROR_FAILED, "%s", message);
	finish(call);
}

void fake_register_done(FakeCall *call, const char *status)
{
	g_task_return_pointer(call->task, g_strdup(status), g_free);
	finish(call);
}

void fake_supported_done(FakeCall *call, guint flags)
{
	g_task_return_int(call->task, flags);
	finish(call);
}

void fake_log_done(FakeCall *call, const char *const *entries)
{
	fake_log_done_at(call, 1, entries);
}

void fake_log_unchanged(FakeCall *call)
{
	ck_assert_int_ge(call->known_genctr, 0);
	g_task_return_pointer(call->task, stas_discovery_log_new((guint64)call->known_genctr, NULL),
			      (GDestroyNotify)stas_discovery_log_free);
	finish(call);
}

void fake_log_done_at(FakeCall *call, guint64 genctr, const char *const *entries)
{
	GPtrArray *list = g_ptr_array_new_with_free_func((GDestroyNotify)g_hash_table_unref);

	for (guint i = 0; entries && entries[i]; i++) {
		g_auto(GStrv) parts = g_strsplit(entries[i], ":", 2);
		GHashTable *dlpe = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);

		g_hash_table_insert(dlpe, g_strdup("trtype"), g_strdup("tcp"));
		g_hash_table_insert(dlpe, g_strdup("subtype"), g_strdup(parts[0]));
		g_hash_table_insert(dlpe, g_strdup("traddr"), g_strdup(parts[1]));
		g_hash_table_insert(dlpe, g_strdup("trsvcid"), g_strdup("4420"));
		g_hash_table_insert(dlpe, g_strdup("subnqn"), g_strdup_printf("nqn.test:%s", parts[1]));
		g_ptr_array_add(list, dlpe);
	}
	g_task_return_pointer(call->task, stas_discovery_log_new(genctr, list),
			      (GDestroyNotify)stas_discovery_log_free);
	finish(call);
}

void fake_disconnect_done(FakeCall *call)
{
	g_task_return_boolean(call->task, TRUE);
	finish(call);
}

void fake_discard(FakeCall *call)
{
	g_task_return_new_error(call->task, G_IO_ERROR, G_IO_ERROR_CANCELLED, "discarded by the test");
	finish(call);
}

void fake_drain(FakeKernel *k)
{
	FakeCall *call;

	while ((call = g_queue_pop_head(k->calls)))
		fake_discard(call);
}

void fake_env_init(FakeEnv *fe, StasDaemon daemon)
{
	memset(fe, 0, sizeof(*fe));
	fe->daemon = daemon;
	fe->dir = tu_tmpdir();
	fe->kernel = fake_kernel_new();
	fe->env.kernel = &fe->kernel->parent;
	fe->env.host.hostnqn = g_strdup("nqn.2014-08.org.nvmexpress:uuid:test");
	fe->env.host.hostid = g_strdup("id");
	fe->env.support = (StasKernelSupport){ TRUE, TRUE, TRUE, TRUE };
	fe->env.sysfs_root = fe->dir; /* no controllers there */
	fake_env_use_conf(fe, "");
}

void fake_env_use_conf(FakeEnv *fe, const char *text)
{
	g_autofree char *path = tu_write(fe->dir, "daemon.conf", text, -1);

	stas_conf_free(fe->env.conf);
	fe->env.conf = stas_conf_load(fe->daemon, path, NULL, NULL);
}

void fake_env_clear(FakeEnv *fe)
{
	fake_iterate();
	fake_drain(fe->kernel);
	stas_kernel_free(fe->env.kernel);
	stas_kernel_host_clear(&fe->env.host);
	stas_conf_free(fe->env.conf);
	tu_rmtree(fe->dir);
	g_free(fe->dir);
}

static gboolean on_soak(gpointer data)
{
	return G_SOURCE_REMOVE;
}

void fake_service_init(StasService *svc, const StasServiceClass *klass, FakeKernel *kernel, const char *dir,
		       const char *conf_text, const char *hostnqn)
{
	g_autofree char *path = tu_write(dir, "daemon.conf", conf_text, -1);

	svc->klass = klass;
	svc->ctrls = g_hash_table_new_full(stas_tid_hash, stas_tid_equal, (GDestroyNotify)stas_tid_unref,
					   (GDestroyNotify)stas_ctrl_unref);
	svc->terminator = stas_terminator_new();
	svc->soak = stas_timer_new(STAS_SOAK_QUIET_S, on_soak, svc);
	stas_service_reconcile_init(svc);
	svc->state_path = g_build_filename(dir, "last-known-config.json", NULL);
	svc->conf_path = g_strdup(path);
	svc->conf = stas_conf_load(klass->daemon, path, NULL, NULL);
	svc->env.conf = svc->conf;
	svc->env.kernel = &kernel->parent;
	svc->env.host.hostnqn = g_strdup(hostnqn);
	svc->env.host.hostid = g_strdup("id");
	svc->env.support = (StasKernelSupport){ TRUE, TRUE, TRUE, TRUE };
	svc->env.sysfs_root = dir;
	svc->env.device_owned = stas_service_device_owned;
	svc->env.device_owned_data = svc;
}

void fake_service_free(StasService *svc)
{
	g_autoptr(GPtrArray) ctrls = stas_service_ctrls(svc);

	for (guint i = 0; i < ctrls->len; i++)
		stas_ctrl_stop(g_ptr_array_index(ctrls, i));
	fake_iterate();
	fake_drain((FakeKernel *)svc->env.kernel);
	fake_iterate();
	stas_service_free(svc);
}
