// SPDX-License-Identifier: Apache-2.0
/*
 * The daemons' command line. One parser for both so that stafd and stacd
 * accept exactly the same options, with argparse's exit status 2 for a bad
 * command line as nvme-stas scripts expect.
 */
#include <stdio.h>

#include "stas/cmdline.h"
#include "stas/paths.h"
#include "stas/version.h"

void stas_print_version(void)
{
	printf("nvme-stas %s\nlibnvme %s\n", stas_version(), stas_libnvme_version());
}

gboolean stas_cmdline_parse(StasCmdline *cmdline, StasDaemon daemon, int argc, char **argv, int *exit_status)
{
	const char *prog = stas_daemon_name(daemon);
	g_autofree char *default_conf = stas_path_daemon_conf(prog);
	g_autofree char *conf_help = g_strdup_printf("Configuration file (default: %s)", default_conf);
	g_autofree char *summary = NULL;
	g_autoptr(GOptionContext) context = NULL;
	g_autoptr(GError) error = NULL;
	g_auto(GStrv) args = g_new0(char *, argc + 1);
	GOptionEntry entries[] = {
		{ "conf-file", 'f', 0, G_OPTION_ARG_FILENAME, &cmdline->conf_file, conf_help, "FILE" },
		{ "syslog", 's', 0, G_OPTION_ARG_NONE, &cmdline->syslog,
		  "Send messages to syslog instead of stdout", NULL },
		{ "tron", 0, 0, G_OPTION_ARG_NONE, &cmdline->tron, "Trace ON (debug messages)", NULL },
		{ "version", 'v', 0, G_OPTION_ARG_NONE, &cmdline->version, "Print version, then exit", NULL },
		{ "idl", 0, 0, G_OPTION_ARG_FILENAME, &cmdline->idl,
		  "Write the D-Bus introspection XML to FILE, then exit", "FILE" },
		{ "check-config", 0, 0, G_OPTION_ARG_NONE, &cmdline->check_config,
		  "Check the configuration, print problems on stderr and the effective configuration as JSON "
		  "on "
		  "stdout, then exit (0: no problem, 1: problems, 2: unreadable file)",
		  NULL },
		{ "plan", 0, 0, G_OPTION_ARG_NONE, &cmdline->plan,
		  "With --check-config: ask the running daemon what a reload with the file would connect, "
		  "disconnect and keep, changing nothing (3: it would disconnect, 4: no daemon to ask)",
		  NULL },
		{ NULL },
	};
	*cmdline = (StasCmdline){ 0 };
	/* GOption rearranges and frees parts of the vector it is given. */
	for (int i = 0; i < argc; i++)
		args[i] = g_strdup(argv[i]);
	summary = g_strdup_printf("%s: STorage Appliance %s (nvme-stas compatible)", prog,
				  daemon == STAS_DAEMON_STAFD ? "Finder" : "Connector");
	context = g_option_context_new(NULL);
	g_option_context_set_summary(context, summary);
	g_option_context_add_main_entries(context, entries, NULL);
	g_option_context_set_help_enabled(context, TRUE);
	if (!g_option_context_parse_strv(context, &args, &error) || g_strv_length(args) > 1) {
		g_autofree char *help = g_option_context_get_help(context, TRUE, NULL);

		fprintf(stderr, "%s: %s\n\n%s", prog, error ? error->message : "unexpected argument", help);
		*exit_status = 2;
		stas_cmdline_clear(cmdline);
		return FALSE;
	}
	if (!cmdline->conf_file)
		cmdline->conf_file = g_steal_pointer(&default_conf);
	*exit_status = 0;
	return TRUE;
}

void stas_cmdline_clear(StasCmdline *cmdline)
{
	g_clear_pointer(&cmdline->conf_file, g_free);
	g_clear_pointer(&cmdline->idl, g_free);
}
