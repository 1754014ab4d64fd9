// SPDX-License-Identifier: Apache-2.0
/*
 * The kernel layer on libnvme (nvme.h): every blocking call runs in a GTask worker on its own
 * private libnvme tree, and results come back to the caller's main context.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <syslog.h>
#include <unistd.h>

#include <libnvme.h>

#include "stas/dlp.h"
#include "stas/iface.h"
#include "stas/nvme.h"
#include "stas/probe.h"
#include "stas/udev.h"

/* libnvme 1.x always looks for controllers here; so must we, to agree with it. */
#define SYSFS_NVME_DIR "/sys/class/nvme"

/* Negative statuses come with errno, as libnvme reports them: call this right after the
 * command, before anything else can change errno. */
char *stas_nvme_status_text(int status, guint32 result)
{
	int code = errno;

	if (status < 0)
		return g_strdup_printf("Status:0x%04x - %s", (guint)status, g_strerror(code));
	return g_strdup_printf("Result:0x%04x, Status:0x%04x - %s", result, (guint)status,
			       nvme_status_to_string(status, false));
}

/* ------------------------------------------------------------ the kernel object */

typedef struct {
	StasKernel parent;
	/* libnvme log level for the trees workers create; read atomically because
	 * set_trace may change it while workers run. */
	gint log_level;
	StasKernelSupport support; /* probed once at creation, read-only afterwards */
	StasSysfsIndex *index;	   /* main thread only: find_existing */
	GThreadPool *connect_lane; /* the workers of connects (CONNECT_LANE_THREADS) */
} NvmeKernel;

/* The kernel creates one controller at a time (nvmf_dev_mutex), so more connect workers
 * only wait: with hundreds to connect, GLib's shared pool would grow a thread per waiting
 * connect (its stack and malloc arena stay in the daemon's RSS). Two keep the next request
 * ready while the kernel works on one; other operations keep the shared pool. */
#define CONNECT_LANE_THREADS 2

/* The inputs of one operation, copied: the worker never sees the caller's memory, and holds a
 * reference on the kernel so that freeing it while workers run is safe. */
typedef struct {
	NvmeKernel *kernel;
	StasKernelHost host; /* hostnqn NULL: the op has no host of its own */
	StasConnectRequest req;
	char *device;
	int lsp;
	gint64 known_genctr;		/* get_discovery_log: < 0 = read the page whole */
	StasDimTask tas;		/* dim */
	gboolean report_when_cancelled; /* the result owns something in the kernel */
} NvmeOp;

static void nvme_kernel_clear(gpointer data)
{
	NvmeKernel *k = data;

	stas_sysfs_index_free(k->index);
	/* No operation is left (each holds a reference); this may run in a lane thread,
	 * so do not wait: the lane's last thread frees it. */
	g_thread_pool_free(k->connect_lane, FALSE, FALSE);
}

static void nvme_op_free(gpointer data)
{
	NvmeOp *op = data;

	g_atomic_rc_box_release_full(op->kernel, nvme_kernel_clear);
	stas_kernel_host_clear(&op->host);
	stas_connect_request_clear(&op->req);
	g_free(op->device);
	g_free(op);
}

static NvmeOp *nvme_op_new(StasKernel *k, const StasKernelHost *host, const char *device)
{
	NvmeOp *op = g_new0(NvmeOp, 1);

	op->kernel = g_atomic_rc_box_acquire((NvmeKernel *)k);
	if (host)
		stas_kernel_host_copy(&op->host, host);
	stas_fabrics_cfg_init(&op->req.cfg);
	op->device = g_strdup(device);
	return op;
}

typedef struct {
	GTask *task;
	GTaskThreadFunc worker;
} LaneJob;

/* A lane thread runs a worker as g_task_run_in_thread would: GTask delivers the
 * result to the caller's context from any thread. */
static void lane_run(gpointer data, gpointer unused)
{
	LaneJob *job = data;

	job->worker(job->task, NULL, g_task_get_task_data(job->task), g_task_get_cancellable(job->task));
	g_object_unref(job->task);
	g_free(job);
}

