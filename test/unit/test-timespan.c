// SPDX-License-Identifier: Apache-2.0
/*
 * stas_timespan_parse() against nvme-stas's reference table (SPEC §2.10) and its arithmetic and
 * sign quirks, plus inputs a hostile or careless configuration file could contain.
 */
#include "stas/timespan.h"

#include <check.h>

#include "testutil.h"
#include <stdlib.h>

/* Values are compared exactly: each expected number is what nvme-stas computes, bit for bit. */
#define assert_span(text, expected)                                                                      \
	do {                                                                                             \
		double _value = -12345.0;                                                                \
		gboolean _ok = stas_timespan_parse((text), &_value);                                     \
		ck_assert_msg(_ok, "\"%s\" not parsed", (text));                                         \
		ck_assert_msg(_value == (double)(expected), "\"%s\" gave %.17g, expected %.17g", (text), \
			      _value, (double)(expected));                                               \
	} while (0)

#define assert_rejected(text)                                                                          \
	do {                                                                                           \
		double _value = 42.0;                                                                  \
		ck_assert_msg(!stas_timespan_parse((text), &_value), "\"%s\" parsed as %.17g", (text), \
			      _value);                                                                 \
		ck_assert_msg(_value == 42.0, "\"%s\" changed the result on failure", (text));         \
	} while (0)

/* ---------------------------------------------------------------- reference table */

START_TEST(test_timespan_reference_table)
{
	assert_span("1", 1);
	assert_span("1s", 1);
	assert_span("1 sec", 1);
	assert_span("1 second", 1);
	assert_span("1 seconds", 1);
	assert_span("1:01", 61);
	assert_span("1 day", 24 * 60 * 60);
	assert_span("1 hour", 60 * 60);
	assert_span("1 min", 60);
	assert_span("0.5", 0.5);
	assert_span("-1", -1);
	assert_span(":22", 22);
	assert_span("1 minute, 24 secs", 84);
	assert_span("1.2 minutes", 72);
	assert_span("1.2 seconds", 1.2);
	assert_span("- 1 minute", -60);
	assert_span("+ 1 minute", 60);
	assert_rejected("blah");
}
END_TEST

/* ---------------------------------------------------------------- plain numbers */

START_TEST(test_timespan_plain_number_is_seconds)
{
	assert_span("3600", 3600);
	assert_span("0", 0);
	assert_span("+7", 7);
	assert_span("-0.25", -0.25);
	assert_span("5.", 5);
	assert_span(".5", 0.5);
}
END_TEST

START_TEST(test_timespan_plain_number_scientific_notation)
{
	assert_span("1e3", 1000);
	assert_span("1E+3", 1000);
	assert_span("2.5e-1", 0.25);
	assert_span("-1.5e2", -150);
	assert_span("5.e1", 50);
	assert_span(".5E1", 5);
	assert_span("1e-400", 0); /* underflows to zero, as in Python */
}
END_TEST

START_TEST(test_timespan_plain_number_surrounding_whitespace)
{
	assert_span(" 1e3 ", 1000);
	assert_span("\t-1\n", -1);
	assert_span("  0.5  ", 0.5);
}
END_TEST

START_TEST(test_timespan_plain_number_sign_followed_by_blank_rejected)
{
	/* Not a float literal, and without a unit not a span either: nvme-stas returns None too. */
	assert_rejected("- 1");
	assert_rejected("+ 0.5");
}
END_TEST

START_TEST(test_timespan_not_a_number_or_infinity_rejected)
{
	assert_rejected("nan");
	assert_rejected("NaN");
	assert_rejected("inf");
	assert_rejected("-inf");
	assert_rejected("Infinity");
	assert_rejected("0x10");
	assert_rejected("1e");
	assert_rejected("e3");
	assert_rejected("1e+");
	assert_rejected("1_000");
}
END_TEST

START_TEST(test_timespan_overflowing_number_rejected)
{
	g_autofree char *digits = g_strnfill(400, '9');
	g_autofree char *with_unit = g_strconcat(digits, ".5 minutes", NULL);

	assert_rejected("1e999");
	assert_rejected("-1e999");
	assert_rejected(digits);
	assert_rejected(with_unit);
}
END_TEST

/* ---------------------------------------------------------------- units */

