// SPDX-License-Identifier: Apache-2.0
/*
 * What sysfs says of existing nvme controllers: attributes, the cid of SPEC
 * §6.5 (from the uevent attribute and sysfs), DC/IOC classification and the
 * list of controllers. Names come from udev events and D-Bus callers, so
 * none may walk out of /sys/class/nvme; values are text, made valid UTF-8.
 */
#include <string.h>

#include "stas/names.h"
#include "stas/udev.h"

/* Names come from udev events and D-Bus callers; never let one walk out
 * of the class directory. */
static gboolean valid_name(const char *name)
{
	return name && *name && !strchr(name, '/') && !g_str_equal(name, ".") && !g_str_equal(name, "..");
}

static char *ctrl_path(const char *sysfs_root, const char *sysname, const char *attr)
{
	return g_build_filename(sysfs_root ? sysfs_root : "/sys", "class", "nvme", sysname, attr, NULL);
}

static gboolean ctrl_exists(const char *sysfs_root, const char *sysname)
{
	g_autofree char *dir = NULL;

	if (!valid_name(sysname))
		return FALSE;
	dir = ctrl_path(sysfs_root, sysname, NULL);
	return g_file_test(dir, G_FILE_TEST_IS_DIR);
}

/* An attribute with surrounding white space removed (sysfs values end in
 * a newline), or NULL when it cannot be read. */
static char *read_attr(const char *sysfs_root, const char *sysname, const char *attr)
{
	g_autofree char *path = NULL;
	char *contents = NULL;

	if (!valid_name(sysname) || !valid_name(attr))
		return NULL;
	path = ctrl_path(sysfs_root, sysname, attr);
	if (!g_file_get_contents(path, &contents, NULL, NULL))
		return NULL;
	return g_strstrip(contents);
}

char *stas_udev_ctrl_attr(const char *sysfs_root, const char *sysname, const char *attr)
{
	g_autofree char *value = read_attr(sysfs_root, sysname, attr);

	if (!value)
		return NULL;
	/* What the kernel prints for a string it could not reach. */
	if (g_str_equal(value, "(efault)"))
		*value = '\0';
	/* The kernel copies Identify strings (model, serial) byte for byte: a DC may
	 * put anything there, and every reader of these values wants text. */
	return g_utf8_make_valid(value, -1);
}

/* The kernel writes "none" for options that were not given. */
const char *stas_udev_none_as_empty(const char *value)
{
	return !value || g_ascii_strcasecmp(value, "none") == 0 ? "" : value;
}

static char *cid_attr(const char *sysfs_root, const char *sysname, const char *attr)
{
	g_autofree char *value = stas_udev_ctrl_attr(sysfs_root, sysname, attr);

	return g_strdup(stas_udev_none_as_empty(value));
}

/* The uevent attribute replays the kernel's uevent variables, including
 * the NVME_TR* ones nvme_class_uevent() adds, without asking udevd. */
GHashTable *stas_udev_ctrl_uevent(const char *sysfs_root, const char *sysname)
{
	GHashTable *vars = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	g_autofree char *text = read_attr(sysfs_root, sysname, "uevent");
	g_auto(GStrv) lines = g_strsplit(text ? text : "", "\n", -1);

	for (guint i = 0; lines[i]; i++) {
		char *eq = strchr(lines[i], '=');

		if (!eq)
			continue;
		*eq = '\0';
		g_hash_table_insert(vars, g_strdup(lines[i]), g_strdup(eq + 1));
	}
	return vars;
}

/* The value of @key in a "k1=v1,k2=v2" attribute, or "". */
static char *value_in_list(const char *list, const char *key)
{
	g_auto(GStrv) items = g_strsplit(list ? list : "", ",", -1);
	gsize key_len = strlen(key);

	for (guint i = 0; items[i]; i++) {
		const char *item = items[i];

		while (g_ascii_isspace(*item))
			item++;
		if (strncmp(item, key, key_len) == 0 && item[key_len] == '=')
			return g_strstrip(g_strdup(item + key_len + 1));
	}
	return g_strdup("");
}

