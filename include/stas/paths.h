/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Every file or directory stas reads outside its own arguments. Each has a
 * build-time default and an environment variable that relocates it, so that
 * tests (and containers) never have to touch /etc, /sys or /run.
 */
#pragma once

#include <glib.h>

typedef enum {
	STAS_PATH_CONF_DIR,	     /* /etc/stas            STAS_CONF_DIR */
	STAS_PATH_NVME_DIR,	     /* /etc/nvme            STAS_NVME_DIR */
	STAS_PATH_RUNTIME_DIR,	     /* /run/<prog>          STAS_RUNTIME_DIR, then RUNTIME_DIRECTORY */
	STAS_PATH_MACHINE_ID,	     /* /etc/machine-id      STAS_MACHINE_ID_FILE */
	STAS_PATH_DMI_PRODUCT_UUID,  /* /sys/class/dmi/id/product_uuid  STAS_DMI_PRODUCT_UUID_FILE */
	STAS_PATH_DT_PARTITION_UUID, /* /proc/device-tree/ibm,partition-uuid  STAS_DT_PARTITION_UUID_FILE */
	STAS_PATH_NVME_FABRICS,	     /* /dev/nvme-fabrics    STAS_NVME_FABRICS */
	STAS_PATH_UDEV_RULES_DIR,    /* /run/udev/rules.d    STAS_UDEV_RULES_DIR */
	STAS_PATH_COUNT
} StasPath;

/* The path, after the environment override; @prog names the runtime
 * directory ("stafd" or "stacd") and is ignored for the other paths. */
char *stas_path(StasPath which, const char *prog);
/* Name of the environment variable that overrides @which. */
const char *stas_path_env(StasPath which);

/* Convenience: files in the configuration directories. */
char *stas_path_sys_conf(void);		       /* <conf dir>/sys.conf */
char *stas_path_daemon_conf(const char *prog); /* <conf dir>/<prog>.conf */
char *stas_path_nvme_file(const char *name);   /* <nvme dir>/<name> */
