// SPDX-License-Identifier: Apache-2.0
/*
 * Transport identifiers (SPEC §0.1) and exclusion matching (§2.7), ported
 * from nvme-stas's test-transport_id and HEAD's exclusion tests.
 */
#include "fake-sysfs.h"
#include "stas/tid.h"
#include "testutil.h"

static GHashTable *full_cid(void)
{
	return dict_new("transport", "tcp", "traddr", "10.10.10.10", "trsvcid", "8009", "subsysnqn",
			"nqn.1988-11.com.dell:SFSS:2:20220208134025e8", "host-traddr", "1.2.3.4",
			"host-iface", "wlp0s20f3", "host-nqn", "nqn.1988-11.com.dell:poweredge:1234", NULL);
}

START_TEST(test_tid_fields_read_back)
{
	g_autoptr(GHashTable) cid = full_cid();
	g_autoptr(StasTid) tid = stas_tid_new(cid, HOSTNQN, FALSE);

	ck_assert_str_eq(stas_tid_transport(tid), "tcp");
	ck_assert_str_eq(stas_tid_traddr(tid), "10.10.10.10");
	ck_assert_str_eq(stas_tid_trsvcid(tid), "8009");
	ck_assert_str_eq(stas_tid_subsysnqn(tid), "nqn.1988-11.com.dell:SFSS:2:20220208134025e8");
	ck_assert_str_eq(stas_tid_host_traddr(tid), "1.2.3.4");
	ck_assert_str_eq(stas_tid_host_iface(tid), "wlp0s20f3");
	ck_assert_str_eq(stas_tid_host_nqn(tid), "nqn.1988-11.com.dell:poweredge:1234");
}
END_TEST

START_TEST(test_tid_printable_form)
{
	g_autoptr(GHashTable) cid = full_cid();
	g_autoptr(StasTid) tid = stas_tid_new(cid, HOSTNQN, FALSE);
	g_autoptr(GHashTable) bare = dict_new("transport", "tcp", "traddr", "::1", NULL);
	g_autoptr(StasTid) bare_tid = stas_tid_new(bare, HOSTNQN, FALSE);

	ck_assert_str_eq(
		stas_tid_to_string(tid),
		"(tcp, 10.10.10.10, 8009, nqn.1988-11.com.dell:SFSS:2:20220208134025e8, wlp0s20f3, 1.2.3.4)");
	ck_assert_str_eq(stas_tid_to_string(bare_tid), "(tcp, ::1, 8009)");
}
END_TEST

START_TEST(test_tid_dict_form_equals_the_cid)
{
	g_autoptr(GHashTable) cid = full_cid();
	g_autoptr(StasTid) tid = stas_tid_new(cid, HOSTNQN, FALSE);
	g_autoptr(GHashTable) dict = stas_tid_as_dict(tid);
	GHashTableIter iter;
	gpointer key, value;

	ck_assert_uint_eq(g_hash_table_size(dict), 7);
	g_hash_table_iter_init(&iter, cid);
	while (g_hash_table_iter_next(&iter, &key, &value))
		ck_assert_str_eq(g_hash_table_lookup(dict, key), value);
}
END_TEST

START_TEST(test_tid_trsvcid_defaults_per_transport)
{
	static const struct {
		const char *transport, *given, *expected;
	} cases[] = {
		{ "tcp", NULL, "8009" },  { "tcp", "", "8009" }, { "tcp", "4420", "4420" },
		{ "rdma", NULL, "4420" }, { "rdma", "9", "9" },	 { "fc", "4420", "" },
		{ "loop", NULL, "" },	  { "XM", "1", "" },
	};

	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autoptr(GHashTable) cid = dict_new("transport", cases[i].transport, "traddr", "a", NULL);
		g_autoptr(StasTid) tid = NULL;

		if (cases[i].given)
			g_hash_table_insert(cid, g_strdup("trsvcid"), g_strdup(cases[i].given));
		tid = stas_tid_new(cid, HOSTNQN, FALSE);
		ck_assert_msg(g_str_equal(stas_tid_trsvcid(tid), cases[i].expected), "%s/%s",
			      cases[i].transport, cases[i].given ? cases[i].given : "(none)");
	}
}
END_TEST