/* @lane: a pool of the kernel's own (NULL: GLib's shared one). */
static void nvme_op_run_in(NvmeOp *op, GThreadPool *lane, gpointer tag, GCancellable *cancellable,
			   GAsyncReadyCallback cb, gpointer data, GTaskThreadFunc worker)
{
	g_autoptr(GTask) task = g_task_new(NULL, cancellable, cb, data);

	g_task_set_source_tag(task, tag);
	/* A connection the kernel made must reach the caller, cancelled or not: it is
	 * the caller's to disconnect (or keep). */
	g_task_set_check_cancellable(task, !op->report_when_cancelled);
	g_task_set_task_data(task, op, nvme_op_free);
	/* Cancellation does not interrupt a kernel operation once a worker started it (a connect
	 * cannot be half-undone): the operation runs to its end, and GTask's check_cancellable
	 * (on by default) then reports G_IO_ERROR_CANCELLED and frees the result. A worker that
	 * finds its task already cancelled does not start the operation at all. */
	if (lane) {
		LaneJob *job = g_new0(LaneJob, 1);

		job->task = g_object_ref(task);
		job->worker = worker;
		g_thread_pool_push(lane, job, NULL);
	} else {
		g_task_run_in_thread(task, worker);
	}
}

static void nvme_op_run(NvmeOp *op, gpointer tag, GCancellable *cancellable, GAsyncReadyCallback cb,
			gpointer data, GTaskThreadFunc worker)
{
	nvme_op_run_in(op, NULL, tag, cancellable, cb, data, worker);
}

/* ------------------------------------------------------------ worker side */

/* One worker's private libnvme tree: libnvme trees are not thread-safe, so none is shared. */
typedef struct {
	nvme_root_t root;
	nvme_host_t host;
	nvme_ctrl_t ctrl;
} NvmeSession;

static void nvme_session_free(NvmeSession *s)
{
	/* nvme_free_ctrl unlinks the controller, so it is right whether or not
	 * nvme_init_ctrl put it in the tree. */
	if (s->ctrl)
		nvme_free_ctrl(s->ctrl);
	if (s->root)
		nvme_free_tree(s->root);
	g_free(s);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NvmeSession, nvme_session_free)

static const char *nonempty(const char *s)
{
	return s && *s ? s : NULL;
}

/* libnvme's own codes (ENVME_CONNECT_*) have texts of their own; the rest are errnos. */
static const char *errno_text(int code)
{
	/* A command that failed with an NVMe status leaves errno alone. */
	if (code == 0)
		return "command failed";
	if (code >= ENVME_CONNECT_RESOLVE)
		return nvme_errno_to_string(code);
	return g_strerror(code);
}

/* A libnvme tree of its own for one operation; its messages go to @fp at @level (NULL: to stderr
 * at the kernel object's level). */
static NvmeSession *nvme_session_new_logging(NvmeKernel *k, FILE *fp, int level, const char *hostnqn,
					     const char *hostid, const char *symname, GError **error)
{
	g_autoptr(NvmeSession) s = g_new0(NvmeSession, 1);

	s->root = nvme_create_root(fp, fp ? level : g_atomic_int_get(&k->log_level));
	if (!s->root) {
		g_set_error(error, STAS_KERNEL_ERROR, STAS_KERNEL_ERROR_FAILED,
			    "Cannot create a libnvme tree: %s", g_strerror(errno));
		return NULL;
	}
	s->host = nvme_lookup_host(s->root, hostnqn ? hostnqn : "", nonempty(hostid));
	if (!s->host) {
		g_set_error(error, STAS_KERNEL_ERROR, STAS_KERNEL_ERROR_FAILED,
			    "Cannot create a libnvme host");
		return NULL;
	}
	/* DIM sends the symbolic name of the host object. */
	if (nonempty(symname))
		nvme_host_set_hostsymname(s->host, symname);
	return g_steal_pointer(&s);
}

static NvmeSession *nvme_session_new(NvmeKernel *k, const char *hostnqn, const char *hostid,
				     const char *symname, GError **error)
{
	return nvme_session_new_logging(k, NULL, 0, hostnqn, hostid, symname, error);
}

/* libnvme's messages during one operation, kept in memory: 1.13 writes them to the stream's
 * descriptor, 1.3 through the stream itself, so it is a memfd behind a stdio stream. */
typedef FILE LogCapture;
G_DEFINE_AUTOPTR_CLEANUP_FUNC(LogCapture, fclose)

static LogCapture *log_capture_open(void)
{
	int fd = memfd_create("stas-libnvme", MFD_CLOEXEC);
	FILE *fp;

	if (fd < 0)
		return NULL;
	fp = fdopen(fd, "w+");
	if (!fp)
		close(fd);
	return fp;
}

/* What has been written to @fp so far. */
static char *log_capture_text(LogCapture *fp)
{
	GString *text = g_string_new(NULL);
	char buf[512];
	ssize_t n;
	off_t at = 0;

	fflush(fp);
	while ((n = pread(fileno(fp), buf, sizeof(buf), at)) > 0) {
		g_string_append_len(text, buf, n);
		at += n;
	}
	return g_string_free(text, FALSE);
}

