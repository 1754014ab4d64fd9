// SPDX-License-Identifier: Apache-2.0
/*
 * Existing controllers seen through sysfs (SPEC §6.5): classification, cid,
 * the match function (ported from nvme-stas's test-udev, on a hand-built
 * interface snapshot and fake sysfs trees), and the udev monitor's life.
 */
#include <glib/gstdio.h>
#include <stdio.h>
#include <unistd.h>

#include "stas/udev.h"
#include "testutil.h"

#define WKNQN	 "nqn.2014-08.org.nvmexpress.discovery"
#define HOSTNQN	 "nqn.2014-08.org.nvmexpress:uuid:11111111-2222-3333-4444-555555555555"
#define SUBSYS	 "nqn.1988-11.com.dell:powerstore:00:abcdef"
#define TRADDR4	 "1.2.3.4"
#define TRADDR4R "4.3.2.1"
#define TRADDR6	 "FE80::aaaa:BBBB:cccc:dddd"
#define TRADDR6R "fe80::DDDD:cccc:bbbb:AAAA"

/* ----------------------------------------------------------- fixtures */

static GHashTable *dict_new(const char *first_key, ...)
{
	GHashTable *dict = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	va_list ap;

	va_start(ap, first_key);
	for (const char *key = first_key; key; key = va_arg(ap, const char *))
		g_hash_table_insert(dict, g_strdup(key), g_strdup(va_arg(ap, const char *)));
	va_end(ap);
	return dict;
}

/* A candidate built the way the daemons build them from a dictionary. */
static StasTid *tid_from(GHashTable *dict)
{
	return stas_tid_new(dict, HOSTNQN, FALSE);
}

/* Two interfaces with several addresses, one IPv6-only interface and the
 * loopback; no address appears twice, so owners are unambiguous. */
static StasIfaces *test_ifaces(void)
{
	StasIfaces *ifaces = stas_ifaces_new();

	stas_ifaces_add(ifaces, "lo", "127.0.0.1");
	stas_ifaces_add(ifaces, "lo", "::1");
	stas_ifaces_add(ifaces, "eth0", "192.168.1.10");
	stas_ifaces_add(ifaces, "eth0", "fe80::1:2:3:4");
	stas_ifaces_add(ifaces, "eth0", "192.168.1.11");
	stas_ifaces_add(ifaces, "eth0", "2001:db8::10");
	stas_ifaces_add(ifaces, "eth1", "10.10.10.1");
	stas_ifaces_add(ifaces, "v6only", "2001:db8:1::5");
	stas_ifaces_add(ifaces, "v6only", "2001:db8:1::6");
	return ifaces;
}

typedef struct {
	const char *trtype, *traddr, *trsvcid, *host_traddr, *host_iface; /* NULL: not in uevent */
	const char *subsysnqn, *hostnqn, *cntrltype, *address;		  /* NULL: no such file */
	const char *child; /* a child device directory, e.g. "nvme1n1" */
} FakeCtrl;

static void put_file(const char *dir, const char *name, const char *text)
{
	g_autofree char *path = NULL;

	if (text)
		path = tu_write(dir, name, text, -1);
}

/* Lays out @root/class/nvme/@name the way the kernel does: attributes end
 * in a newline, links to the parent and class, an attribute group (power)
 * that is not a device, and optionally one child device. */
static void fake_ctrl(const char *root, const char *name, const FakeCtrl *c)
{
	g_autofree char *dir = g_build_filename(root, "class", "nvme", name, NULL);
	g_autofree char *parent = g_build_filename(root, "devices", "virtual", "nvme-fabrics", "ctl", NULL);
	g_autofree char *power = g_build_filename(dir, "power", NULL);
	g_autofree char *link = g_build_filename(dir, "device", NULL);
	g_autoptr(GString) uevent = g_string_new("MAJOR=240\n");
	g_autofree char *subsysnqn = c->subsysnqn ? g_strconcat(c->subsysnqn, "\n", NULL) : NULL;
	g_autofree char *hostnqn = c->hostnqn ? g_strconcat(c->hostnqn, "\n", NULL) : NULL;
	g_autofree char *cntrltype = c->cntrltype ? g_strconcat(c->cntrltype, "\n", NULL) : NULL;
	g_autofree char *address = c->address ? g_strconcat(c->address, "\n", NULL) : NULL;

	ck_assert_int_eq(g_mkdir_with_parents(power, 0755), 0);
	ck_assert_int_eq(g_mkdir_with_parents(parent, 0755), 0);
	put_file(parent, "uevent", "");
	ck_assert_int_eq(symlink(parent, link), 0);

	g_string_append_printf(uevent, "MINOR=1\nDEVNAME=%s\n", name);
	if (c->trtype)
		g_string_append_printf(uevent, "NVME_TRTYPE=%s\n", c->trtype);
	if (c->traddr)
		g_string_append_printf(uevent, "NVME_TRADDR=%s\n", c->traddr);
	if (c->trsvcid)
		g_string_append_printf(uevent, "NVME_TRSVCID=%s\n", c->trsvcid);
	if (c->host_traddr)
		g_string_append_printf(uevent, "NVME_HOST_TRADDR=%s\n", c->host_traddr);
	if (c->host_iface)
		g_string_append_printf(uevent, "NVME_HOST_IFACE=%s\n", c->host_iface);
	put_file(dir, "uevent", uevent->str);
	put_file(dir, "subsysnqn", subsysnqn);
	put_file(dir, "hostnqn", hostnqn);
	put_file(dir, "cntrltype", cntrltype);
	put_file(dir, "address", address);
	put_file(dir, "dev", "240:1\n");
	put_file(power, "control", "auto\n");
	if (c->child) {
		g_autofree char *child = g_build_filename(dir, c->child, NULL);

		ck_assert_int_eq(g_mkdir_with_parents(child, 0755), 0);
		put_file(child, "uevent", "DEVTYPE=disk\n");
	}
}

