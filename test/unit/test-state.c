// SPDX-License-Identifier: Apache-2.0
/*
 * Last-known state files: a round trip keeps everything, and anything that
 * is not our own file of the right daemon is refused with a reason.
 */
#include <glib/gstdio.h>
#include <sys/stat.h>

#include <string.h>

#include "stas/state.h"
#include "testutil.h"

static char *dir;

static void setup(void)
{
	dir = tu_tmpdir();
}

static void teardown(void)
{
	tu_rmtree(dir);
	g_free(dir);
}

static JsonArray *sample(void)
{
	JsonArray *controllers = json_array_new();
	g_autoptr(GHashTable) tid = g_hash_table_new(g_str_hash, g_str_equal);
	JsonObject *record = json_object_new();

	g_hash_table_insert(tid, "transport", "tcp");
	g_hash_table_insert(tid, "traddr", "127.0.0.1");
	g_hash_table_insert(tid, "dhchap-secret", "DHHC-1:00:abc=:");
	json_object_set_object_member(record, "tid", stas_json_from_dict(tid));
	json_object_set_string_member(record, "origin", "configured");
	json_array_add_object_element(controllers, record);
	return controllers;
}

START_TEST(test_state_round_trip_is_private)
{
	g_autofree char *path = g_build_filename(dir, "state.json", NULL);
	g_autoptr(JsonArray) saved = sample();
	g_autoptr(JsonArray) loaded = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(GHashTable) tid = NULL;
	struct stat st;

	ck_assert(stas_state_save(path, "stafd", saved, &error));
	ck_assert_int_eq(g_stat(path, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0600); /* secrets inside */
	loaded = stas_state_load(path, "stafd", &error);
	ck_assert_ptr_nonnull(loaded);
	ck_assert_uint_eq(json_array_get_length(loaded), 1);
	tid = stas_dict_from_json(
		json_object_get_object_member(json_array_get_object_element(loaded, 0), "tid"));
	ck_assert_str_eq(g_hash_table_lookup(tid, "dhchap-secret"), "DHHC-1:00:abc=:");
	ck_assert_uint_eq(g_hash_table_size(tid), 3);
}
END_TEST

START_TEST(test_state_of_another_daemon_is_refused)
{
	g_autofree char *path = g_build_filename(dir, "state.json", NULL);
	g_autoptr(JsonArray) saved = sample();
	g_autoptr(GError) error = NULL;
	g_autoptr(JsonArray) loaded = NULL;

	ck_assert(stas_state_save(path, "stacd", saved, NULL));
	loaded = stas_state_load(path, "stafd", &error);
	ck_assert_ptr_null(loaded);
	ck_assert_ptr_nonnull(strstr(error->message, "not a stafd state file"));
}
END_TEST

START_TEST(test_state_corrupt_or_foreign_files_are_refused)
{
	static const char *const bad[] = {
		"",
		"\x80\x04\x95pickle",
		"[1, 2, 3]",
		"{\"format\": \"stas-state\", \"version\": 2, \"daemon\": \"stafd\", \"controllers\": []}",
		"{\"format\": \"stas-state\", \"version\": 1, \"daemon\": \"stafd\", \"controllers\": {}}",
		"{\"format\": \"stas-state\", \"version\": 1, \"daemon\": \"stafd\"",
	};

	for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_autofree char *path = tu_write(dir, "bad.json", bad[i], -1);
		g_autoptr(GError) error = NULL;
		g_autoptr(JsonArray) loaded = stas_state_load(path, "stafd", &error);

		ck_assert_msg(loaded == NULL, "case %u accepted", i);
		ck_assert_msg(error != NULL, "case %u without a reason", i);
	}
}
END_TEST

/* json-glib 1.6 (Debian 12) decodes "\\2014" into bytes that are not UTF-8
 * (fuzz_state); 1.10 (Debian 13) into valid text. Either the file is
 * refused or every string it gives is UTF-8. */