START_TEST(test_tid_host_nqn_defaults_to_system_unless_given)
{
	g_autoptr(GHashTable) without = dict_new("transport", "tcp", "traddr", "a", NULL);
	g_autoptr(GHashTable) empty = dict_new("transport", "tcp", "traddr", "a", "host-nqn", "", NULL);
	g_autoptr(StasTid) a = stas_tid_new(without, HOSTNQN, FALSE);
	g_autoptr(StasTid) b = stas_tid_new(empty, HOSTNQN, FALSE);

	ck_assert_str_eq(stas_tid_host_nqn(a), HOSTNQN);
	ck_assert_str_eq(stas_tid_host_nqn(b), "");
	ck_assert(!stas_tid_equal(a, b));
}
END_TEST

START_TEST(test_tid_ignore_iface_blanks_host_iface)
{
	g_autoptr(GHashTable) cid = full_cid();
	g_autoptr(StasTid) tid = stas_tid_new(cid, HOSTNQN, TRUE);

	ck_assert_str_eq(stas_tid_host_iface(tid), "");
	ck_assert_str_eq(stas_tid_to_string(tid),
			 "(tcp, 10.10.10.10, 8009, nqn.1988-11.com.dell:SFSS:2:20220208134025e8, 1.2.3.4)");
}
END_TEST

START_TEST(test_tid_equality_ignores_cfg)
{
	g_autoptr(GHashTable) c1 = full_cid();
	g_autoptr(GHashTable) c2 = full_cid();
	g_autoptr(GHashTable) c3 = full_cid();
	g_autoptr(StasTid) a = NULL;
	g_autoptr(StasTid) b = NULL;
	g_autoptr(StasTid) c = NULL;

	g_hash_table_insert(c2, g_strdup("kato"), g_strdup("5"));
	g_hash_table_insert(c3, g_strdup("traddr"), g_strdup("10.10.10.11"));
	a = stas_tid_new(c1, HOSTNQN, FALSE);
	b = stas_tid_new(c2, HOSTNQN, FALSE);
	c = stas_tid_new(c3, HOSTNQN, FALSE);
	ck_assert(stas_tid_equal(a, b));
	ck_assert_uint_eq(stas_tid_hash(a), stas_tid_hash(b));
	ck_assert_str_eq(stas_tid_cfg(b, "kato"), "5");
	ck_assert(!stas_tid_equal(a, c));
	ck_assert(!stas_tid_equal(a, NULL));
}
END_TEST

START_TEST(test_tid_as_dict_lists_cfg_and_identity_host_nqn_wins)
{
	g_autoptr(GHashTable) cid = dict_new("transport", "tcp", "traddr", "a", "dhchap-secret", "s", NULL);
	g_autoptr(StasTid) tid = stas_tid_new(cid, HOSTNQN, FALSE);
	g_autoptr(GHashTable) dict = stas_tid_as_dict(tid);

	ck_assert_uint_eq(g_hash_table_size(dict), 8);
	ck_assert_str_eq(g_hash_table_lookup(dict, "dhchap-secret"), "s");
	ck_assert_str_eq(g_hash_table_lookup(dict, "host-nqn"), HOSTNQN);
	ck_assert_str_eq(g_hash_table_lookup(dict, "trsvcid"), "8009");
	ck_assert_str_eq(g_hash_table_lookup(dict, "subsysnqn"), "");
}
END_TEST

static GPtrArray *excludes_of(const char *const *texts)
{
	GPtrArray *list = g_ptr_array_new_with_free_func((GDestroyNotify)stas_ctrl_entry_free);

	for (guint i = 0; texts[i]; i++)
		g_ptr_array_add(list, stas_ctrl_entry_parse(texts[i], "t", 1, "exclude", NULL));
	return list;
}

