// SPDX-License-Identifier: Apache-2.0
/*
 * controller= and exclude= entries: "key=value; key=value" text turned into
 * an ordered dictionary. Each token is split at its first '=' so that
 * base64 secrets ending in '=' padding survive (nvme-stas drops them).
 */
#include <string.h>

#include "stas/conf.h"

StasCtrlEntry *stas_ctrl_entry_new(void)
{
	StasCtrlEntry *entry = g_new0(StasCtrlEntry, 1);

	entry->keys = g_ptr_array_new_with_free_func(g_free);
	entry->values = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, g_free);
	return entry;
}

void stas_ctrl_entry_free(StasCtrlEntry *entry)
{
	if (!entry)
		return;
	g_hash_table_unref(entry->values);
	g_ptr_array_unref(entry->keys);
	g_free(entry);
}

void stas_ctrl_entry_set(StasCtrlEntry *entry, const char *key, const char *value)
{
	gpointer stored;

	/* The table borrows its keys from the ordered list. */
	if (!g_hash_table_lookup_extended(entry->values, key, &stored, NULL)) {
		stored = g_strdup(key);
		g_ptr_array_add(entry->keys, stored);
	}
	g_hash_table_insert(entry->values, stored, g_strdup(value));
}

void stas_ctrl_entry_remove(StasCtrlEntry *entry, const char *key)
{
	for (guint i = 0; i < entry->keys->len; i++) {
		if (g_str_equal(g_ptr_array_index(entry->keys, i), key)) {
			g_hash_table_remove(entry->values, key);
			g_ptr_array_remove_index(entry->keys, i);
			return;
		}
	}
}

const char *stas_ctrl_entry_get(const StasCtrlEntry *entry, const char *key)
{
	return g_hash_table_lookup(entry->values, key);
}

guint stas_ctrl_entry_size(const StasCtrlEntry *entry)
{
	return entry->keys->len;
}

/* What a problem message may show of a token: never a DH-HMAC-CHAP secret. */
static char *shown_token(const char *raw)
{
	g_autofree char *token = g_utf8_make_valid(raw, -1);

	if (strstr(token, "DHHC-"))
		return g_strdup("(a token that looks like a secret; not shown)");
	if (g_utf8_strlen(token, -1) > 60) {
		/* Cut at a character, not a byte: messages must stay UTF-8 (fuzz N4). */
		g_autofree char *head = g_utf8_substring(token, 0, 60);

		return g_strdup_printf("\"%s...\"", head);
	}
	return g_strdup_printf("\"%s\"", token);
}

StasCtrlEntry *stas_ctrl_entry_parse(const char *text, const char *file, guint line, const char *option,
				     StasProblems *problems)
{
	g_autoptr(StasCtrlEntry) entry = stas_ctrl_entry_new();
	g_auto(GStrv) tokens = g_strsplit(text ? text : "", ";", -1);
	g_autofree char *nqn = NULL;

	entry->line = line;
	for (guint i = 0; tokens[i]; i++) {
		char *token = g_strstrip(tokens[i]);
		char *eq;

		if (!*token)
			continue;
		eq = strchr(token, '=');
		if (!eq || eq == token) {
			g_autofree char *shown = shown_token(token);

			stas_problems_add(problems, file, line, "Controllers", option,
					  "token %s is not key=value; token ignored", shown);
			continue;
		}
		*eq = '\0';
		g_strstrip(token);
		if (!*token) {
			stas_problems_add(problems, file, line, "Controllers", option,
					  "a token has no key before '='; token ignored");
			continue;
		}
		if (g_str_equal(token, "nqn")) {
			g_free(nqn);
			nqn = g_strdup(g_strstrip(eq + 1));
		} else {
			stas_ctrl_entry_set(entry, token, g_strstrip(eq + 1));
		}
	}
	/* "nqn" is the documented spelling; "subsysnqn" is the TID key. */
	if (nqn)
		stas_ctrl_entry_set(entry, "subsysnqn", nqn);
	return g_steal_pointer(&entry);
}