/* The kernel's own reason for refusing a connect string. libnvme turns most refusals into
 * "failed to write to nvme-fabrics device" and logs the errno's text ("Failed to write to
 * /dev/nvme-fabrics: Key was rejected by service"), so it is read from that line. */
static char *kernel_refusal(const char *log)
{
	const char *line = log ? strstr(log, "Failed to write to ") : NULL;
	const char *reason, *end;

	if (!line)
		return NULL;
	end = line + strcspn(line, "\n");
	reason = g_strstr_len(line, end - line, ": ");
	if (!reason || reason + 2 >= end)
		return NULL;
	return g_strndup(reason + 2, (gsize)(end - reason - 2));
}

/* "nvme3" -> 3. Strict, since the number alone decides which device gets the operation: a
 * leading zero or sign would name another device than the caller's. */
static gboolean device_instance(const char *device, int *instance)
{
	const char *digits;
	guint64 n;

	if (!device || !g_str_has_prefix(device, "nvme"))
		return FALSE;
	digits = device + strlen("nvme");
	if (!*digits || (digits[0] == '0' && digits[1]))
		return FALSE;
	for (const char *p = digits; *p; p++) {
		if (!g_ascii_isdigit(*p))
			return FALSE;
	}
	if (!g_ascii_string_to_unsigned(digits, 10, 0, G_MAXINT, &n, NULL))
		return FALSE;
	*instance = (int)n;
	return TRUE;
}

static gboolean device_exists(const char *device)
{
	g_autofree char *path = g_build_filename(SYSFS_NVME_DIR, device, NULL);

	return g_file_test(path, G_FILE_TEST_IS_DIR);
}

/* A failure on @device: NO_DEVICE when it is gone (it may have vanished during the operation),
 * so that callers can tell "removed" from "broken". */
static void set_device_error(GError **error, const char *device, const char *what, int code)
{
	if (!device_exists(device))
		g_set_error(error, STAS_KERNEL_ERROR, STAS_KERNEL_ERROR_NO_DEVICE, "%s: no such controller",
			    device);
	else
		g_set_error(error, STAS_KERNEL_ERROR, STAS_KERNEL_ERROR_FAILED, "%s: %s: %s", device, what,
			    errno_text(code));
}

/* The value of @key in a sysfs "address" ("traddr=1.2.3.4,trsvcid=4420,src_addr=..."). */
static char *address_value(const char *address, const char *key)
{
	g_auto(GStrv) parts = g_strsplit(address ? address : "", ",", -1);
	gsize len = strlen(key);

	for (char **p = parts; *p; p++) {
		const char *part = g_strchug(*p);

		if (g_str_has_prefix(part, key) && part[len] == '=') {
			char *value = g_strstrip(g_strdup(part + len + 1));

			if (*value && !g_str_equal(value, "none"))
				return value;
			g_free(value);
		}
	}
	return NULL;
}

/* A session holding the existing controller @device: a handle made from what sysfs says of the
 * device, attached to its instance the way nvme-stas adopts connections (nvme_init_ctrl).
 * @host: the identity to attach under (DIM sends it), or NULL for the one the controller was
 * connected with. */
static NvmeSession *nvme_session_open_device(NvmeKernel *k, const StasKernelHost *host, const char *device,
					     GError **error)
{
	g_autofree char *path = NULL;
	g_autofree char *transport = NULL, *subsysnqn = NULL, *address = NULL;
	g_autofree char *traddr = NULL, *trsvcid = NULL, *host_traddr = NULL, *host_iface = NULL;
	g_autofree char *sys_hostnqn = NULL, *sys_hostid = NULL;
	g_autoptr(NvmeSession) s = NULL;
	int instance;

	if (!device_instance(device, &instance)) {
		g_set_error(error, STAS_KERNEL_ERROR, STAS_KERNEL_ERROR_FAILED,
			    "Invalid controller device name \"%s\"", device ? device : "");
		return NULL;
	}
	path = g_build_filename(SYSFS_NVME_DIR, device, NULL);
	/* nvme_get_attr returns malloc()ed text; g_free is free() since GLib 2.46. */
	transport = nvme_get_attr(path, "transport");
	subsysnqn = nvme_get_attr(path, "subsysnqn");
	address = nvme_get_attr(path, "address");
	if (!transport || !subsysnqn) {
		set_device_error(error, device, "cannot read sysfs attributes", errno ? errno : ENOENT);
		return NULL;
	}
	traddr = address_value(address, "traddr");
	trsvcid = address_value(address, "trsvcid");
	host_traddr = address_value(address, "host_traddr");
	host_iface = address_value(address, "host_iface");

	if (host && host->hostnqn) {
		s = nvme_session_new(k, host->hostnqn, host->hostid, host->symname, error);
	} else {
		sys_hostnqn = nvme_get_attr(path, "hostnqn");
		sys_hostid = nvme_get_attr(path, "hostid");
		s = nvme_session_new(k, sys_hostnqn, sys_hostid, NULL, error);
	}
	if (!s)
		return NULL;

	s->ctrl = nvme_create_ctrl(s->root, subsysnqn, transport, traddr, host_traddr, host_iface, trsvcid);
	if (!s->ctrl) {
		set_device_error(error, device, "cannot create a controller handle", errno);
		return NULL;
	}
	if (nvme_init_ctrl(s->host, s->ctrl, instance) != 0) {
		set_device_error(error, device, "cannot attach", errno);
		return NULL;
	}
	return g_steal_pointer(&s);
}

