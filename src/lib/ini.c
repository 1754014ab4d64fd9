// SPDX-License-Identifier: Apache-2.0
/*
 * The INI dialect of nvme-stas's configuration files, read the way Python's
 * configparser reads them (so existing files mean the same thing), except that
 * a line configparser would choke on is reported and skipped instead of
 * making the whole file unusable.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "stas/file.h"
#include "stas/ini.h"
#include "stas/secret.h"

typedef struct {
	char *name;
	guint line;
	GPtrArray *entries; /* StasIniEntry* */
} IniSection;

struct _StasIni {
	char *path;
	GPtrArray *sections; /* IniSection*, first appearance order */
	GPtrArray *names;    /* const char*, borrowed from sections */
};

static void entry_free(gpointer data)
{
	StasIniEntry *entry = data;

	g_free(entry->key);
	g_free(entry->value);
	g_free(entry);
}

static void section_free(gpointer data)
{
	IniSection *section = data;

	g_free(section->name);
	g_ptr_array_unref(section->entries);
	g_free(section);
}

StasIni *stas_ini_new(const char *path)
{
	StasIni *ini = g_new0(StasIni, 1);

	ini->path = g_strdup(path);
	ini->sections = g_ptr_array_new_with_free_func(section_free);
	ini->names = g_ptr_array_new();
	return ini;
}

void stas_ini_free(StasIni *ini)
{
	if (!ini)
		return;
	g_free(ini->path);
	g_ptr_array_unref(ini->names);
	g_ptr_array_unref(ini->sections);
	g_free(ini);
}

static IniSection *find_section(const StasIni *ini, const char *name)
{
	for (guint i = 0; i < ini->sections->len; i++) {
		IniSection *section = g_ptr_array_index(ini->sections, i);

		if (g_str_equal(section->name, name))
			return section;
	}
	return NULL;
}

static IniSection *get_section(StasIni *ini, const char *name, guint line)
{
	IniSection *section = find_section(ini, name);

	if (section)
		return section;
	section = g_new0(IniSection, 1);
	section->name = g_strdup(name);
	section->line = line;
	section->entries = g_ptr_array_new_with_free_func(entry_free);
	g_ptr_array_add(ini->sections, section);
	g_ptr_array_add(ini->names, section->name);
	return section;
}

static StasIniEntry *add_entry(IniSection *section, const char *key, const char *value, guint line)
{
	StasIniEntry *entry = g_new0(StasIniEntry, 1);

	entry->key = g_strdup(key);
	entry->value = g_strdup(value);
	entry->line = line;
	g_ptr_array_add(section->entries, entry);
	return entry;
}

static gboolean is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\f' || c == '\v';
}

/* The text of a line without its surrounding blanks, and the column of its
 * first non-blank character (what configparser compares for continuations). */
static char *strip_line(const char *line, gsize len, gsize *indent)
{
	gsize start = 0, end = len;

	while (start < len && is_blank(line[start]))
		start++;
	while (end > start && is_blank(line[end - 1]))
		end--;
	*indent = start;
	return g_strndup(line + start, end - start);
}

/* A printable rendering of a bad line for problem messages, cut short so
 * that a 1 MB line does not become a 1 MB log message, and with its secrets
 * masked (the journal and tickets must never show them). */
static char *excerpt(const char *text)
{
	g_autofree char *masked = stas_secret_mask(text);
	g_autofree char *valid = g_utf8_make_valid(masked, -1);
	GString *out = g_string_new(NULL);
	const char *p;
	guint count = 0;

	for (p = valid; *p && count < 60; p = g_utf8_next_char(p), count++) {
		gunichar c = g_utf8_get_char(p);

		if (g_unichar_isprint(c))
			g_string_append_unichar(out, c);
		else
			g_string_append_printf(out, "\\x%02x", c & 0xff);
	}
	if (*p)
		g_string_append(out, "...");
	return g_string_free(out, FALSE);
}

typedef struct {
	StasIni *ini;
	StasProblems *problems;
	IniSection *section;	/* current section, NULL before the first header */
	StasIniEntry *key_line; /* key line that continuation lines extend */
	gsize key_indent;
	guint pending_empty; /* blank lines seen inside a multi-line value */
} IniParser;

