// SPDX-License-Identifier: Apache-2.0
/*
 * The last-known-state file (<runtime dir>/last-known-config.json), which a
 * daemon reads at every start: a bad one must be reported and ignored, never
 * crash the daemon into a restart loop. Loads it as stafd or stacd, walks
 * the records the way the service restores them (controller identity from
 * "tid", stafd's cached "log-pages"), and writes and re-reads the result.
 *
 * Not reached: the daemons' own restore_record hooks (static in staf.c and
 * stac.c), where fuzz F2a ("origin" not a string) was.
 *
 * Input: the first byte picks the daemon (even: stafd, odd: stacd), the
 * rest is the file.
 */
#include <json-glib/json-glib.h>

#include "fuzz.h"
#include "stas/state.h"
#include "stas/tid.h"

static void restore_record(JsonObject *record)
{
	JsonNode *tid_node = json_object_get_member(record, "tid");
	JsonNode *pages = json_object_get_member(record, "log-pages");
	g_autoptr(GHashTable) dict = NULL;
	g_autoptr(GHashTable) as_dict = NULL;
	g_autoptr(StasTid) tid = NULL;

	if (!tid_node || !JSON_NODE_HOLDS_OBJECT(tid_node))
		return;
	dict = stas_dict_from_json(json_node_get_object(tid_node));
	tid = stas_tid_new(dict, "nqn.fuzz:host", FALSE);
	fuzz_assert(stas_tid_to_string(tid) != NULL);
	as_dict = stas_tid_as_dict(tid);
	if (!pages || !JSON_NODE_HOLDS_ARRAY(pages))
		return;
	for (guint i = 0; i < json_array_get_length(json_node_get_array(pages)); i++) {
		JsonNode *page = json_array_get_element(json_node_get_array(pages), i);

		if (JSON_NODE_HOLDS_OBJECT(page)) {
			g_autoptr(GHashTable) entry = stas_dict_from_json(json_node_get_object(page));

			fuzz_assert(entry != NULL);
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	FuzzInput in = { data, size };
	const char *prog = fuzz_byte(&in) % 2 ? "stacd" : "stafd";
	size_t len;
	g_autofree char *text = fuzz_rest(&in, &len);
	g_autofree char *path = fuzz_write("last-known-config.json", text, len);
	g_autofree char *copy = g_build_filename(fuzz_dir(), "saved.json", NULL);
	g_autoptr(GError) error = NULL;
	g_autoptr(JsonArray) records = NULL;
	g_autoptr(JsonArray) reread = NULL;

	fuzz_init();
	records = stas_state_load(path, prog, &error);
	if (!records) {
		fuzz_assert(error != NULL);
		return 0;
	}
	for (guint i = 0; i < json_array_get_length(records); i++) {
		JsonNode *node = json_array_get_element(records, i);

		if (JSON_NODE_HOLDS_OBJECT(node))
			restore_record(json_node_get_object(node));
	}
	/* What was loaded can be saved and loaded again. */
	fuzz_assert(stas_state_save(copy, prog, records, NULL));
	g_clear_error(&error);
	reread = stas_state_load(copy, prog, &error);
	fuzz_assert(reread && json_array_get_length(reread) == json_array_get_length(records));
	return 0;
}
