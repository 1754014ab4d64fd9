/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What the sysfs and match suites share: controller dictionaries, TIDs as
 * the daemons build them, a hand-built interface snapshot, and fake
 * /sys/class/nvme trees laid out the way the kernel does.
 */
#pragma once

#include "stas/udev.h"

#define WKNQN	"nqn.2014-08.org.nvmexpress.discovery"
#define HOSTNQN "nqn.2014-08.org.nvmexpress:uuid:11111111-2222-3333-4444-555555555555"
#define SUBSYS	"nqn.1988-11.com.dell:powerstore:00:abcdef"

/* A char* -> char* table from NULL-terminated key, value pairs. */
GHashTable *dict_new(const char *first_key, ...) G_GNUC_NULL_TERMINATED;
/* A candidate built the way the daemons build them from a dictionary. */
StasTid *tid_from(GHashTable *dict);
/* lo, eth0 (several addresses), eth1, v6only; no address appears twice. */
StasIfaces *test_ifaces(void);

typedef struct {
	const char *trtype, *traddr, *trsvcid, *host_traddr, *host_iface; /* NULL: not in uevent */
	const char *subsysnqn, *hostnqn, *cntrltype, *address;		  /* NULL: no such file */
	const char *child; /* a child device directory, e.g. "nvme1n1" */
} FakeCtrl;

/* Lays out @root/class/nvme/@name the way the kernel does. */
void fake_ctrl(const char *root, const char *name, const FakeCtrl *c);
/* A tcp I/O controller as the kernel 6.1+ shows it. */
extern const FakeCtrl tcp_ioc;
