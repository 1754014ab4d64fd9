// SPDX-License-Identifier: Apache-2.0
/*
 * stafd.conf and stacd.conf. A single table describes every option: its
 * section, type, default per daemon and which daemon it is valid for. Loading
 * runs every value through the parser of its type; whatever is wrong is
 * reported with its line and replaced by the default, so a daemon always
 * starts with a complete, typed configuration.
 */
#include <errno.h>
#include <string.h>

#include "stas/conf.h"
#include "stas/ini.h"
#include "stas/secret.h"
#include "stas/timespan.h"

#define GLOBAL		  "Global"
#define SERVICE_DISCOVERY "Service Discovery"
#define DC_MGMT		  "Discovery controller connection management"
#define IOC_MGMT	  "I/O controller connection management"
#define CONTROLLERS	  "Controllers"

#define BOTH	 (STAS_DAEMON_STAFD | STAS_DAEMON_STACD)
#define NO_RANGE 0, 0

static const StasOptDesc options[STAS_OPT_COUNT] = {
	{ STAS_OPT_TRON, GLOBAL, "tron", STAS_TYPE_BOOL, NO_RANGE, "false", "false", BOTH, NULL },
	{ STAS_OPT_HDR_DIGEST, GLOBAL, "hdr-digest", STAS_TYPE_BOOL, NO_RANGE, "false", "false", BOTH, NULL,
	  STAS_FABRICS_HDR_DIGEST },
	{ STAS_OPT_DATA_DIGEST, GLOBAL, "data-digest", STAS_TYPE_BOOL, NO_RANGE, "false", "false", BOTH, NULL,
	  STAS_FABRICS_DATA_DIGEST },
	{ STAS_OPT_KATO, GLOBAL, "kato", STAS_TYPE_INT, NO_RANGE, "30", NULL, BOTH, NULL, STAS_FABRICS_KATO },
	{ STAS_OPT_NR_IO_QUEUES, GLOBAL, "nr-io-queues", STAS_TYPE_INT, NO_RANGE, NULL, NULL,
	  STAS_DAEMON_STACD, "it has no effect on discovery controllers", STAS_FABRICS_NR_IO_QUEUES },
	{ STAS_OPT_NR_WRITE_QUEUES, GLOBAL, "nr-write-queues", STAS_TYPE_INT, NO_RANGE, NULL, NULL,
	  STAS_DAEMON_STACD, "it has no effect on discovery controllers", STAS_FABRICS_NR_WRITE_QUEUES },
	{ STAS_OPT_NR_POLL_QUEUES, GLOBAL, "nr-poll-queues", STAS_TYPE_INT, NO_RANGE, NULL, NULL,
	  STAS_DAEMON_STACD, "it has no effect on discovery controllers", STAS_FABRICS_NR_POLL_QUEUES },
	{ STAS_OPT_QUEUE_SIZE, GLOBAL, "queue-size", STAS_TYPE_INT, 16, 1024, NULL, NULL, BOTH, NULL,
	  STAS_FABRICS_QUEUE_SIZE },
	{ STAS_OPT_RECONNECT_DELAY, GLOBAL, "reconnect-delay", STAS_TYPE_INT, NO_RANGE, NULL, NULL, BOTH,
	  NULL, STAS_FABRICS_RECONNECT_DELAY },
	{ STAS_OPT_CTRL_LOSS_TMO, GLOBAL, "ctrl-loss-tmo", STAS_TYPE_INT, NO_RANGE, NULL, NULL, BOTH, NULL,
	  STAS_FABRICS_CTRL_LOSS_TMO },
	{ STAS_OPT_DISABLE_SQFLOW, GLOBAL, "disable-sqflow", STAS_TYPE_BOOL, NO_RANGE, NULL, NULL, BOTH, NULL,
	  STAS_FABRICS_DISABLE_SQFLOW },
	/* NVMe/TCP TLS (TP8011) for every connection; per controller= as tls= (not in 2.4) */
	{ STAS_OPT_TLS, GLOBAL, "tls", STAS_TYPE_BOOL, NO_RANGE, NULL, NULL, BOTH, NULL, STAS_FABRICS_TLS },
	{ STAS_OPT_IGNORE_IFACE, GLOBAL, "ignore-iface", STAS_TYPE_BOOL, NO_RANGE, "false", "false", BOTH,
	  NULL },
	{ STAS_OPT_IP_FAMILY, GLOBAL, "ip-family", STAS_TYPE_IP_FAMILY, NO_RANGE, "ipv4+ipv6", "ipv4+ipv6",
	  BOTH, NULL },
	{ STAS_OPT_PLEO, GLOBAL, "pleo", STAS_TYPE_ENABLED, NO_RANGE, "enabled", NULL, STAS_DAEMON_STAFD,
	  "it only applies to discovery controllers (stafd.conf)" },
	{ STAS_OPT_LEGACY_PERSISTENT_CONNECTIONS, GLOBAL, "persistent-connections", STAS_TYPE_BOOL, NO_RANGE,
	  NULL, NULL, STAS_DAEMON_STAFD, "it only applies to discovery controllers (stafd.conf)" },
	{ STAS_OPT_METRICS_FILE, GLOBAL, "metrics-file", STAS_TYPE_PATH, NO_RANGE, NULL, NULL, BOTH, NULL },
	{ STAS_OPT_ZEROCONF, SERVICE_DISCOVERY, "zeroconf", STAS_TYPE_ENABLED, NO_RANGE, "enabled", NULL,
	  STAS_DAEMON_STAFD, NULL },
	{ STAS_OPT_PERSISTENT_CONNECTIONS, DC_MGMT, "persistent-connections", STAS_TYPE_BOOL, NO_RANGE,
	  "true", NULL, STAS_DAEMON_STAFD, NULL },
	{ STAS_OPT_ZEROCONF_CONNECTIONS_PERSISTENCE, DC_MGMT, "zeroconf-connections-persistence",
	  STAS_TYPE_TIME_SPAN, NO_RANGE, "72hours", NULL, STAS_DAEMON_STAFD, NULL },
	{ STAS_OPT_DISCONNECT_SCOPE, IOC_MGMT, "disconnect-scope", STAS_TYPE_SCOPE, NO_RANGE, NULL,
	  "only-stas-connections", STAS_DAEMON_STACD, NULL },
	{ STAS_OPT_DISCONNECT_TRTYPES, IOC_MGMT, "disconnect-trtypes", STAS_TYPE_TRTYPES, NO_RANGE, NULL,
	  "tcp", STAS_DAEMON_STACD, NULL },
	{ STAS_OPT_CONNECT_ATTEMPTS_ON_NCC, IOC_MGMT, "connect-attempts-on-ncc", STAS_TYPE_NCC, NO_RANGE,
	  NULL, "0", STAS_DAEMON_STACD, NULL },
	{ STAS_OPT_CONTROLLER, CONTROLLERS, "controller", STAS_TYPE_CTRL_LIST, NO_RANGE, NULL, NULL, BOTH,
	  NULL },
	{ STAS_OPT_EXCLUDE, CONTROLLERS, "exclude", STAS_TYPE_CTRL_LIST, NO_RANGE, NULL, NULL, BOTH, NULL },
	{ STAS_OPT_BLACKLIST, CONTROLLERS, "blacklist", STAS_TYPE_CTRL_LIST, NO_RANGE, NULL, NULL, 0,
	  "it is the deprecated name of 'exclude' (still honoured); rename it to 'exclude'" },
};

