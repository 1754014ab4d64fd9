// SPDX-License-Identifier: Apache-2.0
/*
 * The kernel's view of nvme controllers: a libudev monitor of the "nvme"
 * subsystem driven by a GMainContext, and sysfs readers that classify
 * existing controllers and decide whether one can be adopted (SPEC §6.5).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <glib-unix.h>
#include <libudev.h>
#include <netinet/in.h>
#include <string.h>

#include "stas/udev.h"

#define WKNQN "nqn.2014-08.org.nvmexpress.discovery"

/* Large enough to ride out a burst of events (hundreds of controllers
 * reconnecting at once) while the main loop is busy; the kernel clamps it
 * to net.core.rmem_max unless we hold CAP_NET_ADMIN. */
#define RECEIVE_BUFFER_SIZE (128 * 1024 * 1024)
/* A run of failed receives this long means the socket is in a state we
 * cannot drain; give the main loop back rather than spin. */
#define MAX_FAILED_RECEIVES 64

struct _StasUdev {
	struct udev *udev;
	struct udev_monitor *monitor;
	GSource *source;
	StasUeventFunc on_event;
	StasUdevResyncFunc on_resync;
	gpointer user_data;
	gint64 next_error_log; /* monotonic time before which errors are only counted */
	guint errors_unlogged;
	gboolean dispatching;
	gboolean free_pending; /* freed from a callback: finish the dispatch first */
};

/* ---------------------------------------------------------------- monitor */

/* STAS_UDEV_RCVBUF (bytes) lets fault-injection tests force an overflow with a
 * tiny buffer; anything that is not a positive number is ignored. */
static int receive_buffer_size(void)
{
	const char *text = g_getenv("STAS_UDEV_RCVBUF");
	guint64 size;

	if (text && g_ascii_string_to_unsigned(text, 10, 1, G_MAXINT, &size, NULL))
		return (int)size;
	return RECEIVE_BUFFER_SIZE;
}

static void udev_destroy(StasUdev *self)
{
	if (self->source) {
		g_source_destroy(self->source);
		g_source_unref(self->source);
	}
	if (self->monitor)
		udev_monitor_unref(self->monitor);
	if (self->udev)
		udev_unref(self->udev);
	g_free(self);
}

void stas_udev_free(StasUdev *self)
{
	if (!self)
		return;
	/* The owner may drop us from on_event (e.g. while shutting down); the
	 * dispatch loop still holds self, so let it finish the teardown. */
	if (self->dispatching) {
		self->free_pending = TRUE;
		return;
	}
	udev_destroy(self);
}

/* Receive errors come in bursts: one line every 2 s is enough to notice. */
static void log_receive_error(StasUdev *self, int err)
{
	gint64 now = g_get_monotonic_time();

	self->errors_unlogged++;
	if (now < self->next_error_log)
		return;
	g_debug("udev monitor: receive failed: %s (%u error(s) since the last report)", g_strerror(err),
		self->errors_unlogged);
	self->errors_unlogged = 0;
	self->next_error_log = now + 2 * G_USEC_PER_SEC;
}

static void deliver(StasUdev *self, struct udev_device *device)
{
	g_autoptr(GHashTable) properties = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	const char *action = udev_device_get_action(device);
	const char *sysname = udev_device_get_sysname(device);
	struct udev_list_entry *entry;
	StasUevent event;

	udev_list_entry_foreach(entry, udev_device_get_properties_list_entry(device))
	{
		const char *value = udev_list_entry_get_value(entry);

		g_hash_table_insert(properties, g_strdup(udev_list_entry_get_name(entry)),
				    g_strdup(value ? value : ""));
	}
	/* Everything in @event lives only for the duration of the call. */
	event.action = action ? action : "";
	event.sysname = sysname ? sysname : "";
	event.properties = properties;
	if (self->on_event)
		self->on_event(&event, self->user_data);
}

