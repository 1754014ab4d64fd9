// SPDX-License-Identifier: Apache-2.0
/*
 * Where stas finds things. One table maps each path to its build-time default
 * and the environment variable that relocates it, so tests and containers
 * can point every program at a private tree.
 */
#include "config.h"
#include "stas/paths.h"

typedef struct {
	const char *env;
	const char *fallback_env; /* consulted after env, e.g. systemd's RUNTIME_DIRECTORY */
	const char *def;	  /* default; NULL = computed */
} PathDesc;

static const PathDesc paths[STAS_PATH_COUNT] = {
	[STAS_PATH_CONF_DIR] = { "STAS_CONF_DIR", NULL, STAS_SYSCONFDIR "/stas" },
	[STAS_PATH_NVME_DIR] = { "STAS_NVME_DIR", NULL, STAS_SYSCONFDIR "/nvme" },
	[STAS_PATH_RUNTIME_DIR] = { "STAS_RUNTIME_DIR", "RUNTIME_DIRECTORY", NULL },
	[STAS_PATH_MACHINE_ID] = { "STAS_MACHINE_ID_FILE", NULL, "/etc/machine-id" },
	[STAS_PATH_DMI_PRODUCT_UUID] = { "STAS_DMI_PRODUCT_UUID_FILE", NULL,
					 "/sys/class/dmi/id/product_uuid" },
	[STAS_PATH_DT_PARTITION_UUID] = { "STAS_DT_PARTITION_UUID_FILE", NULL,
					  "/proc/device-tree/ibm,partition-uuid" },
	[STAS_PATH_NVME_FABRICS] = { "STAS_NVME_FABRICS", NULL, "/dev/nvme-fabrics" },
	[STAS_PATH_UDEV_RULES_DIR] = { "STAS_UDEV_RULES_DIR", NULL, "/run/udev/rules.d" },
};

static const char *nonempty_env(const char *name)
{
	const char *value = name ? g_getenv(name) : NULL;

	return value && *value ? value : NULL;
}

char *stas_path(StasPath which, const char *prog)
{
	const PathDesc *desc;
	const char *value;

	g_return_val_if_fail(which < STAS_PATH_COUNT, NULL);
	desc = &paths[which];
	value = nonempty_env(desc->env);
	if (!value)
		value = nonempty_env(desc->fallback_env);
	if (value)
		return g_strdup(value);
	if (which == STAS_PATH_RUNTIME_DIR)
		return g_build_filename(STAS_RUNSTATEDIR, prog ? prog : "stas", NULL);
	return g_strdup(desc->def);
}

const char *stas_path_env(StasPath which)
{
	g_return_val_if_fail(which < STAS_PATH_COUNT, NULL);
	return paths[which].env;
}

char *stas_path_sys_conf(void)
{
	g_autofree char *dir = stas_path(STAS_PATH_CONF_DIR, NULL);

	return g_build_filename(dir, "sys.conf", NULL);
}

char *stas_path_daemon_conf(const char *prog)
{
	g_autofree char *dir = stas_path(STAS_PATH_CONF_DIR, NULL);
	g_autofree char *name = g_strconcat(prog, ".conf", NULL);

	return g_build_filename(dir, name, NULL);
}

char *stas_path_nvme_file(const char *name)
{
	g_autofree char *dir = stas_path(STAS_PATH_NVME_DIR, NULL);

	return g_build_filename(dir, name, NULL);
}
