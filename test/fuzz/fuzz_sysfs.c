// SPDX-License-Identifier: Apache-2.0
/*
 * What the kernel shows of an existing controller, read back when a daemon
 * adopts or audits connections: the uevent properties and the sysfs
 * attributes of /sys/class/nvme/nvme0 (here a fake tree in the scratch
 * directory), the controller identity and classification derived from
 * them, the match against a configured TID; also the kernel's fabrics
 * option list and release string, and the autoconnect instance built from
 * a uevent's properties.
 *
 * Input: a flags byte (bit n set: file n below is absent; bit 6: the
 * controller has a child namespace device), then NUL-separated texts:
 * uevent, address, subsysnqn, hostnqn, cntrltype, transport (the sixth
 * file), a controller= entry to match, a /dev/nvme-fabrics options line,
 * a kernel release.
 */
#include <glib/gstdio.h>
#include <string.h>

#include "autoconnect.h"
#include "fuzz.h"
#include "stas/conf.h"
#include "stas/dbus-util.h"
#include "stas/iface.h"
#include "stas/kernel.h"
#include "stas/tid.h"
#include "stas/udev.h"
#include "stas/version.h"

static const char *const files[] = { "uevent", "address", "subsysnqn", "hostnqn", "cntrltype", "transport" };

static char *ctrl_dir(void)
{
	return g_build_filename(fuzz_dir(), "sys", "class", "nvme", "nvme0", NULL);
}

/* Lays out the fake controller; missing files are removed, not emptied. */
static void lay_out(guint8 flags, char **texts)
{
	g_autofree char *dir = ctrl_dir();
	g_autofree char *child = g_build_filename(dir, "nvme0n1", NULL);
	g_autofree char *child_uevent = g_build_filename(child, "uevent", NULL);

	g_mkdir_with_parents(dir, 0755);
	for (guint i = 0; i < G_N_ELEMENTS(files); i++) {
		g_autofree char *path = g_build_filename(dir, files[i], NULL);

		if (flags & (1u << i))
			g_unlink(path);
		else
			g_file_set_contents(path, texts[i], -1, NULL);
	}
	if (flags & (1u << 6)) {
		g_mkdir_with_parents(child, 0755);
		g_file_set_contents(child_uevent, "DEVTYPE=disk\n", -1, NULL);
	} else {
		g_unlink(child_uevent);
		g_rmdir(child);
	}
}

/* A uevent text as the monitor would deliver its properties. */
static GHashTable *properties(const char *uevent)
{
	GHashTable *props = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	g_auto(GStrv) lines = g_strsplit(uevent, "\n", -1);

	for (guint i = 0; lines[i]; i++) {
		char *eq = strchr(lines[i], '=');

		if (eq)
			g_hash_table_insert(props, g_strndup(lines[i], eq - lines[i]), g_strdup(eq + 1));
	}
	return props;
}

static void check_ctrl(const char *root, const char *entry_text, const StasIfaces *ifaces)
{
	g_autoptr(GHashTable) cid = stas_udev_ctrl_cid(root, "nvme0");
	g_autoptr(StasCtrlEntry) entry = stas_ctrl_entry_parse(entry_text, "fuzz", 1, "controller", NULL);
	g_autoptr(StasTid) tid = entry ? stas_tid_new_from_entry(entry, "nqn.fuzz:host", FALSE) : NULL;
	g_autoptr(StasTid) audited = stas_udev_ctrl_tid(root, "nvme0", ifaces, FALSE);
	g_autoptr(GPtrArray) names = stas_udev_list_ctrls(root);

	fuzz_assert(cid != NULL);
	g_variant_unref(g_variant_ref_sink(stas_dbus_dict(cid)));
	(void)stas_udev_is_dc_device(root, "nvme0");
	(void)stas_udev_is_ioc_device(root, "nvme0");
	for (guint i = 0; i < G_N_ELEMENTS(files); i++) {
		g_autofree char *value = stas_udev_ctrl_attr(root, "nvme0", files[i]);
		g_autofree char *stripped = value ? g_strstrip(g_strdup(value)) : NULL;

		/* Attributes come back stripped of the kernel's newline. */
		fuzz_assert(g_strcmp0(value, stripped) == 0);
	}
	fuzz_assert(names && names->len == 1);
	if (audited)
		fuzz_assert(stas_tid_to_string(audited) != NULL);
	if (tid) {
		g_autofree char *dc = stas_udev_find_ctrl(root, tid, TRUE, ifaces);
		g_autofree char *ioc = stas_udev_find_ctrl(root, tid, FALSE, ifaces);

		/* Only one controller exists: whatever is found is nvme0. */
		fuzz_assert(!dc || g_str_equal(dc, "nvme0"));
		fuzz_assert(!ioc || g_str_equal(ioc, "nvme0"));
		(void)stas_udev_cid_matches(cid, tid, ifaces);
	}
}

/* The kernel's own view: release thresholds, then /dev/nvme-fabrics's line. */
static void probe_kernel(const char *options, const char *release)
{
	g_autofree char *path = fuzz_write("nvme-fabrics", options, strlen(options));
	g_autofree char *warning = NULL;
	StasKernelSupport support = { 0 };

	g_setenv("STAS_NVME_FABRICS", path, TRUE);
	stas_kernel_support_probe(&support, release, &warning);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	FuzzInput in = { data, size };
	guint8 flags = fuzz_byte(&in);
	char *texts[G_N_ELEMENTS(files)];
	g_autofree char *entry = NULL;
	g_autofree char *options = NULL;
	g_autofree char *release = NULL;
	g_autofree char *root = NULL;
	g_autoptr(StasIfaces) ifaces = stas_ifaces_new();
	g_autoptr(GHashTable) props = NULL;
	g_autofree char *instance = NULL;
	StasKernelSupport support = { 0 };
	StasUevent event = { "add", "nvme0", NULL };

	fuzz_init();
	for (guint i = 0; i < G_N_ELEMENTS(files); i++)
		texts[i] = fuzz_string(&in);
	entry = fuzz_string(&in);
	options = fuzz_string(&in);
	release = fuzz_string(&in);
	root = g_build_filename(fuzz_dir(), "sys", NULL);
	stas_ifaces_add(ifaces, "eth0", "192.168.1.10");
	stas_ifaces_add(ifaces, "eth1", "fe80::1:2:3:4");

	lay_out(flags, texts);
	check_ctrl(root, entry, ifaces);

	props = properties(texts[0]);
	event.properties = props;
	instance = stas_autoconnect_instance(&event);
	stas_kernel_support_parse(&support, options);
	probe_kernel(options, release);
	(void)stas_kernel_version_cmp(release, "5.18");
	(void)stas_kernel_version_cmp("6.1.0-13-amd64", release);
	for (guint i = 0; i < G_N_ELEMENTS(files); i++)
		g_free(texts[i]);
	return 0;
}