/* A tcp I/O controller as the kernel 6.1+ shows it. */
static const FakeCtrl tcp_ioc = {
	.trtype = "tcp",
	.traddr = "192.168.1.100",
	.trsvcid = "4420",
	.host_traddr = "none",
	.host_iface = "none",
	.subsysnqn = SUBSYS,
	.hostnqn = HOSTNQN,
	.cntrltype = "io",
	.address = "traddr=192.168.1.100,trsvcid=4420,src_addr=192.168.1.10",
	.child = "nvme1n1",
};

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

/* ------------------------------------------------------ match function */

#define SRC "<src>"    /* replaced by the source address under test */
#define IFN "<ifname>" /* replaced by the interface under test */

/* upstream test-udev's twelve tcp candidates */
static const struct {
	int id;
	const char *transport;
	gboolean reverse_traddr;
	const char *trsvcid, *subsysnqn, *host_traddr, *host_iface; /* NULL: key absent */
	gboolean match;
} tcp_cases[] = {
	{ 1, "tcp", FALSE, "8009", "hello", SRC, IFN, TRUE },
	{ 2, "blah", FALSE, "8009", "hello", SRC, IFN, FALSE },
	{ 3, "tcp", TRUE, "8009", "hello", SRC, IFN, FALSE },
	{ 4, "tcp", FALSE, "8010", "hello", SRC, IFN, FALSE },
	{ 5, "tcp", FALSE, "8009", "hello", "255.255.255.255", IFN, FALSE },
	{ 6, "tcp", FALSE, "8009", "hello", SRC, "blah", FALSE },
	{ 7, "tcp", FALSE, "8009", "bob", SRC, IFN, FALSE },
	{ 8, "tcp", FALSE, "8009", "hello", NULL, IFN, TRUE },
	{ 9, "tcp", FALSE, "8009", "hello", SRC, NULL, TRUE },
	{ 10, "tcp", FALSE, "8009", "hello", NULL, NULL, TRUE },
	{ 11, "tcp", FALSE, "8009", "hello", SRC, IFN, TRUE },
	{ 12, "tcp", FALSE, "8009", "hello", NULL, IFN, TRUE },
};

static const char *traddr_of(GSocketFamily family, gboolean reverse)
{
	if (family == G_SOCKET_FAMILY_IPV4)
		return reverse ? TRADDR4R : TRADDR4;
	return reverse ? TRADDR6R : TRADDR6;
}

static const char *subst(const char *value, const char *src, const char *ifname)
{
	if (value && g_str_equal(value, SRC))
		return src;
	if (value && g_str_equal(value, IFN))
		return ifname;
	return value;
}

static StasTid *case_tid(guint i, GSocketFamily family, const char *src, const char *ifname)
{
	g_autoptr(GHashTable) dict = dict_new(
		"transport", tcp_cases[i].transport, "traddr", traddr_of(family, tcp_cases[i].reverse_traddr),
		"trsvcid", tcp_cases[i].trsvcid, "subsysnqn", tcp_cases[i].subsysnqn, "host-nqn", "", NULL);

	if (tcp_cases[i].host_traddr)
		g_hash_table_insert(dict, g_strdup("host-traddr"),
				    g_strdup(subst(tcp_cases[i].host_traddr, src, ifname)));
	if (tcp_cases[i].host_iface)
		g_hash_table_insert(dict, g_strdup("host-iface"),
				    g_strdup(subst(tcp_cases[i].host_iface, src, ifname)));
	return tid_from(dict);
}

