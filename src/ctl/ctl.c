// SPDX-License-Identifier: Apache-2.0
/*
 * The part of stafctl and stacctl that does not depend on the daemon: the command line as
 * nvme-stas's argparse parsers accept, reject and explain it (scripts and admins rely on the
 * exit statuses and messages), the exchange with the daemon and the output.
 */
#include "ctl.h"

#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "stas/pprint.h"
#include "stas/version.h"

#define EXIT_USAGE 2

/* -------------------------------------------------------------------- options */

static const char *const output_formats[] = { "normal", "json", NULL };

const StasCtlOption stas_ctl_option_detailed = {
	.short_name = 'd',
	.long_name = "detailed",
	.kind = STAS_CTL_OPTION_FLAG,
	.help = "Print detailed info (default: \"%(default)s\")",
};

const StasCtlOption stas_ctl_option_output_format = {
	.short_name = 'o',
	.long_name = "output-format",
	.kind = STAS_CTL_OPTION_VALUE,
	.choices = output_formats,
	.default_value = "normal",
	.help = "Output format (default: \"%(default)s\")",
};

static const StasCtlOption option_help = {
	.short_name = 'h',
	.long_name = "help",
	.kind = STAS_CTL_OPTION_HELP,
	.help = "show this help message and exit",
};

static const StasCtlOption option_version = {
	.short_name = 'v',
	.long_name = "version",
	.kind = STAS_CTL_OPTION_FLAG,
	.help = "Print version, then exit",
};

/* One argparse parser: the program itself (options, then the command) or one command. */
typedef struct {
	char *prog;			       /* "stafctl" or "stafctl dlp" */
	const char *description;	       /* NULL for a command */
	GPtrArray *options;		       /* const StasCtlOption *, -h first */
	const StasCtlCommand *const *commands; /* the program's positional; NULL for a command */
	int width;			       /* of the help text, as argparse computes it */
} Parser;

struct _StasCtlArgs {
	const Parser *parser;
	guint n_options;
	char **values;	 /* per option: the value given, NULL if absent */
	gboolean *given; /* per option */
};

struct _StasCtl {
	const StasCtlProgram *program;
	GDBusProxy *main;
	GDBusProxy *debug;
};

static int option_index(const Parser *parser, const char *long_name)
{
	for (guint i = 0; i < parser->options->len; i++) {
		const StasCtlOption *option = g_ptr_array_index(parser->options, i);

		if (g_str_equal(option->long_name, long_name))
			return (int)i;
	}
	return -1;
}

const char *stas_ctl_args_value(const StasCtlArgs *args, const char *long_name)
{
	int i = option_index(args->parser, long_name);
	const StasCtlOption *option;

	if (i < 0)
		return NULL;
	option = g_ptr_array_index(args->parser->options, i);
	return args->values[i] ? args->values[i] : option->default_value;
}

gboolean stas_ctl_args_flag(const StasCtlArgs *args, const char *long_name)
{
	int i = option_index(args->parser, long_name);

	return i >= 0 && args->given[i];
}

static StasCtlArgs *args_new(const Parser *parser)
{
	StasCtlArgs *args = g_new0(StasCtlArgs, 1);

	args->parser = parser;
	args->n_options = parser->options->len;
	args->values = g_new0(char *, parser->options->len);
	args->given = g_new0(gboolean, parser->options->len);
	return args;
}

