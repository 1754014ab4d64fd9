// SPDX-License-Identifier: Apache-2.0
/*
 * stacctl: asks stacd, over D-Bus, about the I/O controllers it manages, and turns its
 * tracing on and off.
 */
#include "ctl.h"
#include "stas-dbus.h"
#include "stas/names.h"

/* The proxies neither read properties nor watch signals: every call is synchronous and the
 * properties are read explicitly. */
#define PROXY_FLAGS (G_DBUS_PROXY_FLAGS_DO_NOT_LOAD_PROPERTIES | G_DBUS_PROXY_FLAGS_DO_NOT_CONNECT_SIGNALS)

static GDBusProxy *main_proxy_new(GError **error)
{
	return G_DBUS_PROXY(stas_dbus_stac_proxy_new_for_bus_sync(
		G_BUS_TYPE_SYSTEM, PROXY_FLAGS, STAS_STAC_BUS_NAME, STAS_STAC_OBJECT_PATH, NULL, error));
}

static GDBusProxy *debug_proxy_new(GError **error)
{
	return G_DBUS_PROXY(stas_dbus_stac_debug_proxy_new_for_bus_sync(
		G_BUS_TYPE_SYSTEM, PROXY_FLAGS, STAS_STAC_BUS_NAME, STAS_STAC_OBJECT_PATH, NULL, error));
}

static gboolean list_controllers(GDBusProxy *proxy, gboolean detailed, GVariant **controllers, GError **error)
{
	return stas_dbus_stac_call_list_controllers_sync(STAS_DBUS_STAC(proxy), detailed, controllers, NULL,
							 error);
}

static gboolean process_info(GDBusProxy *proxy, char **json, GError **error)
{
	return stas_dbus_stac_debug_call_process_info_sync(STAS_DBUS_STAC_DEBUG(proxy), json, NULL, error);
}

static gboolean controller_info(GDBusProxy *proxy, const char *const *tid, char **json, GError **error)
{
	return stas_dbus_stac_debug_call_controller_info_sync(STAS_DBUS_STAC_DEBUG(proxy), tid[0], tid[1],
							      tid[2], tid[3], tid[4], tid[5], tid[6], json,
							      NULL, error);
}

static const StasCtlService stacd = {
	.daemon = "stacd",
	.main_proxy_new = main_proxy_new,
	.debug_proxy_new = debug_proxy_new,
	.list_controllers = list_controllers,
	.process_info = process_info,
	.controller_info = controller_info,
};

static const StasArgparseOption *const ls_options[] = { &stas_ctl_option_detailed,
							&stas_ctl_option_output_format, NULL };
static const StasArgparseOption *const status_options[] = { &stas_ctl_option_output_format, NULL };

static const StasCtlCommand cmd_status = {
	.command = { .name = "status",
		     .help = "Show runtime status information about stacd",
		     .options = status_options },
	.run = stas_ctl_run_status,
};

static const StasCtlCommand cmd_ls = {
	.command = { .name = "ls", .help = "List I/O controllers", .options = ls_options },
	.run = stas_ctl_run_ls,
};

static const StasCtlCommand *const commands[] = {
	&stas_ctl_cmd_tron,    &stas_ctl_cmd_troff,   &cmd_status, &cmd_ls,
	&stas_ctl_cmd_explain, &stas_ctl_cmd_metrics, NULL
};

static const StasCtlProgram stacctl = {
	.prog = "stacctl",
	.description = "STorage Appliance Connector (STAC)",
	.service = &stacd,
	.commands = commands,
};

int main(int argc, char **argv)
{
	return stas_ctl_main(&stacctl, argc, argv);
}
