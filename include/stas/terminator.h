/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The terminator: controllers leave through it. It never issues a disconnect
 * while a kernel operation of the controller is still in flight (the kernel
 * could run them out of order and leave behind a connection the daemon
 * believes gone); it waits for the controller to go idle, then disconnects
 * it (or keeps the connection) and reports when it is done.
 */
#pragma once

#include "stas/ctrl.h"

typedef struct _StasTerminator StasTerminator;

StasTerminator *stas_terminator_new(void);
void stas_terminator_free(StasTerminator *t);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(StasTerminator, stas_terminator_free)

/* Take @ctrl (a reference is kept until @done has run). */
void stas_terminator_dispose(StasTerminator *t, StasCtrl *ctrl, gboolean keep, StasCtrlDoneFunc done,
			     gpointer user_data);
/* The first controller leaving through @t (waiting, or its disconnect still
 * running) that @match accepts, or NULL. */
typedef gboolean (*StasCtrlMatchFunc)(StasCtrl *ctrl, gconstpointer data);
StasCtrl *stas_terminator_find(StasTerminator *t, StasCtrlMatchFunc match, gconstpointer data);
/* TRUE while a controller with this TID waits to be disconnected. */
gboolean stas_terminator_pending(StasTerminator *t, const StasTid *tid);
guint stas_terminator_count(StasTerminator *t);
/* TRUE while a pending controller still holds kernel device @device. */
gboolean stas_terminator_has_device(StasTerminator *t, const char *device);
/* Re-check every pending controller now (udev add/remove, audit timer). */
void stas_terminator_poke(StasTerminator *t);
/* Shutdown: stop waiting, disconnect everything pending at once. */
void stas_terminator_flush(StasTerminator *t);
/* Debug output: audit timer, and "controller.<tid>" entries. */
void stas_terminator_describe(StasTerminator *t, GHashTable *out);
