/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Host identity from sys.conf ([Host] nqn, id, key, symname) with the
 * precedence of nvme-stas: an explicit value, else a file:// path named in
 * sys.conf, else the default file under /etc/nvme. NQN and ID are
 * mandatory; their errors are fatal for the daemons.
 */
#pragma once

#include <glib.h>

#include "stas/problem.h"

#define STAS_HOST_ERROR (stas_host_error_quark())
GQuark stas_host_error_quark(void);

typedef enum {
	STAS_HOST_ERROR_NQN,	    /* mandatory Host NQN could not be read */
	STAS_HOST_ERROR_NQN_FORMAT, /* Host NQN does not start with "nqn." */
	STAS_HOST_ERROR_ID,	    /* mandatory Host ID could not be read */
	STAS_HOST_ERROR_CONF,	    /* sys.conf exists but cannot be read */
} StasHostError;

/* NVMe limits an NQN to 223 bytes. */
#define STAS_HOST_NQN_MAX	 223
/* The DIM entry (TP8010) gives the Host Symbolic Name 256 bytes; libnvme 1.3
 * overflows its buffer for names near 64 KiB, so longer ones never reach it. */
#define STAS_HOST_SYMNAME_MAX	 256
/* A value file (file://, /etc/nvme/host*) is read up to its first line break,
 * at most this many bytes; a longer first line is an error. */
#define STAS_HOST_VALUE_LINE_MAX 4096

typedef struct {
	char *nqn;     /* NULL when undefined */
	char *id;      /* NULL when undefined */
	char *key;     /* DH-HMAC-CHAP host secret; never log it */
	char *symname; /* NULL when undefined */
} StasHost;

/* Read @sys_conf (NULL = the default path). Problems in the file (unknown
 * sections/options) are appended to @problems. Missing optional values are
 * NULL. Fails with the exact nvme-stas messages when the NQN or ID cannot be
 * read or the NQN is malformed. */
StasHost *stas_host_load(const char *sys_conf, StasProblems *problems, GError **error);
void stas_host_free(StasHost *host);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(StasHost, stas_host_free)

/* Resolve one [Host] option the way the daemons do, without validation:
 * returns NULL when undefined; sets @error only when a file cannot be read. */
char *stas_host_resolve(const char *sys_conf, const char *option, GError **error);
