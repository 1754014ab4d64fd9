/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Keeping DH-HMAC-CHAP secrets out of what admins paste into tickets: problem
 * messages, the journal and --check-config. A secret is recognised by the
 * name it is stored under or by the "DHHC-" prefix of its representation.
 */
#pragma once

#include <glib.h>

/* What a masked secret reads as. */
#define STAS_SECRET_SHOWN "(secret not shown)"

/* Whether an option or controller= key holds a secret: dhchap-secret,
 * dhchap-ctrl-secret, or sys.conf's key (case-insensitive). */
gboolean stas_secret_is_key(const char *name);
/* Whether @text contains something that looks like a secret (DHHC-). */
gboolean stas_secret_in_text(const char *text);
/* A copy of @text, a configuration line or a value, with every DHHC- token
 * and the value of every "<secret key> = value" (up to ';' or the end)
 * replaced by STAS_SECRET_SHOWN. */
char *stas_secret_mask(const char *text);