/* A tcp cid on @family with the given host fields and src-addr. */
static GHashTable *tcp_cid(GSocketFamily family, const char *host_traddr, const char *host_iface,
			   const char *src)
{
	return dict_new("transport", "tcp", "traddr", traddr_of(family, FALSE), "trsvcid", "8009",
			"subsysnqn", "hello", "host-traddr", host_traddr, "host-iface", host_iface,
			"src-addr", src, "host-nqn", "", NULL);
}

static StasTid *tcp_tid(GSocketFamily family, const char *host_traddr, const char *host_iface)
{
	g_autoptr(GHashTable) dict = dict_new("transport", "tcp", "traddr", traddr_of(family, FALSE),
					      "trsvcid", "8009", "subsysnqn", "hello", "host-nqn", "", NULL);

	if (host_traddr)
		g_hash_table_insert(dict, g_strdup("host-traddr"), g_strdup(host_traddr));
	if (host_iface)
		g_hash_table_insert(dict, g_strdup("host-iface"), g_strdup(host_iface));
	return tid_from(dict);
}

static void expect_match(gboolean expected, GHashTable *cid, StasTid *tid, const StasIfaces *ifaces,
			 const char *what, const char *src, const char *ifname)
{
	ck_assert_msg(stas_udev_cid_matches(cid, tid, ifaces) == expected, "%s failed (%s on %s, %s)", what,
		      src, ifname, stas_tid_to_string(tid));
}

static void check_tcp_cases(const StasIfaces *ifaces, GSocketFamily family, const char *src,
			    const char *ifname)
{
	g_autoptr(GHashTable) cid = tcp_cid(family, src, ifname, src);
	g_autoptr(GHashTable) cid_legacy = tcp_cid(family, src, ifname, "");

	for (guint i = 0; i < G_N_ELEMENTS(tcp_cases); i++) {
		g_autoptr(StasTid) tid = case_tid(i, family, src, ifname);
		g_autofree char *what = g_strdup_printf("case %d", tcp_cases[i].id);
		g_autofree char *legacy = g_strdup_printf("legacy case %d", tcp_cases[i].id);

		expect_match(tcp_cases[i].match, cid, tid, ifaces, what, src, ifname);
		/* Upstream skips legacy case 8 for IPv4 only because its
		 * snapshot may name aliases eth0:1; ours names interfaces. */
		expect_match(tcp_cases[i].match, cid_legacy, tid, ifaces, legacy, src, ifname);
	}
}

/* Upstream's legacy cases A-G: no src-addr, partial knowledge. */
static void check_legacy_cases(const StasIfaces *ifaces, GSocketFamily family, const char *src,
			       const char *ifname, const char *const *same_family)
{
	const char *other = family == G_SOCKET_FAMILY_IPV4 ? "1.1.1.1" : "AAAA::FFFF";
	const char *other2 = family == G_SOCKET_FAMILY_IPV4 ? "1.1.1.1" : "AAA::BBBB";
	g_autoptr(GHashTable) nothing = tcp_cid(family, "", "", "");
	g_autoptr(GHashTable) only_iface = tcp_cid(family, "", ifname, "");
	g_autoptr(GHashTable) only_traddr = tcp_cid(family, src, "", "");
	g_autoptr(StasTid) a1 = tcp_tid(family, other, NULL);
	g_autoptr(StasTid) a2 = tcp_tid(family, NULL, NULL);
	g_autoptr(StasTid) c = tcp_tid(family, NULL, "blah");
	g_autoptr(StasTid) d = tcp_tid(family, NULL, ifname);
	g_autoptr(StasTid) e = tcp_tid(family, other2, "blah");
	g_autoptr(StasTid) f = tcp_tid(family, other2, NULL);
	g_autoptr(StasTid) g = tcp_tid(family, same_family[0], NULL);

	/* nothing known about the existing connection: optimistic */
	expect_match(TRUE, nothing, a1, ifaces, "legacy A.1", src, ifname);
	expect_match(TRUE, only_iface, a2, ifaces, "legacy A.2", src, ifname);
	/* the existing host-traddr decides, and tells the interface */
	expect_match(FALSE, only_traddr, a1, ifaces, "legacy B", src, ifname);
	expect_match(FALSE, only_traddr, c, ifaces, "legacy C", src, ifname);
	expect_match(TRUE, only_traddr, d, ifaces, "legacy D", src, ifname);
	/* the existing host-iface decides, through its primary address */
	expect_match(FALSE, only_iface, e, ifaces, "legacy E", src, ifname);
	expect_match(FALSE, only_iface, f, ifaces, "legacy F", src, ifname);
	expect_match(TRUE, only_iface, g, ifaces, "legacy G", src, ifname);
	/* Upstream expects G to fail when the interface has several IPv4
	 * addresses; the rule (SPEC §6.5 step 4) is the primary address, so
	 * the first matches and any other does not. */
	if (same_family[1]) {
		g_autoptr(StasTid) g2 = tcp_tid(family, same_family[1], NULL);

		expect_match(FALSE, only_iface, g2, ifaces, "legacy G (secondary)", src, ifname);
	}
}

