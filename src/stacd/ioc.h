/* SPDX-License-Identifier: Apache-2.0 */
/*
 * An I/O controller as stacd manages it: a StasCtrl that connects and stays
 * connected (re-creating a connection deleted behind its back while it is
 * wanted), with the log page entry that made it wanted and nvme-stas's
 * rule to give up on controllers that are "not connected to the CDC" (NCC).
 */
#pragma once

#include "stas/ctrl.h"

typedef struct _StasIoc StasIoc;

StasIoc *stas_ioc_new(StasTid *tid, StasCtrlEnv *env);
StasCtrl *stas_ioc_ctrl(StasIoc *ioc);
StasIoc *stas_ioc_from_ctrl(StasCtrl *ctrl);
void stas_ioc_unref(StasIoc *ioc);

/* The log page entry that lists this controller (NULL: none). Takes a
 * reference. When NCC clears on a controller that gave up, it tries again. */
void stas_ioc_set_dlpe(StasIoc *ioc, GHashTable *dlpe);
GHashTable *stas_ioc_get_dlpe(StasIoc *ioc);
gboolean stas_ioc_ncc(StasIoc *ioc);
/* Reload: a controller that is not connected and not waiting to retry
 * (it gave up) tries again. */
void stas_ioc_reload(StasIoc *ioc);
/* @func runs after each connect or adoption attempt has finished, whatever
 * its outcome (stacd's start-up audit waits for the first ones). */
typedef void (*StasIocAttemptFunc)(StasIoc *ioc, gpointer data);
void stas_ioc_on_attempt(StasIoc *ioc, StasIocAttemptFunc func, gpointer data);
