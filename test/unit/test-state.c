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
	tcase_add_test(tc, test_state_missing_file_and_directory);
	tcase_add_test(tc, test_dict_from_json_skips_non_strings);
	suite_add_tcase(suite, tc);
	return tu_run(suite);
}
