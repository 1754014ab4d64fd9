/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What discovery controllers (stafd) and I/O controllers (stacd) share:
 * identity, kernel device, connection attempts with their retry timer
 * (3 s after the first failure, then 60 s), adoption of an existing kernel
 * connection, operation bookkeeping (so a disconnect never overtakes a
 * pending operation) and the D-Bus dictionaries. A controller is a struct
 * embedding StasCtrl first; its class supplies what differs.
 */
#pragma once

#include <gio/gio.h>

#include "stas/conf.h"
#include "stas/kernel.h"
#include "stas/reason.h"
#include "stas/tid.h"
#include "stas/timer.h"

#define STAS_RETRY_FAST_S   3.0
#define STAS_RETRY_NORMAL_S 60.0

/* What a controller needs from its daemon. Owned by the daemon; outlives
 * every controller (the daemon waits for disconnections before freeing it). */
typedef struct {
	StasKernel *kernel;
	StasKernelHost host;
	StasConf *conf;		   /* replaced on reload */
	StasKernelSupport support; /* probed once */
	const char *sysfs_root;	   /* NULL = /sys (tests use a fake tree) */
	/* Adoption passes over devices this says are taken (NULL: none are). */
	StasDeviceOwnedFunc device_owned;
	gpointer device_owned_data;
} StasCtrlEnv;

/* One kind of kernel operation of a controller, for bookkeeping and the
 * debug output ({'fail count': 0, 'completed': False, 'alive': True}). */
typedef struct {
	const char *name; /* "connect operation", "get log page operation", ... */
	gboolean exists;  /* has run at least once */
	gboolean in_flight;
	gboolean completed; /* last run succeeded */
	guint fail_count;   /* consecutive failures */
	char *error;	    /* last error text */
	StasTimer *retry;   /* NULL when this operation does not retry by itself */
} StasOp;

typedef struct _StasCtrl StasCtrl;

/* What happened to a controller since the daemon made it (metrics). */
typedef struct {
	guint64 connect_attempts; /* connects and adoptions started */
	guint64 connects;	  /* ... that succeeded */
	guint64 connect_failures;
	guint64 kernel_disconnects; /* the kernel removed its device */
	guint64 aens;		    /* discovery-change notices (DCs) */
	guint64 log_page_fetches;   /* Get Log Page completions (DCs) */
	guint64 registrations;	    /* DIM commands that succeeded (DCs) */
	guint64 registration_failures;
} StasCtrlCounters;

typedef void (*StasCtrlDoneFunc)(StasCtrl *ctrl, gboolean success, gpointer user_data);
typedef void (*StasCtrlNextFunc)(StasCtrl *ctrl, gpointer user_data);

typedef struct {
	gboolean discovery; /* DC (connect with the discovery flag, match DC devices) */
	/* A connect or adoption succeeded; ctrl->device is set. */
	void (*connected)(StasCtrl *ctrl);
	/* An attempt failed; the retry timer is already armed. */
	void (*connect_failed)(StasCtrl *ctrl, const GError *error);
	/* The kernel removed the device; pending results are already void. */
	void (*removed)(StasCtrl *ctrl);
	/* The controller leaves (disconnect, daemon stop): stop every timer of
	 * the subclass, so that nothing it would start reaches the kernel after
	 * the controller was handed to the terminator. Op retry timers are
	 * already stopped. */
	void (*halt)(StasCtrl *ctrl);
	/* The kernel connection is about to be cut: last words to the
	 * controller (a DC deregisters). Calls @next, later, on the loop. */
	void (*leaving)(StasCtrl *ctrl, StasCtrlNextFunc next, gpointer data);
	/* Operations of the subclass, for busy checks and cancellation. */
	StasOp *(*op)(StasCtrl *ctrl, guint index); /* NULL past the last one */
	/* Extra keys of the info dictionary (SPEC §3.6). */
	void (*add_info)(StasCtrl *ctrl, GHashTable *info);
	void (*finalize)(StasCtrl *ctrl);
} StasCtrlClass;

