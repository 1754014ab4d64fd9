// SPDX-License-Identifier: Apache-2.0
/*
 * stafd entry point. The daemon itself arrives with its own issue; until then
 * this program answers --version and --check-config exactly as the daemon
 * will, so admins can validate their files today.
 */
#include <stdio.h>

#include "stas/checkconf.h"
#include "stas/cmdline.h"

int main(int argc, char **argv)
{
	g_auto(StasCmdline) cmdline = { 0 };
	int status;

	if (!stas_cmdline_parse(&cmdline, STAS_DAEMON_STAFD, argc, argv, &status))
		return status;
	if (cmdline.version) {
		stas_print_version();
		return 0;
	}
	if (cmdline.check_config)
		return stas_check_config(STAS_DAEMON_STAFD, cmdline.conf_file, NULL, stdout, stderr);
	fprintf(stderr, "stafd: only --check-config and --version are implemented in this build\n");
	return 1;
}
