// SPDX-License-Identifier: Apache-2.0
/*
 * Secret masking for messages and reports (see secret.h). It works on text,
 * not on parsed entries, because the lines that need it most are the ones
 * the parser could not understand.
 */
#include <string.h>

#include "stas/secret.h"

static const char *const secret_keys[] = { "dhchap-secret", "dhchap-ctrl-secret", "tls-key", "key" };

gboolean stas_secret_is_key(const char *name)
{
	for (guint i = 0; name && i < G_N_ELEMENTS(secret_keys); i++) {
		if (g_ascii_strcasecmp(name, secret_keys[i]) == 0)
			return TRUE;
	}
	return FALSE;
}

gboolean stas_secret_in_text(const char *text)
{
	return text && strstr(text, "DHHC-") != NULL;
}

/* The length of the secret key name at @p, 0 when there is none: a whole
 * word (so "hostkey" and "monkey" are not "key"), then '=' after blanks. */
static gsize secret_key_at(const char *start, const char *p)
{
	if (p > start && !g_ascii_isspace(p[-1]) && p[-1] != ';')
		return 0;
	for (guint i = 0; i < G_N_ELEMENTS(secret_keys); i++) {
		gsize len = strlen(secret_keys[i]);
		const char *q = p + len;

		if (g_ascii_strncasecmp(p, secret_keys[i], len) != 0)
			continue;
		while (*q == ' ' || *q == '\t')
			q++;
		if (*q == '=')
			return q + 1 - p;
	}
	return 0;
}

char *stas_secret_mask(const char *text)
{
	GString *out = g_string_new(NULL);
	const char *p = text ? text : "";

	while (*p) {
		gsize key_len = secret_key_at(text, p);

		if (key_len) {
			g_string_append_len(out, p, key_len);
			p += key_len;
			while (*p == ' ' || *p == '\t')
				g_string_append_c(out, *p++);
			if (*p && *p != ';')
				g_string_append(out, STAS_SECRET_SHOWN);
			while (*p && *p != ';')
				p++;
		} else if (g_str_has_prefix(p, "DHHC-")) {
			g_string_append(out, STAS_SECRET_SHOWN);
			while (*p && !g_ascii_isspace(*p) && !strchr(";,\"'", *p))
				p++;
		} else {
			g_string_append_c(out, *p++);
		}
	}
	return g_string_free(out, FALSE);
}
