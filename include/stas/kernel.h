/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The kernel layer: every operation on NVMe controllers that may block
 * (connect, adopt, register, read log pages, disconnect). Each one runs in a
 * worker thread on copies of its inputs and completes a GTask back on the
 * caller's main context; the main loop never waits on the kernel.
 *
 * Controllers (src/stafd/dc.c, src/stacd/ioc.c) talk to a StasKernel, not to libnvme,
 * so their state machines can be driven by a fake kernel in unit tests.
 * The real implementation is stas_nvme_kernel_new() (nvme.c).
 */
#pragma once

#include <gio/gio.h>

#include "stas/fabrics.h"
#include "stas/tid.h"

#define STAS_KERNEL_ERROR (stas_kernel_error_quark())
GQuark stas_kernel_error_quark(void);

typedef enum {
	STAS_KERNEL_ERROR_FAILED,      /* the operation failed; message says why */
	STAS_KERNEL_ERROR_NO_DEVICE,   /* the controller device vanished */
	STAS_KERNEL_ERROR_UNSUPPORTED, /* not possible with this kernel/libnvme */
} StasKernelError;

/* Everything a connect needs, copied for the worker. */
typedef struct {
	char *transport;
	char *traddr;
	char *trsvcid; /* NULL/"" = none */
	char *subsysnqn;
	char *host_traddr;   /* NULL/"" = none */
	char *host_iface;    /* NULL/"" = none (caller already applied ignore-iface and kernel support) */
	gboolean discovery;  /* a discovery controller (TP8013 "discovery" option) */
	char *dhchap_secret; /* NULL = none */
	char *dhchap_ctrl_secret; /* NULL = none */
	char *tls_key;		  /* a PSK in interchange format to put in the keyring; NULL = none */
	StasFabricsCfg cfg;
} StasConnectRequest;

/* @dst becomes a deep copy of @src (@dst is not cleared first). */
void stas_connect_request_copy(StasConnectRequest *dst, const StasConnectRequest *src);
void stas_connect_request_clear(StasConnectRequest *req);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(StasConnectRequest, stas_connect_request_clear)

/* What is known of a controller device once connected or adopted. */
typedef struct {
	char *device;			 /* "nvme3" */
	char *dctype;			 /* "none", "ddc", "cdc", or "" when unknown */
	char *cntrltype;		 /* "io", "discovery", ... or "" */
	gboolean registration_supported; /* DIM makes sense (dctype ddc or cdc) */
} StasCtrlDevice;

void stas_ctrl_device_free(StasCtrlDevice *dev);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(StasCtrlDevice, stas_ctrl_device_free)

/* Which connect options the running kernel supports (kernel-support.c). */
typedef struct {
	gboolean discovery;	     /* TP8013 unique discovery NQN */
	gboolean host_iface;	     /* bind to an interface */
	gboolean dhchap_secret;	     /* host DH-HMAC-CHAP secret */
	gboolean dhchap_ctrl_secret; /* controller DH-HMAC-CHAP secret */
	gboolean tls;		     /* NVMe/TCP TLS (6.7+, CONFIG_NVME_TCP_TLS): only ever listed */
} StasKernelSupport;

/* Probe once: kernel release thresholds, then the first line of
 * /dev/nvme-fabrics (stas_path(STAS_PATH_NVME_FABRICS)) when needed.
 * @release: uname -r text (NULL = the running kernel). Problems reading the
 * file are returned in *warning (may be NULL) and the version answers stay. */
void stas_kernel_support_probe(StasKernelSupport *support, const char *release, char **warning);
/* Parse an options line ("instance=-1,...,host_iface=%s,discovery,..."). */
void stas_kernel_support_parse(StasKernelSupport *support, const char *line);

/* Discovery log page entry flags for LID 0x70 from Get Supported Log Pages. */
#define STAS_DISC_EXTDLPES (1u << 0)
#define STAS_DISC_PLEOS	   (1u << 1)
#define STAS_DISC_ALLSUBES (1u << 2)
#define STAS_LSP_PLEO	   2

/* The tasks of a DIM command (TAS, as libnvme's enum nvmf_dim_tas). */
typedef enum {
	STAS_DIM_REGISTER = 0,
	STAS_DIM_DEREGISTER = 1,
	STAS_DIM_UPDATE = 2,
} StasDimTask;

