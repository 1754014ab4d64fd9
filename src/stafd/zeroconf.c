// SPDX-License-Identifier: Apache-2.0
/*
 * mDNS discovery of Discovery Controllers with avahi-client on the GLib main
 * loop. The client is created with AVAHI_CLIENT_NO_FAIL, so a missing
 * avahi-daemon is waited for rather than fatal; when the daemon goes away
 * the client is re-created and browsing resumes by itself once it is back.
 * Each resolved service is probed with a TCP connect bound to its interface
 * before stafd connects to it (a DC can be advertised on a link it is not
 * reachable from); failed probes are retried on a back-off.
 */
#include <string.h>
#include <avahi-client/client.h>
#include <avahi-client/lookup.h>
#include <avahi-common/error.h>
#include <avahi-glib/glib-watch.h>
#include <gio/gio.h>
#include <glib-unix.h>
#include <net/if.h>
#include <unistd.h>

#include "mdns.h"
#include "stas/probe.h"
#include "stas/log.h"
#include "zeroconf.h"

static const char *const service_types[] = { "_nvme-disc._tcp", "_nvme-disc._udp" };

typedef struct {
	StasZeroconf *zc;
	char *id;  /* the table key: interface index, protocol, name, type, domain */
	char *key; /* for people: "(eth0, IPv4, name.local, _nvme-disc._tcp)" */
	AvahiIfIndex interface;
	AvahiProtocol protocol;
	char *name, *type, *domain, *ifname;
	AvahiServiceResolver *resolver;
	GHashTable *cid; /* identity once resolved with a known protocol */
	gboolean reachable;
	gboolean protocol_error_logged;
	gboolean probe_failure_logged;
	StasBackoff backoff;
	int probe_fd; /* -1 = no probe */
	GSource *probe_source;
	guint retry_id;
} MdnsService;

struct _StasZeroconf {
	AvahiGLibPoll *glib_poll;
	AvahiClient *client;
	guint recreate_id;
	GHashTable *browsers; /* type -> AvahiServiceBrowser* */
	GHashTable *services; /* id -> MdnsService* */
	gboolean enabled;
	gboolean tp8013;
	gboolean available;
	gboolean said_unavailable;
	void (*changed)(gpointer data);
	gpointer data;
};

static void changed(StasZeroconf *zc)
{
	zc->changed(zc->data);
}

/* ---------------------------------------------------------------- probes */

static void probe_stop(MdnsService *s)
{
	if (s->probe_source) {
		g_source_destroy(s->probe_source);
		g_clear_pointer(&s->probe_source, g_source_unref);
	}
	if (s->probe_fd >= 0)
		close(s->probe_fd);
	s->probe_fd = -1;
	g_clear_handle_id(&s->retry_id, g_source_remove);
}

static void probe_start(MdnsService *s);

static gboolean on_probe_retry(gpointer data)
{
	MdnsService *s = data;

	s->retry_id = 0;
	probe_start(s);
	return G_SOURCE_REMOVE;
}

static void probe_done(MdnsService *s, const GError *error)
{
	const char *traddr = g_hash_table_lookup(s->cid, "traddr");
	const char *trsvcid = g_hash_table_lookup(s->cid, "trsvcid");

	probe_stop(s);
	if (!error) {
		stas_info("%s - %s:%s is reachable", s->key, traddr, trsvcid);
		s->reachable = TRUE;
		changed(s->zc);
		return;
	}
	/* Once per resolution: a DC that stays unreachable is not news. */
	if (!s->probe_failure_logged)
		stas_info("%s - %s:%s is not reachable through %s: %s", s->key, traddr, trsvcid, s->ifname,
			  error->message);
	s->probe_failure_logged = TRUE;
	s->retry_id = g_timeout_add_seconds(stas_backoff_next(&s->backoff), on_probe_retry, s);
}

static gboolean on_probe_writable(gint fd, GIOCondition condition, gpointer data)
{
	MdnsService *s = data;
	g_autoptr(GError) error = NULL;

	stas_tcp_probe_result(fd, &error);
	probe_done(s, error);
	return G_SOURCE_REMOVE;
}

