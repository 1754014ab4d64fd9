// SPDX-License-Identifier: Apache-2.0
/*
 * stasadm: the administrator's tool that creates the host identity used by
 * stafd and stacd (Host NQN, Host ID, symbolic name) and records it in the
 * [Host] section of sys.conf.
 *
 * The command line follows the conventions of Python's argparse, which the
 * original tool used: global options (-h, -v, -c) come before the command,
 * the command's own options (-h, -f) after it; long options may be
 * abbreviated to any unique prefix; "--" ends option processing; usage
 * errors exit with status 2.
 *
 * Everything is computed and every file is prepared (written to a temporary
 * file next to its destination) before anything is replaced, so that an
 * error leaves the system as it was.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib.h>
#include <glib/gstdio.h>

#include "stas/host.h"
#include "stas/ini.h"
#include "stas/paths.h"
#include "stas/problem.h"
#include "stas/version.h"

#define PROG	     "stasadm"
#define HOST_SECTION "Host"
#define NQN_PREFIX   "nqn.2014-08.org.nvmexpress:uuid:"
/* Application key of the machine-specific UUID (public, for domain separation only). */
#define APP_KEY	     "$nvmexpress.org$"

#define EXIT_USAGE 2

/* ------------------------------------------------------------------------ */
/* Command line                                                             */

typedef enum {
	CMD_HOSTNQN,
	CMD_HOSTID,
	CMD_SET_SYMNAME,
	CMD_CLEAR_SYMNAME,
	CMD_COUNT,
	CMD_NONE = CMD_COUNT,
} Command;

typedef struct {
	const char *name;
	const char *summary; /* one line, in the global help */
	const char *description;
	const char *file_help; /* NULL: no -f/--file option */
	gboolean takes_symname;
} CommandDesc;

static const CommandDesc commands[CMD_COUNT] = {
	[CMD_HOSTNQN] = {
		"hostnqn",
		"generate the Host NQN and save it",
		"Generate the Host NQN, " NQN_PREFIX "<UUID>, and save it as\n"
		"option \"nqn\". The UUID is derived from the machine ID when there is one;\n"
		"otherwise (root only) it is taken from the DMI product UUID or the\n"
		"device-tree partition UUID; as a last resort it is random.",
		"also write the NQN to FILE and make sys.conf refer to FILE",
		FALSE,
	},
	[CMD_HOSTID] = {
		"hostid",
		"generate a random Host ID and save it",
		"Generate a random (version 4) UUID to serve as Host ID and save it as\n"
		"option \"id\".",
		"also write the ID to FILE and make sys.conf refer to FILE",
		FALSE,
	},
	[CMD_SET_SYMNAME] = {
		"set-symname",
		"save the host symbolic name",
		"Save SYMNAME as the host symbolic name (option \"symname\").",
		"also write the name to FILE and make sys.conf refer to FILE",
		TRUE,
	},
	[CMD_CLEAR_SYMNAME] = {
		"clear-symname",
		"remove the host symbolic name",
		"Remove the host symbolic name (option \"symname\") from sys.conf.",
		NULL,
		FALSE,
	},
};

typedef enum {
	OPT_HELP,
	OPT_VERSION,
	OPT_CONF_FILE,
	OPT_FILE,
} OptionId;

typedef struct {
	char short_name;
	const char *long_name; /* without the leading "--" */
	const char *metavar;   /* NULL: a flag */
	OptionId id;
} OptionDesc;

static const OptionDesc global_options[] = {
	{ 'h', "help", NULL, OPT_HELP },
	{ 'v', "version", NULL, OPT_VERSION },
	{ 'c', "conf-file", "FILE", OPT_CONF_FILE },
};

static const OptionDesc file_command_options[] = {
	{ 'h', "help", NULL, OPT_HELP },
	{ 'f', "file", "FILE", OPT_FILE },
};

static const OptionDesc plain_command_options[] = {
	{ 'h', "help", NULL, OPT_HELP },
};

typedef struct {
	const OptionDesc *options;
	gsize n_options;
	Command command; /* CMD_NONE: the global level */
} Level;