const char *stas_dim_task_name(StasDimTask tas); /* "register", "deregister", "update" */

/* Host identity used for connections and DIM (copied per operation). */
typedef struct {
	char *hostnqn;
	char *hostid;
	char *hostkey; /* NULL = none */
	char *symname; /* NULL = none */
} StasKernelHost;

typedef struct _StasKernel StasKernel;

/* A discovery log page as the kernel layer read it. */
typedef struct {
	guint64 genctr;
	/* GHashTable* DLPE dicts (SPEC §3.7), placeholder addresses dropped;
	 * NULL: the page was still at the generation the caller knew. */
	GPtrArray *entries;
} StasDiscoveryLog;

StasDiscoveryLog *stas_discovery_log_new(guint64 genctr, GPtrArray *entries);
void stas_discovery_log_free(StasDiscoveryLog *log);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(StasDiscoveryLog, stas_discovery_log_free)

/* TRUE when @device is already held by a controller of the daemon: one
 * kernel device belongs to at most one controller object (review-stafd #2). */
typedef gboolean (*StasDeviceOwnedFunc)(const char *device, gpointer data);

typedef struct {
	/* Connect a new controller. Result: StasCtrlDevice*, even when @cancellable was
	 * cancelled after the kernel made the connection: the caller owns it. */
	void (*connect)(StasKernel *k, const StasKernelHost *host, const StasConnectRequest *req,
			GCancellable *cancellable, GAsyncReadyCallback cb, gpointer data);
	/* Adopt the existing kernel controller @device. Result: StasCtrlDevice*. */
	void (*attach)(StasKernel *k, const char *device, GCancellable *cancellable, GAsyncReadyCallback cb,
		       gpointer data);
	/* DIM (TP8010) task @tas: register, deregister or update this host's
	 * registration. Result: char* status text, NULL on success. */
	void (*dim)(StasKernel *k, const StasKernelHost *host, const char *device, StasDimTask tas,
		    GCancellable *cancellable, GAsyncReadyCallback cb, gpointer data);
	/* Get Supported Log Pages: result int = STAS_DISC_* flags of LID 0x70 (0 on failure). */
	void (*supported_log_pages)(StasKernel *k, const char *device, GCancellable *cancellable,
				    GAsyncReadyCallback cb, gpointer data);
	/* Get Discovery Log Page with @lsp. Result: StasDiscoveryLog*. With @known_genctr >= 0
	 * the header is read first, and a page still at that generation is not read again. */
	void (*get_discovery_log)(StasKernel *k, const char *device, int lsp, gint64 known_genctr,
				  GCancellable *cancellable, GAsyncReadyCallback cb, gpointer data);
	/* Disconnect (delete_controller). Result: boolean. */
	void (*disconnect)(StasKernel *k, const char *device, GCancellable *cancellable,
			   GAsyncReadyCallback cb, gpointer data);
	/* Synchronous and cheap (sysfs only): an existing controller device of the right kind
	 * (@discovery: DC, else IOC) matching @tid (SPEC §6.5) that @owned (may be NULL) does
	 * not claim, an exact subsysnqn before a well-known-NQN wildcard match; or NULL. */
	char *(*find_existing)(StasKernel *k, const StasTid *tid, gboolean discovery,
			       StasDeviceOwnedFunc owned, gpointer owned_data);
	void (*free)(StasKernel *k);
} StasKernelOps;

struct _StasKernel {
	const StasKernelOps *ops;
};

void stas_kernel_free(StasKernel *k);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(StasKernel, stas_kernel_free)

/* Results, the same for every implementation (they all complete GTasks). */
StasCtrlDevice *stas_kernel_device_finish(GAsyncResult *res, GError **error);
/* Returns FALSE on error; *status = NULL when the DIM command succeeded. */
gboolean stas_kernel_register_finish(GAsyncResult *res, char **status, GError **error);
guint stas_kernel_flags_finish(GAsyncResult *res, GError **error);
StasDiscoveryLog *stas_kernel_log_finish(GAsyncResult *res, GError **error);
gboolean stas_kernel_disconnect_finish(GAsyncResult *res, GError **error);

void stas_kernel_host_clear(StasKernelHost *host);
void stas_kernel_host_copy(StasKernelHost *dst, const StasKernelHost *src);
