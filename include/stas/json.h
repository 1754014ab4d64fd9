/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The JSON that stas writes and reads, in one place: string dictionaries
 * (the form of every TID, controller and log page entry), log pages as
 * stafd serves them over D-Bus and keeps them in its last-known state, and
 * documents as text. What is written is always valid UTF-8 with sorted keys,
 * so the same state gives the same text.
 */
#pragma once

#include <json-glib/json-glib.h>

/* A JSON object of strings from a char* -> char* table (NULL values are ""). */
JsonObject *stas_json_from_dict(GHashTable *dict);
/* The same, as a node. */
JsonNode *stas_json_dict(GHashTable *dict);
/* Back: the string members of @object (others are skipped). */
GHashTable *stas_dict_from_json(JsonObject *object);
char *stas_json_to_string(JsonNode *node, gboolean pretty);

/* A log page (GPtrArray of entry dicts) as a JSON array of objects. */
JsonNode *stas_log_page_to_json(const GPtrArray *entries);
/* Back: the objects of @node as dicts (GHashTable*, owned); anything that
 * is not an array gives none, an element that is not an object is skipped. */
GPtrArray *stas_log_page_from_json(JsonNode *node);

/* One element of stafd's get_all_log_pages answer:
 * {"discovery-controller": @dc, "log-pages": [entries]}. */
JsonNode *stas_log_pages_element(GHashTable *dc, const GPtrArray *entries);
/* Reads a get_all_log_pages answer: @func gets each element's DC dict
 * (NULL when missing) and entries. FALSE with @error when @json is not such
 * an answer (not JSON, or not an array). */
typedef void (*StasLogPagesFunc)(GHashTable *dc, const GPtrArray *entries, gpointer data);
gboolean stas_log_pages_parse(const char *json, StasLogPagesFunc func, gpointer data, GError **error);