typedef struct {
	gboolean version;
	char *conf_file; /* NULL until -c is given */
	Command command;
	char *file; /* -f; NULL when absent */
	char *symname;
} Args;

static void args_clear(Args *args)
{
	g_clear_pointer(&args->conf_file, g_free);
	g_clear_pointer(&args->file, g_free);
	g_clear_pointer(&args->symname, g_free);
}

static Level level_for(Command command)
{
	Level level = { global_options, G_N_ELEMENTS(global_options), command };

	if (command == CMD_NONE)
		return level;
	if (commands[command].file_help) {
		level.options = file_command_options;
		level.n_options = G_N_ELEMENTS(file_command_options);
	} else {
		level.options = plain_command_options;
		level.n_options = G_N_ELEMENTS(plain_command_options);
	}
	return level;
}

static char *command_choices(void)
{
	GString *s = g_string_new("{");

	for (int i = 0; i < CMD_COUNT; i++)
		g_string_append_printf(s, "%s%s", i ? "," : "", commands[i].name);
	g_string_append_c(s, '}');
	return g_string_free(s, FALSE);
}

static void print_usage(FILE *out, const Level *level)
{
	if (level->command == CMD_NONE) {
		g_autofree char *choices = command_choices();

		fprintf(out, "usage: %s [-h] [-v] [-c FILE] %s ...\n", PROG, choices);
		return;
	}
	fprintf(out, "usage: %s %s [-h]%s%s\n", PROG, commands[level->command].name,
		commands[level->command].file_help ? " [-f FILE]" : "",
		commands[level->command].takes_symname ? " SYMNAME" : "");
}

static void print_help(const Level *level)
{
	print_usage(stdout, level);
	if (level->command == CMD_NONE) {
		g_autofree char *conf = stas_path_sys_conf();

		printf("\nManage the host identity of nvme-stas (Host NQN, Host ID, symbolic name)\n"
		       "in the [Host] section of sys.conf.\n\n");
		printf("options:\n"
		       "  -h, --help            show this help and exit\n"
		       "  -v, --version         print the version and exit\n"
		       "  -c, --conf-file FILE  configuration file to update (default: %s);\n"
		       "                        an empty FILE leaves it alone\n\n",
		       conf);
		printf("commands:\n");
		for (int i = 0; i < CMD_COUNT; i++)
			printf("  %-20s  %s\n", commands[i].name, commands[i].summary);
		printf("\nRun \"%s COMMAND -h\" for the options of a command.\n", PROG);
		return;
	}
	printf("\n%s\n\n", commands[level->command].description);
	if (commands[level->command].takes_symname)
		printf("positional arguments:\n"
		       "  SYMNAME               the symbolic name (may contain spaces)\n\n");
	printf("options:\n"
	       "  -h, --help            show this help and exit\n");
	if (commands[level->command].file_help)
		printf("  -f, --file FILE       %s\n", commands[level->command].file_help);
}