/* The prologue every worker on an existing device shares: NULL when the task is already
 * cancelled or the device cannot be opened, the task then being completed with the error. */
static NvmeSession *worker_open_device(GTask *task, NvmeOp *op, const StasKernelHost *host)
{
	GError *error = NULL;
	NvmeSession *s;

	if (g_task_return_error_if_cancelled(task))
		return NULL;
	s = nvme_session_open_device(op->kernel, host, op->device, &error);
	if (!s)
		g_task_return_error(task, error);
	return s;
}

static char *id_name(guint v, const char *const *names, gsize n)
{
	return g_strdup(v < n && names[v] ? names[v] : "reserved");
}

/* What callers need of a connected or adopted controller. cntrltype and dctype come from sysfs
 * (kernel >= 5.18) or else from Identify Controller, as libnvme's own registration check does. */
static StasCtrlDevice *ctrl_device(nvme_ctrl_t c)
{
	static const char *const cntrltypes[] = { NULL, "io", "discovery", "admin" };
	static const char *const dctypes[] = { "none", "ddc", "cdc" };
	StasCtrlDevice *dev = g_new0(StasCtrlDevice, 1);
	struct nvme_id_ctrl id;

	dev->device = g_strdup(nvme_ctrl_get_name(c));
	dev->cntrltype = nvme_get_ctrl_attr(c, "cntrltype");
	dev->dctype = nvme_get_ctrl_attr(c, "dctype");
	if (!dev->cntrltype || !dev->dctype) {
		memset(&id, 0, sizeof(id));
		if (nvme_ctrl_identify(c, &id) == 0) {
			if (!dev->cntrltype)
				dev->cntrltype = id_name(id.cntrltype, cntrltypes, G_N_ELEMENTS(cntrltypes));
			if (!dev->dctype)
				dev->dctype = id_name(id.dctype, dctypes, G_N_ELEMENTS(dctypes));
		}
	}
	if (!dev->cntrltype)
		dev->cntrltype = g_strdup("");
	if (!dev->dctype)
		dev->dctype = g_strdup("");
	dev->registration_supported = g_str_equal(dev->dctype, "ddc") || g_str_equal(dev->dctype, "cdc");
	return dev;
}

/* Where each fabrics option goes in libnvme's config, and whether it is a bool there. */
static const struct {
	size_t offset;
	gboolean boolean;
} libnvme_fields[STAS_FABRICS_COUNT] = {
	[STAS_FABRICS_KATO] = { offsetof(struct nvme_fabrics_config, keep_alive_tmo), FALSE },
	/* Honoured, unlike nvme-stas whose libnvme bindings dropped it (SPEC §11 #4). */
	[STAS_FABRICS_QUEUE_SIZE] = { offsetof(struct nvme_fabrics_config, queue_size), FALSE },
	[STAS_FABRICS_NR_IO_QUEUES] = { offsetof(struct nvme_fabrics_config, nr_io_queues), FALSE },
	[STAS_FABRICS_NR_WRITE_QUEUES] = { offsetof(struct nvme_fabrics_config, nr_write_queues), FALSE },
	[STAS_FABRICS_NR_POLL_QUEUES] = { offsetof(struct nvme_fabrics_config, nr_poll_queues), FALSE },
	[STAS_FABRICS_RECONNECT_DELAY] = { offsetof(struct nvme_fabrics_config, reconnect_delay), FALSE },
	[STAS_FABRICS_CTRL_LOSS_TMO] = { offsetof(struct nvme_fabrics_config, ctrl_loss_tmo), FALSE },
	[STAS_FABRICS_HDR_DIGEST] = { offsetof(struct nvme_fabrics_config, hdr_digest), TRUE },
	[STAS_FABRICS_DATA_DIGEST] = { offsetof(struct nvme_fabrics_config, data_digest), TRUE },
	[STAS_FABRICS_DISABLE_SQFLOW] = { offsetof(struct nvme_fabrics_config, disable_sqflow), TRUE },
	/* libnvme 1.3 and 1.13 alike send "tls" and no key: the kernel picks the PSK (nvme-tls.c) */
	[STAS_FABRICS_TLS] = { offsetof(struct nvme_fabrics_config, tls), TRUE },
};

