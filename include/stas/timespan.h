/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Time spans as nvme-stas accepts them for zeroconf-connections-persistence:
 * plain numbers ("3600", "0.5", "-1"), unit sequences ("72hours",
 * "3 days 5 hours", "1h30m", "1 minute, 24 secs") and clock forms ("1:01",
 * "1:02:03", ":22").
 */
#pragma once

#include <glib.h>

/* Returns TRUE and the number of seconds in *seconds when @text is a time
 * span, FALSE otherwise (*seconds untouched). */
gboolean stas_timespan_parse(const char *text, double *seconds);
