// SPDX-License-Identifier: Apache-2.0
/*
 * The fabrics options of a connection (fabrics.h).
 */
#include "stas/fabrics.h"

int stas_fabrics_unset(StasFabricsOpt opt)
{
	return opt == STAS_FABRICS_CTRL_LOSS_TMO ? STAS_UNSET : -1;
}

gboolean stas_fabrics_is_set(StasFabricsOpt opt, int value)
{
	return stas_fabrics_unset(opt) == -1 ? value >= 0 : value != stas_fabrics_unset(opt);
}

void stas_fabrics_cfg_init(StasFabricsCfg *cfg)
{
	for (guint opt = 0; opt < STAS_FABRICS_COUNT; opt++)
		cfg->value[opt] = stas_fabrics_unset(opt);
}