START_TEST(test_timespan_every_unit_spelling)
{
	static const char *const days[] = { "d", "dy", "dys", "day", "days" };
	static const char *const hours[] = { "h", "hr", "hrs", "hour", "hours" };
	static const char *const mins[] = { "m", "min", "mins", "minute", "minutes" };
	static const char *const secs[] = { "s", "sec", "secs", "second", "seconds" };
	gsize i;

	for (i = 0; i < G_N_ELEMENTS(days); i++) {
		g_autofree char *d = g_strdup_printf("2%s", days[i]);
		g_autofree char *h = g_strdup_printf("2 %s", hours[i]);
		g_autofree char *m = g_strdup_printf("2  %s", mins[i]);
		g_autofree char *s = g_strdup_printf("2\t%s", secs[i]);

		assert_span(d, 2 * 86400);
		assert_span(h, 2 * 3600);
		assert_span(m, 2 * 60);
		assert_span(s, 2);
	}
}
END_TEST

START_TEST(test_timespan_units_are_case_insensitive)
{
	assert_span("1 DAY", 86400);
	assert_span("1 Hours", 3600);
	assert_span("1 MiN", 60);
	assert_span("1 Minutes 2 SECS", 62);
	assert_span("1H30M", 5400);
}
END_TEST

START_TEST(test_timespan_unit_sequences_add_up)
{
	assert_span("72hours", 259200);
	assert_span("3 days 5 hours", 277200);
	assert_span("1h30m", 5400);
	assert_span("1m24s", 84);
	assert_span("1d2h3m4s", 93784);
	assert_span("1 day 4 seconds", 86404);
	assert_span("  2 hours  ", 7200);
}
END_TEST

START_TEST(test_timespan_unit_sequence_separators)
{
	assert_span("1 minute, 24 secs", 84);
	assert_span("1 min / 24 s", 84);
	assert_span("1 min , 24 s", 84);
	assert_span("1d,2h,3m,4s", 93784);
	assert_span("1d/2h/3m/4s", 93784);
	/* A separator may trail days, hours or minutes, but never seconds. */
	assert_span("1 min,", 60);
	assert_span("1 day, ", 86400);
	assert_rejected("1 sec,");
	assert_rejected("1 min,, 24 s");
	assert_rejected("1 min ; 24 s");
	assert_rejected(", 1 min");
}
END_TEST

START_TEST(test_timespan_units_out_of_order_or_repeated_rejected)
{
	assert_rejected("30m 1h");
	assert_rejected("1s 1m");
	assert_rejected("1m 2m");
	assert_rejected("1 day 1 day");
}
END_TEST

START_TEST(test_timespan_unknown_or_partial_units_rejected)
{
	assert_rejected("1 fortnight");
	assert_rejected("1 ms");
	assert_rejected("1 mn");
	assert_rejected("1 hourss");
	assert_rejected("1 days5");
	assert_rejected("minutes");
	assert_rejected("1 minute 2");
}
END_TEST

START_TEST(test_timespan_malformed_unit_numbers_rejected)
{
	assert_rejected("1.2.3 s");
	assert_rejected(". s");
	assert_rejected("1..5 minutes");
	assert_rejected("1e3 s");
	assert_span("1. s", 1);
	assert_span(".5 minutes", 30);
}
END_TEST

/* ---------------------------------------------------------------- arithmetic and sign */

START_TEST(test_timespan_minutes_with_fraction_truncate_to_whole_seconds)
{
	assert_span("1.2 minutes", 72);
	assert_span("1.01 minutes", 60);	   /* 60.6 */
	assert_span("0.0001 days", 8);		   /* 8.64 */
	assert_span("1.5 hours 10 seconds", 5410); /* integer seconds added after truncation */
	assert_span("1.0001 minutes 1 s", 61);
	assert_span("1.5 days 2:03:04", 136984);
}
END_TEST

START_TEST(test_timespan_fractional_seconds_give_exact_sum)
{
	assert_span("1.2 seconds", 1.2);
	assert_span("1.5 hours 10.5 seconds", 5410.5);
	assert_span("1 minute 0.5 s", 60.5);
	assert_span("1.01 minutes 0.5 s", 60.6 + 0.5);
	assert_span("0.5s", 0.5);
}
END_TEST

START_TEST(test_timespan_integer_components_sum_exactly)
{
	assert_span("100000000 days", 8640000000000.0);
	assert_span("1000000 days 1 s", 86400000001.0);
	/* Beyond 64 bits the nearest double is the best a double result can hold. */
	assert_span("9999999999999999999999 s", 1e22);
}
END_TEST

