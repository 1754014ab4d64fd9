// SPDX-License-Identifier: Apache-2.0
/*
 * org.nvmexpress.staf, stafd's main interface (generated skeleton; the
 * debug interface is the service's). Replies carry secrets (dhchap-secret,
 * dhchap-ctrl-secret) only to callers whose uid is 0; nvme-stas showed them
 * to every local user.
 */
#include "staf.h"
#include "stas/dbus-util.h"

/* --------------------------------------------------------------- replies */

static char *all_log_pages(StasStaf *staf, gboolean detailed, gboolean root)
{
	g_autoptr(GPtrArray) dcs = stas_service_ctrls(&staf->svc);
	g_autoptr(JsonNode) root_node = json_node_new(JSON_NODE_ARRAY);
	JsonArray *array = json_array_new();

	for (guint i = 0; i < dcs->len; i++) {
		StasCtrl *ctrl = g_ptr_array_index(dcs, i);
		StasDc *dc = stas_dc_from_ctrl(ctrl);
		g_autoptr(GHashTable) dict = detailed ? stas_ctrl_details(ctrl, root)
						      : stas_ctrl_id_dict(ctrl, root);

		json_array_add_element(array, stas_log_pages_element(dict, stas_dc_log_pages(dc)));
	}
	json_node_take_array(root_node, array);
	return stas_json_to_string(root_node, FALSE);
}

/* --------------------------------------------- org.nvmexpress.staf methods */

typedef struct {
	StasStaf *staf;
	gboolean detailed;
} ListCall;

static gboolean on_list_controllers(StasDbusStaf *iface, GDBusMethodInvocation *invocation, gboolean detailed,
				    gpointer data)
{
	stas_service_reply_controller_list(data, invocation, detailed);
	return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean on_get_log_pages(StasDbusStaf *iface, GDBusMethodInvocation *invocation,
				 const char *transport, const char *traddr, const char *trsvcid,
				 const char *subsysnqn, const char *host_traddr, const char *host_iface,
				 const char *host_nqn, gpointer data)
{
	StasStaf *staf = data;
	gboolean ignore_iface = stas_conf_get_bool(staf->svc.conf, STAS_OPT_IGNORE_IFACE);
	g_autoptr(StasTid) tid = stas_dbus_tid(transport, traddr, trsvcid, subsysnqn, host_traddr, host_iface,
					       host_nqn, ignore_iface);
	StasCtrl *ctrl = stas_service_lookup(&staf->svc, tid);
	GVariantBuilder builder;

	g_variant_builder_init(&builder, G_VARIANT_TYPE("aa{ss}"));
	if (ctrl) {
		const GPtrArray *entries = stas_dc_log_pages(stas_dc_from_ctrl(ctrl));

		for (guint i = 0; i < entries->len; i++)
			g_variant_builder_add_value(&builder, stas_dbus_dict(g_ptr_array_index(entries, i)));
	}
	stas_dbus_staf_complete_get_log_pages(iface, invocation, g_variant_builder_end(&builder));
	return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static void all_log_pages_for(GDBusMethodInvocation *invocation, gboolean root, gpointer data)
{
	g_autofree ListCall *call = data;
	g_autofree char *json = all_log_pages(call->staf, call->detailed, root);

	stas_dbus_staf_complete_get_all_log_pages(call->staf->iface, invocation, json);
}

static gboolean on_get_all_log_pages(StasDbusStaf *iface, GDBusMethodInvocation *invocation,
				     gboolean detailed, gpointer data)
{
	ListCall *call = g_new0(ListCall, 1);

	call->staf = data;
	call->detailed = detailed;
	stas_dbus_caller_async(invocation, all_log_pages_for, call);
	return G_DBUS_METHOD_INVOCATION_HANDLED;
}

/* ----------------------------------------------------------- export */

gboolean stas_staf_dbus_export(StasService *svc, GDBusConnection *bus, GError **error)
{
	StasStaf *staf = (StasStaf *)svc;

	staf->iface = stas_dbus_staf_skeleton_new();
	g_signal_connect(staf->iface, "handle-list-controllers", G_CALLBACK(on_list_controllers), staf);
	g_signal_connect(staf->iface, "handle-get-log-pages", G_CALLBACK(on_get_log_pages), staf);
	g_signal_connect(staf->iface, "handle-get-all-log-pages", G_CALLBACK(on_get_all_log_pages), staf);
	return g_dbus_interface_skeleton_export(G_DBUS_INTERFACE_SKELETON(staf->iface), bus,
						svc->klass->object_path, error);
}

void stas_staf_dbus_unexport(StasService *svc)
{
	StasStaf *staf = (StasStaf *)svc;

	if (staf->iface) {
		g_dbus_interface_skeleton_unexport(G_DBUS_INTERFACE_SKELETON(staf->iface));
		g_clear_object(&staf->iface);
	}
}

void stas_staf_dbus_log_pages_changed(StasStaf *staf, StasDc *dc)
{
	const StasTid *tid = stas_dc_ctrl(dc)->tid;

	if (!staf->iface)
		return;
	stas_dbus_staf_emit_log_pages_changed(staf->iface, stas_tid_transport(tid), stas_tid_traddr(tid),
					      stas_tid_trsvcid(tid), stas_tid_subsysnqn(tid),
					      stas_tid_host_traddr(tid), stas_tid_host_iface(tid),
					      stas_tid_host_nqn(tid), stas_ctrl_device(stas_dc_ctrl(dc)));
}

void stas_staf_dbus_dc_removed(StasStaf *staf)
{
	if (staf->iface)
		stas_dbus_staf_emit_dc_removed(staf->iface);
}
