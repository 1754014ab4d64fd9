// SPDX-License-Identifier: Apache-2.0
/*
 * Local interface snapshots and IP helpers (SPEC §6.5.1), ported from
 * nvme-stas's test-iputil; hand-built snapshots keep results independent
 * of the machine, the real snapshot is only checked for consistency.
 */
#include <arpa/inet.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "stas/iface.h"
#include "testutil.h"

static StasIfaces *sample_ifaces(void)
{
	StasIfaces *ifaces = stas_ifaces_new();

	stas_ifaces_add(ifaces, "lo", "127.0.0.1");
	stas_ifaces_add(ifaces, "lo", "::1");
	stas_ifaces_add(ifaces, "eth0", "fe80::aaaa:1");
	stas_ifaces_add(ifaces, "eth0", "10.0.0.28");
	stas_ifaces_add(ifaces, "eth0", "10.0.0.29");
	stas_ifaces_add(ifaces, "eth0", "fd5e:9a9e:c5bd::5509");
	stas_ifaces_add(ifaces, "eth1", "fe80::aaaa:1"); /* the same link-local address */
	stas_ifaces_add(ifaces, "v6only", "2001:db8::7");
	stas_ifaces_add(ifaces, "eth1", "not an address"); /* ignored */
	return ifaces;
}

START_TEST(test_ip_equal_null_and_garbage_are_false)
{
	ck_assert(!stas_ip_equal(NULL, "1.1.1.1"));
	ck_assert(!stas_ip_equal("1.1.1.1", NULL));
	ck_assert(!stas_ip_equal(NULL, NULL));
	ck_assert(!stas_ip_equal("", ""));
	ck_assert(!stas_ip_equal("garbage", "garbage"));
	ck_assert(!stas_ip_equal("555.555.555.555", "555.555.555.555"));
	ck_assert(!stas_ip_equal("1.2.3.4%eth0", "1.2.3.4"));
}
END_TEST

START_TEST(test_ip_equal_ipv4_and_ipv4_mapped)
{
	ck_assert(stas_ip_equal("1.1.1.1", "1.1.1.1"));
	ck_assert(!stas_ip_equal("1.1.1.1", "1.1.1.2"));
	ck_assert(stas_ip_equal("1.2.3.4", "::ffff:102:304"));
	ck_assert(stas_ip_equal("::ffff:1.2.3.4", "1.2.3.4"));
	ck_assert(stas_ip_equal("::FFFF:1.2.3.4", "::ffff:102:304"));
	/* IPv4-compatible (deprecated) is not IPv4-mapped */
	ck_assert(!stas_ip_equal("::1.2.3.4", "1.2.3.4"));
}
END_TEST

START_TEST(test_ip_equal_ipv6_textual_variants)
{
	ck_assert(stas_ip_equal("FE80::aaaa:BBBB:cccc:dddd", "fe80:0:0:0:AAAA:bbbb:CCCC:DDDD"));
	ck_assert(stas_ip_equal("2001:db8::1", "2001:0db8:0000:0000:0000:0000:0000:0001"));
	ck_assert(!stas_ip_equal("fe80::aaaa:bbbb:cccc:dddd", "fe80::dddd:cccc:bbbb:aaaa"));
	ck_assert(stas_ip_equal("::", "0:0:0:0:0:0:0:0"));
}
END_TEST

START_TEST(test_ip_equal_ipv6_scope)
{
	/* A missing scope matches any: the kernel prints src_addr without. */
	ck_assert(stas_ip_equal("fe80::1%eth0", "fe80::1"));
	ck_assert(stas_ip_equal("fe80::1", "FE80::1%eth0"));
	ck_assert(stas_ip_equal("fe80::1%eth0", "fe80::1%eth0"));
	ck_assert(!stas_ip_equal("fe80::1%eth0", "fe80::1%eth1"));
	ck_assert(!stas_ip_equal("fe80::1%", "fe80::1"));
}
END_TEST

