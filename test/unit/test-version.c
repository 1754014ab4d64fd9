// SPDX-License-Identifier: Apache-2.0
/*
 * Version strings and kernel release comparison: nvme-stas's test-version.py cases, plus the
 * edge cases a uname -r string or a hand-written threshold can bring.
 */
#include "config.h"
#include "stas/version.h"

#include <check.h>

#include "testutil.h"
#include <stdlib.h>
#include <string.h>

#define KERNEL "5.8.0-63-generic"

START_TEST(test_version_is_project_version)
{
	ck_assert_str_eq(stas_version(), STAS_VERSION);
}
END_TEST

START_TEST(test_libnvme_version_is_number_or_placeholder)
{
	const char *v = stas_libnvme_version();

	ck_assert_ptr_nonnull(v);
	ck_assert_msg(strcmp(v, "?.?") == 0 || g_ascii_isdigit(v[0]), "unexpected libnvme version \"%s\"", v);
#ifdef HAVE_NVME_GET_VERSION
	ck_assert_str_ne(v, "?.?");
#endif
}
END_TEST

START_TEST(test_kernel_version_equal_ignores_flavour_suffix)
{
	ck_assert_int_eq(stas_kernel_version_cmp(KERNEL, "5.8.0-63"), 0);
	ck_assert_int_ne(stas_kernel_version_cmp(KERNEL, "5.8.0"), 0);
}
END_TEST

START_TEST(test_kernel_version_lower_than)
{
	ck_assert_int_lt(stas_kernel_version_cmp(KERNEL, "5.9"), 0);
	ck_assert_int_ge(stas_kernel_version_cmp(KERNEL, "5.7"), 0);
}
END_TEST

START_TEST(test_kernel_version_lower_or_equal)
{
	ck_assert_int_le(stas_kernel_version_cmp(KERNEL, "5.8.0-63"), 0);
	ck_assert_int_le(stas_kernel_version_cmp(KERNEL, "5.8.1"), 0);
	ck_assert_int_gt(stas_kernel_version_cmp(KERNEL, "5.7"), 0);
}
END_TEST

START_TEST(test_kernel_version_greater_than)
{
	ck_assert_int_gt(stas_kernel_version_cmp(KERNEL, "5.8"), 0);
	ck_assert_int_le(stas_kernel_version_cmp(KERNEL, "5.9"), 0);
}
END_TEST

START_TEST(test_kernel_version_greater_or_equal)
{
	ck_assert_int_ge(stas_kernel_version_cmp(KERNEL, "5.8.0-63"), 0);
	ck_assert_int_ge(stas_kernel_version_cmp(KERNEL, "5.7.0"), 0);
	ck_assert_int_lt(stas_kernel_version_cmp(KERNEL, "5.9"), 0);
}
END_TEST

START_TEST(test_kernel_version_result_is_antisymmetric)
{
	static const char *const v[] = {
		KERNEL, "5.8.0-63", "5.8.0", "5.8", "5.9", "5.7", "6.1.0-13-amd64", "",
	};
	gsize i, j;

	for (i = 0; i < G_N_ELEMENTS(v); i++) {
		for (j = 0; j < G_N_ELEMENTS(v); j++) {
			int ab = stas_kernel_version_cmp(v[i], v[j]);
			int ba = stas_kernel_version_cmp(v[j], v[i]);

			ck_assert_msg((ab > 0) == (ba < 0) && (ab == 0) == (ba == 0), "\"%s\" vs \"%s\"",
				      v[i], v[j]);
		}
	}
}
END_TEST

START_TEST(test_kernel_version_missing_components_count_as_zero)
{
	ck_assert_int_eq(stas_kernel_version_cmp("5.8", "5.8.0"), 0);
	ck_assert_int_eq(stas_kernel_version_cmp("5.8.0.0", "5.8"), 0);
	ck_assert_int_lt(stas_kernel_version_cmp("5.8", "5.8.0.1"), 0);
	ck_assert_int_gt(stas_kernel_version_cmp("6", "5.20"), 0);
}
END_TEST

