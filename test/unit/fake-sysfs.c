// SPDX-License-Identifier: Apache-2.0
/* Fake sysfs trees and interface snapshots for the sysfs and match suites. */
#include <glib/gstdio.h>
#include <stdarg.h>
#include <unistd.h>

#include "fake-sysfs.h"
#include "testutil.h"

GHashTable *dict_new(const char *first_key, ...)
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
StasTid *tid_from(GHashTable *dict)
{
	return stas_tid_new(dict, HOSTNQN, FALSE);
}

/* Two interfaces with several addresses, one IPv6-only interface and the
 * loopback; no address appears twice, so owners are unambiguous. */
StasIfaces *test_ifaces(void)
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

static void put_file(const char *dir, const char *name, const char *text)
{
	g_autofree char *path = NULL;

	if (text)
		path = tu_write(dir, name, text, -1);
}

/* Lays out @root/class/nvme/@name the way the kernel does: attributes end
 * in a newline, links to the parent and class, an attribute group (power)
 * that is not a device, and optionally one child device. */
void fake_ctrl(const char *root, const char *name, const FakeCtrl *c)
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
const FakeCtrl tcp_ioc = {
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
