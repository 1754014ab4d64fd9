// SPDX-License-Identifier: Apache-2.0
/*
 * Time spans (zeroconf-connections-persistence): "72 hours", "1:30:00",
 * "3 days 5 hours", plain numbers. A span that parses is a finite number
 * and a timer armed with it waits at least that long (fuzz F4: intervals
 * beyond 49.7 days wrapped); a span that does not parse leaves the output
 * alone.
 *
 * Input: the text (up to the first NUL).
 */
#include <math.h>

#include "fuzz.h"
#include "stas/timespan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	FuzzInput in = { data, size };
	g_autofree char *text = fuzz_string(&in);
	const double untouched = -12345.5;
	double seconds = untouched;

	fuzz_init();
	if (!stas_timespan_parse(text, &seconds)) {
		fuzz_assert(seconds == untouched);
		return 0;
	}
	fuzz_assert(isfinite(seconds));
	fuzz_check_timer(seconds);
	return 0;
}