/* The probe of probe.h through the interface the DC was seen on (which also
 * makes IPv6 link-local addresses usable), waited for on the main loop. */
static void probe_start(MdnsService *s)
{
	g_autoptr(GError) error = NULL;
	gboolean pending = FALSE;

	probe_stop(s);
	s->probe_fd = stas_tcp_probe_begin(g_hash_table_lookup(s->cid, "traddr"),
					   g_hash_table_lookup(s->cid, "trsvcid"), s->ifname, NULL, &pending,
					   &error);
	if (s->probe_fd < 0 || !pending) {
		probe_done(s, error);
		return;
	}
	s->probe_source = g_unix_fd_source_new(s->probe_fd, G_IO_OUT);
	g_source_set_callback(s->probe_source, G_SOURCE_FUNC(on_probe_writable), s, NULL);
	g_source_attach(s->probe_source, NULL);
}

/* -------------------------------------------------------------- services */

static void service_free(gpointer data)
{
	MdnsService *s = data;

	probe_stop(s);
	if (s->resolver)
		avahi_service_resolver_free(s->resolver);
	g_clear_pointer(&s->cid, g_hash_table_unref);
	g_free(s->id);
	g_free(s->key);
	g_free(s->name);
	g_free(s->type);
	g_free(s->domain);
	g_free(s->ifname);
	g_free(s);
}

static char *service_key(const char *ifname, AvahiProtocol protocol, const char *name, const char *type,
			 const char *domain)
{
	return g_strdup_printf("(%s, %s, %s.%s, %s)", ifname, protocol == AVAHI_PROTO_INET6 ? "IPv6" : "IPv4",
			       name, domain, type);
}

static char *service_id(AvahiIfIndex interface, AvahiProtocol protocol, const char *name, const char *type,
			const char *domain)
{
	return stas_mdns_service_id(interface, protocol == AVAHI_PROTO_INET6, name, type, domain);
}

static char *interface_name(AvahiIfIndex interface)
{
	char buf[IF_NAMESIZE] = "";

	return g_strdup(interface > 0 && if_indextoname(interface, buf) ? buf : "");
}

/* The same address on two interfaces: two hosts cannot both own it. */
static void check_duplicate_addresses(StasZeroconf *zc)
{
	g_autoptr(GHashTable) seen = g_hash_table_new(g_str_hash, g_str_equal);
	GHashTableIter iter;
	gpointer value;

	g_hash_table_iter_init(&iter, zc->services);
	while (g_hash_table_iter_next(&iter, NULL, &value)) {
		MdnsService *s = value;
		const char *traddr = s->cid ? g_hash_table_lookup(s->cid, "traddr") : NULL;
		const char *other;

		if (!traddr || !*s->ifname)
			continue;
		other = g_hash_table_lookup(seen, traddr);
		if (other && !g_str_equal(other, s->ifname))
			stas_err("Address %s is advertised on interfaces %s and %s: the network is "
				 "misconfigured",
				 traddr, other, s->ifname);
		else
			g_hash_table_insert(seen, (gpointer)traddr, s->ifname);
	}
}

