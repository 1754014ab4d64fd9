/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What stafctl and stacctl share: the command line (argparse's, through stas/argparse.h),
 * the D-Bus session with the daemon, the commands both programs have (tron, troff, status,
 * ls) and the output (pretty-print or JSON). Each program only describes its commands and
 * binds the generated proxies of its daemon.
 */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "stas/argparse.h"

/* The daemon's D-Bus interface, bound to the generated proxies by each program. The proxies
 * are created on first use; @tid is the 7 strings transport, traddr, trsvcid, subsysnqn,
 * host-traddr, host-iface, host-nqn. */
typedef struct {
	const char *daemon; /* "stafd": named in the error message */
	GDBusProxy *(*main_proxy_new)(GError **error);
	GDBusProxy *(*debug_proxy_new)(GError **error);
	gboolean (*list_controllers)(GDBusProxy *main, gboolean detailed, GVariant **controllers,
				     GError **error);
	gboolean (*process_info)(GDBusProxy *debug, char **json, GError **error);
	gboolean (*controller_info)(GDBusProxy *debug, const char *const *tid, char **json, GError **error);
	/* NULL when the daemon has no log pages (stacd) */
	gboolean (*get_log_pages)(GDBusProxy *main, const char *const *tid, GVariant **log_pages,
				  GError **error);
} StasCtlService;

/* The run-time of one invocation: the program, its parsed command and its proxies. */
typedef struct _StasCtl StasCtl;

typedef int (*StasCtlRun)(StasCtl *ctl, const StasArgparseArgs *args);

/* A command: its name, help, options and positionals, and what it does. */
typedef struct {
	StasArgparseCommand command;
	StasCtlRun run; /* returns the exit status */
} StasCtlCommand;

typedef struct {
	const char *prog;	 /* "stafctl" */
	const char *description; /* "STorage Appliance Finder (STAF)" */
	const StasCtlService *service;
	const StasCtlCommand *const *commands; /* NULL-terminated */
} StasCtlProgram;

/* Options more than one command has. */
extern const StasArgparseOption stas_ctl_option_detailed;      /* -d, --detailed */
extern const StasArgparseOption stas_ctl_option_output_format; /* -o, --output-format normal|json */

/* The commands both programs have (tron, troff, status, ls, explain, metrics). */
int stas_ctl_run_tron(StasCtl *ctl, const StasArgparseArgs *args);
int stas_ctl_run_troff(StasCtl *ctl, const StasArgparseArgs *args);
int stas_ctl_run_status(StasCtl *ctl, const StasArgparseArgs *args);
int stas_ctl_run_ls(StasCtl *ctl, const StasArgparseArgs *args);

/* stas's own, the same in both programs and through the debug members both daemons
 * have: explain [-o FORMAT] [TARGET...] (one answer, or an array of them) and metrics
 * (the Prometheus text). */
extern const StasCtlCommand stas_ctl_cmd_explain;
/* tron and troff, the same in both programs too. */
extern const StasCtlCommand stas_ctl_cmd_tron;
extern const StasCtlCommand stas_ctl_cmd_troff;
extern const StasCtlCommand stas_ctl_cmd_metrics;

/* The main proxy of the daemon, created on first use. */
GDBusProxy *stas_ctl_main_proxy(StasCtl *ctl, GError **error);

/* For a failed exchange with the daemon: prints "Unable to communicate with <daemon> over
 * D-Bus. Is <daemon> running?" on stderr (the detail only as a debug message) and returns
 * the exit status, 1. */
int stas_ctl_dbus_failed(StasCtl *ctl, const GError *error);

/* A reply of D-Bus type aa{ss} as a JSON array of objects of strings. */
JsonNode *stas_ctl_json_from_dicts(GVariant *dicts);
/* JSON text sent by the daemon; fails on text that is not JSON. */
JsonNode *stas_ctl_json_parse(const char *text, GError **error);

/* Prints @node in the format chosen with -o (pretty-print unless "json"), then a newline;
 * returns the exit status. */
int stas_ctl_print(const StasArgparseArgs *args, JsonNode *node);

/* Parses the command line and runs the command; returns the exit status. */
int stas_ctl_main(const StasCtlProgram *program, int argc, char **argv);