static int usage_error(const Level *level, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

static int usage_error(const Level *level, const char *fmt, ...)
{
	va_list ap;

	print_usage(stderr, level);
	fprintf(stderr, "%s: error: ", PROG);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return EXIT_USAGE;
}

static const OptionDesc *find_short(const Level *level, char c)
{
	for (gsize i = 0; i < level->n_options; i++)
		if (level->options[i].short_name == c)
			return &level->options[i];
	return NULL;
}

/* Exact name or unique prefix of a long option (NAME without "--").
 * Sets *ambiguous when several options start with NAME. */
static const OptionDesc *find_long(const Level *level, const char *name, gsize len, gboolean *ambiguous)
{
	const OptionDesc *found = NULL;
	guint matches = 0;

	*ambiguous = FALSE;
	for (gsize i = 0; i < level->n_options; i++) {
		const char *lname = level->options[i].long_name;

		if (strlen(lname) == len && strncmp(lname, name, len) == 0)
			return &level->options[i];
		if (len > 0 && strncmp(lname, name, len) == 0) {
			found = &level->options[i];
			matches++;
		}
	}
	if (matches > 1) {
		*ambiguous = TRUE;
		return NULL;
	}
	return found;
}

/* argparse's view of a negative number ("-5", "-.5", "-1.5"): a positional. */
static gboolean is_negative_number(const char *arg)
{
	const char *p = arg + 1;
	gboolean digits = FALSE;

	while (g_ascii_isdigit(*p)) {
		p++;
		digits = TRUE;
	}
	if (*p == '\0')
		return digits;
	if (*p != '.' || !g_ascii_isdigit(p[1]))
		return FALSE;
	for (p++; g_ascii_isdigit(*p); p++)
		;
	return *p == '\0';
}

/* Whether ARG is meant as an option rather than as a positional argument,
 * with the same rules as argparse. */
static gboolean looks_like_option(const Level *level, const char *arg)
{
	gboolean ambiguous;

	if (arg[0] != '-' || arg[1] == '\0')
		return FALSE;
	if (arg[1] == '-') {
		const char *eq = strchr(arg + 2, '=');
		gsize len = eq ? (gsize)(eq - arg - 2) : strlen(arg + 2);

		if (find_long(level, arg + 2, len, &ambiguous) || ambiguous)
			return TRUE;
	} else if (find_short(level, arg[1])) {
		return TRUE;
	}
	if (is_negative_number(arg))
		return FALSE;
	if (strchr(arg, ' '))
		return FALSE;
	return TRUE;
}

static void option_name(const OptionDesc *opt, char *buf, gsize size)
{
	g_snprintf(buf, size, "-%c/--%s", opt->short_name, opt->long_name);
}

/* Returns -1 to go on, or the exit status. */
static int apply_option(Level *level, const OptionDesc *opt, const char *value, Args *args)
{
	switch (opt->id) {
	case OPT_HELP:
		print_help(level);
		return EXIT_SUCCESS;
	case OPT_VERSION:
		args->version = TRUE;
		break;
	case OPT_CONF_FILE:
		g_free(args->conf_file);
		args->conf_file = g_strdup(value);
		break;
	case OPT_FILE:
		g_free(args->file);
		args->file = g_strdup(value);
		break;
	}
	return -1;
}

/* Handles the option ARGV[*i] (already known to look like one), consuming
 * its value from the next argument when needed. Unknown options are
 * collected in UNKNOWN (argparse reports them only at the end, so that -h
 * still works). Returns -1 to go on, or the exit status. */
static int parse_option(Level *level, int argc, char **argv, int *i, Args *args, GPtrArray *unknown)
{
	const char *arg = argv[*i];
	const OptionDesc *opt;
	const char *value = NULL;
	char name[64];

	if (arg[1] == '-') {
		const char *eq = strchr(arg + 2, '=');
		gsize len = eq ? (gsize)(eq - arg - 2) : strlen(arg + 2);
		gboolean ambiguous;

		opt = find_long(level, arg + 2, len, &ambiguous);
		if (ambiguous)
			return usage_error(level, "ambiguous option: %s", arg);
		if (!opt) {
			g_ptr_array_add(unknown, (gpointer)arg);
			return -1;
		}
		option_name(opt, name, sizeof(name));
		if (eq && !opt->metavar)
			return usage_error(level, "argument %s: ignored explicit argument '%s'", name,
					   eq + 1);
		value = eq ? eq + 1 : NULL;
	} else {
		/* A cluster of short options: flags first, then possibly one taking a value. */
		const char *p = arg + 1;

		for (;;) {
			int status;

			opt = find_short(level, *p);
			if (!opt) {
				if (p == arg + 1) {
					g_ptr_array_add(unknown, (gpointer)arg);
					return -1;
				}
				return usage_error(level, "argument %s: ignored explicit argument '%s'", name,
						   p);
			}
			option_name(opt, name, sizeof(name));
			p++;
			if (opt->metavar) {
				if (*p)
					value = *p == '=' ? p + 1 : p;
				break;
			}
			if (*p == '=')
				return usage_error(level, "argument %s: ignored explicit argument '%s'", name,
						   p + 1);
			if (*p == '\0')
				break;
			status = apply_option(level, opt, NULL, args);
			if (status >= 0)
				return status;
		}
	}
	if (opt->metavar && !value) {
		if (*i + 1 >= argc || looks_like_option(level, argv[*i + 1]) ||
		    g_str_equal(argv[*i + 1], "--"))
			return usage_error(level, "argument %s: expected one argument", name);
		value = argv[++*i];
	}
	return apply_option(level, opt, value, args);
}

/* Returns -1 when the command is to be run, or the exit status. */
static int parse_args(int argc, char **argv, Args *args)
{
	g_autoptr(GPtrArray) unknown = g_ptr_array_new();
	Level level = level_for(CMD_NONE);
	gboolean positional_only = FALSE;

	args->command = CMD_NONE;
	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i];

		if (!positional_only && g_str_equal(arg, "--")) {
			positional_only = TRUE;
			continue;
		}
		if (!positional_only && looks_like_option(&level, arg)) {
			int status = parse_option(&level, argc, argv, &i, args, unknown);

			if (status >= 0)
				return status;
			continue;
		}
		if (level.command == CMD_NONE) {
			Command cmd = CMD_NONE;

			for (int c = 0; c < CMD_COUNT; c++)
				if (g_str_equal(arg, commands[c].name))
					cmd = c;
			if (cmd == CMD_NONE) {
				g_autofree char *choices = command_choices();

				return usage_error(&level, "invalid command '%s' (choose from %s)", arg,
						   choices);
			}
			args->command = cmd;
			level = level_for(cmd);
		} else if (commands[level.command].takes_symname && !args->symname) {
			args->symname = g_strdup(arg);
		} else {
			g_ptr_array_add(unknown, (gpointer)arg);
		}
	}
	if (level.command != CMD_NONE && commands[level.command].takes_symname && !args->symname)
		return usage_error(&level, "the following arguments are required: SYMNAME");
	if (unknown->len) {
		g_autoptr(GString) list = g_string_new(NULL);

		for (guint k = 0; k < unknown->len; k++)
			g_string_append_printf(list, "%s%s", k ? " " : "",
					       (const char *)g_ptr_array_index(unknown, k));
		return usage_error(&level, "unrecognized arguments: %s", list->str);
	}
	if (args->version) {
		printf("nvme-stas %s\n", stas_version());
		return EXIT_SUCCESS;
	}
	if (args->command == CMD_NONE) {
		/* Deliberate choice, as nvme-stas HEAD does (v2.4.1 exited 0 after an
		 * error text): without a command, print the usage line on stdout and
		 * fail with status 1 rather than the usage-error status 2. */
		Level top = level_for(CMD_NONE);

		print_usage(stdout, &top);
		return EXIT_FAILURE;
	}
	return -1;
}

