// SPDX-License-Identifier: Apache-2.0
/*
 * A stand-in for stafd or stacd on a private bus, for the tests of stafctl and stacctl: it
 * exports the generated skeletons and answers each method call with a reply recorded in a
 * directory, one file per method (<method>.txt). Each line of a file is
 *
 *     <arguments> <reply>
 *
 * two GVariant texts, the arguments being the call's tuple, or * for any call; the first
 * line that matches answers. A call without a matching line fails with
 * org.freedesktop.DBus.Error.Failed.
 *
 * Usage: fake-service staf|stac DIR [--no-debug]
 * Prints "ready" once it owns the bus name; stops on SIGTERM or SIGINT.
 */
#include <glib-unix.h>
#include <stdio.h>
#include <string.h>

#include "stas-dbus.h"

typedef struct {
	GVariant *args; /* NULL matches any call */
	GVariant *reply;
} Answer;

typedef struct {
	GHashTable *answers; /* method name -> GPtrArray of Answer */
	GMainLoop *loop;
	int status;
} Fake;

static void answer_free(gpointer data)
{
	Answer *answer = data;

	if (answer->args)
		g_variant_unref(answer->args);
	g_variant_unref(answer->reply);
	g_free(answer);
}

/* "(sss)" for the in or out arguments of @method. */
static GVariantType *args_type(GDBusArgInfo **args)
{
	g_autoptr(GPtrArray) types = g_ptr_array_new_with_free_func((GDestroyNotify)g_variant_type_free);

	for (guint i = 0; args && args[i]; i++)
		g_ptr_array_add(types, g_variant_type_new(args[i]->signature));
	return g_variant_type_new_tuple((const GVariantType *const *)types->pdata, types->len);
}

static gboolean load_method(Fake *fake, const char *dir, GDBusMethodInfo *method, GError **error)
{
	g_autofree char *path = g_strdup_printf("%s/%s.txt", dir, method->name);
	g_autofree char *text = NULL;
	g_auto(GStrv) lines = NULL;
	g_autoptr(GVariantType) in_type = args_type(method->in_args);
	g_autoptr(GVariantType) out_type = args_type(method->out_args);
	GPtrArray *answers = g_ptr_array_new_with_free_func(answer_free);

	g_hash_table_insert(fake->answers, g_strdup(method->name), answers);
	if (!g_file_test(path, G_FILE_TEST_EXISTS))
		return TRUE;
	if (!g_file_get_contents(path, &text, NULL, error))
		return FALSE;
	lines = g_strsplit(text, "\n", -1);
	for (guint n = 0; lines[n]; n++) {
		const char *line = g_strchug(lines[n]);
		const char *end = NULL;
		Answer *answer;

		if (!*line || *line == '#')
			continue;
		answer = g_new0(Answer, 1);
		if (*line == '*') {
			end = line + 1;
		} else if (!(answer->args = g_variant_parse(in_type, line, NULL, &end, error))) {
			g_prefix_error(error, "%s:%u: arguments: ", path, n + 1);
			answer_free(answer);
			return FALSE;
		}
		answer->reply = g_variant_parse(out_type, end, NULL, NULL, error);
		if (!answer->reply) {
			g_prefix_error(error, "%s:%u: reply: ", path, n + 1);
			if (answer->args)
				g_variant_unref(answer->args);
			g_free(answer);
			return FALSE;
		}
		g_ptr_array_add(answers, answer);
	}
	return TRUE;
}

static gboolean load_interface(Fake *fake, const char *dir, GDBusInterfaceInfo *info, GError **error)
{
	for (guint i = 0; info->methods && info->methods[i]; i++) {
		if (!load_method(fake, dir, info->methods[i], error))
			return FALSE;
	}
	return TRUE;
}

/* Every handler ends here: the recorded reply for these arguments. */
static gboolean answer(Fake *fake, GDBusMethodInvocation *invocation)
{
	const char *method = g_dbus_method_invocation_get_method_name(invocation);
	GVariant *params = g_dbus_method_invocation_get_parameters(invocation);
	GPtrArray *answers = g_hash_table_lookup(fake->answers, method);

	for (guint i = 0; answers && i < answers->len; i++) {
		Answer *candidate = g_ptr_array_index(answers, i);

		if (!candidate->args || g_variant_equal(candidate->args, params)) {
			g_dbus_method_invocation_return_value(invocation, candidate->reply);
			return TRUE;
		}
	}
	g_dbus_method_invocation_return_dbus_error(invocation, "org.freedesktop.DBus.Error.Failed",
						   "no recorded reply for these arguments");
	return TRUE;
}

static gboolean on_flag_call(GDBusInterfaceSkeleton *skeleton, GDBusMethodInvocation *invocation,
			     gboolean flag, Fake *fake)
{
	return answer(fake, invocation);
}