static const char *const scope_names[] = {
	[STAS_SCOPE_ONLY_STAS_CONNECTIONS] = "only-stas-connections",
	[STAS_SCOPE_ALL_CONNECTIONS_MATCHING_DISCONNECT_TRTYPES] =
		"all-connections-matching-disconnect-trtypes",
	[STAS_SCOPE_NO_DISCONNECT] = "no-disconnect",
};

typedef struct {
	gboolean set;
	gboolean b;
	gint64 i;
	double d;
	guint mask;
	StasDisconnectScope scope;
} StasValue;

struct _StasConf {
	StasDaemon daemon;
	char *path;
	StasValue values[STAS_OPT_COUNT];
	char *paths[STAS_OPT_COUNT]; /* STAS_TYPE_PATH values */
	GPtrArray *trtypes;	     /* char* */
	GPtrArray *controllers;	     /* StasCtrlEntry* */
	GPtrArray *excludes;	     /* StasCtrlEntry* */
};

const StasOptDesc *stas_opt_desc(StasOpt id)
{
	g_return_val_if_fail(id < STAS_OPT_COUNT, NULL);
	return &options[id];
}

const StasOptDesc *stas_opt_lookup(const char *section, const char *name)
{
	for (guint i = 0; i < STAS_OPT_COUNT; i++) {
		if (g_str_equal(options[i].section, section) && g_str_equal(options[i].name, name))
			return &options[i];
	}
	return NULL;
}