/* ------------------------------------------------------------------------ */
/* Host NQN UUID                                                            */

/* Reads exactly SIZE bytes from the start of PATH into BUF (NUL-terminated,
 * SIZE + 1 bytes). FALSE when the file is missing, shorter or unreadable;
 * unexpected errors are worth a warning since a source is then skipped. */
static gboolean read_prefix(const char *path, char *buf, gsize size)
{
	gsize got = 0;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		if (errno != ENOENT && errno != ENOTDIR)
			g_printerr("%s: warning: cannot read %s: %s; ignored\n", PROG, path,
				   g_strerror(errno));
		return FALSE;
	}
	while (got < size) {
		ssize_t n = read(fd, buf + got, size - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			g_printerr("%s: warning: cannot read %s: %s; ignored\n", PROG, path,
				   g_strerror(errno));
			break;
		}
		if (n == 0)
			break;
		got += (gsize)n;
	}
	close(fd);
	buf[got] = '\0';
	return got == size;
}

/* Text that can go into an NQN and a configuration line: printable ASCII, no blanks. */
static gboolean is_printable_word(const char *s)
{
	for (; *s; s++)
		if (*s <= ' ' || *s > '~')
			return FALSE;
	return TRUE;
}

/* UUID derived from the machine ID with a keyed hash, so that the machine ID
 * itself cannot be recovered from it. NULL when there is no usable machine ID. */
