// SPDX-License-Identifier: Apache-2.0
/*
 * controller= and exclude= entries as written in stafd.conf/stacd.conf, and
 * the transport identifiers (TIDs) built from them: parse, identity, the
 * printable and dictionary forms, exclusion, and the D-Bus dictionary.
 *
 * Input: a flags byte (bit 0: ignore-iface), then the controller entry \0 the
 * exclude entry \0 the host NQN. The entries are made valid UTF-8 first: the
 * INI reader drops every line that is not, so no entry is anything else.
 */
#include <string.h>

#include "fuzz.h"
#include "stas/conf.h"
#include "stas/dbus-util.h"
#include "stas/problem.h"
#include "stas/tid.h"

/* Problem messages of entries never show what looks like a secret. */
static void check_problems(const StasProblems *problems)
{
	for (guint i = 0; i < problems->len; i++) {
		g_autofree char *text = stas_problem_to_string(g_ptr_array_index(problems, i));

		fuzz_assert(g_utf8_validate(text, -1, NULL));
		fuzz_assert(!strstr(text, "DHHC-"));
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	FuzzInput in = { data, size };
	guint8 flags = fuzz_byte(&in);
	g_autofree char *ctrl_raw = fuzz_string(&in);
	g_autofree char *excl_raw = fuzz_string(&in);
	g_autofree char *ctrl_text = g_utf8_make_valid(ctrl_raw, -1);
	g_autofree char *excl_text = g_utf8_make_valid(excl_raw, -1);
	g_autofree char *hostnqn = fuzz_string(&in);
	g_autoptr(StasProblems) problems = NULL;
	g_autoptr(StasCtrlEntry) entry = NULL;
	g_autoptr(StasCtrlEntry) exclude = NULL;
	g_autoptr(GPtrArray) excludes = NULL;
	g_autoptr(StasTid) tid = NULL;
	g_autoptr(StasTid) again = NULL;
	g_autoptr(GHashTable) dict = NULL;
	GVariant *variant;

	fuzz_init();
	problems = stas_problems_new();
	entry = stas_ctrl_entry_parse(ctrl_text, "fuzz.conf", 7, "controller", problems);
	exclude = stas_ctrl_entry_parse(excl_text, "fuzz.conf", 8, "exclude", problems);
	check_problems(problems);
	if (!entry)
		return 0;
	for (guint i = 0; i < entry->keys->len; i++)
		fuzz_assert(stas_ctrl_entry_get(entry, g_ptr_array_index(entry->keys, i)) != NULL);
	fuzz_assert(stas_ctrl_entry_size(entry) == entry->keys->len);

	tid = stas_tid_new_from_entry(entry, *hostnqn ? hostnqn : NULL, flags & 1);
	fuzz_assert(stas_tid_to_string(tid) != NULL);
	/* The dictionary form names the same controller. */
	dict = stas_tid_as_dict(tid);
	again = stas_tid_new(dict, NULL, flags & 1);
	fuzz_assert(stas_tid_equal(tid, again));
	fuzz_assert(stas_tid_hash(tid) == stas_tid_hash(again));
	/* What list_controllers would send. */
	variant = stas_dbus_dict(dict);
	g_variant_unref(g_variant_ref_sink(variant));

	excludes = g_ptr_array_new();
	if (exclude)
		g_ptr_array_add(excludes, exclude);
	(void)stas_tid_is_excluded(tid, excludes);
	(void)stas_exclude_match(excludes, dict);
	return 0;
}
