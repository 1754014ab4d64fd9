/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The stafd service: a StasService whose controllers are discovery
 * controllers, wanted because stafd.conf lists them, mDNS advertises them
 * or another DC refers to them.
 */
#pragma once

#include "dc.h"
#include "stas-dbus.h"
#include "stas/service.h"
#include "zeroconf.h"

typedef struct {
	StasService svc; /* first: a StasStaf is a StasService */
	StasDbusStaf *iface;
	StasZeroconf *zeroconf;
	GPtrArray *booted; /* StasTid*: the NBFT's discovery controllers, read when first needed */
	gboolean masked;   /* nvme-cli's autoconnect rule is masked by us */
} StasStaf;

/* For tests that build the service by hand. */
const StasServiceClass *stas_staf_class(void);

/* Starts stafd; NULL with *exit_status set when it cannot run. */
StasStaf *stas_staf_new(StasLogger *logger, const char *conf_path, gboolean tron, int *exit_status);

/* staf-dbus.c: the org.nvmexpress.staf interface. */
gboolean stas_staf_dbus_export(StasService *svc, GDBusConnection *bus, GError **error);
void stas_staf_dbus_unexport(StasService *svc);
void stas_staf_dbus_log_pages_changed(StasStaf *staf, StasDc *dc);
void stas_staf_dbus_dc_removed(StasStaf *staf);