struct _StasCtrl {
	const StasCtrlClass *klass;
	gint ref;
	StasTid *tid;
	StasCtrlEnv *env;
	char *device; /* "nvme3"; NULL while not connected */
	char *adopt;  /* the device the next attempt adopts (NULL: look for one) */
	char *dctype;
	char *cntrltype;
	gboolean registration_supported;
	guint connect_attempts;
	StasCtrlCounters counters;
	StasReason status; /* why it stopped trying or will go (NCC give-up, aging); NONE otherwise */
	StasOp connect_op;
	StasTimer *retry_timer;
	GCancellable *cancellable; /* cancelled when the daemon stops */
	guint generation;	   /* bumped when results in flight become void */
	guint idle_source;
	gboolean stopping;
	/* Called whenever the last operation in flight completes. */
	void (*on_idle)(StasCtrl *ctrl, gpointer data);
	gpointer on_idle_data;
};

void stas_ctrl_init(StasCtrl *ctrl, const StasCtrlClass *klass, StasTid *tid, StasCtrlEnv *env);
StasCtrl *stas_ctrl_ref(StasCtrl *ctrl);
void stas_ctrl_unref(StasCtrl *ctrl);

/* Take the configuration keys (cfg) of @tid, an identity equal to the
 * controller's: a reload changed a controller's options, not which
 * controller it is. Used by the next connection. */
void stas_ctrl_update_tid(StasCtrl *ctrl, StasTid *tid);
/* "(tcp, 127.0.0.1, 8009, nqn...) | nvme1" for log lines. */
const char *stas_ctrl_id(const StasCtrl *ctrl);
const char *stas_ctrl_device(const StasCtrl *ctrl); /* "nvme?" when none */
gboolean stas_ctrl_connected(const StasCtrl *ctrl);

/* An existing kernel device for @tid that no other controller holds, or NULL. */
char *stas_ctrl_find_existing(StasCtrlEnv *env, const StasTid *tid, gboolean discovery);
/* Schedule a connection attempt on the next loop iteration. */
void stas_ctrl_schedule_connect(StasCtrl *ctrl);
/* Schedule adopting @device, which the caller saw: not whichever existing
 * connection matches first (stacd's audit). Later attempts look again. */
void stas_ctrl_adopt(StasCtrl *ctrl, const char *device);
/* TRUE while any operation (connect or subclass) is running in the kernel. */
gboolean stas_ctrl_busy(StasCtrl *ctrl);
/* The daemon is stopping: stop timers, void every pending result. */
void stas_ctrl_stop(StasCtrl *ctrl);
/* The kernel removed the device (udev "remove"): forget it and reconnect in 3 s. */
void stas_ctrl_device_removed(StasCtrl *ctrl);
/* Disconnect from the kernel unless @keep; @done runs later on the loop, never
 * synchronously. Callers go through the terminator, which waits for idleness. */
void stas_ctrl_disconnect(StasCtrl *ctrl, gboolean keep, StasCtrlDoneFunc done, gpointer user_data);

/* Operation bookkeeping for subclasses. begin marks @op in flight, keeps a
 * reference on @ctrl and returns a token to pass as the async user data;
 * end takes the token back, records the outcome and returns the controller
 * (the caller drops the reference). *current is FALSE when the result is
 * stale (device removed or daemon stopping meanwhile) and must be ignored. */
gpointer stas_ctrl_op_begin(StasCtrl *ctrl, StasOp *op);
StasCtrl *stas_ctrl_op_end(gpointer token, const GError *error, gboolean *current);
void stas_op_init(StasOp *op, const char *name, double retry_s, StasTimerFunc retry_func, gpointer data);
void stas_op_clear(StasOp *op);
char *stas_op_describe(const StasOp *op);

/* The connect request for this controller (SPEC §7.3): per-controller
 * overrides, then [Global], then the daemon's defaults. */
void stas_ctrl_build_request(StasCtrl *ctrl, StasConnectRequest *req);

/* D-Bus dictionaries (SPEC §0.2, §3.6), char* -> char*. @secrets: include
 * dhchap keys (only for uid 0 callers). */
GHashTable *stas_ctrl_id_dict(StasCtrl *ctrl, gboolean secrets);
GHashTable *stas_ctrl_info(StasCtrl *ctrl, gboolean secrets);
GHashTable *stas_ctrl_details(StasCtrl *ctrl, gboolean secrets);