START_TEST(test_ip_family)
{
	ck_assert_int_eq(stas_ip_family("1.2.3.4"), G_SOCKET_FAMILY_IPV4);
	ck_assert_int_eq(stas_ip_family("255.255.255.255"), G_SOCKET_FAMILY_IPV4);
	ck_assert_int_eq(stas_ip_family("::1"), G_SOCKET_FAMILY_IPV6);
	ck_assert_int_eq(stas_ip_family("FE80::aaaa:BBBB:cccc:dddd"), G_SOCKET_FAMILY_IPV6);
	/* written as IPv6, so it is IPv6 for the ip-family filter */
	ck_assert_int_eq(stas_ip_family("::ffff:1.2.3.4"), G_SOCKET_FAMILY_IPV6);
	ck_assert_int_eq(stas_ip_family("fe80::1%eth0"), G_SOCKET_FAMILY_IPV6);
	ck_assert_int_eq(stas_ip_family("fe80::1%2"), G_SOCKET_FAMILY_IPV6);

	ck_assert_int_eq(stas_ip_family(NULL), G_SOCKET_FAMILY_INVALID);
	ck_assert_int_eq(stas_ip_family(""), G_SOCKET_FAMILY_INVALID);
	ck_assert_int_eq(stas_ip_family("not-an-ip"), G_SOCKET_FAMILY_INVALID);
	ck_assert_int_eq(stas_ip_family("555.555.555.555"), G_SOCKET_FAMILY_INVALID);
	ck_assert_int_eq(stas_ip_family("1.2.3"), G_SOCKET_FAMILY_INVALID);
	ck_assert_int_eq(stas_ip_family(" 1.2.3.4"), G_SOCKET_FAMILY_INVALID);
	ck_assert_int_eq(stas_ip_family("1.2.3.4%eth0"), G_SOCKET_FAMILY_INVALID);
	ck_assert_int_eq(stas_ip_family("fe80::1%"), G_SOCKET_FAMILY_INVALID);
	ck_assert_int_eq(stas_ip_family("fe80::1%an-interface-name-too-long"), G_SOCKET_FAMILY_INVALID);
	ck_assert_int_eq(stas_ip_family("[::1]"), G_SOCKET_FAMILY_INVALID);
	ck_assert_int_eq(stas_ip_family("00:11:22:33:44:55"), G_SOCKET_FAMILY_INVALID);
}
END_TEST

START_TEST(test_owner_by_address)
{
	g_autoptr(StasIfaces) ifaces = sample_ifaces();

	ck_assert_str_eq(stas_ifaces_owner(ifaces, "127.0.0.1"), "lo");
	ck_assert_str_eq(stas_ifaces_owner(ifaces, "10.0.0.29"), "eth0");
	ck_assert_str_eq(stas_ifaces_owner(ifaces, "::ffff:10.0.0.29"), "eth0");
	ck_assert_str_eq(stas_ifaces_owner(ifaces, "FD5E:9a9e:c5bd:0::5509"), "eth0");
	ck_assert_str_eq(stas_ifaces_owner(ifaces, "2001:db8::7"), "v6only");
	/* first listed wins, unless a scope names another owner */
	ck_assert_str_eq(stas_ifaces_owner(ifaces, "fe80::aaaa:1"), "eth0");
	ck_assert_str_eq(stas_ifaces_owner(ifaces, "fe80::aaaa:1%eth1"), "eth1");
	ck_assert_str_eq(stas_ifaces_owner(ifaces, "fe80::aaaa:1%lo"), "eth0");
}
END_TEST

START_TEST(test_owner_unknown_empty_null)
{
	g_autoptr(StasIfaces) ifaces = sample_ifaces();

	ck_assert_ptr_null(stas_ifaces_owner(ifaces, "255.255.255.255"));
	ck_assert_ptr_null(stas_ifaces_owner(ifaces, ""));
	ck_assert_ptr_null(stas_ifaces_owner(ifaces, NULL));
	ck_assert_ptr_null(stas_ifaces_owner(ifaces, "not an address"));
	ck_assert_ptr_null(stas_ifaces_owner(NULL, "127.0.0.1"));
}
END_TEST

START_TEST(test_primary_is_first_of_family)
{
	g_autoptr(StasIfaces) ifaces = sample_ifaces();

	ck_assert_str_eq(stas_ifaces_primary(ifaces, "eth0", G_SOCKET_FAMILY_IPV4), "10.0.0.28");
	ck_assert_str_eq(stas_ifaces_primary(ifaces, "eth0", G_SOCKET_FAMILY_IPV6), "fe80::aaaa:1");
	ck_assert_str_eq(stas_ifaces_primary(ifaces, "lo", G_SOCKET_FAMILY_IPV6), "::1");
	ck_assert_ptr_null(stas_ifaces_primary(ifaces, "v6only", G_SOCKET_FAMILY_IPV4));
	ck_assert_ptr_null(stas_ifaces_primary(ifaces, "eth1", G_SOCKET_FAMILY_IPV4));
	ck_assert_ptr_null(stas_ifaces_primary(ifaces, "nope", G_SOCKET_FAMILY_IPV4));
	ck_assert_ptr_null(stas_ifaces_primary(ifaces, NULL, G_SOCKET_FAMILY_IPV4));
	ck_assert_ptr_null(stas_ifaces_primary(ifaces, "eth0", G_SOCKET_FAMILY_INVALID));
}
END_TEST

