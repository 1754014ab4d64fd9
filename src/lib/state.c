// SPDX-License-Identifier: Apache-2.0
/*
 * Last-known state files. A state file is only a hint for a faster, gapless
 * restart: anything wrong with it means starting from the configuration
 * alone, with a message saying why.
 */
#include <unistd.h>

#include "stas/file.h"
#include "stas/paths.h"
#include "stas/state.h"

#define STATE_FORMAT  "stas-state"
#define STATE_VERSION 1

/* systemd gives each daemon a runtime directory of its own. STAS_RUNTIME_DIR
 * (tests, the demo, containers) puts both daemons in one: there the file
 * name says whose it is, or each daemon would overwrite the other's state
 * and restart without it. */
char *stas_state_path(const char *prog)
{
	g_autofree char *dir = stas_path(STAS_PATH_RUNTIME_DIR, prog);
	const char *shared = g_getenv(stas_path_env(STAS_PATH_RUNTIME_DIR));
	g_autofree char *name = NULL;

	if (shared && *shared && prog)
		name = g_strconcat(prog, "-last-known-config.json", NULL);
	return g_build_filename(dir, name ? name : "last-known-config.json", NULL);
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

/* A state file is a few kB and five levels deep; anything far beyond is
 * not ours, and json-glib's recursive parser must never see 100 000 nested
 * brackets (fuzz F3). */
#define STATE_MAX_BYTES (1024 * 1024)
#define STATE_MAX_DEPTH 32

/* @path, when it is a regular file of at most STATE_MAX_BYTES, as text. */
static char *read_state_file(const char *path, gsize *len, GError **error)
{
	g_autoptr(GByteArray) data = NULL;
	gboolean truncated;
	int code, fd = stas_file_open(path, error);

	if (fd < 0)
		return NULL;
	data = stas_file_read(fd, STATE_MAX_BYTES, &truncated, &code);
	close(fd);
	if (!data) {
		g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(code), "%s: %s", path,
			    g_strerror(code));
		return NULL;
	}
	if (truncated) {
		g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
			    "%s: too large for a state file (more than %d bytes)", path, STATE_MAX_BYTES);
		return NULL;
	}
	*len = data->len;
	g_byte_array_append(data, (const guint8 *)"", 1);
	return (char *)g_byte_array_free(g_steal_pointer(&data), FALSE);
}

/* The deepest nesting of arrays and objects in JSON @text, brackets inside
 * strings not counted; stops counting past STATE_MAX_DEPTH. */
static guint nesting_depth(const char *text, gsize len)
{
	guint depth = 0, deepest = 0;
	gboolean in_string = FALSE;

	for (gsize i = 0; i < len && deepest <= STATE_MAX_DEPTH; i++) {
		char c = text[i];

		if (in_string) {
			if (c == '\\')
				i++;
			else if (c == '"')
				in_string = FALSE;
		} else if (c == '"') {
			in_string = TRUE;
		} else if (c == '[' || c == '{') {
			depth++; /* not inside MAX(), which evaluates its arguments twice */
			deepest = MAX(deepest, depth);
		} else if ((c == ']' || c == '}') && depth > 0) {
			depth--;
		}
	}
	return deepest;
}

/* The string member @name of @object, NULL when absent or not a string. */
static const char *string_member(JsonObject *object, const char *name)
{
	JsonNode *node = json_object_get_member(object, name);

	if (!node || !JSON_NODE_HOLDS_VALUE(node) || json_node_get_value_type(node) != G_TYPE_STRING)
		return NULL;
	return json_node_get_string(node);
}

/* The integer member @name of @object, @fallback when absent or not one. */
static gint64 int_member(JsonObject *object, const char *name, gint64 fallback)
{
	JsonNode *node = json_object_get_member(object, name);

	if (!node || !JSON_NODE_HOLDS_VALUE(node) || json_node_get_value_type(node) != G_TYPE_INT64)
		return fallback;
	return json_node_get_int(node);
}

/* json-glib takes some invalid escapes ("\\2", lone surrogates) and hands
 * back strings that are not UTF-8; nothing of such a file may reach a
 * controller's identity (fuzz_state). Written back, they would also make a
 * file that does not load. */
static gboolean strings_valid(JsonNode *root)
{
	g_autoptr(JsonGenerator) generator = json_generator_new();
	g_autofree char *text = NULL;

	json_generator_set_root(generator, root);
	text = json_generator_to_data(generator, NULL);
	return g_utf8_validate(text, -1, NULL);
}

JsonArray *stas_state_load(const char *path, const char *prog, GError **error)
{
	g_autoptr(JsonParser) parser = json_parser_new();
	g_autofree char *text = NULL;
	gsize len = 0;
	JsonObject *root;
	JsonNode *node;

	text = read_state_file(path, &len, error);
	if (!text)
		return NULL;
	if (nesting_depth(text, len) > STATE_MAX_DEPTH) {
		g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
			    "%s: not a state file (nested too deeply)", path);
		return NULL;
	}
	if (!json_parser_load_from_data(parser, text, (gssize)len, error)) {
		g_prefix_error(error, "%s: ", path);
		return NULL;
	}
	node = json_parser_get_root(parser);
	if (!node || !JSON_NODE_HOLDS_OBJECT(node)) {
		g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_INVAL, "%s: not a state file (no JSON object)",
			    path);
		return NULL;
	}
	if (!strings_valid(node)) {
		g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_INVAL, "%s: not a state file (text not UTF-8)",
			    path);
		return NULL;
	}
	root = json_node_get_object(node);
	if (g_strcmp0(string_member(root, "format"), STATE_FORMAT) != 0 ||
	    int_member(root, "version", 0) != STATE_VERSION ||
	    g_strcmp0(string_member(root, "daemon"), prog) != 0) {
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