static gboolean on_readable(gint fd, GIOCondition condition, gpointer user_data)
{
	StasUdev *self = user_data;
	gboolean overflowed = FALSE;
	guint failures = 0;

	self->dispatching = TRUE;
	/* Drain everything queued: the socket only wakes us once per batch,
	 * and the fd is non-blocking so the last receive returns EAGAIN. */
	while (!self->free_pending && failures < MAX_FAILED_RECEIVES) {
		struct udev_device *device;

		errno = 0;
		device = udev_monitor_receive_device(self->monitor);
		if (device) {
			failures = 0;
			deliver(self, device);
			udev_device_unref(device);
			continue;
		}
		if (errno == 0 || errno == EAGAIN || errno == EWOULDBLOCK)
			break;
		failures++;
		/* The kernel dropped events because the socket was full: the
		 * error is reported once, then the queued events follow. */
		if (errno == ENOBUFS)
			overflowed = TRUE;
		else if (errno != EINTR)
			log_receive_error(self, errno);
	}
	/* Resync after the queue is drained, so the owner reads sysfs once
	 * and no stale queued event arrives after its fresh view. */
	if (overflowed && !self->free_pending) {
		g_debug("udev monitor: events were lost, resynchronizing");
		if (self->on_resync)
			self->on_resync(self->user_data);
	}
	self->dispatching = FALSE;
	if (self->free_pending) {
		udev_destroy(self);
		return G_SOURCE_REMOVE;
	}
	return G_SOURCE_CONTINUE;
}

StasUdev *stas_udev_new(GMainContext *context, StasUeventFunc on_event, StasUdevResyncFunc on_resync,
			gpointer user_data, GError **error)
{
	g_autoptr(StasUdev) self = g_new0(StasUdev, 1);
	g_autoptr(GError) local = NULL;
	int fd, rc;

	self->on_event = on_event;
	self->on_resync = on_resync;
	self->user_data = user_data;

	self->udev = udev_new();
	if (!self->udev) {
		int err = errno ? errno : ENOMEM;

		g_set_error(error, G_IO_ERROR, g_io_error_from_errno(err), "udev_new: %s", g_strerror(err));
		return NULL;
	}
	/* The "udev" group: events after udevd processed them, so the
	 * properties carry everything rules added, as pyudev saw them. */
	self->monitor = udev_monitor_new_from_netlink(self->udev, "udev");
	if (!self->monitor) {
		int err = errno ? errno : EINVAL;

		g_set_error(error, G_IO_ERROR, g_io_error_from_errno(err), "cannot create a udev monitor: %s",
			    g_strerror(err));
		return NULL;
	}
	rc = udev_monitor_filter_add_match_subsystem_devtype(self->monitor, "nvme", NULL);
	if (rc < 0) {
		g_set_error(error, G_IO_ERROR, g_io_error_from_errno(-rc), "cannot filter udev events: %s",
			    g_strerror(-rc));
		return NULL;
	}
	rc = udev_monitor_set_receive_buffer_size(self->monitor, receive_buffer_size());
	if (rc < 0)
		g_debug("udev monitor: keeping the default receive buffer: %s", g_strerror(-rc));
	rc = udev_monitor_enable_receiving(self->monitor);
	if (rc < 0) {
		g_set_error(error, G_IO_ERROR, g_io_error_from_errno(-rc), "cannot listen to udev events: %s",
			    g_strerror(-rc));
		return NULL;
	}
	fd = udev_monitor_get_fd(self->monitor);
	/* libudev opens it non-blocking already; the drain loop relies on it. */
	if (!g_unix_set_fd_nonblocking(fd, TRUE, &local)) {
		g_propagate_prefixed_error(error, g_steal_pointer(&local), "udev monitor: ");
		return NULL;
	}

	self->source = g_unix_fd_source_new(fd, G_IO_IN | G_IO_ERR);
	/* High priority: the receive buffer is finite, timers can wait. */
	g_source_set_priority(self->source, G_PRIORITY_HIGH);
	g_source_set_callback(self->source, G_SOURCE_FUNC(on_readable), self, NULL);
	g_source_set_name(self->source, "stas udev monitor");
	g_source_attach(self->source, context);
	return g_steal_pointer(&self);
}

