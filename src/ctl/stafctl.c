// SPDX-License-Identifier: Apache-2.0
/*
 * stafctl: asks stafd, over D-Bus, about the discovery controllers it manages and their
 * discovery log pages, and turns its tracing on and off.
 */
#include <string.h>

#include "ctl.h"
#include "stas-dbus.h"
#include "stas/host.h"
#include "stas/names.h"

/* The proxies neither read properties nor watch signals: every call is synchronous and the
 * properties are read explicitly. */
#define PROXY_FLAGS (G_DBUS_PROXY_FLAGS_DO_NOT_LOAD_PROPERTIES | G_DBUS_PROXY_FLAGS_DO_NOT_CONNECT_SIGNALS)

static GDBusProxy *main_proxy_new(GError **error)
{
	return G_DBUS_PROXY(stas_dbus_staf_proxy_new_for_bus_sync(
		G_BUS_TYPE_SYSTEM, PROXY_FLAGS, STAS_STAF_BUS_NAME, STAS_STAF_OBJECT_PATH, NULL, error));
}

static GDBusProxy *debug_proxy_new(GError **error)
{
	return G_DBUS_PROXY(stas_dbus_staf_debug_proxy_new_for_bus_sync(
		G_BUS_TYPE_SYSTEM, PROXY_FLAGS, STAS_STAF_BUS_NAME, STAS_STAF_OBJECT_PATH, NULL, error));
}

static gboolean list_controllers(GDBusProxy *proxy, gboolean detailed, GVariant **controllers, GError **error)
{
	return stas_dbus_staf_call_list_controllers_sync(STAS_DBUS_STAF(proxy), detailed, controllers, NULL,
							 error);
}

static gboolean get_log_pages(GDBusProxy *proxy, const char *const *tid, GVariant **log_pages, GError **error)
{
	return stas_dbus_staf_call_get_log_pages_sync(STAS_DBUS_STAF(proxy), tid[0], tid[1], tid[2], tid[3],
						      tid[4], tid[5], tid[6], log_pages, NULL, error);
}

static gboolean process_info(GDBusProxy *proxy, char **json, GError **error)
{
	return stas_dbus_staf_debug_call_process_info_sync(STAS_DBUS_STAF_DEBUG(proxy), json, NULL, error);
}

static gboolean controller_info(GDBusProxy *proxy, const char *const *tid, char **json, GError **error)
{
	return stas_dbus_staf_debug_call_controller_info_sync(STAS_DBUS_STAF_DEBUG(proxy), tid[0], tid[1],
							      tid[2], tid[3], tid[4], tid[5], tid[6], json,
							      NULL, error);
}

static const StasCtlService stafd = {
	.daemon = "stafd",
	.main_proxy_new = main_proxy_new,
	.debug_proxy_new = debug_proxy_new,
	.list_controllers = list_controllers,
	.process_info = process_info,
	.controller_info = controller_info,
	.get_log_pages = get_log_pages,
};

/* The default of -q: the system Host NQN, read only when dlp needs it, with nvme-stas's
 * fatal messages when it cannot be (an undefined NQN is sent as ""). */
static char *system_host_nqn(GError **error)
{
	g_autoptr(GError) local_error = NULL;
	g_autofree char *nqn = stas_host_resolve(NULL, "nqn", &local_error);

	if (local_error) {
		if (local_error->domain == STAS_HOST_ERROR)
			g_propagate_error(error, g_steal_pointer(&local_error));
		else
			g_set_error(error, STAS_HOST_ERROR, STAS_HOST_ERROR_NQN,
				    "Error reading mandatory Host NQN (see stasadm --help): %s",
				    local_error->message);
		return NULL;
	}
	if (nqn && !g_str_has_prefix(nqn, "nqn.")) {
		g_set_error(error, STAS_HOST_ERROR, STAS_HOST_ERROR_NQN_FORMAT,
			    "Error Host NQN \"%s\" should start with \"nqn.\"", nqn);
		return NULL;
	}
	return nqn ? g_steal_pointer(&nqn) : g_strdup("");
}

static int run_dlp(StasCtl *ctl, const StasArgparseArgs *args)
{
	const char *tid[] = {
		stas_argparse_args_value(args, "transport"),   stas_argparse_args_value(args, "traddr"),
		stas_argparse_args_value(args, "trsvcid"),     stas_argparse_args_value(args, "nqn"),
		stas_argparse_args_value(args, "host-traddr"), stas_argparse_args_value(args, "host-iface"),
		stas_argparse_args_value(args, "host-nqn"),
	};
	g_autoptr(GError) error = NULL;
	g_autoptr(GVariant) log_pages = NULL;
	g_autoptr(JsonNode) node = NULL;
	GDBusProxy *proxy = stas_ctl_main_proxy(ctl, &error);

	if (!proxy || !get_log_pages(proxy, tid, &log_pages, &error))
		return stas_ctl_dbus_failed(ctl, error);
	node = stas_ctl_json_from_dicts(log_pages);
	return stas_ctl_print(args, node);
}