START_TEST(test_match_tcp_upstream_cases)
{
	g_autoptr(StasIfaces) ifaces = test_ifaces();
	static const struct {
		const char *ifname;
		const char *v4[3], *v6[3];
	} table[] = {
		{ "lo", { "127.0.0.1" }, { "::1" } },
		{ "eth0", { "192.168.1.10", "192.168.1.11" }, { "fe80::1:2:3:4", "2001:db8::10" } },
		{ "eth1", { "10.10.10.1" }, { NULL } },
		{ "v6only", { NULL }, { "2001:db8:1::5", "2001:db8:1::6" } },
	};
	guint checked = 0;

	for (guint i = 0; i < G_N_ELEMENTS(table); i++) {
		for (guint j = 0; table[i].v4[j]; j++, checked++) {
			check_tcp_cases(ifaces, G_SOCKET_FAMILY_IPV4, table[i].v4[j], table[i].ifname);
			check_legacy_cases(ifaces, G_SOCKET_FAMILY_IPV4, table[i].v4[j], table[i].ifname,
					   table[i].v4);
		}
		for (guint j = 0; table[i].v6[j]; j++, checked++) {
			check_tcp_cases(ifaces, G_SOCKET_FAMILY_IPV6, table[i].v6[j], table[i].ifname);
			check_legacy_cases(ifaces, G_SOCKET_FAMILY_IPV6, table[i].v6[j], table[i].ifname,
					   table[i].v6);
		}
	}
	ck_assert_uint_eq(checked, 9);
}
END_TEST

START_TEST(test_match_tcp_ipv4_mapped_and_variants)
{
	g_autoptr(StasIfaces) ifaces = test_ifaces();
	g_autoptr(GHashTable) cid = tcp_cid(G_SOCKET_FAMILY_IPV4, "", "", "192.168.1.10");
	g_autoptr(GHashTable) legacy = tcp_cid(G_SOCKET_FAMILY_IPV4, "", "eth0", "");
	g_autoptr(GHashTable) cid6 = tcp_cid(G_SOCKET_FAMILY_IPV6, "", "", "2001:db8::10");
	g_autoptr(StasTid) mapped = tcp_tid(G_SOCKET_FAMILY_IPV4, "::ffff:192.168.1.10", "eth0");
	g_autoptr(StasTid) mapped2 = tcp_tid(G_SOCKET_FAMILY_IPV4, "::ffff:192.168.1.11", NULL);
	g_autoptr(StasTid) variant = tcp_tid(G_SOCKET_FAMILY_IPV6, "2001:0DB8:0:0::10", "eth0");
	g_autoptr(GHashTable) mapped_traddr = dict_new("transport", "tcp", "traddr", "::ffff:1.2.3.4",
						       "subsysnqn", "hello", "host-nqn", "", NULL);
	g_autoptr(StasTid) by_mapped_traddr = tid_from(mapped_traddr);

	ck_assert(stas_udev_cid_matches(cid, mapped, ifaces));
	/* legacy primary-address rule in the family the address compares in */
	ck_assert(stas_udev_cid_matches(legacy, mapped, ifaces));
	ck_assert(!stas_udev_cid_matches(legacy, mapped2, ifaces));
	ck_assert(stas_udev_cid_matches(cid6, variant, ifaces));
	ck_assert(stas_udev_cid_matches(cid, by_mapped_traddr, ifaces));
}
END_TEST

static GHashTable *dc_cid(const char *subsysnqn)
{
	return dict_new("transport", "tcp", "traddr", "1.2.3.4", "trsvcid", "8009", "subsysnqn", subsysnqn,
			"host-traddr", "", "host-iface", "", "src-addr", "", "host-nqn", HOSTNQN, NULL);
}

static StasTid *dc_tid(const char *subsysnqn, const char *host_nqn)
{
	g_autoptr(GHashTable)
		dict = dict_new("transport", "tcp", "traddr", "1.2.3.4", "subsysnqn", subsysnqn, NULL);

	if (host_nqn)
		g_hash_table_insert(dict, g_strdup("host-nqn"), g_strdup(host_nqn));
	return tid_from(dict);
}