/* ------------------------------------------------------------------ sysfs */

/* Names come from udev events and D-Bus callers; never let one walk out
 * of the class directory. */
static gboolean valid_name(const char *name)
{
	return name && *name && !strchr(name, '/') && !g_str_equal(name, ".") && !g_str_equal(name, "..");
}

static char *ctrl_path(const char *sysfs_root, const char *sysname, const char *attr)
{
	return g_build_filename(sysfs_root ? sysfs_root : "/sys", "class", "nvme", sysname, attr, NULL);
}

static gboolean ctrl_exists(const char *sysfs_root, const char *sysname)
{
	g_autofree char *dir = NULL;

	if (!valid_name(sysname))
		return FALSE;
	dir = ctrl_path(sysfs_root, sysname, NULL);
	return g_file_test(dir, G_FILE_TEST_IS_DIR);
}

/* An attribute with surrounding white space removed (sysfs values end in
 * a newline), or NULL when it cannot be read. */
static char *read_attr(const char *sysfs_root, const char *sysname, const char *attr)
{
	g_autofree char *path = NULL;
	char *contents = NULL;

	if (!valid_name(sysname) || !valid_name(attr))
		return NULL;
	path = ctrl_path(sysfs_root, sysname, attr);
	if (!g_file_get_contents(path, &contents, NULL, NULL))
		return NULL;
	return g_strstrip(contents);
}

char *stas_udev_ctrl_attr(const char *sysfs_root, const char *sysname, const char *attr)
{
	g_autofree char *value = read_attr(sysfs_root, sysname, attr);

	if (!value)
		return NULL;
	/* What the kernel prints for a string it could not reach. */
	if (g_str_equal(value, "(efault)"))
		*value = '\0';
	/* The kernel copies Identify strings (model, serial) byte for byte: a DC may
	 * put anything there, and every reader of these values wants text. */
	return g_utf8_make_valid(value, -1);
}

/* The kernel writes "none" for options that were not given. */
static const char *none_as_empty(const char *value)
{
	return !value || g_ascii_strcasecmp(value, "none") == 0 ? "" : value;
}

static char *cid_attr(const char *sysfs_root, const char *sysname, const char *attr)
{
	g_autofree char *value = stas_udev_ctrl_attr(sysfs_root, sysname, attr);

	return g_strdup(none_as_empty(value));
}

/* The uevent attribute replays the kernel's uevent variables, including
 * the NVME_TR* ones nvme_class_uevent() adds, without asking udevd. */
static GHashTable *read_uevent(const char *sysfs_root, const char *sysname)
{
	GHashTable *vars = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	g_autofree char *text = read_attr(sysfs_root, sysname, "uevent");
	g_auto(GStrv) lines = g_strsplit(text ? text : "", "\n", -1);

	for (guint i = 0; lines[i]; i++) {
		char *eq = strchr(lines[i], '=');

		if (!eq)
			continue;
		*eq = '\0';
		g_hash_table_insert(vars, g_strdup(lines[i]), g_strdup(eq + 1));
	}
	return vars;
}

/* The value of @key in a "k1=v1,k2=v2" attribute, or "". */
static char *value_in_list(const char *list, const char *key)
{
	g_auto(GStrv) items = g_strsplit(list ? list : "", ",", -1);
	gsize key_len = strlen(key);

	for (guint i = 0; items[i]; i++) {
		const char *item = items[i];

		while (g_ascii_isspace(*item))
			item++;
		if (strncmp(item, key, key_len) == 0 && item[key_len] == '=')
			return g_strstrip(g_strdup(item + key_len + 1));
	}
	return g_strdup("");
}