const char *stas_daemon_name(StasDaemon daemon)
{
	return daemon == STAS_DAEMON_STAFD ? "stafd" : "stacd";
}

const char *stas_disconnect_scope_to_string(StasDisconnectScope scope)
{
	return scope < G_N_ELEMENTS(scope_names) ? scope_names[scope] : "?";
}

static const char *default_text(const StasOptDesc *desc, StasDaemon daemon)
{
	return daemon == STAS_DAEMON_STAFD ? desc->staf_default : desc->stac_default;
}

/* ------------------------------------------------------------------ parsers */

/* Where a value came from, for the messages of the parsers. */
typedef struct {
	StasProblems *problems;
	const char *file;
	guint line;
	const char *section;
	const char *option;
} Origin;

/* Python's int(), as nvme-stas used it: an optional sign, then digits that
 * may be grouped by single underscores ("1_000"). */
static gboolean parse_int(const char *text, gint64 *out)
{
	g_autofree char *copy = g_strstrip(g_strdup(text));
	const char *p = copy;
	gboolean negative = FALSE;
	guint64 magnitude = 0;

	if (*p == '+' || *p == '-')
		negative = *p++ == '-';
	if (!g_ascii_isdigit(*p))
		return FALSE;
	for (; g_ascii_isdigit(*p) || (*p == '_' && g_ascii_isdigit(p[1])); p++) {
		if (*p == '_')
			continue;
		magnitude = magnitude * 10 + (guint64)(*p - '0');
		if (magnitude > (guint64)G_MAXINT32 + 1)
			return FALSE;
	}
	if (*p || (!negative && magnitude > G_MAXINT32))
		return FALSE;
	*out = negative ? -(gint64)magnitude : (gint64)magnitude;
	return TRUE;
}

static gboolean parse_trtypes(const char *text, GPtrArray *trtypes, const Origin *origin)
{
	g_auto(GStrv) items = g_strsplit(text, "+", -1);

	g_ptr_array_set_size(trtypes, 0);
	for (guint i = 0; items[i]; i++) {
		const char *item = items[i];

		if (!g_str_equal(item, "tcp") && !g_str_equal(item, "rdma") && !g_str_equal(item, "fc")) {
			stas_problems_add(
				origin->problems, origin->file, origin->line, origin->section, origin->option,
				"\"%s\" is not a transport (accepted: tcp, rdma, fc, joined with '+'); "
				"item ignored",
				item);
			continue;
		}
		if (!g_ptr_array_find_with_equal_func(trtypes, item, g_str_equal, NULL))
			g_ptr_array_add(trtypes, g_strdup(item));
	}
	return trtypes->len > 0;
}

/* What each type accepts, for messages. */
static char *accepted(const StasOptDesc *desc)
{
	switch (desc->type) {
	case STAS_TYPE_BOOL:
		return g_strdup("true or false");
	case STAS_TYPE_ENABLED:
		return g_strdup("enabled or disabled");
	case STAS_TYPE_INT:
		if (desc->min < desc->max)
			return g_strdup_printf("an integer from %" G_GINT64_FORMAT " to %" G_GINT64_FORMAT,
					       desc->min, desc->max);
		return g_strdup("an integer");
	case STAS_TYPE_IP_FAMILY:
		return g_strdup("ipv4, ipv6, ipv4+ipv6 or ipv6+ipv4");
	case STAS_TYPE_SCOPE:
		return g_strdup("only-stas-connections, all-connections-matching-disconnect-trtypes or "
				"no-disconnect");
	case STAS_TYPE_TRTYPES:
		return g_strdup("tcp, rdma and fc joined with '+'");
	case STAS_TYPE_NCC:
		return g_strdup("an integer >= 0");
	case STAS_TYPE_TIME_SPAN:
		return g_strdup("seconds or a time span such as \"72 hours\", \"1h30m\" or \"1:30:00\"");
	case STAS_TYPE_PATH:
		return g_strdup("an absolute file name");
	case STAS_TYPE_CTRL_LIST:
		break;
	}
	return g_strdup("key=value pairs separated by ';'");
}

