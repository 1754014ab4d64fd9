// SPDX-License-Identifier: Apache-2.0
/*
 * The whole of a daemon's main(): command line, --version, --check-config,
 * --idl, the root and /dev/nvme-fabrics checks, logging, then the service's
 * main loop.
 */
#include <unistd.h>

#include "stas/checkconf.h"
#include "stas/cmdline.h"
#include "stas/paths.h"
#include "stas/dbus-util.h"
#include "stas/service.h"

static int write_idl(const char *prog, const char *path, GDBusInterfaceInfo *const *interfaces)
{
	g_autofree char *xml = stas_dbus_introspection_xml(interfaces);
	g_autoptr(GError) error = NULL;

	if (!g_file_set_contents(path, xml, -1, &error)) {
		g_printerr("%s: %s\n", prog, error->message);
		return 1;
	}
	return 0;
}

int stas_daemon_main(StasDaemon daemon, int argc, char **argv, GDBusInterfaceInfo *const *interfaces,
		     StasServiceStart start)
{
	const char *prog = stas_daemon_name(daemon);
	g_auto(StasCmdline) cmdline = { 0 };
	g_autoptr(StasLogger) logger = NULL;
	g_autofree char *fabrics = NULL;
	StasService *svc;
	int status;

	if (!stas_cmdline_parse(&cmdline, daemon, argc, argv, &status))
		return status;
	if (cmdline.version) {
		stas_print_version();
		return 0;
	}
	if (cmdline.check_config && cmdline.plan)
		return stas_check_config_plan(daemon, cmdline.conf_file, stdout, stderr);
	if (cmdline.plan) {
		g_printerr("%s: --plan goes with --check-config\n", prog);
		return 2;
	}
	if (cmdline.check_config)
		return stas_check_config(daemon, cmdline.conf_file, NULL, stdout, stderr);
	if (cmdline.idl)
		return write_idl(prog, cmdline.idl, interfaces);
	if (geteuid() != 0) {
		g_printerr("Permission denied. You need root privileges to run %s.\n", prog);
		return 1;
	}
	fabrics = stas_path(STAS_PATH_NVME_FABRICS, NULL);
	if (!g_file_test(fabrics, G_FILE_TEST_EXISTS)) {
		g_printerr("Fatal error: missing nvme-tcp kernel module\n");
		return 1;
	}
	logger = stas_logger_new(prog, cmdline.syslog, NULL);
	stas_logger_install(logger);
	svc = start(logger, cmdline.conf_file, cmdline.tron, &status);
	if (!svc)
		return status;
	status = stas_service_run(svc);
	stas_service_free(svc);
	return status;
}
