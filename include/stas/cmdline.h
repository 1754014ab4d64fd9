/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The command line both daemons share (nvme-stas compatible):
 * -f/--conf-file, -s/--syslog, --tron, -v/--version, -h/--help, plus
 * --idl FILE and --check-config [--plan].
 */
#pragma once

#include <glib.h>

#include "stas/conf.h"

typedef struct {
	char *conf_file;
	gboolean syslog;
	gboolean tron;
	gboolean version;
	gboolean check_config;
	gboolean plan; /* with check_config */
	char *idl;
} StasCmdline;

/* Parses argv. On a bad command line prints the error and usage on stderr
 * and returns FALSE with *exit_status = 2. -h prints usage and returns
 * FALSE with *exit_status = 0. */
gboolean stas_cmdline_parse(StasCmdline *cmdline, StasDaemon daemon, int argc, char **argv, int *exit_status);
void stas_cmdline_clear(StasCmdline *cmdline);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(StasCmdline, stas_cmdline_clear)

/* "nvme-stas <version>\nlibnvme <version>\n" */
void stas_print_version(void);
