// SPDX-License-Identifier: Apache-2.0
/*
 * --check-config --plan: what a reload with the edited file would do, as
 * the running daemon computes it from what it manages now. The file is
 * read here and sent as text, so the daemon's sandbox does not matter and
 * the file the admin edits need not be the one the daemon reads.
 */
#include "stas/checkconf.h"
#include "stas/json.h"
#include "stas/names.h"

static void print_group(JsonObject *plan, const char *member, FILE *err)
{
	JsonArray *list = json_object_get_array_member(plan, member);

	for (guint i = 0; list && i < json_array_get_length(list); i++) {
		JsonObject *c = json_array_get_object_element(list, i);
		const char *device = json_object_get_string_member_with_default(c, "device", NULL);
		JsonObject *why = json_object_get_object_member(c, "verdict");
		JsonObject *removal = json_object_get_object_member(c, "removal");

		fprintf(err, "%s: %s%s%s", member, json_object_get_string_member(c, "id"),
			device ? " | " : "", device ? device : "");
		if (why && g_strcmp0(member, "keep") != 0 && g_strcmp0(member, "connect") != 0)
			fprintf(err, " - %s", json_object_get_string_member(why, "text"));
		if (removal)
			fprintf(err, " (%s)", json_object_get_string_member(removal, "text"));
		fputc('\n', err);
	}
}

int stas_check_config_plan(StasDaemon daemon, const char *conf_path, FILE *out, FILE *err)
{
	static const char *const shown[] = { "disconnect", "remove, keeping the connection", "connect",
					     "keep, with changed options" };
	gboolean stafd = daemon == STAS_DAEMON_STAFD;
	g_autoptr(GError) error = NULL;
	g_autofree char *text = NULL;
	g_autoptr(GDBusConnection) bus = NULL;
	g_autoptr(GVariant) reply = NULL;
	g_autoptr(JsonParser) parser = json_parser_new();
	g_autofree char *pretty = NULL;
	const char *json;
	JsonObject *plan;
	gint64 disconnects;

	if (!g_file_get_contents(conf_path, &text, NULL, &error)) {
		fprintf(err, "%s: cannot read: %s\n", conf_path, error->message);
		return STAS_CHECK_UNREADABLE;
	}
	bus = g_bus_get_sync(G_BUS_TYPE_SYSTEM, NULL, &error);
	if (bus)
		reply = g_dbus_connection_call_sync(
			bus, stafd ? STAS_STAF_BUS_NAME : STAS_STAC_BUS_NAME,
			stafd ? STAS_STAF_OBJECT_PATH : STAS_STAC_OBJECT_PATH,
			stafd ? STAS_STAF_BUS_NAME ".debug" : STAS_STAC_BUS_NAME ".debug", "plan",
			g_variant_new("(ss)", conf_path, text), G_VARIANT_TYPE("(s)"), G_DBUS_CALL_FLAGS_NONE,
			30000, NULL, &error);
	if (!reply) {
		g_dbus_error_strip_remote_error(error);
		fprintf(err, "%s: cannot ask the running %s what a reload would do: %s\n", conf_path,
			stas_daemon_name(daemon), error->message);
		return STAS_CHECK_NO_DAEMON;
	}
	g_variant_get(reply, "(&s)", &json);
	if (!json_parser_load_from_data(parser, json, -1, &error) ||
	    !JSON_NODE_HOLDS_OBJECT(json_parser_get_root(parser))) {
		fprintf(err, "%s: the daemon's answer is not a plan: %s\n", conf_path,
			error ? error->message : "not a JSON object");
		return STAS_CHECK_NO_DAEMON;
	}
	plan = json_node_get_object(json_parser_get_root(parser));
	{
		JsonArray *problems = json_object_get_array_member(plan, "problems");

		for (guint i = 0; problems && i < json_array_get_length(problems); i++)
			fprintf(err, "%s\n", json_array_get_string_element(problems, i));
	}
	for (guint i = 0; i < G_N_ELEMENTS(shown); i++)
		print_group(plan, shown[i], err);
	disconnects = json_object_get_int_member_with_default(plan, "disconnects", 0);
	fprintf(err,
		"A reload would disconnect %" G_GINT64_FORMAT " controller(s), connect %u and keep %u.\n",
		disconnects, json_array_get_length(json_object_get_array_member(plan, "connect")),
		json_array_get_length(json_object_get_array_member(plan, "keep")) +
			json_array_get_length(
				json_object_get_array_member(plan, "keep, with changed options")));
	pretty = stas_json_to_string(json_parser_get_root(parser), TRUE);
	fprintf(out, "%s\n", pretty);
	fflush(out);
	if (disconnects)
		return STAS_CHECK_DISCONNECTS;
	return json_array_get_length(json_object_get_array_member(plan, "problems")) ? STAS_CHECK_PROBLEMS
										     : STAS_CHECK_OK;
}
