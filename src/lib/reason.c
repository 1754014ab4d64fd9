// SPDX-License-Identifier: Apache-2.0
/*
 * Decisions and their reasons: the names of the codes and the small
 * record a reconciliation keeps per candidate.
 */
#include <stdarg.h>
#include <string.h>

#include "stas/reason.h"

static const char *const names[] = {
	[STAS_REASON_NONE] = "none",
	[STAS_REASON_WANTED] = "wanted",
	[STAS_REASON_PINNED] = "pinned",
	[STAS_REASON_EXCLUDED] = "excluded",
	[STAS_REASON_UNSAFE] = "unsafe",
	[STAS_REASON_TRANSPORT] = "transport",
	[STAS_REASON_ADDRESS] = "address",
	[STAS_REASON_IP_FAMILY] = "ip-family",
	[STAS_REASON_UNRESOLVED] = "unresolved",
	[STAS_REASON_INCOMPLETE] = "incomplete",
	[STAS_REASON_UNLISTED] = "unlisted",
	[STAS_REASON_SPARED] = "spared",
	[STAS_REASON_NCC_GAVE_UP] = "ncc-gave-up",
	[STAS_REASON_AGED_OUT] = "aged-out",
	[STAS_REASON_KEEP] = "kept",
	[STAS_REASON_DISCONNECT] = "disconnect",
};

const char *stas_reason_name(StasReasonCode code)
{
	return (guint)code < G_N_ELEMENTS(names) && names[code] ? names[code] : "unknown";
}

gboolean stas_reason_admits(const StasReason *reason)
{
	return reason->code == STAS_REASON_WANTED || reason->code == STAS_REASON_PINNED;
}

void stas_reason_set(StasReason *reason, StasReasonCode code, const char *format, ...)
{
	va_list ap;

	g_free(reason->text);
	reason->code = code;
	va_start(ap, format);
	reason->text = g_strdup_vprintf(format, ap);
	va_end(ap);
}

void stas_reason_copy(StasReason *dst, const StasReason *src)
{
	g_free(dst->text);
	dst->code = src->code;
	dst->text = g_strdup(src->text);
}

void stas_reason_clear(StasReason *reason)
{
	g_clear_pointer(&reason->text, g_free);
	reason->code = STAS_REASON_NONE;
}

const char *stas_cause_name(StasCause cause)
{
	static const char *const causes[STAS_N_CAUSES] = { "zoning", "exclusion", "config", "kernel" };

	return (guint)cause < STAS_N_CAUSES ? causes[cause] : "unknown";
}

StasCause stas_removal_cause(StasReasonCode code, guint sources)
{
	if (code == STAS_REASON_EXCLUDED)
		return STAS_CAUSE_EXCLUSION;
	if ((code == STAS_REASON_UNLISTED || code == STAS_REASON_AGED_OUT) &&
	    !(sources & STAS_SOURCE_CONFIG) &&
	    (sources & (STAS_SOURCE_LOG_PAGE | STAS_SOURCE_MDNS | STAS_SOURCE_REFERRAL)))
		return STAS_CAUSE_ZONING;
	return STAS_CAUSE_CONFIG;
}

StasVerdict *stas_verdict_new(void)
{
	StasVerdict *verdict = g_new0(StasVerdict, 1);

	verdict->origin = g_string_new(NULL);
	verdict->when = g_get_real_time();
	return verdict;
}

void stas_verdict_free(StasVerdict *verdict)
{
	if (!verdict)
		return;
	stas_reason_clear(&verdict->reason);
	stas_reason_clear(&verdict->removal);
	g_string_free(verdict->origin, TRUE);
	g_free(verdict);
}

void stas_verdict_add_origin(StasVerdict *verdict, guint source, const char *text)
{
	verdict->sources |= source;
	if (!text || !*text || strstr(verdict->origin->str, text))
		return;
	if (verdict->origin->len)
		g_string_append(verdict->origin, "; ");
	g_string_append(verdict->origin, text);
}