static void fabrics_config(const StasFabricsCfg *in, struct nvme_fabrics_config *cfg)
{
	nvmf_default_config(cfg);
	for (guint opt = STAS_FABRICS_NONE + 1; opt < STAS_FABRICS_COUNT; opt++) {
		char *field = (char *)cfg + libnvme_fields[opt].offset;

		if (!stas_fabrics_is_set(opt, in->value[opt]))
			continue;
		if (libnvme_fields[opt].boolean)
			*(bool *)field = in->value[opt] != 0;
		else
			*(int *)field = in->value[opt];
	}
}

static gboolean has_separator(const char *text)
{
	return text && strpbrk(text, ",\n\r") != NULL;
}

static gboolean injects_options(const StasConnectRequest *req, const StasKernelHost *host)
{
	const char *fields[] = { req->transport,   req->traddr,	    req->trsvcid,  req->subsysnqn,
				 req->host_traddr, req->host_iface, host->hostnqn, host->hostid };

	for (guint i = 0; i < G_N_ELEMENTS(fields); i++) {
		if (has_separator(fields[i]))
			return TRUE;
	}
	return FALSE;
}

/* TLS (TP8011) by one mechanism on every libnvme from 1.3 on: the "tls" option and no key, so
 * the kernel takes the PSK that the .nvme keyring holds for this host and subsystem (identity
 * "NVMe0R0<hash> <hostnqn> <subsysnqn>", as nvme-cli's --insert names it). A PSK configured in
 * interchange format is put there first, by libnvme (1.9+: import, 1.7+: versioned insert). */
static gboolean tls_prepare(const NvmeOp *op, GError **error)
{
	const StasConnectRequest *req = &op->req;

	if (req->cfg.value[STAS_FABRICS_TLS] != 1)
		return TRUE;
	if (!g_str_equal(req->transport, "tcp")) {
		g_set_error(error, STAS_KERNEL_ERROR, STAS_KERNEL_ERROR_UNSUPPORTED,
			    "TLS requested, but it is defined for tcp only (transport %s)", req->transport);
		return FALSE;
	}
	if (!op->kernel->support.tls) {
		g_set_error_literal(
			error, STAS_KERNEL_ERROR, STAS_KERNEL_ERROR_UNSUPPORTED,
			"TLS requested, but this kernel cannot do NVMe/TCP TLS: /dev/nvme-fabrics "
			"does not offer 'tls' (it needs Linux 6.7 or later built with "
			"CONFIG_NVME_TCP_TLS, and tlshd from ktls-utils running)");
		return FALSE;
	}
	if (!req->tls_key)
		return TRUE;
#if defined(HAVE_NVME_IMPORT_TLS_KEY) && defined(HAVE_NVME_INSERT_TLS_KEY_VERSIONED)
	{
		unsigned int hmac = 0;
		int len = 0;
		unsigned char *psk = nvme_import_tls_key(req->tls_key, &len, &hmac);
		long serial;
		int code;

		if (!psk) {
			g_set_error(
				error, STAS_KERNEL_ERROR, STAS_KERNEL_ERROR_FAILED,
				"tls-key is not a usable PSK in interchange format (NVMeTLSkey-1:...): %s",
				g_strerror(errno));
			return FALSE;
		}
		errno = 0;
		serial = nvme_insert_tls_key_versioned(".nvme", "psk", op->host.hostnqn, req->subsysnqn, 0,
						       (int)hmac, psk, len);
		code = errno;
		explicit_bzero(psk, (size_t)len);
		free(psk);
		if (serial <= 0) {
			g_set_error(error, STAS_KERNEL_ERROR, STAS_KERNEL_ERROR_FAILED,
				    "Cannot put the TLS PSK in the .nvme keyring: %s", g_strerror(code));
			return FALSE;
		}
		g_debug("TLS PSK for %s in the .nvme keyring: key %08lx", req->subsysnqn, serial);
		return TRUE;
	}
#else
	g_set_error_literal(error, STAS_KERNEL_ERROR, STAS_KERNEL_ERROR_UNSUPPORTED,
			    "tls-key needs libnvme 1.9 or later to put the PSK in the keyring; with this "
			    "libnvme, insert it with 'nvme check-tls-key --insert' and leave tls-key out");
	return FALSE;
#endif
}

