// SPDX-License-Identifier: Apache-2.0
/*
 * Host identity (sys.conf [Host]). Each value is either written in sys.conf,
 * or read from a file that sys.conf names with file://, or read from the
 * default file under /etc/nvme that nvme-cli and libnvme share.
 */
#include <errno.h>
#include <stdio.h>
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
 * the way admins know them from nvme-stas. */
static char *read_value_file(const char *path, GError **error)
{
	FILE *file = fopen(path, "re");
	g_autofree char *line = NULL;
	size_t size = 0;
	ssize_t len;
	int code;
	g_auto(GStrv) words = NULL;

	if (!file) {
		code = errno;
		g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(code), "%s: %s", g_strerror(code),
			    path);
		return NULL;
	}
	len = getline(&line, &size, file);
	code = ferror(file) ? (errno ? errno : EIO) : 0;
	fclose(file);
	if (code) {
		g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(code), "%s: %s", g_strerror(code),
			    path);
		return NULL;
	}
	if (len < 0)
		return NULL; /* empty file: undefined, not an error */
	words = g_strsplit_set(g_strstrip(line), " \t\f\v\r\n", 2);
	return words[0] && *words[0] ? g_strdup(words[0]) : NULL;
}

static const HostOption *find_option(const char *option)
{
	for (guint i = 0; i < G_N_ELEMENTS(host_options); i++) {
		if (g_str_equal(host_options[i].option, option))
			return &host_options[i];
	}
	return NULL;
}

static char *resolve(const StasIni *ini, const char *option, GError **error)
{
	const HostOption *desc = find_option(option);
	const StasIniEntry *entry = stas_ini_last(ini, HOST_SECTION, option);
	g_autofree char *path = NULL;

	g_return_val_if_fail(desc, NULL);
	if (entry && entry->value) {
		if (!g_str_has_prefix(entry->value, "file://"))
			return *entry->value ? g_strdup(entry->value) : NULL;
		path = g_strdup(entry->value + strlen("file://"));
	} else if (desc->default_file) {
		path = stas_path_nvme_file(desc->default_file);
	} else {
		return NULL;
	}
	return read_value_file(path, error);
}

static char *resolve_optional(const StasIni *ini, const char *option, StasProblems *problems)
{
	g_autoptr(GError) error = NULL;
	char *value = resolve(ini, option, &error);
	const StasIniEntry *entry = stas_ini_last(ini, HOST_SECTION, option);

	if (error && entry)
		stas_problems_add(problems, stas_ini_path(ini), entry->line, HOST_SECTION, option,
				  "%s; %s is undefined", error->message, option);
	return value;
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

	return ini ? resolve(ini, option, error) : NULL;
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
				continue;
			if (!find_option(entry->key))
				stas_problems_add(problems, stas_ini_path(ini), entry->line, section,
						  entry->key,
						  "unknown option (valid: nqn, id, key, symname); ignored");
			else if (!entry->value)
				stas_problems_add(problems, stas_ini_path(ini), entry->line, section,
						  entry->key, "no '=' and no value; line ignored");
		}
	}
}

StasHost *stas_host_load(const char *sys_conf, StasProblems *problems, GError **error)
{
	g_autoptr(StasIni) ini = load_sys_conf(sys_conf, problems, error);
	g_autoptr(StasHost) host = NULL;
	g_autoptr(GError) local_error = NULL;

	if (!ini)
		return NULL;
	report_unknown(ini, problems);
	host = g_new0(StasHost, 1);

	host->nqn = resolve(ini, "nqn", &local_error);
	if (local_error) {
		g_set_error(error, STAS_HOST_ERROR, STAS_HOST_ERROR_NQN,
			    "Error reading mandatory Host NQN (see stasadm --help): %s",
			    local_error->message);
		return NULL;
	}
	if (host->nqn && !g_str_has_prefix(host->nqn, "nqn.")) {
		g_set_error(error, STAS_HOST_ERROR, STAS_HOST_ERROR_NQN_FORMAT,
			    "Error Host NQN \"%s\" should start with \"nqn.\"", host->nqn);
		return NULL;
	}
	host->id = resolve(ini, "id", &local_error);
	if (local_error) {
		g_set_error(error, STAS_HOST_ERROR, STAS_HOST_ERROR_ID,
			    "Error reading mandatory Host ID (see stasadm --help): %s", local_error->message);
		return NULL;
	}
	if (host->nqn && strlen(host->nqn) > STAS_HOST_NQN_MAX) {
		g_set_error(error, STAS_HOST_ERROR, STAS_HOST_ERROR_NQN_FORMAT,
			    "Error Host NQN \"%s\" is longer than %d characters", host->nqn,
			    STAS_HOST_NQN_MAX);
		return NULL;
	}
	/* The optional values are undefined when their files are missing; that
	 * is only worth a word when sys.conf names the file explicitly. */
	host->key = resolve_optional(ini, "key", problems);
	host->symname = resolve_optional(ini, "symname", problems);
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