START_TEST(test_match_subsysnqn_and_host_nqn)
{
	g_autoptr(GHashTable) unique_cid = dc_cid("nqn.unique.dc");
	g_autoptr(GHashTable) wk_cid = dc_cid(WKNQN);
	g_autoptr(StasTid) wk = dc_tid(WKNQN, NULL);
	g_autoptr(StasTid) unique = dc_tid("nqn.unique.dc", NULL);
	g_autoptr(StasTid) other = dc_tid("nqn.other", NULL);
	g_autoptr(StasTid) explicit_nqn = dc_tid(WKNQN, HOSTNQN);
	g_autoptr(StasTid) someone = dc_tid(WKNQN, "nqn.someone.else");

	/* TP8013: a candidate with the well-known NQN matches whatever NQN
	 * the DC reports, but not the other way round. */
	ck_assert(stas_udev_cid_matches(unique_cid, wk, NULL));
	ck_assert(stas_udev_cid_matches(unique_cid, unique, NULL));
	ck_assert(!stas_udev_cid_matches(unique_cid, other, NULL));
	ck_assert(!stas_udev_cid_matches(wk_cid, unique, NULL));
	/* the candidate's host NQN (system default or explicit) must be the
	 * one the kernel connected with */
	ck_assert(stas_udev_cid_matches(unique_cid, explicit_nqn, NULL));
	ck_assert(!stas_udev_cid_matches(unique_cid, someone, NULL));
	ck_assert(!stas_udev_cid_matches(NULL, wk, NULL));
}
END_TEST

START_TEST(test_match_fc)
{
	g_autoptr(StasIfaces) ifaces = test_ifaces();
	g_autoptr(GHashTable) cid = dict_new("transport", "fc", "traddr", "ABC", "trsvcid", "", "subsysnqn",
					     "hello", "host-traddr", "AAA::BBBB", "host-iface", "",
					     "src-addr", "", "host-nqn", "", NULL);
	g_autoptr(GHashTable) d1 = dict_new("transport", "fc", "traddr", "ABC", "trsvcid", "", "subsysnqn",
					    "hello", "host-traddr", "AAA::BBBB", "host-nqn", "", NULL);
	g_autoptr(GHashTable) d2 = dict_new("transport", "fc", "traddr", "ABC", "trsvcid", "", "subsysnqn",
					    "hello", "host-traddr", "BBBB::AAA", "host-nqn", "", NULL);
	g_autoptr(GHashTable) d3 = dict_new("transport", "fc", "traddr", "abc", "subsysnqn", "hello",
					    "host-traddr", "aaa::bbbb", "host-nqn", "", NULL);
	g_autoptr(GHashTable)
		d4 = dict_new("transport", "fc", "traddr", "ABC", "subsysnqn", "hello", "host-nqn", "", NULL);
	g_autoptr(StasTid) fc1 = tid_from(d1);
	g_autoptr(StasTid) fc2 = tid_from(d2);
	g_autoptr(StasTid) fc3 = tid_from(d3);
	g_autoptr(StasTid) fc4 = tid_from(d4);

	ck_assert_msg(stas_udev_cid_matches(cid, fc1, ifaces), "FC-1");
	ck_assert_msg(!stas_udev_cid_matches(cid, fc2, ifaces), "FC-2");
	ck_assert_msg(stas_udev_cid_matches(cid, fc3, ifaces), "case-insensitive");
	ck_assert_msg(!stas_udev_cid_matches(cid, fc4, ifaces), "host-traddr is mandatory");
}
END_TEST

START_TEST(test_match_rdma)
{
	g_autoptr(StasIfaces) ifaces = test_ifaces();
	g_autoptr(GHashTable) cid = dict_new("transport", "rdma", "traddr", "2.3.4.5", "trsvcid", "4444",
					     "subsysnqn", "hello", "host-traddr", "5.4.3.2", "host-iface", "",
					     "src-addr", "", "host-nqn", "", NULL);
	g_autoptr(GHashTable)
		d1 = dict_new("transport", "rdma", "traddr", "2.3.4.5", "trsvcid", "4444", "subsysnqn",
			      "hello", "host-traddr", "5.4.3.2", "host-nqn", "", NULL);
	g_autoptr(GHashTable)
		d2 = dict_new("transport", "rdma", "traddr", "2.3.4.5", "trsvcid", "4444", "subsysnqn",
			      "hello", "host-traddr", "5.5.6.6", "host-nqn", "", NULL);
	g_autoptr(GHashTable) d3 = dict_new("transport", "rdma", "traddr", "2.3.4.5", "trsvcid", "4444",
					    "subsysnqn", "hello", "host-nqn", "", NULL);
	g_autoptr(GHashTable)
		d4 = dict_new("transport", "rdma", "traddr", "::ffff:2.3.4.5", "trsvcid", "4444", "subsysnqn",
			      "hello", "host-traddr", "::ffff:5.4.3.2", "host-nqn", "", NULL);
	g_autoptr(StasTid) r1 = tid_from(d1);
	g_autoptr(StasTid) r2 = tid_from(d2);
	g_autoptr(StasTid) r3 = tid_from(d3);
	g_autoptr(StasTid) r4 = tid_from(d4);

	ck_assert_msg(stas_udev_cid_matches(cid, r1, ifaces), "RDMA-1");
	ck_assert_msg(!stas_udev_cid_matches(cid, r2, ifaces), "RDMA-2");
	ck_assert_msg(stas_udev_cid_matches(cid, r3, ifaces), "RDMA-3");
	ck_assert_msg(stas_udev_cid_matches(cid, r4, ifaces), "IPv4-mapped");
}
END_TEST