START_TEST(test_state_strings_are_utf8_or_the_file_is_refused)
{
	static const char *text =
		"{\"format\": \"stas-state\", \"version\": 1, \"daemon\": \"stafd\", "
		"\"controllers\": [{\"tid\": {\"subsysnqn\": \"nqn.\\2014-08.com.example\"}}]}";
	g_autofree char *path = tu_write(dir, "escape.json", text, -1);
	g_autoptr(GError) error = NULL;
	g_autoptr(JsonArray) loaded = stas_state_load(path, "stafd", &error);
	g_autoptr(JsonNode) node = NULL;
	g_autoptr(JsonGenerator) generator = json_generator_new();
	g_autofree char *again = NULL;

	if (!loaded) {
		ck_assert_ptr_nonnull(error);
		return;
	}
	node = json_node_init_array(json_node_alloc(), loaded);
	json_generator_set_root(generator, node);
	again = json_generator_to_data(generator, NULL);
	ck_assert(g_utf8_validate(again, -1, NULL));
}
END_TEST

START_TEST(test_state_missing_file_and_directory)
{
	g_autofree char *path = g_build_filename(dir, "absent", "state.json", NULL);
	g_autoptr(GError) error = NULL;
	g_autoptr(GError) save_error = NULL;
	g_autoptr(JsonArray) loaded = stas_state_load(path, "stafd", &error);
	g_autoptr(JsonArray) saved = sample();

	ck_assert_ptr_null(loaded);
	ck_assert(g_error_matches(error, G_FILE_ERROR, G_FILE_ERROR_NOENT));
	ck_assert(!stas_state_save(path, "stafd", saved, &save_error));
	ck_assert_ptr_nonnull(save_error);
}
END_TEST

/* A malformed file must be refused with a reason, not crash or CRITICAL
 * (fuzz F2b): json-glib's typed getters warn on arrays and objects. */
static void expect_refused(const char *text, gssize len, const char *reason)
{
	g_autofree char *path = tu_write(dir, "bad.json", text, len);
	g_autoptr(GError) error = NULL;
	g_autoptr(JsonArray) loaded = NULL;

	g_log_set_always_fatal(G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING);
	loaded = stas_state_load(path, "stafd", &error);
	ck_assert_ptr_null(loaded);
	ck_assert_ptr_nonnull(error);
	ck_assert_msg(strstr(error->message, reason), "\"%s\" does not say \"%s\"", error->message, reason);
}

START_TEST(test_state_members_of_the_wrong_type_are_refused)
{
	expect_refused(
		"{\"format\": \"stas-state\", \"version\": 1, \"daemon\": [\"stafd\"], \"controllers\": []}",
		-1, "not a stafd state file");
	expect_refused("{\"format\": {}, \"version\": 1, \"daemon\": \"stafd\", \"controllers\": []}", -1,
		       "not a stafd state file");
	expect_refused(
		"{\"format\": \"stas-state\", \"version\": [1], \"daemon\": \"stafd\", \"controllers\": []}",
		-1, "not a stafd state file");
	expect_refused("{\"format\": \"stas-state\", \"version\": \"1\", \"daemon\": \"stafd\", "
		       "\"controllers\": []}",
		       -1, "not a stafd state file");
	expect_refused("{\"format\": 5, \"version\": 1, \"daemon\": true, \"controllers\": []}", -1,
		       "not a stafd state file");
}
END_TEST

START_TEST(test_state_deep_nesting_is_refused_before_parsing)
{
	/* json-glib parses recursively: 150 000 '[' overflow the stack (fuzz F3). */
	const gsize depth = 150000;
	GString *text = g_string_new("{\"format\": \"stas-state\", \"version\": 1, \"daemon\": \"stafd\", "
				     "\"controllers\": ");

	for (gsize i = 0; i < depth; i++)
		g_string_append_c(text, '[');
	for (gsize i = 0; i < depth; i++)
		g_string_append_c(text, ']');
	g_string_append_c(text, '}');
	expect_refused(text->str, (gssize)text->len, "nested too deeply");
	g_string_free(text, TRUE);
}
END_TEST

START_TEST(test_state_nesting_inside_strings_does_not_count)
{
	g_autofree char *brackets = g_strnfill(1000, '[');
	g_autofree char *text = g_strdup_printf(
		"{\"format\": \"stas-state\", \"version\": 1, \"daemon\": \"stafd\", "
		"\"controllers\": [{\"tid\": {\"traddr\": \"\\\"%s\"}}]}",
		brackets);
	g_autofree char *path = tu_write(dir, "ok.json", text, -1);
	g_autoptr(GError) error = NULL;
	g_autoptr(JsonArray) loaded = stas_state_load(path, "stafd", &error);

	ck_assert_msg(loaded != NULL, "%s", error ? error->message : "");
	ck_assert_uint_eq(json_array_get_length(loaded), 1);
}
END_TEST

