// SPDX-License-Identifier: Apache-2.0
/*
 * The log writer both daemons install into GLib. Plain message lines on
 * stdout for people running a daemon by hand; the journal (or the syslog
 * socket when there is no journal) under systemd. The trace flag lives in
 * the logger, which the daemon's context owns.
 */
#include <stdio.h>
#include <syslog.h>
#include <systemd/sd-journal.h>

#include "stas/log.h"

struct _StasLogger {
	char *ident;
	gboolean to_syslog;
	gboolean journal; /* the journal is there (else: the syslog socket) */
	gboolean trace;
	gboolean syslog_opened;
	FILE *out;
};

int stas_log_level_to_priority(GLogLevelFlags level)
{
	if (level & G_LOG_LEVEL_ERROR)
		return LOG_CRIT;
	if (level & G_LOG_LEVEL_CRITICAL)
		return LOG_ERR;
	if (level & G_LOG_LEVEL_WARNING)
		return LOG_WARNING;
	if (level & G_LOG_LEVEL_MESSAGE)
		return LOG_NOTICE;
	if (level & G_LOG_LEVEL_INFO)
		return LOG_INFO;
	return LOG_DEBUG;
}

StasLogger *stas_logger_new(const char *ident, gboolean to_syslog, FILE *out)
{
	StasLogger *logger = g_new0(StasLogger, 1);

	logger->ident = g_strdup(ident);
	logger->to_syslog = to_syslog;
	/* sd_journal_send() succeeds silently when there is no journal, so the
	 * fall-back to syslog has to be decided by looking for its socket. */
	logger->journal = g_file_test("/run/systemd/journal/socket", G_FILE_TEST_EXISTS);
	logger->out = out ? out : stdout;
	return logger;
}

void stas_logger_free(StasLogger *logger)
{
	if (!logger)
		return;
	if (logger->syslog_opened)
		closelog();
	g_free(logger->ident);
	g_free(logger);
}

void stas_logger_set_trace(StasLogger *logger, gboolean on)
{
	logger->trace = on;
}

gboolean stas_logger_get_trace(const StasLogger *logger)
{
	return logger->trace;
}

static const char *field_value(const GLogField *fields, gsize n_fields, const char *key)
{
	for (gsize i = 0; i < n_fields; i++) {
		if (g_str_equal(fields[i].key, key) && fields[i].length < 0)
			return fields[i].value;
	}
	return NULL;
}

GLogWriterOutput stas_logger_write(GLogLevelFlags level, const GLogField *fields, gsize n_fields,
				   gpointer data)
{
	StasLogger *logger = data;
	int priority = stas_log_level_to_priority(level);
	const char *message = field_value(fields, n_fields, "MESSAGE");

	if (!message)
		return G_LOG_WRITER_UNHANDLED;
	if (priority == LOG_DEBUG && !logger->trace)
		return G_LOG_WRITER_HANDLED;
	if (!logger->to_syslog) {
		fprintf(logger->out, "%s\n", message);
		fflush(logger->out);
		return G_LOG_WRITER_HANDLED;
	}
	if (logger->journal && sd_journal_send("MESSAGE=%s", message, "PRIORITY=%d", priority,
					       "SYSLOG_IDENTIFIER=%s", logger->ident, NULL) >= 0)
		return G_LOG_WRITER_HANDLED;
	/* No journal: fall back to the syslog socket. */
	if (!logger->syslog_opened) {
		openlog(logger->ident, LOG_PID, LOG_USER);
		logger->syslog_opened = TRUE;
	}
	syslog(priority, "%s", message);
	return G_LOG_WRITER_HANDLED;
}

void stas_logger_install(StasLogger *logger)
{
	g_log_set_writer_func(stas_logger_write, logger, NULL);
}
