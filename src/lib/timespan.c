// SPDX-License-Identifier: Apache-2.0
/*
 * Time spans in nvme-stas's syntax (SPEC §2.10), parsed by hand in a single linear pass so that
 * a hostile configuration value cannot make us slow, and converted with nvme-stas's arithmetic.
 */
#include "config.h"
#include "stas/timespan.h"

#include <math.h>
#include <string.h>

typedef enum {
	SLOT_DAYS,
	SLOT_HOURS,
	SLOT_MINS,
	SLOT_SECS,
	N_SLOTS,
} Slot;

static const guint64 slot_multiplier[N_SLOTS] = { 86400, 3600, 60, 1 };

/* A number captured from the text; start == NULL when the component is absent. */
typedef struct {
	const char *start;
	gsize len;
} Field;

typedef struct {
	const char *name;
	Slot slot;
} Unit;

static const Unit units[] = {
	{ "d", SLOT_DAYS },	{ "dy", SLOT_DAYS },	 { "dys", SLOT_DAYS },	   { "day", SLOT_DAYS },
	{ "days", SLOT_DAYS },	{ "h", SLOT_HOURS },	 { "hr", SLOT_HOURS },	   { "hrs", SLOT_HOURS },
	{ "hour", SLOT_HOURS }, { "hours", SLOT_HOURS }, { "m", SLOT_MINS },	   { "min", SLOT_MINS },
	{ "mins", SLOT_MINS },	{ "minute", SLOT_MINS }, { "minutes", SLOT_MINS }, { "s", SLOT_SECS },
	{ "sec", SLOT_SECS },	{ "secs", SLOT_SECS },	 { "second", SLOT_SECS },  { "seconds", SLOT_SECS },
};

/* Python's \s and float() whitespace, restricted to ASCII: configuration values are ASCII. */
static gboolean is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

static const char *skip_space(const char *p, const char *end)
{
	while (p < end && is_space(*p))
		p++;
	return p;
}

static const char *skip_digits(const char *p, const char *end)
{
	while (p < end && g_ascii_isdigit(*p))
		p++;
	return p;
}

static gboolean all_digits(const char *p, gsize len)
{
	return len > 0 && skip_digits(p, p + len) == p + len;
}

static gboolean finish(double value, double *seconds)
{
	/* Overflowing inputs ("1e999", a megabyte of digits) would otherwise become inf. */
	if (!isfinite(value))
		return FALSE;
	*seconds = value;
	return TRUE;
}

/* Step 1: the whole text is a decimal float literal with optional exponent. Written out rather
 * than left to strtod(), which would also take hex, "inf", "nan" and a sign followed by blanks. */
static gboolean parse_float_literal(const char *text, const char *end, double *seconds)
{
	const char *p = skip_space(text, end);
	const char *num = p;
	const char *q;
	gsize ndigits;
	g_autofree char *copy = NULL;
	char *stop = NULL;
	double value;

	if (p < end && (*p == '+' || *p == '-'))
		p++;
	q = skip_digits(p, end);
	ndigits = q - p;
	p = q;
	if (p < end && *p == '.') {
		q = skip_digits(p + 1, end);
		ndigits += q - (p + 1);
		p = q;
	}
	if (ndigits == 0)
		return FALSE;
	if (p < end && (*p == 'e' || *p == 'E')) {
		p++;
		if (p < end && (*p == '+' || *p == '-'))
			p++;
		q = skip_digits(p, end);
		if (q == p)
			return FALSE;
		p = q;
	}
	if (skip_space(p, end) != end)
		return FALSE;

	copy = g_strndup(num, p - num);
	value = g_ascii_strtod(copy, &stop);
	if (*stop != '\0')
		return FALSE;
	return finish(value, seconds);
}

/* A unit-form number is any run of digits and dots; only those Python's float() takes are
 * numbers ("1.", ".5"), the rest ("1.2.3", ".") make the whole span invalid. */
static gboolean field_to_double(const Field *f, double *value)
{
	g_autofree char *copy = NULL;
	const char *dot = memchr(f->start, '.', f->len);
	char *stop = NULL;

	if (dot && (memchr(dot + 1, '.', f->len - (dot + 1 - f->start)) || f->len == 1))
		return FALSE;
	copy = g_strndup(f->start, f->len);
	*value = g_ascii_strtod(copy, &stop);
	return *stop == '\0' && isfinite(*value);
}