START_TEST(test_timespan_sign_with_whitespace)
{
	assert_span("- 1 minute", -60);
	assert_span("+ 1 minute", 60);
	assert_span("-1h", -3600);
	assert_span("  -  1:01  ", -61);
	assert_span("-:22", -22);
	assert_span("-1:02:03:04", -93784);
	assert_span("-1 minute 10 seconds", -70);
	assert_span("- 1.5 hours 10.5 seconds", -5410.5);
}
END_TEST

START_TEST(test_timespan_sign_spares_integer_seconds_after_truncation)
{
	/* nvme-stas signs only the truncated part when the seconds are a whole number. */
	assert_span("-1.5 hours 10 seconds", -5390);
	assert_span("- 1.5 minutes 30 s", -60);
	assert_span("-1.5 days 2:03:04", -136976);
	assert_span("-1.2 minutes", -72);
}
END_TEST

START_TEST(test_timespan_bad_signs_rejected)
{
	assert_rejected("--1 minute");
	assert_rejected("+-1 minute");
	assert_rejected("1 minute -");
	assert_rejected("|1 minute");
	assert_rejected("-");
	assert_rejected("+");
}
END_TEST

/* ---------------------------------------------------------------- clock forms */

START_TEST(test_timespan_clock_minutes_seconds)
{
	assert_span("1:01", 61);
	assert_span("12:34", 754);
	assert_span("0:00", 0);
	assert_span("1:99", 159); /* fields are not range-checked */
	assert_rejected("123:45");
	assert_rejected("1:2");
	assert_rejected("1:234");
}
END_TEST

START_TEST(test_timespan_clock_hours_minutes_seconds)
{
	assert_span("1:02:03", 3723);
	assert_span("100:00:00", 360000);
	assert_rejected("1:2:03");
	assert_rejected("1:02:3");
	assert_rejected("1::03");
}
END_TEST

START_TEST(test_timespan_clock_days_hours_minutes_seconds)
{
	assert_span("1:02:03:04", 93784);
	assert_span("10:00:00:00", 864000);
	assert_rejected("1:2:03:04");
	assert_rejected("1:02:3:04");
	assert_rejected("1:2:3:4:5");
	assert_rejected("1:02:03:04:05");
}
END_TEST

START_TEST(test_timespan_clock_days_unit_before_hours)
{
	assert_span("1d 2:03:04", 93784);
	assert_span("1d2:03:04", 93784);
	assert_span("1 day, 2:03:04", 93784);
	assert_span("2 DAYS / 0:00:01", 172801);
	assert_rejected("1d 2:03");
	assert_rejected("1d :22");
	assert_rejected("1d 1:02:03:04");
	assert_rejected("1h 2:03:04");
}
END_TEST

START_TEST(test_timespan_clock_bare_day_count_rejected)
{
	/* nvme-stas's optional day component keeps its unit even in front of a clock. */
	assert_rejected("1 2:03:04");
}
END_TEST

START_TEST(test_timespan_clock_seconds_only)
{
	assert_span(":22", 22);
	assert_span(":00", 0);
	assert_span(":22.5", 22.5);
	assert_rejected(":2");
	assert_rejected(":222");
	assert_rejected(":");
}
END_TEST

START_TEST(test_timespan_clock_fractional_seconds)
{
	assert_span("1:01.5", 61.5);
	assert_span("1:02:03.25", 3723.25);
	assert_span("1:02:03:04.5", 93784.5);
	assert_rejected("1:01.");
	assert_rejected("1:.5");
	assert_rejected("1.5:01");
	assert_rejected("1:01.5.5");
}
END_TEST

START_TEST(test_timespan_clock_with_junk_rejected)
{
	assert_rejected("1:");
	assert_rejected("1:01 s");
	assert_rejected("1 : 01");
	assert_rejected("1:01x");
	assert_rejected("a:01");
}
END_TEST

/* ---------------------------------------------------------------- bad input */

START_TEST(test_timespan_null_empty_and_blank_rejected)
{
	double value = 42.0;

	ck_assert(!stas_timespan_parse(NULL, &value));
	ck_assert(value == 42.0);
	assert_rejected("");
	assert_rejected("   ");
	assert_rejected("\t\n");
}
END_TEST

START_TEST(test_timespan_garbage_and_trailing_junk_rejected)
{
	assert_rejected("blah");
	assert_rejected("5 minutes garbage");
	assert_rejected("5 minutes 5");
	assert_rejected("5x");
	assert_rejected("1 2");
	assert_rejected("one minute");
}
END_TEST

#define MEGABYTE (1024 * 1024)

