/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Logging. Programs log through GLib (the stas_* macros below); a StasLogger,
 * owned by the daemon's context, is installed as GLib's log writer and sends
 * each message either as a plain line to stdout or to the systemd journal
 * (syslog socket as a fall-back) with --syslog. DEBUG is shown only while
 * tracing (tron) is on. Secrets are never passed to these calls.
 */
#pragma once

#include <glib.h>
#include <stdio.h>

typedef struct _StasLogger StasLogger;

/* @ident: SYSLOG_IDENTIFIER ("stafd"); @to_syslog: journal instead of stdout.
 * @out: where plain lines go when not logging to syslog (NULL = stdout). */
StasLogger *stas_logger_new(const char *ident, gboolean to_syslog, FILE *out);
void stas_logger_free(StasLogger *logger);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(StasLogger, stas_logger_free)
/* Make @logger GLib's log writer (once per process: GLib allows no more).
 * @logger must outlive every log call. */
void stas_logger_install(StasLogger *logger);
/* The writer itself, a GLogWriterFunc with @logger as user data. */
GLogWriterOutput stas_logger_write(GLogLevelFlags level, const GLogField *fields, gsize n_fields,
				   gpointer logger);
void stas_logger_set_trace(StasLogger *logger, gboolean on);
gboolean stas_logger_get_trace(const StasLogger *logger);
/* Syslog priority (LOG_ERR...) of a GLib level, as the writer maps it. */
int stas_log_level_to_priority(GLogLevelFlags level);

/* GLib's CRITICAL level carries our ERROR priority: GLib's own ERROR level
 * aborts the program, which a daemon never does on bad input. */
#define stas_err(...)	g_log(G_LOG_DOMAIN, G_LOG_LEVEL_CRITICAL, __VA_ARGS__)
#define stas_warn(...)	g_log(G_LOG_DOMAIN, G_LOG_LEVEL_WARNING, __VA_ARGS__)
#define stas_info(...)	g_log(G_LOG_DOMAIN, G_LOG_LEVEL_INFO, __VA_ARGS__)
#define stas_debug(...) g_log(G_LOG_DOMAIN, G_LOG_LEVEL_DEBUG, __VA_ARGS__)
