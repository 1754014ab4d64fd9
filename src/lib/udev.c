// SPDX-License-Identifier: Apache-2.0
/*
 * A libudev monitor of the "nvme" subsystem driven by a GMainContext: a large
 * receive buffer, a drain to EAGAIN per wake-up, and a resync request to the
 * owner when the kernel reports lost events (ENOBUFS).
 */
#include <errno.h>
#include <glib-unix.h>
#include <libudev.h>
#include <string.h>

#include "stas/udev.h"

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
