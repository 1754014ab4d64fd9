// SPDX-License-Identifier: Apache-2.0
/*
 * stas/argparse.h against Python 3.11's argparse (Debian 12's): a parser declared in both,
 * every expected help, usage and error text below printed by python3 for the equivalent
 *
 *   p = ArgumentParser(prog="stafctl", description="STorage Appliance Finder (STAF)")
 *   p.add_argument("-v", "--version", action="store_true", help=...)
 *   sub = p.add_subparsers(title="Commands")
 *   explain = sub.add_parser("explain", help=...)      -d, -o {normal,json},
 *       explain.add_argument("target", nargs="*", metavar="TARGET", help=...)
 *   set_symname = sub.add_parser("set-symname", ...)   -f FILE, SYMNAME
 *   tag = sub.add_parser("tag", ...)                   name, values (nargs="*")
 *   rename = sub.add_parser("rename", ...)             OLD_TAG_NAME, NEW
 *
 * with COLUMNS set to the width given, and the values it parsed.
 */
#include "stas/argparse.h"

#include <check.h>

#include "testutil.h"

static const char *const output_formats[] = { "normal", "json", NULL };

static const StasArgparseOption option_version = {
	.short_name = 'v',
	.long_name = "version",
	.kind = STAS_ARGPARSE_FLAG,
	.help = "Print version, then exit",
};

static const StasArgparseOption option_detailed = {
	.short_name = 'd',
	.long_name = "detailed",
	.kind = STAS_ARGPARSE_FLAG,
	.help = "Print detailed info (default: \"%(default)s\")",
};

static const StasArgparseOption option_output_format = {
	.short_name = 'o',
	.long_name = "output-format",
	.kind = STAS_ARGPARSE_VALUE,
	.choices = output_formats,
	.default_value = "normal",
	.help = "Output format (default: \"%(default)s\")",
};

static const StasArgparseOption option_file = {
	.short_name = 'f',
	.long_name = "file",
	.kind = STAS_ARGPARSE_VALUE,
	.metavar = "FILE",
	.help = "Also write the name to FILE",
};

static const StasArgparsePositional positional_target = {
	.name = "target",
	.metavar = "TARGET",
	.any = TRUE,
	.help = "A controller to explain, as a TID (transport=tcp,traddr=...) or a device (nvme0); all of "
		"them when none is given",
};

static const StasArgparsePositional positional_symname = {
	.name = "symname",
	.metavar = "SYMNAME",
	.help = "The symbolic name",
};

static const StasArgparsePositional positional_name = { .name = "name", .help = "The tag" };
static const StasArgparsePositional positional_values = { .name = "values",
							  .any = TRUE,
							  .help = "Its values" };

static const StasArgparseOption *const program_options[] = { &option_version, NULL };
static const StasArgparseOption *const explain_options[] = { &option_detailed, &option_output_format, NULL };
static const StasArgparsePositional *const explain_positionals[] = { &positional_target, NULL };
static const StasArgparseOption *const set_symname_options[] = { &option_file, NULL };
static const StasArgparsePositional *const set_symname_positionals[] = { &positional_symname, NULL };
static const StasArgparsePositional *const tag_positionals[] = { &positional_name, &positional_values, NULL };
static const StasArgparsePositional positional_old = { .name = "old",
						       .metavar = "OLD_TAG_NAME",
						       .help = "Its name" };
static const StasArgparsePositional positional_new = { .name = "new",
						       .metavar = "NEW",
						       .help = "Its new name" };
static const StasArgparsePositional *const rename_positionals[] = { &positional_old, &positional_new, NULL };

static const StasArgparseCommand cmd_explain = {
	.name = "explain",
	.help = "Explain what stafd decided about its controllers",
	.options = explain_options,
	.positionals = explain_positionals,
};

static const StasArgparseCommand cmd_set_symname = {
	.name = "set-symname",
	.help = "Save the host symbolic name",
	.options = set_symname_options,
	.positionals = set_symname_positionals,
};