static char *machine_app_specific_uuid(void)
{
	g_autofree char *path = stas_path(STAS_PATH_MACHINE_ID, NULL);
	g_autoptr(GHmac) hmac = NULL;
	char text[33];
	guint8 id[16];
	guint8 digest[32];
	gsize digest_len = sizeof(digest);

	if (!read_prefix(path, text, 32))
		return NULL;
	for (int i = 0; i < 16; i++) {
		int hi = g_ascii_xdigit_value(text[2 * i]);
		int lo = g_ascii_xdigit_value(text[2 * i + 1]);

		if (hi < 0 || lo < 0) {
			/* nvme-stas crashes here; we go on with the next source. */
			g_printerr("%s: warning: %s does not start with 32 hexadecimal digits; ignored\n",
				   PROG, path);
			return NULL;
		}
		id[i] = (guint8)(hi << 4 | lo);
	}
	/* Key and message are swapped with respect to systemd's
	 * sd_id128_get_machine_app_specific(), as in nvme-stas. */
	hmac = g_hmac_new(G_CHECKSUM_SHA256, (const guchar *)APP_KEY, strlen(APP_KEY));
	g_hmac_update(hmac, id, sizeof(id));
	g_hmac_get_digest(hmac, digest, &digest_len);

	digest[6] = (digest[6] & 0x0f) | 0x40; /* version 4 */
	digest[8] = (digest[8] & 0x3f) | 0x80; /* RFC 4122 variant */
	return g_strdup_printf("%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
			       digest[0], digest[1], digest[2], digest[3], digest[4], digest[5], digest[6],
			       digest[7], digest[8], digest[9], digest[10], digest[11], digest[12],
			       digest[13], digest[14], digest[15]);
}

/* The first 36 characters of a firmware-provided UUID file, or NULL. */
static gboolean read_firmware_uuid(StasPath which, char buf[37])
{
	g_autofree char *path = stas_path(which, NULL);

	if (!read_prefix(path, buf, 36))
		return FALSE;
	if (!is_printable_word(buf)) {
		g_printerr("%s: warning: %s does not start with a UUID; ignored\n", PROG, path);
		return FALSE;
	}
	return TRUE;
}

/* Returns the UUID, or NULL after printing the error (exit status 1). */
static char *host_uuid(void)
{
	char *uuid = machine_app_specific_uuid();
	char buf[37];

	if (uuid)
		return uuid;

	/* The firmware sources are only readable by root. */
	if (geteuid() != 0) {
		g_printerr("Permission denied. Root privileges required.\n");
		return NULL;
	}

	if (read_firmware_uuid(STAS_PATH_DMI_PRODUCT_UUID, buf)) {
		/* SMBIOS stores the first three fields little-endian (DMTF SMBIOS
		 * 3.0, 7.2.1); swap their bytes to get network order. */
		static const int order[18] = { 6, 7, 4, 5, 2, 3, 0, 1, 8, 11, 12, 9, 10, 13, 16, 17, 14, 15 };
		GString *s = g_string_sized_new(36);

		for (gsize i = 0; i < G_N_ELEMENTS(order); i++)
			g_string_append_c(s, buf[order[i]]);
		g_string_append(s, buf + 18);
		return g_string_free(s, FALSE);
	}

	if (read_firmware_uuid(STAS_PATH_DT_PARTITION_UUID, buf))
		return g_strdup(buf);

	return g_uuid_string_random();
}

/* ------------------------------------------------------------------------ */
/* Saving                                                                   */

/* A file replaced in two phases: prepare writes a temporary file next to the
 * destination, commit renames it into place. Special files (devices, FIFOs)
 * cannot be replaced and are written in place at commit time. */
typedef struct {
	const char *display; /* the path as the user gave it */
	char *target;	     /* symbolic links resolved */
	char *tmp;	     /* NULL for a special file */
	const char *contents;
} PendingFile;

