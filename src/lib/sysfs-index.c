// SPDX-License-Identifier: Apache-2.0
/*
 * A cache of the kernel controllers' transport addresses and NQNs, keyed by
 * device name and inode number. Searching for an existing connection used to
 * read four attributes of every controller behind the same port on every
 * connect attempt: O(devices) file reads per attempt on the main loop,
 * O(devices^2) to bring up hundreds of subsystems of one array. Now a scan is
 * one directory listing, and a device is read once in its life. Main-thread
 * only, like its users.
 */
#include <dirent.h>

#include "stas/sysfs-index.h"
#include "stas/udev.h"

typedef struct {
	StasSysfsAddr addr;
	guint64 ino;
	gboolean complete; /* everything read: never read again */
	guint generation;  /* the scan that last saw it */
} Entry;

struct _StasSysfsIndex {
	char *root;
	char *class_dir;
	GHashTable *by_name; /* name -> Entry (owned) */
	GPtrArray *scan;     /* the last scan's entries (borrowed), in instance order */
	guint generation;
};

static void entry_free(Entry *entry)
{
	g_free(entry->addr.name);
	g_free(entry->addr.transport);
	g_free(entry->addr.traddr);
	g_free(entry->addr.trsvcid);
	g_free(entry->addr.subsysnqn);
	g_free(entry->addr.hostnqn);
	g_free(entry);
}

StasSysfsIndex *stas_sysfs_index_new(const char *sysfs_root)
{
	StasSysfsIndex *index = g_new0(StasSysfsIndex, 1);

	index->root = g_strdup(sysfs_root);
	index->class_dir = g_build_filename(sysfs_root ? sysfs_root : "/sys", "class", "nvme", NULL);
	index->by_name = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, (GDestroyNotify)entry_free);
	index->scan = g_ptr_array_new();
	return index;
}

void stas_sysfs_index_free(StasSysfsIndex *index)
{
	if (!index)
		return;
	g_ptr_array_unref(index->scan);
	g_hash_table_unref(index->by_name);
	g_free(index->class_dir);
	g_free(index->root);
	g_free(index);
}

const char *stas_sysfs_index_root(const StasSysfsIndex *index)
{
	return index->root;
}

static char *cid_value(GHashTable *cid, const char *key)
{
	return g_strdup(g_hash_table_lookup(cid, key));
}

/* A new entry for device @name, with the values the match compares (its cid,
 * stas_udev_ctrl_cid), or NULL when the device is gone. It is complete once
 * uevent could be read and the kernel shows the NQNs, which it does only
 * once it identified the controller. */
static Entry *read_entry(StasSysfsIndex *index, const char *name, guint64 ino)
{
	g_autoptr(GHashTable) cid = stas_udev_ctrl_cid(index->root, name);
	Entry *entry;

	if (!cid)
		return NULL;
	entry = g_new0(Entry, 1);
	entry->addr.name = g_strdup(name);
	entry->addr.transport = cid_value(cid, "transport");
	entry->addr.traddr = cid_value(cid, "traddr");
	entry->addr.trsvcid = cid_value(cid, "trsvcid");
	entry->addr.subsysnqn = cid_value(cid, "subsysnqn");
	entry->addr.hostnqn = cid_value(cid, "host-nqn");
	entry->ino = ino;
	entry->complete = *entry->addr.transport && *entry->addr.subsysnqn && *entry->addr.hostnqn;
	return entry;
}

static gint by_instance(gconstpointer pa, gconstpointer pb)
{
	const Entry *a = *(const Entry *const *)pa, *b = *(const Entry *const *)pb;

	return stas_udev_compare_ctrl_names(a->addr.name, b->addr.name);
}

static gboolean unseen(gpointer key, gpointer value, gpointer data)
{
	return ((Entry *)value)->generation != GPOINTER_TO_UINT(data);
}

const GPtrArray *stas_sysfs_index_scan(StasSysfsIndex *index)
{
	DIR *dir = opendir(index->class_dir);
	struct dirent *d;

	g_ptr_array_set_size(index->scan, 0);
	index->generation++;
	while (dir && (d = readdir(dir))) {
		Entry *entry;

		if (d->d_name[0] == '.')
			continue;
		entry = g_hash_table_lookup(index->by_name, d->d_name);
		if (!entry || entry->ino != (guint64)d->d_ino || !entry->complete) {
			g_hash_table_remove(index->by_name, d->d_name);
			entry = read_entry(index, d->d_name, d->d_ino);
			if (!entry)
				continue;
			g_hash_table_insert(index->by_name, entry->addr.name, entry);
		}
		entry->generation = index->generation;
		g_ptr_array_add(index->scan, entry);
	}
	if (dir)
		closedir(dir);
	/* Devices that are gone. */
	g_hash_table_foreach_remove(index->by_name, unseen, GUINT_TO_POINTER(index->generation));
	g_ptr_array_sort(index->scan, by_instance);
	return index->scan;
}
