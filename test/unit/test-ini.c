// SPDX-License-Identifier: Apache-2.0
/*
 * The INI dialect: configparser's rules as nvme-stas files rely on them, and
 * how damaged files are reported line by line instead of being rejected.
 */
#include <string.h>
#include <sys/stat.h>

#include "stas/ini.h"
#include "testutil.h"

static StasIni *parse(const char *text, StasProblems *problems)
{
	return stas_ini_parse("test.conf", text, strlen(text), problems);
}

static const char *value_at(const StasIni *ini, const char *section, guint index)
{
	const GPtrArray *entries = stas_ini_entries(ini, section);

	ck_assert_ptr_nonnull(entries);
	ck_assert_uint_gt(entries->len, index);
	return ((const StasIniEntry *)g_ptr_array_index(entries, index))->value;
}

START_TEST(test_ini_keys_fold_case_sections_do_not)
{
	g_autoptr(StasProblems) problems = stas_problems_new();
	g_autoptr(StasIni) ini = parse("[Global]\nTRON = true\n[global]\nkato=5\n", problems);

	ck_assert_str_eq(stas_ini_last(ini, "Global", "tron")->value, "true");
	ck_assert_ptr_null(stas_ini_last(ini, "Global", "kato"));
	ck_assert_str_eq(stas_ini_last(ini, "global", "kato")->value, "5");
	ck_assert_uint_eq(problems->len, 0);
}
END_TEST

START_TEST(test_ini_only_equals_delimits_and_value_keeps_later_equals)
{
	g_autoptr(StasIni) ini = parse("[S]\na: b\nkey = x=y==\n", NULL);

	ck_assert_ptr_null(stas_ini_last(ini, "S", "a: b")->value);
	ck_assert_str_eq(stas_ini_last(ini, "S", "key")->value, "x=y==");
}
END_TEST

START_TEST(test_ini_no_inline_comments)
{
	g_autoptr(StasIni) ini = parse("[S]\nkato = 7 # seconds\n  # indented comment\n; other\n", NULL);

	ck_assert_str_eq(stas_ini_last(ini, "S", "kato")->value, "7 # seconds");
	ck_assert_uint_eq(stas_ini_entries(ini, "S")->len, 1);
}
END_TEST

START_TEST(test_ini_every_occurrence_is_kept_and_last_wins)
{
	g_autoptr(StasIni) ini = parse("[S]\nk = 1\n[T]\n[S]\nk = 2\n", NULL);

	ck_assert_uint_eq(stas_ini_entries(ini, "S")->len, 2);
	ck_assert_str_eq(value_at(ini, "S", 0), "1");
	ck_assert_str_eq(stas_ini_last(ini, "S", "k")->value, "2");
	ck_assert_uint_eq(stas_ini_last(ini, "S", "k")->line, 5);
	ck_assert_uint_eq(stas_ini_sections(ini)->len, 2);
}
END_TEST

START_TEST(test_ini_continuation_lines_are_separate_values)
{
	g_autoptr(StasIni) ini = parse("[S]\nc = a\n   b\n\n   c\n\nd = 1\n", NULL);
	const GPtrArray *entries = stas_ini_entries(ini, "S");

	/* a, b, "" (the blank line inside the value), c, then d */
	ck_assert_uint_eq(entries->len, 5);
	ck_assert_str_eq(value_at(ini, "S", 0), "a");
	ck_assert_str_eq(value_at(ini, "S", 1), "b");
	ck_assert_str_eq(value_at(ini, "S", 2), "");
	ck_assert_str_eq(value_at(ini, "S", 3), "c");
	ck_assert(((const StasIniEntry *)g_ptr_array_index(entries, 3))->continued);
	ck_assert_str_eq(((const StasIniEntry *)g_ptr_array_index(entries, 3))->key, "c");
	ck_assert_str_eq(value_at(ini, "S", 4), "1");
}
END_TEST

START_TEST(test_ini_trailing_blank_lines_do_not_extend_a_value)
{
	g_autoptr(StasIni) ini = parse("[S]\nc = a\n\n\n", NULL);

	ck_assert_uint_eq(stas_ini_entries(ini, "S")->len, 1);
}
END_TEST

