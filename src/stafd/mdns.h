/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What an mDNS advertisement of a discovery controller means (TP8009): the
 * TXT record (p= protocol, nqn=), the identity stafd derives from a
 * resolved service, and the back-off of reachability probes. Pure
 * functions, so hostile records can be tested without a network.
 */
#pragma once

#include <avahi-common/strlst.h>
#include <glib.h>

#include "stas/names.h"

/* TXT items as key -> value. Items that are not printable ASCII, or do not
 * hold exactly one '=' after a non-empty key, are ignored (and logged),
 * except that an ignored nqn= item leaves "nqn" -> NULL, so that the
 * service is refused rather than taken for one without an NQN. Keys are
 * lower-cased (TXT keys are case-insensitive), values kept as they are. */
GHashTable *stas_mdns_txt_parse(AvahiStringList *txt);

/* The controller dictionary of a resolved service, or NULL with *why set
 * when its protocol is missing or unknown, or its nqn= could not be read
 * or holds ',', '=', white space or control characters (which would add
 * options to the kernel's connect string). @tp8013: the kernel accepts a
 * DC's own NQN (otherwise the well-known discovery NQN is always used). */
GHashTable *stas_mdns_identity(GHashTable *txt, const char *address, guint16 port, const char *ifname,
			       gboolean tp8013, char **why);

/* What identifies a service (SPEC §5.2): interface index, protocol, name,
 * type and domain. The index, not the interface name, which cannot be
 * looked up once the interface is gone (its withdrawal comes later). */
char *stas_mdns_service_id(int ifindex, gboolean ipv6, const char *name, const char *type,
			   const char *domain);

/* Reachability probe delays: 5, 10, 30, 60, 300, then 600 s for ever. */
typedef struct {
	guint next;
} StasBackoff;

guint stas_backoff_next(StasBackoff *backoff);
