// SPDX-License-Identifier: Apache-2.0
/*
 * The command line as nvme-stas's argparse parsers accept, reject and explain it: the usage
 * and help of HelpFormatter (wrapped as textwrap wraps), the matching of
 * ArgumentParser._parse_known_args (options, abbreviations, "--", positionals matched as
 * argparse matches its patterns of O, A and -), its messages and its exit status 2.
 */
#include "stas/argparse.h"

#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "stas/pprint.h"
#include "stas/version.h"

#define EXIT_USAGE 2
/* What the parsing steps return to go on; anything else is the exit status to stop at. */
#define GO_ON	   (-1)

static const StasArgparseOption option_help = {
	.short_name = 'h',
	.long_name = "help",
	.kind = STAS_ARGPARSE_HELP,
	.help = "show this help message and exit",
};

/* The program's positional: its commands (argparse's subparsers action, nargs=PARSER). */
static const StasArgparsePositional command_positional = { .name = "command" };

/* One argparse parser: the program itself (options, then the command) or one command. */
typedef struct {
	const StasArgparseProgram *program;
	const StasArgparseCommand *command; /* NULL for the program's */
	char *prog;			    /* "stafctl" or "stafctl dlp" */
	const char *description;
	GPtrArray *options;	/* const StasArgparseOption *, -h first */
	GPtrArray *positionals; /* const StasArgparsePositional *; the program's: its commands */
	int width;		/* of the help text, as argparse computes it */
} Parser;

/* A parser and what the command line gave it. */
typedef struct {
	Parser parser;
	char **values;	 /* per option: the value given, NULL if absent */
	gboolean *given; /* per option */
	GStrv *words;	 /* per positional: its words, NULL until it is matched */
} Level;

struct _StasArgparseArgs {
	Level top;
	Level sub; /* the command's, when one was given */
	const StasArgparseCommand *command;
};

/* One run of the parser: where it prints, what it fills in. */
typedef struct {
	const StasArgparseProgram *program;
	StasArgparseArgs *args;
	GPtrArray *sub_extras; /* the command's unrecognized arguments, reported after the program's */
	GString *out;	       /* NULL: stdout */
	GString *err;	       /* NULL: stderr */
} Parse;

static void emit(GString *to, FILE *file, const char *text)
{
	if (to)
		g_string_append(to, text);
	else
		fputs(text, file);
}

static gboolean is_command(const StasArgparsePositional *positional)
{
	return positional == &command_positional;
}

/* ------------------------------------------------------------ help formatting */

/* shutil.get_terminal_size().columns - 2, as argparse sizes its output: $COLUMNS if it is a
 * positive number, else the terminal's width, else 80; or the program's own @columns. */
static int help_width(int program_columns)
{
	const char *env = g_getenv("COLUMNS");
	g_autofree char *text = g_strstrip(g_strdup(env ? env : ""));
	gint64 columns = 0;
	struct winsize size;

	if (program_columns > 0)
		return program_columns - 2;
	if (!g_ascii_string_to_signed(text, 10, 1, 10000, &columns, NULL))
		columns = 0;

	if (columns <= 0 && ioctl(STDOUT_FILENO, TIOCGWINSZ, &size) == 0)
		columns = size.ws_col;
	if (columns <= 0)
		columns = 80;
	return (int)columns - 2;
}

static int text_len(const char *text)
{
	return (int)g_utf8_strlen(text, -1);
}

static gboolean is_blank(const char *text)
{
	return text[strspn(text, " ")] == '\0';
}

/* textwrap.TextWrapper.wordsep_re: white space, or a word up to the end of a hyphenated
 * part. \Z of Python is \z here. */
#define WORDSEP_RE                                                                       \
	"([\\t\\n\\x0b\\x0c\\r ]+"                                                       \
	"|(?<=[\\w!\"'&.,?])-{2,}(?=\\w)"                                                \
	"|[^\\t\\n\\x0b\\x0c\\r ]+?(?:-(?:(?<=[^\\d\\W]{2}-)|(?<=[^\\d\\W]-[^\\d\\W]-))" \
	"(?=[^\\d\\W]-?[^\\d\\W])|(?=[\\t\\n\\x0b\\x0c\\r ]|\\z)|(?<=[\\w!\"'&.,?])(?=-{2,}\\w)))"

/* textwrap.wrap(text, width) after argparse collapsed the white space: greedy filling of
 * chunks, a chunk longer than a line cut after its last hyphen that fits, else at the
 * width. */
