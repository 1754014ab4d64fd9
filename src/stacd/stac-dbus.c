// SPDX-License-Identifier: Apache-2.0
/*
 * org.nvmexpress.stac, stacd's main interface (generated skeleton; the
 * debug interface is the service's): the list of I/O controllers, with
 * secrets only for callers whose uid is 0.
 */
#include "stac.h"
#include "stas/dbus-util.h"

typedef struct {
	StasStac *stac;
	gboolean detailed;
} ListCall;

static void list_for(GDBusMethodInvocation *invocation, gboolean root, gpointer data)
{
	g_autofree ListCall *call = data;
	g_autoptr(GPtrArray) ctrls = stas_service_ctrls(&call->stac->svc);
	GVariantBuilder builder;

	g_variant_builder_init(&builder, G_VARIANT_TYPE("aa{ss}"));
	for (guint i = 0; i < ctrls->len; i++) {
		StasCtrl *ctrl = g_ptr_array_index(ctrls, i);
		g_autoptr(GHashTable) dict = call->detailed ? stas_ctrl_details(ctrl, root)
							    : stas_ctrl_id_dict(ctrl, root);

		g_variant_builder_add_value(&builder, stas_dbus_dict(dict));
	}
	stas_dbus_stac_complete_list_controllers(call->stac->iface, invocation,
						 g_variant_builder_end(&builder));
}

static gboolean on_list_controllers(StasDbusStac *iface, GDBusMethodInvocation *invocation, gboolean detailed,
				    gpointer data)
{
	ListCall *call = g_new0(ListCall, 1);

	call->stac = data;
	call->detailed = detailed;
	stas_dbus_caller_async(invocation, list_for, call);
	return G_DBUS_METHOD_INVOCATION_HANDLED;
}

gboolean stas_stac_dbus_export(StasService *svc, GDBusConnection *bus, GError **error)
{
	StasStac *stac = (StasStac *)svc;

	stac->iface = stas_dbus_stac_skeleton_new();
	g_signal_connect(stac->iface, "handle-list-controllers", G_CALLBACK(on_list_controllers), stac);
	return g_dbus_interface_skeleton_export(G_DBUS_INTERFACE_SKELETON(stac->iface), bus,
						svc->klass->object_path, error);
}

void stas_stac_dbus_unexport(StasService *svc)
{
	StasStac *stac = (StasStac *)svc;

	if (stac->iface) {
		g_dbus_interface_skeleton_unexport(G_DBUS_INTERFACE_SKELETON(stac->iface));
		g_clear_object(&stac->iface);
	}
}
