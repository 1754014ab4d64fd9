// SPDX-License-Identifier: Apache-2.0
/*
 * Controllers waiting to be disconnected. Controllers tell the terminator
 * when their last operation completes (on_idle), so disconnection happens
 * as soon as it is safe; the 30 s audit timer is a safety net, as in
 * nvme-stas.
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
	GPtrArray *pending; /* Pending* */
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
	t->audit = stas_timer_new(AUDIT_S, on_audit, t);
	return t;
}

void stas_terminator_free(StasTerminator *t)
{
	if (!t)
		return;
	g_ptr_array_unref(t->pending);
	stas_timer_free(t->audit);
	g_free(t);
}

static void release(StasTerminator *t, guint index)
{
	Pending *p = g_ptr_array_steal_index(t->pending, index);

	p->ctrl->on_idle = NULL;
	stas_ctrl_disconnect(p->ctrl, p->keep, p->done, p->user_data);
	stas_ctrl_unref(p->ctrl);
	g_free(p);
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
	Pending *p;

	if (!stas_ctrl_busy(ctrl)) {
		stas_ctrl_disconnect(ctrl, keep, done, user_data);
		return;
	}
	stas_debug("%s | %s - Waiting for operations in flight before disconnecting", stas_ctrl_id(ctrl),
		   stas_ctrl_device(ctrl));
	p = g_new0(Pending, 1);
	p->t = t;
	p->ctrl = stas_ctrl_ref(ctrl);
	p->keep = keep;
	p->done = done;
	p->user_data = user_data;
	ctrl->on_idle = on_ctrl_idle;
	ctrl->on_idle_data = t;
	g_ptr_array_add(t->pending, p);
	stas_timer_start_if_off(t->audit);
}

gboolean stas_terminator_pending(StasTerminator *t, const StasTid *tid)
{
	for (guint i = 0; i < t->pending->len; i++) {
		Pending *p = g_ptr_array_index(t->pending, i);

		if (stas_tid_equal(p->ctrl->tid, tid))
			return TRUE;
	}
	return FALSE;
}

gboolean stas_terminator_has_device(StasTerminator *t, const char *device)
{
	for (guint i = 0; i < t->pending->len; i++) {
		Pending *p = g_ptr_array_index(t->pending, i);

		if (g_strcmp0(p->ctrl->device, device) == 0)
			return TRUE;
	}
	return FALSE;
}

guint stas_terminator_count(StasTerminator *t)
{
	return t->pending->len;
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