static GPtrArray *wrap_text(const char *text, int width)
{
	g_autoptr(GRegex) regex = g_regex_new(WORDSEP_RE, G_REGEX_OPTIMIZE, 0, NULL);
	g_autoptr(GPtrArray) chunks = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GRegex) spaces = g_regex_new("\\s+", 0, 0, NULL);
	g_autofree char *collapsed = g_regex_replace_literal(spaces, text, -1, 0, " ", 0, NULL);
	GPtrArray *lines = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GMatchInfo) match = NULL;
	const char *str = g_strstrip(collapsed);
	int start = 0, end, pos = 0;
	guint next = 0;

	g_regex_match(regex, str, 0, &match);
	while (g_match_info_matches(match) && g_match_info_fetch_pos(match, 0, &start, &end)) {
		if (start > pos)
			g_ptr_array_add(chunks, g_strndup(str + pos, start - pos));
		if (end > start)
			g_ptr_array_add(chunks, g_strndup(str + start, end - start));
		pos = end;
		if (!g_match_info_next(match, NULL))
			break;
	}
	if (str[pos])
		g_ptr_array_add(chunks, g_strdup(str + pos));

	while (next < chunks->len) {
		g_autoptr(GString) line = g_string_new(NULL);
		gsize last_start = 0; /* of the last chunk in the line */
		int line_len = 0;
		char *chunk;

		if (lines->len && is_blank(g_ptr_array_index(chunks, next)))
			next++; /* no white space at the start of a continuation line */
		while (next < chunks->len && line_len + text_len(g_ptr_array_index(chunks, next)) <= width) {
			chunk = g_ptr_array_index(chunks, next++);
			last_start = line->len;
			g_string_append(line, chunk);
			line_len += text_len(chunk);
		}
		if (next < chunks->len && text_len(g_ptr_array_index(chunks, next)) > width) {
			/* TextWrapper._handle_long_word: cut after the last hyphen that fits, if
			 * something other than hyphens comes before it, else at the width */
			int space_left = width < 1 ? 1 : width - line_len;
			int cut_at = space_left;
			const char *cut;

			chunk = g_ptr_array_index(chunks, next);
			for (int h = space_left - 1; h > 0; h--) {
				const char *c = g_utf8_offset_to_pointer(chunk, h);

				if (*c == '-') {
					if (strspn(chunk, "-") < (gsize)(c - chunk))
						cut_at = h + 1;
					break;
				}
			}
			cut = g_utf8_offset_to_pointer(chunk, cut_at);
			last_start = line->len;
			g_string_append_len(line, chunk, cut - chunk);
			memmove(chunk, cut, strlen(cut) + 1);
		}
		/* The last chunk goes if it is white space (or nothing, when a long word was cut
		 * at no room left: the white space before it then stays, as in Python). */
		if (is_blank(line->str + last_start))
			g_string_truncate(line, last_start);
		if (line->len)
			g_ptr_array_add(lines, g_strdup(line->str));
	}
	return lines;
}

char *stas_argparse_option_help(const StasArgparseOption *option)
{
	g_autofree char *lazy = NULL;
	const char *value = option->default_value;
	g_auto(GStrv) pieces = NULL;

	if (option->kind != STAS_ARGPARSE_VALUE) {
		value = "False";
	} else if (option->lazy_default) {
		lazy = option->lazy_default(NULL);
		value = lazy;
	}
	pieces = g_strsplit(option->help, "%(default)s", -1);
	return g_strjoinv(value ? value : "None", pieces);
}

/* "<traddr>", "{tcp,rdma,fc,loop}", or else argparse's default, "HOST_NQN" for --host-nqn */
static char *option_argument(const StasArgparseOption *option)
{
	g_autofree char *choices = NULL;

	if (option->metavar)
		return g_strdup(option->metavar);
	if (!option->choices)
		return g_strdelimit(g_ascii_strup(option->long_name, -1), "-", '_');
	choices = g_strjoinv(",", (char **)option->choices);
	return g_strdup_printf("{%s}", choices);
}

/* The first option string, with its argument: "-t <trtype>" */
static char *option_usage(const StasArgparseOption *option)
{
	g_autofree char *argument = option->kind == STAS_ARGPARSE_VALUE ? option_argument(option) : NULL;
	g_autofree char *name = option->short_name ? g_strdup_printf("-%c", option->short_name)
						   : g_strdup_printf("--%s", option->long_name);
	g_autofree char *part = argument ? g_strdup_printf("%s %s", name, argument) : g_strdup(name);

	return option->required ? g_steal_pointer(&part) : g_strdup_printf("[%s]", part);
}

/* "-t/--transport", the name argparse gives an option in its errors */
static char *option_name(const StasArgparseOption *option)
{
	if (!option->short_name)
		return g_strdup_printf("--%s", option->long_name);
	return g_strdup_printf("-%c/--%s", option->short_name, option->long_name);
}

/* "-t <trtype>, --transport <trtype>" */
static char *option_invocation(const StasArgparseOption *option)
{
	g_autofree char *argument = option->kind == STAS_ARGPARSE_VALUE ? option_argument(option) : NULL;
	GString *text = g_string_new(NULL);

	if (option->short_name) {
		g_string_append_printf(text, "-%c", option->short_name);
		if (argument)
			g_string_append_printf(text, " %s", argument);
		g_string_append(text, ", ");
	}
	g_string_append_printf(text, "--%s", option->long_name);
	if (argument)
		g_string_append_printf(text, " %s", argument);
	return g_string_free(text, FALSE);
}

/* "{tron,troff,status,ls}" */
static char *commands_choices(const StasArgparseCommand *const *commands)
{
	GString *text = g_string_new("{");

	for (guint i = 0; commands[i]; i++)
		g_string_append_printf(text, "%s%s", i ? "," : "", commands[i]->name);
	g_string_append_c(text, '}');
	return g_string_free(text, FALSE);
}

/* "TARGET": a positional's invocation in the help, and its name in errors */
static const char *positional_metavar(const StasArgparsePositional *positional)
{
	return positional->metavar ? positional->metavar : positional->name;
}

/* "SYMNAME", "[TARGET ...]", "{tron,troff} ..." */
static char *positional_usage(const Parser *parser, const StasArgparsePositional *positional)
{
	g_autofree char *choices = NULL;

	if (is_command(positional)) {
		choices = commands_choices(parser->program->commands);
		return g_strdup_printf("%s ...", choices);
	}
	if (positional->any)
		return g_strdup_printf("[%s ...]", positional_metavar(positional));
	return g_strdup(positional_metavar(positional));
}

