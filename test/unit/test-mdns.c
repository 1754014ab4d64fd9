// SPDX-License-Identifier: Apache-2.0
/*
 * mDNS advertisements (SPEC §5.2, nvme-stas's test-avahi TXT cases) with
 * hostile input, the identity of a resolved service, and the probe
 * back-off; and the nvme-cli autoconnect mask and hand-over (SPEC §5.11).
 */
#include <string.h>

#include "autoconnect.h"
#include "mdns.h"
#include "testutil.h"

static GHashTable *parse(AvahiStringList *txt)
{
	GHashTable *items = stas_mdns_txt_parse(txt);

	avahi_string_list_free(txt);
	return items;
}

START_TEST(test_txt_keys_are_case_insensitive)
{
	g_autoptr(GHashTable) items = parse(avahi_string_list_new("NqN=Starfleet", "p=tcp", NULL));

	ck_assert_uint_eq(g_hash_table_size(items), 2);
	ck_assert_str_eq(g_hash_table_lookup(items, "nqn"), "Starfleet");
	ck_assert_str_eq(g_hash_table_lookup(items, "p"), "tcp");
}
END_TEST

START_TEST(test_txt_empty_value_is_kept)
{
	g_autoptr(GHashTable) items = parse(avahi_string_list_new("p=", NULL));

	ck_assert_str_eq(g_hash_table_lookup(items, "p"), "");
}
END_TEST

START_TEST(test_txt_items_without_one_equals_or_key_are_ignored)
{
	g_autoptr(GHashTable)
		items = parse(avahi_string_list_new("novalue", "=", "=x", "a=b=c", "ok=1", NULL));

	ck_assert_uint_eq(g_hash_table_size(items), 1);
	ck_assert_str_eq(g_hash_table_lookup(items, "ok"), "1");
}
END_TEST

START_TEST(test_txt_non_printable_items_are_ignored)
{
	static const guint8 nul[] = { 'p', '=', 't', 0, 'p' };
	static const guint8 high[] = { 'n', 'q', 'n', '=', 0xc3, 0xa9 };
	static const guint8 ctrl[] = { 'x', '=', 0x07 };
	AvahiStringList *txt = avahi_string_list_add_arbitrary(NULL, nul, sizeof(nul));
	g_autoptr(GHashTable) items = NULL;

	txt = avahi_string_list_add_arbitrary(txt, high, sizeof(high));
	txt = avahi_string_list_add_arbitrary(txt, ctrl, sizeof(ctrl));
	txt = avahi_string_list_add(txt, "good=yes");
	items = parse(txt);
	ck_assert_uint_eq(g_hash_table_size(items), 2);
	ck_assert_str_eq(g_hash_table_lookup(items, "good"), "yes");
	ck_assert(g_hash_table_contains(items, "nqn")); /* unreadable: refused later */
	ck_assert_ptr_null(g_hash_table_lookup(items, "nqn"));
}
END_TEST

START_TEST(test_txt_255_byte_items_and_100_items)
{
	AvahiStringList *txt = NULL;
	g_autoptr(GHashTable) items = NULL;
	char item[256];

	for (int i = 0; i < 100; i++) {
		g_snprintf(item, sizeof(item), "k%d=", i);
		memset(item + strlen(item), 'v', 255 - strlen(item));
		item[255] = '\0';
		txt = avahi_string_list_add(txt, item);
	}
	items = parse(txt);
	ck_assert_uint_eq(g_hash_table_size(items), 100);
	ck_assert_uint_eq(strlen(g_hash_table_lookup(items, "k42")), 255 - strlen("k42="));
}
END_TEST

START_TEST(test_txt_empty_list)
{
	g_autoptr(GHashTable) items = stas_mdns_txt_parse(NULL);

	ck_assert_uint_eq(g_hash_table_size(items), 0);
}
END_TEST

static GHashTable *txt_of(const char *p, const char *nqn)
{
	GHashTable *txt = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);

	if (p)
		g_hash_table_insert(txt, g_strdup("p"), g_strdup(p));
	if (nqn)
		g_hash_table_insert(txt, g_strdup("nqn"), g_strdup(nqn));
	return txt;
}

