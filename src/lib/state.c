// SPDX-License-Identifier: Apache-2.0
/*
 * Last-known state files. A state file is only a hint for a faster, gapless
 * restart: anything wrong with it means starting from the configuration
 * alone, with a message saying why.
 */
#include <errno.h>
#include <glib/gstdio.h>

#include "stas/paths.h"
#include "stas/state.h"

#define STATE_FORMAT  "stas-state"
#define STATE_VERSION 1

char *stas_state_path(const char *prog)
{
	g_autofree char *dir = stas_path(STAS_PATH_RUNTIME_DIR, prog);

	return g_build_filename(dir, "last-known-config.json", NULL);
}

gboolean stas_state_save(const char *path, const char *prog, JsonArray *controllers, GError **error)
{
	g_autoptr(JsonBuilder) builder = json_builder_new();
	g_autoptr(JsonGenerator) generator = json_generator_new();
	g_autoptr(JsonNode) root = NULL;
	JsonNode *array = json_node_new(JSON_NODE_ARRAY);
	g_autofree char *text = NULL;
	gsize len;

	json_node_set_array(array, controllers);
	json_builder_begin_object(builder);
	json_builder_set_member_name(builder, "format");
	json_builder_add_string_value(builder, STATE_FORMAT);
	json_builder_set_member_name(builder, "version");
	json_builder_add_int_value(builder, STATE_VERSION);
	json_builder_set_member_name(builder, "daemon");
	json_builder_add_string_value(builder, prog);
	json_builder_set_member_name(builder, "controllers");
	json_builder_add_value(builder, array);
	json_builder_end_object(builder);
	root = json_builder_get_root(builder);
	json_generator_set_root(generator, root);
	text = json_generator_to_data(generator, &len);
	/* Secrets of controller entries may be in there: owner-only. */
	return g_file_set_contents_full(path, text, (gssize)len, G_FILE_SET_CONTENTS_CONSISTENT, 0600, error);
}

JsonArray *stas_state_load(const char *path, const char *prog, GError **error)
{
	g_autoptr(JsonParser) parser = json_parser_new();
	JsonObject *root;
	JsonNode *node;

	if (!json_parser_load_from_file(parser, path, error))
		return NULL;
	node = json_parser_get_root(parser);
	if (!node || !JSON_NODE_HOLDS_OBJECT(node)) {
		g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_INVAL, "%s: not a state file (no JSON object)",
			    path);
		return NULL;
	}
	root = json_node_get_object(node);
	if (g_strcmp0(json_object_get_string_member_with_default(root, "format", ""), STATE_FORMAT) != 0 ||
	    json_object_get_int_member_with_default(root, "version", 0) != STATE_VERSION ||
	    g_strcmp0(json_object_get_string_member_with_default(root, "daemon", ""), prog) != 0) {
		g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_INVAL, "%s: not a %s state file of version %d",
			    path, prog, STATE_VERSION);
		return NULL;
	}
	node = json_object_get_member(root, "controllers");
	if (!node || !JSON_NODE_HOLDS_ARRAY(node)) {
		g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_INVAL, "%s: no controller list", path);
		return NULL;
	}
	return json_array_ref(json_node_get_array(node));
}

JsonObject *stas_json_from_dict(GHashTable *dict)
{
	JsonObject *object = json_object_new();
	g_autoptr(GList) keys = g_hash_table_get_keys(dict);

	/* Sorted keys: the same state gives the same file. */
	keys = g_list_sort(keys, (GCompareFunc)g_strcmp0);
	for (GList *l = keys; l; l = l->next)
		json_object_set_string_member(object, l->data, g_hash_table_lookup(dict, l->data));
	return object;
}

GHashTable *stas_dict_from_json(JsonObject *object)
{
	GHashTable *dict = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	JsonObjectIter iter;
	const char *name;
	JsonNode *node;

	json_object_iter_init(&iter, object);
	while (json_object_iter_next(&iter, &name, &node)) {
		if (JSON_NODE_HOLDS_VALUE(node) && json_node_get_value_type(node) == G_TYPE_STRING)
			g_hash_table_insert(dict, g_strdup(name), g_strdup(json_node_get_string(node)));
	}
	return dict;
}
