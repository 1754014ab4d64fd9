// SPDX-License-Identifier: Apache-2.0
/*
 * Host identity (sys.conf [Host]). Each value is either written in sys.conf,
 * or read from a file that sys.conf names with file://, or read from the
 * default file under /etc/nvme that nvme-cli and libnvme share.
 */
#include <string.h>

#include "stas/host.h"
#include "stas/ini.h"
#include "stas/paths.h"

#define HOST_SECTION "Host"

G_DEFINE_QUARK(stas_host_error, stas_host_error)

typedef struct {
	const char *option;
	const char *default_file; /* under the nvme dir; NULL = no default */
} HostOption;

static const HostOption host_options[] = {
	{ "nqn", "hostnqn" },
	{ "id", "hostid" },
	{ "key", "hostkey" },
	{ "symname", NULL },
};

/* The first whitespace-separated word of the first line of @path, NULL if
 * there is none. Errors read "No such file or directory: /etc/nvme/hostnqn",
 * the way admins know them from nvme-stas. A FIFO, a device or an endless
 * first line is refused rather than waited for (stas_file_open). */
static char *read_value_file(const char *path, GError **error)
{
	g_autofree char *line = stas_ini_read_first_line(path, STAS_HOST_VALUE_LINE_MAX, error);
	g_auto(GStrv) words = NULL;

	if (!line)
		return NULL;
	words = g_strsplit_set(g_strstrip(line), " \t\f\v\r\n", 2);
	return words[0] && *words[0] ? g_strdup(words[0]) : NULL;
}

/* Why @value cannot be sent to the kernel or put on D-Bus, or NULL. */
static const char *unusable_text(const char *value)
{
	if (!g_utf8_validate(value, -1, NULL))
		return "is not UTF-8 text";
	for (const char *p = value; *p; p++) {
		if ((guchar)*p < 0x20 || *p == 0x7f)
			return "contains a control character";
	}
	return NULL;
}

/* The last key line of @option; continuation lines are not values here
 * (report_unknown says so). */
static const StasIniEntry *last_entry(const StasIni *ini, const char *option)
{
	const GPtrArray *entries = stas_ini_entries(ini, HOST_SECTION);

	for (guint i = entries ? entries->len : 0; i > 0; i--) {
		const StasIniEntry *entry = g_ptr_array_index(entries, i - 1);

		if (!entry->continued && g_str_equal(entry->key, option))
			return entry;
	}
	return NULL;
}

static const HostOption *find_option(const char *option)
{
	for (guint i = 0; i < G_N_ELEMENTS(host_options); i++) {
		if (g_str_equal(host_options[i].option, option))
			return &host_options[i];
	}
	return NULL;
}

/* The value of @option. With @mandatory, an explicit empty value comes back
 * as "" and a file without a value is an error, so that the caller can tell
 * "undefined" from "briefly empty" (a tool truncating the file, then writing). */
static char *resolve(const StasIni *ini, const char *option, gboolean mandatory, GError **error)
{
	const HostOption *desc = find_option(option);
	const StasIniEntry *entry = last_entry(ini, option);
	g_autofree char *path = NULL;
	char *value;

	g_return_val_if_fail(desc, NULL);
	if (entry && entry->value) {
		if (!g_str_has_prefix(entry->value, "file://"))
			return *entry->value || mandatory ? g_strdup(entry->value) : NULL;
		path = g_strdup(entry->value + strlen("file://"));
	} else if (desc->default_file) {
		path = stas_path_nvme_file(desc->default_file);
	} else {
		return NULL;
	}
	value = read_value_file(path, error);
	if (!value && mandatory && error && !*error)
		g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_FAILED, "no value on the first line of %s",
			    path);
	return value;
}

/* key and symname: a value that cannot be used is dropped with a problem,
 * the daemon runs without it. */
static char *resolve_optional(const StasIni *ini, const char *option, gsize max, StasProblems *problems)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *value = resolve(ini, option, FALSE, &error);
	const StasIniEntry *entry = last_entry(ini, option);
	guint line = entry ? entry->line : 0;
	const char *why;

	if (error) {
		if (entry)
			stas_problems_add(problems, stas_ini_path(ini), line, HOST_SECTION, option,
					  "%s; %s is undefined", error->message, option);
		return NULL;
	}
	if (!value)
		return NULL;
	why = unusable_text(value);
	if (why) {
		/* never the value: it may be the host key */
		stas_problems_add(problems, stas_ini_path(ini), line, HOST_SECTION, option,
				  "the value %s; %s is undefined", why, option);
		return NULL;
	}
	if (strlen(value) > max) {
		stas_problems_add(problems, stas_ini_path(ini), line, HOST_SECTION, option,
				  "the value is longer than %zu bytes; %s is undefined", max, option);
		return NULL;
	}
	return g_steal_pointer(&value);
}

static StasIni *load_sys_conf(const char *sys_conf, StasProblems *problems, GError **error)
{
	g_autofree char *default_path = sys_conf ? NULL : stas_path_sys_conf();
	const char *path = sys_conf ? sys_conf : default_path;
	g_autoptr(GError) local_error = NULL;
	StasIni *ini = stas_ini_load(path, problems, &local_error);

	if (!ini)
		g_set_error(error, STAS_HOST_ERROR, STAS_HOST_ERROR_CONF, "Cannot read %s: %s", path,
			    local_error->message);
	return ini;
}