START_TEST(test_identity_of_a_tcp_service)
{
	g_autoptr(GHashTable) txt = txt_of(" TCP ", " nqn.1988-11.com.dell:SFSS ");
	g_autofree char *why = NULL;
	g_autoptr(GHashTable) cid = stas_mdns_identity(txt, "192.168.7.1", 8009, "eth1", TRUE, &why);

	ck_assert_ptr_nonnull(cid);
	ck_assert_str_eq(g_hash_table_lookup(cid, "transport"), "tcp");
	ck_assert_str_eq(g_hash_table_lookup(cid, "traddr"), "192.168.7.1");
	ck_assert_str_eq(g_hash_table_lookup(cid, "trsvcid"), "8009");
	ck_assert_str_eq(g_hash_table_lookup(cid, "host-iface"), "eth1");
	ck_assert_str_eq(g_hash_table_lookup(cid, "subsysnqn"), "nqn.1988-11.com.dell:SFSS");
	ck_assert_ptr_null(g_hash_table_lookup(cid, "host-traddr"));
}
END_TEST

START_TEST(test_identity_rdma_protocols_and_no_interface)
{
	static const char *const names[] = { "roce", "iwarp", "rdma", "RoCE" };

	for (guint i = 0; i < G_N_ELEMENTS(names); i++) {
		g_autoptr(GHashTable) txt = txt_of(names[i], NULL);
		g_autofree char *why = NULL;
		g_autoptr(GHashTable) cid = stas_mdns_identity(txt, "fe80::1", 4420, "eth1", TRUE, &why);

		ck_assert_str_eq(g_hash_table_lookup(cid, "transport"), "rdma");
		ck_assert_str_eq(g_hash_table_lookup(cid, "host-iface"), "");
		ck_assert_str_eq(g_hash_table_lookup(cid, "subsysnqn"), STAS_WKNQN);
	}
}
END_TEST

START_TEST(test_identity_without_tp8013_uses_the_well_known_nqn)
{
	g_autoptr(GHashTable) txt = txt_of("tcp", "nqn.unique");
	g_autofree char *why = NULL;
	g_autoptr(GHashTable) cid = stas_mdns_identity(txt, "10.0.0.1", 8009, "eth0", FALSE, &why);

	ck_assert_str_eq(g_hash_table_lookup(cid, "subsysnqn"), STAS_WKNQN);
}
END_TEST

START_TEST(test_identity_refused_for_missing_or_unknown_protocol)
{
	g_autoptr(GHashTable) none = txt_of(NULL, "nqn.x");
	g_autoptr(GHashTable) foo = txt_of("walmart", NULL);
	g_autofree char *why1 = NULL;
	g_autofree char *why2 = NULL;

	ck_assert_ptr_null(stas_mdns_identity(none, "10.0.0.1", 8009, "eth0", TRUE, &why1));
	ck_assert_ptr_nonnull(strstr(why1, "no protocol"));
	ck_assert_ptr_null(stas_mdns_identity(foo, "10.0.0.1", 8009, "eth0", TRUE, &why2));
	ck_assert_ptr_nonnull(strstr(why2, "walmart"));
}
END_TEST

START_TEST(test_identity_refuses_an_nqn_that_could_inject_options)
{
	/* fuzz F1: the kernel splits its option string at ',' and takes the
	 * last value, so "nqn=a,duplicate_connect" adds a connect option. */
	static const char *const bad[] = { "nqn.evil:dc,duplicate_connect,hdr_digest", "nqn.a b",
					   "nqn.a\tb" };

	for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_autoptr(GHashTable) txt = txt_of("tcp", bad[i]);
		g_autofree char *why = NULL;
		g_autoptr(GHashTable) cid = stas_mdns_identity(txt, "10.0.0.1", 8009, "eth0", TRUE, &why);

		ck_assert_msg(cid == NULL, "\"%s\" accepted", bad[i]);
		ck_assert_ptr_nonnull(why);
		ck_assert_ptr_nonnull(strstr(why, "nqn"));
	}
}
END_TEST