static gboolean digits_to_u64(const Field *f, guint64 *value)
{
	guint64 n = 0;
	gsize i;

	for (i = 0; i < f->len; i++) {
		if (!g_uint64_checked_mul(&n, n, 10) ||
		    !g_uint64_checked_add(&n, n, (guint64)(f->start[i] - '0')))
			return FALSE;
	}
	*value = n;
	return TRUE;
}

/* Steps 3 and 4. All-integer spans are summed exactly; when only the non-second part is
 * fractional, that part is truncated and, as in nvme-stas, the sign is not applied to the
 * seconds; otherwise the plain real sum is signed. */
static gboolean compute(const Field fields[N_SLOTS], int sign, double *seconds)
{
	const Field *secs = &fields[SLOT_SECS];
	gboolean integral = TRUE;
	double sum = 0.0;
	double value;
	int i;

	for (i = 0; i < N_SLOTS; i++) {
		if (fields[i].start && !all_digits(fields[i].start, fields[i].len))
			integral = FALSE;
	}

	if (integral) {
		guint64 total = 0, n, term;
		gboolean exact = TRUE;

		for (i = 0; i < N_SLOTS && exact; i++) {
			if (fields[i].start)
				exact = digits_to_u64(&fields[i], &n) &&
					g_uint64_checked_mul(&term, n, slot_multiplier[i]) &&
					g_uint64_checked_add(&total, total, term);
		}
		if (exact && total <= G_MAXINT64)
			return finish((double)(sign * (gint64)total), seconds);
		/* Too big for exact integers: the signed real sum below is as close as a double gets. */
	}

	if (!integral && (!secs->start || all_digits(secs->start, secs->len))) {
		double secs_value = 0.0;

		for (i = 0; i < SLOT_SECS; i++) {
			if (!fields[i].start)
				continue;
			if (!field_to_double(&fields[i], &value))
				return FALSE;
			sum += (double)slot_multiplier[i] * value;
		}
		if (!isfinite(sum))
			return FALSE;
		/* Truncation toward zero without libm; beyond 2^52 every double is integral. */
		if (fabs(sum) < 4503599627370496.0)
			sum = (double)(gint64)sum;
		if (secs->start && !field_to_double(secs, &secs_value))
			return FALSE;
		return finish(sign * sum + secs_value, seconds);
	}

	for (i = 0; i < N_SLOTS; i++) {
		if (!fields[i].start)
			continue;
		if (!field_to_double(&fields[i], &value))
			return FALSE;
		sum += (double)slot_multiplier[i] * value;
	}
	return finish(sign * sum, seconds);
}

/* A number, optional blanks and a unit word. The unit must be the whole run of letters: a
 * shorter unit would leave a letter where only a blank, separator, number or the end may follow. */
static const char *parse_component(const char *p, const char *end, Field *number, Slot *slot)
{
	const char *word;
	gsize len;
	gsize i;

	number->start = p;
	while (p < end && (g_ascii_isdigit(*p) || *p == '.'))
		p++;
	number->len = p - number->start;
	if (number->len == 0)
		return NULL;
	p = skip_space(p, end);
	word = p;
	while (p < end && g_ascii_isalpha(*p))
		p++;
	len = p - word;
	for (i = 0; i < G_N_ELEMENTS(units); i++) {
		if (strlen(units[i].name) == len && g_ascii_strncasecmp(word, units[i].name, len) == 0) {
			*slot = units[i].slot;
			return p;
		}
	}
	return NULL;
}

/* After a days, hours or minutes component: blanks, then optionally "," or "/" and blanks. */
static const char *skip_separator(const char *p, const char *end)
{
	p = skip_space(p, end);
	if (p < end && (*p == ',' || *p == '/'))
		p = skip_space(p + 1, end);
	return p;
}

/* "3 days 5 hours", "1h30m", "1 minute, 24 secs": components in the order days, hours, minutes,
 * seconds, each at most once. Nothing, not even a separator, may follow the seconds. */