GHashTable *stas_udev_ctrl_cid(const char *sysfs_root, const char *sysname)
{
	static const char *const props[][2] = {
		{ "transport", "NVME_TRTYPE" },	     { "traddr", "NVME_TRADDR" },
		{ "trsvcid", "NVME_TRSVCID" },	     { "host-traddr", "NVME_HOST_TRADDR" },
		{ "host-iface", "NVME_HOST_IFACE" },
	};
	g_autoptr(GHashTable) uevent = NULL;
	g_autofree char *address = NULL;
	GHashTable *cid;

	if (!ctrl_exists(sysfs_root, sysname))
		return NULL;
	uevent = read_uevent(sysfs_root, sysname);
	cid = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	for (guint i = 0; i < G_N_ELEMENTS(props); i++)
		g_hash_table_insert(cid, g_strdup(props[i][0]),
				    g_strdup(none_as_empty(g_hash_table_lookup(uevent, props[i][1]))));
	g_hash_table_insert(cid, g_strdup("subsysnqn"), cid_attr(sysfs_root, sysname, "subsysnqn"));
	g_hash_table_insert(cid, g_strdup("host-nqn"), cid_attr(sysfs_root, sysname, "hostnqn"));
	/* The connection's actual source address; in "address" since 6.1. */
	address = cid_attr(sysfs_root, sysname, "address");
	g_hash_table_insert(cid, g_strdup("src-addr"), value_in_list(address, "src_addr"));
	return cid;
}

/* Child devices (namespaces nvmeXnY, paths nvmeXcYnZ, generic ngXnY,
 * hwmon) are directories of the controller's sysfs directory, because
 * the controller has a class; every device directory has a "uevent"
 * attribute, which attribute groups such as power/ lack. This is what
 * pyudev's Device.children saw upstream. */
static gboolean has_child_devices(const char *sysfs_root, const char *sysname)
{
	g_autofree char *dir = ctrl_path(sysfs_root, sysname, NULL);
	g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
	const char *name;

	while (d && (name = g_dir_read_name(d))) {
		g_autofree char *child = g_build_filename(dir, name, NULL);
		g_autofree char *uevent = NULL;

		/* device, subsystem, ... are links to parents and classes */
		if (g_file_test(child, G_FILE_TEST_IS_SYMLINK) || !g_file_test(child, G_FILE_TEST_IS_DIR))
			continue;
		uevent = g_build_filename(child, "uevent", NULL);
		if (g_file_test(uevent, G_FILE_TEST_IS_REGULAR))
			return TRUE;
	}
	return FALSE;
}

/* cntrltype (kernel 5.18+) is authoritative when present. Only older
 * kernels need the "no children" guess, which takes an I/O controller
 * without namespaces for a DC; with cntrltype known, an IOC that has no
 * namespace yet must not be adopted as a DC on a shared port. */
gboolean stas_udev_is_dc_device(const char *sysfs_root, const char *sysname)
{
	g_autofree char *subsysnqn = NULL;
	g_autofree char *cntrltype = NULL;

	if (!ctrl_exists(sysfs_root, sysname))
		return FALSE;
	subsysnqn = read_attr(sysfs_root, sysname, "subsysnqn");
	if (subsysnqn && g_str_equal(subsysnqn, WKNQN))
		return TRUE;
	cntrltype = read_attr(sysfs_root, sysname, "cntrltype");
	if (cntrltype && *cntrltype)
		return g_str_equal(cntrltype, "discovery");
	return !has_child_devices(sysfs_root, sysname);
}

gboolean stas_udev_is_ioc_device(const char *sysfs_root, const char *sysname)
{
	g_autofree char *cntrltype = NULL;

	if (!ctrl_exists(sysfs_root, sysname))
		return FALSE;
	cntrltype = read_attr(sysfs_root, sysname, "cntrltype");
	if (cntrltype && *cntrltype)
		return g_str_equal(cntrltype, "io");
	return has_child_devices(sysfs_root, sysname);
}

