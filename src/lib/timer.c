// SPDX-License-Identifier: Apache-2.0
/*
 * Timers for retries, soak (debounce) periods and audits. A thin layer over
 * a GSource that can be re-armed, queried and described, which is what the
 * controllers and the D-Bus debug output need.
 */
#include <string.h>

#include "stas/timer.h"

struct _StasTimer {
	double interval;
	StasTimerFunc func;
	gpointer user_data;
	GSource *source;
	gint64 deadline; /* monotonic µs */
	gboolean due_now;
};

static gboolean on_timeout(gpointer data);

static void detach(StasTimer *timer)
{
	if (timer->source) {
		g_source_destroy(timer->source);
		g_clear_pointer(&timer->source, g_source_unref);
	}
	timer->due_now = FALSE;
}

static void arm(StasTimer *timer, guint delay_ms, gboolean due_now)
{
	detach(timer);
	timer->source = g_timeout_source_new(delay_ms);
	g_source_set_callback(timer->source, on_timeout, timer, NULL);
	g_source_set_name(timer->source, "stas-timer");
	g_source_attach(timer->source, g_main_context_get_thread_default());
	timer->deadline = g_get_monotonic_time() + (gint64)delay_ms * 1000;
	timer->due_now = due_now;
}

static gboolean on_timeout(gpointer data)
{
	StasTimer *timer = data;

	/* The source is finished whatever the callback says; a callback that
	 * wants more re-arms with the full interval, as a periodic timer. */
	g_clear_pointer(&timer->source, g_source_unref);
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
	arm(timer, (guint)(timer->interval > 0 ? timer->interval * 1000.0 : 0), FALSE);
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
	gint64 left;

	if (!timer->source || timer->due_now)
		return 0;
	left = timer->deadline - g_get_monotonic_time();
	return left > 0 ? (double)left / G_USEC_PER_SEC : 0;
}

char *stas_seconds_describe(double seconds)
{
	/* Python's str(float): at least one decimal, no trailing zeros beyond it. */
	char buf[G_ASCII_DTOSTR_BUF_SIZE];

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
