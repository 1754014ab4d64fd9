/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Transport identifier (TID): what identifies a controller to stas. Built
 * from a controller dictionary (config entry, log page entry, D-Bus call).
 * Identity is the 7-tuple (transport, traddr, trsvcid, subsysnqn,
 * host-traddr, host-iface, host-nqn), compared as exact strings of their
 * canonical spelling (stas_tid_canonical), so that "TCP", "04420" or
 * "::ffff:10.0.0.5" are not other controllers; every other key is carried
 * along in an auxiliary map that is not part of identity.
 */
#pragma once

#include <glib.h>

#include "stas/conf.h"

typedef struct _StasTid StasTid;

/* @cid: the controller dictionary (char* -> char*); @system_hostnqn: used
 * when @cid has no "host-nqn" key; @ignore_iface: blanks host-iface. */
StasTid *stas_tid_new(GHashTable *cid, const char *system_hostnqn, gboolean ignore_iface);
StasTid *stas_tid_new_from_entry(const StasCtrlEntry *entry, const char *system_hostnqn,
				 gboolean ignore_iface);

/* A controller's identity field by field (NULL = empty), for callers that
 * have no dictionary (D-Bus arguments, firmware tables). */
typedef struct {
	const char *transport, *traddr, *trsvcid, *subsysnqn;
	const char *host_traddr, *host_iface, *host_nqn;
} StasTidFields;

/* As stas_tid_new(): an empty host_nqn means @system_hostnqn. */
StasTid *stas_tid_new_from_fields(const StasTidFields *fields, const char *system_hostnqn,
				  gboolean ignore_iface);
StasTid *stas_tid_ref(StasTid *tid);
void stas_tid_unref(StasTid *tid);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(StasTid, stas_tid_unref)

const char *stas_tid_transport(const StasTid *tid);
const char *stas_tid_traddr(const StasTid *tid);
const char *stas_tid_trsvcid(const StasTid *tid);
const char *stas_tid_subsysnqn(const StasTid *tid);
const char *stas_tid_host_traddr(const StasTid *tid);
const char *stas_tid_host_iface(const StasTid *tid);
const char *stas_tid_host_nqn(const StasTid *tid);
/* An auxiliary (cfg) value such as "dhchap-secret" or "kato", or NULL. */
const char *stas_tid_cfg(const StasTid *tid, const char *key);
GHashTable *stas_tid_cfg_table(const StasTid *tid);

/* GHashFunc / GEqualFunc on the identity tuple. */
guint stas_tid_hash(gconstpointer tid);
gboolean stas_tid_equal(gconstpointer a, gconstpointer b);

/* "(tcp, 10.0.0.1, 8009, nqn..., eth0, 10.0.0.2)" */
const char *stas_tid_to_string(const StasTid *tid);
/* The dictionary form: identity keys, every cfg key, then host-nqn.
 * Returns a new char* -> char* table. */
GHashTable *stas_tid_as_dict(const StasTid *tid);

/* The canonical spelling of an identity value: transport in lower case,
 * traddr and host-traddr as stas_ip_canonical() when they are IP literals,
 * a decimal trsvcid without leading zeros; anything else as given. */
char *stas_tid_canonical(const char *key, const char *value);

/* Why the identity cannot be handed to the kernel, or NULL: a field with a
 * comma, '=', white space or a control character would inject fabrics
 * options (the kernel splits its option string at ',' and newline), and an
 * IP transport needs a decimal port (fuzz F1). */
const char *stas_tid_unsafe_reason(const StasTid *tid);

/* The first entry of @excludes (StasCtrlEntry*) whose key/value pairs are
 * all equal to those of @dict (an empty entry matches everything), or NULL;
 * identity values compare in their canonical spelling. */
const StasCtrlEntry *stas_exclude_match(const GPtrArray *excludes, GHashTable *dict);
const StasCtrlEntry *stas_tid_exclusion(const StasTid *tid, const GPtrArray *excludes);
gboolean stas_tid_is_excluded(const StasTid *tid, const GPtrArray *excludes);

/* TRUE when @tids (StasTid*) has one equal to @tid. */
gboolean stas_tid_list_contains(const GPtrArray *tids, const StasTid *tid);
/* The cid of the controller that log page entry @dlpe names, reached the way
 * the DC that lists it is: @dc's host-traddr and host-iface, and its
 * host-nqn when not empty (else the system's). Values are borrowed from
 * @dlpe and @dc (either dict may lack keys; NULL @dc is none). */
GHashTable *stas_tid_cid_from_dlpe(GHashTable *dlpe, GHashTable *dc);
/* Appends a reference to each TID of @from to @to. */
void stas_tid_list_append(GPtrArray *to, const GPtrArray *from);
/* TRUE when two char* -> char* tables have the same keys and values. */
gboolean stas_dict_equal(GHashTable *a, GHashTable *b);
/* TRUE when both have the same auxiliary (cfg) keys and values. */
gboolean stas_tid_cfg_equal(const StasTid *a, const StasTid *b);