START_TEST(test_unreadable_nqn_item_refuses_the_service)
{
	/* An nqn= that the TXT parser cannot keep (non-ASCII, control
	 * characters, a second '=') must not silently become the well-known
	 * NQN: the service is refused with a reason. */
	static const guint8 high[] = { 'n', 'q', 'n', '=', 'n', 'q', 'n', '.', 0xc3, 0xa9 };
	static const guint8 ctrl[] = { 'n', 'q', 'n', '=', 'a', '\n', 'b' };
	static const char *const eq = "nqn=a=b";
	const struct {
		const void *bytes;
		gsize len;
	} cases[] = { { high, sizeof(high) }, { ctrl, sizeof(ctrl) }, { eq, strlen(eq) } };

	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		AvahiStringList *list = avahi_string_list_add_arbitrary(NULL, cases[i].bytes, cases[i].len);
		g_autoptr(GHashTable) txt = NULL;
		g_autofree char *why = NULL;
		g_autoptr(GHashTable) cid = NULL;

		list = avahi_string_list_add(list, "p=tcp");
		txt = parse(list);
		cid = stas_mdns_identity(txt, "10.0.0.1", 8009, "eth0", TRUE, &why);
		ck_assert_msg(cid == NULL, "case %u accepted", i);
		ck_assert_ptr_nonnull(strstr(why, "nqn"));
	}
}
END_TEST

START_TEST(test_service_id_is_keyed_by_interface_index)
{
	/* review-stafd #3: the withdrawal of a service seen on an interface
	 * that is gone by then must still find it, so the index (which avahi
	 * gives with every event) is the key, not a name looked up later. */
	g_autofree char *a = stas_mdns_service_id(7, FALSE, "dc", "_nvme-disc._tcp", "local");
	g_autofree char *same = stas_mdns_service_id(7, FALSE, "dc", "_nvme-disc._tcp", "local");
	g_autofree char *other_if = stas_mdns_service_id(8, FALSE, "dc", "_nvme-disc._tcp", "local");
	g_autofree char *v6 = stas_mdns_service_id(7, TRUE, "dc", "_nvme-disc._tcp", "local");

	ck_assert_str_eq(a, same);
	ck_assert_str_eq(a, "(7, IPv4, dc.local, _nvme-disc._tcp)");
	ck_assert_str_ne(a, other_if);
	ck_assert_str_ne(a, v6);
}
END_TEST

START_TEST(test_backoff_sequence_repeats_its_last_value)
{
	StasBackoff b = { 0 };
	static const guint expected[] = { 5, 10, 30, 60, 300, 600, 600, 600 };

	for (guint i = 0; i < G_N_ELEMENTS(expected); i++)
		ck_assert_uint_eq(stas_backoff_next(&b), expected[i]);
}
END_TEST

START_TEST(test_autoconnect_rule_keeps_only_fc)
{
	g_autofree char *rule = stas_autoconnect_rule("/usr/bin/systemctl");

	ck_assert(g_str_has_prefix(rule, "# Written by stafd"));
	ck_assert_ptr_nonnull(strstr(rule, "SUBSYSTEM==\"fc\""));
	ck_assert_ptr_null(strstr(rule, "SUBSYSTEM==\"nvme\""));
	ck_assert_ptr_nonnull(strstr(rule, "RUN+=\"/usr/bin/systemctl --no-block restart nvmf-connect@"
					   "--device\\x3dnone\\x09--transport\\x3dfc\\x09"
					   "--traddr\\x3d$env{NVMEFC_TRADDR}\\x09--trsvcid\\x3dnone\\x09"
					   "--host-traddr\\x3d$env{NVMEFC_HOST_TRADDR}.service\""));
}
END_TEST

static char *instance_for(const char *action, const char *const *props)
{
	StasUevent ev = { .action = action, .sysname = "nvme7" };
	char *out;

	ev.properties = g_hash_table_new(g_str_hash, g_str_equal);
	for (guint i = 0; props[i]; i += 2)
		g_hash_table_insert(ev.properties, (gpointer)props[i], (gpointer)props[i + 1]);
	out = stas_autoconnect_instance(&ev);
	g_hash_table_unref(ev.properties);
	return out;
}

