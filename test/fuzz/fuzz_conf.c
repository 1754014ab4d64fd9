// SPDX-License-Identifier: Apache-2.0
/*
 * Configuration files: stafd.conf and stacd.conf (stas_conf_load and every
 * getter, the controller= TIDs and exclusion, --check-config's JSON),
 * sys.conf with the /etc/nvme files it falls back to (stas_host_load), and
 * the raw INI dialect with stasadm's edit-and-rewrite round trip.
 *
 * Input: the first byte modulo 4 picks the mode (seeds start with a digit):
 *   0 stafd.conf text, 1 stacd.conf text,
 *   2 sys.conf text \0 hostnqn file \0 hostid file \0 hostkey file,
 *   3 a value \0 INI text (parsed, rewritten, edited, re-parsed).
 */
#include <json-glib/json-glib.h>
#include <string.h>

#include "fuzz.h"
#include "stas/checkconf.h"
#include "stas/conf.h"
#include "stas/host.h"
#include "stas/ini.h"
#include "stas/tid.h"

static void check_problems(StasProblems *problems)
{
	stas_problems_sort(problems);
	for (guint i = 0; i < problems->len; i++) {
		g_autofree char *text = stas_problem_to_string(g_ptr_array_index(problems, i));

		fuzz_assert(text && g_utf8_validate(text, -1, NULL));
		/* Problems are logged: a secret never appears in one (fuzz F7). */
		fuzz_assert(!strstr(text, "DHHC-1:"));
	}
	stas_problems_log(problems);
}

static void check_tids(const StasConf *conf)
{
	const GPtrArray *ctrls = stas_conf_get_controllers(conf);
	const GPtrArray *excludes = stas_conf_get_excludes(conf);

	for (guint i = 0; ctrls && i < ctrls->len; i++) {
		g_autoptr(StasTid)
			tid = stas_tid_new_from_entry(g_ptr_array_index(ctrls, i), "nqn.fuzz:host", i & 1);
		g_autoptr(GHashTable) dict = stas_tid_as_dict(tid);
		g_autoptr(StasTid) again = stas_tid_new(dict, "nqn.fuzz:other", FALSE);

		fuzz_assert(g_utf8_validate(stas_tid_to_string(tid), -1, NULL));
		fuzz_assert(stas_tid_equal(tid, again) && stas_tid_hash(tid) == stas_tid_hash(again));
		(void)stas_tid_is_excluded(tid, excludes);
	}
}

static void check_conf(StasDaemon daemon, const char *text, size_t len)
{
	g_autofree char *path = fuzz_write(daemon == STAS_DAEMON_STAFD ? "stafd.conf" : "stacd.conf", text,
					   len);
	g_autoptr(StasProblems) problems = stas_problems_new();
	g_autoptr(GError) error = NULL;
	g_autoptr(StasConf) conf = stas_conf_load(daemon, path, problems, &error);
	g_autofree char *json = NULL;
	g_autoptr(JsonParser) parser = json_parser_new();
	gint64 value;

	check_problems(problems);
	if (!conf)
		return;
	for (StasOpt id = 0; id < STAS_OPT_COUNT; id++) {
		(void)stas_conf_is_set(conf, id);
		(void)stas_conf_get_bool(conf, id);
		(void)stas_conf_get_int(conf, id, &value);
		(void)stas_conf_get_seconds(conf, id);
	}
	(void)stas_conf_get_ip_family(conf);
	(void)stas_disconnect_scope_to_string(stas_conf_get_disconnect_scope(conf));
	(void)stas_conf_get_trtypes(conf);
	if (daemon == STAS_DAEMON_STAFD)
		fuzz_check_timer(stas_conf_get_seconds(conf, STAS_OPT_ZEROCONF_CONNECTIONS_PERSISTENCE));
	check_tids(conf);
	/* --check-config prints this; it must be JSON whatever the file held. */
	json = stas_conf_to_json(conf);
	fuzz_assert(json_parser_load_from_data(parser, json, -1, NULL));
}

