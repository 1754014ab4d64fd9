/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The INI dialect shared by sys.conf, stafd.conf and stacd.conf: the rules of
 * Python's configparser as nvme-stas uses it (case-sensitive sections,
 * case-folded keys, '=' as the only delimiter, full-line comments only,
 * indented continuation lines, every occurrence of a key kept in order).
 *
 * Unlike configparser, nothing here ever fails a whole file: a line that
 * cannot be understood is reported as a problem and skipped.
 */
#pragma once

#include <glib.h>

#include "stas/problem.h"

typedef struct _StasIni StasIni;

/* One occurrence of a key. A key written without '=' has value NULL. */
typedef struct {
	char *key;	    /* lower-case */
	char *value;	    /* NULL when the line had no '=' */
	guint line;	    /* 1-based line number */
	gboolean continued; /* a continuation line of the key line before it */
} StasIniEntry;

StasIni *stas_ini_new(const char *path);
void stas_ini_free(StasIni *ini);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(StasIni, stas_ini_free)

/* Parse a file. A missing file is an empty configuration, not an error.
 * Returns NULL with @error set only when the file exists and cannot be read,
 * is not a regular file (see stas_file_open) or is larger than
 * STAS_INI_MAX_SIZE. Problems found in the text are appended to @problems
 * (may be NULL). */
#define STAS_INI_MAX_SIZE (1024u * 1024u)
StasIni *stas_ini_load(const char *path, StasProblems *problems, GError **error);
/* The first line of @path (without its line break) through stas_file_open;
 * a first line longer than @max bytes is an error rather than a guess. */
char *stas_ini_read_first_line(const char *path, gsize max, GError **error);
/* Parse text already in memory; @path names it in problems. */
StasIni *stas_ini_parse(const char *path, const char *text, gsize len, StasProblems *problems);

const char *stas_ini_path(const StasIni *ini);
/* Section names (const char*) in order of first appearance, owned by @ini. */
const GPtrArray *stas_ini_sections(const StasIni *ini);
gboolean stas_ini_has_section(const StasIni *ini, const char *section);
/* Line of the first header of @section, 0 if absent. */
guint stas_ini_section_line(const StasIni *ini, const char *section);
/* All entries of @section (merged across repeated headers), in file order;
 * NULL when the section does not exist. Each continuation line is its own
 * entry with the key of the line it continues (the multi-valued view). */
const GPtrArray *stas_ini_entries(const StasIni *ini, const char *section);
/* The last entry for @key in @section, or NULL. */
const StasIniEntry *stas_ini_last(const StasIni *ini, const char *section, const char *key);

/* Editing, for stasadm. Setting gives the first occurrence of @key the new
 * value in place and drops the others; both create @section if needed. */
void stas_ini_add_section(StasIni *ini, const char *section);
/* FALSE, and nothing changed, for a value with a line break: written out it
 * would be a line of its own (another key, another section). */
gboolean stas_ini_set(StasIni *ini, const char *section, const char *key, const char *value);
void stas_ini_remove(StasIni *ini, const char *section, const char *key);
/* Canonical form: "[Section]" lines, "key = value" lines, a blank line
 * after each section. Comments of the original are not kept. */
char *stas_ini_to_string(const StasIni *ini);