static void on_resolved(AvahiServiceResolver *r, AvahiIfIndex interface, AvahiProtocol protocol,
			AvahiResolverEvent event, const char *name, const char *type, const char *domain,
			const char *host, const AvahiAddress *address, uint16_t port, AvahiStringList *txt,
			AvahiLookupResultFlags flags, void *data)
{
	MdnsService *s = data;
	char text[AVAHI_ADDRESS_STR_MAX] = "";
	g_autoptr(GHashTable) items = NULL;
	g_autofree char *why = NULL;
	GHashTable *cid;

	if (event == AVAHI_RESOLVER_FAILURE) {
		int err = avahi_client_errno(s->zc->client);

		/* Timeouts are normal: the service went away meanwhile. */
		if (err != AVAHI_ERR_TIMEOUT)
			stas_err("%s - Cannot resolve: %s", s->key, avahi_strerror(err));
		return;
	}
	avahi_address_snprint(text, sizeof(text), address);
	items = stas_mdns_txt_parse(txt);
	cid = stas_mdns_identity(items, text, port, s->ifname, s->zc->tp8013, &why);
	if (!cid) {
		if (!s->protocol_error_logged)
			stas_err("%s - %s at %s on %s: %s; not used", s->key, type, text,
				 *s->ifname ? s->ifname : "?", why);
		s->protocol_error_logged = TRUE;
		return;
	}
	g_clear_pointer(&s->cid, g_hash_table_unref);
	s->cid = cid;
	s->reachable = FALSE;
	s->probe_failure_logged = FALSE;
	stas_debug("%s - Resolved to %s:%u", s->key, text, port);
	check_duplicate_addresses(s->zc);
	if (g_str_equal(g_hash_table_lookup(cid, "transport"), "tcp")) {
		probe_start(s);
	} else {
		s->reachable = TRUE; /* nothing to probe with */
		changed(s->zc);
	}
}

/* Services seen through an interface that has gone since (its index names
 * no interface, or another one): avahi may never withdraw them, and they
 * would stay "reachable" for ever (review-stafd #3). */
static void forget_vanished(StasZeroconf *zc)
{
	GHashTableIter iter;
	gpointer value;
	gboolean forgotten = FALSE;

	g_hash_table_iter_init(&iter, zc->services);
	while (g_hash_table_iter_next(&iter, NULL, &value)) {
		MdnsService *s = value;
		g_autofree char *now = interface_name(s->interface);

		if (s->interface > 0 && !g_str_equal(now, s->ifname)) {
			stas_info("%s - Interface gone; service forgotten", s->key);
			g_hash_table_iter_remove(&iter);
			forgotten = TRUE;
		}
	}
	if (forgotten)
		changed(zc);
}

static void service_new(StasZeroconf *zc, AvahiIfIndex interface, AvahiProtocol protocol, const char *name,
			const char *type, const char *domain)
{
	MdnsService *s = g_new0(MdnsService, 1);

	s->probe_fd = -1;
	s->zc = zc;
	s->id = service_id(interface, protocol, name, type, domain);
	s->ifname = interface_name(interface);
	s->key = service_key(s->ifname, protocol, name, type, domain);
	s->interface = interface;
	s->protocol = protocol;
	s->name = g_strdup(name);
	s->type = g_strdup(type);
	s->domain = g_strdup(domain);
	g_hash_table_insert(zc->services, s->id, s);
	stas_info("%s - Service found", s->key);
	s->resolver = avahi_service_resolver_new(zc->client, interface, protocol, name, type, domain,
						 AVAHI_PROTO_UNSPEC, 0, on_resolved, s);
	if (!s->resolver)
		stas_warn("%s - Cannot resolve: %s", s->key, avahi_strerror(avahi_client_errno(zc->client)));
}

static void on_browse(AvahiServiceBrowser *b, AvahiIfIndex interface, AvahiProtocol protocol,
		      AvahiBrowserEvent event, const char *name, const char *type, const char *domain,
		      AvahiLookupResultFlags flags, void *data)
{
	StasZeroconf *zc = data;
	g_autofree char *id = NULL;
	MdnsService *s;

	switch (event) {
	case AVAHI_BROWSER_NEW:
		/* Keyed by index, as avahi keys it: the name of an interface
		 * that is gone cannot be looked up any more. A returning
		 * interface has a new index, hence a new service and resolver. */
		forget_vanished(zc);
		id = service_id(interface, protocol, name, type, domain);
		if (g_hash_table_contains(zc->services, id))
			return;
		service_new(zc, interface, protocol, name, type, domain);
		break;
	case AVAHI_BROWSER_REMOVE:
		id = service_id(interface, protocol, name, type, domain);
		s = g_hash_table_lookup(zc->services, id);
		if (s)
			stas_info("%s - Service withdrawn", s->key);
		else
			stas_info("(%d, %s, %s.%s, %s) - Service withdrawn", interface,
				  protocol == AVAHI_PROTO_INET6 ? "IPv6" : "IPv4", name, domain, type);
		g_hash_table_remove(zc->services, id);
		/* Even for a service never seen: reconciliation sorts it out. */
		changed(zc);
		break;
	case AVAHI_BROWSER_FAILURE:
		stas_err("mDNS browsing of %s failed: %s", type,
			 avahi_strerror(avahi_client_errno(zc->client)));
		break;
	case AVAHI_BROWSER_CACHE_EXHAUSTED:
	case AVAHI_BROWSER_ALL_FOR_NOW:
		break;
	}
}