/* nvme2 before nvme10: instance order, not directory or string order. */
static gint compare_ctrl_names(gconstpointer pa, gconstpointer pb)
{
	const char *a = *(const char *const *)pa, *b = *(const char *const *)pb;
	guint64 na = 0, nb = 0;
	gboolean ha = g_str_has_prefix(a, "nvme") &&
		      g_ascii_string_to_unsigned(a + 4, 10, 0, G_MAXUINT64, &na, NULL);
	gboolean hb = g_str_has_prefix(b, "nvme") &&
		      g_ascii_string_to_unsigned(b + 4, 10, 0, G_MAXUINT64, &nb, NULL);

	if (ha && hb && na != nb)
		return na < nb ? -1 : 1;
	if (ha != hb)
		return ha ? -1 : 1;
	return strcmp(a, b);
}

GPtrArray *stas_udev_list_ctrls(const char *sysfs_root)
{
	GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
	g_autofree char *dir = g_build_filename(sysfs_root ? sysfs_root : "/sys", "class", "nvme", NULL);
	g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
	const char *name;

	while (d && (name = g_dir_read_name(d))) {
		if (*name != '.')
			g_ptr_array_add(names, g_strdup(name));
	}
	g_ptr_array_sort(names, compare_ctrl_names);
	return names;
}

/* ------------------------------------------------------------- matching */

static const char *cid_get(GHashTable *cid, const char *key)
{
	const char *value = g_hash_table_lookup(cid, key);

	return value ? value : "";
}

/* Addresses that both parse compare as IP; anything else (empty, names)
 * compares as text, so two different non-addresses never match. */
static gboolean addr_equal(const char *a, const char *b)
{
	if (stas_ip_family(a) != G_SOCKET_FAMILY_INVALID && stas_ip_family(b) != G_SOCKET_FAMILY_INVALID)
		return stas_ip_equal(a, b);
	return g_str_equal(a, b);
}

/* The family @text compares in: an IPv4-mapped IPv6 address is IPv4. */
static GSocketFamily compare_family(const char *text)
{
	GSocketFamily family = stas_ip_family(text);
	struct in6_addr a6;

	if (family == G_SOCKET_FAMILY_IPV6) {
		g_autofree char *bare = g_strndup(text, strcspn(text, "%"));

		if (inet_pton(AF_INET6, bare, &a6) == 1 && IN6_IS_ADDR_V4MAPPED(&a6))
			return G_SOCKET_FAMILY_IPV4;
	}
	return family;
}

/* Taking a snapshot costs a netlink dump: only when a rule needs one. */
static const StasIfaces *need_ifaces(const StasIfaces *given, StasIfaces **own)
{
	if (given)
		return given;
	if (!*own)
		*own = stas_ifaces_snapshot();
	return *own;
}

/* Kernels before 6.1 do not tell which source address a connection uses,
 * so infer it from what the connection was created with; when that says
 * nothing, assume a match rather than open a duplicate connection. */