START_TEST(test_ini_key_without_equals_has_null_value)
{
	g_autoptr(StasIni) ini = parse("[S]\npleo\nempty =\n", NULL);

	ck_assert_ptr_null(stas_ini_last(ini, "S", "pleo")->value);
	ck_assert_str_eq(stas_ini_last(ini, "S", "empty")->value, "");
}
END_TEST

START_TEST(test_ini_line_before_any_section_is_reported_not_fatal)
{
	g_autoptr(StasProblems) problems = stas_problems_new();
	g_autoptr(StasIni) ini = parse("kato = 5\n[Global]\ntron = true\n", problems);

	ck_assert_ptr_nonnull(tu_find_problem(problems, 1, "outside any valid [Section]"));
	ck_assert_str_eq(stas_ini_last(ini, "Global", "tron")->value, "true");
}
END_TEST

START_TEST(test_ini_malformed_header_and_empty_key_are_reported)
{
	g_autoptr(StasProblems) problems = stas_problems_new();
	g_autoptr(StasIni) ini = parse("[Global\nkato=1\n[]\n[S]\n= value\nok=1\n", problems);

	ck_assert_ptr_nonnull(tu_find_problem(problems, 1, "malformed section header"));
	ck_assert_ptr_nonnull(tu_find_problem(problems, 2, "outside any valid [Section]"));
	ck_assert_ptr_nonnull(tu_find_problem(problems, 3, "malformed section header"));
	ck_assert_ptr_nonnull(tu_find_problem(problems, 5, "no option name"));
	ck_assert_str_eq(stas_ini_last(ini, "S", "ok")->value, "1");
	ck_assert(!stas_ini_has_section(ini, "Global"));
}
END_TEST

START_TEST(test_ini_crlf_cr_and_missing_final_newline)
{
	g_autoptr(StasIni) ini = parse("[S]\r\na = 1\r\nb = 2\rc = 3", NULL);

	ck_assert_str_eq(stas_ini_last(ini, "S", "a")->value, "1");
	ck_assert_str_eq(stas_ini_last(ini, "S", "b")->value, "2");
	ck_assert_str_eq(stas_ini_last(ini, "S", "c")->value, "3");
	ck_assert_uint_eq(stas_ini_last(ini, "S", "c")->line, 4);
}
END_TEST

START_TEST(test_ini_byte_order_mark_is_skipped)
{
	g_autoptr(StasIni) ini = parse("\xef\xbb\xbf[S]\na=1\n", NULL);

	ck_assert(stas_ini_has_section(ini, "S"));
}
END_TEST

START_TEST(test_ini_binary_junk_lines_are_reported_and_skipped)
{
	static const char text[] = "[S]\na=1\n\xff\xfe\x01garbage\nbin\0ary=2\nb=3\n";
	g_autoptr(StasProblems) problems = stas_problems_new();
	g_autoptr(StasIni) ini = stas_ini_parse("junk.conf", text, sizeof(text) - 1, problems);

	ck_assert_ptr_nonnull(tu_find_problem(problems, 3, "not UTF-8"));
	ck_assert_ptr_nonnull(tu_find_problem(problems, 4, "not UTF-8"));
	ck_assert_str_eq(stas_ini_last(ini, "S", "a")->value, "1");
	ck_assert_str_eq(stas_ini_last(ini, "S", "b")->value, "3");
	ck_assert_uint_eq(stas_ini_entries(ini, "S")->len, 2);
}
END_TEST

START_TEST(test_ini_one_megabyte_line)
{
	gsize len = 1024 * 1024;
	g_autofree char *text = g_malloc(len + 32);
	g_autoptr(StasIni) ini = NULL;
	gsize pos = (gsize)g_snprintf(text, 32, "[S]\nbig = ");

	memset(text + pos, 'x', len);
	strcpy(text + pos + len, "\nafter = 1\n");
	ini = stas_ini_parse("big.conf", text, strlen(text), NULL);
	ck_assert_uint_eq(strlen(stas_ini_last(ini, "S", "big")->value), len);
	ck_assert_str_eq(stas_ini_last(ini, "S", "after")->value, "1");
}
END_TEST

