// SPDX-License-Identifier: Apache-2.0
/*
 * The match function of SPEC §6.5 (ported from nvme-stas's test-udev, on a
 * hand-built interface snapshot and fake sysfs trees), the adoption scan,
 * and the TID of an existing controller.
 */
#include <glib/gstdio.h>

#include "fake-sysfs.h"
#include "testutil.h"

#define TRADDR4	 "1.2.3.4"
#define TRADDR4R "4.3.2.1"
#define TRADDR6	 "FE80::aaaa:BBBB:cccc:dddd"
#define TRADDR6R "fe80::DDDD:cccc:bbbb:AAAA"

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
	g_autoptr(StasSysfsIndex) index = NULL;
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

	index = stas_sysfs_index_new(root);
	first = stas_udev_find_free_ctrl(index, unique, TRUE, NULL, NULL, NULL);
	ck_assert_str_eq(first, "nvme0");
	second = stas_udev_find_free_ctrl(index, unique, TRUE, NULL, owned_nvme0, NULL);
	ck_assert_str_eq(second, "nvme1");
	exact = stas_udev_find_free_ctrl(index, wk, TRUE, NULL, NULL, NULL);
	ck_assert_str_eq(exact, "nvme2");
	tu_rmtree(root);
}
END_TEST

/* An I/O controller of @subsysnqn at tcp_ioc's address. */
static StasTid *tcp_ioc_tid(const char *subsysnqn)
{
	g_autoptr(GHashTable) dict = dict_new("transport", "tcp", "traddr", "192.168.1.100", "trsvcid",
					      "4420", "subsysnqn", subsysnqn, NULL);

	return tid_from(dict);
}

/* The index reads a device's address once: a device keeps it for life. */
START_TEST(test_index_reads_each_device_once)
{
	g_autofree char *root = tu_tmpdir();
	g_autofree char *nvme1 = g_build_filename(root, "class", "nvme", "nvme1", NULL);
	g_autoptr(StasSysfsIndex) index = stas_sysfs_index_new(root);
	g_autoptr(StasTid) tid = tcp_ioc_tid(SUBSYS);
	g_autofree char *first = NULL;
	const GPtrArray *scan;

	fake_ctrl(root, "nvme1", &tcp_ioc);
	first = stas_udev_find_free_ctrl(index, tid, FALSE, NULL, NULL, NULL);
	ck_assert_str_eq(first, "nvme1");
	/* Not what the kernel does; it shows the next scan did not read it again. */
	g_free(tu_write(nvme1, "uevent", "NVME_TRTYPE=tcp\nNVME_TRADDR=10.0.0.9\nNVME_TRSVCID=4420\n", -1));
	g_free(tu_write(nvme1, "subsysnqn", "nqn.other\n", -1));
	scan = stas_sysfs_index_scan(index);
	ck_assert_uint_eq(scan->len, 1);
	ck_assert_str_eq(((const StasSysfsAddr *)g_ptr_array_index(scan, 0))->traddr, "192.168.1.100");
	ck_assert_str_eq(((const StasSysfsAddr *)g_ptr_array_index(scan, 0))->subsysnqn, SUBSYS);
	tu_rmtree(root);
}
END_TEST

/* Hundreds of subsystems behind one port: the NQNs the index keeps tell them
 * apart, and a device the kernel has not identified yet is read again. */
