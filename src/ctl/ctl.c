// SPDX-License-Identifier: Apache-2.0
/*
 * The part of stafctl and stacctl that does not depend on the daemon: the options and
 * commands both have, the exchange with the daemon and the output. The command line itself
 * is argparse's, in stas/argparse.h.
 */
#include "ctl.h"

#include <stdio.h>

#include "stas/pprint.h"

/* -------------------------------------------------------------------- options */

static const char *const output_formats[] = { "normal", "json", NULL };

const StasArgparseOption stas_ctl_option_detailed = {
	.short_name = 'd',
	.long_name = "detailed",
	.kind = STAS_ARGPARSE_FLAG,
	.help = "Print detailed info (default: \"%(default)s\")",
};

static const StasArgparsePositional positional_target = {
	.name = "target",
	.metavar = "TARGET",
	.any = TRUE,
	.help = "A subsystem NQN, transport address, TID or device (nvme3); none: every candidate",
};

const StasArgparseOption stas_ctl_option_output_format = {
	.short_name = 'o',
	.long_name = "output-format",
	.kind = STAS_ARGPARSE_VALUE,
	.choices = output_formats,
	.default_value = "normal",
	.help = "Output format (default: \"%(default)s\")",
};

static const StasArgparseOption option_version = {
	.short_name = 'v',
	.long_name = "version",
	.kind = STAS_ARGPARSE_FLAG,
	.help = "Print version, then exit",
};

/* ------------------------------------------------------------------- D-Bus */

struct _StasCtl {
	const StasCtlProgram *program;
	GDBusProxy *main;
	GDBusProxy *debug;
};

GDBusProxy *stas_ctl_main_proxy(StasCtl *ctl, GError **error)
{
	if (!ctl->main)
		ctl->main = ctl->program->service->main_proxy_new(error);
	return ctl->main;
}

static GDBusProxy *debug_proxy(StasCtl *ctl, GError **error)
{
	if (!ctl->debug)
		ctl->debug = ctl->program->service->debug_proxy_new(error);
	return ctl->debug;
}

int stas_ctl_dbus_failed(StasCtl *ctl, const GError *error)
{
	const char *daemon = ctl->program->service->daemon;

	g_debug("%s", error ? error->message : "no reply");
	fprintf(stderr, "Unable to communicate with %s over D-Bus. Is %s running?\n", daemon, daemon);
	return 1;
}

JsonNode *stas_ctl_json_from_dicts(GVariant *dicts)
{
	JsonArray *array = json_array_new();
	JsonNode *node = json_node_new(JSON_NODE_ARRAY);
	GVariantIter outer;
	GVariant *dict;

	json_node_take_array(node, array);
	if (!dicts)
		return node;
	g_variant_iter_init(&outer, dicts);
	while ((dict = g_variant_iter_next_value(&outer))) {
		JsonObject *object = json_object_new();
		GVariantIter inner;
		const char *key, *value;

		g_variant_iter_init(&inner, dict);
		while (g_variant_iter_next(&inner, "{&s&s}", &key, &value))
			json_object_set_string_member(object, key, value);
		json_array_add_object_element(array, object);
		g_variant_unref(dict);
	}
	return node;
}

JsonNode *stas_ctl_json_parse(const char *text, GError **error)
{
	return json_from_string(text, error);
}

/* The controller's TID, in the order of the D-Bus methods' arguments. */
static GStrv controller_tid(JsonObject *controller)
{
	static const char *const keys[] = { "transport",   "traddr",	 "trsvcid", "subsysnqn",
					    "host-traddr", "host-iface", "host-nqn" };
	GStrv tid = g_new0(char *, G_N_ELEMENTS(keys) + 1);

	for (guint i = 0; i < G_N_ELEMENTS(keys); i++) {
		const char *value = json_object_has_member(controller, keys[i])
					    ? json_object_get_string_member(controller, keys[i])
					    : NULL;

		tid[i] = g_strdup(value ? value : "");
	}
	return tid;
}

static gboolean expect_object(JsonNode *node, const char *what, GError **error)
{
	if (node && JSON_NODE_HOLDS_OBJECT(node))
		return TRUE;
	g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "%s is not a JSON object", what);
	return FALSE;
}

/* process_info, with "controllers" = list_controllers(true), each with its "log_pages" (when
 * the daemon has some) and merged with its controller_info: what nvme-stas's status shows. */
