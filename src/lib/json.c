// SPDX-License-Identifier: Apache-2.0
/*
 * The JSON codec of string dictionaries and log pages (json.h).
 */
#include <gio/gio.h>

#include "stas/json.h"

#define MEMBER_DC    "discovery-controller"
#define MEMBER_PAGES "log-pages"

JsonObject *stas_json_from_dict(GHashTable *dict)
{
	JsonObject *object = json_object_new();
	g_autoptr(GList) keys = g_list_sort(g_hash_table_get_keys(dict), (GCompareFunc)g_strcmp0);

	for (GList *l = keys; l; l = l->next) {
		/* JSON text goes out in D-Bus strings, which must be UTF-8: one bad
		 * byte would turn a whole reply into "[Invalid UTF-8]" (review-stafd #4). */
		g_autofree char *key = g_utf8_make_valid(l->data, -1);
		const char *value = g_hash_table_lookup(dict, l->data);
		g_autofree char *text = g_utf8_make_valid(value ? value : "", -1);

		json_object_set_string_member(object, key, text);
	}
	return object;
}

/* A node that owns @object (json_node_init_object would add a reference). */
static JsonNode *object_node(JsonObject *object)
{
	JsonNode *node = json_node_new(JSON_NODE_OBJECT);

	json_node_take_object(node, object);
	return node;
}

JsonNode *stas_json_dict(GHashTable *dict)
{
	return object_node(stas_json_from_dict(dict));
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

char *stas_json_to_string(JsonNode *node, gboolean pretty)
{
	g_autoptr(JsonGenerator) generator = json_generator_new();

	json_generator_set_pretty(generator, pretty);
	json_generator_set_root(generator, node);
	return json_generator_to_data(generator, NULL);
}

JsonNode *stas_log_page_to_json(const GPtrArray *entries)
{
	JsonArray *array = json_array_new();
	JsonNode *node = json_node_new(JSON_NODE_ARRAY);

	for (guint i = 0; i < entries->len; i++)
		json_array_add_object_element(array, stas_json_from_dict(g_ptr_array_index(entries, i)));
	json_node_take_array(node, array);
	return node;
}

GPtrArray *stas_log_page_from_json(JsonNode *node)
{
	GPtrArray *entries = g_ptr_array_new_with_free_func((GDestroyNotify)g_hash_table_unref);
	JsonArray *array = node && JSON_NODE_HOLDS_ARRAY(node) ? json_node_get_array(node) : NULL;

	for (guint i = 0; array && i < json_array_get_length(array); i++) {
		JsonNode *element = json_array_get_element(array, i);

		if (JSON_NODE_HOLDS_OBJECT(element))
			g_ptr_array_add(entries, stas_dict_from_json(json_node_get_object(element)));
	}
	return entries;
}

JsonNode *stas_log_pages_element(GHashTable *dc, const GPtrArray *entries)
{
	JsonObject *element = json_object_new();

	json_object_set_object_member(element, MEMBER_DC, stas_json_from_dict(dc));
	json_object_set_member(element, MEMBER_PAGES, stas_log_page_to_json(entries));
	return object_node(element);
}

gboolean stas_log_pages_parse(const char *json, StasLogPagesFunc func, gpointer data, GError **error)
{
	g_autoptr(JsonParser) parser = json_parser_new();
	JsonNode *root;
	JsonArray *array;

	if (!json_parser_load_from_data(parser, json, -1, error))
		return FALSE;
	root = json_parser_get_root(parser);
	if (!root || !JSON_NODE_HOLDS_ARRAY(root)) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "not a JSON array");
		return FALSE;
	}
	array = json_node_get_array(root);
	for (guint i = 0; i < json_array_get_length(array); i++) {
		JsonNode *node = json_array_get_element(array, i);
		JsonObject *element = JSON_NODE_HOLDS_OBJECT(node) ? json_node_get_object(node) : NULL;
		JsonNode *dc_node = element ? json_object_get_member(element, MEMBER_DC) : NULL;
		g_autoptr(GHashTable) dc = dc_node && JSON_NODE_HOLDS_OBJECT(dc_node)
						   ? stas_dict_from_json(json_node_get_object(dc_node))
						   : NULL;
		g_autoptr(GPtrArray) entries = stas_log_page_from_json(
			element ? json_object_get_member(element, MEMBER_PAGES) : NULL);

		func(dc, entries, data);
	}
	return TRUE;
}
