/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The udev side of the kernel: a libudev monitor of the nvme subsystem as a
 * GSource (large receive buffer; on overflow it tells its owner to resync
 * from sysfs), and the sysfs view of existing controllers used to adopt
 * connections and audit them (SPEC §6.5).
 */
#pragma once

#include <glib.h>

#include "stas/iface.h"
#include "stas/sysfs-index.h"
#include "stas/tid.h"

typedef struct _StasUdev StasUdev;

/* One uevent, as the owner sees it. */
typedef struct {
	const char *action;	/* "add", "remove", "change", ... */
	const char *sysname;	/* "nvme3" */
	GHashTable *properties; /* char* -> char* (NVME_AEN, NVME_EVENT, NVME_TRTYPE, ...) */
} StasUevent;

typedef void (*StasUeventFunc)(const StasUevent *event, gpointer user_data);
/* Called after the monitor lost events (ENOBUFS): the owner must re-read
 * the state of every controller it cares about from sysfs. */
typedef void (*StasUdevResyncFunc)(gpointer user_data);

/* Monitor the "nvme" subsystem on @context (NULL = default). */
StasUdev *stas_udev_new(GMainContext *context, StasUeventFunc on_event, StasUdevResyncFunc on_resync,
			gpointer user_data, GError **error);
void stas_udev_free(StasUdev *udev);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(StasUdev, stas_udev_free)

/* ------------------------------------------- existing controllers (sysfs.c) */

/* The cid (SPEC §6.5 table) of an existing controller, from its uevent
 * properties and sysfs: transport, traddr, trsvcid, host-traddr, host-iface,
 * subsysnqn, host-nqn, src-addr. "none" values are empty. NULL if the device
 * does not exist. @sysfs_root: NULL for /sys (tests pass a fake tree). */
GHashTable *stas_udev_ctrl_cid(const char *sysfs_root, const char *sysname);
/* Classification (SPEC §6.5): cntrltype (kernel 5.18+) decides when present,
 * else a DC has the well-known NQN or no child devices. */
gboolean stas_udev_is_dc_device(const char *sysfs_root, const char *sysname);
gboolean stas_udev_is_ioc_device(const char *sysfs_root, const char *sysname);
/* The uevent attribute of a controller as variables (NVME_TRTYPE, ...):
 * what the kernel sent, replayed without asking udevd. Empty when unreadable. */
GHashTable *stas_udev_ctrl_uevent(const char *sysfs_root, const char *sysname);
/* "" for NULL and for the kernel's "none". */
const char *stas_udev_none_as_empty(const char *value);
/* A sysfs attribute of /sys/class/nvme/@sysname, stripped, "(efault)" as "",
 * made valid UTF-8; NULL when it cannot be read. */
char *stas_udev_ctrl_attr(const char *sysfs_root, const char *sysname, const char *attr);
/* Names of every nvme controller device, by instance number (nvme2 < nvme10). */
GPtrArray *stas_udev_list_ctrls(const char *sysfs_root);
/* That order, as a comparison of two names. */
gint stas_udev_compare_ctrl_names(const char *a, const char *b);

/* ---------------------------------------------------- matching (ctrl-match.c) */

/* SPEC §6.5 match function: does existing controller @cid match @tid?
 * @ifaces: NULL = take a snapshot when a rule needs one (also below). */
gboolean stas_udev_cid_matches(GHashTable *cid, const StasTid *tid, const StasIfaces *ifaces);
/* An existing controller of the kind (@discovery: DC, else IOC) matching @tid
 * that @owned (NULL: none) does not claim: the first whose subsysnqn is the
 * TID's own, else the first that matches through the well-known NQN. Only
 * the devices whose address @index has as @tid's are read further. */
char *stas_udev_find_free_ctrl(StasSysfsIndex *index, const StasTid *tid, gboolean discovery,
			       const StasIfaces *ifaces, gboolean (*owned)(const char *device, gpointer data),
			       gpointer owned_data);
/* The same in a one-off index, whoever owns the device. */
char *stas_udev_find_ctrl(const char *sysfs_root, const StasTid *tid, gboolean discovery,
			  const StasIfaces *ifaces);
/* The TID of an existing controller (audits): host-iface from src-addr when
 * the kernel did not record one; src-addr kept in the cfg map. @ignore_iface
 * as for stas_tid_new(), so audited TIDs equal the daemon's own TIDs. */
StasTid *stas_udev_ctrl_tid(const char *sysfs_root, const char *sysname, const StasIfaces *ifaces,
			    gboolean ignore_iface);
