// SPDX-License-Identifier: Apache-2.0
/*
 * --check-config and the JSON form of a configuration. The JSON lists every
 * option the daemon knows with its effective value, so an admin sees what
 * the daemon will do, defaults included, before reloading it.
 */
#include <errno.h>
#include <json-glib/json-glib.h>
#include <math.h>

#include "stas/checkconf.h"
#include "stas/host.h"
#include "stas/paths.h"
#include "stas/secret.h"

static void add_entries(JsonBuilder *builder, const GPtrArray *entries)
{
	json_builder_begin_array(builder);
	for (guint i = 0; i < entries->len; i++) {
		const StasCtrlEntry *entry = g_ptr_array_index(entries, i);

		json_builder_begin_object(builder);
		for (guint k = 0; k < entry->keys->len; k++) {
			const char *key = g_ptr_array_index(entry->keys, k);

			/* the output is meant to be pasted into tickets */
			json_builder_set_member_name(builder, key);
			json_builder_add_string_value(builder, stas_secret_is_key(key)
								       ? STAS_SECRET_SHOWN
								       : stas_ctrl_entry_get(entry, key));
		}
		json_builder_end_object(builder);
	}
	json_builder_end_array(builder);
}

static void add_value(JsonBuilder *builder, const StasConf *conf, const StasOptDesc *desc)
{
	gint64 i;
	double d;
	guint mask;

	if (desc->type != STAS_TYPE_CTRL_LIST && !stas_conf_is_set(conf, desc->id)) {
		json_builder_add_null_value(builder);
		return;
	}
	switch (desc->type) {
	case STAS_TYPE_BOOL:
	case STAS_TYPE_ENABLED:
		json_builder_add_boolean_value(builder, stas_conf_get_bool(conf, desc->id));
		break;
	case STAS_TYPE_INT:
	case STAS_TYPE_NCC:
		stas_conf_get_int(conf, desc->id, &i);
		json_builder_add_int_value(builder, i);
		break;
	case STAS_TYPE_TIME_SPAN:
		d = stas_conf_get_seconds(conf, desc->id);
		if (d == trunc(d) && fabs(d) < 1e15)
			json_builder_add_int_value(builder, (gint64)d);
		else
			json_builder_add_double_value(builder, d);
		break;
	case STAS_TYPE_IP_FAMILY:
		mask = stas_conf_get_ip_family(conf);
		json_builder_begin_array(builder);
		if (mask & STAS_IP_FAMILY_V4)
			json_builder_add_string_value(builder, "ipv4");
		if (mask & STAS_IP_FAMILY_V6)
			json_builder_add_string_value(builder, "ipv6");
		json_builder_end_array(builder);
		break;
	case STAS_TYPE_SCOPE:
		json_builder_add_string_value(
			builder, stas_disconnect_scope_to_string(stas_conf_get_disconnect_scope(conf)));
		break;
	case STAS_TYPE_TRTYPES: {
		const GPtrArray *trtypes = stas_conf_get_trtypes(conf);

		json_builder_begin_array(builder);
		for (guint t = 0; t < trtypes->len; t++)
			json_builder_add_string_value(builder, g_ptr_array_index(trtypes, t));
		json_builder_end_array(builder);
		break;
	}
	case STAS_TYPE_PATH:
		json_builder_add_string_value(builder, stas_conf_get_path(conf, desc->id));
		break;
	case STAS_TYPE_CTRL_LIST:
		add_entries(builder, desc->id == STAS_OPT_CONTROLLER ? stas_conf_get_controllers(conf)
								     : stas_conf_get_excludes(conf));
		break;
	}
}