static void pending_discard(PendingFile *pf)
{
	if (pf->tmp)
		g_unlink(pf->tmp);
	g_clear_pointer(&pf->tmp, g_free);
	g_clear_pointer(&pf->target, g_free);
}

static gboolean write_all(int fd, const char *data, gsize len)
{
	while (len) {
		ssize_t n = write(fd, data, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return FALSE;
		data += n;
		len -= (gsize)n;
	}
	return TRUE;
}

static gboolean write_error(PendingFile *pf, int err)
{
	g_printerr("%s: cannot write %s: %s\n", PROG, pf->display, g_strerror(err));
	pending_discard(pf);
	return FALSE;
}

/* Whether the kernel's fs.protected_symlinks rule forbids following the link
 * LINK_ST found in DIR: a sticky, world-writable directory, and the link owned
 * neither by us nor by the directory's owner. stasadm resolves links itself
 * (to rename onto the target), so it must apply the rule itself. */
static gboolean protected_link(const char *dir, const struct stat *link_st)
{
	struct stat dir_st;

	if (stat(dir, &dir_st) < 0)
		return FALSE;
	return (dir_st.st_mode & S_ISVTX) && (dir_st.st_mode & S_IWOTH) && link_st->st_uid != geteuid() &&
	       link_st->st_uid != dir_st.st_uid;
}

/* The end of the chain of symbolic links at PATH, each hop checked against
 * the fs.protected_symlinks rule; NULL after printing why. */
static char *follow_links(const char *path)
{
	g_autofree char *cur = g_strdup(path);

	for (guint hops = 0;; hops++) {
		g_autofree char *dir = g_path_get_dirname(cur);
		g_autoptr(GError) error = NULL;
		g_autofree char *link = NULL;
		struct stat st;

		if (lstat(cur, &st) < 0 || !S_ISLNK(st.st_mode))
			return g_steal_pointer(&cur); /* errors are reported when it is opened */
		if (hops == 40) {
			g_printerr("%s: cannot write %s: %s\n", PROG, path, g_strerror(ELOOP));
			return NULL;
		}
		if (protected_link(dir, &st)) {
			g_printerr("%s: refusing to write %s: %s is a symbolic link owned by uid %u in the "
				   "sticky, world-writable directory %s (the fs.protected_symlinks rule)\n",
				   PROG, path, cur, (unsigned)st.st_uid, dir);
			return NULL;
		}
		link = g_file_read_link(cur, &error);
		if (!link) {
			g_printerr("%s: cannot write %s: %s\n", PROG, path, error->message);
			return NULL;
		}
		g_free(cur);
		cur = g_path_is_absolute(link) ? g_strdup(link) : g_build_filename(dir, link, NULL);
	}
}

/* Where writing PATH goes. Symbolic links are written through, as open(2)
 * would: the link stays and its target gets the contents; a dangling link's
 * target is created (nvme-stas's open(FILE, "w") did the same). A link the
 * kernel would refuse to follow is refused. Returns the target, or NULL
 * after printing why. */
static char *write_destination(const char *path)
{
	g_autofree char *end = follow_links(path);
	struct stat st;
	char *real;

	if (!end)
		return NULL;
	if (stat(path, &st) < 0)
		return g_steal_pointer(&end); /* dangling, or an error reported later */
	/* /proc's links (/dev/stdout) name no path; the link itself is then used. */
	real = realpath(path, NULL);
	return real ? real : g_strdup(path);
}

/* NEW_MODE is the mode of a file that does not exist yet; an existing file
 * keeps its mode (and, when we may, its owner), as if rewritten in place. */
static gboolean pending_prepare(PendingFile *pf, const char *path, const char *contents, mode_t new_mode)
{
	g_autofree char *dir = NULL;
	g_autofree char *base = NULL;
	struct stat st;
	gboolean exists;
	mode_t mode = new_mode;
	int fd;

	*pf = (PendingFile){ .display = path, .contents = contents };
	pf->target = write_destination(path);
	if (!pf->target)
		return FALSE;

	exists = stat(pf->target, &st) == 0;
	if (exists && S_ISDIR(st.st_mode))
		return write_error(pf, EISDIR);
	if (exists && !S_ISREG(st.st_mode))
		return TRUE;
	if (exists)
		mode = st.st_mode & 07777;

	dir = g_path_get_dirname(pf->target);
	base = g_path_get_basename(pf->target);
	pf->tmp = g_strdup_printf("%s/.%s.XXXXXX", dir, base);
	fd = g_mkstemp_full(pf->tmp, O_WRONLY | O_CLOEXEC, 0600);
	if (fd < 0) {
		int err = errno;

		g_clear_pointer(&pf->tmp, g_free);
		return write_error(pf, err);
	}
	if (exists && geteuid() == 0 && fchown(fd, st.st_uid, st.st_gid) < 0) {
		/* Not worth failing for: the file is then owned by root. */
	}
	if (fchmod(fd, mode) < 0 || !write_all(fd, contents, strlen(contents)) || fsync(fd) < 0) {
		int err = errno;

		close(fd);
		return write_error(pf, err);
	}
	if (close(fd) < 0)
		return write_error(pf, errno);
	return TRUE;
}

static gboolean pending_commit(PendingFile *pf)
{
	if (pf->tmp) {
		if (g_rename(pf->tmp, pf->target) < 0)
			return write_error(pf, errno);
		g_clear_pointer(&pf->tmp, g_free);
	} else {
		/* A FIFO without a reader is an error, not a wait for ever. */
		int fd = open(pf->target, O_WRONLY | O_TRUNC | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);

		if (fd < 0)
			return write_error(pf, errno);
		fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
		if (!write_all(fd, pf->contents, strlen(pf->contents))) {
			int err = errno;

			close(fd);
			return write_error(pf, err);
		}
		close(fd);
	}
	pending_discard(pf);
	return TRUE;
}

/* The new text of sys.conf, or NULL after printing the error. VALUE NULL
 * removes OPTION. */
static char *updated_sys_conf(const char *conf_file, const char *option, const char *value)
{
	g_autoptr(StasProblems) problems = stas_problems_new();
	g_autoptr(GError) error = NULL;
	g_autoptr(StasIni) ini = NULL;
	struct stat st;
	int fd;

	/* Check readability first, for an error message that names the OS error. */
	fd = open(conf_file, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0 && errno != ENOENT) {
		g_printerr("%s: cannot read %s: %s\n", PROG, conf_file, g_strerror(errno));
		return NULL;
	}
	if (fd >= 0) {
		gboolean is_dir = fstat(fd, &st) == 0 && S_ISDIR(st.st_mode);

		close(fd);
		if (is_dir) {
			g_printerr("%s: cannot read %s: %s\n", PROG, conf_file, g_strerror(EISDIR));
			return NULL;
		}
	}
	ini = stas_ini_load(conf_file, problems, &error);
	if (!ini) {
		g_printerr("%s: cannot read %s: %s\n", PROG, conf_file, error->message);
		return NULL;
	}
	for (guint i = 0; i < problems->len; i++) {
		g_autofree char *text = stas_problem_to_string(g_ptr_array_index(problems, i));

		g_printerr("%s: warning: %s\n", PROG, text);
	}

	if (value) {
		/* Refused earlier too; the library is the last line of defence. */
		if (!stas_ini_set(ini, HOST_SECTION, option, value)) {
			g_printerr("%s: a value cannot contain a line break\n", PROG);
			return NULL;
		}
	} else {
		/* The section is created even when only removing, as nvme-stas does. */
		stas_ini_add_section(ini, HOST_SECTION);
		stas_ini_remove(ini, HOST_SECTION, option);
	}
	return stas_ini_to_string(ini);
}

/* save() once the lock is held. */
static int save_locked(const char *conf_file, const char *option, const char *value, const char *file)
{
	g_autofree char *conf_text = NULL;
	g_autofree char *file_text = NULL;
	g_autofree char *conf_value = NULL;
	PendingFile pf_file = { 0 }, pf_conf = { 0 };
	gboolean have_file = file && *file && value;
	gboolean ok = TRUE;

	if (conf_file && *conf_file) {
		conf_value = file && *file ? g_strconcat("file://", file, NULL) : g_strdup(value);
		conf_text = updated_sys_conf(conf_file, option, conf_value);
		if (!conf_text)
			return EXIT_FAILURE;
	}

	if (have_file) {
		file_text = g_strconcat(value, "\n", NULL);
		if (!pending_prepare(&pf_file, file, file_text, 0644))
			return EXIT_FAILURE;
	}
	if (conf_text && !pending_prepare(&pf_conf, conf_file, conf_text, 0644)) {
		pending_discard(&pf_file);
		return EXIT_FAILURE;
	}

	if (have_file && !pending_commit(&pf_file)) {
		pending_discard(&pf_conf);
		return EXIT_FAILURE;
	}
	if (conf_text)
		ok = pending_commit(&pf_conf);
	return ok ? EXIT_SUCCESS : EXIT_FAILURE;
}

/* Serialises the read-modify-rename of CONF_FILE between stasadm runs
 * (stas-config@hostnqn and @hostid start in parallel at first boot; without
 * this one of their lines was lost). The lock is on the directory, which
 * outlives the renames of the file itself. Returns the descriptor to close,
 * or -1: without a directory the write fails later with a proper message. */
static int lock_conf_dir(const char *conf_file)
{
	g_autofree char *dir = g_path_get_dirname(conf_file);
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd >= 0 && flock(fd, LOCK_EX) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Saves VALUE (NULL: remove) as OPTION of [Host], and into FILE if given.
 * Returns the exit status. */
static int save(const char *conf_file, const char *option, const char *value, const char *file)
{
	int lock = conf_file && *conf_file ? lock_conf_dir(conf_file) : -1;
	int status = save_locked(conf_file, option, value, file);

	if (lock >= 0)
		close(lock);
	return status;
}

/* A name the daemons would drop (stas_host_load) is refused now rather than
 * stored and silently lost: it must be UTF-8 text on a single line, without
 * control characters, and fit the 256 bytes of the DIM's symbolic name. */
static gboolean symname_valid(const char *name)
{
	const char *why = NULL;

	if (strpbrk(name, "\n\r"))
		why = "must be a single line";
	else if (!g_utf8_validate(name, -1, NULL))
		why = "is not UTF-8 text";
	else if (strlen(name) > STAS_HOST_SYMNAME_MAX)
		why = "is longer than " G_STRINGIFY(STAS_HOST_SYMNAME_MAX) " bytes";
	for (const char *p = name; !why && *p; p++) {
		if ((guchar)*p < 0x20 || *p == 0x7f)
			why = "contains a control character";
	}
	if (why)
		g_printerr("%s: the symbolic name %s\n", PROG, why);
	return why == NULL;
}

/* ------------------------------------------------------------------------ */

int main(int argc, char **argv)
{
	Args args = { 0 };
	g_autofree char *value = NULL;
	g_autofree char *conf_file = NULL;
	int status;

	status = parse_args(argc, argv, &args);
	if (status >= 0) {
		args_clear(&args);
		return status;
	}
	conf_file = args.conf_file ? g_strdup(args.conf_file) : stas_path_sys_conf();

	switch (args.command) {
	case CMD_HOSTNQN: {
		g_autofree char *uuid = host_uuid();

		if (!uuid) {
			status = EXIT_FAILURE;
			break;
		}
		value = g_strconcat(NQN_PREFIX, uuid, NULL);
		status = save(conf_file, "nqn", value, args.file);
		break;
	}
	case CMD_HOSTID:
		value = g_uuid_string_random();
		status = save(conf_file, "id", value, args.file);
		break;
	case CMD_SET_SYMNAME:
		if (!symname_valid(args.symname)) {
			status = EXIT_FAILURE;
			break;
		}
		status = save(conf_file, "symname", args.symname, args.file);
		break;
	case CMD_CLEAR_SYMNAME:
		status = save(conf_file, "symname", NULL, NULL);
		break;
	case CMD_COUNT:
	default:
		status = EXIT_FAILURE;
		break;
	}
	args_clear(&args);
	return status;
}
