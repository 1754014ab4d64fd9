// SPDX-License-Identifier: Apache-2.0
/*
 * Controllers waiting to be disconnected. Controllers tell the terminator
 * when their last operation completes (on_idle), so disconnection happens
 * as soon as it is safe; the 30 s audit timer is a safety net, as in
 * nvme-stas. A controller stays the terminator's until its disconnect has
 * completed: until then its device is still taken, and no new controller
 * may adopt the device the kernel is deleting.
 */
#include "stas/terminator.h"
#include "stas/log.h"

#define AUDIT_S 30.0

typedef struct {
	StasTerminator *t;
	StasCtrl *ctrl;
	gboolean keep;
	StasCtrlDoneFunc done;
	gpointer user_data;
} Pending;

struct _StasTerminator {
	GPtrArray *pending; /* Pending*, waiting for their controller to go idle */
	GPtrArray *leaving; /* Pending*, disconnect in progress */
	StasTimer *audit;
};

static void pending_free(gpointer data)
{
	Pending *p = data;

	p->ctrl->on_idle = NULL;
	stas_ctrl_unref(p->ctrl);
	g_free(p);
}

static gboolean on_audit(gpointer data)
{
	stas_terminator_poke(data);
	return G_SOURCE_REMOVE;
}

StasTerminator *stas_terminator_new(void)
{
	StasTerminator *t = g_new0(StasTerminator, 1);

	t->pending = g_ptr_array_new_with_free_func(pending_free);
	t->leaving = g_ptr_array_new();
	t->audit = stas_timer_new(AUDIT_S, on_audit, t);
	return t;
}

void stas_terminator_free(StasTerminator *t)
{
	if (!t)
		return;
	g_ptr_array_unref(t->pending);
	/* Disconnects still running when the daemon exits: their completion
	 * never runs (the loop is gone), so only the back pointer goes. */
	for (guint i = 0; i < t->leaving->len; i++)
		((Pending *)g_ptr_array_index(t->leaving, i))->t = NULL;
	g_ptr_array_unref(t->leaving);
	stas_timer_free(t->audit);
	g_free(t);
}

static void on_left(StasCtrl *ctrl, gboolean success, gpointer data)
{
	Pending *p = data;

	if (p->t)
		g_ptr_array_remove(p->t->leaving, p);
	p->done(ctrl, success, p->user_data);
	stas_ctrl_unref(p->ctrl);
	g_free(p);
}

static void start_leaving(StasTerminator *t, Pending *p)
{
	p->ctrl->on_idle = NULL;
	g_ptr_array_add(t->leaving, p);
	stas_ctrl_disconnect(p->ctrl, p->keep, on_left, p);
}

static void release(StasTerminator *t, guint index)
{
	start_leaving(t, g_ptr_array_steal_index(t->pending, index));
}

void stas_terminator_poke(StasTerminator *t)
{
	for (guint i = t->pending->len; i > 0; i--) {
		Pending *p = g_ptr_array_index(t->pending, i - 1);

		if (!stas_ctrl_busy(p->ctrl))
			release(t, i - 1);
	}
	if (t->pending->len)
		stas_timer_start(t->audit);
	else
		stas_timer_stop(t->audit);
}

static void on_ctrl_idle(StasCtrl *ctrl, gpointer data)
{
	StasTerminator *t = data;

	/* Called from inside the completion of the controller's operation: let
	 * that completion finish before the disconnect starts. */
	stas_timer_expire_now(t->audit);
}

void stas_terminator_dispose(StasTerminator *t, StasCtrl *ctrl, gboolean keep, StasCtrlDoneFunc done,
			     gpointer user_data)
{
	Pending *p = g_new0(Pending, 1);

	p->t = t;
	p->ctrl = stas_ctrl_ref(ctrl);
	p->keep = keep;
	p->done = done;
	p->user_data = user_data;
	if (!stas_ctrl_busy(ctrl)) {
		start_leaving(t, p);
		return;
	}
	stas_debug("%s | %s - Waiting for operations in flight before disconnecting", stas_ctrl_id(ctrl),
		   stas_ctrl_device(ctrl));
	ctrl->on_idle = on_ctrl_idle;
	ctrl->on_idle_data = t;
	g_ptr_array_add(t->pending, p);
	stas_timer_start_if_off(t->audit);
}

StasCtrl *stas_terminator_find(StasTerminator *t, StasCtrlMatchFunc match, gconstpointer data)
{
	GPtrArray *lists[] = { t->pending, t->leaving };

	for (guint l = 0; l < G_N_ELEMENTS(lists); l++) {
		for (guint i = 0; i < lists[l]->len; i++) {
			Pending *p = g_ptr_array_index(lists[l], i);

			if (match(p->ctrl, data))
				return p->ctrl;
		}
	}
	return NULL;
}

static gboolean has_tid(StasCtrl *ctrl, gconstpointer tid)
{
	return stas_tid_equal(ctrl->tid, tid);
}

static gboolean has_device(StasCtrl *ctrl, gconstpointer device)
{
	return g_strcmp0(ctrl->device, device) == 0;
}

gboolean stas_terminator_pending(StasTerminator *t, const StasTid *tid)
{
	return stas_terminator_find(t, has_tid, tid) != NULL;
}

gboolean stas_terminator_has_device(StasTerminator *t, const char *device)
{
	return device && stas_terminator_find(t, has_device, device) != NULL;
}

guint stas_terminator_count(StasTerminator *t)
{
	return t->pending->len + t->leaving->len;
}

void stas_terminator_flush(StasTerminator *t)
{
	while (t->pending->len)
		release(t, t->pending->len - 1);
	stas_timer_stop(t->audit);
}

void stas_terminator_describe(StasTerminator *t, GHashTable *out)
{
	g_hash_table_insert(out, g_strdup("terminator.audit timer"), stas_timer_describe(t->audit));
	for (guint i = 0; i < t->pending->len; i++) {
		Pending *p = g_ptr_array_index(t->pending, i);

		g_hash_table_insert(out, g_strdup_printf("terminator.controller.%s", stas_ctrl_id(p->ctrl)),
				    g_strdup(stas_ctrl_device(p->ctrl)));
	}
}