static void check_sys_conf(FuzzInput *in)
{
	g_autofree char *sys = fuzz_string(in);
	g_autofree char *nqn = fuzz_string(in);
	g_autofree char *id = fuzz_string(in);
	g_autofree char *key = fuzz_string(in);
	g_autofree char *path = fuzz_write("sys.conf", sys, strlen(sys));
	g_autofree char *p1 = fuzz_write("hostnqn", nqn, strlen(nqn));
	g_autofree char *p2 = fuzz_write("hostid", id, strlen(id));
	g_autofree char *p3 = fuzz_write("hostkey", key, strlen(key));
	g_autoptr(StasProblems) problems = stas_problems_new();
	g_autoptr(GError) error = NULL;
	g_autoptr(StasHost) host = stas_host_load(path, problems, &error);
	static const char *const options[] = { "nqn", "id", "key", "symname" };

	(void)p1, (void)p2, (void)p3;
	check_problems(problems);
	if (host) {
		fuzz_assert(!host->nqn || g_str_has_prefix(host->nqn, "nqn."));
		fuzz_assert(!host->nqn || strlen(host->nqn) <= STAS_HOST_NQN_MAX);
	}
	for (guint i = 0; i < G_N_ELEMENTS(options); i++) {
		g_autoptr(GError) e = NULL;
		g_autofree char *value = stas_host_resolve(path, options[i], &e);

		fuzz_assert(!value || !e);
	}
}

/* The value of the last occurrence of @key in @section, NULL-safe. */
static const char *last_value(const StasIni *ini, const char *section, const char *key, gboolean *found)
{
	const StasIniEntry *e = stas_ini_last(ini, section, key);

	*found = e != NULL;
	return e ? e->value : NULL;
}

/* @value without the blanks the parser strips around a value (configparser's:
 * space, tab, form feed, vertical tab; g_strstrip also strips line breaks and
 * keeps nothing else apart). */
static char *strip_blanks(const char *value)
{
	const char *blanks = " \t\f\v";
	const char *start = value + strspn(value, blanks);
	size_t len = strlen(start);

	while (len && strchr(blanks, start[len - 1]))
		len--;
	return g_strndup(start, len);
}

/* What stasadm relies on: writing a file out and reading it back keeps the
 * last value of every key, and a value it sets reads back as set. */
static void check_ini(FuzzInput *in)
{
	g_autofree char *value = fuzz_string(in);
	size_t len;
	g_autofree char *text = fuzz_rest(in, &len);
	g_autoptr(StasIni) ini = stas_ini_parse("fuzz.ini", text, len, NULL);
	g_autofree char *out = stas_ini_to_string(ini);
	g_autoptr(StasIni) again = stas_ini_parse("again.ini", out, strlen(out), NULL);
	const GPtrArray *sections = stas_ini_sections(ini);
	g_autofree char *edited = NULL;
	g_autoptr(StasIni) reread = NULL;
	g_autofree char *stripped = strip_blanks(value);
	gboolean settable;

	for (guint s = 0; s < sections->len; s++) {
		const char *section = g_ptr_array_index(sections, s);
		const GPtrArray *entries = stas_ini_entries(ini, section);

		for (guint i = 0; entries && i < entries->len; i++) {
			const StasIniEntry *e = g_ptr_array_index(entries, i);
			gboolean f1, f2;
			const char *v1 = last_value(ini, section, e->key, &f1);
			const char *v2 = last_value(again, section, e->key, &f2);

			fuzz_assert(f1 && f2);
			fuzz_assert(g_strcmp0(v1, v2) == 0);
		}
	}
	/* stasadm refuses values that would not survive a line of their own */
	settable = g_utf8_validate(value, -1, NULL) && !strpbrk(value, "\n\r") &&
		   g_str_equal(stripped, value);
	fuzz_assert(stas_ini_set(ini, "Host", "symname", value) == !strpbrk(value, "\n\r"));
	stas_ini_remove(ini, "Host", "key");
	stas_ini_add_section(ini, "Extra");
	edited = stas_ini_to_string(ini);
	reread = stas_ini_parse("edited.ini", edited, strlen(edited), NULL);
	fuzz_assert(!stas_ini_last(reread, "Host", "key"));
	if (settable) {
		gboolean found;
		const char *v = last_value(reread, "Host", "symname", &found);

		fuzz_assert(found && g_strcmp0(v, value) == 0);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	FuzzInput in = { data, size };
	guint mode = fuzz_byte(&in) % 4;
	size_t len;

	fuzz_init();
	if (mode == 2) {
		check_sys_conf(&in);
	} else if (mode == 3) {
		check_ini(&in);
	} else {
		g_autofree char *text = fuzz_rest(&in, &len);

		check_conf(mode == 0 ? STAS_DAEMON_STAFD : STAS_DAEMON_STACD, text, len);
	}
	return 0;
}