static const StasArgparseCommand cmd_tag = {
	.name = "tag",
	.help = "Tag a controller",
	.positionals = tag_positionals,
};

static const StasArgparseCommand cmd_rename = {
	.name = "rename",
	.help = "Rename a tag",
	.positionals = rename_positionals,
};

static const StasArgparseCommand *const commands[] = { &cmd_explain, &cmd_set_symname, &cmd_tag, &cmd_rename,
						       NULL };

static StasArgparseProgram program_at(int columns)
{
	StasArgparseProgram program = {
		.prog = "stafctl",
		.description = "STorage Appliance Finder (STAF)",
		.options = program_options,
		.commands = commands,
		.columns = columns,
	};

	return program;
}

/* One run of the parser on a NULL-terminated list of words, what it printed kept. */
typedef struct {
	StasArgparseArgs *args;
	int status; /* -1 when the arguments were returned */
	GString *out;
	GString *err;
} Run;

static void run_clear(Run *run)
{
	g_clear_pointer(&run->args, stas_argparse_args_free);
	if (run->out)
		g_string_free(run->out, TRUE);
	if (run->err)
		g_string_free(run->err, TRUE);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(Run, run_clear)

static Run run_program(const StasArgparseProgram *program, const char *const *words)
{
	g_autoptr(GPtrArray) argv = g_ptr_array_new();
	Run run = { NULL, -1, g_string_new(NULL), g_string_new(NULL) };

	g_ptr_array_add(argv, (gpointer) "stafctl");
	for (guint i = 0; words[i]; i++)
		g_ptr_array_add(argv, (gpointer)words[i]);
	g_ptr_array_add(argv, NULL);
	run.args = stas_argparse_parse(program, (int)argv->len - 1, (char **)argv->pdata, run.out, run.err,
				       &run.status);
	if (run.args)
		run.status = -1;
	return run;
}

static Run run_at(int columns, const char *const *words)
{
	StasArgparseProgram program = program_at(columns);

	return run_program(&program, words);
}

#define WORDS(...) ((const char *const[]){ __VA_ARGS__, NULL })

/* The parse succeeds, printing nothing. */
#define assert_parsed(run)                                                                             \
	do {                                                                                           \
		ck_assert_msg((run).args, "exit status %d, stderr: %s", (run).status, (run).err->str); \
		ck_assert_str_eq((run).out->str, "");                                                  \
		ck_assert_str_eq((run).err->str, "");                                                  \
	} while (0)

/* The words of positional @name are exactly the NULL-terminated @expected. */
static void assert_words(const StasArgparseArgs *args, const char *name, const char *const *expected)
{
	const char *const *words = stas_argparse_args_positional(args, name);

	ck_assert_ptr_nonnull(words);
	for (guint i = 0; expected[i] || words[i]; i++) {
		ck_assert_msg(expected[i] && words[i], "%s: word %u is %s, expected %s", name, i,
			      words[i] ? words[i] : "missing", expected[i] ? expected[i] : "none");
		ck_assert_str_eq(words[i], expected[i]);
	}
}

/* A usage error: exit status 2, @text on stderr, nothing on stdout. */
static void assert_usage_error(int columns, const char *const *words, const char *text)
{
	g_auto(Run) run = run_at(columns, words);

	ck_assert_ptr_null(run.args);
	ck_assert_int_eq(run.status, 2);
	ck_assert_str_eq(run.out->str, "");
	ck_assert_str_eq(run.err->str, text);
}

/* -h: exit status 0, @text on stdout, nothing on stderr. */
static void assert_help(int columns, const char *const *words, const char *text)
{
	g_auto(Run) run = run_at(columns, words);

	ck_assert_ptr_null(run.args);
	ck_assert_int_eq(run.status, 0);
	ck_assert_str_eq(run.out->str, text);
	ck_assert_str_eq(run.err->str, "");
}

static const char explain_help_80[] =
	"usage: stafctl explain [-h] [-d] [-o {normal,json}] [TARGET ...]\n"
	"\n"
	"positional arguments:\n"
	"  TARGET                A controller to explain, as a TID\n"
	"                        (transport=tcp,traddr=...) or a device (nvme0); all of\n"
	"                        them when none is given\n"
	"\n"
	"options:\n"
	"  -h, --help            show this help message and exit\n"
	"  -d, --detailed        Print detailed info (default: \"False\")\n"
	"  -o {normal,json}, --output-format {normal,json}\n"
	"                        Output format (default: \"normal\")\n";

/* ----------------------------------------------------------------- help and usage */

START_TEST(test_help_lists_the_commands)
{
	assert_help(80, WORDS("-h"),
		    "usage: stafctl [-h] [-v] {explain,set-symname,tag,rename} ...\n"
		    "\n"
		    "STorage Appliance Finder (STAF)\n"
		    "\n"
		    "options:\n"
		    "  -h, --help            show this help message and exit\n"
		    "  -v, --version         Print version, then exit\n"
		    "\n"
		    "Commands:\n"
		    "  {explain,set-symname,tag,rename}\n"
		    "    explain             Explain what stafd decided about its controllers\n"
		    "    set-symname         Save the host symbolic name\n"
		    "    tag                 Tag a controller\n"
		    "    rename              Rename a tag\n");
}
END_TEST

START_TEST(test_help_shows_any_words_positional_as_optional_list)
{
	assert_help(80, WORDS("explain", "-h"), explain_help_80);
}
END_TEST

START_TEST(test_help_wraps_usage_and_positional_help_when_narrow)
{
	assert_help(40, WORDS("explain", "-h"),
		    "usage: stafctl explain [-h] [-d]\n"
		    "                       [-o {normal,json}]\n"
		    "                       [TARGET ...]\n"
		    "\n"
		    "positional arguments:\n"
		    "  TARGET          A controller to\n"
		    "                  explain, as a TID (t\n"
		    "                  ransport=tcp,traddr=\n"
		    "                  ...) or a device\n"
		    "                  (nvme0); all of them\n"
		    "                  when none is given\n"
		    "\n"
		    "options:\n"
		    "  -h, --help      show this help\n"
		    "                  message and exit\n"
		    "  -d, --detailed  Print detailed info\n"
		    "                  (default: \"False\")\n"
		    "  -o {normal,json}, --output-format {normal,json}\n"
		    "                  Output format\n"
		    "                  (default: \"normal\")\n");
}
END_TEST

START_TEST(test_help_shows_one_word_positional_bare)
{
	assert_help(80, WORDS("set-symname", "-h"),
		    "usage: stafctl set-symname [-h] [-f FILE] SYMNAME\n"
		    "\n"
		    "positional arguments:\n"
		    "  SYMNAME               The symbolic name\n"
		    "\n"
		    "options:\n"
		    "  -h, --help            show this help message and exit\n"
		    "  -f FILE, --file FILE  Also write the name to FILE\n");
}
END_TEST

START_TEST(test_help_of_positionals_without_metavar_shows_their_names)
{
	static const char help[] = "usage: stafctl tag [-h] name [values ...]\n"
				   "\n"
				   "positional arguments:\n"
				   "  name        The tag\n"
				   "  values      Its values\n"
				   "\n"
				   "options:\n"
				   "  -h, --help  show this help message and exit\n";

	assert_help(80, WORDS("tag", "-h"), help);
	/* -h after a positional still prints the help */
	assert_help(80, WORDS("tag", "n", "-h"), help);
}
END_TEST

START_TEST(test_format_usage_and_help_match_what_h_prints)
{
	StasArgparseProgram program = program_at(80);
	g_autofree char *usage = stas_argparse_format_usage(&program, &cmd_explain);
	g_autofree char *help = stas_argparse_format_help(&program, &cmd_explain);
	g_autofree char *top = stas_argparse_format_usage(&program, NULL);

	ck_assert_str_eq(usage, "usage: stafctl explain [-h] [-d] [-o {normal,json}] [TARGET ...]\n");
	ck_assert_str_eq(help, explain_help_80);
	ck_assert_str_eq(top, "usage: stafctl [-h] [-v] {explain,set-symname,tag,rename} ...\n");
}
END_TEST

START_TEST(test_unwrapped_program_never_wraps_its_usage)
{
	StasArgparseProgram program = program_at(STAS_ARGPARSE_UNWRAPPED);
	g_autofree char *usage = NULL;

	g_setenv("COLUMNS", "20", TRUE);
	usage = stas_argparse_format_usage(&program, &cmd_explain);
	g_unsetenv("COLUMNS");
	ck_assert_str_eq(usage, "usage: stafctl explain [-h] [-d] [-o {normal,json}] [TARGET ...]\n");
}
END_TEST

/* ------------------------------------------------------------- nargs="*" positionals */

START_TEST(test_any_words_positional_takes_none)
{
	g_auto(Run) run = run_at(80, WORDS("explain"));

	assert_parsed(run);
	ck_assert_ptr_eq(stas_argparse_args_command(run.args), &cmd_explain);
	assert_words(run.args, "target", WORDS(NULL));
	ck_assert_str_eq(stas_argparse_args_value(run.args, "output-format"), "normal");
	ck_assert(!stas_argparse_args_flag(run.args, "detailed"));
}
END_TEST

START_TEST(test_any_words_positional_takes_every_word)
{
	g_auto(Run) run = run_at(80, WORDS("explain", "a", "b"));

	assert_parsed(run);
	assert_words(run.args, "target", WORDS("a", "b"));
}
END_TEST

START_TEST(test_any_words_positional_after_options)
{
	g_auto(Run) run = run_at(80, WORDS("explain", "-d", "a", "b"));
	g_auto(Run) joined = run_at(80, WORDS("explain", "-ojson", "a"));

	assert_parsed(run);
	ck_assert(stas_argparse_args_flag(run.args, "detailed"));
	assert_words(run.args, "target", WORDS("a", "b"));
	assert_parsed(joined);
	ck_assert_str_eq(stas_argparse_args_value(joined.args, "output-format"), "json");
	assert_words(joined.args, "target", WORDS("a"));
}
END_TEST

/* argparse 3.11 matches the positionals once before an option and never again: a word after
 * the option is left over. */
START_TEST(test_words_after_an_option_between_them_are_unrecognized)
{
	assert_usage_error(80, WORDS("explain", "a", "-d", "b"),
			   "usage: stafctl [-h] [-v] {explain,set-symname,tag,rename} ...\n"
			   "stafctl: error: unrecognized arguments: b\n");
}
END_TEST

START_TEST(test_dashdash_makes_options_words_and_is_dropped_once)
{
	g_auto(Run) dashed = run_at(80, WORDS("explain", "--", "-x", "a"));
	g_auto(Run) inside = run_at(80, WORDS("explain", "a", "--", "b"));
	g_auto(Run) twice = run_at(80, WORDS("explain", "--det", "--", "--"));
	g_auto(Run) last = run_at(80, WORDS("set-symname", "name", "--"));
	g_auto(Run) between = run_at(80, WORDS("tag", "n", "--", "v"));

	assert_parsed(dashed);
	assert_words(dashed.args, "target", WORDS("-x", "a"));
	assert_parsed(inside);
	assert_words(inside.args, "target", WORDS("a", "b"));
	assert_parsed(twice);
	ck_assert(stas_argparse_args_flag(twice.args, "detailed"));
	assert_words(twice.args, "target", WORDS("--"));
	/* a one-word positional takes a "--" after its word too */
	assert_parsed(last);
	ck_assert_str_eq(stas_argparse_args_value(last.args, "symname"), "name");
	assert_parsed(between);
	assert_words(between.args, "name", WORDS("n"));
	assert_words(between.args, "values", WORDS("v"));
}
END_TEST

START_TEST(test_option_of_a_command_with_positionals_still_checks_its_choices)
{
	assert_usage_error(80, WORDS("explain", "a", "-o", "xml"),
			   "usage: stafctl explain [-h] [-d] [-o {normal,json}] [TARGET ...]\n"
			   "stafctl explain: error: argument -o/--output-format: invalid choice: 'xml' "
			   "(choose from 'normal', 'json')\n");
}
END_TEST

START_TEST(test_program_options_and_positionals_together)
{
	g_auto(Run) run = run_at(80, WORDS("-v", "explain", "x"));

	assert_parsed(run);
	ck_assert(stas_argparse_args_flag(run.args, "version"));
	assert_words(run.args, "target", WORDS("x"));
}
END_TEST

/* --------------------------------------------------------------- one-word positionals */

START_TEST(test_one_word_positional_is_required)
{
	assert_usage_error(80, WORDS("set-symname"),
			   "usage: stafctl set-symname [-h] [-f FILE] SYMNAME\n"
			   "stafctl set-symname: error: the following arguments are required: SYMNAME\n");
}
END_TEST

START_TEST(test_one_word_positional_takes_one_word)
{
	assert_usage_error(80, WORDS("set-symname", "a", "b"),
			   "usage: stafctl [-h] [-v] {explain,set-symname,tag,rename} ...\n"
			   "stafctl: error: unrecognized arguments: b\n");
}
END_TEST

START_TEST(test_one_word_positional_before_or_after_options)
{
	g_auto(Run) before = run_at(80, WORDS("set-symname", "-f", "F", "my name"));
	g_auto(Run) after = run_at(80, WORDS("set-symname", "my name", "--file=F"));
	g_auto(Run) dashed = run_at(80, WORDS("set-symname", "--", "-a"));

	assert_parsed(before);
	ck_assert_str_eq(stas_argparse_args_value(before.args, "symname"), "my name");
	ck_assert_str_eq(stas_argparse_args_value(before.args, "file"), "F");
	assert_words(before.args, "symname", WORDS("my name"));
	assert_parsed(after);
	ck_assert_str_eq(stas_argparse_args_value(after.args, "symname"), "my name");
	ck_assert_str_eq(stas_argparse_args_value(after.args, "file"), "F");
	assert_parsed(dashed);
	ck_assert_str_eq(stas_argparse_args_value(dashed.args, "symname"), "-a");
	ck_assert_ptr_null(stas_argparse_args_value(dashed.args, "file"));
}
END_TEST

START_TEST(test_option_value_is_never_the_positional)
{
	assert_usage_error(80, WORDS("set-symname", "-f"),
			   "usage: stafctl set-symname [-h] [-f FILE] SYMNAME\n"
			   "stafctl set-symname: error: argument -f/--file: expected one argument\n");
}
END_TEST

/* argparse 3.11 makes a nargs="*" positional required, and reports it missing when the
 * one-word positional before it got nothing. */
START_TEST(test_any_words_after_a_missing_one_word_positional_is_missing_too)
{
	assert_usage_error(80, WORDS("tag"),
			   "usage: stafctl tag [-h] name [values ...]\n"
			   "stafctl tag: error: the following arguments are required: name, values\n");
}
END_TEST

START_TEST(test_one_word_then_any_words)
{
	g_auto(Run) alone = run_at(80, WORDS("tag", "n"));
	g_auto(Run) more = run_at(80, WORDS("tag", "n", "v1", "v2"));

	assert_parsed(alone);
	ck_assert_str_eq(stas_argparse_args_value(alone.args, "name"), "n");
	assert_words(alone.args, "values", WORDS(NULL));
	assert_parsed(more);
	assert_words(more.args, "name", WORDS("n"));
	assert_words(more.args, "values", WORDS("v1", "v2"));
}
END_TEST

/* argparse matches as many positionals as it can, giving up the last ones first: the first of
 * two one-word positionals takes a lone word. (OLD_TAG_NAME, longer than any option, sets the
 * help column.) */
START_TEST(test_positionals_are_given_up_from_the_last)
{
	g_auto(Run) both = run_at(80, WORDS("rename", "a", "b"));
	g_auto(Run) dashed = run_at(80, WORDS("rename", "a", "--", "-b"));

	assert_usage_error(80, WORDS("rename", "a"),
			   "usage: stafctl rename [-h] OLD_TAG_NAME NEW\n"
			   "stafctl rename: error: the following arguments are required: NEW\n");
	assert_usage_error(
		80, WORDS("rename"),
		"usage: stafctl rename [-h] OLD_TAG_NAME NEW\n"
		"stafctl rename: error: the following arguments are required: OLD_TAG_NAME, NEW\n");
	assert_usage_error(80, WORDS("rename", "a", "b", "c"),
			   "usage: stafctl [-h] [-v] {explain,set-symname,tag,rename} ...\n"
			   "stafctl: error: unrecognized arguments: c\n");
	assert_help(80, WORDS("rename", "a", "-h"),
		    "usage: stafctl rename [-h] OLD_TAG_NAME NEW\n"
		    "\n"
		    "positional arguments:\n"
		    "  OLD_TAG_NAME  Its name\n"
		    "  NEW           Its new name\n"
		    "\n"
		    "options:\n"
		    "  -h, --help    show this help message and exit\n");
	assert_parsed(both);
	ck_assert_str_eq(stas_argparse_args_value(both.args, "old"), "a");
	ck_assert_str_eq(stas_argparse_args_value(both.args, "new"), "b");
	assert_parsed(dashed);
	ck_assert_str_eq(stas_argparse_args_value(dashed.args, "new"), "-b");
}
END_TEST

START_TEST(test_empty_argv_is_a_line_without_command)
{
	StasArgparseProgram program = program_at(80);
	char *argv[] = { NULL };
	g_autoptr(GString) out = g_string_new(NULL);
	g_autoptr(GString) err = g_string_new(NULL);
	g_autoptr(StasArgparseArgs) args = NULL;
	int status = -1;

	args = stas_argparse_parse(&program, 0, argv, out, err, &status);
	ck_assert_ptr_nonnull(args);
	ck_assert_ptr_null(stas_argparse_args_command(args));
	ck_assert_str_eq(err->str, "");
}
END_TEST

START_TEST(test_unknown_names_have_no_values)
{
	g_auto(Run) run = run_at(80, WORDS("tag", "n"));
	g_auto(Run) none = run_at(80, WORDS(NULL));

	assert_parsed(run);
	ck_assert_ptr_null(stas_argparse_args_positional(run.args, "target"));
	ck_assert_ptr_null(stas_argparse_args_value(run.args, "values")); /* several words */
	ck_assert_ptr_null(stas_argparse_args_value(run.args, "nothing"));
	assert_parsed(none);
	ck_assert_ptr_null(stas_argparse_args_command(none.args));
	ck_assert_ptr_null(stas_argparse_args_positional(none.args, "target"));
}
END_TEST

/* ------------------------------------------------------------------- commands */

START_TEST(test_unknown_command_lists_the_choices)
{
	assert_usage_error(
		80, WORDS("bogus"),
		"usage: stafctl [-h] [-v] {explain,set-symname,tag,rename} ...\n"
		"stafctl: error: argument {explain,set-symname,tag,rename}: invalid choice: 'bogus' (choose "
		"from 'explain', 'set-symname', 'tag', 'rename')\n");
}
END_TEST

START_TEST(test_unrecognized_option_after_narrow_usage)
{
	assert_usage_error(30, WORDS("explain", "-x"),
			   "usage: stafctl [-h] [-v]\n"
			   "               {explain,set-symname,tag,rename}\n"
			   "               ...\n"
			   "stafctl: error: unrecognized arguments: -x\n");
}
END_TEST

/* ---------------------------------------------------------- stas's own checks */

START_TEST(test_utf8_only_refuses_other_bytes_in_positionals)
{
	StasArgparseProgram program = program_at(80);
	g_auto(Run) run = { 0 };

	program.utf8_only = TRUE;
	run = run_program(&program, WORDS("explain", "nvme0", "\xff\xfe"));
	ck_assert_ptr_null(run.args);
	ck_assert_int_eq(run.status, 2);
	ck_assert_str_eq(run.err->str,
			 "usage: stafctl explain [-h] [-d] [-o {normal,json}] [TARGET ...]\n"
			 "stafctl explain: error: argument TARGET: not UTF-8 text: '\\xff\\xfe'\n");
}
END_TEST

START_TEST(test_program_errors_name_the_program_after_the_command_usage)
{
	StasArgparseProgram program = program_at(80);
	g_auto(Run) extra = { 0 };
	g_auto(Run) bogus = { 0 };

	program.errors = STAS_ARGPARSE_ERRORS_PROGRAM;
	extra = run_program(&program, WORDS("set-symname", "a", "b"));
	ck_assert_int_eq(extra.status, 2);
	ck_assert_str_eq(extra.err->str, "usage: stafctl set-symname [-h] [-f FILE] SYMNAME\n"
					 "stafctl: error: unrecognized arguments: b\n");
	bogus = run_program(&program, WORDS("bogus"));
	ck_assert_int_eq(bogus.status, 2);
	ck_assert_str_eq(bogus.err->str, "usage: stafctl [-h] [-v] {explain,set-symname,tag,rename} ...\n"
					 "stafctl: error: invalid command 'bogus' (choose from "
					 "{explain,set-symname,tag,rename})\n");
}
END_TEST

static Suite *argparse_suite(void)
{
	Suite *s = suite_create("argparse");
	TCase *help = tcase_create("help");
	TCase *positionals = tcase_create("positionals");
	TCase *errors = tcase_create("errors");

	tcase_add_test(help, test_help_lists_the_commands);
	tcase_add_test(help, test_help_shows_any_words_positional_as_optional_list);
	tcase_add_test(help, test_help_wraps_usage_and_positional_help_when_narrow);
	tcase_add_test(help, test_help_shows_one_word_positional_bare);
	tcase_add_test(help, test_help_of_positionals_without_metavar_shows_their_names);
	tcase_add_test(help, test_format_usage_and_help_match_what_h_prints);
	tcase_add_test(help, test_unwrapped_program_never_wraps_its_usage);
	suite_add_tcase(s, help);

	tcase_add_test(positionals, test_any_words_positional_takes_none);
	tcase_add_test(positionals, test_any_words_positional_takes_every_word);
	tcase_add_test(positionals, test_any_words_positional_after_options);
	tcase_add_test(positionals, test_words_after_an_option_between_them_are_unrecognized);
	tcase_add_test(positionals, test_dashdash_makes_options_words_and_is_dropped_once);
	tcase_add_test(positionals, test_option_of_a_command_with_positionals_still_checks_its_choices);
	tcase_add_test(positionals, test_program_options_and_positionals_together);
	tcase_add_test(positionals, test_one_word_positional_is_required);
	tcase_add_test(positionals, test_one_word_positional_takes_one_word);
	tcase_add_test(positionals, test_one_word_positional_before_or_after_options);
	tcase_add_test(positionals, test_option_value_is_never_the_positional);
	tcase_add_test(positionals, test_any_words_after_a_missing_one_word_positional_is_missing_too);
	tcase_add_test(positionals, test_one_word_then_any_words);
	tcase_add_test(positionals, test_positionals_are_given_up_from_the_last);
	tcase_add_test(positionals, test_unknown_names_have_no_values);
	tcase_add_test(positionals, test_empty_argv_is_a_line_without_command);
	suite_add_tcase(s, positionals);

	tcase_add_test(errors, test_unknown_command_lists_the_choices);
	tcase_add_test(errors, test_unrecognized_option_after_narrow_usage);
	tcase_add_test(errors, test_utf8_only_refuses_other_bytes_in_positionals);
	tcase_add_test(errors, test_program_errors_name_the_program_after_the_command_usage);
	suite_add_tcase(s, errors);
	return s;
}

int main(void)
{
	return tu_run(argparse_suite());
}
