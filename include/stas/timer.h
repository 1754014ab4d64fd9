/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A restartable one-shot timer on the thread-default main context, with the
 * textual description nvme-stas shows in its debug output
 * ("60.0s [off]", "60.0s [55.5s]", "1.0s [0s]"). Tests drive time by
 * calling stas_timer_expire_now() instead of waiting.
 */
#pragma once

#include <glib.h>

typedef struct _StasTimer StasTimer;

/* Returning G_SOURCE_CONTINUE re-arms the timer with its interval. */
typedef gboolean (*StasTimerFunc)(gpointer user_data);

StasTimer *stas_timer_new(double interval_s, StasTimerFunc func, gpointer user_data);
void stas_timer_free(StasTimer *timer);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(StasTimer, stas_timer_free)

/* (Re)arm: the deadline becomes now + interval (a soak/debounce timer). */
void stas_timer_start(StasTimer *timer);
/* Arm only when not armed already. */
void stas_timer_start_if_off(StasTimer *timer);
void stas_timer_stop(StasTimer *timer);
/* Fire on the next main-loop iteration. */
void stas_timer_expire_now(StasTimer *timer);
void stas_timer_set_interval(StasTimer *timer, double interval_s);
double stas_timer_get_interval(const StasTimer *timer);
gboolean stas_timer_is_armed(const StasTimer *timer);
/* Seconds until expiry, 0 when not armed or already due. */
double stas_timer_remaining(const StasTimer *timer);
char *stas_timer_describe(const StasTimer *timer);
/* Describes an interval the way the timer does: "1.5s", "60.0s". */
char *stas_seconds_describe(double seconds);