/* ---------------------------------------------------------------- browsing */

static void browser_free(gpointer data)
{
	avahi_service_browser_free(data);
}

/* Services of types no longer browsed are forgotten (no reconciliation:
 * discovered DCs are kept until they stop answering). */
static void forget_type(StasZeroconf *zc, const char *type)
{
	GHashTableIter iter;
	gpointer value;

	g_hash_table_iter_init(&iter, zc->services);
	while (g_hash_table_iter_next(&iter, NULL, &value)) {
		if (!type || g_str_equal(((MdnsService *)value)->type, type))
			g_hash_table_iter_remove(&iter);
	}
}

static void update_browsers(StasZeroconf *zc)
{
	for (guint i = 0; i < G_N_ELEMENTS(service_types); i++) {
		const char *type = service_types[i];
		AvahiServiceBrowser *b;

		if (!zc->enabled || !zc->available) {
			if (g_hash_table_remove(zc->browsers, type))
				forget_type(zc, type);
			continue;
		}
		if (g_hash_table_contains(zc->browsers, type))
			continue;
		b = avahi_service_browser_new(zc->client, AVAHI_IF_UNSPEC, AVAHI_PROTO_UNSPEC, type, "local",
					      0, on_browse, zc);
		if (!b) {
			stas_warn("Cannot browse %s (%s); operating without mDNS discovery", type,
				  avahi_strerror(avahi_client_errno(zc->client)));
			continue;
		}
		g_hash_table_insert(zc->browsers, g_strdup(type), b);
	}
}

static void create_client(StasZeroconf *zc);

static gboolean on_recreate(gpointer data)
{
	StasZeroconf *zc = data;

	zc->recreate_id = 0;
	create_client(zc);
	return G_SOURCE_REMOVE;
}

static void on_client_state(AvahiClient *client, AvahiClientState state, void *data)
{
	StasZeroconf *zc = data;

	/* avahi_client_new() may call back before it returns: use @client. */
	zc->client = client;
	switch (state) {
	case AVAHI_CLIENT_S_RUNNING:
		if (!zc->available)
			stas_info("avahi-daemon service available, zeroconf supported.");
		zc->available = TRUE;
		zc->said_unavailable = FALSE;
		update_browsers(zc);
		break;
	case AVAHI_CLIENT_FAILURE:
		/* The daemon went away: everything it told us is void. The client
		 * cannot be freed from its own callback; a new one (which waits for
		 * the daemon) is made on the next loop iteration. */
		g_hash_table_remove_all(zc->services);
		g_hash_table_remove_all(zc->browsers);
		zc->available = FALSE;
		if (!zc->said_unavailable)
			stas_warn("avahi-daemon not available, zeroconf not supported.");
		zc->said_unavailable = TRUE;
		if (!zc->recreate_id)
			zc->recreate_id = g_idle_add(on_recreate, zc);
		break;
	case AVAHI_CLIENT_CONNECTING:
		if (!zc->said_unavailable)
			stas_warn("avahi-daemon not available, zeroconf not supported.");
		zc->said_unavailable = TRUE;
		break;
	case AVAHI_CLIENT_S_REGISTERING:
	case AVAHI_CLIENT_S_COLLISION:
		break;
	}
}

