// SPDX-License-Identifier: Apache-2.0
/*
 * The JSON codec (json.h): string dictionaries, log pages and stafd's
 * get_all_log_pages answer, which stacd reads and stafd also keeps in its
 * last-known state. Whatever a DC or a state file holds, what is written is
 * valid UTF-8 and what is read never trips over an unexpected shape.
 */
#include "stas/json.h"
#include "testutil.h"

static GHashTable *dict_of(const char *key, const char *value)
{
	GHashTable *dict = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);

	g_hash_table_insert(dict, g_strdup(key), g_strdup(value));
	return dict;
}

START_TEST(test_dict_round_trip_sorted_and_valid_utf8)
{
	g_autoptr(GHashTable) dict = dict_of("traddr", "10.0.0.1");
	g_autoptr(JsonNode) node = NULL;
	g_autofree char *text = NULL;
	g_autoptr(GHashTable) back = NULL;

	g_hash_table_insert(dict, g_strdup("subnqn"), g_strdup("nqn.\xff\xfe"));
	g_hash_table_insert(dict, g_strdup("adrfam"), g_strdup("ipv4"));
	node = stas_json_dict(dict);
	text = stas_json_to_string(node, FALSE);
	ck_assert(g_utf8_validate(text, -1, NULL));
	ck_assert_ptr_nonnull(strstr(text, "{\"adrfam\":\"ipv4\",\"subnqn\":"));
	back = stas_dict_from_json(json_node_get_object(node));
	ck_assert_uint_eq(g_hash_table_size(back), 3);
	ck_assert_str_eq(g_hash_table_lookup(back, "traddr"), "10.0.0.1");
}
END_TEST

START_TEST(test_log_page_from_unexpected_shapes)
{
	const char *texts[] = { "{}", "\"x\"", "[1, \"a\", null, [], {\"trtype\": \"tcp\", \"n\": 5}]" };
	const guint entries[] = { 0, 0, 1 };

	for (guint i = 0; i < G_N_ELEMENTS(texts); i++) {
		g_autoptr(JsonParser) parser = json_parser_new();
		g_autoptr(GPtrArray) page = NULL;

		ck_assert(json_parser_load_from_data(parser, texts[i], -1, NULL));
		page = stas_log_page_from_json(json_parser_get_root(parser));
		ck_assert_uint_eq(page->len, entries[i]);
	}
	{
		g_autoptr(GPtrArray) page = stas_log_page_from_json(NULL);

		ck_assert_uint_eq(page->len, 0);
	}
}
END_TEST

typedef struct {
	guint elements, without_dc, entries;
} Seen;

static void count(GHashTable *dc, const GPtrArray *entries, gpointer data)
{
	Seen *seen = data;

	seen->elements++;
	seen->without_dc += dc == NULL;
	seen->entries += entries->len;
}

/* What stafd serves is what stacd reads back, element by element. */
START_TEST(test_log_pages_answer_round_trip)
{
	g_autoptr(GHashTable) dc = dict_of("traddr", "127.0.0.1");
	g_autoptr(GPtrArray) entries = g_ptr_array_new_with_free_func((GDestroyNotify)g_hash_table_unref);
	g_autoptr(JsonNode) root = json_node_new(JSON_NODE_ARRAY);
	JsonArray *array = json_array_new();
	g_autofree char *text = NULL;
	Seen seen = { 0 };

	g_ptr_array_add(entries, dict_of("subnqn", "nqn.a"));
	g_ptr_array_add(entries, dict_of("subnqn", "nqn.b"));
	json_array_add_element(array, stas_log_pages_element(dc, entries));
	json_array_add_int_element(array, 7);
	json_node_take_array(root, array);
	text = stas_json_to_string(root, FALSE);
	ck_assert(stas_log_pages_parse(text, count, &seen, NULL));
	ck_assert_uint_eq(seen.elements, 2);
	ck_assert_uint_eq(seen.without_dc, 1);
	ck_assert_uint_eq(seen.entries, 2);
}
END_TEST

START_TEST(test_log_pages_answer_that_is_not_one)
{
	const char *texts[] = { "", "{\"a\": 1}", "[", "\"\\ud800\"" };

	for (guint i = 0; i < G_N_ELEMENTS(texts); i++) {
		g_autoptr(GError) error = NULL;
		Seen seen = { 0 };

		ck_assert_msg(!stas_log_pages_parse(texts[i], count, &seen, &error), "%s", texts[i]);
		ck_assert_ptr_nonnull(error);
		ck_assert_uint_eq(seen.elements, 0);
	}
}
END_TEST

int main(void)
{
	Suite *suite = suite_create("json");
	TCase *tc = tcase_create("codec");

	tcase_add_test(tc, test_dict_round_trip_sorted_and_valid_utf8);
	tcase_add_test(tc, test_log_page_from_unexpected_shapes);
	tcase_add_test(tc, test_log_pages_answer_round_trip);
	tcase_add_test(tc, test_log_pages_answer_that_is_not_one);
	suite_add_tcase(suite, tc);
	return tu_run(suite);
}
