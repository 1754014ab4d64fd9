// SPDX-License-Identifier: Apache-2.0
/*
 * Existing controllers seen through sysfs (SPEC §6.5): classification, the
 * cid, attributes and the list of controllers, on fake sysfs trees.
 */
#include <glib/gstdio.h>

#include "fake-sysfs.h"
#include "testutil.h"

/* -------------------------------------------------------- classification */

START_TEST(test_classify_wknqn_is_dc)
{
	g_autofree char *root = tu_tmpdir();

	fake_ctrl(root, "nvme0", &(FakeCtrl){ .subsysnqn = WKNQN });
	ck_assert(stas_udev_is_dc_device(root, "nvme0"));
	ck_assert(!stas_udev_is_ioc_device(root, "nvme0"));
	tu_rmtree(root);
}
END_TEST

START_TEST(test_classify_cntrltype_decides)
{
	g_autofree char *root = tu_tmpdir();

	fake_ctrl(root, "nvme0", &(FakeCtrl){ .subsysnqn = "nqn.unique.dc", .cntrltype = "discovery" });
	fake_ctrl(root, "nvme1", &(FakeCtrl){ .subsysnqn = SUBSYS, .cntrltype = "io", .child = "nvme1n1" });
	/* An IOC whose namespaces are not there yet is still no DC. */
	fake_ctrl(root, "nvme2", &(FakeCtrl){ .subsysnqn = SUBSYS, .cntrltype = "io" });

	ck_assert(stas_udev_is_dc_device(root, "nvme0"));
	ck_assert(!stas_udev_is_ioc_device(root, "nvme0"));
	ck_assert(!stas_udev_is_dc_device(root, "nvme1"));
	ck_assert(stas_udev_is_ioc_device(root, "nvme1"));
	ck_assert(!stas_udev_is_dc_device(root, "nvme2"));
	ck_assert(stas_udev_is_ioc_device(root, "nvme2"));
	tu_rmtree(root);
}
END_TEST

/* Kernels before 5.18 have no cntrltype: children decide. */
START_TEST(test_classify_without_cntrltype_by_children)
{
	g_autofree char *root = tu_tmpdir();

	fake_ctrl(root, "nvme0", &(FakeCtrl){ .subsysnqn = SUBSYS });
	fake_ctrl(root, "nvme1", &(FakeCtrl){ .subsysnqn = SUBSYS, .child = "nvme1n1" });
	fake_ctrl(root, "nvme2", &(FakeCtrl){ .subsysnqn = SUBSYS, .child = "nvme0c2n1" });
	fake_ctrl(root, "nvme3", &(FakeCtrl){ .subsysnqn = SUBSYS, .child = "ng3n1" });
	fake_ctrl(root, "nvme4", &(FakeCtrl){ .subsysnqn = SUBSYS, .cntrltype = "" });

	/* power/ and the device link are not child devices */
	ck_assert(stas_udev_is_dc_device(root, "nvme0"));
	ck_assert(!stas_udev_is_ioc_device(root, "nvme0"));
	for (guint i = 1; i <= 3; i++) {
		g_autofree char *name = g_strdup_printf("nvme%u", i);

		ck_assert_msg(!stas_udev_is_dc_device(root, name), "%s", name);
		ck_assert_msg(stas_udev_is_ioc_device(root, name), "%s", name);
	}
	ck_assert(stas_udev_is_dc_device(root, "nvme4"));
	ck_assert(!stas_udev_is_ioc_device(root, "nvme4"));
	tu_rmtree(root);
}
END_TEST

START_TEST(test_classify_missing_device)
{
	g_autofree char *root = tu_tmpdir();

	ck_assert(!stas_udev_is_dc_device(root, "nvme0"));
	ck_assert(!stas_udev_is_ioc_device(root, "nvme0"));
	ck_assert(!stas_udev_is_dc_device(root, NULL));
	ck_assert(!stas_udev_is_dc_device(root, ".."));
	tu_rmtree(root);
}
END_TEST

/* -------------------------------------------------------------- cid */