static void connect_worker(GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
	NvmeOp *op = data;
	const StasConnectRequest *req = &op->req;
	const StasKernelSupport *support = &op->kernel->support;
	/* before the session: it is closed after the tree that writes to it is freed */
	g_autoptr(LogCapture) log = NULL;
	g_autoptr(NvmeSession) s = NULL;
	struct nvme_fabrics_config cfg;
	GError *error = NULL;
	g_autofree char *text = NULL, *reason = NULL;
	gboolean failed;
	int code;

	if (g_task_return_error_if_cancelled(task))
		return;
	/* The last line of defence: the kernel splits its options at ',' and newline. */
	if (injects_options(req, &op->host)) {
		g_task_return_new_error(task, STAS_KERNEL_ERROR, STAS_KERNEL_ERROR_FAILED,
					"Connect refused: a field contains a comma or a line break");
		return;
	}
	/* what TLS lacks is said at once, not after a probe */
	if (!tls_prepare(op, &error)) {
		g_task_return_error(task, error);
		return;
	}
	if (g_str_equal(req->transport, "tcp") &&
	    !stas_tcp_probe(req->traddr, req->trsvcid, req->host_iface, req->host_traddr,
			    STAS_PROBE_TIMEOUT_MS, &error)) {
		g_task_return_new_error(task, STAS_KERNEL_ERROR, STAS_KERNEL_ERROR_FAILED,
					"Connect failed: %s", error->message);
		g_error_free(error);
		return;
	}
	log = log_capture_open();
	s = nvme_session_new_logging(op->kernel, log, LOG_INFO, op->host.hostnqn, op->host.hostid,
				     op->host.symname, &error);
	if (!s) {
		g_task_return_error(task, error);
		return;
	}
	/* libnvme lets the host key win over the controller's; the project decided the opposite
	 * (SPEC §11 #5), so the host key is only attached when the controller has none. */
	if (op->host.hostkey && support->dhchap_secret && !req->dhchap_secret)
		nvme_host_set_dhchap_key(s->host, op->host.hostkey);

	s->ctrl = nvme_create_ctrl(s->root, req->subsysnqn, req->transport, nonempty(req->traddr),
				   nonempty(req->host_traddr), nonempty(req->host_iface),
				   nonempty(req->trsvcid));
	if (!s->ctrl) {
		g_task_return_new_error(task, STAS_KERNEL_ERROR, STAS_KERNEL_ERROR_FAILED,
					"Cannot create a controller handle: %s", g_strerror(errno));
		return;
	}
#ifdef HAVE_NVME_CTRL_SET_DISCOVERY_CTRL
	/* Makes libnvme send "discovery" for DCs whose NQN is not the well-known one (TP8013). */
	nvme_ctrl_set_discovery_ctrl(s->ctrl, req->discovery);
#endif
	if (req->dhchap_secret && support->dhchap_secret) {
#ifdef HAVE_NVME_CTRL_SET_DHCHAP_HOST_KEY
		nvme_ctrl_set_dhchap_host_key(s->ctrl, req->dhchap_secret);
#else
		g_warning("dhchap-secret ignored: libnvme cannot set it per controller (upgrade it)");
#endif
	}
	if (req->dhchap_ctrl_secret && support->dhchap_ctrl_secret)
		nvme_ctrl_set_dhchap_key(s->ctrl, req->dhchap_ctrl_secret);

	fabrics_config(&req->cfg, &cfg);
	/* When the kernel made the controller but libnvme could not look it up afterwards, the
	 * handle still has its name: report the connection rather than orphan it. */
	failed = nvmf_add_ctrl(s->host, s->ctrl, &cfg) != 0 && !nvme_ctrl_get_name(s->ctrl);
	code = errno;
	if (log) {
		/* INFO, never DEBUG: libnvme's debug lines carry the connect string and its secrets */
		text = log_capture_text(log);
		if (g_atomic_int_get(&op->kernel->log_level) >= LOG_INFO)
			fputs(text, stderr);
		reason = kernel_refusal(text);
	}
	if (failed) {
		g_task_return_new_error(task, STAS_KERNEL_ERROR, STAS_KERNEL_ERROR_FAILED,
					"Connect failed: %s%s%s%s", errno_text(code),
					reason ? " (the kernel: " : "", reason ? reason : "",
					reason ? ")" : "");
		return;
	}
	g_task_return_pointer(task, ctrl_device(s->ctrl), (GDestroyNotify)stas_ctrl_device_free);
}

static void attach_worker(GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
	g_autoptr(NvmeSession) s = worker_open_device(task, data, NULL);

	if (s)
		g_task_return_pointer(task, ctrl_device(s->ctrl), (GDestroyNotify)stas_ctrl_device_free);
}