START_TEST(test_exclude_matching)
{
	g_autoptr(GHashTable) cid = full_cid();
	g_autoptr(StasTid) tid = stas_tid_new(cid, HOSTNQN, FALSE);
	g_autoptr(GPtrArray) none = excludes_of((const char *const[]){ NULL });
	g_autoptr(GPtrArray)
		exact = excludes_of((const char *const[]){ "transport=tcp;traddr=10.10.10.10", NULL });
	g_autoptr(GPtrArray) partial = excludes_of((const char *const[]){ "host-iface=wlp0s20f3", NULL });
	g_autoptr(GPtrArray)
		other = excludes_of((const char *const[]){ "traddr=10.10.10.1", "host-iface=eth0", NULL });
	g_autoptr(GPtrArray)
		missing_key = excludes_of((const char *const[]){ "traddr=10.10.10.10;kato=5", NULL });
	g_autoptr(GPtrArray)
		second = excludes_of((const char *const[]){ "traddr=1.1.1.1", "trsvcid=8009", NULL });
	g_autoptr(GPtrArray) nqn = excludes_of(
		(const char *const[]){ "nqn=nqn.1988-11.com.dell:SFSS:2:20220208134025e8", NULL });
	g_autoptr(GPtrArray) empty = excludes_of((const char *const[]){ "", NULL });
	g_autoptr(GPtrArray) case_differs = excludes_of((const char *const[]){ "transport=TCP", NULL });

	ck_assert(!stas_tid_is_excluded(tid, none));
	ck_assert(!stas_tid_is_excluded(tid, NULL));
	ck_assert(stas_tid_is_excluded(tid, exact));
	ck_assert(stas_tid_is_excluded(tid, partial));
	ck_assert(!stas_tid_is_excluded(tid, other));
	ck_assert(!stas_tid_is_excluded(tid, missing_key));
	ck_assert(stas_tid_is_excluded(tid, second));
	ck_assert(stas_tid_is_excluded(tid, nqn));
	ck_assert(stas_tid_is_excluded(tid, empty)); /* an empty entry excludes everything */
	/* Transports are names, not text: TCP is tcp (fuzz F6). */
	ck_assert(stas_tid_is_excluded(tid, case_differs));
}
END_TEST

/* What a DC may list under another spelling must not bypass exclude= nor make
 * another controller of the same one (fuzz F6; nvme-stas compared text). */
START_TEST(test_exclude_addresses_are_compared_as_addresses)
{
	static const struct {
		const char *exclude;
		const char *transport, *traddr, *trsvcid;
	} cases[] = {
		{ "traddr=10.0.0.5", "tcp", "::ffff:10.0.0.5", "4420" },
		{ "traddr=fe80::1", "tcp", "FE80::1", "4420" },
		{ "traddr=fe80::1", "tcp", "fe80:0:0::1", "4420" },
		{ "traddr=2001:db8::5", "tcp", "2001:DB8:0:0:0:0:0:5", "4420" },
		{ "traddr=FE80::1", "tcp", "fe80::1", "4420" },
		{ "traddr=10.0.0.5;trsvcid=4420", "tcp", "10.0.0.5", "04420" },
		{ "transport=TCP;traddr=10.0.0.5", "tcp", "10.0.0.5", "4420" },
		{ "transport=tcp;traddr=10.0.0.5", "TCP", "10.0.0.5", "4420" },
	};

	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autoptr(GHashTable) cid = dict_new("transport", cases[i].transport, "traddr",
						     cases[i].traddr, "trsvcid", cases[i].trsvcid, NULL);
		g_autoptr(StasTid) tid = stas_tid_new(cid, HOSTNQN, FALSE);
		g_autoptr(GPtrArray) excludes = excludes_of((const char *const[]){ cases[i].exclude, NULL });

		ck_assert_msg(stas_tid_is_excluded(tid, excludes), "case %u: %s vs %s", i, cases[i].exclude,
			      stas_tid_to_string(tid));
	}
}
END_TEST