static void parse_header(IniParser *p, const char *text, guint lineno)
{
	const char *close = strrchr(text, ']');

	p->key_line = NULL;
	if (!close || close == text + 1) {
		g_autofree char *shown = excerpt(text);

		stas_problems_add(p->problems, p->ini->path, lineno, NULL, NULL,
				  "malformed section header \"%s\" (expected \"[Section]\"); "
				  "lines up to the next valid header are ignored",
				  shown);
		p->section = NULL;
		return;
	}
	g_autofree char *name = g_strndup(text + 1, close - text - 1);
	p->section = get_section(p->ini, name, lineno);
}

static void parse_key_line(IniParser *p, const char *text, gsize indent, guint lineno)
{
	const char *eq = strchr(text, '=');
	g_autofree char *key = NULL;
	g_autofree char *value = NULL;
	gsize dummy;

	p->key_line = NULL;
	if (!p->section) {
		g_autofree char *shown = excerpt(text);

		stas_problems_add(p->problems, p->ini->path, lineno, NULL, NULL,
				  "\"%s\" is outside any valid [Section]; line ignored", shown);
		return;
	}
	if (eq) {
		g_autofree char *raw_key = strip_line(text, eq - text, &dummy);

		value = strip_line(eq + 1, strlen(eq + 1), &dummy);
		if (!*raw_key) {
			g_autofree char *shown = excerpt(text);

			stas_problems_add(p->problems, p->ini->path, lineno, p->section->name, NULL,
					  "\"%s\" has no option name before '='; line ignored", shown);
			return;
		}
		key = g_utf8_strdown(raw_key, -1);
	} else {
		key = g_utf8_strdown(text, -1);
	}
	p->key_line = add_entry(p->section, key, value, lineno);
	p->key_indent = indent;
}

static void parse_line(IniParser *p, const char *line, gsize len, guint lineno)
{
	g_autofree char *text = NULL;
	gsize indent;

	if (memchr(line, '\0', len) || !g_utf8_validate(line, len, NULL)) {
		stas_problems_add(p->problems, p->ini->path, lineno, p->section ? p->section->name : NULL,
				  NULL, "line is not UTF-8 text; ignored");
		return;
	}
	text = strip_line(line, len, &indent);
	if (text[0] == '#' || text[0] == ';')
		return; /* a comment neither ends nor extends a value */
	if (!text[0]) {
		if (p->key_line && p->key_line->value)
			p->pending_empty++;
		return;
	}
	if (p->key_line && indent > p->key_indent) {
		if (!p->key_line->value) {
			stas_problems_add(p->problems, p->ini->path, lineno, p->section->name,
					  p->key_line->key,
					  "continuation line of an option that has no '='; ignored");
			return;
		}
		for (; p->pending_empty; p->pending_empty--)
			add_entry(p->section, p->key_line->key, "", lineno)->continued = TRUE;
		add_entry(p->section, p->key_line->key, text, lineno)->continued = TRUE;
		return;
	}
	p->pending_empty = 0;
	if (text[0] == '[')
		parse_header(p, text, lineno);
	else
		parse_key_line(p, text, indent, lineno);
}

StasIni *stas_ini_parse(const char *path, const char *text, gsize len, StasProblems *problems)
{
	IniParser p = { .ini = stas_ini_new(path), .problems = problems };
	gsize pos = 0;
	guint lineno = 0;

	/* A UTF-8 byte-order mark is an editor artefact, not part of the first line. */
	if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0)
		pos = 3;
	/* Lines end at \n, \r\n or a lone \r, as with Python's universal newlines. */
	while (pos < len) {
		gsize end = pos;

		while (end < len && text[end] != '\n' && text[end] != '\r')
			end++;
		parse_line(&p, text + pos, end - pos, ++lineno);
		if (end < len && text[end] == '\r' && end + 1 < len && text[end + 1] == '\n')
			end++;
		pos = end + 1;
	}
	return p.ini;
}

char *stas_ini_read_first_line(const char *path, gsize max, GError **error)
{
	int fd = stas_file_open(path, error);
	g_autoptr(GByteArray) data = NULL;
	gboolean truncated;
	int code;
	guint8 *nl;

	if (fd < 0)
		return NULL;
	data = stas_file_read(fd, max, &truncated, &code);
	close(fd);
	if (!data) {
		g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(code), "%s: %s", g_strerror(code),
			    path);
		return NULL;
	}
	/* An empty file has no buffer at all: memchr() must not see NULL (fuzz N1). */
	nl = data->len ? memchr(data->data, '\n', data->len) : NULL;
	if (!nl && truncated) {
		g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_FAILED,
			    "the first line of %s is longer than %zu bytes; not read", path, max);
		return NULL;
	}
	if (!data->len)
		return g_strdup("");
	return g_strndup((const char *)data->data, nl ? (gsize)(nl - data->data) : data->len);
}

