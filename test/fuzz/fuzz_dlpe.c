// SPDX-License-Identifier: Apache-2.0
/*
 * Discovery log page entries as a DC sends them (1024 raw bytes each, any
 * field unterminated, any trtype/adrfam/subtype/treq): the dictionary of
 * SPEC §3.7, its D-Bus and JSON forms, what stafctl prints (pprint and
 * JSON), and the TID stacd builds from an entry.
 *
 * Input: a count byte (1-8 entries), then the entries back to back; a short
 * last entry is padded with zeros. Each entry is copied into a heap block
 * of its exact size, so reading past a field's end is an ASan report.
 */
#include <json-glib/json-glib.h>
#include <libnvme.h>
#include <string.h>

#include "fuzz.h"
#include "stas/dbus-util.h"
#include "stas/dlpe.h"
#include "stas/pprint.h"
#include "stas/state.h"
#include "stas/tid.h"

static void check_strings(GHashTable *dict)
{
	GHashTableIter iter;
	gpointer key, value;

	g_hash_table_iter_init(&iter, dict);
	while (g_hash_table_iter_next(&iter, &key, &value))
		fuzz_assert(value && g_utf8_validate(value, -1, NULL));
}

/* The dictionary survives the state file and the D-Bus JSON unchanged. */
static void check_json_round_trip(GHashTable *dict)
{
	g_autoptr(JsonObject) object = stas_json_from_dict(dict);
	g_autoptr(GHashTable) back = stas_dict_from_json(object);
	GHashTableIter iter;
	gpointer key, value;

	fuzz_assert(g_hash_table_size(back) == g_hash_table_size(dict));
	g_hash_table_iter_init(&iter, dict);
	while (g_hash_table_iter_next(&iter, &key, &value))
		fuzz_assert(g_strcmp0(g_hash_table_lookup(back, key), value) == 0);
}

/* stacd's view of an entry: an I/O controller's identity, reached the way
 * a DC without host parameters is. */
static void check_tid(GHashTable *dict)
{
	g_autoptr(GHashTable) cid = stas_tid_cid_from_dlpe(dict, NULL);
	g_autoptr(StasTid) tid = stas_tid_new(cid, "nqn.fuzz:host", FALSE);

	fuzz_assert(g_utf8_validate(stas_tid_to_string(tid), -1, NULL));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	FuzzInput in = { data, size };
	guint count = 1 + fuzz_byte(&in) % 8;
	g_autoptr(JsonArray) pages = json_array_new();
	g_autoptr(JsonNode) root = json_node_new(JSON_NODE_ARRAY);
	g_autofree char *pretty = NULL;
	g_autofree char *json = NULL;

	fuzz_init();
	for (guint i = 0; i < count && (i == 0 || in.size); i++) {
		g_autofree struct nvmf_disc_log_entry *e = g_malloc0(sizeof(*e));
		size_t len = MIN(in.size, sizeof(*e));
		g_autoptr(GHashTable) dict = NULL;
		GVariant *variant;

		if (len)
			memcpy(e, in.data, len);
		in.data += len;
		in.size -= len;
		dict = stas_dlpe_to_dict(e);
		g_clear_pointer(&e, g_free);
		check_strings(dict);
		(void)stas_dlpe_is_placeholder(g_hash_table_lookup(dict, "traddr"));
		variant = stas_dbus_dict(dict);
		g_variant_unref(g_variant_ref_sink(variant));
		check_json_round_trip(dict);
		check_tid(dict);
		json_array_add_element(pages, stas_json_dict(dict));
	}
	/* stafctl dlp: the Python notation and -o json. */
	json_node_set_array(root, pages);
	pretty = stas_pprint_format(root, STAS_PPRINT_WIDTH);
	fuzz_assert(g_utf8_validate(pretty, -1, NULL));
	json = stas_json_format_pretty(root);
	fuzz_assert(g_utf8_validate(json, -1, NULL));
	return 0;
}