START_TEST(test_cid_from_uevent_and_sysfs)
{
	g_autofree char *root = tu_tmpdir();
	g_autoptr(GHashTable) cid = NULL;

	fake_ctrl(root, "nvme1", &tcp_ioc);
	cid = stas_udev_ctrl_cid(root, "nvme1");
	ck_assert_ptr_nonnull(cid);
	ck_assert_uint_eq(g_hash_table_size(cid), 8);
	ck_assert_str_eq(g_hash_table_lookup(cid, "transport"), "tcp");
	ck_assert_str_eq(g_hash_table_lookup(cid, "traddr"), "192.168.1.100");
	ck_assert_str_eq(g_hash_table_lookup(cid, "trsvcid"), "4420");
	ck_assert_str_eq(g_hash_table_lookup(cid, "host-traddr"), "");
	ck_assert_str_eq(g_hash_table_lookup(cid, "host-iface"), "");
	ck_assert_str_eq(g_hash_table_lookup(cid, "subsysnqn"), SUBSYS);
	ck_assert_str_eq(g_hash_table_lookup(cid, "host-nqn"), HOSTNQN);
	ck_assert_str_eq(g_hash_table_lookup(cid, "src-addr"), "192.168.1.10");
	tu_rmtree(root);
}
END_TEST

START_TEST(test_cid_none_is_empty_and_address_keys)
{
	g_autofree char *root = tu_tmpdir();
	g_autoptr(GHashTable) cid = NULL;
	g_autoptr(GHashTable) cid6 = NULL;

	fake_ctrl(root, "nvme1",
		  &(FakeCtrl){ .trtype = "tcp",
			       .traddr = "192.168.1.100",
			       .trsvcid = "NONE",
			       .host_traddr = "192.168.1.11",
			       .host_iface = "eth0",
			       .subsysnqn = "None",
			       .hostnqn = HOSTNQN,
			       .address = "traddr=192.168.1.100,trsvcid=8009,host_traddr=192.168.1.11,"
					  "host_iface=eth0,src_addr=192.168.1.11" });
	fake_ctrl(root, "nvme2",
		  &(FakeCtrl){ .trtype = "tcp",
			       .address = "traddr=fe80::1,trsvcid=8009,src_addr=fe80::1:2:3:4" });

	cid = stas_udev_ctrl_cid(root, "nvme1");
	ck_assert_str_eq(g_hash_table_lookup(cid, "trsvcid"), "");
	ck_assert_str_eq(g_hash_table_lookup(cid, "subsysnqn"), "");
	ck_assert_str_eq(g_hash_table_lookup(cid, "host-traddr"), "192.168.1.11");
	ck_assert_str_eq(g_hash_table_lookup(cid, "host-iface"), "eth0");
	ck_assert_str_eq(g_hash_table_lookup(cid, "src-addr"), "192.168.1.11");

	/* src_addr last on the line: the trailing newline is not part of it */
	cid6 = stas_udev_ctrl_cid(root, "nvme2");
	ck_assert_str_eq(g_hash_table_lookup(cid6, "src-addr"), "fe80::1:2:3:4");
	tu_rmtree(root);
}
END_TEST

START_TEST(test_cid_missing_files_are_empty)
{
	g_autofree char *root = tu_tmpdir();
	g_autoptr(GHashTable) legacy = NULL;
	g_autoptr(GHashTable) bare = NULL;
	g_autoptr(GHashTable) pcie = NULL;
	g_autofree char *uevent = NULL;

	/* before 6.1: no src_addr in "address" */
	fake_ctrl(root, "nvme1", &(FakeCtrl){ .trtype = "tcp", .address = "traddr=1.2.3.4,trsvcid=8009" });
	fake_ctrl(root, "nvme2", &(FakeCtrl){ 0 });
	fake_ctrl(root, "nvme3", &(FakeCtrl){ .trtype = "pcie", .address = "0000:00:04.0" });
	uevent = g_build_filename(root, "class", "nvme", "nvme2", "uevent", NULL);
	ck_assert_int_eq(g_unlink(uevent), 0);

	legacy = stas_udev_ctrl_cid(root, "nvme1");
	ck_assert_str_eq(g_hash_table_lookup(legacy, "src-addr"), "");
	ck_assert_str_eq(g_hash_table_lookup(legacy, "host-nqn"), "");

	bare = stas_udev_ctrl_cid(root, "nvme2");
	ck_assert_ptr_nonnull(bare);
	ck_assert_uint_eq(g_hash_table_size(bare), 8);
	ck_assert_str_eq(g_hash_table_lookup(bare, "transport"), "");
	ck_assert_str_eq(g_hash_table_lookup(bare, "subsysnqn"), "");
	ck_assert_str_eq(g_hash_table_lookup(bare, "src-addr"), "");

	pcie = stas_udev_ctrl_cid(root, "nvme3");
	ck_assert_str_eq(g_hash_table_lookup(pcie, "transport"), "pcie");
	ck_assert_str_eq(g_hash_table_lookup(pcie, "traddr"), "");
	ck_assert_str_eq(g_hash_table_lookup(pcie, "src-addr"), "");

	ck_assert_ptr_null(stas_udev_ctrl_cid(root, "nvme9"));
	ck_assert_ptr_null(stas_udev_ctrl_cid(root, ""));
	ck_assert_ptr_null(stas_udev_ctrl_cid(root, NULL));
	ck_assert_ptr_null(stas_udev_ctrl_cid(root, "../nvme/nvme1"));
	tu_rmtree(root);
}
END_TEST