static gboolean listed_before(const struct ifaddrs *list, const struct ifaddrs *stop, const char *ifname,
			      const char *address)
{
	for (const struct ifaddrs *ifa = list; ifa != stop; ifa = ifa->ifa_next) {
		char text[INET6_ADDRSTRLEN];
		const void *raw;

		/* compare the base name: IPv4 aliases are labelled eth0:1 */
		if (!ifa->ifa_addr || strcspn(ifa->ifa_name, ":") != strlen(ifname) ||
		    strncmp(ifa->ifa_name, ifname, strlen(ifname)) != 0)
			continue;
		if (ifa->ifa_addr->sa_family == AF_INET)
			raw = &((const struct sockaddr_in *)ifa->ifa_addr)->sin_addr;
		else if (ifa->ifa_addr->sa_family == AF_INET6)
			raw = &((const struct sockaddr_in6 *)ifa->ifa_addr)->sin6_addr;
		else
			continue;
		if (inet_ntop(ifa->ifa_addr->sa_family, raw, text, sizeof(text)) &&
		    stas_ip_equal(text, address))
			return TRUE;
	}
	return FALSE;
}

/* Whatever this machine has: every listed address must be found again,
 * on its own interface unless another listed it first. */
START_TEST(test_snapshot_is_self_consistent)
{
	g_autoptr(StasIfaces) ifaces = stas_ifaces_snapshot();
	struct ifaddrs *list = NULL;
	guint checked = 0;

	ck_assert_ptr_nonnull(ifaces);
	ck_assert_int_eq(getifaddrs(&list), 0);
	for (const struct ifaddrs *ifa = list; ifa; ifa = ifa->ifa_next) {
		char text[INET6_ADDRSTRLEN];
		g_autofree char *ifname = NULL;
		const char *owner, *primary;
		const void *raw;
		GSocketFamily family;

		if (!ifa->ifa_addr)
			continue;
		if (ifa->ifa_addr->sa_family == AF_INET) {
			raw = &((const struct sockaddr_in *)ifa->ifa_addr)->sin_addr;
			family = G_SOCKET_FAMILY_IPV4;
		} else if (ifa->ifa_addr->sa_family == AF_INET6) {
			raw = &((const struct sockaddr_in6 *)ifa->ifa_addr)->sin6_addr;
			family = G_SOCKET_FAMILY_IPV6;
		} else {
			continue;
		}
		ck_assert_ptr_nonnull(inet_ntop(ifa->ifa_addr->sa_family, raw, text, sizeof(text)));
		ck_assert_msg(!strchr(text, '%'), "scope in %s", text);
		ifname = g_strndup(ifa->ifa_name, strcspn(ifa->ifa_name, ":"));

		owner = stas_ifaces_owner(ifaces, text);
		ck_assert_msg(owner, "%s (%s) has no owner", text, ifname);
		ck_assert(stas_ip_family(text) == family);
		/* An address on several interfaces (link-local ones, typically)
		 * belongs to the one listed first. */
		if (!g_str_equal(owner, ifname))
			ck_assert_msg(listed_before(list, ifa, owner, text), "%s: owner %s, listed on %s",
				      text, owner, ifname);
		primary = stas_ifaces_primary(ifaces, ifname, family);
		ck_assert_msg(primary, "%s has no primary %s address", ifname, text);
		ck_assert_int_eq(stas_ip_family(primary), family);
		ck_assert(stas_iface_index(ifname) > 0);
		checked++;
	}
	freeifaddrs(list);
	printf("snapshot: %u addresses checked\n", checked);
}
END_TEST

START_TEST(test_iface_index)
{
	ck_assert_uint_eq(stas_iface_index(NULL), 0);
	ck_assert_uint_eq(stas_iface_index(""), 0);
	ck_assert_uint_eq(stas_iface_index("no-such-iface0"), 0);
	ck_assert_uint_gt(stas_iface_index("lo"), 0);
}
END_TEST

static Suite *iface_suite(void)
{
	Suite *suite = suite_create("iface");
	TCase *tc = tcase_create("iface");

	tcase_add_test(tc, test_ip_equal_null_and_garbage_are_false);
	tcase_add_test(tc, test_ip_equal_ipv4_and_ipv4_mapped);
	tcase_add_test(tc, test_ip_equal_ipv6_textual_variants);
	tcase_add_test(tc, test_ip_equal_ipv6_scope);
	tcase_add_test(tc, test_ip_family);
	tcase_add_test(tc, test_owner_by_address);
	tcase_add_test(tc, test_owner_unknown_empty_null);
	tcase_add_test(tc, test_primary_is_first_of_family);
	tcase_add_test(tc, test_snapshot_is_self_consistent);
	tcase_add_test(tc, test_iface_index);
	suite_add_tcase(suite, tc);
	return suite;
}

int main(void)
{
	return tu_run(iface_suite());
}