static void register_worker(GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
	NvmeOp *op = data;
	/* Under the caller's host: libnvme takes the NQN, ID and symbolic name it registers from
	 * the host object the controller hangs off. */
	g_autoptr(NvmeSession) s = worker_open_device(task, op, &op->host);
	guint32 result = 0;
	int status;

	if (!s)
		return;
	errno = 0;
	G_STATIC_ASSERT((int)STAS_DIM_REGISTER == (int)NVMF_DIM_TAS_REGISTER);
	G_STATIC_ASSERT((int)STAS_DIM_DEREGISTER == (int)NVMF_DIM_TAS_DEREGISTER);
	G_STATIC_ASSERT((int)STAS_DIM_UPDATE == (int)NVMF_DIM_TAS_UPDATE);
	status = nvmf_register_ctrl(s->ctrl, (enum nvmf_dim_tas)op->tas, &result);
	g_task_return_pointer(task, status ? stas_nvme_status_text(status, result) : NULL, g_free);
}

static void supported_log_pages_worker(GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
	g_autoptr(NvmeSession) s = worker_open_device(task, data, NULL);
	struct nvme_supported_log_pages log;
	guint flags = 0;

	if (!s)
		return;
	/* A DC that does not know the command simply has no options (SPEC §5.5). */
	memset(&log, 0, sizeof(log));
	if (nvme_get_log_supported_log_pages(nvme_ctrl_get_fd(s->ctrl), true, &log) == 0)
		flags = GUINT32_FROM_LE(log.lid_support[NVME_LOG_LID_DISCOVER]) >> 16;
	g_task_return_int(task, flags);
}

/* One Get Log Page command of the discovery log sequence (dlp.h). */
typedef struct {
	int fd;
	int lsp;
	const char *device;
} LogRead;

static gboolean log_read(gpointer data, guint64 offset, guint32 len, gboolean rae, void *buf, GError **error)
{
	LogRead *r = data;
	struct nvme_get_log_args args = {
		.lpo = offset,
		.log = buf,
		.args_size = sizeof(args),
		.fd = r->fd,
		.timeout = NVME_DEFAULT_IOCTL_TIMEOUT,
		.lid = NVME_LOG_LID_DISCOVER,
		.len = len,
		.nsid = NVME_NSID_NONE,
		.csi = NVME_CSI_NVM,
		.lsp = (__u8)r->lsp,
		.rae = rae,
	};
	int status;

	errno = 0;
	status = nvme_get_log(&args);
	if (status == 0)
		return TRUE;
	if (status < 0)
		set_device_error(error, r->device, "Get Log Page failed", errno);
	else
		g_set_error(error, STAS_KERNEL_ERROR, STAS_KERNEL_ERROR_FAILED, "%s: Get Log Page failed: %s",
			    r->device, nvme_status_to_string(status, false));
	return FALSE;
}

static void get_discovery_log_worker(GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
	NvmeOp *op = data;
	g_autoptr(NvmeSession) s = worker_open_device(task, op, NULL);
	g_autoptr(StasDlp) dlp = NULL;
	GError *error = NULL;
	LogRead r;

	if (!s)
		return;
	r.fd = nvme_ctrl_get_fd(s->ctrl);
	r.lsp = op->lsp;
	r.device = op->device;
	if (r.fd < 0) {
		set_device_error(&error, op->device, "cannot open", errno);
		g_task_return_error(task, error);
		return;
	}
	if (op->known_genctr >= 0) {
		guint64 genctr;

		if (!stas_dlp_read_genctr(log_read, &r, &genctr, &error)) {
			g_task_return_error(task, error);
			return;
		}
		if (genctr == (guint64)op->known_genctr) {
			g_task_return_pointer(task, stas_discovery_log_new(genctr, NULL),
					      (GDestroyNotify)stas_discovery_log_free);
			return;
		}
	}
	dlp = stas_dlp_read(log_read, &r, &error);
	if (!dlp) {
		g_task_return_error(task, error);
		return;
	}
	g_task_return_pointer(task, stas_discovery_log_new(dlp->genctr, stas_dlp_dicts(dlp)),
			      (GDestroyNotify)stas_discovery_log_free);
}

static void disconnect_worker(GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
	NvmeOp *op = data;
	g_autoptr(NvmeSession) s = worker_open_device(task, op, NULL);
	GError *error = NULL;

	if (!s)
		return;
	if (nvme_disconnect_ctrl(s->ctrl) != 0) {
		set_device_error(&error, op->device, "cannot disconnect", errno);
		g_task_return_error(task, error);
		return;
	}
	g_task_return_boolean(task, TRUE);
}

/* ------------------------------------------------------------ operations */

