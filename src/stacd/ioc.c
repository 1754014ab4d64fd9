// SPDX-License-Identifier: Apache-2.0
/*
 * I/O controllers. Once connected there is nothing more to do than stay
 * connected: the generic life cycle (ctrl.c) reconnects after the kernel
 * deletes the device. What is particular is the NCC rule: a log page entry
 * with the "not connected to CDC" flag may name a controller that cannot be
 * reached yet, so after connect-attempts-on-ncc failures stacd stops trying
 * until the flag clears or the configuration is reloaded.
 */
#include "ioc.h"
#include "stas/log.h"
#include "stas/dbus-util.h"
#include "stas/pprint.h"

#define EFLAGS_NCC 0x4

struct _StasIoc {
	StasCtrl ctrl; /* first: a StasIoc is a StasCtrl */
	GHashTable *dlpe;
	StasIocAttemptFunc attempted;
	gpointer attempted_data;
};

static StasIoc *IOC(StasCtrl *ctrl)
{
	return (StasIoc *)ctrl;
}

static gboolean dlpe_ncc(GHashTable *dlpe)
{
	const char *eflags = dlpe ? g_hash_table_lookup(dlpe, "eflags") : NULL;

	return eflags && (g_ascii_strtoull(eflags, NULL, 10) & EFLAGS_NCC);
}

gboolean stas_ioc_ncc(StasIoc *ioc)
{
	return dlpe_ncc(ioc->dlpe);
}

static void attempted(StasIoc *ioc)
{
	if (ioc->attempted)
		ioc->attempted(ioc, ioc->attempted_data);
}

static void ioc_connected(StasCtrl *ctrl)
{
	attempted(IOC(ctrl));
}

static void ioc_connect_failed(StasCtrl *ctrl, const GError *error)
{
	StasIoc *ioc = IOC(ctrl);
	gint64 max = 0;

	if (stas_ioc_ncc(ioc) && ctrl->env->conf)
		stas_conf_get_int(ctrl->env->conf, STAS_OPT_CONNECT_ATTEMPTS_ON_NCC, &max);
	if (max && ctrl->connect_attempts >= max) {
		stas_timer_stop(ctrl->retry_timer);
		stas_reason_set(&ctrl->status, STAS_REASON_NCC_GAVE_UP,
				"Gave up after %u attempts (connect-attempts-on-ncc): the controller is not "
				"connected to the CDC (NCC)",
				ctrl->connect_attempts);
		stas_info("%s | %s - %s", stas_ctrl_id(ctrl), stas_ctrl_device(ctrl), ctrl->status.text);
	} /* else the retry timer is armed */
	attempted(ioc);
}

void stas_ioc_on_attempt(StasIoc *ioc, StasIocAttemptFunc func, gpointer data)
{
	ioc->attempted = func;
	ioc->attempted_data = data;
}

void stas_ioc_set_dlpe(StasIoc *ioc, GHashTable *dlpe)
{
	gboolean was_ncc = stas_ioc_ncc(ioc);

	if (dlpe)
		g_hash_table_ref(dlpe);
	g_clear_pointer(&ioc->dlpe, g_hash_table_unref);
	ioc->dlpe = dlpe;
	if (was_ncc && !stas_ioc_ncc(ioc) && !stas_ctrl_connected(&ioc->ctrl)) {
		ioc->ctrl.connect_attempts = 0;
		stas_reason_clear(&ioc->ctrl.status);
		stas_ctrl_schedule_connect(&ioc->ctrl);
	}
}

GHashTable *stas_ioc_get_dlpe(StasIoc *ioc)
{
	return ioc->dlpe;
}

void stas_ioc_reload(StasIoc *ioc)
{
	StasCtrl *ctrl = &ioc->ctrl;

	if (!stas_ctrl_connected(ctrl) && !stas_timer_is_armed(ctrl->retry_timer) && !stas_ctrl_busy(ctrl))
		stas_ctrl_schedule_connect(ctrl);
}

static void ioc_add_info(StasCtrl *ctrl, GHashTable *info)
{
	StasIoc *ioc = IOC(ctrl);

	g_autoptr(JsonNode) dlpe = ioc->dlpe ? stas_json_dict(ioc->dlpe) : NULL;

	/* nvme-stas showed the entry as a Python dict on one line. */
	g_hash_table_insert(info, g_strdup("dlpe"), stas_pprint_format(dlpe, G_MAXINT));
	g_hash_table_insert(info, g_strdup("dlpe.eflags.ncc"),
			    g_strdup(stas_ioc_ncc(ioc) ? "True" : "False"));
}

static void ioc_finalize(StasCtrl *ctrl)
{
	g_clear_pointer(&IOC(ctrl)->dlpe, g_hash_table_unref);
}

static const StasCtrlClass ioc_class = {
	.discovery = FALSE,
	.connected = ioc_connected,
	.connect_failed = ioc_connect_failed,
	.add_info = ioc_add_info,
	.finalize = ioc_finalize,
};

StasIoc *stas_ioc_new(StasTid *tid, StasCtrlEnv *env)
{
	StasIoc *ioc = g_new0(StasIoc, 1);

	stas_ctrl_init(&ioc->ctrl, &ioc_class, tid, env);
	return ioc;
}

StasCtrl *stas_ioc_ctrl(StasIoc *ioc)
{
	return &ioc->ctrl;
}

StasIoc *stas_ioc_from_ctrl(StasCtrl *ctrl)
{
	g_return_val_if_fail(ctrl->klass == &ioc_class, NULL);
	return IOC(ctrl);
}

void stas_ioc_unref(StasIoc *ioc)
{
	if (ioc)
		stas_ctrl_unref(&ioc->ctrl);
}
