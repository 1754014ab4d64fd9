/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What both daemons' D-Bus services need: the caller's uid (secrets are for
 * root only), a{ss} dictionaries (JSON ones are json.h's), and the lookup of a
 * controller from the seven transport-identifier strings of a call.
 */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "stas/json.h"
#include "stas/tid.h"

/* Asks the bus for the uid of the caller of @invocation, then calls @func
 * with @invocation (still owned by the caller of this function's result)
 * and whether the caller is root. Never blocks. */
typedef void (*StasCallerFunc)(GDBusMethodInvocation *invocation, gboolean root, gpointer data);
void stas_dbus_caller_async(GDBusMethodInvocation *invocation, StasCallerFunc func, gpointer data);
/* The same, synchronously (property writes, which GDBus answers at once);
 * FALSE when the uid cannot be told. */
gboolean stas_dbus_sender_is_root(GDBusConnection *bus, const char *sender);

/* a{ss} from a char* -> char* table (sorted keys). */
GVariant *stas_dbus_dict(GHashTable *dict);

/* The TID of a get_log_pages / controller_info call (SPEC §3.4): an empty
 * trsvcid becomes the transport's default, host_nqn is used as given. */
StasTid *stas_dbus_tid(const char *transport, const char *traddr, const char *trsvcid, const char *subsysnqn,
		       const char *host_traddr, const char *host_iface, const char *host_nqn,
		       gboolean ignore_iface);

/* The object's introspection XML (for --idl). */
char *stas_dbus_introspection_xml(GDBusInterfaceInfo *const *interfaces);
