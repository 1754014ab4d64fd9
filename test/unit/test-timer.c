// SPDX-License-Identifier: Apache-2.0
/* Timers and their descriptions (nvme-stas's test-gtimer). */
#include "stas/timer.h"
#include "testutil.h"

static guint fired;

static gboolean on_fire(gpointer data)
{
	fired++;
	return GPOINTER_TO_INT(data) ? G_SOURCE_CONTINUE : G_SOURCE_REMOVE;
}

static void iterate(void)
{
	while (g_main_context_iteration(NULL, FALSE))
		;
}

START_TEST(test_timer_new_is_off)
{
	g_autoptr(StasTimer) t = stas_timer_new(5, on_fire, NULL);
	g_autofree char *text = stas_timer_describe(t);

	ck_assert_str_eq(text, "5.0s [off]");
	ck_assert(stas_timer_remaining(t) == 0);
	ck_assert(!stas_timer_is_armed(t));
	stas_timer_set_interval(t, 18);
	ck_assert(stas_timer_get_interval(t) == 18);
}
END_TEST

START_TEST(test_timer_started_counts_down)
{
	g_autoptr(StasTimer) t = stas_timer_new(60, on_fire, NULL);
	g_autofree char *text = NULL;
	gint64 before = g_get_monotonic_time();
	double remaining, elapsed;

	stas_timer_start(t);
	ck_assert(stas_timer_is_armed(t));
	remaining = stas_timer_remaining(t);
	/* valgrind on a loaded machine may spend seconds here: allow for the clock */
	elapsed = (double)(g_get_monotonic_time() - before) / G_USEC_PER_SEC;
	ck_assert(remaining > 60 - elapsed - 0.01 && remaining <= 60);
	text = stas_timer_describe(t);
	ck_assert(g_str_has_prefix(text, "60.0s [5"));
	stas_timer_stop(t);
	ck_assert(!stas_timer_is_armed(t));
}
END_TEST

START_TEST(test_timer_expire_now)
{
	g_autoptr(StasTimer) t = stas_timer_new(1, on_fire, NULL);
	g_autofree char *text = NULL;

	fired = 0;
	stas_timer_expire_now(t);
	text = stas_timer_describe(t);
	ck_assert_str_eq(text, "1.0s [0s]");
	ck_assert(stas_timer_remaining(t) == 0);
	iterate();
	ck_assert_uint_eq(fired, 1);
	ck_assert(!stas_timer_is_armed(t));
}
END_TEST

START_TEST(test_timer_continue_rearms_with_interval)
{
	g_autoptr(StasTimer) t = stas_timer_new(30, on_fire, GINT_TO_POINTER(TRUE));

	fired = 0;
	stas_timer_expire_now(t);
	iterate();
	ck_assert_uint_eq(fired, 1);
	ck_assert(stas_timer_is_armed(t));
	ck_assert(stas_timer_remaining(t) > 29);
}
END_TEST

START_TEST(test_timer_restart_pushes_deadline)
{
	g_autoptr(StasTimer) t = stas_timer_new(1.5, on_fire, NULL);

	stas_timer_expire_now(t);
	stas_timer_start(t); /* a soak timer re-armed: the full interval again */
	ck_assert(stas_timer_remaining(t) > 1.4);
	stas_timer_start_if_off(t);
	ck_assert(stas_timer_remaining(t) > 1.4);
}
END_TEST

START_TEST(test_timer_60_days_arms_60_days)
{
	/* 60 days in milliseconds does not fit 32 bits (review-stafd #7). */
	g_autoptr(StasTimer) t = stas_timer_new(60 * 86400.0, on_fire, NULL);
	g_autofree char *text = NULL;

	stas_timer_start(t);
	ck_assert(stas_timer_remaining(t) > 60 * 86400.0 - 1);
	ck_assert(stas_timer_remaining(t) <= 60 * 86400.0);
	text = stas_timer_describe(t);
	ck_assert(g_str_has_prefix(text, "5184000.0s [518399"));
}
END_TEST

START_TEST(test_timer_huge_interval_never_fires_at_once)
{
	g_autoptr(StasTimer) t = stas_timer_new(1e300, on_fire, NULL);
	g_autofree char *text = NULL;

	fired = 0;
	stas_timer_start(t);
	iterate();
	ck_assert_uint_eq(fired, 0);
	ck_assert(stas_timer_is_armed(t));
	ck_assert(stas_timer_remaining(t) > 1e299);
	text = stas_timer_describe(t);
	ck_assert_str_eq(text, "1e+300s [1e+300s]");
}
END_TEST

START_TEST(test_timer_long_interval_waits_in_steps_of_a_day)
{
	/* GLib's timeouts count milliseconds in 32 bits: a long wait is a
	 * chain of shorter ones, each well inside that range. */
	g_autoptr(StasTimer) t = stas_timer_new(60 * 86400.0, on_fire, NULL);
	GSource *source;
	gint64 now = g_get_monotonic_time();

	stas_timer_start(t);
	source = g_main_context_find_source_by_user_data(NULL, t);
	ck_assert_ptr_nonnull(source);
	ck_assert(g_source_get_ready_time(source) - now <= (gint64)86401 * G_USEC_PER_SEC);
	ck_assert(g_source_get_ready_time(source) - now >= (gint64)86399 * G_USEC_PER_SEC);
}
END_TEST

START_TEST(test_seconds_describe)
{
	static const struct {
		double s;
		const char *text;
	} cases[] = { { 1.5, "1.5s" },	  { 60, "60.0s" },
		      { 0, "0.0s" },	  { 55.553427, "55.553427s" },
		      { 0.25, "0.25s" },  { 5184000, "5184000.0s" },
		      { 1e16, "1e+16s" }, { 1.5e300, "1.5e+300s" } };

	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autofree char *text = stas_seconds_describe(cases[i].s);

		ck_assert_str_eq(text, cases[i].text);
	}
}
END_TEST

int main(void)
{
	Suite *suite = suite_create("timer");
	TCase *tc = tcase_create("timer");

	tcase_add_test(tc, test_timer_new_is_off);
	tcase_add_test(tc, test_timer_started_counts_down);
	tcase_add_test(tc, test_timer_expire_now);
	tcase_add_test(tc, test_timer_continue_rearms_with_interval);
	tcase_add_test(tc, test_timer_restart_pushes_deadline);
	tcase_add_test(tc, test_timer_60_days_arms_60_days);
	tcase_add_test(tc, test_timer_huge_interval_never_fires_at_once);
	tcase_add_test(tc, test_timer_long_interval_waits_in_steps_of_a_day);
	tcase_add_test(tc, test_seconds_describe);
	suite_add_tcase(suite, tc);
	return tu_run(suite);
}
