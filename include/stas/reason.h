/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Decisions and their reasons. A rule (exclusion, address validity,
 * disconnect-scope, NCC give-up, DC aging) answers with a code and a text
 * instead of a boolean; the daemon logs the text once and keeps it, so that
 * "explain", "--plan" and the counters read what was decided rather than
 * deciding again.
 */
#pragma once

#include <glib.h>

typedef enum {
	STAS_REASON_NONE = 0,	 /* nothing decided yet */
	STAS_REASON_WANTED,	 /* listed, and every rule lets it through */
	STAS_REASON_PINNED,	 /* the host booted from it (NBFT): wanted whatever the rules */
	STAS_REASON_EXCLUDED,	 /* an exclude= line matched */
	STAS_REASON_UNSAFE,	 /* identifiers a connect string cannot carry */
	STAS_REASON_TRANSPORT,	 /* a transport stas does not connect */
	STAS_REASON_ADDRESS,	 /* traddr is not an address of its transport */
	STAS_REASON_IP_FAMILY,	 /* its address family is disabled by ip-family */
	STAS_REASON_UNRESOLVED,	 /* a host name that did not resolve */
	STAS_REASON_INCOMPLETE,	 /* a controller= line without a mandatory key */
	STAS_REASON_UNLISTED,	 /* nothing lists it any more */
	STAS_REASON_SPARED,	 /* not listed, but kept until it stops answering (mDNS DC) */
	STAS_REASON_NCC_GAVE_UP, /* connect-attempts-on-ncc reached */
	STAS_REASON_AGED_OUT,	 /* an unresponsive DC past persistent-connections' delay */
	STAS_REASON_KEEP,	 /* it goes, its kernel connection stays (disconnect-scope) */
	STAS_REASON_DISCONNECT,	 /* it goes, and so does its kernel connection */
} StasReasonCode;

typedef struct {
	StasReasonCode code;
	char *text; /* for people; NULL when code is NONE */
} StasReason;

/* "wanted", "excluded", ... (stable: explain's JSON and the metrics use it). */
const char *stas_reason_name(StasReasonCode code);
/* WANTED or PINNED. */
gboolean stas_reason_admits(const StasReason *reason);
void stas_reason_set(StasReason *reason, StasReasonCode code, const char *format, ...) G_GNUC_PRINTF(3, 4);
void stas_reason_copy(StasReason *dst, const StasReason *src);
void stas_reason_clear(StasReason *reason);

/* Where a candidate controller was found (several at once are possible). */
typedef enum {
	STAS_SOURCE_CONFIG = 1 << 0,   /* a controller= line */
	STAS_SOURCE_LOG_PAGE = 1 << 1, /* a DC's discovery log page (stacd, via stafd) */
	STAS_SOURCE_MDNS = 1 << 2,
	STAS_SOURCE_REFERRAL = 1 << 3,
	STAS_SOURCE_NBFT = 1 << 4,
	STAS_SOURCE_AUDIT = 1 << 5, /* an existing kernel connection nobody managed */
	STAS_SOURCE_STATE = 1 << 6, /* the last-known state of the previous run */
} StasSource;

/* Why a controller lost its connection: the cause label of the counters. */
typedef enum {
	STAS_CAUSE_ZONING,    /* the DCs stopped listing it */
	STAS_CAUSE_EXCLUSION, /* an exclude= line */
	STAS_CAUSE_CONFIG,    /* its controller= line went, or another setting */
	STAS_CAUSE_KERNEL,    /* the kernel removed the device */
	STAS_N_CAUSES,
} StasCause;

const char *stas_cause_name(StasCause cause);
/* The cause of removing a controller found through @sources for @code. */
StasCause stas_removal_cause(StasReasonCode code, guint sources);

/* What one reconciliation decided about one candidate. */
typedef struct {
	StasReason reason;  /* the admission rules' outcome */
	guint sources;	    /* StasSource flags */
	GString *origin;    /* "controller= at FILE:LINE; log page of DC ..." */
	StasReason removal; /* when a managed controller went: kept or disconnected, and why */
	gint64 when;	    /* g_get_real_time() of the decision */
} StasVerdict;

StasVerdict *stas_verdict_new(void);
void stas_verdict_free(StasVerdict *verdict);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(StasVerdict, stas_verdict_free)
/* Adds one more origin (a duplicate candidate). */
void stas_verdict_add_origin(StasVerdict *verdict, guint source, const char *text);