static JsonNode *collect_status(StasCtl *ctl, GError **error)
{
	const StasCtlService *service = ctl->program->service;
	g_autoptr(GVariant) controllers = NULL;
	g_autoptr(JsonNode) info = NULL;
	g_autofree char *text = NULL;
	GDBusProxy *main, *debug;
	JsonArray *array;

	if (!(debug = debug_proxy(ctl, error)) || !service->process_info(debug, &text, error))
		return NULL;
	info = stas_ctl_json_parse(text, error);
	if (!expect_object(info, "process_info", error))
		return NULL;
	if (!(main = stas_ctl_main_proxy(ctl, error)) ||
	    !service->list_controllers(main, TRUE, &controllers, error))
		return NULL;
	json_object_set_member(json_node_get_object(info), "controllers",
			       stas_ctl_json_from_dicts(controllers));

	array = json_object_get_array_member(json_node_get_object(info), "controllers");
	for (guint i = 0; i < json_array_get_length(array); i++) {
		JsonObject *controller = json_array_get_object_element(array, i);
		g_auto(GStrv) tid = controller_tid(controller);
		g_autoptr(JsonNode) details = NULL;
		g_autofree char *details_text = NULL;
		JsonObject *object;
		GList *names;

		if (service->get_log_pages) {
			g_autoptr(GVariant) log_pages = NULL;

			if (!service->get_log_pages(main, (const char *const *)tid, &log_pages, error))
				return NULL;
			json_object_set_member(controller, "log_pages", stas_ctl_json_from_dicts(log_pages));
		}
		if (!service->controller_info(debug, (const char *const *)tid, &details_text, error))
			return NULL;
		details = stas_ctl_json_parse(details_text, error);
		if (!expect_object(details, "controller_info", error))
			return NULL;
		object = json_node_get_object(details);
		names = json_object_get_members(object);
		for (GList *l = names; l; l = l->next)
			json_object_set_member(controller, l->data, json_object_dup_member(object, l->data));
		g_list_free(names);
	}
	return g_steal_pointer(&info);
}

/* ----------------------------------------------------------------- commands */

int stas_ctl_print(const StasArgparseArgs *args, JsonNode *node)
{
	const char *format = stas_argparse_args_value(args, "output-format");
	g_autofree char *text = NULL;

	if (format && g_str_equal(format, "json"))
		text = stas_json_format_pretty(node);
	else
		text = stas_pprint_format(node, STAS_PPRINT_WIDTH);
	if (printf("%s\n", text) < 0 || fflush(stdout) != 0)
		return 1;
	return 0;
}

int stas_ctl_run_ls(StasCtl *ctl, const StasArgparseArgs *args)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GVariant) controllers = NULL;
	g_autoptr(JsonNode) node = NULL;
	GDBusProxy *main = stas_ctl_main_proxy(ctl, &error);

	if (!main || !ctl->program->service->list_controllers(main, stas_argparse_args_flag(args, "detailed"),
							      &controllers, &error))
		return stas_ctl_dbus_failed(ctl, error);
	node = stas_ctl_json_from_dicts(controllers);
	return stas_ctl_print(args, node);
}

int stas_ctl_run_status(StasCtl *ctl, const StasArgparseArgs *args)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(JsonNode) status = collect_status(ctl, &error);

	if (!status)
		return stas_ctl_dbus_failed(ctl, error);
	return stas_ctl_print(args, status);
}

/* A stas debug member both daemons have: one string in (or none), one string out. */
static char *call_debug(StasCtl *ctl, const char *method, GVariant *params, GError **error)
{
	GDBusProxy *debug = debug_proxy(ctl, error);
	g_autoptr(GVariant) reply = NULL;
	char *text = NULL;

	if (!debug)
		return NULL;
	reply = g_dbus_proxy_call_sync(debug, method, params, G_DBUS_CALL_FLAGS_NONE, -1, NULL, error);
	if (reply)
		g_variant_get(reply, "(s)", &text);
	return text;
}

static int run_explain(StasCtl *ctl, const StasArgparseArgs *args)
{
	const char *const *targets = stas_argparse_args_positional(args, "target");
	const char *const all[] = { "", NULL };
	g_autoptr(JsonArray) answers = json_array_new();
	g_autoptr(JsonNode) node = NULL;

	if (!targets || !targets[0])
		targets = all;
	for (guint i = 0; targets[i]; i++) {
		g_autoptr(GError) error = NULL;
		g_autofree char *text = call_debug(ctl, "explain", g_variant_new("(s)", targets[i]), &error);
		JsonNode *answer = text ? stas_ctl_json_parse(text, &error) : NULL;

		if (!answer)
			return stas_ctl_dbus_failed(ctl, error);
		json_array_add_element(answers, answer);
	}
	if (json_array_get_length(answers) == 1) {
		node = json_array_dup_element(answers, 0);
	} else {
		node = json_node_new(JSON_NODE_ARRAY);
		json_node_set_array(node, answers);
	}
	return stas_ctl_print(args, node);
}