START_TEST(test_ini_missing_file_is_empty)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(StasIni) ini = stas_ini_load("/nonexistent/stas/test.conf", NULL, &error);

	ck_assert_ptr_nonnull(ini);
	ck_assert_ptr_null(error);
	ck_assert_uint_eq(stas_ini_sections(ini)->len, 0);
}
END_TEST

START_TEST(test_ini_unreadable_file_is_an_error)
{
	g_autofree char *dir = tu_tmpdir();
	g_autoptr(GError) error = NULL;
	g_autoptr(StasIni) ini = stas_ini_load(dir, NULL, &error); /* a directory */

	ck_assert_ptr_null(ini);
	ck_assert_ptr_nonnull(error);
	tu_rmtree(dir);
}
END_TEST

/* Every kind of file an admin may point -f at must give an answer at once:
 * the test's timeout catches a load that waits. */
START_TEST(test_ini_fifo_is_refused_without_waiting)
{
	g_autofree char *dir = tu_tmpdir();
	g_autofree char *fifo = g_build_filename(dir, "fifo", NULL);
	g_autoptr(GError) error = NULL;
	g_autoptr(StasIni) ini = NULL;

	ck_assert_int_eq(mkfifo(fifo, 0600), 0);
	ini = stas_ini_load(fifo, NULL, &error);
	ck_assert_ptr_null(ini);
	ck_assert_ptr_nonnull(strstr(error->message, "not a regular file"));
	tu_rmtree(dir);
}
END_TEST

START_TEST(test_ini_dev_zero_is_refused)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(StasIni) ini = stas_ini_load("/dev/zero", NULL, &error);

	ck_assert_ptr_null(ini);
	ck_assert_ptr_nonnull(strstr(error->message, "not a regular file"));
}
END_TEST

/* "-f /dev/null" is how admins say "no file". */
START_TEST(test_ini_dev_null_is_an_empty_file)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(StasIni) ini = stas_ini_load("/dev/null", NULL, &error);

	ck_assert_ptr_nonnull(ini);
	ck_assert_uint_eq(stas_ini_sections(ini)->len, 0);
}
END_TEST

START_TEST(test_ini_file_above_one_mebibyte_is_refused)
{
	g_autofree char *dir = tu_tmpdir();
	g_autofree char *text = g_strnfill(STAS_INI_MAX_SIZE + 1, '#');
	g_autofree char *path = tu_write(dir, "huge.conf", text, -1);
	g_autofree char *fits = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(StasIni) ini = stas_ini_load(path, NULL, &error);

	ck_assert_uint_eq(STAS_INI_MAX_SIZE, 1024 * 1024);
	ck_assert_ptr_null(ini);
	ck_assert_ptr_nonnull(strstr(error->message, "larger than"));
	text[STAS_INI_MAX_SIZE] = '\0';
	fits = tu_write(dir, "fits.conf", text, -1);
	g_clear_error(&error);
	stas_ini_free(stas_ini_load(fits, NULL, &error));
	ck_assert_ptr_null(error);
	tu_rmtree(dir);
}
END_TEST

/* Problem messages go to the journal and into tickets: a line the parser
 * cannot place may still carry a secret. */
START_TEST(test_ini_bad_line_excerpt_never_shows_a_secret)
{
	static const char text[] = "controller = transport=tcp;dhchap-secret=DHHC-1:00:c2VjcmV0c2VjcmV0:\n"
				   "dhchap-ctrl-secret = plaintext-secret\n"
				   "[Host\n"
				   "Key = another-plaintext\n";
	g_autoptr(StasProblems) problems = stas_problems_new();
	g_autoptr(StasIni) ini = stas_ini_parse("s.conf", text, sizeof(text) - 1, problems);

	ck_assert_uint_eq(problems->len, 4);
	for (guint i = 0; i < problems->len; i++) {
		g_autofree char *line = stas_problem_to_string(g_ptr_array_index(problems, i));

		ck_assert_msg(!strstr(line, "c2VjcmV0") && !strstr(line, "plaintext"), "shown: %s", line);
	}
	ck_assert_ptr_nonnull(tu_find_problem(problems, 1, "transport=tcp;dhchap-secret=(secret not shown)"));
	ck_assert_ptr_nonnull(tu_find_problem(problems, 2, "dhchap-ctrl-secret = (secret not shown)"));
}
END_TEST

