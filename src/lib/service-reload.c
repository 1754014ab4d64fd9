// SPDX-License-Identifier: Apache-2.0
/*
 * Reloads that end when they are in force. SIGHUP re-reads the files and
 * returns; what the new files change happens later, in the reconciliation
 * the reload soaks for and in the disconnects it hands to the terminator.
 * A caller that must know when that is done (the units' ExecReload=, so that
 * "systemctl reload" returns after an added exclude= has taken its
 * controller away) reloads through stas_service_reload_then(): its callback
 * runs once a reconciliation that began after the reload has been applied
 * and no controller is still leaving, or after STAS_RELOAD_WAIT_S at most.
 */
#include "service-private.h"

typedef struct {
	StasService *svc;
	guint generation; /* the reload's: svc->reloads after it */
	guint timeout_id;
	StasReloadedFunc func;
	gpointer data;
} Waiter;

static void waiter_finish(Waiter *w, gboolean in_force)
{
	g_ptr_array_remove_fast(w->svc->reload_waiters, w);
	g_clear_handle_id(&w->timeout_id, g_source_remove);
	w->func(w->svc, in_force, w->data);
	g_free(w);
}

static gboolean on_wait_over(gpointer data)
{
	Waiter *w = data;

	w->timeout_id = 0;
	stas_warn("Reload: still %u controller(s) leaving after %d s; not waiting any longer",
		  stas_terminator_count(w->svc->terminator), STAS_RELOAD_WAIT_S);
	waiter_finish(w, FALSE);
	return G_SOURCE_REMOVE;
}

static gboolean in_force(StasService *svc, const Waiter *w)
{
	return svc->stopping ||
	       (svc->applied_reloads >= w->generation && stas_terminator_count(svc->terminator) == 0);
}

void stas_service_reload_then(StasService *svc, StasReloadedFunc func, gpointer data)
{
	Waiter *w;

	stas_service_reload(svc);
	w = g_new0(Waiter, 1);
	w->svc = svc;
	w->generation = svc->reloads;
	w->func = func;
	w->data = data;
	w->timeout_id = g_timeout_add_seconds(STAS_RELOAD_WAIT_S, on_wait_over, w);
	g_ptr_array_add(svc->reload_waiters, w);
	stas_service_reload_settle(svc);
}

void stas_service_reload_settle(StasService *svc)
{
	/* Backwards: finishing one removes it (and moves the last into its place). */
	for (guint i = svc->reload_waiters->len; i > 0; i--) {
		Waiter *w = g_ptr_array_index(svc->reload_waiters, i - 1);

		if (in_force(svc, w))
			waiter_finish(w, TRUE);
	}
}

void stas_service_reload_clear(StasService *svc)
{
	if (!svc->reload_waiters)
		return;
	while (svc->reload_waiters->len)
		waiter_finish(g_ptr_array_index(svc->reload_waiters, 0), FALSE);
	g_clear_pointer(&svc->reload_waiters, g_ptr_array_unref);
}
