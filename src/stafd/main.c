// SPDX-License-Identifier: Apache-2.0
/*
 * stafd, the STorage Appliance Finder: command line, start-up checks and
 * the main loop. Everything else lives in the service object (staf.c).
 */
#include <stdio.h>
#include <unistd.h>

#include "staf.h"
#include "stas/checkconf.h"
#include "stas/cmdline.h"
#include "stas/dbus-util.h"
#include "stas/paths.h"

static int write_idl(const char *path)
{
	GDBusInterfaceInfo *const interfaces[] = {
		stas_dbus_staf_interface_info(),
		stas_dbus_staf_debug_interface_info(),
		NULL,
	};
	g_autofree char *xml = stas_dbus_introspection_xml(interfaces);
	g_autoptr(GError) error = NULL;

	if (!g_file_set_contents(path, xml, -1, &error)) {
		g_printerr("stafd: %s\n", error->message);
		return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	g_auto(StasCmdline) cmdline = { 0 };
	g_autoptr(StasLogger) logger = NULL;
	g_autofree char *fabrics = NULL;
	StasStaf *staf;
	int status;

	if (!stas_cmdline_parse(&cmdline, STAS_DAEMON_STAFD, argc, argv, &status))
		return status;
	if (cmdline.version) {
		stas_print_version();
		return 0;
	}
	if (cmdline.check_config)
		return stas_check_config(STAS_DAEMON_STAFD, cmdline.conf_file, NULL, stdout, stderr);
	if (cmdline.idl)
		return write_idl(cmdline.idl);
	if (geteuid() != 0) {
		g_printerr("Permission denied. You need root privileges to run stafd.\n");
		return 1;
	}
	fabrics = stas_path(STAS_PATH_NVME_FABRICS, NULL);
	if (!g_file_test(fabrics, G_FILE_TEST_EXISTS)) {
		g_printerr("Fatal error: missing nvme-tcp kernel module\n");
		return 1;
	}
	logger = stas_logger_new("stafd", cmdline.syslog, NULL);
	stas_logger_install(logger);
	staf = stas_staf_new(logger, cmdline.conf_file, cmdline.tron, &status);
	if (!staf)
		return status;
	status = stas_service_run(&staf->svc);
	stas_service_free(&staf->svc);
	return status;
}