START_TEST(test_ini_set_replaces_in_place_and_drops_duplicates)
{
	g_autoptr(StasIni) ini = parse("[Host]\na=1\nnqn=x\nb=2\nNQN=y\n", NULL);
	g_autofree char *text = NULL;

	stas_ini_set(ini, "Host", "nqn", "z");
	stas_ini_add_section(ini, "Empty");
	stas_ini_add_section(ini, "Host");
	text = stas_ini_to_string(ini);
	ck_assert_str_eq(text, "[Host]\na = 1\nnqn = z\nb = 2\n\n[Empty]\n\n");
}
END_TEST

START_TEST(test_ini_canonical_output_round_trips)
{
	g_autoptr(StasIni) ini = parse("# comment\n[Host]\nnqn=a\n[Other]\nx = 1\n", NULL);
	g_autofree char *text = NULL;
	g_autoptr(StasIni) again = NULL;

	stas_ini_set(ini, "Host", "ID", "b");
	stas_ini_set(ini, "Host", "nqn", "c");
	stas_ini_set(ini, "New", "k", "v w");
	stas_ini_remove(ini, "Other", "x");
	text = stas_ini_to_string(ini);
	ck_assert_str_eq(text, "[Host]\nnqn = c\nid = b\n\n[Other]\n\n[New]\nk = v w\n\n");
	again = parse(text, NULL);
	ck_assert_str_eq(stas_ini_last(again, "New", "k")->value, "v w");
}
END_TEST

/* A value is one line: "x\nkey = y" written out would set another key
 * (found by fuzz_conf). */
START_TEST(test_ini_set_refuses_a_value_with_a_line_break)
{
	g_autoptr(StasIni) ini = parse("[Host]\nsymname = old\n", NULL);
	g_autofree char *text = NULL;

	ck_assert(!stas_ini_set(ini, "Host", "symname", "x\nkey = planted"));
	ck_assert(!stas_ini_set(ini, "Host", "symname", "x\r[Other]"));
	text = stas_ini_to_string(ini);
	ck_assert_str_eq(text, "[Host]\nsymname = old\n\n");
}
END_TEST

int main(void)
{
	Suite *suite = suite_create("ini");
	TCase *tc = tcase_create("dialect");

	tcase_add_test(tc, test_ini_keys_fold_case_sections_do_not);
	tcase_add_test(tc, test_ini_only_equals_delimits_and_value_keeps_later_equals);
	tcase_add_test(tc, test_ini_no_inline_comments);
	tcase_add_test(tc, test_ini_every_occurrence_is_kept_and_last_wins);
	tcase_add_test(tc, test_ini_continuation_lines_are_separate_values);
	tcase_add_test(tc, test_ini_trailing_blank_lines_do_not_extend_a_value);
	tcase_add_test(tc, test_ini_key_without_equals_has_null_value);
	tcase_add_test(tc, test_ini_line_before_any_section_is_reported_not_fatal);
	tcase_add_test(tc, test_ini_malformed_header_and_empty_key_are_reported);
	tcase_add_test(tc, test_ini_crlf_cr_and_missing_final_newline);
	tcase_add_test(tc, test_ini_byte_order_mark_is_skipped);
	tcase_add_test(tc, test_ini_binary_junk_lines_are_reported_and_skipped);
	tcase_add_test(tc, test_ini_one_megabyte_line);
	tcase_add_test(tc, test_ini_missing_file_is_empty);
	tcase_add_test(tc, test_ini_unreadable_file_is_an_error);
	tcase_add_test(tc, test_ini_fifo_is_refused_without_waiting);
	tcase_add_test(tc, test_ini_dev_zero_is_refused);
	tcase_add_test(tc, test_ini_dev_null_is_an_empty_file);
	tcase_add_test(tc, test_ini_file_above_one_mebibyte_is_refused);
	tcase_add_test(tc, test_ini_bad_line_excerpt_never_shows_a_secret);
	tcase_add_test(tc, test_ini_set_replaces_in_place_and_drops_duplicates);
	tcase_add_test(tc, test_ini_canonical_output_round_trips);
	tcase_add_test(tc, test_ini_set_refuses_a_value_with_a_line_break);
	suite_add_tcase(suite, tc);
	return tu_run(suite);
}