START_TEST(test_match_loop_traddr_case_insensitive)
{
	g_autoptr(GHashTable)
		cid = dict_new("transport", "loop", "traddr", "", "trsvcid", "", "subsysnqn", "hello",
			       "host-traddr", "", "host-iface", "", "src-addr", "", "host-nqn", "", NULL);
	g_autoptr(GHashTable) d1 = dict_new("transport", "loop", "subsysnqn", "hello", "host-nqn", "", NULL);
	g_autoptr(StasTid) loop = tid_from(d1);

	ck_assert(stas_udev_cid_matches(cid, loop, NULL));
}
END_TEST

/* ------------------------------------------------ find and ctrl_tid */

START_TEST(test_find_ctrl_first_match_by_instance)
{
	g_autofree char *root = tu_tmpdir();
	g_autoptr(StasIfaces) ifaces = test_ifaces();
	g_autoptr(GHashTable) ioc_dict = dict_new("transport", "tcp", "traddr", "192.168.1.100", "trsvcid",
						  "4420", "subsysnqn", SUBSYS, NULL);
	g_autoptr(GHashTable) iface_dict = dict_new("transport", "tcp", "traddr", "192.168.1.100", "trsvcid",
						    "4420", "subsysnqn", SUBSYS, "host-iface", "eth1", NULL);
	g_autoptr(GHashTable) dc_dict = dict_new("transport", "tcp", "traddr", "192.168.1.100", "trsvcid",
						 "8009", "subsysnqn", WKNQN, NULL);
	g_autoptr(StasTid) ioc = tid_from(ioc_dict);
	g_autoptr(StasTid) ioc_eth1 = tid_from(iface_dict);
	g_autoptr(StasTid) dc = tid_from(dc_dict);
	FakeCtrl other = tcp_ioc, on_eth1 = tcp_ioc, unique_dc = tcp_ioc;
	g_autofree char *found_ioc = NULL, *found_none = NULL, *found_dc = NULL, *found_eth1 = NULL;
	g_autofree char *found_no_ifaces = NULL, *found_dc_as_ioc = NULL;

	other.traddr = "192.168.1.200";
	on_eth1.address = "traddr=192.168.1.100,trsvcid=4420,src_addr=10.10.10.1";
	unique_dc.trsvcid = "8009";
	unique_dc.subsysnqn = "nqn.unique.dc";
	unique_dc.cntrltype = "discovery";
	unique_dc.child = NULL;

	fake_ctrl(root, "nvme10", &tcp_ioc);
	fake_ctrl(root, "nvme3", &on_eth1);
	fake_ctrl(root, "nvme2", &tcp_ioc);
	fake_ctrl(root, "nvme1", &other);
	fake_ctrl(root, "nvme0", &unique_dc);

	found_ioc = stas_udev_find_ctrl(root, ioc, FALSE, ifaces);
	ck_assert_str_eq(found_ioc, "nvme2");
	found_no_ifaces = stas_udev_find_ctrl(root, ioc, FALSE, NULL);
	ck_assert_str_eq(found_no_ifaces, "nvme2");
	found_eth1 = stas_udev_find_ctrl(root, ioc_eth1, FALSE, ifaces);
	ck_assert_str_eq(found_eth1, "nvme3");
	found_none = stas_udev_find_ctrl(root, ioc, TRUE, ifaces);
	ck_assert_ptr_null(found_none);
	found_dc = stas_udev_find_ctrl(root, dc, TRUE, ifaces);
	ck_assert_str_eq(found_dc, "nvme0");
	found_dc_as_ioc = stas_udev_find_ctrl(root, dc, FALSE, ifaces);
	ck_assert_ptr_null(found_dc_as_ioc);
	tu_rmtree(root);
}
END_TEST

static gboolean owned_nvme0(const char *device, gpointer data)
{
	return g_str_equal(device, "nvme0");
}

