/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The names stas shares with the world, spelled once: the D-Bus names and
 * object paths of the two daemons (nvme-stas's, so clients keep working),
 * and the well-known discovery subsystem NQN of the NVMe specification
 * (libnvme's NVME_DISC_SUBSYS_NAME, without pulling in libnvme's headers).
 */
#pragma once

#define STAS_STAF_BUS_NAME    "org.nvmexpress.staf"
#define STAS_STAF_OBJECT_PATH "/org/nvmexpress/staf"
#define STAS_STAC_BUS_NAME    "org.nvmexpress.stac"
#define STAS_STAC_OBJECT_PATH "/org/nvmexpress/stac"

#define STAS_WKNQN "nqn.2014-08.org.nvmexpress.discovery"