START_TEST(test_ctrl_attr_stripped_efault_missing)
{
	g_autofree char *root = tu_tmpdir();
	g_autofree char *dir = NULL;
	g_autofree char *model = NULL, *serial = NULL, *hostid = NULL, *missing = NULL, *escape = NULL;
	g_autofree char *path1 = NULL, *path2 = NULL, *path3 = NULL;

	fake_ctrl(root, "nvme1", &tcp_ioc);
	dir = g_build_filename(root, "class", "nvme", "nvme1", NULL);
	path1 = tu_write(dir, "model", "Linux                                   \n", -1);
	path2 = tu_write(dir, "serial", "(efault)\n", -1);
	path3 = tu_write(dir, "hostid", "  7c3a5d1e-0000-1111-2222-333344445555\n", -1);

	model = stas_udev_ctrl_attr(root, "nvme1", "model");
	serial = stas_udev_ctrl_attr(root, "nvme1", "serial");
	hostid = stas_udev_ctrl_attr(root, "nvme1", "hostid");
	missing = stas_udev_ctrl_attr(root, "nvme1", "dctype");
	escape = stas_udev_ctrl_attr(root, "nvme1", "../nvme1/model");
	ck_assert_str_eq(model, "Linux");
	ck_assert_str_eq(serial, "");
	ck_assert_str_eq(hostid, "7c3a5d1e-0000-1111-2222-333344445555");
	ck_assert_ptr_null(missing);
	ck_assert_ptr_null(escape);
	tu_rmtree(root);
}
END_TEST

/* A DC's Identify strings reach sysfs byte for byte (review-stafd #4). */
START_TEST(test_ctrl_attr_is_valid_utf8)
{
	g_autofree char *root = tu_tmpdir();
	g_autofree char *dir = NULL, *path = NULL, *model = NULL;

	fake_ctrl(root, "nvme1", &tcp_ioc);
	dir = g_build_filename(root, "class", "nvme", "nvme1", NULL);
	path = tu_write(dir, "model", "Array\xb5X\xff\n", -1);
	model = stas_udev_ctrl_attr(root, "nvme1", "model");
	ck_assert(g_utf8_validate(model, -1, NULL));
	ck_assert(g_str_has_prefix(model, "Array"));
	tu_rmtree(root);
}
END_TEST

START_TEST(test_list_ctrls_by_instance)
{
	g_autofree char *root = tu_tmpdir();
	g_autoptr(GPtrArray) names = NULL;
	g_autoptr(GPtrArray) none = NULL;
	const char *expect[] = { "nvme0", "nvme1", "nvme2", "nvme10" };

	none = stas_udev_list_ctrls(root);
	ck_assert_ptr_nonnull(none);
	ck_assert_uint_eq(none->len, 0);

	fake_ctrl(root, "nvme10", &tcp_ioc);
	fake_ctrl(root, "nvme2", &tcp_ioc);
	fake_ctrl(root, "nvme0", &tcp_ioc);
	fake_ctrl(root, "nvme1", &tcp_ioc);
	names = stas_udev_list_ctrls(root);
	ck_assert_uint_eq(names->len, G_N_ELEMENTS(expect));
	for (guint i = 0; i < G_N_ELEMENTS(expect); i++)
		ck_assert_str_eq(g_ptr_array_index(names, i), expect[i]);
	tu_rmtree(root);
}
END_TEST

int main(void)
{
	Suite *suite = suite_create("sysfs");
	TCase *tc = tcase_create("sysfs");

	tcase_add_test(tc, test_classify_wknqn_is_dc);
	tcase_add_test(tc, test_classify_cntrltype_decides);
	tcase_add_test(tc, test_classify_without_cntrltype_by_children);
	tcase_add_test(tc, test_classify_missing_device);
	tcase_add_test(tc, test_cid_from_uevent_and_sysfs);
	tcase_add_test(tc, test_cid_none_is_empty_and_address_keys);
	tcase_add_test(tc, test_cid_missing_files_are_empty);
	tcase_add_test(tc, test_ctrl_attr_stripped_efault_missing);
	tcase_add_test(tc, test_ctrl_attr_is_valid_utf8);
	tcase_add_test(tc, test_list_ctrls_by_instance);
	suite_add_tcase(suite, tc);
	return tu_run(suite);
}