static gboolean on_plain_call(GDBusInterfaceSkeleton *skeleton, GDBusMethodInvocation *invocation, Fake *fake)
{
	return answer(fake, invocation);
}

static gboolean on_tid_call(GDBusInterfaceSkeleton *skeleton, GDBusMethodInvocation *invocation,
			    const char *transport, const char *traddr, const char *trsvcid,
			    const char *subsysnqn, const char *host_traddr, const char *host_iface,
			    const char *host_nqn, Fake *fake)
{
	return answer(fake, invocation);
}

static void on_name_acquired(GDBusConnection *connection, const char *name, gpointer data)
{
	printf("ready\n");
	fflush(stdout);
}

static void on_name_lost(GDBusConnection *connection, const char *name, gpointer data)
{
	Fake *fake = data;

	g_printerr("fake-service: cannot own %s\n", name);
	fake->status = 1;
	g_main_loop_quit(fake->loop);
}

static gboolean on_signal(gpointer data)
{
	g_main_loop_quit(((Fake *)data)->loop);
	return G_SOURCE_REMOVE;
}

int main(int argc, char **argv)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GDBusConnection) bus = NULL;
	g_autoptr(GDBusInterfaceSkeleton) main_iface = NULL;
	g_autoptr(GDBusInterfaceSkeleton) debug_iface = NULL;
	Fake fake = { g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
					    (GDestroyNotify)g_ptr_array_unref),
		      g_main_loop_new(NULL, FALSE), 0 };
	gboolean staf, with_debug;
	const char *name, *path;
	guint owner;

	if (argc < 3 || argc > 4 || (!g_str_equal(argv[1], "staf") && !g_str_equal(argv[1], "stac")) ||
	    (argc == 4 && !g_str_equal(argv[3], "--no-debug"))) {
		g_printerr("usage: %s staf|stac DIR [--no-debug]\n", argv[0]);
		return 2;
	}
	staf = g_str_equal(argv[1], "staf");
	with_debug = argc == 3;
	name = staf ? "org.nvmexpress.staf" : "org.nvmexpress.stac";
	path = staf ? "/org/nvmexpress/staf" : "/org/nvmexpress/stac";

	if (staf) {
		main_iface = G_DBUS_INTERFACE_SKELETON(stas_dbus_staf_skeleton_new());
		debug_iface = G_DBUS_INTERFACE_SKELETON(stas_dbus_staf_debug_skeleton_new());
		g_signal_connect(main_iface, "handle-get-log-pages", G_CALLBACK(on_tid_call), &fake);
		g_signal_connect(main_iface, "handle-get-all-log-pages", G_CALLBACK(on_flag_call), &fake);
	} else {
		main_iface = G_DBUS_INTERFACE_SKELETON(stas_dbus_stac_skeleton_new());
		debug_iface = G_DBUS_INTERFACE_SKELETON(stas_dbus_stac_debug_skeleton_new());
	}
	g_signal_connect(main_iface, "handle-list-controllers", G_CALLBACK(on_flag_call), &fake);
	g_signal_connect(debug_iface, "handle-process-info", G_CALLBACK(on_plain_call), &fake);
	g_signal_connect(debug_iface, "handle-controller-info", G_CALLBACK(on_tid_call), &fake);
	g_object_set(debug_iface, "tron", FALSE, "log-level", "INFO", NULL);

	if (!load_interface(&fake, argv[2], g_dbus_interface_skeleton_get_info(main_iface), &error) ||
	    !load_interface(&fake, argv[2], g_dbus_interface_skeleton_get_info(debug_iface), &error) ||
	    !(bus = g_bus_get_sync(G_BUS_TYPE_SYSTEM, NULL, &error)) ||
	    !g_dbus_interface_skeleton_export(main_iface, bus, path, &error) ||
	    (with_debug && !g_dbus_interface_skeleton_export(debug_iface, bus, path, &error))) {
		g_printerr("fake-service: %s\n", error->message);
		return 1;
	}
	owner = g_bus_own_name_on_connection(bus, name, G_BUS_NAME_OWNER_FLAGS_DO_NOT_QUEUE, on_name_acquired,
					     on_name_lost, &fake, NULL);
	g_unix_signal_add(SIGTERM, on_signal, &fake);
	g_unix_signal_add(SIGINT, on_signal, &fake);
	g_main_loop_run(fake.loop);

	g_bus_unown_name(owner);
	g_dbus_interface_skeleton_unexport(main_iface);
	if (with_debug)
		g_dbus_interface_skeleton_unexport(debug_iface);
	g_main_loop_unref(fake.loop);
	g_hash_table_unref(fake.answers);
	return fake.status;
}