static void args_free(StasCtlArgs *args)
{
	if (!args)
		return;
	for (guint i = 0; i < args->n_options; i++)
		g_free(args->values[i]);
	g_free(args->values);
	g_free(args->given);
	g_free(args);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC(StasCtlArgs, args_free)

/* ------------------------------------------------------------ help formatting */

/* shutil.get_terminal_size().columns - 2, as argparse sizes its output: $COLUMNS if it is a
 * positive number, else the terminal's width, else 80. */
static int help_width(void)
{
	const char *env = g_getenv("COLUMNS");
	g_autofree char *text = g_strstrip(g_strdup(env ? env : ""));
	gint64 columns = 0;
	struct winsize size;

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

/* The help of @option with %(default)s replaced, as argparse expands it. */
static char *option_help_text(const StasCtlOption *option)
{
	g_autofree char *lazy = NULL;
	const char *value = option->default_value;
	g_auto(GStrv) pieces = NULL;

	if (option->kind != STAS_CTL_OPTION_VALUE) {
		value = "False";
	} else if (option->lazy_default) {
		lazy = option->lazy_default(NULL);
		value = lazy;
	}
	pieces = g_strsplit(option->help, "%(default)s", -1);
	return g_strjoinv(value ? value : "None", pieces);
}

/* "<traddr>", "{tcp,rdma,fc,loop}", or else argparse's default, "HOST_NQN" for --host-nqn */
static char *option_argument(const StasCtlOption *option)
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
static char *option_usage(const StasCtlOption *option)
{
	g_autofree char *argument = option->kind == STAS_CTL_OPTION_VALUE ? option_argument(option) : NULL;
	g_autofree char *name = option->short_name ? g_strdup_printf("-%c", option->short_name)
						   : g_strdup_printf("--%s", option->long_name);
	g_autofree char *part = argument ? g_strdup_printf("%s %s", name, argument) : g_strdup(name);

	return option->required ? g_steal_pointer(&part) : g_strdup_printf("[%s]", part);
}

/* "-t/--transport", the name argparse gives an option in its errors */
static char *option_name(const StasCtlOption *option)
{
	if (!option->short_name)
		return g_strdup_printf("--%s", option->long_name);
	return g_strdup_printf("-%c/--%s", option->short_name, option->long_name);
}

/* "-t <trtype>, --transport <trtype>" */
static char *option_invocation(const StasCtlOption *option)
{
	g_autofree char *argument = option->kind == STAS_CTL_OPTION_VALUE ? option_argument(option) : NULL;
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
static char *commands_choices(const StasCtlCommand *const *commands)
{
	GString *text = g_string_new("{");

	for (guint i = 0; commands[i]; i++)
		g_string_append_printf(text, "%s%s", i ? "," : "", commands[i]->name);
	g_string_append_c(text, '}');
	return g_string_free(text, FALSE);
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
	g_autofree char *one_line = NULL;
	g_autofree char *joined = NULL;
	int text_width = parser->width;
	int prefix_len = (int)strlen(prefix);

	for (guint i = 0; i < parser->options->len; i++) {
		g_autofree char *usage = option_usage(g_ptr_array_index(parser->options, i));

		add_usage_parts(opt_parts, usage);
	}
	if (parser->commands) {
		g_ptr_array_add(pos_parts, commands_choices(parser->commands));
		g_ptr_array_add(pos_parts, g_strdup("..."));
	}
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

/* ArgumentParser.format_help: usage, description, the options, the commands. */
static char *format_help(const Parser *parser)
{
	GString *out = g_string_new(NULL);
	g_autofree char *usage = format_usage(parser);
	g_autofree char *choices = parser->commands ? commands_choices(parser->commands) : NULL;
	HelpLayout layout = { 0, parser->width };
	int longest = 0;

	/* The help column: after the longest invocation, but no further than 24. */
	for (guint i = 0; i < parser->options->len; i++) {
		g_autofree char *invocation = option_invocation(g_ptr_array_index(parser->options, i));

		longest = MAX(longest, text_len(invocation) + 2);
	}
	if (choices)
		longest = MAX(longest, text_len(choices) + 2);
	for (guint i = 0; parser->commands && parser->commands[i]; i++)
		longest = MAX(longest, text_len(parser->commands[i]->name) + 2);
	layout.help_position = MIN(longest + 2, MIN(24, MAX(parser->width - 20, 4)));

	g_string_append_printf(out, "%s\n", usage);
	if (parser->description) {
		g_autoptr(GPtrArray) lines = wrap_text(parser->description, MAX(parser->width, 11));

		for (guint i = 0; i < lines->len; i++)
			g_string_append_printf(out, "%s\n", (char *)g_ptr_array_index(lines, i));
		g_string_append_c(out, '\n');
	}
	g_string_append(out, "options:\n");
	for (guint i = 0; i < parser->options->len; i++) {
		const StasCtlOption *option = g_ptr_array_index(parser->options, i);
		g_autofree char *invocation = option_invocation(option);
		g_autofree char *help = option_help_text(option);

		format_action(out, &layout, 2, invocation, help);
	}
	if (parser->commands) {
		g_string_append(out, "\nCommands:\n");
		format_action(out, &layout, 2, choices, NULL);
		for (guint i = 0; parser->commands[i]; i++)
			format_action(out, &layout, 4, parser->commands[i]->name, parser->commands[i]->help);
	}
	return g_string_free(out, FALSE);
}

/* --------------------------------------------------------------------- parsing */

static G_GNUC_PRINTF(2, 3) int parser_error(const Parser *parser, const char *format, ...)
{
	g_autofree char *usage = format_usage(parser);
	g_autofree char *message = NULL;
	va_list ap;

	va_start(ap, format);
	message = g_strdup_vprintf(format, ap);
	va_end(ap);
	fprintf(stderr, "%s%s: error: %s\n", usage, parser->prog, message);
	return EXIT_USAGE;
}

static void parser_init(Parser *parser, const char *prog, const StasCtlOption *const *options)
{
	parser->prog = g_strdup(prog);
	parser->description = NULL;
	parser->commands = NULL;
	parser->options = g_ptr_array_new();
	parser->width = help_width();
	g_ptr_array_add(parser->options, (gpointer)&option_help);
	for (guint i = 0; options && options[i]; i++)
		g_ptr_array_add(parser->options, (gpointer)options[i]);
}

static void parser_clear(Parser *parser)
{
	g_free(parser->prog);
	if (parser->options)
		g_ptr_array_unref(parser->options);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(Parser, parser_clear)

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

static void token_clear(Token *token)
{
	g_free(token->explicit_arg);
}

static int find_short(const Parser *parser, char name)
{
	for (guint i = 0; i < parser->options->len; i++) {
		if (((const StasCtlOption *)g_ptr_array_index(parser->options, i))->short_name == name)
			return (int)i;
	}
	return -1;
}

static int find_long(const Parser *parser, const char *name, gsize len)
{
	for (guint i = 0; i < parser->options->len; i++) {
		const char *long_name =
			((const StasCtlOption *)g_ptr_array_index(parser->options, i))->long_name;

		if (strlen(long_name) == len && strncmp(long_name, name, len) == 0)
			return (int)i;
	}
	return -1;
}

/* ArgumentParser._parse_optional: what @arg is to @parser. Long options may be abbreviated
 * to a unique prefix; an ambiguous one is an error (exit status returned, else 0). */
static int classify(const Parser *parser, const char *arg, Token *token)
{
	const char *eq = strchr(arg, '=');
	gsize name_len = eq ? (gsize)(eq - arg) : strlen(arg);
	g_autoptr(GRegex) negative = NULL;

	memset(token, 0, sizeof(*token));
	token->kind = TOKEN_POSITIONAL;
	if (arg[0] != '-' || !arg[1])
		return 0;
	token->kind = TOKEN_OPTION;
	if (arg[1] != '-') {
		if ((token->option = find_short(parser, arg[1])) >= 0) {
			if (arg[2])
				token->explicit_arg = g_strdup(arg[2] == '=' ? arg + 3 : arg + 2);
			return 0;
		}
	} else {
		g_autoptr(GString) matches = g_string_new(NULL);
		int found = 0;

		token->long_form = TRUE;
		token->option = find_long(parser, arg + 2, name_len - 2);
		for (guint i = 0; token->option < 0 && i < parser->options->len; i++) {
			const char *long_name =
				((const StasCtlOption *)g_ptr_array_index(parser->options, i))->long_name;

			if (strncmp(long_name, arg + 2, name_len - 2) == 0)
				g_string_append_printf(matches, "%s--%s", found++ ? ", " : "", long_name);
		}
		if (found > 1)
			return parser_error(parser, "ambiguous option: %s could match %s", arg, matches->str);
		if (found == 1)
			token->option = find_long(parser, matches->str + 2, matches->len - 2);
		if (token->option >= 0) {
			if (eq)
				token->explicit_arg = g_strdup(eq + 1);
			return 0;
		}
	}
	negative = g_regex_new("^-\\d+$|^-\\d*\\.\\d+$", 0, 0, NULL);
	if (g_regex_match(negative, arg, 0, NULL) || strchr(arg, ' '))
		token->kind = TOKEN_POSITIONAL;
	else
		token->kind = TOKEN_UNKNOWN;
	return 0;
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

/* Stores the value of option @index; exit status on an invalid choice, else -1. */
static int store_value(const Parser *parser, StasCtlArgs *args, int index, const char *value)
{
	const StasCtlOption *option = g_ptr_array_index(parser->options, index);

	if (option->choices && !g_strv_contains((const char *const *)option->choices, value)) {
		g_autofree char *name = option_name(option);
		g_autofree char *quoted = repr(value);
		g_autofree char *choices = choices_repr(option->choices);

		return parser_error(parser, "argument %s: invalid choice: %s (choose from %s)", name, quoted,
				    choices);
	}
	g_free(args->values[index]);
	args->values[index] = g_strdup(value);
	args->given[index] = TRUE;
	return -1;
}

typedef struct {
	int index;
	const char *value; /* NULL for a flag */
} Action;

/* Takes the options of one argument in order: help prints the help and stops (0), an invalid
 * choice is an error (2); -1 to go on. */
static int take_actions(const Parser *parser, StasCtlArgs *args, GArray *actions)
{
	for (guint i = 0; i < actions->len; i++) {
		const Action *action = &g_array_index(actions, Action, i);
		const StasCtlOption *option = g_ptr_array_index(parser->options, action->index);
		int status;

		if (option->kind == STAS_CTL_OPTION_HELP) {
			g_autofree char *help = format_help(parser);

			fputs(help, stdout);
			return 0;
		}
		if (option->kind == STAS_CTL_OPTION_FLAG) {
			args->given[action->index] = TRUE;
			continue;
		}
		if ((status = store_value(parser, args, action->index, action->value)) >= 0)
			return status;
	}
	return -1;
}

/* ArgumentParser.consume_optional: the option at tokens[*pos], and those combined with it
 * after one dash (-dh, -do json), each known before any is taken; consumes the value. Returns
 * an exit status to stop at (help, or an error), or -1 to go on. */
static int take_option(const Parser *parser, StasCtlArgs *args, char **argv, const Token *tokens, int argc,
		       int *pos)
{
	const Token *token = &tokens[*pos];
	g_autoptr(GArray) actions = g_array_new(FALSE, FALSE, sizeof(Action));
	const char *explicit_arg = token->explicit_arg;
	Action action = { token->option, NULL };

	for (;;) {
		const StasCtlOption *option = g_ptr_array_index(parser->options, action.index);
		g_autofree char *name = option_name(option);

		if (option->kind == STAS_CTL_OPTION_VALUE) {
			int next = *pos + 1;

			action.value = explicit_arg;
			if (!action.value) {
				if (next >= argc || tokens[next].kind != TOKEN_POSITIONAL ||
				    tokens[next].dashdash)
					return parser_error(parser, "argument %s: expected one argument",
							    name);
				action.value = argv[next];
				*pos = next;
			}
			g_array_append_val(actions, action);
			break;
		}
		g_array_append_val(actions, action);
		if (!explicit_arg)
			break;
		if (token->long_form || !*explicit_arg ||
		    (action.index = find_short(parser, *explicit_arg)) < 0) {
			g_autofree char *quoted = repr(explicit_arg);

			return parser_error(parser, "argument %s: ignored explicit argument %s", name,
					    quoted);
		}
		explicit_arg = explicit_arg[1] ? explicit_arg + 1 : NULL;
	}
	return take_actions(parser, args, actions);
}

/* One parser's share of the command line. Arguments it does not know are added to @extras;
 * for the program's parser, *@command is set to the index of the command argument (the
 * rest of the line belongs to the command) or -1. Returns an exit status to stop at, or -1
 * to go on. */
static int parse_level(const Parser *parser, StasCtlArgs *args, int argc, char **argv, GPtrArray *extras,
		       int *command)
{
	g_autofree Token *tokens = g_new0(Token, argc + 1);
	gboolean dashdash = FALSE;
	int status = -1;

	*command = -1;
	for (int i = 0; i < argc; i++) {
		if (dashdash || g_str_equal(argv[i], "--")) {
			tokens[i].kind = TOKEN_POSITIONAL;
			tokens[i].dashdash = !dashdash;
			dashdash = TRUE;
		} else if ((status = classify(parser, argv[i], &tokens[i])) != 0) {
			goto out;
		}
	}
	status = -1;
	for (int i = 0; i < argc && status < 0; i++) {
		switch (tokens[i].kind) {
		case TOKEN_POSITIONAL:
			/* argparse takes "--" as the command only when something follows it */
			if (parser->commands && (!tokens[i].dashdash || i + 1 < argc)) {
				*command = i;
				goto out;
			}
			g_ptr_array_add(extras, argv[i]);
			break;
		case TOKEN_UNKNOWN:
			g_ptr_array_add(extras, argv[i]);
			break;
		case TOKEN_OPTION:
			status = take_option(parser, args, argv, tokens, argc, &i);
			break;
		}
	}
out:
	for (int i = 0; i < argc; i++)
		token_clear(&tokens[i]);
	return status;
}

/* The options required but not given, argparse's final check. */
static int check_required(const Parser *parser, const StasCtlArgs *args)
{
	g_autoptr(GString) missing = g_string_new(NULL);

	for (guint i = 0; i < parser->options->len; i++) {
		const StasCtlOption *option = g_ptr_array_index(parser->options, i);
		g_autofree char *name = option_name(option);

		if (option->required && !args->given[i])
			g_string_append_printf(missing, "%s%s", missing->len ? ", " : "", name);
	}
	if (missing->len)
		return parser_error(parser, "the following arguments are required: %s", missing->str);
	return -1;
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

/* Every value goes into a D-Bus string, which must be UTF-8: anything else
 * is a usage error now rather than a GLib-CRITICAL when the call is built. */
static int check_utf8(const Parser *parser, const StasCtlArgs *args)
{
	for (guint i = 0; i < parser->options->len; i++) {
		const StasCtlOption *option = g_ptr_array_index(parser->options, i);
		g_autofree char *name = NULL;
		g_autofree char *shown = NULL;

		if (!args->values[i] || g_utf8_validate(args->values[i], -1, NULL))
			continue;
		name = option_name(option);
		shown = escape_bytes(args->values[i]);
		return parser_error(parser, "argument %s: not UTF-8 text: '%s'", name, shown);
	}
	return -1;
}

static const StasCtlCommand *find_command(const StasCtlProgram *program, const char *name)
{
	for (guint i = 0; program->commands[i]; i++) {
		if (g_str_equal(program->commands[i]->name, name))
			return program->commands[i];
	}
	return NULL;
}

/* Fills in the defaults computed on demand; exit status 1 when one cannot be. */
static int resolve_lazy_defaults(const Parser *parser, StasCtlArgs *args)
{
	for (guint i = 0; i < parser->options->len; i++) {
		const StasCtlOption *option = g_ptr_array_index(parser->options, i);
		g_autoptr(GError) error = NULL;

		if (args->given[i] || !option->lazy_default)
			continue;
		args->values[i] = option->lazy_default(&error);
		if (error) {
			fprintf(stderr, "%s\n", error->message);
			return 1;
		}
	}
	return -1;
}

/* ------------------------------------------------------------------- D-Bus */

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

int stas_ctl_print(const StasCtlArgs *args, JsonNode *node)
{
	const char *format = stas_ctl_args_value(args, "output-format");
	g_autofree char *text = NULL;

	if (format && g_str_equal(format, "json"))
		text = stas_json_format_pretty(node);
	else
		text = stas_pprint_format(node, STAS_PPRINT_WIDTH);
	if (printf("%s\n", text) < 0 || fflush(stdout) != 0)
		return 1;
	return 0;
}

int stas_ctl_run_ls(StasCtl *ctl, const StasCtlArgs *args)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GVariant) controllers = NULL;
	g_autoptr(JsonNode) node = NULL;
	GDBusProxy *main = stas_ctl_main_proxy(ctl, &error);

	if (!main || !ctl->program->service->list_controllers(main, stas_ctl_args_flag(args, "detailed"),
							      &controllers, &error))
		return stas_ctl_dbus_failed(ctl, error);
	node = stas_ctl_json_from_dicts(controllers);
	return stas_ctl_print(args, node);
}

int stas_ctl_run_status(StasCtl *ctl, const StasCtlArgs *args)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(JsonNode) status = collect_status(ctl, &error);

	if (!status)
		return stas_ctl_dbus_failed(ctl, error);
	return stas_ctl_print(args, status);
}

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

int stas_ctl_run_tron(StasCtl *ctl, const StasCtlArgs *args)
{
	return set_tron(ctl, TRUE);
}

int stas_ctl_run_troff(StasCtl *ctl, const StasCtlArgs *args)
{
	return set_tron(ctl, FALSE);
}

/* --------------------------------------------------------------------- main */

int stas_ctl_main(const StasCtlProgram *program, int argc, char **argv)
{
	static const StasCtlOption *const top_options[] = { &option_version, NULL };
	g_auto(Parser) top = { 0 };
	g_auto(Parser) sub = { 0 };
	g_autoptr(StasCtlArgs) top_args = NULL;
	g_autoptr(StasCtlArgs) sub_args = NULL;
	g_autoptr(GPtrArray) extras = g_ptr_array_new();
	g_autoptr(GPtrArray) sub_extras = g_ptr_array_new();
	const StasCtlCommand *command = NULL;
	StasCtl ctl = { program, NULL, NULL };
	int status, at, unused;

	parser_init(&top, program->prog, top_options);
	top.description = program->description;
	top.commands = program->commands;
	top_args = args_new(&top);

	status = parse_level(&top, top_args, argc - 1, argv + 1, extras, &at);
	if (status >= 0)
		return status;
	if (at >= 0) {
		const char *name = argv[1 + at];
		g_autofree char *prog = g_strdup_printf("%s %s", program->prog, name);

		command = find_command(program, name);
		if (!command) {
			g_autofree char *choices = commands_choices(program->commands);
			g_autofree char *quoted = repr(name);
			GString *list = g_string_new(NULL);
			g_autofree char *listed = NULL;

			for (guint i = 0; program->commands[i]; i++) {
				g_autofree char *q = repr(program->commands[i]->name);

				g_string_append_printf(list, "%s%s", i ? ", " : "", q);
			}
			listed = g_string_free(list, FALSE);
			return parser_error(&top, "argument %s: invalid choice: %s (choose from %s)", choices,
					    quoted, listed);
		}
		parser_init(&sub, prog, command->options);
		sub_args = args_new(&sub);
		status = parse_level(&sub, sub_args, argc - 2 - at, argv + 2 + at, sub_extras, &unused);
		if (status >= 0)
			return status;
		if ((status = check_required(&sub, sub_args)) >= 0)
			return status;
		if ((status = check_utf8(&sub, sub_args)) >= 0)
			return status;
		g_ptr_array_extend(extras, sub_extras, NULL, NULL);
	}
	if (extras->len) {
		g_autofree char *unknown = NULL;

		g_ptr_array_add(extras, NULL);
		unknown = g_strjoinv(" ", (char **)extras->pdata);
		return parser_error(&top, "unrecognized arguments: %s", unknown);
	}
	if (stas_ctl_args_flag(top_args, "version")) {
		printf("nvme-stas %s\n", stas_version());
		return 0;
	}
	if (!command) {
		g_autofree char *usage = format_usage(&top);

		fputs(usage, stdout);
		return 1;
	}
	if ((status = resolve_lazy_defaults(&sub, sub_args)) >= 0)
		return status;

	status = command->run(&ctl, sub_args);
	g_clear_object(&ctl.main);
	g_clear_object(&ctl.debug);
	return status;
}