static void nvme_connect(StasKernel *k, const StasKernelHost *host, const StasConnectRequest *req,
			 GCancellable *cancellable, GAsyncReadyCallback cb, gpointer data)
{
	NvmeOp *op = nvme_op_new(k, host, NULL);

	stas_connect_request_copy(&op->req, req);
	op->report_when_cancelled = TRUE;
	nvme_op_run_in(op, ((NvmeKernel *)k)->connect_lane, nvme_connect, cancellable, cb, data,
		       connect_worker);
}

static void nvme_attach(StasKernel *k, const char *device, GCancellable *cancellable, GAsyncReadyCallback cb,
			gpointer data)
{
	nvme_op_run(nvme_op_new(k, NULL, device), nvme_attach, cancellable, cb, data, attach_worker);
}

static void nvme_dim(StasKernel *k, const StasKernelHost *host, const char *device, StasDimTask tas,
		     GCancellable *cancellable, GAsyncReadyCallback cb, gpointer data)
{
	NvmeOp *op = nvme_op_new(k, host, device);

	op->tas = tas;
	nvme_op_run(op, nvme_dim, cancellable, cb, data, register_worker);
}

static void nvme_supported_log_pages(StasKernel *k, const char *device, GCancellable *cancellable,
				     GAsyncReadyCallback cb, gpointer data)
{
	nvme_op_run(nvme_op_new(k, NULL, device), nvme_supported_log_pages, cancellable, cb, data,
		    supported_log_pages_worker);
}

static void nvme_get_discovery_log(StasKernel *k, const char *device, int lsp, gint64 known_genctr,
				   GCancellable *cancellable, GAsyncReadyCallback cb, gpointer data)
{
	NvmeOp *op = nvme_op_new(k, NULL, device);

	op->lsp = lsp;
	op->known_genctr = known_genctr;
	nvme_op_run(op, nvme_get_discovery_log, cancellable, cb, data, get_discovery_log_worker);
}

static void nvme_disconnect(StasKernel *k, const char *device, GCancellable *cancellable,
			    GAsyncReadyCallback cb, gpointer data)
{
	nvme_op_run(nvme_op_new(k, NULL, device), nvme_disconnect, cancellable, cb, data, disconnect_worker);
}

static char *nvme_find_existing(StasKernel *k, const StasTid *tid, gboolean discovery,
				StasDeviceOwnedFunc owned, gpointer owned_data)
{
	/* The search takes an interface snapshot (a netlink dump) only when a rule
	 * needs the addresses of the interfaces as they are now (SPEC §6.5.1). */
	return stas_udev_find_free_ctrl(((NvmeKernel *)k)->index, tid, discovery, NULL, owned, owned_data);
}

static void nvme_kernel_free(StasKernel *k)
{
	/* Workers still running hold their own references. */
	g_atomic_rc_box_release_full((NvmeKernel *)k, nvme_kernel_clear);
}

static const StasKernelOps nvme_kernel_ops = {
	.connect = nvme_connect,
	.attach = nvme_attach,
	.dim = nvme_dim,
	.supported_log_pages = nvme_supported_log_pages,
	.get_discovery_log = nvme_get_discovery_log,
	.disconnect = nvme_disconnect,
	.find_existing = nvme_find_existing,
	.free = nvme_kernel_free,
};

/* libnvme's debug messages print the whole connect string, DH-HMAC-CHAP
 * secrets included, to stderr (the journal, under systemd): tracing raises
 * libnvme to INFO, never to DEBUG. nvme-stas went to DEBUG and leaked them. */
static int libnvme_level(gboolean trace)
{
	return trace ? LOG_INFO : LOG_ERR;
}

StasKernel *stas_nvme_kernel_new(gboolean trace)
{
	NvmeKernel *k = g_atomic_rc_box_new0(NvmeKernel);
	g_autofree char *warning = NULL;

	k->parent.ops = &nvme_kernel_ops;
	k->index = stas_sysfs_index_new(NULL);
	k->connect_lane = g_thread_pool_new(lane_run, NULL, CONNECT_LANE_THREADS, FALSE, NULL);
	g_atomic_int_set(&k->log_level, libnvme_level(trace));
	/* The daemons probe too, and warn at start-up; this copy only decides which keys to set. */
	stas_kernel_support_probe(&k->support, NULL, &warning);
	if (warning)
		g_debug("%s", warning);
	return &k->parent;
}

void stas_nvme_kernel_set_trace(StasKernel *k, gboolean trace)
{
	if (!k || k->ops != &nvme_kernel_ops)
		return; /* another kernel (the tests' fake) has no libnvme to tell */
	g_atomic_int_set(&((NvmeKernel *)k)->log_level, libnvme_level(trace));
}