static gboolean parse_units(const char *p, const char *end, Field fields[N_SLOTS])
{
	int last = -1;

	memset(fields, 0, N_SLOTS * sizeof(*fields));
	if (p == end)
		return FALSE;
	while (p < end) {
		Field number;
		Slot slot;

		p = parse_component(p, end, &number, &slot);
		if (!p || (int)slot <= last)
			return FALSE;
		fields[slot] = number;
		last = slot;
		p = slot == SLOT_SECS ? skip_space(p, end) : skip_separator(p, end);
		if (slot == SLOT_SECS && p != end)
			return FALSE;
	}
	return TRUE;
}

/* SS of the clock forms: exactly two digits, then optionally a dot and more digits. */
static gboolean is_clock_seconds(const char *p, const char *end)
{
	const char *q = skip_digits(p, end);

	if (q - p != 2)
		return FALSE;
	if (q == end)
		return TRUE;
	return *q == '.' && q + 1 < end && skip_digits(q + 1, end) == end;
}

/* "M:SS" (M of 1-2 digits), "[<days with unit>] H:MM:SS", "D:HH:MM:SS" and ":SS". A day count
 * before H:MM:SS needs its unit ("1d 2:03:04"): nvme-stas rejects a bare "1 2:03:04". */
static gboolean parse_clock(const char *p, const char *end, Field fields[N_SLOTS])
{
	const char *part[4];
	const char *part_end[4];
	Field days = { NULL, 0 };
	const char *q;
	gboolean secclock;
	int n = 0;
	int i;

	memset(fields, 0, N_SLOTS * sizeof(*fields));
	/* A leading number that is not the first clock field can only be the days component. */
	q = p;
	while (q < end && (g_ascii_isdigit(*q) || *q == '.'))
		q++;
	if (q < end && *q != ':') {
		Slot slot;

		p = parse_component(p, end, &days, &slot);
		if (!p || slot != SLOT_DAYS)
			return FALSE;
		p = skip_separator(p, end);
	}

	part[0] = p;
	for (q = p; q < end; q++) {
		if (*q != ':')
			continue;
		if (n == 3)
			return FALSE;
		part_end[n++] = q;
		part[n] = q + 1;
	}
	part_end[n++] = end;
	secclock = n == 2 && part_end[0] == part[0];
	for (i = secclock ? 1 : 0; i < n - 1; i++) {
		if (!all_digits(part[i], part_end[i] - part[i]))
			return FALSE;
	}
	if (n < 2 || !is_clock_seconds(part[n - 1], part_end[n - 1]))
		return FALSE;

#define FIELD(k) ((Field){ part[k], (gsize)(part_end[k] - part[k]) })
	fields[SLOT_SECS] = FIELD(n - 1);
	switch (n) {
	case 2:
		if (days.start)
			return FALSE;
		if (secclock)
			return TRUE;
		if (part_end[0] - part[0] > 2)
			return FALSE;
		fields[SLOT_MINS] = FIELD(0);
		return TRUE;
	case 3:
		if (part_end[1] - part[1] != 2)
			return FALSE;
		fields[SLOT_DAYS] = days;
		fields[SLOT_HOURS] = FIELD(0);
		fields[SLOT_MINS] = FIELD(1);
		return TRUE;
	case 4:
		if (days.start || part_end[1] - part[1] != 2 || part_end[2] - part[2] != 2)
			return FALSE;
		fields[SLOT_DAYS] = FIELD(0);
		fields[SLOT_HOURS] = FIELD(1);
		fields[SLOT_MINS] = FIELD(2);
		return TRUE;
	default:
		return FALSE;
	}
#undef FIELD
}

gboolean stas_timespan_parse(const char *text, double *seconds)
{
	Field fields[N_SLOTS];
	const char *end;
	const char *p;
	int sign = 1;

	if (!text)
		return FALSE;
	end = text + strlen(text);
	if (parse_float_literal(text, end, seconds))
		return TRUE;

	while (end > text && is_space(end[-1]))
		end--;
	p = skip_space(text, end);
	if (p < end && (*p == '+' || *p == '-')) {
		sign = *p == '-' ? -1 : 1;
		p = skip_space(p + 1, end);
	}

	if (!parse_units(p, end, fields) && !parse_clock(p, end, fields))
		return FALSE;
	return compute(fields, sign, seconds);
}
