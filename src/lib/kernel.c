// SPDX-License-Identifier: Apache-2.0
/*
 * The parts of the kernel layer (kernel.h) that every implementation shares: the values that
 * travel between a controller and its kernel (requests, hosts, devices) and the *_finish
 * functions, which only need the GTask each implementation completes.
 */
#include <string.h>

#include "stas/kernel.h"

/* Written out rather than G_DEFINE_QUARK: clang-format would space the hyphens of its
 * argument, and the domain name appears in logs. */
GQuark stas_kernel_error_quark(void)
{
	return g_quark_from_static_string("stas-kernel-error-quark");
}

/* Secrets are overwritten before their memory goes back to the allocator, where a later
 * allocation (or a core dump) could otherwise still show them. */
static void free_secret(char *secret)
{
	if (secret) {
		memset(secret, 0, strlen(secret));
		g_free(secret);
	}
}

void stas_connect_request_copy(StasConnectRequest *dst, const StasConnectRequest *src)
{
	*dst = *src;
	dst->transport = g_strdup(src->transport);
	dst->traddr = g_strdup(src->traddr);
	dst->trsvcid = g_strdup(src->trsvcid);
	dst->subsysnqn = g_strdup(src->subsysnqn);
	dst->host_traddr = g_strdup(src->host_traddr);
	dst->host_iface = g_strdup(src->host_iface);
	dst->dhchap_secret = g_strdup(src->dhchap_secret);
	dst->dhchap_ctrl_secret = g_strdup(src->dhchap_ctrl_secret);
	dst->tls_key = g_strdup(src->tls_key);
}

void stas_connect_request_clear(StasConnectRequest *req)
{
	g_free(req->transport);
	g_free(req->traddr);
	g_free(req->trsvcid);
	g_free(req->subsysnqn);
	g_free(req->host_traddr);
	g_free(req->host_iface);
	free_secret(req->dhchap_secret);
	free_secret(req->dhchap_ctrl_secret);
	free_secret(req->tls_key);
	memset(req, 0, sizeof(*req));
	/* Cleared means reusable: an all-zero cfg would read as "kato 0, digests off". */
	stas_fabrics_cfg_init(&req->cfg);
}

void stas_ctrl_device_free(StasCtrlDevice *dev)
{
	if (!dev)
		return;
	g_free(dev->device);
	g_free(dev->dctype);
	g_free(dev->cntrltype);
	g_free(dev);
}

void stas_kernel_free(StasKernel *k)
{
	if (k)
		k->ops->free(k);
}

const char *stas_dim_task_name(StasDimTask tas)
{
	static const char *const names[] = { "register", "deregister", "update" };

	return (guint)tas < G_N_ELEMENTS(names) ? names[tas] : "unknown";
}

void stas_kernel_host_clear(StasKernelHost *host)
{
	g_free(host->hostnqn);
	g_free(host->hostid);
	free_secret(host->hostkey);
	g_free(host->symname);
	memset(host, 0, sizeof(*host));
}

/* @dst is overwritten as it is: clear it first if it held values. */
void stas_kernel_host_copy(StasKernelHost *dst, const StasKernelHost *src)
{
	dst->hostnqn = g_strdup(src->hostnqn);
	dst->hostid = g_strdup(src->hostid);
	dst->hostkey = g_strdup(src->hostkey);
	dst->symname = g_strdup(src->symname);
}

/* Every implementation completes a GTask with no source object, so a result from anything else
 * is a programming error that g_return_val_if_fail reports. */
StasCtrlDevice *stas_kernel_device_finish(GAsyncResult *res, GError **error)
{
	g_return_val_if_fail(g_task_is_valid(res, NULL), NULL);
	return g_task_propagate_pointer(G_TASK(res), error);
}

gboolean stas_kernel_register_finish(GAsyncResult *res, char **status, GError **error)
{
	g_autoptr(GError) local = NULL;
	char *text;

	g_return_val_if_fail(g_task_is_valid(res, NULL), FALSE);
	/* NULL is both "DIM succeeded" and "failed": only the error tells them apart. */
	text = g_task_propagate_pointer(G_TASK(res), &local);
	if (local) {
		g_propagate_error(error, g_steal_pointer(&local));
		if (status)
			*status = NULL;
		return FALSE;
	}
	if (status)
		*status = text;
	else
		g_free(text);
	return TRUE;
}

guint stas_kernel_flags_finish(GAsyncResult *res, GError **error)
{
	gssize flags;

	g_return_val_if_fail(g_task_is_valid(res, NULL), 0);
	flags = g_task_propagate_int(G_TASK(res), error);
	return flags < 0 ? 0 : (guint)flags;
}

StasDiscoveryLog *stas_discovery_log_new(guint64 genctr, GPtrArray *entries)
{
	StasDiscoveryLog *log = g_new0(StasDiscoveryLog, 1);

	log->genctr = genctr;
	log->entries = entries;
	return log;
}

void stas_discovery_log_free(StasDiscoveryLog *log)
{
	if (!log)
		return;
	g_clear_pointer(&log->entries, g_ptr_array_unref);
	g_free(log);
}

StasDiscoveryLog *stas_kernel_log_finish(GAsyncResult *res, GError **error)
{
	g_return_val_if_fail(g_task_is_valid(res, NULL), NULL);
	return g_task_propagate_pointer(G_TASK(res), error);
}

gboolean stas_kernel_disconnect_finish(GAsyncResult *res, GError **error)
{
	g_return_val_if_fail(g_task_is_valid(res, NULL), FALSE);
	return g_task_propagate_boolean(G_TASK(res), error);
}