/* Two DC connections report the DC's unique NQN (TP8013). A DC configured
 * with the well-known NQN and one found by mDNS with the unique NQN must not
 * both adopt the first one (review-stafd #2): a device another controller
 * holds is passed over, and an exact subsysnqn beats the wildcard. */
START_TEST(test_find_ctrl_skips_owned_devices_and_prefers_exact_nqn)
{
	g_autofree char *root = tu_tmpdir();
	g_autoptr(GHashTable) wk_dict = dict_new("transport", "tcp", "traddr", "192.168.1.100", "trsvcid",
						 "8009", "subsysnqn", WKNQN, NULL);
	g_autoptr(GHashTable) unique_dict = dict_new("transport", "tcp", "traddr", "192.168.1.100", "trsvcid",
						     "8009", "subsysnqn", "nqn.unique.dc", NULL);
	g_autoptr(StasTid) wk = tid_from(wk_dict);
	g_autoptr(StasTid) unique = tid_from(unique_dict);
	FakeCtrl unique_dc = tcp_ioc, wk_dc = tcp_ioc;
	g_autofree char *first = NULL, *second = NULL, *exact = NULL;

	unique_dc.trsvcid = "8009";
	unique_dc.subsysnqn = "nqn.unique.dc";
	unique_dc.cntrltype = "discovery";
	unique_dc.child = NULL;
	wk_dc = unique_dc;
	wk_dc.subsysnqn = WKNQN;
	fake_ctrl(root, "nvme0", &unique_dc);
	fake_ctrl(root, "nvme1", &unique_dc);
	fake_ctrl(root, "nvme2", &wk_dc);

	first = stas_udev_find_free_ctrl(root, unique, TRUE, NULL, NULL, NULL);
	ck_assert_str_eq(first, "nvme0");
	second = stas_udev_find_free_ctrl(root, unique, TRUE, NULL, owned_nvme0, NULL);
	ck_assert_str_eq(second, "nvme1");
	exact = stas_udev_find_free_ctrl(root, wk, TRUE, NULL, NULL, NULL);
	ck_assert_str_eq(exact, "nvme2");
	tu_rmtree(g_steal_pointer(&root));
}
END_TEST

START_TEST(test_find_ctrl_empty_tree)
{
	g_autofree char *root = tu_tmpdir();
	g_autoptr(GHashTable)
		dict = dict_new("transport", "tcp", "traddr", "1.2.3.4", "subsysnqn", WKNQN, NULL);
	g_autoptr(StasTid) tid = tid_from(dict);

	ck_assert_ptr_null(stas_udev_find_ctrl(root, tid, TRUE, NULL));
	tu_rmtree(root);
}
END_TEST

START_TEST(test_ctrl_tid_iface_from_src_addr)
{
	g_autofree char *root = tu_tmpdir();
	g_autoptr(StasIfaces) ifaces = test_ifaces();
	FakeCtrl with_iface = tcp_ioc, unknown_src = tcp_ioc, legacy = tcp_ioc, rdma = tcp_ioc;
	g_autoptr(StasTid) tid = NULL, ignored = NULL, kept = NULL, unknown = NULL, old = NULL, r = NULL;

	with_iface.host_iface = "eth1";
	unknown_src.address = "traddr=192.168.1.100,trsvcid=4420,src_addr=172.16.0.1";
	legacy.address = "traddr=192.168.1.100,trsvcid=4420";
	rdma.trtype = "rdma";
	fake_ctrl(root, "nvme1", &tcp_ioc);
	fake_ctrl(root, "nvme2", &with_iface);
	fake_ctrl(root, "nvme3", &unknown_src);
	fake_ctrl(root, "nvme4", &legacy);
	fake_ctrl(root, "nvme5", &rdma);

	tid = stas_udev_ctrl_tid(root, "nvme1", ifaces, FALSE);
	ck_assert_str_eq(stas_tid_to_string(tid), "(tcp, 192.168.1.100, 4420, " SUBSYS ", eth0)");
	ck_assert_str_eq(stas_tid_host_traddr(tid), "");
	ck_assert_str_eq(stas_tid_host_nqn(tid), HOSTNQN);
	ck_assert_str_eq(stas_tid_cfg(tid, "src-addr"), "192.168.1.10");

	ignored = stas_udev_ctrl_tid(root, "nvme1", ifaces, TRUE);
	ck_assert_str_eq(stas_tid_host_iface(ignored), "");
	ck_assert_str_eq(stas_tid_cfg(ignored, "src-addr"), "192.168.1.10");

	kept = stas_udev_ctrl_tid(root, "nvme2", ifaces, FALSE);
	ck_assert_str_eq(stas_tid_host_iface(kept), "eth1");

	unknown = stas_udev_ctrl_tid(root, "nvme3", ifaces, FALSE);
	ck_assert_str_eq(stas_tid_host_iface(unknown), "");

	old = stas_udev_ctrl_tid(root, "nvme4", ifaces, FALSE);
	ck_assert_str_eq(stas_tid_host_iface(old), "");
	ck_assert_str_eq(stas_tid_cfg(old, "src-addr"), "");

	r = stas_udev_ctrl_tid(root, "nvme5", ifaces, FALSE);
	ck_assert_str_eq(stas_tid_transport(r), "rdma");
	ck_assert_str_eq(stas_tid_host_iface(r), "");

	ck_assert_ptr_null(stas_udev_ctrl_tid(root, "nvme9", ifaces, FALSE));
	tu_rmtree(root);
}
END_TEST