StasIni *stas_ini_load(const char *path, StasProblems *problems, GError **error)
{
	g_autoptr(GError) local_error = NULL;
	g_autoptr(GByteArray) data = NULL;
	int fd = stas_file_open(path, &local_error);
	gboolean truncated;
	int code;

	if (fd < 0) {
		if (g_error_matches(local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
			return stas_ini_new(path);
		g_propagate_error(error, g_steal_pointer(&local_error));
		return NULL;
	}
	data = stas_file_read(fd, STAS_INI_MAX_SIZE, &truncated, &code);
	close(fd);
	if (!data) {
		g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(code), "%s: %s", g_strerror(code),
			    path);
		return NULL;
	}
	if (truncated) {
		g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_FAILED, "%s is larger than %u bytes; not read",
			    path, STAS_INI_MAX_SIZE);
		return NULL;
	}
	return stas_ini_parse(path, data->len ? (const char *)data->data : "", data->len, problems);
}

const char *stas_ini_path(const StasIni *ini)
{
	return ini->path;
}

const GPtrArray *stas_ini_sections(const StasIni *ini)
{
	return ini->names;
}

gboolean stas_ini_has_section(const StasIni *ini, const char *section)
{
	return find_section(ini, section) != NULL;
}

guint stas_ini_section_line(const StasIni *ini, const char *section)
{
	IniSection *s = find_section(ini, section);

	return s ? s->line : 0;
}

const GPtrArray *stas_ini_entries(const StasIni *ini, const char *section)
{
	IniSection *s = find_section(ini, section);

	return s ? s->entries : NULL;
}

const StasIniEntry *stas_ini_last(const StasIni *ini, const char *section, const char *key)
{
	IniSection *s = find_section(ini, section);

	if (!s)
		return NULL;
	for (guint i = s->entries->len; i > 0; i--) {
		const StasIniEntry *entry = g_ptr_array_index(s->entries, i - 1);

		if (g_str_equal(entry->key, key))
			return entry;
	}
	return NULL;
}

void stas_ini_remove(StasIni *ini, const char *section, const char *key)
{
	IniSection *s = find_section(ini, section);

	if (!s)
		return;
	for (guint i = s->entries->len; i > 0; i--) {
		const StasIniEntry *entry = g_ptr_array_index(s->entries, i - 1);

		if (g_str_equal(entry->key, key))
			g_ptr_array_remove_index(s->entries, i - 1);
	}
}

void stas_ini_add_section(StasIni *ini, const char *section)
{
	get_section(ini, section, 0);
}

gboolean stas_ini_set(StasIni *ini, const char *section, const char *key, const char *value)
{
	g_autofree char *folded = NULL;
	IniSection *s;
	StasIniEntry *kept = NULL;

	if (value && strpbrk(value, "\n\r"))
		return FALSE;
	folded = g_utf8_strdown(key, -1);
	s = get_section(ini, section, 0);
	/* The first occurrence takes the value in place, so a rewritten file
	 * keeps its order; any other occurrence would override it. */
	for (guint i = 0; i < s->entries->len;) {
		StasIniEntry *entry = g_ptr_array_index(s->entries, i);

		if (!g_str_equal(entry->key, folded)) {
			i++;
		} else if (!kept) {
			kept = entry;
			g_free(entry->value);
			entry->value = g_strdup(value);
			entry->continued = FALSE;
			i++;
		} else {
			g_ptr_array_remove_index(s->entries, i);
		}
	}
	if (!kept)
		add_entry(s, folded, value, 0);
	return TRUE;
}

char *stas_ini_to_string(const StasIni *ini)
{
	GString *out = g_string_new(NULL);

	for (guint i = 0; i < ini->sections->len; i++) {
		const IniSection *s = g_ptr_array_index(ini->sections, i);

		g_string_append_printf(out, "[%s]\n", s->name);
		for (guint j = 0; j < s->entries->len; j++) {
			const StasIniEntry *entry = g_ptr_array_index(s->entries, j);

			if (entry->value)
				g_string_append_printf(out, "%s = %s\n", entry->key, entry->value);
			else
				g_string_append_printf(out, "%s\n", entry->key);
		}
		g_string_append_c(out, '\n');
	}
	return g_string_free(out, FALSE);
}
