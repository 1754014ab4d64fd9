// SPDX-License-Identifier: Apache-2.0
/*
 * Boot controllers from the NBFT (nbft.h).
 */
#include "config.h"

#include <errno.h>
#include <string.h>

#include <libnvme.h>

#include "stas/log.h"
#include "stas/nbft.h"
#include "stas/tid.h"

static gint by_path(gconstpointer a, gconstpointer b)
{
	return g_strcmp0(*(char *const *)a, *(char *const *)b);
}

/* The NBFT tables' paths, sorted ("NBFT", "NBFT2", ...). */
static GPtrArray *table_paths(const char *sysfs_root)
{
	g_autofree char *dir_path = g_build_filename(sysfs_root ? sysfs_root : "/sys", "firmware", "acpi",
						     "tables", NULL);
	g_autoptr(GDir) dir = g_dir_open(dir_path, 0, NULL);
	GPtrArray *paths = g_ptr_array_new_with_free_func(g_free);
	const char *name;

	while (dir && (name = g_dir_read_name(dir)) != NULL) {
		if (g_str_has_prefix(name, "NBFT"))
			g_ptr_array_add(paths, g_build_filename(dir_path, name, NULL));
	}
	g_ptr_array_sort(paths, by_path);
	return paths;
}

#ifdef HAVE_NVME_NBFT_READ
static const char *text(const char *s)
{
	return s ? s : "";
}

/* One subsystem namespace descriptor as a TID, or NULL (logged) when it cannot be one. */
static StasTid *ssns_tid(const char *path, const struct nbft_info *nbft,
			 const struct nbft_info_subsystem_ns *ns, const char *system_hostnqn,
			 gboolean ignore_iface)
{
	g_autoptr(GHashTable) cid = g_hash_table_new(g_str_hash, g_str_equal);
	const char *hostnqn = text(nbft->host.nqn);

	if (!*ns->transport || !*ns->traddr || !*text(ns->trsvcid) || !*text(ns->subsys_nqn)) {
		stas_warn("%s: NBFT subsystem entry %d has no transport, address, port or NQN: ignored", path,
			  ns->index);
		return NULL;
	}
	g_hash_table_insert(cid, "transport", (gpointer)ns->transport);
	g_hash_table_insert(cid, "traddr", (gpointer)ns->traddr);
	g_hash_table_insert(cid, "trsvcid", ns->trsvcid);
	g_hash_table_insert(cid, "subsysnqn", ns->subsys_nqn);
	if (*hostnqn && g_strcmp0(hostnqn, system_hostnqn) != 0)
		g_hash_table_insert(cid, "host-nqn", (gpointer)hostnqn);
	return stas_tid_new(cid, system_hostnqn, ignore_iface);
}

static void read_table(const char *path, const char *system_hostnqn, gboolean ignore_iface, GPtrArray *tids)
{
	struct nbft_info *nbft = NULL;

	/* libnvme returns non-zero with errno set, for a table it cannot parse as for one it
	 * cannot read */
	errno = 0;
	if (nvme_nbft_read(&nbft, path) != 0) {
		stas_warn("%s: not a usable NBFT table (%s): ignored", path,
			  errno ? g_strerror(errno) : "libnvme cannot parse it");
		return;
	}
	for (struct nbft_info_subsystem_ns **ns = nbft->subsystem_ns_list; ns && *ns; ns++) {
		StasTid *tid = ssns_tid(path, nbft, *ns, system_hostnqn, ignore_iface);

		if (!tid)
			continue;
		if (stas_tid_list_contains(tids, tid)) {
			stas_tid_unref(tid);
			continue;
		}
		stas_info("%s - Boot controller from %s: always wanted", stas_tid_to_string(tid), path);
		g_ptr_array_add(tids, tid);
	}
	nvme_nbft_free(nbft);
}
#endif

GPtrArray *stas_nbft_io_tids(const char *sysfs_root, const char *system_hostnqn, gboolean ignore_iface)
{
	g_autoptr(GPtrArray) paths = table_paths(sysfs_root);
	GPtrArray *tids = g_ptr_array_new_with_free_func((GDestroyNotify)stas_tid_unref);

#ifdef HAVE_NVME_NBFT_READ
	for (guint i = 0; i < paths->len; i++)
		read_table(g_ptr_array_index(paths, i), system_hostnqn, ignore_iface, tids);
#else
	if (paths->len)
		stas_warn("%s: NBFT tables are present, but this build's libnvme cannot read them (1.5 or "
			  "later is needed): the controllers the host booted from are not protected",
			  (const char *)g_ptr_array_index(paths, 0));
#endif
	return tids;
}
