// SPDX-License-Identifier: Apache-2.0
/*
 * Timers for retries, soak (debounce) periods and audits. A thin layer over
 * a GSource that can be re-armed, queried and described, which is what the
 * controllers and the D-Bus debug output need.
 */
#include <math.h>
#include <string.h>

#include "stas/timer.h"

/* GLib's timeouts count milliseconds in a guint (49.7 days at most): a
 * longer wait is a chain of steps of at most a day, and only the last one
 * calls back (review-stafd #7). */
#define STEP_S 86400.0

struct _StasTimer {
	double interval;
	StasTimerFunc func;
	gpointer user_data;
	GSource *source;
	double deadline; /* monotonic seconds; a double, so 1e300 s still fits */
	gboolean last_step;
	gboolean due_now;
};

static gboolean on_timeout(gpointer data);

static double now_s(void)
{
	return (double)g_get_monotonic_time() / G_USEC_PER_SEC;
}

static void detach(StasTimer *timer)
{
	if (timer->source) {
		g_source_destroy(timer->source);
		g_clear_pointer(&timer->source, g_source_unref);
	}
	timer->due_now = FALSE;
}

/* Arms the next step towards timer->deadline. */
static void arm_step(StasTimer *timer)
{
	double left = timer->deadline - now_s();
	guint delay_ms;

	if (left > STEP_S) {
		delay_ms = (guint)(STEP_S * 1000.0);
		timer->last_step = FALSE;
	} else {
		delay_ms = left > 0 ? (guint)(left * 1000.0) : 0;
		timer->last_step = TRUE;
	}
	detach(timer);
	timer->source = g_timeout_source_new(delay_ms);
	g_source_set_callback(timer->source, on_timeout, timer, NULL);
	g_source_set_name(timer->source, "stas-timer");
	g_source_attach(timer->source, g_main_context_get_thread_default());
}

static void arm(StasTimer *timer, double delay_s, gboolean due_now)
{
	/* "!(x > 0)" also catches NaN. */
	timer->deadline = now_s() + (delay_s > 0 ? delay_s : 0);
	arm_step(timer);
	timer->due_now = due_now;
}

static gboolean on_timeout(gpointer data)
{
	StasTimer *timer = data;

	g_clear_pointer(&timer->source, g_source_unref);
	if (!timer->last_step) {
		arm_step(timer);
		return G_SOURCE_REMOVE;
	}
	/* The source is finished whatever the callback says; a callback that
	 * wants more re-arms with the full interval, as a periodic timer. */
	timer->due_now = FALSE;
	if (timer->func(timer->user_data) == G_SOURCE_CONTINUE && !timer->source)
		stas_timer_start(timer);
	return G_SOURCE_REMOVE;
}

StasTimer *stas_timer_new(double interval_s, StasTimerFunc func, gpointer user_data)
{
	StasTimer *timer = g_new0(StasTimer, 1);

	timer->interval = interval_s;
	timer->func = func;
	timer->user_data = user_data;
	return timer;
}

void stas_timer_free(StasTimer *timer)
{
	if (!timer)
		return;
	detach(timer);
	g_free(timer);
}

void stas_timer_start(StasTimer *timer)
{
	arm(timer, timer->interval, FALSE);
}

void stas_timer_start_if_off(StasTimer *timer)
{
	if (!timer->source)
		stas_timer_start(timer);
}

void stas_timer_stop(StasTimer *timer)
{
	detach(timer);
}

void stas_timer_expire_now(StasTimer *timer)
{
	arm(timer, 0, TRUE);
}

void stas_timer_set_interval(StasTimer *timer, double interval_s)
{
	timer->interval = interval_s;
}

double stas_timer_get_interval(const StasTimer *timer)
{
	return timer->interval;
}

gboolean stas_timer_is_armed(const StasTimer *timer)
{
	return timer->source != NULL;
}

double stas_timer_remaining(const StasTimer *timer)
{
	double left;

	if (!timer->source || timer->due_now)
		return 0;
	left = timer->deadline - now_s();
	return left > 0 ? left : 0;
}

/* "1e+16s", "1.5e+300s": the fewest significant digits that round-trip. */
static char *describe_exponent(double seconds)
{
	char buf[G_ASCII_DTOSTR_BUF_SIZE];

	for (int digits = 1; digits <= 17; digits++) {
		g_snprintf(buf, sizeof(buf), "%.*e", digits - 1, seconds);
		if (g_ascii_strtod(buf, NULL) == seconds)
			break;
	}
	return g_strdup_printf("%ss", buf);
}

char *stas_seconds_describe(double seconds)
{
	/* Python's str(float): at least one decimal, no trailing zeros beyond
	 * it; from 1e16 on, the shortest exponent form that reads back. */
	char buf[G_ASCII_DTOSTR_BUF_SIZE];

	if (fabs(seconds) >= 1e16 && isfinite(seconds))
		return describe_exponent(seconds);
	g_ascii_formatd(buf, sizeof(buf), "%.6f", seconds);
	for (gsize len = strlen(buf); len > 2 && buf[len - 1] == '0' && buf[len - 2] != '.'; len--)
		buf[len - 1] = '\0';
	return g_strdup_printf("%ss", buf);
}

char *stas_timer_describe(const StasTimer *timer)
{
	g_autofree char *interval = stas_seconds_describe(timer->interval);
	g_autofree char *left = NULL;
	double remaining;

	if (!timer->source)
		return g_strdup_printf("%s [off]", interval);
	remaining = stas_timer_remaining(timer);
	if (remaining <= 0)
		return g_strdup_printf("%s [0s]", interval);
	left = stas_seconds_describe(remaining);
	return g_strdup_printf("%s [%s]", interval, left);
}
