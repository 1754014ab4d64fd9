/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What a stas daemon is, whichever it is: one service object that owns every
 * piece of its state (configuration, host identity, controllers, timers,
 * udev, D-Bus) and drives the same life cycle (start, reconcile after a soak
 * period, reload on SIGHUP, stop on SIGTERM). stafd and stacd subclass it
 * with what differs: where wanted controllers come from, what their
 * controllers are, and their main D-Bus interface.
 */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "stas/ctrl.h"
#include "stas/host.h"
#include "stas/log.h"
#include "stas/reason.h"
#include "stas/terminator.h"
#include "stas/udev.h"

/* Changes of what is wanted are soaked up before a reconciliation: until
 * none came for STAS_SOAK_QUIET_S, and never longer than STAS_SOAK_S after
 * the first (nvme-stas: 1.5 s after the last, however many kept coming). */
#define STAS_SOAK_S	  1.5
#define STAS_SOAK_QUIET_S 0.2

typedef struct _StasService StasService;
typedef struct _StasCandidates StasCandidates;
typedef struct _StasMetricsFile StasMetricsFile;

/* What a daemon counted since it started (metrics, status). */
typedef struct {
	guint64 reconciliations;
	guint64 udev_overflows; /* the kernel dropped events; each led to a resync */
	guint64 dbus_refused;	/* calls and property writes refused to a caller */
	/* Managed controllers that went, by cause, [0] connection kept, [1] disconnected. */
	guint64 removed[STAS_N_CAUSES][2];
} StasServiceCounters;

typedef struct {
	StasDaemon daemon;
	const char *bus_name;	 /* "org.nvmexpress.staf" */
	const char *object_path; /* "/org/nvmexpress/staf" */
	const char *noun;	 /* "discovery controller", for STATUS= */
	GDBusInterfaceInfo *(*debug_interface)(void);
	/* Export the main interface on @bus (before the name is requested). */
	gboolean (*export)(StasService *svc, GDBusConnection *bus, GError **error);
	void (*unexport)(StasService *svc);
	/* The bus name is ours: this is the one running instance. */
	void (*started)(StasService *svc);
	/* A new controller of this daemon's kind for @tid. */
	StasCtrl *(*new_ctrl)(StasService *svc, StasTid *tid);
	/* Phase 2 of a reconciliation: @configured are the controller= TIDs
	 * that survived exclusion and name resolution. */
	void (*reconcile)(StasService *svc, GPtrArray *configured);
	/* Every candidate for phase 2 from @configured and what the daemon
	 * knows now, without changing anything (the reconciliation and --plan). */
	StasCandidates *(*candidates)(StasService *svc, GPtrArray *configured);
	/* After a reload re-read the configuration. */
	void (*reloaded)(StasService *svc);
	/* A uevent of a managed controller's device (@ctrl) or of another
	 * nvme device (@ctrl NULL). */
	void (*uevent)(StasService *svc, StasCtrl *ctrl, const StasUevent *event);
	/* udev lost events; @ctrl still has its device: refresh what may be stale. */
	void (*resync)(StasService *svc, StasCtrl *ctrl);
	/* Last-known state: extra members of a controller's record, and a
	 * controller rebuilt from a record (NULL to skip it). */
	void (*save_record)(StasService *svc, StasCtrl *ctrl, JsonObject *record);
	StasCtrl *(*restore_record)(StasService *svc, StasTid *tid, JsonObject *record);
	/* Keep @ctrl's kernel connection when stopping? */
	gboolean (*keep_on_stop)(StasService *svc, StasCtrl *ctrl);
	/* Extra members of process_info (stafd: "avahi"). */
	void (*process_info)(StasService *svc, JsonBuilder *builder, gboolean root);
	void (*finalize)(StasService *svc);
} StasServiceClass;

struct _StasService {
	const StasServiceClass *klass;
	StasLogger *logger;
	char *conf_path;
	StasConf *conf;
	StasHost *host;
	StasCtrlEnv env;
	GHashTable *ctrls; /* StasTid* -> StasCtrl* */
	StasTerminator *terminator;
	StasTimer *soak;
	gint64 soak_since; /* monotonic time of the first change the soak holds */
	StasUdev *udev;
	char *state_path;
	GCancellable *resolving;
	guint resolving_pending;
	gboolean reconcile_again; /* a soak expired while names were being resolved */
	GPtrArray *resolved;
	GHashTable *last_resolved; /* StasTid* as configured -> StasTid* it last resolved to */
	/* Phase 1's decisions: StasTid* -> StasVerdict* (configured controllers
	 * dropped before phase 2) and StasTid* -> "controller= at FILE:LINE". */
	GHashTable *phase1_verdicts;
	GHashTable *configured_from;
	GHashTable *verdicts; /* StasTid* -> StasVerdict*: the last reconciliation's */
	GHashTable *departed; /* StasTid* -> StasVerdict* of controllers that went (bounded) */
	StasServiceCounters counters;
	StasMetricsFile *metrics_file; /* NULL unless [Global] metrics-file is set */
	/* Reloads counted, for those that wait until theirs is in force
	 * (service-reload.c): the reconciliation running began after
	 * pass_reloads of them, the last one applied after applied_reloads. */
	guint reloads;
	guint pass_reloads;
	guint applied_reloads;
	GPtrArray *reload_waiters;
	gboolean stopping;
	guint stop_grace_id;
	int exit_status;
	GMainLoop *loop;
	GDBusConnection *bus;
	guint debug_id;
	guint name_id;
	guint signal_ids[3];
};

