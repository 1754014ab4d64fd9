/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The transport address and NQNs of every kernel nvme controller, read
 * once per device instance: what the search for an existing connection
 * compares first. A device keeps its address for its whole life, and a device
 * removed and created again under the same name is a new directory entry
 * (a new inode number), so the index re-reads exactly what is new.
 */
#pragma once

#include <glib.h>

/* One controller of /sys/class/nvme: its name, its uevent's NVME_TRTYPE,
 * NVME_TRADDR and NVME_TRSVCID ("none" as ""), and its subsysnqn and
 * hostnqn attributes: what does not change while the device exists. */
typedef struct {
	char *name;
	char *transport;
	char *traddr;
	char *trsvcid;
	char *subsysnqn;
	char *hostnqn;
} StasSysfsAddr;

typedef struct _StasSysfsIndex StasSysfsIndex;

/* @sysfs_root: NULL for /sys (tests pass a fake tree). */
StasSysfsIndex *stas_sysfs_index_new(const char *sysfs_root);
void stas_sysfs_index_free(StasSysfsIndex *index);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(StasSysfsIndex, stas_sysfs_index_free)

const char *stas_sysfs_index_root(const StasSysfsIndex *index);
/* The controllers that exist now, by instance number (nvme2 < nvme10), as
 * const StasSysfsAddr *: one directory listing, and attributes read only for
 * devices the index has not seen. A device without all of them yet (uevent
 * unreadable, or NQNs not shown while it is being created) is listed with
 * what it has and read again next time. Valid until the next call. */
const GPtrArray *stas_sysfs_index_scan(StasSysfsIndex *index);
