/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What the parts of the service (service.c, service-reconcile.c,
 * service-dbus.c, service-reload.c) share and nothing else needs.
 */
#pragma once

#include "stas/service.h"

/* The soak timer's expiry: reconcile now. */
gboolean stas_service_on_soak(gpointer svc);
/* Export the interfaces, then request the bus name. */
gboolean stas_service_dbus_start(StasService *svc, GError **error);
void stas_service_dbus_stop(StasService *svc);
/* metrics-file.c: follow [Global] metrics-file (start-up, reload); let go. */
void stas_service_metrics_configure(StasService *svc);
void stas_service_metrics_close(StasService *svc);
/* service-reload.c: the waiters of stas_service_reload_then() (their array
 * is made with the reconciliation's memory). settle runs each whose reload
 * is in force (after a reconciliation is applied and whenever a controller
 * has left); clear runs the rest and frees the array (exit). */
void stas_service_reload_settle(StasService *svc);
void stas_service_reload_clear(StasService *svc);
