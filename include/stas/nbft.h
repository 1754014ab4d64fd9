/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The NVMe-oF controllers the host booted from (NBFT, TP8012): the ACPI
 * tables the boot firmware left under /sys/firmware/acpi/tables/NBFT*, read
 * with libnvme (1.5 and later). Their I/O controllers are wanted whatever
 * the configuration says: a reload or an exclude= must never take the root
 * file system away.
 */
#pragma once

#include <glib.h>

typedef enum {
	STAS_NBFT_IO,	     /* subsystem namespace descriptors: stacd's */
	STAS_NBFT_DISCOVERY, /* discovery descriptors (URIs, libnvme 1.10+): stafd's */
} StasNbftKind;

/* The TIDs (StasTid*) of the controllers of @kind that the NBFT tables under
 * @sysfs_root (normally "/sys") name, each once, with the table's host NQN
 * when it differs from @system_hostnqn. A table libnvme cannot parse, or an
 * entry without an address or NQN, is logged (where and why) and skipped;
 * tables that this build cannot read at all (libnvme < 1.5) are logged
 * once. Never NULL. */
GPtrArray *stas_nbft_tids(const char *sysfs_root, StasNbftKind kind, const char *system_hostnqn,
			  gboolean ignore_iface);