/* Depth is depth, not a count of objects: 500 controllers of 3 levels each
 * are a normal file (a MAX() that evaluated ++depth twice refused 50). */
START_TEST(test_state_many_sibling_records_are_not_deep)
{
	GString *text = g_string_new("{\"format\": \"stas-state\", \"version\": 1, \"daemon\": \"stafd\", "
				     "\"controllers\": [");
	g_autofree char *path = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(JsonArray) loaded = NULL;

	for (guint i = 0; i < 500; i++)
		g_string_append_printf(text, "%s{\"tid\": {\"transport\": \"tcp\"}, \"log-pages\": [{}]}",
				       i ? ", " : "");
	g_string_append(text, "]}");
	path = tu_write(dir, "many.json", text->str, -1);
	loaded = stas_state_load(path, "stafd", &error);
	ck_assert_msg(loaded != NULL, "%s", error ? error->message : "");
	ck_assert_uint_eq(json_array_get_length(loaded), 500);
	g_string_free(text, TRUE);
}
END_TEST

START_TEST(test_state_oversized_file_is_refused)
{
	/* A state file is a few kB; 2 MiB of white space is not one. */
	gsize len = 2 * 1024 * 1024;
	g_autofree char *text = g_strnfill(len, ' ');

	memcpy(text,
	       "{\"format\": \"stas-state\", \"version\": 1, \"daemon\": \"stafd\", \"controllers\": []}",
	       strlen("{\"format\": \"stas-state\", \"version\": 1, \"daemon\": \"stafd\", \"controllers\": "
		      "[]}"));
	expect_refused(text, (gssize)len, "too large");
}
END_TEST

START_TEST(test_state_that_is_not_a_regular_file_is_refused)
{
	g_autofree char *path = g_build_filename(dir, "fifo.json", NULL);
	g_autoptr(GError) error = NULL;
	g_autoptr(JsonArray) loaded = NULL;

	ck_assert_int_eq(mkfifo(path, 0600), 0);
	loaded = stas_state_load(path, "stafd", &error); /* must not block */
	ck_assert_ptr_null(loaded);
	ck_assert_ptr_nonnull(strstr(error->message, "not a regular file"));
}
END_TEST

START_TEST(test_dict_from_json_skips_non_strings)
{
	g_autoptr(JsonParser) parser = json_parser_new();
	g_autoptr(GHashTable) dict = NULL;

	ck_assert(json_parser_load_from_data(parser, "{\"a\": \"x\", \"b\": 1, \"c\": null, \"d\": [\"y\"]}",
					     -1, NULL));
	dict = stas_dict_from_json(json_node_get_object(json_parser_get_root(parser)));
	ck_assert_uint_eq(g_hash_table_size(dict), 1);
	ck_assert_str_eq(g_hash_table_lookup(dict, "a"), "x");
}
END_TEST

int main(void)
{
	Suite *suite = suite_create("state");
	TCase *tc = tcase_create("state");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_state_round_trip_is_private);
	tcase_add_test(tc, test_state_of_another_daemon_is_refused);
	tcase_add_test(tc, test_state_corrupt_or_foreign_files_are_refused);
	tcase_add_test(tc, test_state_strings_are_utf8_or_the_file_is_refused);
	tcase_add_test(tc, test_state_missing_file_and_directory);
	tcase_add_test(tc, test_dict_from_json_skips_non_strings);
	tcase_add_test(tc, test_state_members_of_the_wrong_type_are_refused);
	tcase_add_test(tc, test_state_deep_nesting_is_refused_before_parsing);
	tcase_add_test(tc, test_state_nesting_inside_strings_does_not_count);
	tcase_add_test(tc, test_state_many_sibling_records_are_not_deep);
	tcase_add_test(tc, test_state_oversized_file_is_refused);
	tcase_add_test(tc, test_state_that_is_not_a_regular_file_is_refused);
	suite_add_tcase(suite, tc);
	return tu_run(suite);
}