static void add_conf(JsonBuilder *builder, const StasConf *conf)
{
	StasDaemon daemon = stas_conf_daemon(conf);
	const char *section = NULL;

	for (StasOpt id = 0; id < STAS_OPT_COUNT; id++) {
		const StasOptDesc *desc = stas_opt_desc(id);

		/* The legacy [Global] persistent-connections is folded into the
		 * effective value of its current location. */
		if (!(desc->valid_for & daemon) || id == STAS_OPT_LEGACY_PERSISTENT_CONNECTIONS)
			continue;
		if (!section || !g_str_equal(section, desc->section)) {
			if (section)
				json_builder_end_object(builder);
			section = desc->section;
			json_builder_set_member_name(builder, section);
			json_builder_begin_object(builder);
		}
		json_builder_set_member_name(builder, desc->name);
		add_value(builder, conf, desc);
	}
	if (section)
		json_builder_end_object(builder);
}

static char *builder_to_string(JsonBuilder *builder)
{
	g_autoptr(JsonNode) root = json_builder_get_root(builder);
	g_autoptr(JsonGenerator) generator = json_generator_new();

	json_generator_set_pretty(generator, TRUE);
	json_generator_set_indent(generator, 2);
	json_generator_set_root(generator, root);
	return json_generator_to_data(generator, NULL);
}

char *stas_conf_to_json(const StasConf *conf)
{
	g_autoptr(JsonBuilder) builder = json_builder_new();

	json_builder_begin_object(builder);
	add_conf(builder, conf);
	json_builder_end_object(builder);
	return builder_to_string(builder);
}

static void add_host(JsonBuilder *builder, const StasHost *host)
{
	const struct {
		const char *name;
		const char *value;
	} fields[] = {
		{ "nqn", host ? host->nqn : NULL },
		{ "id", host ? host->id : NULL },
		{ "symname", host ? host->symname : NULL },
	};

	json_builder_set_member_name(builder, "Host");
	json_builder_begin_object(builder);
	for (guint i = 0; i < G_N_ELEMENTS(fields); i++) {
		json_builder_set_member_name(builder, fields[i].name);
		if (fields[i].value)
			json_builder_add_string_value(builder, fields[i].value);
		else
			json_builder_add_null_value(builder);
	}
	/* Whether a host key is configured, never the key itself. */
	json_builder_set_member_name(builder, "key");
	json_builder_add_boolean_value(builder, host && host->key);
	json_builder_end_object(builder);
}

int stas_check_config(StasDaemon daemon, const char *conf_path, const char *sys_conf, FILE *out, FILE *err)
{
	g_autoptr(StasProblems) problems = stas_problems_new();
	g_autoptr(StasProblems) host_problems = NULL;
	g_autoptr(StasConf) conf = NULL;
	g_autoptr(StasHost) host = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(JsonBuilder) builder = json_builder_new();
	g_autofree char *default_sys_conf = sys_conf ? NULL : stas_path_sys_conf();
	g_autofree char *json = NULL;
	int status = STAS_CHECK_OK;

	if (!sys_conf)
		sys_conf = default_sys_conf;
	conf = stas_conf_load(daemon, conf_path, problems, &error);
	if (!conf) {
		fprintf(err, "%s: cannot read: %s\n", conf_path, error->message);
		return STAS_CHECK_UNREADABLE;
	}
	/* Problems are found option by option; admins read files line by line. */
	stas_problems_sort(problems);
	host_problems = stas_problems_new();
	host = stas_host_load(sys_conf, host_problems, &error);
	if (!host) {
		fprintf(err, "%s: %s\n", sys_conf, error->message);
		status = g_error_matches(error, STAS_HOST_ERROR, STAS_HOST_ERROR_CONF) ? STAS_CHECK_UNREADABLE
										       : STAS_CHECK_PROBLEMS;
	}
	stas_problems_sort(host_problems);
	g_ptr_array_extend_and_steal(problems, g_steal_pointer(&host_problems));
	for (guint i = 0; i < problems->len; i++) {
		g_autofree char *line = stas_problem_to_string(g_ptr_array_index(problems, i));

		fprintf(err, "%s\n", line);
	}
	if (problems->len && status == STAS_CHECK_OK)
		status = STAS_CHECK_PROBLEMS;

	json_builder_begin_object(builder);
	add_conf(builder, conf);
	add_host(builder, host);
	json_builder_end_object(builder);
	json = builder_to_string(builder);
	fprintf(out, "%s\n", json);
	fflush(out);
	return status;
}
