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

typedef struct _StasStac StasStac;
/* One get_all_log_pages call in flight. */
typedef struct _StasStacFetch StasStacFetch;
/* Asks stafd for every log page; the answer goes to stas_stac_fetch_done()
 * (the D-Bus call by default; the unit tests answer by hand). */
typedef void (*StasStacFetchFunc)(StasStac *stac, StasStacFetch *fetch);

struct _StasStac {
	StasService svc; /* first: a StasStac is a StasService */
	StasDbusStac *iface;
	guint staf_watch;
	StasDbusStaf *staf; /* stafd's proxy, while it is on the bus */
	gboolean staf_up;   /* stafd can be asked (the proxy, or a test says so) */
	gboolean staf_seen;
	/* StasTid* -> StasStacListing*: the last good answer of stafd, or what
	 * the last-known state recorded of it until stafd answers. */
	GHashTable *discovered;
	StasStacFetchFunc fetch;
	GCancellable *fetching;
	StasTimer *add_soak; /* audits after udev "add" events */
	gboolean auditing;
	/* The start-up audit waits for the first reconciliation and for every
	 * controller's first attempt; the timer bounds that wait. */
	gboolean startup_audit;
	gboolean applied;
	StasTimer *startup_audit_timer;
	GPtrArray *configured; /* StasTid*: stacd.conf's controllers at the last reconciliation */
	GPtrArray *booted;     /* StasTid*: the NBFT's I/O controllers, read at the first one */
};

/* A log page entry stafd listed, and the DC it came from (its identity). */
typedef struct {
	GHashTable *dlpe; /* char* -> char* */
	GHashTable *dc;	  /* char* -> char*: transport ... host-nqn */
} StasStacListing;

StasStac *stas_stac_new(StasLogger *logger, const char *conf_path, gboolean tron, int *exit_status);

/* For tests that build the service by hand: the class, the stacd parts of
 * a zero-filled StasStac (before the service's controllers are restored),
 * and what runs once the service is initialised. */
const StasServiceClass *stas_stac_class(void);
void stas_stac_setup(StasStac *stac);
void stas_stac_start(StasStac *stac);

GCancellable *stas_stac_fetch_cancellable(StasStacFetch *fetch);
/* stafd's answer: @json, or @error when the call failed. Takes @fetch. */
void stas_stac_fetch_done(StasStacFetch *fetch, const char *json, const GError *error);

/* stac-dbus.c */
gboolean stas_stac_dbus_export(StasService *svc, GDBusConnection *bus, GError **error);
void stas_stac_dbus_unexport(StasService *svc);