START_TEST(test_tid_identity_is_canonical)
{
	g_autoptr(GHashTable) a = dict_new("transport", "TCP", "traddr", "::FFFF:10.0.0.5", "trsvcid",
					   "04420", "host-traddr", "FE80::0001%eth0", NULL);
	g_autoptr(GHashTable) b = dict_new("transport", "tcp", "traddr", "10.0.0.5", "trsvcid", "4420",
					   "host-traddr", "fe80::1%eth0", NULL);
	g_autoptr(StasTid) x = stas_tid_new(a, HOSTNQN, FALSE);
	g_autoptr(StasTid) y = stas_tid_new(b, HOSTNQN, FALSE);

	ck_assert(stas_tid_equal(x, y));
	ck_assert_str_eq(stas_tid_traddr(x), "10.0.0.5");
	ck_assert_str_eq(stas_tid_trsvcid(x), "4420");
	ck_assert_str_eq(stas_tid_host_traddr(x), "fe80::1%eth0");
}
END_TEST

/* A DC's strings go into the kernel's comma-separated option string (fuzz F1). */
START_TEST(test_tid_unsafe_fields_are_refused)
{
	static const char *const bad[][4] = {
		{ "tcp", "192.168.1.10", "4420,host_iface=evil0", "nqn.x:y" },
		{ "tcp", "192.168.1.10", "4420", "nqn.x:y,duplicate_connect" },
		{ "tcp", "192.168.1.10", "4420", "nqn.x:y\nhdr_digest" },
		{ "tcp", "192.168.1.10", "4420", "nqn.x y" },
		{ "tcp", "192.168.1.10", "44a0", "nqn.x:y" },
		{ "tcp", "192.168.1.10", "70000", "nqn.x:y" },
		{ "fc", "nn-0x1:pn-0x2,tos=1", "", "nqn.x:y" },
	};
	g_autoptr(GHashTable) ok = dict_new("transport", "tcp", "traddr", "192.168.1.10", "trsvcid", "4420",
					    "subsysnqn", "nqn.2014-08.org.example:uuid:1", NULL);
	g_autoptr(StasTid) good = stas_tid_new(ok, HOSTNQN, FALSE);

	ck_assert_ptr_null(stas_tid_unsafe_reason(good));
	for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_autofree char *nqn = g_strcompress(bad[i][3]);
		g_autoptr(GHashTable) cid = dict_new("transport", bad[i][0], "traddr", bad[i][1], "trsvcid",
						     bad[i][2], "subsysnqn", nqn, NULL);
		g_autoptr(StasTid) tid = stas_tid_new(cid, HOSTNQN, FALSE);

		ck_assert_msg(stas_tid_unsafe_reason(tid) != NULL, "case %u", i);
	}
}
END_TEST

START_TEST(test_tid_from_config_entry)
{
	g_autoptr(StasCtrlEntry) entry = stas_ctrl_entry_parse("transport=rdma;traddr=1.1.1.1;nqn=n;kato=5",
							       "t", 1, "controller", NULL);
	g_autoptr(StasTid) tid = stas_tid_new_from_entry(entry, HOSTNQN, FALSE);

	ck_assert_str_eq(stas_tid_to_string(tid), "(rdma, 1.1.1.1, 4420, n)");
	ck_assert_str_eq(stas_tid_cfg(tid, "kato"), "5");
	ck_assert_ptr_null(stas_tid_cfg(tid, "transport"));
}
END_TEST

