// SPDX-License-Identifier: Apache-2.0
/* stafd, the STorage Appliance Finder. */
#include "staf.h"

static StasService *start(StasLogger *logger, const char *conf_path, gboolean tron, int *exit_status)
{
	StasStaf *staf = stas_staf_new(logger, conf_path, tron, exit_status);

	return staf ? &staf->svc : NULL;
}

int main(int argc, char **argv)
{
	GDBusInterfaceInfo *const interfaces[] = {
		stas_dbus_staf_interface_info(),
		stas_dbus_staf_debug_interface_info(),
		NULL,
	};

	return stas_daemon_main(STAS_DAEMON_STAFD, argc, argv, interfaces, start);
}
