/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A discovery controller as stafd manages it: a StasCtrl that, once
 * connected, registers with the DC (DIM), asks which log page options it
 * supports (PLEO), reads the Discovery Log Page and keeps the entries,
 * re-reading on discovery-change AENs and when the kernel reconnects.
 */
#pragma once

#include <json-glib/json-glib.h>

#include "stas/ctrl.h"
#include "stas/udev.h"

typedef enum {
	STAS_ORIGIN_UNKNOWN, /* restored from an old state file */
	STAS_ORIGIN_CONFIGURED,
	STAS_ORIGIN_DISCOVERED,
	STAS_ORIGIN_REFERRAL,
} StasDcOrigin;

typedef struct _StasDc StasDc;

/* What the DC tells stafd. */
typedef struct {
	/* After every successful Get Log Page (changed or not). */
	void (*log_pages_changed)(StasDc *dc, gpointer data);
	/* The referral entries differ from before: reconcile. */
	void (*referrals_changed)(StasDc *dc, gpointer data);
	/* A discovered DC has been unreachable for zeroconf-connections-persistence. */
	void (*unresponsive)(StasDc *dc, gpointer data);
	/* Is the DC currently advertised (and reachable) over mDNS? */
	gboolean (*advertised)(StasDc *dc, gpointer data);
} StasDcEvents;

StasDc *stas_dc_new(StasTid *tid, StasCtrlEnv *env, const StasDcEvents *events, gpointer data);
StasCtrl *stas_dc_ctrl(StasDc *dc);
StasDc *stas_dc_from_ctrl(StasCtrl *ctrl);
void stas_dc_unref(StasDc *dc);

StasDcOrigin stas_dc_get_origin(const StasDc *dc);
/* Setting the origin (even to the same value) re-evaluates aging. */
void stas_dc_set_origin(StasDc *dc, StasDcOrigin origin);
/* The "origin" member of a last-known-state record; STAS_ORIGIN_UNKNOWN
 * when absent, not a string or not an origin. */
StasDcOrigin stas_dc_record_origin(JsonObject *record);
/* The origin of a DC restored from the last-known state: aging is not
 * evaluated until the DC has tried to reconnect. */
void stas_dc_restore_origin(StasDc *dc, StasDcOrigin origin);
const char *stas_dc_origin_to_string(StasDcOrigin origin);
/* Unknown text (logged as an error) leaves *origin untouched and returns FALSE. */
gboolean stas_dc_origin_from_string(const char *text, StasDcOrigin *origin);

/* Cached log page entries (GHashTable* char* -> char*), never NULL. */
const GPtrArray *stas_dc_log_pages(const StasDc *dc);
/* Replace the cache (state restored at start-up); takes ownership. */
void stas_dc_set_log_pages(StasDc *dc, GPtrArray *entries);
/* The entries with subtype "referral". */
GPtrArray *stas_dc_referrals(const StasDc *dc);

/* A uevent for this DC's device: AEN, rediscover/connected, remove. */
void stas_dc_handle_uevent(StasDc *dc, const StasUevent *event);
/* Re-register and refresh the log pages (reload, kernel reconnect). */
void stas_dc_resync(StasDc *dc);
/* udev events were lost: re-read the log page (an AEN may be among them);
 * re-register only when the device is another association than the one
 * registered (its controller ID changed), not on every overflow. */
void stas_dc_refresh(StasDc *dc);
void stas_dc_reevaluate_unresponsive(StasDc *dc);
gboolean stas_dc_is_unresponsive(const StasDc *dc);
