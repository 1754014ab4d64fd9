/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The stacd service: a StasService whose controllers are I/O controllers,
 * wanted because stacd.conf lists them or a discovery log page that stafd
 * cached lists them.
 */
#pragma once

#include "ioc.h"
#include "stas-dbus.h"
#include "stas/service.h"

typedef struct {
	StasService svc; /* first: a StasStac is a StasService */
	StasDbusStac *iface;
	guint staf_watch;
	StasDbusStaf *staf; /* stafd, while it is on the bus */
	gboolean staf_seen;
	GHashTable *discovered; /* StasTid* -> DLPE (GHashTable*): the last good answer of stafd */
	GCancellable *fetching;
	StasTimer *add_soak; /* audits after udev "add" events */
	gboolean auditing;
} StasStac;

StasStac *stas_stac_new(StasLogger *logger, const char *conf_path, gboolean tron, int *exit_status);

/* stac-dbus.c */
gboolean stas_stac_dbus_export(StasService *svc, GDBusConnection *bus, GError **error);
void stas_stac_dbus_unexport(StasService *svc);