/* Converts @text for @desc into @out. Returns FALSE when the text is not
 * acceptable; trtypes items are reported one by one through @origin. */
static gboolean parse_value(const StasOptDesc *desc, const char *text, StasValue *out, GPtrArray *trtypes,
			    const Origin *origin)
{
	StasValue v = { .set = TRUE };

	switch (desc->type) {
	case STAS_TYPE_BOOL:
		if (g_ascii_strcasecmp(text, "true") == 0)
			v.b = TRUE;
		else if (g_ascii_strcasecmp(text, "false") != 0)
			return FALSE;
		break;
	case STAS_TYPE_ENABLED:
		if (g_ascii_strcasecmp(text, "enabled") == 0)
			v.b = TRUE;
		else if (g_ascii_strcasecmp(text, "disabled") != 0)
			return FALSE;
		break;
	case STAS_TYPE_INT:
		if (!parse_int(text, &v.i))
			return FALSE;
		if (desc->min < desc->max && (v.i < desc->min || v.i > desc->max))
			return FALSE;
		break;
	case STAS_TYPE_NCC:
		/* A negative count would give up after the first failure; nobody means that. */
		if (!parse_int(text, &v.i) || v.i < 0)
			return FALSE;
		if (v.i == 1)
			v.i = 2; /* one attempt cannot tell a transient failure from NCC */
		break;
	case STAS_TYPE_IP_FAMILY:
		if (g_str_equal(text, "ipv4"))
			v.mask = STAS_IP_FAMILY_V4;
		else if (g_str_equal(text, "ipv6"))
			v.mask = STAS_IP_FAMILY_V6;
		else if (g_str_equal(text, "ipv4+ipv6") || g_str_equal(text, "ipv6+ipv4"))
			v.mask = STAS_IP_FAMILY_V4 | STAS_IP_FAMILY_V6;
		else
			return FALSE;
		break;
	case STAS_TYPE_SCOPE:
		for (v.scope = 0; v.scope < G_N_ELEMENTS(scope_names); v.scope++) {
			if (g_str_equal(text, scope_names[v.scope]))
				break;
		}
		if (v.scope == G_N_ELEMENTS(scope_names))
			return FALSE;
		break;
	case STAS_TYPE_TRTYPES:
		if (!trtypes || !parse_trtypes(text, trtypes, origin))
			return FALSE;
		break;
	case STAS_TYPE_TIME_SPAN:
		if (!stas_timespan_parse(text, &v.d))
			return FALSE;
		break;
	case STAS_TYPE_PATH:
		/* The value itself is kept by load_single, in conf->paths. */
		if (!g_path_is_absolute(text) || strpbrk(text, "\n\r\t") || g_str_has_suffix(text, "/"))
			return FALSE;
		break;
	case STAS_TYPE_CTRL_LIST:
		return FALSE;
	}
	*out = v;
	return TRUE;
}

/* The canonical text of a parsed value (what a controller override becomes). */
static char *format_value(const StasOptDesc *desc, const StasValue *v, const char *text)
{
	switch (desc->type) {
	case STAS_TYPE_BOOL:
		return g_strdup(v->b ? "true" : "false");
	case STAS_TYPE_ENABLED:
		return g_strdup(v->b ? "enabled" : "disabled");
	case STAS_TYPE_INT:
	case STAS_TYPE_NCC:
		return g_strdup_printf("%" G_GINT64_FORMAT, v->i);
	default:
		return g_strdup(text);
	}
}

/* ------------------------------------------------------------- validation */

