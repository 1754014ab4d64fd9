/* SPDX-License-Identifier: Apache-2.0 */
/*
 * --check-config: what an admin runs before `systemctl reload`. Parses the
 * daemon's file and sys.conf, prints every problem on stderr as
 * "FILE:LINE: message" and the effective configuration on stdout as JSON.
 * Needs no D-Bus, no root and no kernel module.
 */
#pragma once

#include <stdio.h>

#include "stas/conf.h"

/* Exit statuses of --check-config. */
enum {
	STAS_CHECK_OK = 0,	    /* no problem */
	STAS_CHECK_PROBLEMS = 1,    /* at least one problem */
	STAS_CHECK_UNREADABLE = 2,  /* a file exists but cannot be read */
	STAS_CHECK_DISCONNECTS = 3, /* --plan: a reload would disconnect a controller */
	STAS_CHECK_NO_DAEMON = 4,   /* --plan: the running daemon could not be asked */
};

/* @conf_path: the daemon's file; @sys_conf: NULL for the default. */
int stas_check_config(StasDaemon daemon, const char *conf_path, const char *sys_conf, FILE *out, FILE *err);

/* --check-config --plan: sends @conf_path's text to the running daemon,
 * which answers what a reload would connect, disconnect and keep without
 * changing anything. Prints a summary on @err and the plan as JSON on @out.
 * Returns DISCONNECTS when something would be disconnected, else
 * PROBLEMS when the file has problems, else OK (UNREADABLE, NO_DAEMON). */
int stas_check_config_plan(StasDaemon daemon, const char *conf_path, FILE *out, FILE *err);

/* The effective configuration as a JSON object (for --check-config and,
 * later, process_info). */
char *stas_conf_to_json(const StasConf *conf);