START_TEST(test_kernel_version_numbers_compare_numerically)
{
	ck_assert_int_gt(stas_kernel_version_cmp("5.10", "5.9"), 0);
	ck_assert_int_gt(stas_kernel_version_cmp("6.1.0-13-amd64", "5.20"), 0);
	ck_assert_int_eq(stas_kernel_version_cmp("5.08", "5.8"), 0);
	ck_assert_int_lt(stas_kernel_version_cmp("5.16", "5.016.1"), 0);
}
END_TEST

START_TEST(test_kernel_version_huge_components_do_not_overflow)
{
	ck_assert_int_gt(stas_kernel_version_cmp("5.99999999999999999999", "5.18446744073709551615"), 0);
	ck_assert_int_lt(stas_kernel_version_cmp("5.18446744073709551616", "5.99999999999999999999"), 0);
	ck_assert_int_eq(stas_kernel_version_cmp("000000000000000000000000001", "1"), 0);
}
END_TEST

START_TEST(test_kernel_version_stops_at_first_non_numeric_component)
{
	ck_assert_int_eq(stas_kernel_version_cmp("6.1.0-13-amd64", "6.1.0-13"), 0);
	ck_assert_int_eq(stas_kernel_version_cmp("5.8.0-rc1", "5.8.0"), 0);
	ck_assert_int_eq(stas_kernel_version_cmp("5.8.0-generic-99", "5.8"), 0);
	ck_assert_int_eq(stas_kernel_version_cmp("5.8.0+", "5.8"), 0);
	ck_assert_int_eq(stas_kernel_version_cmp("5..8", "5"), 0);
	ck_assert_int_eq(stas_kernel_version_cmp("5.8x.1", "5"), 0);
	ck_assert_int_eq(stas_kernel_version_cmp("5.8.", "5.8"), 0);
}
END_TEST

START_TEST(test_kernel_version_null_and_empty_are_zero)
{
	ck_assert_int_eq(stas_kernel_version_cmp(NULL, NULL), 0);
	ck_assert_int_eq(stas_kernel_version_cmp(NULL, ""), 0);
	ck_assert_int_eq(stas_kernel_version_cmp("", "0"), 0);
	ck_assert_int_eq(stas_kernel_version_cmp("generic", NULL), 0);
	ck_assert_int_lt(stas_kernel_version_cmp(NULL, "0.1"), 0);
	ck_assert_int_gt(stas_kernel_version_cmp("5.8", ""), 0);
}
END_TEST

static Suite *version_suite(void)
{
	Suite *s = suite_create("version");
	TCase *tc;

	tc = tcase_create("strings");
	tcase_add_test(tc, test_version_is_project_version);
	tcase_add_test(tc, test_libnvme_version_is_number_or_placeholder);
	suite_add_tcase(s, tc);

	tc = tcase_create("kernel");
	tcase_add_test(tc, test_kernel_version_equal_ignores_flavour_suffix);
	tcase_add_test(tc, test_kernel_version_lower_than);
	tcase_add_test(tc, test_kernel_version_lower_or_equal);
	tcase_add_test(tc, test_kernel_version_greater_than);
	tcase_add_test(tc, test_kernel_version_greater_or_equal);
	tcase_add_test(tc, test_kernel_version_result_is_antisymmetric);
	tcase_add_test(tc, test_kernel_version_missing_components_count_as_zero);
	tcase_add_test(tc, test_kernel_version_numbers_compare_numerically);
	tcase_add_test(tc, test_kernel_version_huge_components_do_not_overflow);
	tcase_add_test(tc, test_kernel_version_stops_at_first_non_numeric_component);
	tcase_add_test(tc, test_kernel_version_null_and_empty_are_zero);
	suite_add_tcase(s, tc);

	return s;
}

int main(void)
{
	return tu_run(version_suite());
}