static gboolean section_valid_for(const char *section, StasDaemon daemon)
{
	for (guint i = 0; i < STAS_OPT_COUNT; i++) {
		if (g_str_equal(options[i].section, section) && (options[i].valid_for & daemon))
			return TRUE;
	}
	return FALSE;
}

static char *valid_sections(StasDaemon daemon)
{
	GString *out = g_string_new(NULL);
	const char *last = NULL;

	for (guint i = 0; i < STAS_OPT_COUNT; i++) {
		if (!(options[i].valid_for & daemon) || (last && g_str_equal(last, options[i].section)))
			continue;
		last = options[i].section;
		g_string_append_printf(out, "%s[%s]", out->len ? ", " : "", last);
	}
	return g_string_free(out, FALSE);
}

static char *valid_options(const char *section, StasDaemon daemon)
{
	GString *out = g_string_new(NULL);

	for (guint i = 0; i < STAS_OPT_COUNT; i++) {
		if (g_str_equal(options[i].section, section) && (options[i].valid_for & daemon))
			g_string_append_printf(out, "%s%s", out->len ? ", " : "", options[i].name);
	}
	return g_string_free(out, FALSE);
}

/* Report sections and options that mean nothing to this daemon. They are
 * still read (nvme-stas honours e.g. blacklist=), only reported. */
static void report_unknown(const StasIni *ini, StasDaemon daemon, StasProblems *problems)
{
	const GPtrArray *sections = stas_ini_sections(ini);
	const char *file = stas_ini_path(ini);
	const char *prog = stas_daemon_name(daemon);

	for (guint s = 0; s < sections->len; s++) {
		const char *section = g_ptr_array_index(sections, s);
		const GPtrArray *entries;
		g_autofree char *names = NULL;

		if (!section_valid_for(section, daemon)) {
			g_autofree char *valid = valid_sections(daemon);

			stas_problems_add(problems, file, stas_ini_section_line(ini, section), section, NULL,
					  "unknown section for %s (valid: %s); its options are ignored", prog,
					  valid);
			continue;
		}
		names = valid_options(section, daemon);
		entries = stas_ini_entries(ini, section);
		for (guint e = 0; e < entries->len; e++) {
			const StasIniEntry *entry = g_ptr_array_index(entries, e);
			const StasOptDesc *desc = stas_opt_lookup(section, entry->key);

			if (entry->continued)
				continue; /* reported with its key line */
			if (!desc)
				stas_problems_add(
					problems, file, entry->line, section, entry->key,
					"unknown option for %s (valid in this section: %s); ignored", prog,
					names);
			else if (!(desc->valid_for & daemon))
				stas_problems_add(problems, file, entry->line, section, entry->key,
						  "not a %s option: %s", prog, desc->invalid_reason);
		}
	}
}

/* ---------------------------------------------------------------- loading */

static char *describe_default(const StasOptDesc *desc, StasDaemon daemon)
{
	const char *def = default_text(desc, daemon);

	return def ? g_strdup_printf("the default (%s)", def) : g_strdup("the default (unset)");
}

static void set_default(StasConf *conf, const StasOptDesc *desc)
{
	const char *def = default_text(desc, conf->daemon);
	Origin quiet = { 0 };

	conf->values[desc->id] = (StasValue){ 0 };
	if (def && !parse_value(desc, def, &conf->values[desc->id], conf->trtypes, &quiet))
		g_assert_not_reached(); /* the table's defaults are valid by construction */
}

/* An invalid value as a problem message may show it: quoted, or masked when
 * it is, or looks like, a DH-HMAC-CHAP secret pasted in the wrong place. */
static char *shown_value(const char *key, const char *value)
{
	if (stas_secret_is_key(key) || stas_secret_in_text(value))
		return g_strdup("(a value that looks like a secret; not shown)");
	return g_strdup_printf("\"%s\"", value);
}

/* configparser has no inline comments: "value # note" keeps the note in the
 * value, which then is invalid or, for exclude=, never matches. */
static void warn_inline_comment(const StasConf *conf, const StasIniEntry *entry, const char *section,
				StasProblems *problems)
{
	if (!entry->value || (!strstr(entry->value, " #") && !strstr(entry->value, "\t#")))
		return;
	stas_problems_add(problems, conf->path, entry->line, section, entry->key,
			  "the value contains \" #\": there are no inline comments, so the text after "
			  "'#' is part of the value (put comments on lines of their own)");
}