static int run_metrics(StasCtl *ctl, const StasArgparseArgs *args)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *text = call_debug(ctl, "metrics", NULL, &error);

	if (!text)
		return stas_ctl_dbus_failed(ctl, error);
	fputs(text, stdout);
	return 0;
}

const StasCtlCommand stas_ctl_cmd_tron = {
	.command = { .name = "tron", .help = "Trace ON" },
	.run = stas_ctl_run_tron,
};

const StasCtlCommand stas_ctl_cmd_troff = {
	.command = { .name = "troff", .help = "Trace OFF" },
	.run = stas_ctl_run_troff,
};

static const StasArgparseOption *const explain_options[] = { &stas_ctl_option_output_format, NULL };
static const StasArgparsePositional *const explain_positionals[] = { &positional_target, NULL };

const StasCtlCommand stas_ctl_cmd_explain = {
	.command = { .name = "explain",
		     .help = "Explain why each matching controller is or is not connected",
		     .options = explain_options,
		     .positionals = explain_positionals },
	.run = run_explain,
};

const StasCtlCommand stas_ctl_cmd_metrics = {
	.command = { .name = "metrics", .help = "Print the daemon's counters in the Prometheus text format" },
	.run = run_metrics,
};

/* Writes the debug interface's tron property with Properties.Set, then reads it back with
 * Properties.Get: the daemon emits no PropertiesChanged, so a proxy's cache would not see
 * the change, and the generated setter does not report errors. */
static int set_tron(StasCtl *ctl, gboolean on)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GVariant) set = NULL;
	g_autoptr(GVariant) got = NULL;
	g_autoptr(GVariant) value = NULL;
	GDBusProxy *debug = debug_proxy(ctl, &error);
	const char *interface;

	if (!debug)
		return stas_ctl_dbus_failed(ctl, error);
	interface = g_dbus_proxy_get_interface_name(debug);
	set = g_dbus_proxy_call_sync(debug, "org.freedesktop.DBus.Properties.Set",
				     g_variant_new("(ssv)", interface, "tron", g_variant_new_boolean(on)),
				     G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);
	if (set)
		got = g_dbus_proxy_call_sync(debug, "org.freedesktop.DBus.Properties.Get",
					     g_variant_new("(ss)", interface, "tron"), G_DBUS_CALL_FLAGS_NONE,
					     -1, NULL, &error);
	if (!got || !g_variant_is_of_type(got, G_VARIANT_TYPE("(v)")))
		return stas_ctl_dbus_failed(ctl, error);
	g_variant_get(got, "(v)", &value);
	if (!g_variant_is_of_type(value, G_VARIANT_TYPE_BOOLEAN))
		return stas_ctl_dbus_failed(ctl, NULL);
	printf("tron = %s\n", g_variant_get_boolean(value) ? "True" : "False");
	return fflush(stdout) == 0 ? 0 : 1;
}

int stas_ctl_run_tron(StasCtl *ctl, const StasArgparseArgs *args)
{
	return set_tron(ctl, TRUE);
}

int stas_ctl_run_troff(StasCtl *ctl, const StasArgparseArgs *args)
{
	return set_tron(ctl, FALSE);
}

/* --------------------------------------------------------------------- main */

int stas_ctl_main(const StasCtlProgram *program, int argc, char **argv)
{
	static const StasArgparseOption *const top_options[] = { &option_version, NULL };
	g_autofree const StasArgparseCommand **commands = NULL;
	g_autoptr(StasArgparseArgs) args = NULL;
	const StasArgparseCommand *given;
	StasCtl ctl = { program, NULL, NULL };
	StasArgparseProgram parser = {
		.prog = program->prog,
		.description = program->description,
		.options = top_options,
		.utf8_only = TRUE,
	};
	guint n = 0;
	int status;

	while (program->commands[n])
		n++;
	commands = g_new0(const StasArgparseCommand *, n + 1);
	for (guint i = 0; i < n; i++)
		commands[i] = &program->commands[i]->command;
	parser.commands = commands;

	args = stas_argparse_parse_command(&parser, argc, argv, &status);
	if (!args)
		return status;
	given = stas_argparse_args_command(args);
	for (guint i = 0; i < n; i++) {
		if (commands[i] == given)
			status = program->commands[i]->run(&ctl, args);
	}
	g_clear_object(&ctl.main);
	g_clear_object(&ctl.debug);
	return status;
}
