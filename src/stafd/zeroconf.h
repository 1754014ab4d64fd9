/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Zero-touch discovery: Discovery Controllers advertised with mDNS
 * (_nvme-disc._tcp, _nvme-disc._udp), found through the Avahi client
 * library on the GLib main loop, resolved, and probed for reachability on
 * the interface they were seen on. Survives avahi-daemon being absent,
 * stopped or restarted.
 */
#pragma once

#include <json-glib/json-glib.h>

typedef struct _StasZeroconf StasZeroconf;

/* @changed runs whenever the set of reachable services may have changed
 * (a service became reachable, or was withdrawn). */
StasZeroconf *stas_zeroconf_new(void (*changed)(gpointer data), gpointer data);
void stas_zeroconf_free(StasZeroconf *zc);

/* Browse (or stop browsing) per the configuration. @tp8013: the kernel
 * accepts a DC's own NQN. */
void stas_zeroconf_configure(StasZeroconf *zc, gboolean enabled, gboolean tp8013);
/* Controller dictionaries (GHashTable*, new references) of the services
 * that are resolved, identified and reachable. */
GPtrArray *stas_zeroconf_reachable(StasZeroconf *zc);
/* The "avahi" object of process_info. */
void stas_zeroconf_describe(StasZeroconf *zc, JsonBuilder *builder);
