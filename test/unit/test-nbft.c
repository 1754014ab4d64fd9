// SPDX-License-Identifier: Apache-2.0
/*
 * The NBFT reader (nbft.c) against tables made by test/tools/mknbft.py
 * (test/data/nbft): one boot controller and one boot discovery controller
 * from a good table, each once even when two tables name it, and nothing
 * (but a logged reason) from a table libnvme cannot parse. A build whose libnvme cannot read NBFT (< 1.5)
 * reads nothing at all.
 */
#include "config.h"

#include <check.h>
#include <glib.h>

#include "stas/nbft.h"
#include "stas/tid.h"
#include "testutil.h"

#define SYS_HOSTNQN   "nqn.2014-08.org.nvmexpress:uuid:other-host"
#define TABLE_HOSTNQN "nqn.2014-08.org.nvmexpress:uuid:5ca1ab1e-0000-4000-8000-000000000001"

/* A sysfs root whose firmware/acpi/tables holds the fixtures named in @names (NULL-ended),
 * as NBFT, NBFT2, ... */
static char *sysfs_with(const char *const *names)
{
	char *root = tu_tmpdir();
	g_autofree char *tables = g_build_filename(root, "firmware", "acpi", "tables", NULL);

	g_mkdir_with_parents(tables, 0755);
	for (guint i = 0; names[i]; i++) {
		g_autofree char *src = g_build_filename(g_getenv("STAS_TEST_SRCDIR"), "data", "nbft",
							names[i], NULL);
		g_autofree char *dst = i ? g_strdup_printf("%s/NBFT%u", tables, i + 1)
					 : g_strdup_printf("%s/NBFT", tables);
		g_autofree char *bytes = NULL;
		gsize len = 0;

		ck_assert(g_file_get_contents(src, &bytes, &len, NULL));
		ck_assert(g_file_set_contents(dst, bytes, (gssize)len, NULL));
	}
	return root;
}

START_TEST(test_no_tables_no_controllers)
{
	g_autofree char *root = tu_tmpdir();
	g_autoptr(GPtrArray) tids = stas_nbft_tids(root, STAS_NBFT_IO, SYS_HOSTNQN, FALSE);

	ck_assert_uint_eq(tids->len, 0);
	tu_rmtree(root);
}
END_TEST

START_TEST(test_boot_controller_from_the_table)
{
	static const char *const names[] = { "boot.bin", "bad-heap.bin", "boot.bin", NULL };
	g_autofree char *root = sysfs_with(names);
	g_autoptr(GPtrArray) tids = stas_nbft_tids(root, STAS_NBFT_IO, SYS_HOSTNQN, FALSE);
#ifdef HAVE_NVME_NBFT_READ
	const StasTid *tid;

	/* the good table twice gives one controller; the bad one none */
	ck_assert_uint_eq(tids->len, 1);
	tid = g_ptr_array_index(tids, 0);
	ck_assert_str_eq(stas_tid_transport(tid), "tcp");
	ck_assert_str_eq(stas_tid_traddr(tid), "127.0.0.1");
	ck_assert_str_eq(stas_tid_trsvcid(tid), "4440");
	ck_assert_str_eq(stas_tid_subsysnqn(tid), "nqn.2024-01.io.example:nbft-boot");
	/* the firmware's host NQN, since it is not the system's */
	ck_assert_str_eq(stas_tid_host_nqn(tid), TABLE_HOSTNQN);
#else
	ck_assert_uint_eq(tids->len, 0);
#endif
	tu_rmtree(root);
}
END_TEST

/* The table's discovery descriptor (nvme+tcp://127.0.0.1:4441/) is stafd's boot DC. */
START_TEST(test_boot_discovery_controller_from_the_table)
{
	static const char *const names[] = { "boot.bin", "bad-heap.bin", NULL };
	g_autofree char *root = sysfs_with(names);
	g_autoptr(GPtrArray) tids = stas_nbft_tids(root, STAS_NBFT_DISCOVERY, SYS_HOSTNQN, FALSE);
#if defined(HAVE_NVME_NBFT_READ) && defined(HAVE_NVME_PARSE_URI)
	const StasTid *tid;

	ck_assert_uint_eq(tids->len, 1);
	tid = g_ptr_array_index(tids, 0);
	ck_assert_str_eq(stas_tid_transport(tid), "tcp");
	ck_assert_str_eq(stas_tid_traddr(tid), "127.0.0.1");
	ck_assert_str_eq(stas_tid_trsvcid(tid), "4441");
	ck_assert_str_eq(stas_tid_subsysnqn(tid), "nqn.2014-08.org.nvmexpress.discovery");
#else
	ck_assert_uint_eq(tids->len, 0);
#endif
	tu_rmtree(root);
}
END_TEST

START_TEST(test_only_a_bad_table)
{
	static const char *const names[] = { "bad-heap.bin", NULL };
	g_autofree char *root = sysfs_with(names);
	g_autoptr(GPtrArray) tids = stas_nbft_tids(root, STAS_NBFT_IO, SYS_HOSTNQN, FALSE);

	ck_assert_uint_eq(tids->len, 0);
	tu_rmtree(root);
}
END_TEST

static Suite *nbft_suite(void)
{
	Suite *s = suite_create("nbft");
	TCase *tc = tcase_create("read");

	tcase_add_test(tc, test_no_tables_no_controllers);
	tcase_add_test(tc, test_boot_controller_from_the_table);
	tcase_add_test(tc, test_boot_discovery_controller_from_the_table);
	tcase_add_test(tc, test_only_a_bad_table);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return tu_run(nbft_suite());
}