static gboolean tcp_host_matches_legacy(GHashTable *cid, const StasTid *tid, const StasIfaces *ifaces)
{
	const char *host_traddr = stas_tid_host_traddr(tid);
	const char *host_iface = stas_tid_host_iface(tid);
	const char *cid_traddr = cid_get(cid, "host-traddr");
	const char *cid_iface = cid_get(cid, "host-iface");
	gboolean cid_has_traddr = stas_ip_family(cid_traddr) != G_SOCKET_FAMILY_INVALID;
	g_autoptr(StasIfaces) own = NULL;

	if (*host_traddr) {
		if (cid_has_traddr) {
			if (!stas_ip_equal(host_traddr, cid_traddr))
				return FALSE;
		} else if (*cid_iface) {
			/* Without host-traddr the kernel used the interface's
			 * primary address of the destination's family. */
			GSocketFamily family = compare_family(host_traddr);
			const char *primary = NULL;

			if (family != G_SOCKET_FAMILY_INVALID)
				primary = stas_ifaces_primary(need_ifaces(ifaces, &own), cid_iface, family);
			if (primary && !stas_ip_equal(primary, host_traddr))
				return FALSE;
		} else {
			g_debug("%s: existing connection has no host-traddr nor host-iface; assuming it "
				"matches",
				stas_tid_to_string(tid));
		}
	}

	if (*host_iface) {
		if (*cid_iface) {
			if (!g_str_equal(host_iface, cid_iface))
				return FALSE;
		} else if (cid_has_traddr) {
			const char *owner = stas_ifaces_owner(need_ifaces(ifaces, &own), cid_traddr);

			if (!owner || !g_str_equal(host_iface, owner))
				return FALSE;
		} else {
			g_debug("%s: existing connection has no host-traddr nor host-iface; assuming it "
				"matches",
				stas_tid_to_string(tid));
		}
	}
	return TRUE;
}

static gboolean tcp_host_matches(GHashTable *cid, const StasTid *tid, const StasIfaces *ifaces)
{
	const char *host_traddr = stas_tid_host_traddr(tid);
	const char *host_iface = stas_tid_host_iface(tid);
	const char *src_addr = cid_get(cid, "src-addr");
	g_autoptr(StasIfaces) own = NULL;

	if (!*host_traddr && !*host_iface)
		return TRUE;
	if (stas_ip_family(src_addr) == G_SOCKET_FAMILY_INVALID)
		return tcp_host_matches_legacy(cid, tid, ifaces);

	/* src_addr is where the connection really comes from: it answers
	 * both questions, whatever the connection was created with. */
	if (*host_traddr && !stas_ip_equal(host_traddr, src_addr))
		return FALSE;
	if (*host_iface) {
		const char *owner = stas_ifaces_owner(need_ifaces(ifaces, &own), src_addr);

		if (!owner || !g_str_equal(host_iface, owner))
			return FALSE;
	}
	return TRUE;
}

gboolean stas_udev_cid_matches(GHashTable *cid, const StasTid *tid, const StasIfaces *ifaces)
{
	const char *transport, *subsysnqn;
	gboolean ip_transport;

	if (!cid || !tid)
		return FALSE;
	transport = stas_tid_transport(tid);
	if (!g_str_equal(transport, cid_get(cid, "transport")) ||
	    !g_str_equal(stas_tid_trsvcid(tid), cid_get(cid, "trsvcid")) ||
	    !g_str_equal(stas_tid_host_nqn(tid), cid_get(cid, "host-nqn")))
		return FALSE;

	/* TP8013: a DC reached with the well-known NQN may report its own. */
	subsysnqn = stas_tid_subsysnqn(tid);
	if (!g_str_equal(subsysnqn, WKNQN) && !g_str_equal(subsysnqn, cid_get(cid, "subsysnqn")))
		return FALSE;

	ip_transport = g_str_equal(transport, "tcp") || g_str_equal(transport, "rdma");
	if (ip_transport ? !addr_equal(stas_tid_traddr(tid), cid_get(cid, "traddr"))
			 : g_ascii_strcasecmp(stas_tid_traddr(tid), cid_get(cid, "traddr")) != 0)
		return FALSE;

	if (g_str_equal(transport, "tcp"))
		return tcp_host_matches(cid, tid, ifaces);
	if (g_str_equal(transport, "fc")) /* host-traddr is mandatory for fc */
		return g_ascii_strcasecmp(stas_tid_host_traddr(tid), cid_get(cid, "host-traddr")) == 0;
	if (g_str_equal(transport, "rdma") && *stas_tid_host_traddr(tid))
		return addr_equal(stas_tid_host_traddr(tid), cid_get(cid, "host-traddr"));
	return TRUE;
}

/* The cheap first look of a scan: transport, address and port are all in the
 * uevent attribute, so a device that differs there costs one read. */