static void add_lines(GPtrArray *lines, GPtrArray *parts, const char *indent, const char *prefix,
		      int text_width)
{
	g_autoptr(GString) line = g_string_new(NULL);
	int line_len = text_len(prefix ? prefix : indent) - 1;
	gboolean empty = TRUE;
	guint first = lines->len;

	for (guint i = 0; i < parts->len; i++) {
		const char *part = g_ptr_array_index(parts, i);

		if (line_len + 1 + text_len(part) > text_width && !empty) {
			g_ptr_array_add(lines, g_strdup_printf("%s%s", indent, line->str));
			g_string_truncate(line, 0);
			line_len = text_len(indent) - 1;
			empty = TRUE;
		}
		g_string_append_printf(line, "%s%s", empty ? "" : " ", part);
		line_len += text_len(part) + 1;
		empty = FALSE;
	}
	if (!empty)
		g_ptr_array_add(lines, g_strdup_printf("%s%s", indent, line->str));
	if (prefix && lines->len > first) {
		char *stripped = g_strdup((char *)g_ptr_array_index(lines, first) + strlen(indent));

		g_free(g_ptr_array_index(lines, first));
		g_ptr_array_index(lines, first) = stripped;
	}
}

/* The wrappable parts of a usage text: bracketed groups whole, the rest word by word, so
 * that a required option may be cut from its argument, as argparse does. */
static void add_usage_parts(GPtrArray *parts, const char *usage)
{
	g_autoptr(GRegex) regex = g_regex_new("\\(.*?\\)+(?=\\s|$)|\\[.*?\\]+(?=\\s|$)|\\S+", 0, 0, NULL);
	g_autoptr(GMatchInfo) match = NULL;

	g_regex_match(regex, usage, 0, &match);
	while (g_match_info_matches(match)) {
		g_ptr_array_add(parts, g_match_info_fetch(match, 0));
		g_match_info_next(match, NULL);
	}
}

/* HelpFormatter._format_usage: on one line if it fits, else wrapped under the program name. */
static char *format_usage(const Parser *parser)
{
	static const char prefix[] = "usage: ";
	g_autoptr(GPtrArray) opt_parts = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GPtrArray) pos_parts = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GPtrArray) all = g_ptr_array_new();
	g_autoptr(GPtrArray) lines = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GString) pos_usage = g_string_new(NULL);
	g_autofree char *one_line = NULL;
	g_autofree char *joined = NULL;
	int text_width = parser->width;
	int prefix_len = (int)strlen(prefix);

	for (guint i = 0; i < parser->options->len; i++) {
		g_autofree char *usage = option_usage(g_ptr_array_index(parser->options, i));

		add_usage_parts(opt_parts, usage);
	}
	for (guint i = 0; i < parser->positionals->len; i++) {
		g_autofree char *usage = positional_usage(parser, g_ptr_array_index(parser->positionals, i));

		g_string_append_printf(pos_usage, "%s%s", i ? " " : "", usage);
	}
	add_usage_parts(pos_parts, pos_usage->str);
	g_ptr_array_add(all, parser->prog);
	g_ptr_array_extend(all, opt_parts, NULL, NULL);
	g_ptr_array_extend(all, pos_parts, NULL, NULL);
	g_ptr_array_add(all, NULL);
	one_line = g_strjoinv(" ", (char **)all->pdata);
	if (prefix_len + text_len(one_line) <= text_width)
		return g_strdup_printf("%s%s\n", prefix, one_line);

	if (prefix_len + text_len(parser->prog) <= 0.75 * text_width) {
		g_autofree char *indent = g_strnfill(prefix_len + text_len(parser->prog) + 1, ' ');
		g_autoptr(GPtrArray) first = g_ptr_array_new();

		g_ptr_array_add(first, parser->prog);
		g_ptr_array_extend(first, opt_parts->len ? opt_parts : pos_parts, NULL, NULL);
		add_lines(lines, first, indent, prefix, text_width);
		if (opt_parts->len)
			add_lines(lines, pos_parts, indent, NULL, text_width);
	} else {
		g_autofree char *indent = g_strnfill(prefix_len, ' ');
		g_autoptr(GPtrArray) rest = g_ptr_array_new();

		g_ptr_array_extend(rest, opt_parts, NULL, NULL);
		g_ptr_array_extend(rest, pos_parts, NULL, NULL);
		g_ptr_array_add(lines, g_strdup(parser->prog));
		add_lines(lines, rest, indent, NULL, text_width);
		if (lines->len > 2) {
			g_ptr_array_set_size(lines, 1);
			add_lines(lines, opt_parts, indent, NULL, text_width);
			add_lines(lines, pos_parts, indent, NULL, text_width);
		}
	}
	g_ptr_array_add(lines, NULL);
	joined = g_strjoinv("\n", (char **)lines->pdata);
	return g_strdup_printf("%s%s\n", prefix, joined);
}

typedef struct {
	int help_position;
	int width;
} HelpLayout;

/* HelpFormatter._format_action: the invocation, then the help in a column. */
static void format_action(GString *out, const HelpLayout *layout, int indent, const char *invocation,
			  const char *help)
{
	int help_width = MAX(layout->width - layout->help_position, 11);
	int action_width = layout->help_position - indent - 2;
	int indent_first = 0;
	g_autoptr(GPtrArray) lines = NULL;

	if (!help) {
		g_string_append_printf(out, "%*s%s\n", indent, "", invocation);
		return;
	}
	if (text_len(invocation) <= action_width) {
		g_string_append_printf(out, "%*s%s%*s  ", indent, "", invocation,
				       action_width - text_len(invocation), "");
	} else {
		g_string_append_printf(out, "%*s%s\n", indent, "", invocation);
		indent_first = layout->help_position;
	}
	lines = wrap_text(help, help_width);
	for (guint i = 0; i < lines->len; i++)
		g_string_append_printf(out, "%*s%s\n", i ? layout->help_position : indent_first, "",
				       (char *)g_ptr_array_index(lines, i));
	if (!lines->len)
		g_string_append_c(out, '\n');
}

/* ArgumentParser.format_help: usage, description, the positionals, the options, the
 * commands. */