START_TEST(test_tid_refcount_and_hash_table_use)
{
	g_autoptr(GHashTable) cid = full_cid();
	StasTid *tid = stas_tid_new(cid, HOSTNQN, FALSE);
	StasTid *same = stas_tid_new(cid, HOSTNQN, FALSE);
	g_autoptr(GHashTable) set = g_hash_table_new_full(stas_tid_hash, stas_tid_equal,
							  (GDestroyNotify)stas_tid_unref, NULL);

	g_hash_table_add(set, stas_tid_ref(tid));
	ck_assert(g_hash_table_contains(set, same));
	stas_tid_unref(tid);
	ck_assert_str_eq(stas_tid_transport(g_hash_table_lookup(set, same)), "tcp");
	stas_tid_unref(same);
}
END_TEST

/* A listed controller is reached the way its DC is (stafd's referrals and
 * stacd's listings use the same rule). */
START_TEST(test_tid_from_dlpe_is_reached_like_its_dc)
{
	g_autoptr(GHashTable) dlpe = g_hash_table_new(g_str_hash, g_str_equal);
	g_autoptr(GHashTable) dc = g_hash_table_new(g_str_hash, g_str_equal);
	g_autoptr(GHashTable) cid = NULL;
	g_autoptr(GHashTable) bare = NULL;
	g_autoptr(StasTid) tid = NULL;
	g_autoptr(StasTid) own = NULL;

	g_hash_table_insert(dlpe, "trtype", "tcp");
	g_hash_table_insert(dlpe, "traddr", "10.0.0.9");
	g_hash_table_insert(dlpe, "trsvcid", "4420");
	g_hash_table_insert(dlpe, "subnqn", "nqn.sub");
	g_hash_table_insert(dc, "host-iface", "eth1");
	g_hash_table_insert(dc, "host-nqn", "");
	cid = stas_tid_cid_from_dlpe(dlpe, dc);
	tid = stas_tid_new(cid, HOSTNQN, FALSE);
	ck_assert_str_eq(stas_tid_to_string(tid), "(tcp, 10.0.0.9, 4420, nqn.sub, eth1)");
	ck_assert_str_eq(stas_tid_host_nqn(tid), HOSTNQN); /* an empty one is the system's */
	ck_assert_str_eq(stas_tid_host_traddr(tid), "");

	g_hash_table_insert(dc, "host-nqn", "nqn.other-host");
	bare = stas_tid_cid_from_dlpe(dlpe, dc);
	own = stas_tid_new(bare, HOSTNQN, FALSE);
	ck_assert_str_eq(stas_tid_host_nqn(own), "nqn.other-host");
	g_hash_table_unref(stas_tid_cid_from_dlpe(NULL, NULL));
}
END_TEST

int main(void)
{
	Suite *suite = suite_create("tid");
	TCase *tc = tcase_create("tid");

	tcase_add_test(tc, test_tid_fields_read_back);
	tcase_add_test(tc, test_tid_printable_form);
	tcase_add_test(tc, test_tid_dict_form_equals_the_cid);
	tcase_add_test(tc, test_tid_trsvcid_defaults_per_transport);
	tcase_add_test(tc, test_tid_host_nqn_defaults_to_system_unless_given);
	tcase_add_test(tc, test_tid_ignore_iface_blanks_host_iface);
	tcase_add_test(tc, test_tid_equality_ignores_cfg);
	tcase_add_test(tc, test_tid_as_dict_lists_cfg_and_identity_host_nqn_wins);
	tcase_add_test(tc, test_exclude_matching);
	tcase_add_test(tc, test_exclude_addresses_are_compared_as_addresses);
	tcase_add_test(tc, test_tid_identity_is_canonical);
	tcase_add_test(tc, test_tid_unsafe_fields_are_refused);
	tcase_add_test(tc, test_tid_from_config_entry);
	tcase_add_test(tc, test_tid_refcount_and_hash_table_use);
	tcase_add_test(tc, test_tid_from_dlpe_is_reached_like_its_dc);
	suite_add_tcase(suite, tc);
	return tu_run(suite);
}