/* The cid of a controller must match the TID built from it. */
START_TEST(test_ctrl_tid_matches_its_own_cid)
{
	g_autofree char *root = tu_tmpdir();
	g_autoptr(StasIfaces) ifaces = test_ifaces();
	g_autoptr(StasTid) tid = NULL;
	g_autoptr(GHashTable) cid = NULL;

	fake_ctrl(root, "nvme1", &tcp_ioc);
	tid = stas_udev_ctrl_tid(root, "nvme1", ifaces, FALSE);
	cid = stas_udev_ctrl_cid(root, "nvme1");
	ck_assert(stas_udev_cid_matches(cid, tid, ifaces));
	tu_rmtree(root);
}
END_TEST

/* ---------------------------------------------------------- monitor */

static void on_event(const StasUevent *event, gpointer user_data)
{
	(*(guint *)user_data)++;
}

static void on_resync(gpointer user_data)
{
	(*(guint *)user_data)++;
}

START_TEST(test_monitor_lifecycle_on_private_context)
{
	g_autoptr(GMainContext) context = g_main_context_new();
	g_autoptr(GError) error = NULL;
	StasUdev *udev;
	guint calls = 0;

	udev = stas_udev_new(context, on_event, on_resync, &calls, &error);
	if (!udev) {
		printf("SKIP monitor test: no udev netlink monitor here: %s\n", error->message);
		return;
	}
	ck_assert_ptr_null(error);
	ck_assert_ptr_nonnull(g_main_context_find_source_by_user_data(context, udev));
	/* Nothing pending: a dispatch pass must return without blocking. */
	for (guint i = 0; i < 3; i++)
		g_main_context_iteration(context, FALSE);
	stas_udev_free(udev);
	ck_assert_ptr_null(g_main_context_find_source_by_user_data(context, udev));
	stas_udev_free(NULL);
}
END_TEST

static Suite *udev_suite(void)
{
	Suite *suite = suite_create("udev");
	TCase *sysfs = tcase_create("sysfs");
	TCase *match = tcase_create("match");
	TCase *monitor = tcase_create("monitor");

	tcase_add_test(sysfs, test_classify_wknqn_is_dc);
	tcase_add_test(sysfs, test_classify_cntrltype_decides);
	tcase_add_test(sysfs, test_classify_without_cntrltype_by_children);
	tcase_add_test(sysfs, test_classify_missing_device);
	tcase_add_test(sysfs, test_cid_from_uevent_and_sysfs);
	tcase_add_test(sysfs, test_cid_none_is_empty_and_address_keys);
	tcase_add_test(sysfs, test_cid_missing_files_are_empty);
	tcase_add_test(sysfs, test_ctrl_attr_stripped_efault_missing);
	tcase_add_test(sysfs, test_ctrl_attr_is_valid_utf8);
	tcase_add_test(sysfs, test_list_ctrls_by_instance);
	suite_add_tcase(suite, sysfs);

	tcase_add_test(match, test_match_tcp_upstream_cases);
	tcase_add_test(match, test_match_tcp_ipv4_mapped_and_variants);
	tcase_add_test(match, test_match_subsysnqn_and_host_nqn);
	tcase_add_test(match, test_match_fc);
	tcase_add_test(match, test_match_rdma);
	tcase_add_test(match, test_match_loop_traddr_case_insensitive);
	tcase_add_test(match, test_find_ctrl_first_match_by_instance);
	tcase_add_test(match, test_find_ctrl_empty_tree);
	tcase_add_test(match, test_find_ctrl_skips_owned_devices_and_prefers_exact_nqn);
	tcase_add_test(match, test_ctrl_tid_iface_from_src_addr);
	tcase_add_test(match, test_ctrl_tid_matches_its_own_cid);
	suite_add_tcase(suite, match);

	tcase_add_test(monitor, test_monitor_lifecycle_on_private_context);
	suite_add_tcase(suite, monitor);
	return suite;
}

int main(void)
{
	return tu_run(udev_suite());
}