static char *format_help(const Parser *parser)
{
	const StasArgparseCommand *const *commands = parser->command ? NULL : parser->program->commands;
	GString *out = g_string_new(NULL);
	g_autofree char *usage = format_usage(parser);
	g_autofree char *choices = commands ? commands_choices(commands) : NULL;
	HelpLayout layout = { 0, parser->width };
	gboolean positionals = FALSE;
	int longest = 0;

	/* The help column: after the longest invocation, but no further than 24. */
	for (guint i = 0; i < parser->options->len; i++) {
		g_autofree char *invocation = option_invocation(g_ptr_array_index(parser->options, i));

		longest = MAX(longest, text_len(invocation) + 2);
	}
	for (guint i = 0; i < parser->positionals->len; i++) {
		const StasArgparsePositional *positional = g_ptr_array_index(parser->positionals, i);

		if (!is_command(positional))
			longest = MAX(longest, text_len(positional_metavar(positional)) + 2);
	}
	if (choices)
		longest = MAX(longest, text_len(choices) + 2);
	for (guint i = 0; commands && commands[i]; i++)
		longest = MAX(longest, text_len(commands[i]->name) + 2);
	layout.help_position = MIN(longest + 2, MIN(24, MAX(parser->width - 20, 4)));

	g_string_append_printf(out, "%s\n", usage);
	if (parser->description) {
		g_autoptr(GPtrArray) lines = wrap_text(parser->description, MAX(parser->width, 11));

		for (guint i = 0; i < lines->len; i++)
			g_string_append_printf(out, "%s\n", (char *)g_ptr_array_index(lines, i));
		g_string_append_c(out, '\n');
	}
	for (guint i = 0; i < parser->positionals->len; i++) {
		const StasArgparsePositional *positional = g_ptr_array_index(parser->positionals, i);
		g_auto(GStrv) pieces = NULL;
		g_autofree char *help = NULL;

		if (is_command(positional))
			continue;
		if (!positionals)
			g_string_append(out, "positional arguments:\n");
		positionals = TRUE;
		if (positional->help) {
			pieces = g_strsplit(positional->help, "%(default)s", -1);
			help = g_strjoinv("None", pieces);
		}
		format_action(out, &layout, 2, positional_metavar(positional), help);
	}
	if (positionals)
		g_string_append_c(out, '\n');
	g_string_append(out, "options:\n");
	for (guint i = 0; i < parser->options->len; i++) {
		const StasArgparseOption *option = g_ptr_array_index(parser->options, i);
		g_autofree char *invocation = option_invocation(option);
		g_autofree char *help = stas_argparse_option_help(option);

		format_action(out, &layout, 2, invocation, help);
	}
	if (commands) {
		g_string_append(out, "\nCommands:\n");
		format_action(out, &layout, 2, choices, NULL);
		for (guint i = 0; commands[i]; i++)
			format_action(out, &layout, 4, commands[i]->name, commands[i]->help);
	}
	return g_string_free(out, FALSE);
}

/* ----------------------------------------------------------------- parsers */

static void parser_init(Parser *parser, const StasArgparseProgram *program,
			const StasArgparseCommand *command)
{
	const StasArgparseOption *const *options = command ? command->options : program->options;

	parser->program = program;
	parser->command = command;
	parser->prog = command ? g_strdup_printf("%s %s", program->prog, command->name)
			       : g_strdup(program->prog);
	parser->description = command ? command->description : program->description;
	parser->options = g_ptr_array_new();
	parser->positionals = g_ptr_array_new();
	parser->width = help_width(program->columns);
	g_ptr_array_add(parser->options, (gpointer)&option_help);
	for (guint i = 0; options && options[i]; i++)
		g_ptr_array_add(parser->options, (gpointer)options[i]);
	if (command) {
		for (guint i = 0; command->positionals && command->positionals[i]; i++)
			g_ptr_array_add(parser->positionals, (gpointer)command->positionals[i]);
	} else if (program->commands) {
		g_ptr_array_add(parser->positionals, (gpointer)&command_positional);
	}
}

