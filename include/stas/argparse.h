/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The command line of stafctl, stacctl and stasadm, parsed, reported and explained the way
 * Python's argparse (3.11, Debian 12's) does it for nvme-stas: scripts and admins rely on its
 * exit statuses and messages. A program has options of its own, then a command (argparse's
 * subparsers); a command has options and positional arguments. Usage, help and errors are
 * argparse's byte for byte, wrapped to the terminal's width as argparse wraps them.
 */
#pragma once

#include <glib.h>

typedef enum {
	STAS_ARGPARSE_FLAG,  /* action="store_true" */
	STAS_ARGPARSE_VALUE, /* one argument */
	STAS_ARGPARSE_HELP,  /* prints the help and exits 0; every parser has -h/--help first */
} StasArgparseKind;

/* An option, as add_argument("-d", "--detailed", ...) declares it. */
typedef struct {
	char short_name;	    /* 'd' for -d; 0 for none */
	const char *long_name;	    /* "detailed" for --detailed; also the key of its value */
	StasArgparseKind kind;	    /* flag, value or help */
	const char *metavar;	    /* "<traddr>"; NULL shows the choices, {tcp,rdma}, or else TRADDR */
	const char *const *choices; /* NULL-terminated accepted values, or NULL for any */
	const char *default_value;  /* value when absent (flags: NULL) */
	/* Computes the default only when it is needed, for a default that can fail (the
	 * system Host NQN): see stas_argparse_args_resolve_defaults(). */
	char *(*lazy_default)(GError **error);
	gboolean required;
	const char *help; /* "%(default)s" in it shows the default, as in argparse */
} StasArgparseOption;

/* A positional argument of a command, as add_argument("symname", metavar="SYMNAME") or
 * add_argument("target", nargs="*", metavar="TARGET") declares it. Positionals count as
 * declared after the options (in usage, help and the list of missing arguments). */
typedef struct {
	const char *name;    /* "target": the key of its words */
	const char *metavar; /* "TARGET"; NULL shows the name */
	gboolean any;	     /* nargs="*": zero or more words, [TARGET ...]; else exactly one */
	const char *help;
} StasArgparsePositional;

/* One command: add_parser(name, help=..., description=...). */
typedef struct {
	const char *name;
	const char *help;				  /* its line in the program's help */
	const char *description;			  /* atop its own help; NULL: none */
	const StasArgparseOption *const *options;	  /* NULL-terminated; -h is implied */
	const StasArgparsePositional *const *positionals; /* NULL-terminated, in order */
} StasArgparseCommand;

/* How usage errors read. */
typedef enum {
	/* argparse's: "<prog> <command>: error: ..." after that parser's usage, unrecognized
	 * arguments after the program's usage, "argument {a,b}: invalid choice: 'x' (choose from
	 * 'a', 'b')" for an unknown command. */
	STAS_ARGPARSE_ERRORS_ARGPARSE,
	/* stasadm's own, older than this parser: "<prog>: error: ..." after the usage of the
	 * command given (if any), "invalid command 'x' (choose from {a,b})". */
	STAS_ARGPARSE_ERRORS_PROGRAM,
} StasArgparseErrors;

/* Usage and help never wrapped (stasadm's texts): as if the terminal had no end. */
#define STAS_ARGPARSE_UNWRAPPED (G_MAXINT / 4)

typedef struct _StasArgparseProgram StasArgparseProgram;

struct _StasArgparseProgram {
	const char *prog;			    /* "stafctl" */
	const char *description;		    /* atop the help; NULL: none */
	const StasArgparseOption *const *options;   /* before the command; -h is implied */
	const StasArgparseCommand *const *commands; /* NULL-terminated, title "Commands" */
	/* The width of usage and help plus 2: 0 for argparse's, $COLUMNS if it is a positive
	 * number, else the terminal's, else 80; STAS_ARGPARSE_UNWRAPPED for none. */
	int columns;
	/* Every value must be UTF-8 (they go into D-Bus strings): other bytes are a usage
	 * error, "argument -a/--traddr: not UTF-8 text: '\xff'". */
	gboolean utf8_only;
	/* A help written by hand instead of argparse's, for the program (@command NULL) or a
	 * command; NULL for argparse's. It may call stas_argparse_format_usage(). */
	char *(*format_help)(const StasArgparseProgram *program, const StasArgparseCommand *command);
	StasArgparseErrors errors;
};

/* The parsed command line: argparse's Namespace. */
typedef struct _StasArgparseArgs StasArgparseArgs;

/* Parses @argc, @argv (@argv[0] is the program's name and is not looked at). Returns the
 * parsed arguments, with or without a command (-v and a missing command are the caller's
 * to handle); or NULL when the program is to exit with *@status: 0 after -h, 2 after a
 * usage error. The help goes to @out, usage errors to @err; NULL for stdout and stderr. */
StasArgparseArgs *stas_argparse_parse(const StasArgparseProgram *program, int argc, char **argv, GString *out,
				      GString *err, int *status);
/* stas_argparse_parse(), then what nvme-stas's programs do before a command runs: flag
 * --version (an option of the program) prints "nvme-stas <version>" (exit 0), no command
 * prints the usage on stdout (exit 1, as nvme-stas HEAD does), a lazy default that cannot be
 * computed prints its error (exit 1). Returns the arguments of the command to run, or NULL
 * with *@status. */
StasArgparseArgs *stas_argparse_parse_command(const StasArgparseProgram *program, int argc, char **argv,
					      int *status);
void stas_argparse_args_free(StasArgparseArgs *args);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(StasArgparseArgs, stas_argparse_args_free)

/* The command given, or NULL. */
const StasArgparseCommand *stas_argparse_args_command(const StasArgparseArgs *args);
/* The value of option --@name of the command or the program (its default when absent), or the
 * word of the one-word positional @name; NULL for a flag or an unknown name. */
const char *stas_argparse_args_value(const StasArgparseArgs *args, const char *name);
/* Whether flag --@name of the command or the program was given. */
gboolean stas_argparse_args_flag(const StasArgparseArgs *args, const char *name);
/* The words of the command's positional @name, NULL-terminated (empty when none were given);
 * NULL when the command has no such positional. */
const char *const *stas_argparse_args_positional(const StasArgparseArgs *args, const char *name);
/* Computes the lazy defaults of the options not given; FALSE with the first one's error,
 * whose message is to be printed as is (the program then exits 1). */
gboolean stas_argparse_args_resolve_defaults(StasArgparseArgs *args, GError **error);

/* "usage: stafctl dlp [-h] ...\n", as argparse prints it for @command (NULL: the program). */
char *stas_argparse_format_usage(const StasArgparseProgram *program, const StasArgparseCommand *command);
/* The help of @option as argparse shows it: "%(default)s" replaced by its default. */
char *stas_argparse_option_help(const StasArgparseOption *option);
/* What -h prints for @command (NULL: the program): program->format_help's, else argparse's. */
char *stas_argparse_format_help(const StasArgparseProgram *program, const StasArgparseCommand *command);