/* The last occurrence of a single-valued option wins; an occurrence
 * without '=' is reported and does not count. */
static void load_single(StasConf *conf, const StasIni *ini, const StasOptDesc *desc, StasProblems *problems)
{
	const GPtrArray *entries = stas_ini_entries(ini, desc->section);
	const StasIniEntry *last = NULL;
	g_autofree char *fallback = NULL;
	g_autofree char *what = NULL;
	g_autofree char *shown = NULL;
	Origin origin;

	set_default(conf, desc);
	for (guint i = 0; entries && i < entries->len; i++) {
		const StasIniEntry *entry = g_ptr_array_index(entries, i);

		if (!g_str_equal(entry->key, desc->name))
			continue;
		if (!entry->value) {
			stas_problems_add(problems, conf->path, entry->line, desc->section, desc->name,
					  "no '=' and no value (write \"%s = VALUE\"); line ignored",
					  desc->name);
			continue;
		}
		last = entry;
	}
	if (!last)
		return;
	warn_inline_comment(conf, last, desc->section, problems);
	origin = (Origin){ problems, conf->path, last->line, desc->section, desc->name };
	if (parse_value(desc, last->value, &conf->values[desc->id], conf->trtypes, &origin)) {
		if (desc->type == STAS_TYPE_PATH)
			conf->paths[desc->id] = g_strdup(last->value);
		return;
	}
	fallback = describe_default(desc, conf->daemon);
	what = accepted(desc);
	shown = shown_value(desc->name, last->value);
	stas_problems_add(problems, conf->path, last->line, desc->section, desc->name,
			  "invalid value %s (accepted: %s); using %s", shown, what, fallback);
	set_default(conf, desc);
}

/* A controller entry may override [Global] options for that controller. A
 * valid override is normalised; an invalid one falls back to the daemon's
 * default, or is dropped when there is none (nvme-stas kept the raw text,
 * which later broke the connect call). */
static void validate_overrides(StasConf *conf, StasCtrlEntry *entry, StasProblems *problems)
{
	for (guint i = 0; i < STAS_OPT_COUNT; i++) {
		const StasOptDesc *desc = &options[i];
		const char *text;
		StasValue v;
		Origin origin = { problems, conf->path, entry->line, CONTROLLERS, "controller" };
		const char *def;
		g_autofree char *what = NULL;
		g_autofree char *shown = NULL;

		if (!g_str_equal(desc->section, GLOBAL))
			continue;
		text = stas_ctrl_entry_get(entry, desc->name);
		if (!text)
			continue;
		if (parse_value(desc, text, &v, NULL, &origin)) {
			g_autofree char *canonical = format_value(desc, &v, text);

			stas_ctrl_entry_set(entry, desc->name, canonical);
			continue;
		}
		def = default_text(desc, conf->daemon);
		what = accepted(desc);
		shown = shown_value(desc->name, text);
		if (def) {
			stas_problems_add(problems, conf->path, entry->line, CONTROLLERS, "controller",
					  "invalid %s=%s (accepted: %s); using the default (%s)", desc->name,
					  shown, what, def);
			stas_ctrl_entry_set(entry, desc->name, def);
		} else {
			stas_problems_add(problems, conf->path, entry->line, CONTROLLERS, "controller",
					  "invalid %s=%s (accepted: %s); override dropped", desc->name, shown,
					  what);
			stas_ctrl_entry_remove(entry, desc->name);
		}
	}
}

