// SPDX-License-Identifier: Apache-2.0
/*
 * The nvme-cli autoconnect rule mask and the hand-over of events for
 * discovery controllers that stafd does not manage. Unlike nvme-stas, stafd
 * marks the mask as its own, so it neither deletes an admin's file of the
 * same name nor leaves its own behind after a crash (the systemd unit also
 * removes it after any exit).
 */
#include <errno.h>
#include <gio/gio.h>
#include <glib/gstdio.h>

#include "autoconnect.h"
#include "stas/log.h"
#include "stas/paths.h"

#define RULE_FILE	     "70-nvmf-autoconnect.rules"
#define MARKER		     "# Written by stafd: masks nvme-cli's autoconnect rule while stafd runs."
#define AEN_DISCOVERY_CHANGE "0x70f002"

static char *rule_path(void)
{
	g_autofree char *dir = stas_path(STAS_PATH_UDEV_RULES_DIR, NULL);

	return g_build_filename(dir, RULE_FILE, NULL);
}

/* systemd instance names carry '=' and TAB escaped as \x3d and \x09. */
static void append_arg(GString *out, const char *name, const char *value)
{
	if (out->len)
		g_string_append(out, "\\x09");
	g_string_append_printf(out, "--%s\\x3d%s", name, value);
}

char *stas_autoconnect_rule(const char *systemctl)
{
	g_autoptr(GString) arg = g_string_new(NULL);

	append_arg(arg, "device", "none");
	append_arg(arg, "transport", "fc");
	append_arg(arg, "traddr", "$env{NVMEFC_TRADDR}");
	append_arg(arg, "trsvcid", "none");
	append_arg(arg, "host-traddr", "$env{NVMEFC_HOST_TRADDR}");
	return g_strdup_printf("%s\n"
			       "# nvme-cli's FC rule stays; stafd and stacd handle NVMe/TCP and RDMA.\n"
			       "ACTION==\"change\", SUBSYSTEM==\"fc\", ENV{FC_EVENT}==\"nvmediscovery\", "
			       "ENV{NVMEFC_HOST_TRADDR}==\"*\", ENV{NVMEFC_TRADDR}==\"*\", "
			       "RUN+=\"%s --no-block restart nvmf-connect@%s.service\"\n",
			       MARKER, systemctl, arg->str);
}

static gboolean ours(const char *path)
{
	g_autofree char *text = NULL;

	return g_file_get_contents(path, &text, NULL, NULL) && g_str_has_prefix(text, MARKER);
}

void stas_autoconnect_mask(void)
{
	g_autofree char *path = rule_path();
	g_autofree char *dir = g_path_get_dirname(path);
	g_autofree char *systemctl = g_find_program_in_path("systemctl");
	g_autofree char *rule = NULL;
	g_autoptr(GError) error = NULL;

	if (g_file_test(path, G_FILE_TEST_EXISTS) && !ours(path)) {
		stas_info("%s exists and is not stafd's: left as it is", path);
		return;
	}
	rule = stas_autoconnect_rule(systemctl ? systemctl : "/bin/systemctl");
	if (g_mkdir_with_parents(dir, 0755) < 0 ||
	    !g_file_set_contents_full(path, rule, -1, G_FILE_SET_CONTENTS_CONSISTENT, 0644, &error))
		stas_warn("Cannot mask nvme-cli's autoconnect rule (%s): %s", path,
			  error ? error->message : g_strerror(errno));
}

void stas_autoconnect_unmask(void)
{
	g_autofree char *path = rule_path();

	if (ours(path) && g_unlink(path) < 0)
		stas_warn("Cannot remove %s: %s", path, g_strerror(errno));
}

static gboolean useful(const char *value)
{
	return value && *value && g_ascii_strcasecmp(value, "none") != 0;
}

char *stas_autoconnect_instance(const StasUevent *event)
{
	const char *aen = g_hash_table_lookup(event->properties, "NVME_AEN");
	const char *nvme_event = g_hash_table_lookup(event->properties, "NVME_EVENT");
	const char *host_traddr = g_hash_table_lookup(event->properties, "NVME_HOST_TRADDR");
	const char *host_iface = g_hash_table_lookup(event->properties, "NVME_HOST_IFACE");
	g_autoptr(GString) arg = g_string_new(NULL);

	/* "connected" is deliberately not forwarded, as in nvme-stas. */
	if (!g_str_equal(event->action, "change") ||
	    !(g_strcmp0(aen, AEN_DISCOVERY_CHANGE) == 0 || g_strcmp0(nvme_event, "rediscover") == 0))
		return NULL;
	append_arg(arg, "device", event->sysname);
	if (useful(host_traddr))
		append_arg(arg, "host-traddr", host_traddr);
	if (useful(host_iface))
		append_arg(arg, "host-iface", host_iface);
	return g_string_free(g_steal_pointer(&arg), FALSE);
}

void stas_autoconnect_forward(const StasUevent *event)
{
	g_autofree char *instance = stas_autoconnect_instance(event);
	g_autofree char *systemctl = NULL;
	g_autofree char *unit = NULL;
	g_autoptr(GSubprocess) proc = NULL;
	g_autoptr(GError) error = NULL;

	if (!instance)
		return;
	systemctl = g_find_program_in_path("systemctl");
	if (!systemctl)
		return;
	unit = g_strdup_printf("nvmf-connect@%s.service", instance);
	stas_info("%s is not managed by stafd: handing its event to %s", event->sysname, unit);
	/* --no-block returns at once; the outcome is nvme-cli's business. */
	proc = g_subprocess_new(G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_SILENCE, &error,
				systemctl, "--quiet", "--no-block", "restart", unit, NULL);
	if (!proc)
		stas_debug("Cannot run systemctl: %s", error->message);
	else
		g_subprocess_wait_async(proc, NULL, NULL, NULL);
}