START_TEST(test_index_tells_subsystems_of_one_port_apart)
{
	g_autofree char *root = tu_tmpdir();
	g_autofree char *nvme3 = g_build_filename(root, "class", "nvme", "nvme3", NULL);
	g_autoptr(StasSysfsIndex) index = stas_sysfs_index_new(root);
	g_autoptr(StasTid) tid = tcp_ioc_tid("nqn.sub.3");
	g_autofree char *early = NULL, *found = NULL;

	for (guint i = 0; i < 5; i++) {
		g_autofree char *name = g_strdup_printf("nvme%u", i);
		g_autofree char *nqn = g_strdup_printf("nqn.sub.%u", i);
		FakeCtrl c = tcp_ioc;

		c.subsysnqn = i == 3 ? "" : nqn;
		fake_ctrl(root, name, &c);
	}
	early = stas_udev_find_free_ctrl(index, tid, FALSE, NULL, NULL, NULL);
	ck_assert_ptr_null(early);
	g_free(tu_write(nvme3, "subsysnqn", "nqn.sub.3\n", -1));
	found = stas_udev_find_free_ctrl(index, tid, FALSE, NULL, NULL, NULL);
	ck_assert_str_eq(found, "nvme3");
	tu_rmtree(root);
}
END_TEST

/* A device removed and made again under its name is a new device; a removed
 * one leaves the index. */
START_TEST(test_index_follows_new_and_removed_devices)
{
	g_autofree char *root = tu_tmpdir();
	g_autofree char *nvme1 = g_build_filename(root, "class", "nvme", "nvme1", NULL);
	g_autoptr(StasSysfsIndex) index = stas_sysfs_index_new(root);
	g_autoptr(StasTid) tid = tcp_ioc_tid(SUBSYS);
	g_autofree char *newdir = g_build_filename(root, "class", "nvme", "new", NULL);
	FakeCtrl elsewhere = tcp_ioc;
	g_autofree char *before = NULL, *after = NULL;
	const GPtrArray *scan;

	fake_ctrl(root, "nvme1", &tcp_ioc);
	fake_ctrl(root, "nvme10", &tcp_ioc);
	fake_ctrl(root, "nvme2", &tcp_ioc);
	scan = stas_sysfs_index_scan(index);
	ck_assert_uint_eq(scan->len, 3);
	ck_assert_str_eq(((const StasSysfsAddr *)g_ptr_array_index(scan, 2))->name, "nvme10");
	before = stas_udev_find_free_ctrl(index, tid, FALSE, NULL, NULL, NULL);
	ck_assert_str_eq(before, "nvme1");

	/* made before the old one goes, so that no file system reuses its inode */
	elsewhere.traddr = "10.0.0.9";
	fake_ctrl(root, "new", &elsewhere);
	tu_rmtree(nvme1);
	ck_assert_int_eq(g_rename(newdir, nvme1), 0);
	after = stas_udev_find_free_ctrl(index, tid, FALSE, NULL, NULL, NULL);
	ck_assert_str_eq(after, "nvme2");
	tu_rmtree(nvme1);
	scan = stas_sysfs_index_scan(index);
	ck_assert_uint_eq(scan->len, 2);
	ck_assert_str_eq(((const StasSysfsAddr *)g_ptr_array_index(scan, 0))->name, "nvme2");
	tu_rmtree(root);
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

int main(void)
{
	Suite *suite = suite_create("ctrl-match");
	TCase *tc = tcase_create("match");

	tcase_add_test(tc, test_match_tcp_upstream_cases);
	tcase_add_test(tc, test_match_tcp_ipv4_mapped_and_variants);
	tcase_add_test(tc, test_match_subsysnqn_and_host_nqn);
	tcase_add_test(tc, test_match_fc);
	tcase_add_test(tc, test_match_rdma);
	tcase_add_test(tc, test_match_loop_traddr_case_insensitive);
	tcase_add_test(tc, test_find_ctrl_first_match_by_instance);
	tcase_add_test(tc, test_find_ctrl_empty_tree);
	tcase_add_test(tc, test_find_ctrl_skips_owned_devices_and_prefers_exact_nqn);
	tcase_add_test(tc, test_index_reads_each_device_once);
	tcase_add_test(tc, test_index_follows_new_and_removed_devices);
	tcase_add_test(tc, test_index_tells_subsystems_of_one_port_apart);
	tcase_add_test(tc, test_ctrl_tid_iface_from_src_addr);
	tcase_add_test(tc, test_ctrl_tid_matches_its_own_cid);
	suite_add_tcase(suite, tc);
	return tu_run(suite);
}
