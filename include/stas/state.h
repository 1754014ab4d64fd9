/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Last-known state: what a daemon leaves in its runtime directory so that,
 * restarted, it picks up where it stopped (stafd: its DCs and their cached
 * log pages; stacd: the I/O controllers it made). JSON, written atomically;
 * a corrupt or foreign file is reported and ignored, never fatal.
 */
#pragma once

#include <json-glib/json-glib.h>

#include "stas/json.h"

/* <runtime dir>/last-known-config.json, or <prog>-last-known-config.json
 * when STAS_RUNTIME_DIR puts both daemons in one directory (the Python
 * suite's pickle file beside it is simply not read). */
char *stas_state_path(const char *prog);

/* Write {"format": "stas-state", "version": 1, "daemon": @prog,
 * "controllers": @controllers} to @path with mode 0600 via a temporary file
 * and rename. Takes a reference on @controllers. */
gboolean stas_state_save(const char *path, const char *prog, JsonArray *controllers, GError **error);
/* The "controllers" array of a state file of @prog; NULL with @error set
 * when the file is missing, unreadable, corrupt or not ours. */
JsonArray *stas_state_load(const char *path, const char *prog, GError **error);