static int run_adlp(StasCtl *ctl, const StasArgparseArgs *args)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *json = NULL;
	g_autoptr(JsonNode) node = NULL;
	GDBusProxy *proxy = stas_ctl_main_proxy(ctl, &error);

	if (!proxy || !stas_dbus_staf_call_get_all_log_pages_sync(STAS_DBUS_STAF(proxy),
								  stas_argparse_args_flag(args, "detailed"),
								  &json, NULL, &error))
		return stas_ctl_dbus_failed(ctl, error);
	node = stas_ctl_json_parse(json, &error);
	if (!node)
		return stas_ctl_dbus_failed(ctl, error);
	return stas_ctl_print(args, node);
}

static const char *const transports[] = { "tcp", "rdma", "fc", "loop", NULL };

static const StasArgparseOption option_transport = {
	.short_name = 't',
	.long_name = "transport",
	.kind = STAS_ARGPARSE_VALUE,
	.metavar = "<trtype>",
	.choices = transports,
	.default_value = "tcp",
	.help = "NVMe-over-Fabrics fabric type (default: \"%(default)s\")",
};

static const StasArgparseOption option_traddr = {
	.short_name = 'a',
	.long_name = "traddr",
	.kind = STAS_ARGPARSE_VALUE,
	.metavar = "<traddr>",
	.required = TRUE,
	.help = "Discovery Controller's network address",
};

static const StasArgparseOption option_trsvcid = {
	.short_name = 's',
	.long_name = "trsvcid",
	.kind = STAS_ARGPARSE_VALUE,
	.metavar = "<trsvcid>",
	.required = TRUE,
	.help = "Transport service id (for IP addressing, e.g. tcp, rdma, this field is the port number)",
};

static const StasArgparseOption option_host_traddr = {
	.short_name = 'w',
	.long_name = "host-traddr",
	.kind = STAS_ARGPARSE_VALUE,
	.metavar = "<traddr>",
	.default_value = "",
	.help = "Network address used on the host to connect to the Controller (default: \"%(default)s\")",
};

static const StasArgparseOption option_host_iface = {
	.short_name = 'f',
	.long_name = "host-iface",
	.kind = STAS_ARGPARSE_VALUE,
	.metavar = "<iface>",
	.default_value = "",
	.help = "This field specifies the network interface used on the host to connect to the Controller "
		"(default: \"%(default)s\")",
};

static const StasArgparseOption option_host_nqn = {
	.short_name = 'q',
	.long_name = "host-nqn",
	.kind = STAS_ARGPARSE_VALUE,
	.metavar = "<nqn>",
	.lazy_default = system_host_nqn,
	.help = "This field specifies the host NQN (default: \"%(default)s\")",
};

static const StasArgparseOption option_nqn = {
	.short_name = 'n',
	.long_name = "nqn",
	.kind = STAS_ARGPARSE_VALUE,
	.metavar = "<nqn>",
	.default_value = STAS_WKNQN,
	.help = "This field specifies the discovery controller's NQN. When not specified this option "
		"defaults "
		"to \"%(default)s\"",
};

static const StasArgparseOption *const listing_options[] = { &stas_ctl_option_detailed,
							     &stas_ctl_option_output_format, NULL };
static const StasArgparseOption *const status_options[] = { &stas_ctl_option_output_format, NULL };
static const StasArgparseOption *const dlp_options[] = {
	&option_transport,
	&option_traddr,
	&option_trsvcid,
	&option_host_traddr,
	&option_host_iface,
	&option_host_nqn,
	&option_nqn,
	&stas_ctl_option_output_format,
	NULL,
};

static const StasCtlCommand cmd_status = {
	.command = { .name = "status",
		     .help = "Show runtime status information about stafd",
		     .options = status_options },
	.run = stas_ctl_run_status,
};

static const StasCtlCommand cmd_ls = {
	.command = { .name = "ls", .help = "List discovery controllers", .options = listing_options },
	.run = stas_ctl_run_ls,
};

static const StasCtlCommand cmd_dlp = {
	.command = { .name = "dlp", .help = "Show discovery log pages", .options = dlp_options },
	.run = run_dlp,
};

static const StasCtlCommand cmd_adlp = {
	.command = { .name = "adlp", .help = "Show all discovery log pages", .options = listing_options },
	.run = run_adlp,
};

static const StasCtlCommand *const commands[] = {
	&stas_ctl_cmd_tron, &stas_ctl_cmd_troff,   &cmd_status,		  &cmd_ls, &cmd_dlp,
	&cmd_adlp,	    &stas_ctl_cmd_explain, &stas_ctl_cmd_metrics, NULL,
};

static const StasCtlProgram stafctl = {
	.prog = "stafctl",
	.description = "STorage Appliance Finder (STAF)",
	.service = &stafd,
	.commands = commands,
};

int main(int argc, char **argv)
{
	return stas_ctl_main(&stafctl, argc, argv);
}