/* Say now what the daemon would silently skip later. */
static void check_controller(StasConf *conf, const StasCtrlEntry *entry, StasProblems *problems)
{
	const char *transport = stas_ctrl_entry_get(entry, "transport");
	const char *missing = NULL;

	if (!transport || !*transport)
		missing = "transport";
	else if (!stas_ctrl_entry_get(entry, "traddr") || !*stas_ctrl_entry_get(entry, "traddr"))
		missing = "traddr";
	else if (conf->daemon == STAS_DAEMON_STACD &&
		 (!stas_ctrl_entry_get(entry, "subsysnqn") || !*stas_ctrl_entry_get(entry, "subsysnqn")))
		missing = "nqn";
	if (missing) {
		stas_problems_add(problems, conf->path, entry->line, CONTROLLERS, "controller",
				  "entry has no %s; the controller is ignored", missing);
		return;
	}
	/* As nvme-stas, a tcp controller without trsvcid goes to the discovery
	 * port; right for a DC, almost never what an admin means for an IOC. */
	if (conf->daemon == STAS_DAEMON_STACD && g_str_equal(transport, "tcp") &&
	    (!stas_ctrl_entry_get(entry, "trsvcid") || !*stas_ctrl_entry_get(entry, "trsvcid")))
		stas_problems_add(problems, conf->path, entry->line, CONTROLLERS, "controller",
				  "entry has no trsvcid; the I/O controller is connected on port 8009, "
				  "the discovery port (write trsvcid=4420 for the usual I/O port)");
	if (g_str_equal(transport, "fc") || g_str_equal(transport, "loop"))
		stas_problems_add(
			problems, conf->path, entry->line, CONTROLLERS, "controller",
			"%s controllers cannot be configured (they have no trsvcid, as in nvme-stas); "
			"the controller is ignored",
			transport);
	else if (!g_str_equal(transport, "tcp") && !g_str_equal(transport, "rdma"))
		stas_problems_add(problems, conf->path, entry->line, CONTROLLERS, "controller",
				  "unknown transport \"%s\" (accepted: tcp, rdma); the controller is ignored",
				  transport);
}

static void load_lists(StasConf *conf, const StasIni *ini, StasProblems *problems)
{
	const GPtrArray *entries = stas_ini_entries(ini, CONTROLLERS);

	for (guint i = 0; entries && i < entries->len; i++) {
		const StasIniEntry *line = g_ptr_array_index(entries, i);
		gboolean is_controller = g_str_equal(line->key, "controller");
		StasCtrlEntry *entry;

		if (!is_controller && !g_str_equal(line->key, "exclude") &&
		    !g_str_equal(line->key, "blacklist"))
			continue;
		if (!line->value) {
			stas_problems_add(
				problems, conf->path, line->line, CONTROLLERS, line->key,
				"no '=' and no value (write \"%s = transport=tcp;traddr=...\"); line ignored",
				line->key);
			continue;
		}
		warn_inline_comment(conf, line, CONTROLLERS, problems);
		entry = stas_ctrl_entry_parse(line->value, conf->path, line->line, line->key, problems);
		if (is_controller) {
			validate_overrides(conf, entry, problems);
			check_controller(conf, entry, problems);
			g_ptr_array_add(conf->controllers, entry);
			continue;
		}
		/* Exclusion never depends on the local address used. */
		if (stas_ctrl_entry_get(entry, "host-traddr")) {
			stas_problems_add(problems, conf->path, line->line, CONTROLLERS, line->key,
					  "host-traddr cannot be used to exclude controllers; key ignored");
			stas_ctrl_entry_remove(entry, "host-traddr");
		}
		if (stas_ctrl_entry_size(entry) == 0)
			stas_problems_add(problems, conf->path, line->line, CONTROLLERS, line->key,
					  "empty entry: it excludes every controller (as in nvme-stas)");
		g_ptr_array_add(conf->excludes, entry);
	}
}

static void free_entry(gpointer data)
{
	stas_ctrl_entry_free(data);
}