GHashTable *stas_udev_ctrl_cid(const char *sysfs_root, const char *sysname)
{
	static const char *const props[][2] = {
		{ "transport", "NVME_TRTYPE" },	     { "traddr", "NVME_TRADDR" },
		{ "trsvcid", "NVME_TRSVCID" },	     { "host-traddr", "NVME_HOST_TRADDR" },
		{ "host-iface", "NVME_HOST_IFACE" },
	};
	g_autoptr(GHashTable) uevent = NULL;
	g_autofree char *address = NULL;
	GHashTable *cid;

	if (!ctrl_exists(sysfs_root, sysname))
		return NULL;
	uevent = stas_udev_ctrl_uevent(sysfs_root, sysname);
	cid = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	for (guint i = 0; i < G_N_ELEMENTS(props); i++)
		g_hash_table_insert(
			cid, g_strdup(props[i][0]),
			g_strdup(stas_udev_none_as_empty(g_hash_table_lookup(uevent, props[i][1]))));
	g_hash_table_insert(cid, g_strdup("subsysnqn"), cid_attr(sysfs_root, sysname, "subsysnqn"));
	g_hash_table_insert(cid, g_strdup("host-nqn"), cid_attr(sysfs_root, sysname, "hostnqn"));
	/* The connection's actual source address; in "address" since 6.1. */
	address = cid_attr(sysfs_root, sysname, "address");
	g_hash_table_insert(cid, g_strdup("src-addr"), value_in_list(address, "src_addr"));
	return cid;
}

/* Child devices (namespaces nvmeXnY, paths nvmeXcYnZ, generic ngXnY,
 * hwmon) are directories of the controller's sysfs directory, because
 * the controller has a class; every device directory has a "uevent"
 * attribute, which attribute groups such as power/ lack. This is what
 * pyudev's Device.children saw upstream. */
static gboolean has_child_devices(const char *sysfs_root, const char *sysname)
{
	g_autofree char *dir = ctrl_path(sysfs_root, sysname, NULL);
	g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
	const char *name;

	while (d && (name = g_dir_read_name(d))) {
		g_autofree char *child = g_build_filename(dir, name, NULL);
		g_autofree char *uevent = NULL;

		/* device, subsystem, ... are links to parents and classes */
		if (g_file_test(child, G_FILE_TEST_IS_SYMLINK) || !g_file_test(child, G_FILE_TEST_IS_DIR))
			continue;
		uevent = g_build_filename(child, "uevent", NULL);
		if (g_file_test(uevent, G_FILE_TEST_IS_REGULAR))
			return TRUE;
	}
	return FALSE;
}

/* cntrltype (kernel 5.18+) is authoritative when present. Only older
 * kernels need the "no children" guess, which takes an I/O controller
 * without namespaces for a DC; with cntrltype known, an IOC that has no
 * namespace yet must not be adopted as a DC on a shared port. */
gboolean stas_udev_is_dc_device(const char *sysfs_root, const char *sysname)
{
	g_autofree char *subsysnqn = NULL;
	g_autofree char *cntrltype = NULL;

	if (!ctrl_exists(sysfs_root, sysname))
		return FALSE;
	subsysnqn = read_attr(sysfs_root, sysname, "subsysnqn");
	if (subsysnqn && g_str_equal(subsysnqn, STAS_WKNQN))
		return TRUE;
	cntrltype = read_attr(sysfs_root, sysname, "cntrltype");
	if (cntrltype && *cntrltype)
		return g_str_equal(cntrltype, "discovery");
	return !has_child_devices(sysfs_root, sysname);
}

gboolean stas_udev_is_ioc_device(const char *sysfs_root, const char *sysname)
{
	g_autofree char *cntrltype = NULL;

	if (!ctrl_exists(sysfs_root, sysname))
		return FALSE;
	cntrltype = read_attr(sysfs_root, sysname, "cntrltype");
	if (cntrltype && *cntrltype)
		return g_str_equal(cntrltype, "io");
	return has_child_devices(sysfs_root, sysname);
}

gint stas_udev_compare_ctrl_names(const char *a, const char *b)
{
	guint64 na = 0, nb = 0;
	gboolean ha = g_str_has_prefix(a, "nvme") &&
		      g_ascii_string_to_unsigned(a + 4, 10, 0, G_MAXUINT64, &na, NULL);
	gboolean hb = g_str_has_prefix(b, "nvme") &&
		      g_ascii_string_to_unsigned(b + 4, 10, 0, G_MAXUINT64, &nb, NULL);

	if (ha && hb && na != nb)
		return na < nb ? -1 : 1;
	if (ha != hb)
		return ha ? -1 : 1;
	return strcmp(a, b);
}

static gint compare_ctrl_names(gconstpointer pa, gconstpointer pb)
{
	return stas_udev_compare_ctrl_names(*(const char *const *)pa, *(const char *const *)pb);
}

GPtrArray *stas_udev_list_ctrls(const char *sysfs_root)
{
	GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
	g_autofree char *dir = g_build_filename(sysfs_root ? sysfs_root : "/sys", "class", "nvme", NULL);
	g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
	const char *name;

	while (d && (name = g_dir_read_name(d))) {
		if (*name != '.')
			g_ptr_array_add(names, g_strdup(name));
	}
	g_ptr_array_sort(names, compare_ctrl_names);
	return names;
}