START_TEST(test_autoconnect_forwards_aen_and_rediscover_only)
{
	g_autofree char *aen = instance_for(
		"change", (const char *const[]){ "NVME_AEN", "0x70f002", "NVME_HOST_TRADDR", "10.0.0.9",
						 "NVME_HOST_IFACE", "none", NULL });
	g_autofree char *rediscover = instance_for(
		"change",
		(const char *const[]){ "NVME_EVENT", "rediscover", "NVME_HOST_IFACE", "eth2", NULL });
	g_autofree char *connected = instance_for("change",
						  (const char *const[]){ "NVME_EVENT", "connected", NULL });
	g_autofree char *other_aen = instance_for("change",
						  (const char *const[]){ "NVME_AEN", "0x12", NULL });
	g_autofree char *add = instance_for("add", (const char *const[]){ "NVME_AEN", "0x70f002", NULL });

	ck_assert_str_eq(aen, "--device\\x3dnvme7\\x09--host-traddr\\x3d10.0.0.9");
	ck_assert_str_eq(rediscover, "--device\\x3dnvme7\\x09--host-iface\\x3deth2");
	ck_assert_ptr_null(connected);
	ck_assert_ptr_null(other_aen);
	ck_assert_ptr_null(add);
}
END_TEST

START_TEST(test_autoconnect_mask_is_ours_to_remove_only)
{
	g_autofree char *dir = tu_tmpdir();
	g_autofree char *path = g_build_filename(dir, "rules.d", "70-nvmf-autoconnect.rules", NULL);
	g_autofree char *text = NULL;
	g_autofree char *rulesd = g_build_filename(dir, "rules.d", NULL);

	g_setenv("STAS_UDEV_RULES_DIR", rulesd, TRUE);
	stas_autoconnect_mask();
	ck_assert(g_file_get_contents(path, &text, NULL, NULL));
	ck_assert(g_str_has_prefix(text, "# Written by stafd"));
	stas_autoconnect_unmask();
	ck_assert(!g_file_test(path, G_FILE_TEST_EXISTS));
	/* An admin's file of that name is neither replaced nor removed. */
	g_free(tu_write(rulesd, "70-nvmf-autoconnect.rules", "# mine\n", -1));
	stas_autoconnect_mask();
	g_clear_pointer(&text, g_free);
	ck_assert(g_file_get_contents(path, &text, NULL, NULL));
	ck_assert_str_eq(text, "# mine\n");
	stas_autoconnect_unmask();
	ck_assert(g_file_test(path, G_FILE_TEST_EXISTS));
	tu_rmtree(dir);
}
END_TEST

int main(void)
{
	Suite *suite = suite_create("mdns");
	TCase *tc = tcase_create("mdns");

	tcase_add_test(tc, test_txt_keys_are_case_insensitive);
	tcase_add_test(tc, test_txt_empty_value_is_kept);
	tcase_add_test(tc, test_txt_items_without_one_equals_or_key_are_ignored);
	tcase_add_test(tc, test_txt_non_printable_items_are_ignored);
	tcase_add_test(tc, test_txt_255_byte_items_and_100_items);
	tcase_add_test(tc, test_txt_empty_list);
	tcase_add_test(tc, test_identity_of_a_tcp_service);
	tcase_add_test(tc, test_identity_rdma_protocols_and_no_interface);
	tcase_add_test(tc, test_identity_without_tp8013_uses_the_well_known_nqn);
	tcase_add_test(tc, test_identity_refuses_an_nqn_that_could_inject_options);
	tcase_add_test(tc, test_unreadable_nqn_item_refuses_the_service);
	tcase_add_test(tc, test_service_id_is_keyed_by_interface_index);
	tcase_add_test(tc, test_identity_refused_for_missing_or_unknown_protocol);
	tcase_add_test(tc, test_backoff_sequence_repeats_its_last_value);
	tcase_add_test(tc, test_autoconnect_rule_keeps_only_fc);
	tcase_add_test(tc, test_autoconnect_forwards_aen_and_rediscover_only);
	tcase_add_test(tc, test_autoconnect_mask_is_ours_to_remove_only);
	suite_add_tcase(suite, tc);
	return tu_run(suite);
}