static StasConf *conf_from_ini(StasDaemon daemon, const StasIni *ini, StasProblems *problems)
{
	g_autoptr(StasConf) conf = g_new0(StasConf, 1);

	conf->daemon = daemon;
	conf->path = g_strdup(stas_ini_path(ini));
	conf->trtypes = g_ptr_array_new_with_free_func(g_free);
	conf->controllers = g_ptr_array_new_with_free_func(free_entry);
	conf->excludes = g_ptr_array_new_with_free_func(free_entry);

	report_unknown(ini, daemon, problems);
	for (guint i = 0; i < STAS_OPT_COUNT; i++) {
		if (options[i].type != STAS_TYPE_CTRL_LIST)
			load_single(conf, ini, &options[i], problems);
	}
	load_lists(conf, ini, problems);

	if (daemon == STAS_DAEMON_STAFD) {
		const StasIniEntry *legacy = stas_ini_last(ini, GLOBAL, "persistent-connections");
		const StasIniEntry *current = stas_ini_last(ini, DC_MGMT, "persistent-connections");
		StasValue *pc = &conf->values[STAS_OPT_PERSISTENT_CONNECTIONS];

		/* nvme-stas 2.4: either location set to true wins; true when neither is set. */
		if (legacy && legacy->value) {
			stas_problems_add(
				problems, conf->path, legacy->line, GLOBAL, "persistent-connections",
				"deprecated location; move it to [%s] (a true here overrides a false there)",
				DC_MGMT);
			if (current && current->value)
				pc->b = pc->b || conf->values[STAS_OPT_LEGACY_PERSISTENT_CONNECTIONS].b;
			else
				pc->b = conf->values[STAS_OPT_LEGACY_PERSISTENT_CONNECTIONS].b;
		}
	}
	return g_steal_pointer(&conf);
}

StasConf *stas_conf_load(StasDaemon daemon, const char *path, StasProblems *problems, GError **error)
{
	g_autoptr(StasIni) ini = stas_ini_load(path, problems, error);

	return ini ? conf_from_ini(daemon, ini, problems) : NULL;
}

StasConf *stas_conf_parse(StasDaemon daemon, const char *path, const char *text, StasProblems *problems)
{
	g_autoptr(StasIni) ini = stas_ini_parse(path, text, strlen(text), problems);

	return conf_from_ini(daemon, ini, problems);
}

void stas_conf_free(StasConf *conf)
{
	if (!conf)
		return;
	g_free(conf->path);
	for (guint i = 0; i < STAS_OPT_COUNT; i++)
		g_free(conf->paths[i]);
	g_ptr_array_unref(conf->trtypes);
	g_ptr_array_unref(conf->controllers);
	g_ptr_array_unref(conf->excludes);
	g_free(conf);
}

/* ---------------------------------------------------------------- getters */

const char *stas_conf_get_path(const StasConf *conf, StasOpt id)
{
	g_return_val_if_fail(id < STAS_OPT_COUNT && options[id].type == STAS_TYPE_PATH, NULL);
	return conf->paths[id];
}

StasDaemon stas_conf_daemon(const StasConf *conf)
{
	return conf->daemon;
}

const char *stas_conf_path(const StasConf *conf)
{
	return conf->path;
}

gboolean stas_conf_is_set(const StasConf *conf, StasOpt id)
{
	g_return_val_if_fail(id < STAS_OPT_COUNT, FALSE);
	return conf->values[id].set;
}

gboolean stas_conf_get_bool(const StasConf *conf, StasOpt id)
{
	g_return_val_if_fail(id < STAS_OPT_COUNT, FALSE);
	return conf->values[id].set && conf->values[id].b;
}

gboolean stas_conf_get_int(const StasConf *conf, StasOpt id, gint64 *value)
{
	g_return_val_if_fail(id < STAS_OPT_COUNT, FALSE);
	if (!conf->values[id].set)
		return FALSE;
	*value = conf->values[id].i;
	return TRUE;
}

double stas_conf_get_seconds(const StasConf *conf, StasOpt id)
{
	g_return_val_if_fail(id < STAS_OPT_COUNT, 0);
	return conf->values[id].d;
}

guint stas_conf_get_ip_family(const StasConf *conf)
{
	return conf->values[STAS_OPT_IP_FAMILY].mask;
}

StasDisconnectScope stas_conf_get_disconnect_scope(const StasConf *conf)
{
	return conf->values[STAS_OPT_DISCONNECT_SCOPE].scope;
}

const GPtrArray *stas_conf_get_trtypes(const StasConf *conf)
{
	return conf->trtypes;
}

const GPtrArray *stas_conf_get_controllers(const StasConf *conf)
{
	return conf->controllers;
}

const GPtrArray *stas_conf_get_excludes(const StasConf *conf)
{
	return conf->excludes;
}
