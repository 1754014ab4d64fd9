/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Local network interfaces and their addresses (SPEC §6.5.1), and IP
 * address helpers: comparison as addresses (IPv4-mapped IPv6 equals IPv4),
 * family checks for ip-family.
 */
#pragma once

#include <gio/gio.h>

typedef struct _StasIfaces StasIfaces;

/* A snapshot of interface name -> addresses in kernel order (getifaddrs). */
StasIfaces *stas_ifaces_snapshot(void);
/* For tests: build a snapshot by hand. */
StasIfaces *stas_ifaces_new(void);
void stas_ifaces_add(StasIfaces *ifaces, const char *ifname, const char *address);
void stas_ifaces_free(StasIfaces *ifaces);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(StasIfaces, stas_ifaces_free)

/* Name of the first interface that has @address, or NULL (an IPv6 "%scope"
 * naming an interface that has the address picks that one). */
const char *stas_ifaces_owner(const StasIfaces *ifaces, const char *address);
/* First address of @family (G_SOCKET_FAMILY_IPV4/IPV6) on @ifname, or NULL. */
const char *stas_ifaces_primary(const StasIfaces *ifaces, const char *ifname, GSocketFamily family);
/* Interface index by name, 0 when unknown. */
guint stas_iface_index(const char *ifname);

/* IP helpers. Return FALSE / G_SOCKET_FAMILY_INVALID for text that is not an IP literal.
 * IPv6 may carry a "%scope" suffix; a missing scope matches any scope. */
gboolean stas_ip_equal(const char *a, const char *b);
GSocketFamily stas_ip_family(const char *text);
/* The one spelling of an IP literal: lower case, shortest IPv6 form, IPv4-mapped
 * IPv6 as IPv4, "%scope" kept; NULL when @text is not an IP literal. */
char *stas_ip_canonical(const char *text);