static void parser_clear(Parser *parser)
{
	g_clear_pointer(&parser->prog, g_free);
	g_clear_pointer(&parser->options, g_ptr_array_unref);
	g_clear_pointer(&parser->positionals, g_ptr_array_unref);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(Parser, parser_clear)

static char *parser_help(const Parser *parser)
{
	if (parser->program->format_help)
		return parser->program->format_help(parser->program, parser->command);
	return format_help(parser);
}

char *stas_argparse_format_usage(const StasArgparseProgram *program, const StasArgparseCommand *command)
{
	g_auto(Parser) parser = { 0 };

	parser_init(&parser, program, command);
	return format_usage(&parser);
}

char *stas_argparse_format_help(const StasArgparseProgram *program, const StasArgparseCommand *command)
{
	g_auto(Parser) parser = { 0 };

	parser_init(&parser, program, command);
	return parser_help(&parser);
}

static void level_init(Level *level, const StasArgparseProgram *program, const StasArgparseCommand *command)
{
	parser_init(&level->parser, program, command);
	level->values = g_new0(char *, level->parser.options->len);
	level->given = g_new0(gboolean, level->parser.options->len);
	level->words = g_new0(GStrv, level->parser.positionals->len);
}

static void level_clear(Level *level)
{
	if (!level->parser.options)
		return;
	for (guint i = 0; i < level->parser.options->len; i++)
		g_free(level->values[i]);
	for (guint i = 0; i < level->parser.positionals->len; i++)
		g_strfreev(level->words[i]);
	g_free(level->values);
	g_free(level->given);
	g_free(level->words);
	parser_clear(&level->parser);
}

void stas_argparse_args_free(StasArgparseArgs *args)
{
	if (!args)
		return;
	level_clear(&args->top);
	level_clear(&args->sub);
	g_free(args);
}

/* ------------------------------------------------------------------- values */

static int option_index(const Level *level, const char *long_name)
{
	for (guint i = 0; level->parser.options && i < level->parser.options->len; i++) {
		const StasArgparseOption *option = g_ptr_array_index(level->parser.options, i);

		if (g_str_equal(option->long_name, long_name))
			return (int)i;
	}
	return -1;
}

static int positional_index(const Level *level, const char *name)
{
	for (guint i = 0; level->parser.positionals && i < level->parser.positionals->len; i++) {
		const StasArgparsePositional *positional = g_ptr_array_index(level->parser.positionals, i);

		if (!is_command(positional) && g_str_equal(positional->name, name))
			return (int)i;
	}
	return -1;
}

/* The level, the command's first, that has option --@long_name; *@index is its index. */
static const Level *option_level(const StasArgparseArgs *args, const char *long_name, int *index)
{
	if (args->command && (*index = option_index(&args->sub, long_name)) >= 0)
		return &args->sub;
	if ((*index = option_index(&args->top, long_name)) >= 0)
		return &args->top;
	return NULL;
}

const StasArgparseCommand *stas_argparse_args_command(const StasArgparseArgs *args)
{
	return args->command;
}

const char *stas_argparse_args_value(const StasArgparseArgs *args, const char *name)
{
	const StasArgparsePositional *positional;
	const StasArgparseOption *option;
	const Level *level;
	int i;

	if ((level = option_level(args, name, &i))) {
		option = g_ptr_array_index(level->parser.options, i);
		return level->values[i] ? level->values[i] : option->default_value;
	}
	if (!args->command || (i = positional_index(&args->sub, name)) < 0)
		return NULL;
	positional = g_ptr_array_index(args->sub.parser.positionals, i);
	return !positional->any && args->sub.words[i] ? args->sub.words[i][0] : NULL;
}

gboolean stas_argparse_args_flag(const StasArgparseArgs *args, const char *name)
{
	int i;
	const Level *level = option_level(args, name, &i);

	return level && level->given[i];
}

const char *const *stas_argparse_args_positional(const StasArgparseArgs *args, const char *name)
{
	static const char *const none[] = { NULL };
	int i;

	if (!args->command || (i = positional_index(&args->sub, name)) < 0)
		return NULL;
	return args->sub.words[i] ? (const char *const *)args->sub.words[i] : none;
}

static gboolean resolve_level_defaults(Level *level, GError **error)
{
	for (guint i = 0; level->parser.options && i < level->parser.options->len; i++) {
		const StasArgparseOption *option = g_ptr_array_index(level->parser.options, i);
		g_autoptr(GError) local_error = NULL;

		if (level->given[i] || level->values[i] || !option->lazy_default)
			continue;
		level->values[i] = option->lazy_default(&local_error);
		if (local_error) {
			g_propagate_error(error, g_steal_pointer(&local_error));
			return FALSE;
		}
	}
	return TRUE;
}

gboolean stas_argparse_args_resolve_defaults(StasArgparseArgs *args, GError **error)
{
	return resolve_level_defaults(&args->sub, error) && resolve_level_defaults(&args->top, error);
}

/* --------------------------------------------------------------------- parsing */

static G_GNUC_PRINTF(3, 4) int parser_error(const Parse *parse, const Parser *parser, const char *format, ...)
{
	const char *prog = parse->program->errors == STAS_ARGPARSE_ERRORS_PROGRAM ? parse->program->prog
										  : parser->prog;
	g_autofree char *usage = format_usage(parser);
	g_autofree char *message = NULL;
	g_autofree char *text = NULL;
	va_list ap;

	va_start(ap, format);
	message = g_strdup_vprintf(format, ap);
	va_end(ap);
	text = g_strdup_printf("%s%s: error: %s\n", usage, prog, message);
	emit(parse->err, stderr, text);
	return EXIT_USAGE;
}

typedef enum {
	TOKEN_POSITIONAL, /* a value, a command, or anything after "--" */
	TOKEN_OPTION,	  /* one of the parser's options */
	TOKEN_UNKNOWN,	  /* looks like an option the parser does not have */
} TokenKind;

typedef struct {
	TokenKind kind;
	gboolean dashdash; /* "--" itself: a positional, but never an option's value */
	int option;	   /* index in the parser's options */
	gboolean long_form;
	char *explicit_arg; /* the "x" of -dx, -d=x, --detailed=x */
} Token;

/* The letter of a token in argparse's pattern of the command line. */
static char token_letter(const Token *token)
{
	if (token->dashdash)
		return '-';
	return token->kind == TOKEN_POSITIONAL ? 'A' : 'O';
}

static int find_short(const Parser *parser, char name)
{
	for (guint i = 0; i < parser->options->len; i++) {
		if (((const StasArgparseOption *)g_ptr_array_index(parser->options, i))->short_name == name)
			return (int)i;
	}
	return -1;
}

static int find_long(const Parser *parser, const char *name, gsize len)
{
	for (guint i = 0; i < parser->options->len; i++) {
		const char *long_name =
			((const StasArgparseOption *)g_ptr_array_index(parser->options, i))->long_name;

		if (strlen(long_name) == len && strncmp(long_name, name, len) == 0)
			return (int)i;
	}
	return -1;
}

/* ArgumentParser._parse_optional: what @arg is to @parser. Long options may be abbreviated
 * to a unique prefix; an ambiguous one is an error (exit status returned, else GO_ON). */
static int classify(const Parse *parse, const Parser *parser, const char *arg, Token *token)
{
	const char *eq = strchr(arg, '=');
	gsize name_len = eq ? (gsize)(eq - arg) : strlen(arg);
	g_autoptr(GRegex) negative = NULL;

	memset(token, 0, sizeof(*token));
	token->kind = TOKEN_POSITIONAL;
	if (arg[0] != '-' || !arg[1])
		return GO_ON;
	token->kind = TOKEN_OPTION;
	if (arg[1] != '-') {
		if ((token->option = find_short(parser, arg[1])) >= 0) {
			if (arg[2])
				token->explicit_arg = g_strdup(arg[2] == '=' ? arg + 3 : arg + 2);
			return GO_ON;
		}
	} else {
		g_autoptr(GString) matches = g_string_new(NULL);
		int found = 0;

		token->long_form = TRUE;
		token->option = find_long(parser, arg + 2, name_len - 2);
		for (guint i = 0; token->option < 0 && i < parser->options->len; i++) {
			const char *long_name =
				((const StasArgparseOption *)g_ptr_array_index(parser->options, i))->long_name;

			if (strncmp(long_name, arg + 2, name_len - 2) == 0)
				g_string_append_printf(matches, "%s--%s", found++ ? ", " : "", long_name);
		}
		if (found > 1)
			return parser_error(parse, parser, "ambiguous option: %s could match %s", arg,
					    matches->str);
		if (found == 1)
			token->option = find_long(parser, matches->str + 2, matches->len - 2);
		if (token->option >= 0) {
			if (eq)
				token->explicit_arg = g_strdup(eq + 1);
			return GO_ON;
		}
	}
	negative = g_regex_new("^-\\d+$|^-\\d*\\.\\d+$", 0, 0, NULL);
	if (g_regex_match(negative, arg, 0, NULL) || strchr(arg, ' '))
		token->kind = TOKEN_POSITIONAL;
	else
		token->kind = TOKEN_UNKNOWN;
	return GO_ON;
}

/* The argparse repr of a string in messages: 'x' */
static char *repr(const char *text)
{
	return stas_pprint_repr_str(text);
}

static char *choices_repr(const char *const *choices)
{
	GString *text = g_string_new(NULL);

	for (guint i = 0; choices[i]; i++) {
		g_autofree char *quoted = repr(choices[i]);

		g_string_append_printf(text, "%s%s", i ? ", " : "", quoted);
	}
	return g_string_free(text, FALSE);
}

/* Stores the value of option @index; exit status on an invalid choice, else GO_ON. */
static int store_value(const Parse *parse, Level *level, int index, const char *value)
{
	const StasArgparseOption *option = g_ptr_array_index(level->parser.options, index);

	if (option->choices && !g_strv_contains((const char *const *)option->choices, value)) {
		g_autofree char *name = option_name(option);
		g_autofree char *quoted = repr(value);
		g_autofree char *choices = choices_repr(option->choices);

		return parser_error(parse, &level->parser, "argument %s: invalid choice: %s (choose from %s)",
				    name, quoted, choices);
	}
	g_free(level->values[index]);
	level->values[index] = g_strdup(value);
	level->given[index] = TRUE;
	return GO_ON;
}

typedef struct {
	int index;
	const char *value; /* NULL for a flag */
} Action;

/* Takes the options of one argument in order: help prints the help and stops (0), an invalid
 * choice is an error (2); GO_ON to go on. */
static int take_actions(const Parse *parse, Level *level, GArray *actions)
{
	for (guint i = 0; i < actions->len; i++) {
		const Action *action = &g_array_index(actions, Action, i);
		const StasArgparseOption *option = g_ptr_array_index(level->parser.options, action->index);
		int status;

		if (option->kind == STAS_ARGPARSE_HELP) {
			g_autofree char *help = parser_help(&level->parser);

			emit(parse->out, stdout, help);
			return 0;
		}
		if (option->kind == STAS_ARGPARSE_FLAG) {
			level->given[action->index] = TRUE;
			continue;
		}
		if ((status = store_value(parse, level, action->index, action->value)) != GO_ON)
			return status;
	}
	return GO_ON;
}

/* ArgumentParser.consume_optional: the option at tokens[*pos], and those combined with it
 * after one dash (-dh, -do json), each known before any is taken; consumes the value and
 * sets *@pos past it. An option the parser does not have goes to @extras. Returns an exit
 * status to stop at (help, or an error), or GO_ON. */
static int consume_optional(const Parse *parse, Level *level, char **argv, const Token *tokens,
			    const char *pattern, int *pos, GPtrArray *extras)
{
	const Token *token = &tokens[*pos];
	g_autoptr(GArray) actions = g_array_new(FALSE, FALSE, sizeof(Action));
	const char *explicit_arg = token->explicit_arg;
	Action action = { token->option, NULL };

	if (token->kind == TOKEN_UNKNOWN) {
		g_ptr_array_add(extras, argv[(*pos)++]);
		return GO_ON;
	}
	for (;;) {
		const StasArgparseOption *option = g_ptr_array_index(level->parser.options, action.index);
		g_autofree char *name = option_name(option);

		if (option->kind == STAS_ARGPARSE_VALUE) {
			action.value = explicit_arg;
			if (!action.value) {
				if (pattern[*pos + 1] != 'A')
					return parser_error(parse, &level->parser,
							    "argument %s: expected one argument", name);
				action.value = argv[++*pos];
			}
			g_array_append_val(actions, action);
			break;
		}
		g_array_append_val(actions, action);
		if (!explicit_arg)
			break;
		if (token->long_form || !*explicit_arg ||
		    (action.index = find_short(&level->parser, *explicit_arg)) < 0) {
			g_autofree char *quoted = repr(explicit_arg);

			return parser_error(parse, &level->parser,
					    "argument %s: ignored explicit argument %s", name, quoted);
		}
		explicit_arg = explicit_arg[1] ? explicit_arg + 1 : NULL;
	}
	(*pos)++;
	return take_actions(parse, level, actions);
}

static int parse_command(Parse *parse, const StasArgparseCommand *command, int argc, char **argv);

/* ArgumentParser._get_nargs_pattern, for a positional */
static const char *nargs_pattern(const StasArgparsePositional *positional)
{
	if (is_command(positional))
		return "(-*A[-AO]*)"; /* nargs=PARSER: a word, then all that follows */
	return positional->any ? "(-*[A-]*)" : "(-*A-*)";
}

/* argparse's error for an unknown command, or the program's own */
static int invalid_command(const Parse *parse, const Parser *parser, const char *name)
{
	const StasArgparseCommand *const *commands = parse->program->commands;
	g_autofree char *choices = commands_choices(commands);
	g_autoptr(GString) listed = g_string_new(NULL);
	g_autofree char *quoted = NULL;

	if (parse->program->errors == STAS_ARGPARSE_ERRORS_PROGRAM)
		return parser_error(parse, parser, "invalid command '%s' (choose from %s)", name, choices);
	for (guint i = 0; commands[i]; i++) {
		g_autofree char *q = repr(commands[i]->name);

		g_string_append_printf(listed, "%s%s", i ? ", " : "", q);
	}
	quoted = repr(name);
	return parser_error(parse, parser, "argument %s: invalid choice: %s (choose from %s)", choices,
			    quoted, listed->str);
}

/* The action of positional @index on its @count words: the command's parser runs on the words
 * after its name; the others keep their words, less the first "--" (as _get_values). */
static int take_positional(Parse *parse, Level *level, guint index, char **words, int count)
{
	const StasArgparsePositional *positional = g_ptr_array_index(level->parser.positionals, index);
	const StasArgparseCommand *const *commands = parse->program->commands;
	g_autoptr(GPtrArray) kept = g_ptr_array_new();
	gboolean dashdash = FALSE;

	if (is_command(positional)) {
		for (guint i = 0; commands[i]; i++) {
			if (g_str_equal(commands[i]->name, words[0]))
				return parse_command(parse, commands[i], count - 1, words + 1);
		}
		return invalid_command(parse, &level->parser, words[0]);
	}
	for (int i = 0; i < count; i++) {
		if (!dashdash && g_str_equal(words[i], "--"))
			dashdash = TRUE;
		else
			g_ptr_array_add(kept, words[i]);
	}
	g_ptr_array_add(kept, NULL);
	g_strfreev(level->words[index]);
	level->words[index] = g_strdupv((char **)kept->pdata);
	return GO_ON;
}

/* ArgumentParser.consume_positionals: as many of the positionals not matched yet (from
 * *@left on) as match the words from @start on, the last ones given up first until the rest
 * match; *@next is where their words stop. Returns GO_ON or an exit status. */
static int consume_positionals(Parse *parse, Level *level, char **argv, const char *pattern, int start,
			       guint *left, int *next)
{
	GPtrArray *positionals = level->parser.positionals;

	*next = start;
	for (guint n = positionals->len - *left; n > 0; n--) {
		g_autoptr(GString) regex_text = g_string_new(NULL);
		g_autoptr(GRegex) regex = NULL;
		g_autoptr(GMatchInfo) match = NULL;
		guint first = *left;

		for (guint i = 0; i < n; i++)
			g_string_append(regex_text, nargs_pattern(g_ptr_array_index(positionals, first + i)));
		regex = g_regex_new(regex_text->str, G_REGEX_ANCHORED, 0, NULL);
		if (!g_regex_match(regex, pattern + start, 0, &match))
			continue;
		*left += n;
		for (guint i = 0; i < n; i++) {
			int from, to, status;

			g_match_info_fetch_pos(match, (int)i + 1, &from, &to);
			status = take_positional(parse, level, first + i, argv + *next, to - from);
			*next += to - from;
			if (status != GO_ON)
				return status;
		}
		break;
	}
	return GO_ON;
}

/* The options and positionals required but not given, argparse's final check. */
static int check_required(const Parse *parse, const Level *level)
{
	g_autoptr(GString) missing = g_string_new(NULL);

	for (guint i = 0; i < level->parser.options->len; i++) {
		const StasArgparseOption *option = g_ptr_array_index(level->parser.options, i);
		g_autofree char *name = option_name(option);

		if (option->required && !level->given[i])
			g_string_append_printf(missing, "%s%s", missing->len ? ", " : "", name);
	}
	/* nargs="*" too: argparse 3.11 makes it required, and misses it when a one-word
	 * positional before it got nothing */
	for (guint i = 0; i < level->parser.positionals->len; i++) {
		const StasArgparsePositional *positional = g_ptr_array_index(level->parser.positionals, i);

		if (!is_command(positional) && !level->words[i])
			g_string_append_printf(missing, "%s%s", missing->len ? ", " : "",
					       positional_metavar(positional));
	}
	if (missing->len)
		return parser_error(parse, &level->parser, "the following arguments are required: %s",
				    missing->str);
	return GO_ON;
}

/* @text for an error message: ASCII as it is, other bytes as \xNN. */
static char *escape_bytes(const char *text)
{
	GString *out = g_string_new(NULL);

	for (const guchar *p = (const guchar *)text; *p; p++) {
		if (*p >= 0x20 && *p < 0x7f)
			g_string_append_c(out, (char)*p);
		else
			g_string_append_printf(out, "\\x%02x", *p);
	}
	return g_string_free(out, FALSE);
}

static int not_utf8(const Parse *parse, const Level *level, const char *name, const char *value)
{
	g_autofree char *shown = escape_bytes(value);

	return parser_error(parse, &level->parser, "argument %s: not UTF-8 text: '%s'", name, shown);
}

/* For a program whose values go into D-Bus strings, which must be UTF-8: anything else is a
 * usage error now rather than a GLib-CRITICAL when the call is built. */
static int check_utf8(const Parse *parse, const Level *level)
{
	if (!parse->program->utf8_only)
		return GO_ON;
	for (guint i = 0; i < level->parser.options->len; i++) {
		g_autofree char *name = NULL;

		if (!level->values[i] || g_utf8_validate(level->values[i], -1, NULL))
			continue;
		name = option_name(g_ptr_array_index(level->parser.options, i));
		return not_utf8(parse, level, name, level->values[i]);
	}
	for (guint i = 0; i < level->parser.positionals->len; i++) {
		const StasArgparsePositional *positional = g_ptr_array_index(level->parser.positionals, i);

		for (guint w = 0; level->words[i] && level->words[i][w]; w++) {
			if (!g_utf8_validate(level->words[i][w], -1, NULL))
				return not_utf8(parse, level, positional_metavar(positional),
						level->words[i][w]);
		}
	}
	return GO_ON;
}

/* ArgumentParser._parse_known_args: one parser's share of the command line, options and
 * positionals in turn, as argparse matches them. Arguments it does not know go to @extras.
 * Returns an exit status to stop at, or GO_ON. */
static int parse_level(Parse *parse, Level *level, int argc, char **argv, GPtrArray *extras)
{
	g_autofree Token *tokens = g_new0(Token, argc + 1);
	g_autofree char *pattern = g_new0(char, argc + 1);
	gboolean dashdash = FALSE;
	int status = GO_ON, start = 0, stop, last_option = -1;
	guint left = 0;

	for (int i = 0; i < argc; i++) {
		if (dashdash || g_str_equal(argv[i], "--")) {
			tokens[i].kind = TOKEN_POSITIONAL;
			tokens[i].dashdash = !dashdash;
			dashdash = TRUE;
		} else if ((status = classify(parse, &level->parser, argv[i], &tokens[i])) != GO_ON) {
			goto out;
		}
		pattern[i] = token_letter(&tokens[i]);
		if (pattern[i] == 'O')
			last_option = i;
	}
	while (start <= last_option) {
		int next_option = start + (int)strcspn(pattern + start, "O");

		/* the positionals before the next option, which may take it (nargs=PARSER) */
		if (start != next_option) {
			int end;

			if ((status = consume_positionals(parse, level, argv, pattern, start, &left, &end)) !=
			    GO_ON)
				goto out;
			if (end > start) {
				start = end;
				continue;
			}
		}
		for (; start < next_option; start++)
			g_ptr_array_add(extras, argv[start]);
		if ((status = consume_optional(parse, level, argv, tokens, pattern, &start, extras)) != GO_ON)
			goto out;
	}
	if ((status = consume_positionals(parse, level, argv, pattern, start, &left, &stop)) != GO_ON)
		goto out;
	for (int i = stop; i < argc; i++)
		g_ptr_array_add(extras, argv[i]);
	if ((status = check_required(parse, level)) == GO_ON)
		status = check_utf8(parse, level);
out:
	for (int i = 0; i < argc; i++)
		g_free(tokens[i].explicit_arg);
	return status;
}

/* The subparsers action: @command's parser on the words after its name; what it does not
 * know is reported with the program's own. */
static int parse_command(Parse *parse, const StasArgparseCommand *command, int argc, char **argv)
{
	parse->args->command = command;
	level_init(&parse->args->sub, parse->program, command);
	return parse_level(parse, &parse->args->sub, argc, argv, parse->sub_extras);
}

StasArgparseArgs *stas_argparse_parse(const StasArgparseProgram *program, int argc, char **argv, GString *out,
				      GString *err, int *status)
{
	g_autoptr(StasArgparseArgs) args = g_new0(StasArgparseArgs, 1);
	g_autoptr(GPtrArray) extras = g_ptr_array_new();
	g_autoptr(GPtrArray) sub_extras = g_ptr_array_new();
	Parse parse = { program, args, sub_extras, out, err };

	level_init(&args->top, program, NULL);
	/* an empty argv (execve allows it) is a command line without words */
	*status = parse_level(&parse, &args->top, MAX(argc - 1, 0), argc > 0 ? argv + 1 : argv, extras);
	if (*status != GO_ON)
		return NULL;
	g_ptr_array_extend(extras, sub_extras, NULL, NULL);
	if (extras->len) {
		gboolean at_command = program->errors == STAS_ARGPARSE_ERRORS_PROGRAM && args->command;
		g_autofree char *unknown = NULL;

		g_ptr_array_add(extras, NULL);
		unknown = g_strjoinv(" ", (char **)extras->pdata);
		*status = parser_error(&parse, at_command ? &args->sub.parser : &args->top.parser,
				       "unrecognized arguments: %s", unknown);
		return NULL;
	}
	return g_steal_pointer(&args);
}

StasArgparseArgs *stas_argparse_parse_command(const StasArgparseProgram *program, int argc, char **argv,
					      int *status)
{
	g_autoptr(StasArgparseArgs) args = stas_argparse_parse(program, argc, argv, NULL, NULL, status);
	g_autoptr(GError) error = NULL;

	if (!args)
		return NULL;
	*status = 1;
	if (stas_argparse_args_flag(args, "version")) {
		printf("nvme-stas %s\n", stas_version());
		*status = 0;
	} else if (!args->command) {
		g_autofree char *usage = format_usage(&args->top.parser);

		fputs(usage, stdout);
	} else if (!stas_argparse_args_resolve_defaults(args, &error)) {
		fprintf(stderr, "%s\n", error->message);
	} else {
		return g_steal_pointer(&args);
	}
	return NULL;
}
