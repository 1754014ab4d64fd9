/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The fabrics options a connection carries (SPEC §7.3) as data: one row per
 * option, named by the configuration table's fabrics column (conf.c), read
 * per controller with its controller= override (ctrl.c), handed to libnvme
 * by one loop (nvme.c). A new connect option is a row here and there.
 */
#pragma once

#include <glib.h>

typedef enum {
	STAS_FABRICS_NONE, /* not a fabrics option */
	STAS_FABRICS_KATO,
	STAS_FABRICS_QUEUE_SIZE,
	STAS_FABRICS_NR_IO_QUEUES,
	STAS_FABRICS_NR_WRITE_QUEUES,
	STAS_FABRICS_NR_POLL_QUEUES,
	STAS_FABRICS_RECONNECT_DELAY,
	STAS_FABRICS_CTRL_LOSS_TMO,
	STAS_FABRICS_HDR_DIGEST,
	STAS_FABRICS_DATA_DIGEST,
	STAS_FABRICS_DISABLE_SQFLOW,
	STAS_FABRICS_TLS,
	STAS_FABRICS_COUNT
} StasFabricsOpt;

/* ctrl-loss-tmo -1 means "reconnect forever" to the kernel, so its unset
 * value is this one; every other option is unset at -1. */
#define STAS_UNSET G_MININT

/* The options of one connection: value[opt], an integer, or 0/1 for the
 * boolean ones; unset (the kernel's default) is stas_fabrics_unset(opt). */
typedef struct {
	int value[STAS_FABRICS_COUNT];
} StasFabricsCfg;

int stas_fabrics_unset(StasFabricsOpt opt);
/* Is @value a setting for @opt (not unset, and not a negative integer where
 * only -1 is unset)? */
gboolean stas_fabrics_is_set(StasFabricsOpt opt, int value);
void stas_fabrics_cfg_init(StasFabricsCfg *cfg); /* everything unset */