static gboolean uevent_may_match(const char *sysfs_root, const char *name, const StasTid *tid)
{
	g_autoptr(GHashTable) uevent = read_uevent(sysfs_root, name);
	const char *transport = stas_tid_transport(tid);
	const char *traddr = none_as_empty(g_hash_table_lookup(uevent, "NVME_TRADDR"));

	if (!g_str_equal(transport, none_as_empty(g_hash_table_lookup(uevent, "NVME_TRTYPE"))) ||
	    !g_str_equal(stas_tid_trsvcid(tid), none_as_empty(g_hash_table_lookup(uevent, "NVME_TRSVCID"))))
		return FALSE;
	if (g_str_equal(transport, "tcp") || g_str_equal(transport, "rdma"))
		return addr_equal(stas_tid_traddr(tid), traddr);
	return g_ascii_strcasecmp(stas_tid_traddr(tid), traddr) == 0;
}

char *stas_udev_find_free_ctrl(const char *sysfs_root, const StasTid *tid, gboolean discovery,
			       const StasIfaces *ifaces, gboolean (*owned)(const char *device, gpointer data),
			       gpointer owned_data)
{
	g_autoptr(GPtrArray) names = stas_udev_list_ctrls(sysfs_root);
	g_autoptr(StasIfaces) own = NULL;
	g_autofree char *wildcard = NULL;

	g_return_val_if_fail(tid, NULL);
	/* One snapshot for the whole scan instead of one per controller. */
	if (!ifaces && g_str_equal(stas_tid_transport(tid), "tcp") &&
	    (*stas_tid_host_traddr(tid) || *stas_tid_host_iface(tid)))
		ifaces = need_ifaces(NULL, &own);

	for (guint i = 0; i < names->len; i++) {
		const char *name = g_ptr_array_index(names, i);
		g_autoptr(GHashTable) cid = NULL;

		if (!uevent_may_match(sysfs_root, name, tid))
			continue;
		cid = stas_udev_ctrl_cid(sysfs_root, name);
		if (!cid || !stas_udev_cid_matches(cid, tid, ifaces))
			continue;
		if (!(discovery ? stas_udev_is_dc_device(sysfs_root, name)
				: stas_udev_is_ioc_device(sysfs_root, name)))
			continue;
		if (owned && owned(name, owned_data))
			continue;
		if (g_str_equal(cid_get(cid, "subsysnqn"), stas_tid_subsysnqn(tid)))
			return g_strdup(name);
		if (!wildcard)
			wildcard = g_strdup(name);
	}
	return g_steal_pointer(&wildcard);
}

char *stas_udev_find_ctrl(const char *sysfs_root, const StasTid *tid, gboolean discovery,
			  const StasIfaces *ifaces)
{
	return stas_udev_find_free_ctrl(sysfs_root, tid, discovery, ifaces, NULL, NULL);
}

StasTid *stas_udev_ctrl_tid(const char *sysfs_root, const char *sysname, const StasIfaces *ifaces,
			    gboolean ignore_iface)
{
	g_autoptr(GHashTable) cid = stas_udev_ctrl_cid(sysfs_root, sysname);
	g_autoptr(StasIfaces) own = NULL;
	const char *src_addr;

	if (!cid)
		return NULL;
	/* The kernel records host-iface only when it was asked for one; the
	 * source address still tells which interface the connection uses. */
	src_addr = cid_get(cid, "src-addr");
	if (!ignore_iface && g_str_equal(cid_get(cid, "transport"), "tcp") && !*cid_get(cid, "host-iface") &&
	    *src_addr) {
		const char *owner = stas_ifaces_owner(need_ifaces(ifaces, &own), src_addr);

		g_hash_table_insert(cid, g_strdup("host-iface"), g_strdup(owner ? owner : ""));
	}
	/* The cid always has host-nqn, so no system Host NQN is needed. */
	return stas_tid_new(cid, NULL, ignore_iface);
}