static void create_client(StasZeroconf *zc)
{
	int error = 0;

	if (zc->client) {
		avahi_client_free(zc->client);
		zc->client = NULL;
	}
	zc->client = avahi_client_new(avahi_glib_poll_get(zc->glib_poll), AVAHI_CLIENT_NO_FAIL,
				      on_client_state, zc, &error);
	if (!zc->client)
		stas_err("Cannot use Avahi: %s; operating without mDNS discovery", avahi_strerror(error));
}

StasZeroconf *stas_zeroconf_new(void (*changed_func)(gpointer data), gpointer data)
{
	StasZeroconf *zc = g_new0(StasZeroconf, 1);

	zc->changed = changed_func;
	zc->data = data;
	zc->glib_poll = avahi_glib_poll_new(NULL, G_PRIORITY_DEFAULT);
	zc->browsers = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, browser_free);
	zc->services = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, service_free);
	return zc;
}

void stas_zeroconf_configure(StasZeroconf *zc, gboolean enabled, gboolean tp8013)
{
	zc->enabled = enabled;
	zc->tp8013 = tp8013;
	if (enabled && !zc->client)
		create_client(zc);
	update_browsers(zc);
}

void stas_zeroconf_free(StasZeroconf *zc)
{
	if (!zc)
		return;
	g_clear_handle_id(&zc->recreate_id, g_source_remove);
	/* Resolvers and browsers belong to the client: free them first. */
	g_hash_table_unref(zc->services);
	g_hash_table_unref(zc->browsers);
	if (zc->client)
		avahi_client_free(zc->client);
	avahi_glib_poll_free(zc->glib_poll);
	g_free(zc);
}

GPtrArray *stas_zeroconf_reachable(StasZeroconf *zc)
{
	GPtrArray *out = g_ptr_array_new_with_free_func((GDestroyNotify)g_hash_table_unref);
	GHashTableIter iter;
	gpointer value;

	g_hash_table_iter_init(&iter, zc->services);
	while (g_hash_table_iter_next(&iter, NULL, &value)) {
		MdnsService *s = value;

		if (s->cid && s->reachable)
			g_ptr_array_add(out, g_hash_table_ref(s->cid));
	}
	return out;
}

static gint by_key(gconstpointer a, gconstpointer b)
{
	return g_strcmp0(((const MdnsService *)a)->key, ((const MdnsService *)b)->key);
}

void stas_zeroconf_describe(StasZeroconf *zc, JsonBuilder *b)
{
	static const char *const keys[] = { "transport", "traddr", "trsvcid", "host-iface", "subsysnqn" };
	g_autoptr(GList) services = g_list_sort(g_hash_table_get_values(zc->services), by_key);

	json_builder_set_member_name(b, "avahi");
	json_builder_begin_object(b);
	/* avahi-client waits for the daemon by itself: no wake-up timer. */
	json_builder_set_member_name(b, "avahi wake up timer");
	json_builder_add_null_value(b);
	json_builder_set_member_name(b, "service types");
	json_builder_begin_array(b);
	for (guint i = 0; i < G_N_ELEMENTS(service_types); i++) {
		if (g_hash_table_contains(zc->browsers, service_types[i]))
			json_builder_add_string_value(b, service_types[i]);
	}
	json_builder_end_array(b);
	json_builder_set_member_name(b, "services");
	json_builder_begin_object(b);
	for (GList *l = services; l; l = l->next) {
		MdnsService *s = l->data;

		json_builder_set_member_name(b, s->key);
		json_builder_begin_object(b);
		for (guint i = 0; s->cid && i < G_N_ELEMENTS(keys); i++) {
			json_builder_set_member_name(b, keys[i]);
			json_builder_add_string_value(b, g_hash_table_lookup(s->cid, keys[i]));
		}
		json_builder_set_member_name(b, "reachable");
		json_builder_add_string_value(b, s->reachable ? "True" : "False");
		json_builder_end_object(b);
	}
	json_builder_end_object(b);
	json_builder_end_object(b);
}