/* These would take minutes if any step were quadratic; the test timeout catches that. */
START_TEST(test_timespan_megabyte_inputs_are_handled)
{
	g_autofree char *digits = g_strnfill(MEGABYTE, '7');
	g_autofree char *spaces = g_strnfill(MEGABYTE, ' ');
	g_autofree char *dots = g_strnfill(MEGABYTE, '.');
	g_autofree char *digits_secs = g_strconcat(digits, " s", NULL);
	g_autofree char *digits_clock = g_strconcat("1:", digits, NULL);
	g_autofree char *padded = g_strconcat(spaces, "- 5 minutes", spaces, NULL);
	g_autofree char *tiny = g_strconcat("0.", digits, NULL);
	g_autofree char *zeros = g_strnfill(MEGABYTE, '0');
	g_autofree char *small = g_strconcat("0.", zeros, "1", NULL);
	g_autofree char *many_units = NULL;
	GString *repeated = g_string_new(NULL);
	int i;

	assert_rejected(digits);
	assert_rejected(digits_secs);
	assert_rejected(digits_clock);
	assert_rejected(spaces);
	assert_rejected(dots);
	assert_span(padded, -300);
	assert_span(tiny, 7.0 / 9.0);
	assert_span(small, 0); /* underflows, as in Python */

	for (i = 0; i < MEGABYTE / 4; i++)
		g_string_append(repeated, "1d, ");
	many_units = g_string_free(repeated, FALSE);
	assert_rejected(many_units);
}
END_TEST

static Suite *timespan_suite(void)
{
	Suite *s = suite_create("timespan");
	TCase *tc;

	tc = tcase_create("reference");
	tcase_add_test(tc, test_timespan_reference_table);
	suite_add_tcase(s, tc);

	tc = tcase_create("plain-number");
	tcase_add_test(tc, test_timespan_plain_number_is_seconds);
	tcase_add_test(tc, test_timespan_plain_number_scientific_notation);
	tcase_add_test(tc, test_timespan_plain_number_surrounding_whitespace);
	tcase_add_test(tc, test_timespan_plain_number_sign_followed_by_blank_rejected);
	tcase_add_test(tc, test_timespan_not_a_number_or_infinity_rejected);
	tcase_add_test(tc, test_timespan_overflowing_number_rejected);
	suite_add_tcase(s, tc);

	tc = tcase_create("units");
	tcase_add_test(tc, test_timespan_every_unit_spelling);
	tcase_add_test(tc, test_timespan_units_are_case_insensitive);
	tcase_add_test(tc, test_timespan_unit_sequences_add_up);
	tcase_add_test(tc, test_timespan_unit_sequence_separators);
	tcase_add_test(tc, test_timespan_units_out_of_order_or_repeated_rejected);
	tcase_add_test(tc, test_timespan_unknown_or_partial_units_rejected);
	tcase_add_test(tc, test_timespan_malformed_unit_numbers_rejected);
	suite_add_tcase(s, tc);

	tc = tcase_create("arithmetic");
	tcase_add_test(tc, test_timespan_minutes_with_fraction_truncate_to_whole_seconds);
	tcase_add_test(tc, test_timespan_fractional_seconds_give_exact_sum);
	tcase_add_test(tc, test_timespan_integer_components_sum_exactly);
	tcase_add_test(tc, test_timespan_sign_with_whitespace);
	tcase_add_test(tc, test_timespan_sign_spares_integer_seconds_after_truncation);
	tcase_add_test(tc, test_timespan_bad_signs_rejected);
	suite_add_tcase(s, tc);

	tc = tcase_create("clock");
	tcase_add_test(tc, test_timespan_clock_minutes_seconds);
	tcase_add_test(tc, test_timespan_clock_hours_minutes_seconds);
	tcase_add_test(tc, test_timespan_clock_days_hours_minutes_seconds);
	tcase_add_test(tc, test_timespan_clock_days_unit_before_hours);
	tcase_add_test(tc, test_timespan_clock_bare_day_count_rejected);
	tcase_add_test(tc, test_timespan_clock_seconds_only);
	tcase_add_test(tc, test_timespan_clock_fractional_seconds);
	tcase_add_test(tc, test_timespan_clock_with_junk_rejected);
	suite_add_tcase(s, tc);

	tc = tcase_create("bad-input");
	tcase_add_test(tc, test_timespan_null_empty_and_blank_rejected);
	tcase_add_test(tc, test_timespan_garbage_and_trailing_junk_rejected);
	tcase_add_test(tc, test_timespan_megabyte_inputs_are_handled);
	suite_add_tcase(s, tc);

	return s;
}

int main(void)
{
	return tu_run(timespan_suite());
}
