// SPDX-License-Identifier: Apache-2.0
/*
 * The log writer: plain lines on the chosen stream, DEBUG only while tracing,
 * GLib levels mapped to syslog priorities (nvme-stas's test-log).
 * GLib takes a writer once per process, so only one test installs it; the
 * others call the writer directly.
 */
#include <stdio.h>
#include <syslog.h>

#include "stas/log.h"
#include "testutil.h"

static char *read_stream(FILE *stream)
{
	long size;
	char *text;

	fflush(stream);
	size = ftell(stream);
	text = g_malloc0(size + 1);
	rewind(stream);
	ck_assert_int_eq(fread(text, 1, size, stream), size);
	return text;
}

START_TEST(test_log_plain_lines_and_trace_gates_debug)
{
	FILE *stream = tmpfile();
	g_autoptr(StasLogger) logger = stas_logger_new("stafd", FALSE, stream);
	g_autofree char *text = NULL;

	stas_logger_install(logger);
	ck_assert(!stas_logger_get_trace(logger));
	stas_info("hello %d", 1);
	stas_debug("hidden");
	stas_logger_set_trace(logger, TRUE);
	stas_debug("shown");
	stas_warn("careful");
	stas_err("broken");
	stas_logger_set_trace(logger, FALSE);
	stas_debug("hidden again");
	text = read_stream(stream);
	ck_assert_str_eq(text, "hello 1\nshown\ncareful\nbroken\n");
	fclose(stream);
}
END_TEST

START_TEST(test_log_priorities)
{
	ck_assert_int_eq(stas_log_level_to_priority(G_LOG_LEVEL_CRITICAL), LOG_ERR);
	ck_assert_int_eq(stas_log_level_to_priority(G_LOG_LEVEL_WARNING), LOG_WARNING);
	ck_assert_int_eq(stas_log_level_to_priority(G_LOG_LEVEL_MESSAGE), LOG_NOTICE);
	ck_assert_int_eq(stas_log_level_to_priority(G_LOG_LEVEL_INFO), LOG_INFO);
	ck_assert_int_eq(stas_log_level_to_priority(G_LOG_LEVEL_DEBUG), LOG_DEBUG);
}
END_TEST

static void write_message(StasLogger *logger, GLogLevelFlags level, const char *message)
{
	const GLogField fields[] = {
		{ "GLIB_DOMAIN", "stas", -1 },
		{ "MESSAGE", message, -1 },
	};

	ck_assert_int_eq(stas_logger_write(level, fields, G_N_ELEMENTS(fields), logger),
			 G_LOG_WRITER_HANDLED);
}

START_TEST(test_log_writer_without_installing)
{
	FILE *stream = tmpfile();
	g_autoptr(StasLogger) logger = stas_logger_new("stacd", FALSE, stream);
	g_autofree char *text = NULL;

	write_message(logger, G_LOG_LEVEL_DEBUG, "quiet");
	write_message(logger, G_LOG_LEVEL_INFO, "loud");
	text = read_stream(stream);
	ck_assert_str_eq(text, "loud\n");
	fclose(stream);
}
END_TEST

START_TEST(test_log_syslog_mode_writes_nothing_to_the_stream)
{
	FILE *stream = tmpfile();
	g_autoptr(StasLogger) logger = stas_logger_new("stas-unit-test", TRUE, stream);
	g_autofree char *text = NULL;

	write_message(logger, G_LOG_LEVEL_INFO, "to the journal or syslog, not to the stream");
	text = read_stream(stream);
	ck_assert_str_eq(text, "");
	fclose(stream);
}
END_TEST

int main(void)
{
	Suite *suite = suite_create("log");
	TCase *tc = tcase_create("log");

	tcase_add_test(tc, test_log_plain_lines_and_trace_gates_debug);
	tcase_add_test(tc, test_log_priorities);
	tcase_add_test(tc, test_log_writer_without_installing);
	tcase_add_test(tc, test_log_syslog_mode_writes_nothing_to_the_stream);
	suite_add_tcase(suite, tc);
	return tu_run(suite);
}
