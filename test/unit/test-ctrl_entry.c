// SPDX-License-Identifier: Apache-2.0
/*
 * Parsing of one controller=/exclude= entry (SPEC §2.7 and nvme-stas HEAD's
 * _parse_controller tests), with the deliberate fix for '=' inside values.
 */
#include <string.h>

#include "stas/conf.h"
#include "testutil.h"

static StasCtrlEntry *parse(const char *text, StasProblems *problems)
{
	return stas_ctrl_entry_parse(text, "t.conf", 7, "controller", problems);
}

START_TEST(test_entry_empty_string_is_empty)
{
	g_autoptr(StasCtrlEntry) entry = parse("", NULL);

	ck_assert_uint_eq(stas_ctrl_entry_size(entry), 0);
	ck_assert_uint_eq(entry->line, 7);
}
END_TEST

START_TEST(test_entry_tokens_are_trimmed_and_empty_tokens_skipped)
{
	g_autoptr(StasProblems) problems = stas_problems_new();
	g_autoptr(StasCtrlEntry) entry = parse(" ; transport = tcp ;; traddr=1.2.3.4 ;", problems);

	ck_assert_uint_eq(stas_ctrl_entry_size(entry), 2);
	ck_assert_str_eq(stas_ctrl_entry_get(entry, "transport"), "tcp");
	ck_assert_str_eq(stas_ctrl_entry_get(entry, "traddr"), "1.2.3.4");
	ck_assert_uint_eq(problems->len, 0);
}
END_TEST

START_TEST(test_entry_token_without_equals_is_reported_and_skipped)
{
	g_autoptr(StasProblems) problems = stas_problems_new();
	g_autoptr(StasCtrlEntry) entry = parse("transport=tcp;bogus;traddr=1.1.1.1;=x", problems);

	ck_assert_uint_eq(stas_ctrl_entry_size(entry), 2);
	ck_assert_ptr_nonnull(tu_find_problem(problems, 7, "\"bogus\" is not key=value"));
	ck_assert_ptr_nonnull(tu_find_problem(problems, 7, "\"=x\" is not key=value"));
	ck_assert_uint_eq(problems->len, 2);
}
END_TEST

START_TEST(test_entry_value_may_contain_equals)
{
	g_autoptr(StasCtrlEntry) entry = parse("dhchap-secret=DHHC-1:00:abcd==:;k=a=b", NULL);

	ck_assert_str_eq(stas_ctrl_entry_get(entry, "dhchap-secret"), "DHHC-1:00:abcd==:");
	ck_assert_str_eq(stas_ctrl_entry_get(entry, "k"), "a=b");
}
END_TEST

START_TEST(test_entry_secret_is_never_echoed_in_problems)
{
	g_autoptr(StasProblems) problems = stas_problems_new();
	g_autoptr(StasCtrlEntry) entry = parse("transport=tcp;DHHC-1:00:c2VjcmV0:", problems);
	const StasProblem *problem = g_ptr_array_index(problems, 0);

	ck_assert_uint_eq(problems->len, 1);
	ck_assert_ptr_null(strstr(problem->message, "c2VjcmV0"));
	ck_assert_ptr_nonnull(strstr(problem->message, "not shown"));
}
END_TEST

START_TEST(test_entry_keys_are_case_sensitive_and_later_duplicates_win)
{
	g_autoptr(StasCtrlEntry) entry = parse("Traddr=1;traddr=2;traddr=3", NULL);

	ck_assert_uint_eq(stas_ctrl_entry_size(entry), 2);
	ck_assert_str_eq(stas_ctrl_entry_get(entry, "Traddr"), "1");
	ck_assert_str_eq(stas_ctrl_entry_get(entry, "traddr"), "3");
	ck_assert_str_eq(g_ptr_array_index(entry->keys, 1), "traddr");
}
END_TEST

START_TEST(test_entry_nqn_becomes_subsysnqn)
{
	g_autoptr(StasCtrlEntry) entry = parse("subsysnqn=a;nqn=b", NULL);

	ck_assert_uint_eq(stas_ctrl_entry_size(entry), 1);
	ck_assert_str_eq(stas_ctrl_entry_get(entry, "subsysnqn"), "b");
	ck_assert_ptr_null(stas_ctrl_entry_get(entry, "nqn"));
}
END_TEST

START_TEST(test_entry_remove_keeps_order)
{
	g_autoptr(StasCtrlEntry) entry = parse("a=1;b=2;c=3", NULL);

	stas_ctrl_entry_remove(entry, "b");
	stas_ctrl_entry_remove(entry, "zz");
	ck_assert_uint_eq(stas_ctrl_entry_size(entry), 2);
	ck_assert_str_eq(g_ptr_array_index(entry->keys, 1), "c");
	ck_assert_ptr_null(stas_ctrl_entry_get(entry, "b"));
}
END_TEST

int main(void)
{
	Suite *suite = suite_create("ctrl_entry");
	TCase *tc = tcase_create("parse");

	tcase_add_test(tc, test_entry_empty_string_is_empty);
	tcase_add_test(tc, test_entry_tokens_are_trimmed_and_empty_tokens_skipped);
	tcase_add_test(tc, test_entry_token_without_equals_is_reported_and_skipped);
	tcase_add_test(tc, test_entry_value_may_contain_equals);
	tcase_add_test(tc, test_entry_secret_is_never_echoed_in_problems);
	tcase_add_test(tc, test_entry_keys_are_case_sensitive_and_later_duplicates_win);
	tcase_add_test(tc, test_entry_nqn_becomes_subsysnqn);
	tcase_add_test(tc, test_entry_remove_keeps_order);
	suite_add_tcase(suite, tc);
	return tu_run(suite);
}