/* Start-up after the command line and privilege checks. @svc is the
 * zero-filled subclass object. On failure prints why, sets *exit_status
 * and returns FALSE (the caller frees @svc). */
gboolean stas_service_init(StasService *svc, const StasServiceClass *klass, StasLogger *logger,
			   const char *conf_path, gboolean tron, int *exit_status);
/* Runs the main loop until stopped; returns the exit status. */
int stas_service_run(StasService *svc);
void stas_service_free(StasService *svc);

void stas_service_set_trace(StasService *svc, gboolean on);
void stas_service_reload(StasService *svc);
/* How long a reload waits for the controllers it removed to leave. */
#define STAS_RELOAD_WAIT_S 60
/* @in_force: FALSE when the wait was cut short (STAS_RELOAD_WAIT_S, exit). */
typedef void (*StasReloadedFunc)(StasService *svc, gboolean in_force, gpointer data);
/* Reload as SIGHUP does, then run @func once the new configuration is in
 * force: a reconciliation begun after the reload has been applied and every
 * controller it removed has left (disconnected, or handed over with its
 * connection kept). Connects it starts are not waited for. */
void stas_service_reload_then(StasService *svc, StasReloadedFunc func, gpointer data);
void stas_service_stop(StasService *svc);
/* Reconcile once changes paused for STAS_SOAK_QUIET_S, at most STAS_SOAK_S after the first. */
void stas_service_soak(StasService *svc);
/* The start-up soak: the whole STAS_SOAK_S, or until STAS_SOAK_QUIET_S after a change. */
void stas_service_soak_first(StasService *svc);
void stas_service_notify_status(StasService *svc);

/* Managed controllers. */
StasCtrl *stas_service_lookup(StasService *svc, const StasTid *tid);
/* StasDeviceOwnedFunc of a service (@svc): managed controllers and those
 * leaving through the terminator hold their devices. */
gboolean stas_service_device_owned(const char *device, gpointer svc);
/* The managed controller that has kernel device @device, or NULL. */
StasCtrl *stas_service_lookup_device(StasService *svc, const char *device);
/* list_controllers' reply (aa{ss}): identity or full state of each managed
 * controller; secrets only when @root. */
GVariant *stas_service_controller_list(StasService *svc, gboolean detailed, gboolean root);
/* Answers a list_controllers call once the caller's uid is known. */
void stas_service_reply_controller_list(StasService *svc, GDBusMethodInvocation *invocation,
					gboolean detailed);
/* Sorted by printable TID, for stable output. Borrowed pointers. */
GPtrArray *stas_service_ctrls(StasService *svc);
/* Takes @ctrl (the service's reference) and schedules its first connection. */
void stas_service_add(StasService *svc, StasCtrl *ctrl);
/* Hand @ctrl over to the terminator (disconnect unless @keep). */
void stas_service_remove(StasService *svc, StasCtrl *ctrl, gboolean keep);
/* Same controller, new options: the service keys controllers by TID. */
void stas_service_update_tid(StasService *svc, StasCtrl *ctrl, StasTid *tid);
void stas_service_save_state(StasService *svc);
/* Rebuild the controllers of the last-known state (start-up; tests). */
void stas_service_restore_state(StasService *svc);

/* The whole of a daemon's main(): command line, --version, --check-config,
 * --idl (writes @interfaces as introspection XML), root and
 * /dev/nvme-fabrics checks, logging, then @start and the main loop. */
typedef StasService *(*StasServiceStart)(StasLogger *logger, const char *conf_path, gboolean tron,
					 int *exit_status);
int stas_daemon_main(StasDaemon daemon, int argc, char **argv, GDBusInterfaceInfo *const *interfaces,
		     StasServiceStart start);

/* Shared reconciliation rules. */

/* What differs between the daemons when stas_service_apply() brings the
 * managed controllers to what is wanted; every hook may be NULL. */
