// SPDX-License-Identifier: Apache-2.0
/*
 * Version strings (ours and libnvme's) and the kernel release comparison that decides which
 * connect options the running kernel is assumed to support.
 */
#include "config.h"
#include "stas/version.h"

#include <string.h>

#ifdef HAVE_NVME_GET_VERSION
#include <libnvme.h>
#endif

const char *stas_version(void)
{
	return STAS_VERSION;
}

const char *stas_libnvme_version(void)
{
#ifdef HAVE_NVME_GET_VERSION
	const char *version = nvme_get_version(NVME_VERSION_PROJECT);

	if (version && *version)
		return version;
#endif
	/* Older libnvme cannot report its version; nvme-stas shows the same placeholder. */
	return "?.?";
}

/* Cursor over the numeric components of a release string. Components are separated by '.' or
 * '-'; the first one that is not all digits ("generic", "rc1", "") ends the version. */
typedef struct {
	const char *p;
	gboolean done;
} Components;

/* Returns the next component (leading zeros removed) in *digits and *len, or FALSE, leaving them
 * untouched, at the end: the caller's "0" then stands in so that "5.8" equals "5.8.0". */
static gboolean next_component(Components *c, const char **digits, gsize *len)
{
	const char *start = c->p;
	const char *q = start;

	if (c->done)
		return FALSE;
	while (g_ascii_isdigit(*q))
		q++;
	if (q == start || (*q != '\0' && *q != '.' && *q != '-')) {
		c->done = TRUE;
		return FALSE;
	}
	c->done = *q == '\0';
	c->p = c->done ? q : q + 1;
	while (start + 1 < q && *start == '0')
		start++;
	*digits = start;
	*len = q - start;
	return TRUE;
}

/* Compared as digit strings rather than integers so that no component can overflow. */
static int cmp_component(const char *a, gsize alen, const char *b, gsize blen)
{
	int r;

	if (alen != blen)
		return alen < blen ? -1 : 1;
	r = memcmp(a, b, alen);
	return (r > 0) - (r < 0);
}

int stas_kernel_version_cmp(const char *a, const char *b)
{
	Components ca = { a ? a : "", FALSE };
	Components cb = { b ? b : "", FALSE };

	for (;;) {
		const char *da = "0", *db = "0";
		gsize la = 1, lb = 1;
		gboolean more_a = next_component(&ca, &da, &la);
		gboolean more_b = next_component(&cb, &db, &lb);
		int r;

		if (!more_a && !more_b)
			return 0;
		r = cmp_component(da, la, db, lb);
		if (r != 0)
			return r;
	}
}
