// SPDX-License-Identifier: Apache-2.0
/* stacd, the STorage Appliance Connector. */
#include "stac.h"

static StasService *start(StasLogger *logger, const char *conf_path, gboolean tron, int *exit_status)
{
	StasStac *stac = stas_stac_new(logger, conf_path, tron, exit_status);

	return stac ? &stac->svc : NULL;
}

int main(int argc, char **argv)
{
	GDBusInterfaceInfo *const interfaces[] = {
		stas_dbus_stac_interface_info(),
		stas_dbus_stac_debug_interface_info(),
		NULL,
	};

	return stas_daemon_main(STAS_DAEMON_STACD, argc, argv, interfaces, start);
}