typedef struct {
	const char *noun; /* "Controller", "I/O controller": the removal's log line */
	/* @ctrl is not wanted (@listed: it is in @all, but excluded or invalid):
	 * does it stay anyway (then say why in @why)? stafd keeps an mDNS DC that
	 * merely stopped being advertised until it also stops answering. */
	gboolean (*spare)(StasService *svc, StasCtrl *ctrl, gboolean listed, gpointer data, StasReason *why);
	/* Is @tid wanted whatever exclude= and ip-family say? (stacd: a controller
	 * the host booted from, NBFT) */
	gboolean (*pinned)(StasService *svc, const StasTid *tid, gpointer data);
	/* Where @tid comes from, besides a controller= line: add it to @verdict. */
	void (*origin)(StasService *svc, const StasTid *tid, gpointer data, StasVerdict *verdict);
	/* @ctrl goes: does its kernel connection stay (disconnect-scope)? @why
	 * says so either way (KEEP or DISCONNECT). */
	gboolean (*keep_connection)(StasService *svc, StasCtrl *ctrl, gpointer data, StasReason *why);
	/* Once the set is right: each managed controller learns what the
	 * daemon knows about it (stafd: its origin; stacd: its log page entry). */
	void (*annotate)(StasService *svc, StasCtrl *ctrl, gpointer data);
} StasServiceApply;

/* Phase 2's input: every candidate TID in order of precedence (duplicates
 * allowed) and the daemon's rules. */
struct _StasCandidates {
	GPtrArray *all; /* StasTid* */
	const StasServiceApply *how;
	gpointer data; /* the hooks' */
	GDestroyNotify free_data;
};

StasCandidates *stas_candidates_new(const StasServiceApply *how, gpointer data, GDestroyNotify free_data);
void stas_candidates_free(StasCandidates *cands);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(StasCandidates, stas_candidates_free)

typedef enum {
	STAS_ACTION_NONE,   /* not wanted and not managed: nothing to do */
	STAS_ACTION_ADD,    /* wanted, not managed yet: connect */
	STAS_ACTION_KEEP,   /* wanted and managed */
	STAS_ACTION_UPDATE, /* wanted and managed, with changed options */
	STAS_ACTION_SPARE,  /* not wanted, stays for now */
	STAS_ACTION_REMOVE, /* managed, not wanted: goes (connection kept or not) */
} StasAction;

/* What phase 2 does about one candidate or managed controller. */
typedef struct {
	StasTid *tid;	/* the candidate's (options as listed), or the controller's */
	StasCtrl *ctrl; /* borrowed; NULL when not managed */
	StasAction action;
	gboolean disconnect;  /* REMOVE: the kernel connection goes too */
	StasVerdict *verdict; /* why */
} StasDecision;

/* Phase 2 without its effects: a decision per candidate and per managed
 * controller, managed ones first (sorted), then the rest in order. */
GPtrArray *stas_service_decide(StasService *svc, const StasCandidates *cands);
/* Phase 2's one mechanism, for both daemons: the candidates that are pinned,
 * or neither excluded nor invalid, are wanted; managed controllers that are
 * not go (unless spared), wanted ones not managed yet are created, managed
 * ones whose options changed take the new ones (same controller, same
 * connection). Records the verdicts and counts. Returns how many went. */
guint stas_service_apply(StasService *svc, const StasCandidates *cands);
/* The admission rules for @tid: exclusion, then nvme-stas's address filter
 * (tcp/rdma need an IP literal of an enabled family, fc/loop always pass,
 * other transports are dropped). Sets @why (WANTED or why not) and returns
 * whether it admits. */
gboolean stas_service_admit(StasService *svc, const StasTid *tid, StasReason *why);
/* Phases 1 and 2 against @conf instead of the live configuration, for
 * --plan: phase 1 at once (a host name takes the address it last resolved
 * to), with phase 1's memory set aside and restored; the decisions are
 * returned, none is carried out. */
GPtrArray *stas_service_decide_for(StasService *svc, StasConf *conf);
/* JSON for admins (service-explain.c). explain: every candidate whose
 * subsysnqn, traddr, printable TID or device is @target ("" = all), with
 * where it comes from, the rules' verdict, its state, last error, attempts
 * and counters. plan: what a reload with @text (as if read from @path)
 * would connect, disconnect and keep; nothing is changed. metrics: the
 * counters in the Prometheus text format. */
char *stas_service_explain(StasService *svc, const char *target);
char *stas_service_plan(StasService *svc, const char *path, const char *text);
char *stas_service_metrics(StasService *svc);
/* The verdict about @tid: this pass's phase 1, the last phase 2, or that of
 * a controller that went (*@departed, which may be NULL); NULL when none. */
const StasVerdict *stas_service_verdict(StasService *svc, const StasTid *tid, gboolean *departed);
/* The reconciliation's memory (resolved names, verdicts): made at start-up, freed by stas_service_free. */
void stas_service_reconcile_init(StasService *svc);
void stas_service_reconcile_clear(StasService *svc);
/* A TID from a cid with this service's host NQN and ignore-iface. */
StasTid *stas_service_tid(StasService *svc, GHashTable *cid);