char *stas_host_resolve(const char *sys_conf, const char *option, GError **error)
{
	g_autoptr(StasIni) ini = load_sys_conf(sys_conf, NULL, error);

	return ini ? resolve(ini, option, FALSE, error) : NULL;
}

static void report_unknown(const StasIni *ini, StasProblems *problems)
{
	const GPtrArray *sections = stas_ini_sections(ini);

	for (guint s = 0; s < sections->len; s++) {
		const char *section = g_ptr_array_index(sections, s);
		const GPtrArray *entries = stas_ini_entries(ini, section);

		if (!g_str_equal(section, HOST_SECTION)) {
			stas_problems_add(problems, stas_ini_path(ini), stas_ini_section_line(ini, section),
					  section, NULL,
					  "unknown section (valid: [Host]); its options are ignored");
			continue;
		}
		for (guint e = 0; e < entries->len; e++) {
			const StasIniEntry *entry = g_ptr_array_index(entries, e);

			if (entry->continued)
				stas_problems_add(
					problems, stas_ini_path(ini), entry->line, section, entry->key,
					"continuation line: sys.conf values are single lines; ignored");
			else if (!find_option(entry->key))
				stas_problems_add(problems, stas_ini_path(ini), entry->line, section,
						  entry->key,
						  "unknown option (valid: nqn, id, key, symname); ignored");
			else if (!entry->value)
				stas_problems_add(problems, stas_ini_path(ini), entry->line, section,
						  entry->key, "no '=' and no value; line ignored");
		}
	}
}

/* Host NQN and Host ID: mandatory, so whatever leaves them undefined is an
 * error, with nvme-stas's message where it had one. */
static char *load_nqn(const StasIni *ini, GError **error)
{
	g_autoptr(GError) local_error = NULL;
	g_autofree char *nqn = resolve(ini, "nqn", TRUE, &local_error);
	const char *why;

	if (local_error) {
		g_set_error(error, STAS_HOST_ERROR, STAS_HOST_ERROR_NQN,
			    "Error reading mandatory Host NQN (see stasadm --help): %s",
			    local_error->message);
		return NULL;
	}
	why = unusable_text(nqn);
	if (why) {
		g_set_error(error, STAS_HOST_ERROR, STAS_HOST_ERROR_NQN,
			    "Error reading mandatory Host NQN (see stasadm --help): the value %s", why);
		return NULL;
	}
	if (!g_str_has_prefix(nqn, "nqn.")) {
		g_set_error(error, STAS_HOST_ERROR, STAS_HOST_ERROR_NQN_FORMAT,
			    "Error Host NQN \"%s\" should start with \"nqn.\"", nqn);
		return NULL;
	}
	if (strlen(nqn) > STAS_HOST_NQN_MAX) {
		g_set_error(error, STAS_HOST_ERROR, STAS_HOST_ERROR_NQN_FORMAT,
			    "Error Host NQN \"%s\" is longer than %d characters", nqn, STAS_HOST_NQN_MAX);
		return NULL;
	}
	return g_steal_pointer(&nqn);
}

static char *load_id(const StasIni *ini, GError **error)
{
	g_autoptr(GError) local_error = NULL;
	g_autofree char *id = resolve(ini, "id", TRUE, &local_error);
	const char *why = NULL;

	if (!local_error)
		why = *id ? unusable_text(id) : "is empty";
	if (local_error || why) {
		g_set_error(error, STAS_HOST_ERROR, STAS_HOST_ERROR_ID,
			    "Error reading mandatory Host ID (see stasadm --help): %s%s",
			    local_error ? local_error->message : "the value ", local_error ? "" : why);
		return NULL;
	}
	return g_steal_pointer(&id);
}

StasHost *stas_host_load(const char *sys_conf, StasProblems *problems, GError **error)
{
	g_autoptr(StasIni) ini = load_sys_conf(sys_conf, problems, error);
	g_autoptr(StasHost) host = NULL;

	if (!ini)
		return NULL;
	report_unknown(ini, problems);
	host = g_new0(StasHost, 1);
	host->nqn = load_nqn(ini, error);
	if (!host->nqn)
		return NULL;
	host->id = load_id(ini, error);
	if (!host->id)
		return NULL;
	/* The optional values are undefined when their files are missing; that
	 * is only worth a word when sys.conf names the file explicitly. */
	host->key = resolve_optional(ini, "key", STAS_HOST_VALUE_LINE_MAX, problems);
	host->symname = resolve_optional(ini, "symname", STAS_HOST_SYMNAME_MAX, problems);
	return g_steal_pointer(&host);
}

void stas_host_free(StasHost *host)
{
	if (!host)
		return;
	g_free(host->nqn);
	g_free(host->id);
	if (host->key)
		memset(host->key, 0, strlen(host->key));
	g_free(host->key);
	g_free(host->symname);
	g_free(host);
}
