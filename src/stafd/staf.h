/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The stafd service: one object that owns every piece of the daemon's state
 * (configuration, host identity, discovery controllers, timers, udev and
 * D-Bus) and reconciles the controllers it manages with the ones it should.
 */
#pragma once

#include <gio/gio.h>

#include "dc.h"
#include "stas/host.h"
#include "stas/log.h"
#include "stas/terminator.h"
#include "stas-dbus.h"

typedef struct {
	StasLogger *logger;
	char *conf_path;
	char *sys_conf_path; /* NULL = default */
	gboolean tron_cmdline;
	StasConf *conf;
	StasHost *host;
	StasCtrlEnv env;
	GHashTable *dcs; /* StasTid* -> StasDc* */
	StasTerminator *terminator;
	StasTimer *soak;
	StasUdev *udev;
	char *state_path;
	GCancellable *resolving; /* name lookups of the running reconciliation */
	guint resolving_pending;
	GPtrArray *resolved; /* StasTid* collected by phase 1 */
	gboolean stopping;
	guint stop_grace_id;
	int exit_status;
	GMainLoop *loop;
	/* D-Bus */
	GDBusConnection *bus;
	StasDbusStaf *iface;
	guint debug_id; /* registration of the debug interface */
	guint name_id;
	guint signal_ids[3];
} StasStaf;

/* Start-up after the command-line and privilege checks: loads the
 * configuration, restores the last-known state, connects to the bus and
 * udev. On failure prints why and returns NULL with *exit_status set. */
StasStaf *stas_staf_new(StasLogger *logger, const char *conf_path, gboolean tron, int *exit_status);
/* Runs the main loop until stopped; returns the exit status. */
int stas_staf_run(StasStaf *staf);
void stas_staf_free(StasStaf *staf);

void stas_staf_set_trace(StasStaf *staf, gboolean on);
void stas_staf_reload(StasStaf *staf);
void stas_staf_stop(StasStaf *staf);
/* Re-run reconciliation after the soak period. */
void stas_staf_soak(StasStaf *staf);
StasDc *stas_staf_lookup(StasStaf *staf, const StasTid *tid);
/* Sorted list of managed DCs (stable output order). */
GPtrArray *stas_staf_dcs(StasStaf *staf);

/* staf-dbus.c */
gboolean stas_staf_dbus_start(StasStaf *staf, GError **error);
void stas_staf_dbus_stop(StasStaf *staf);
void stas_staf_dbus_log_pages_changed(StasStaf *staf, StasDc *dc);
void stas_staf_dbus_dc_removed(StasStaf *staf);
