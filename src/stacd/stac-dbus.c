// SPDX-License-Identifier: Apache-2.0
/*
 * org.nvmexpress.stac, stacd's main interface (generated skeleton; the
 * debug interface is the service's): the list of I/O controllers, with
 * secrets only for callers whose uid is 0.
 */
#include "stac.h"
#include "stas/dbus-util.h"

static gboolean on_list_controllers(StasDbusStac *iface, GDBusMethodInvocation *invocation, gboolean detailed,
				    gpointer data)
{
	stas_service_reply_controller_list(data, invocation, detailed);
	return G_DBUS_METHOD_INVOCATION_HANDLED;
}

gboolean stas_stac_dbus_export(StasService *svc, GDBusConnection *bus, GError **error)
{
	StasStac *stac = (StasStac *)svc;

	stac->iface = stas_dbus_stac_skeleton_new();
	g_signal_connect(stac->iface, "handle-list-controllers", G_CALLBACK(on_list_controllers), svc);
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
