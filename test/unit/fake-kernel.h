/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A kernel layer for unit tests: every operation is queued until the test
 * completes it, so a test decides the order and outcome of everything the
 * kernel would do (and can hold a connect in flight while other things happen).
 */
#pragma once

#include "stas/ctrl.h"
#include "stas/kernel.h"
#include "stas/service.h"

typedef struct {
	char *op;     /* "connect", "attach", "register", "supported", "get_log", "disconnect" */
	char *device; /* device the op works on (attach and later) */
	int lsp;
	gint64 known_genctr;	/* get_log: the generation the caller knows, -1 = none */
	StasDimTask tas;	/* register: the DIM task */
	char *symname;		/* register: the host symbolic name it carries */
	StasConnectRequest req; /* connect only */
	GTask *task;
} FakeCall;

typedef struct {
	StasKernel parent;
	GQueue *calls;	/* FakeCall*, oldest first */
	char *existing; /* what find_existing answers (NULL = nothing) */
	guint next_instance;
} FakeKernel;

FakeKernel *fake_kernel_new(void);
/* Runs the main context until nothing is pending. */
void fake_iterate(void);
/* Number of queued calls of @op (NULL = any). */
guint fake_count(FakeKernel *k, const char *op);
/* Takes the oldest queued call of @op (fails the test when there is none). */
FakeCall *fake_take(FakeKernel *k, const char *op);
void fake_call_free(FakeCall *call);
/* Fails every queued call as cancelled and runs the callbacks, so that
 * nothing the controllers handed over stays referenced. */
void fake_drain(FakeKernel *k);

/* Completions (each frees @call and iterates the loop). */
void fake_connect_ok(FakeCall *call, const char *device, const char *dctype);
void fake_fail(FakeCall *call, const char *message);
void fake_register_done(FakeCall *call, const char *status);
void fake_supported_done(FakeCall *call, guint flags);
/* @entries: NULL-terminated list of "subtype:traddr" strings. */
void fake_log_done(FakeCall *call, const char *const *entries);
/* The same, read at generation @genctr (fake_log_done: 1). */
void fake_log_done_at(FakeCall *call, guint64 genctr, const char *const *entries);
/* A page still at the generation the call said it knew (known_genctr). */
void fake_log_unchanged(FakeCall *call);
void fake_disconnect_done(FakeCall *call);
/* Completes @call as cancelled (a call the test only inspects). */
void fake_discard(FakeCall *call);

/* What the controller tests share: a fake kernel behind a controller
 * environment, a scratch directory (also the empty sysfs) and a daemon
 * configuration that tests can rewrite. */
typedef struct {
	FakeKernel *kernel;
	StasCtrlEnv env;
	StasDaemon daemon;
	char *dir;
} FakeEnv;

void fake_env_init(FakeEnv *fe, StasDaemon daemon);

/* A daemon's service built by hand, as stas_service_init leaves it, around
 * @kernel (the service frees it), with @conf_text as the configuration,
 * @dir as sysfs root and home of the state file, @hostnqn as the host NQN,
 * and a soak timer whose expiry does nothing (tests reconcile when they
 * choose). No bus, no udev, no avahi. */
void fake_service_init(StasService *svc, const StasServiceClass *klass, FakeKernel *kernel, const char *dir,
		       const char *conf_text, const char *hostnqn);
/* Stops every controller, lets the kernel's calls finish as cancelled, and
 * frees the service (and its kernel). */
void fake_service_free(StasService *svc);
/* Replace the configuration with @text (a stafd.conf or stacd.conf). */
void fake_env_use_conf(FakeEnv *fe, const char *text);
/* Completes whatever is pending and frees everything. */
void fake_env_clear(FakeEnv *fe);
