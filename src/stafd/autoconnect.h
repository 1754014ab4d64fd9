/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Coexistence with nvme-cli's own automation. nvme-cli's udev rule
 * (70-nvmf-autoconnect.rules) reacts to discovery-change AENs and
 * "rediscover" events by running "nvme connect-all", which would race with
 * stacd for the same connections. While stafd runs it masks that rule with a
 * same-named file in /run/udev/rules.d that keeps only the FC rule, and
 * itself asks nvme-cli's service to act for the discovery controllers that
 * stafd does not manage.
 */
#pragma once

#include <glib.h>

#include "stas/udev.h"

/* Write the mask unless an admin's own file of that name is there; a mask
 * left by a stafd that died is replaced. */
void stas_autoconnect_mask(void);
/* Remove the mask, only if it is ours. */
void stas_autoconnect_unmask(void);
/* The rule text (for tests). @systemctl: absolute path of systemctl. */
char *stas_autoconnect_rule(const char *systemctl);
/* The systemd-escaped instance argument of nvmf-connect@.service for a
 * uevent of a discovery controller stafd does not manage, or NULL when
 * nvme-cli has nothing to do for it. */
char *stas_autoconnect_instance(const StasUevent *event);
/* Ask nvme-cli's nvmf-connect@.service to handle @event (asynchronously). */
void stas_autoconnect_forward(const StasUevent *event);
