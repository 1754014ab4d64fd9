// SPDX-License-Identifier: Apache-2.0
/*
 * stasadm: the administrator's tool that creates the host identity used by
 * stafd and stacd (Host NQN, Host ID, symbolic name) and records it in the
 * [Host] section of sys.conf.
 *
 * The command line is parsed as Python's argparse, which the original tool
 * used, parses it (stas/argparse.h, shared with stafctl and stacctl): global
 * options (-h, -v, -c) come before the command, the command's own options
 * (-h, -f) after it; long options may be abbreviated to any unique prefix;
 * "--" ends option processing; usage errors exit with status 2. Its help and
 * error texts are stasadm's own (argparse's parsing, not argparse's words).
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

#include "stas/argparse.h"
#include "stas/host.h"
#include "stas/ini.h"
#include "stas/paths.h"
#include "stas/problem.h"

#define PROG	     "stasadm"
#define HOST_SECTION "Host"
#define NQN_PREFIX   "nqn.2014-08.org.nvmexpress:uuid:"
/* Application key of the machine-specific UUID (public, for domain separation only). */
#define APP_KEY	     "$nvmexpress.org$"

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
/* Commands                                                                 */

static int run_hostnqn(const char *conf_file, const StasArgparseArgs *args)
{
	g_autofree char *uuid = host_uuid();
	g_autofree char *nqn = NULL;

	if (!uuid)
		return EXIT_FAILURE;
	nqn = g_strconcat(NQN_PREFIX, uuid, NULL);
	return save(conf_file, "nqn", nqn, stas_argparse_args_value(args, "file"));
}

static int run_hostid(const char *conf_file, const StasArgparseArgs *args)
{
	g_autofree char *id = g_uuid_string_random();

	return save(conf_file, "id", id, stas_argparse_args_value(args, "file"));
}

static int run_set_symname(const char *conf_file, const StasArgparseArgs *args)
{
	const char *symname = stas_argparse_args_value(args, "symname");

	if (!symname_valid(symname))
		return EXIT_FAILURE;
	return save(conf_file, "symname", symname, stas_argparse_args_value(args, "file"));
}

static int run_clear_symname(const char *conf_file, const StasArgparseArgs *args)
{
	return save(conf_file, "symname", NULL, NULL);
}

typedef struct {
	StasArgparseCommand command;
	/* returns the exit status; @conf_file "" for none */
	int (*run)(const char *conf_file, const StasArgparseArgs *args);
} AdmCommand;

/* -c's default, read only when it is needed */
static char *default_sys_conf(GError **error)
{
	return stas_path_sys_conf();
}

static const StasArgparseOption option_version = {
	.short_name = 'v',
	.long_name = "version",
	.kind = STAS_ARGPARSE_FLAG,
	.help = "print the version and exit",
};

static const StasArgparseOption option_conf_file = {
	.short_name = 'c',
	.long_name = "conf-file",
	.kind = STAS_ARGPARSE_VALUE,
	.metavar = "FILE",
	.lazy_default = default_sys_conf,
	.help = "configuration file to update (default: %(default)s);\nan empty FILE leaves it alone",
};

/* -f FILE, the same for every command that saves a value, but for what it writes */
#define OPTION_FILE(what)                                                                               \
	{                                                                                               \
		.short_name = 'f', .long_name = "file", .kind = STAS_ARGPARSE_VALUE, .metavar = "FILE", \
		.help = "also write the " what " to FILE and make sys.conf refer to FILE"               \
	}

static const StasArgparseOption option_file_nqn = OPTION_FILE("NQN");
static const StasArgparseOption option_file_id = OPTION_FILE("ID");
static const StasArgparseOption option_file_name = OPTION_FILE("name");

static const StasArgparsePositional positional_symname = {
	.name = "symname",
	.metavar = "SYMNAME",
	.help = "the symbolic name (may contain spaces)",
};

static const StasArgparseOption *const global_options[] = { &option_version, &option_conf_file, NULL };
static const StasArgparseOption *const hostnqn_options[] = { &option_file_nqn, NULL };
static const StasArgparseOption *const hostid_options[] = { &option_file_id, NULL };
static const StasArgparseOption *const set_symname_options[] = { &option_file_name, NULL };
static const StasArgparsePositional *const set_symname_positionals[] = { &positional_symname, NULL };

static const AdmCommand cmd_hostnqn = {
	.command = {
		.name = "hostnqn",
		.help = "generate the Host NQN and save it",
		.description = "Generate the Host NQN, " NQN_PREFIX "<UUID>, and save it as\n"
			       "option \"nqn\". The UUID is derived from the machine ID when there is one;\n"
			       "otherwise (root only) it is taken from the DMI product UUID or the\n"
			       "device-tree partition UUID; as a last resort it is random.",
		.options = hostnqn_options,
	},
	.run = run_hostnqn,
};

static const AdmCommand cmd_hostid = {
	.command = {
		.name = "hostid",
		.help = "generate a random Host ID and save it",
		.description = "Generate a random (version 4) UUID to serve as Host ID and save it as\n"
			       "option \"id\".",
		.options = hostid_options,
	},
	.run = run_hostid,
};

static const AdmCommand cmd_set_symname = {
	.command = {
		.name = "set-symname",
		.help = "save the host symbolic name",
		.description = "Save SYMNAME as the host symbolic name (option \"symname\").",
		.options = set_symname_options,
		.positionals = set_symname_positionals,
	},
	.run = run_set_symname,
};

static const AdmCommand cmd_clear_symname = {
	.command = {
		.name = "clear-symname",
		.help = "remove the host symbolic name",
		.description = "Remove the host symbolic name (option \"symname\") from sys.conf.",
	},
	.run = run_clear_symname,
};

static const StasArgparseCommand *const commands[] = {
	&cmd_hostnqn.command, &cmd_hostid.command, &cmd_set_symname.command, &cmd_clear_symname.command, NULL,
};

/* "  -f, --file FILE       also write ...": stasadm's help lines, the help at column 24 and
 * continued there after each line break. */
static void append_entry(GString *out, const char *invocation, const char *help)
{
	g_auto(GStrv) lines = g_strsplit(help, "\n", -1);

	g_string_append_printf(out, "  %-20s  %s\n", invocation, lines[0]);
	for (guint i = 1; lines[i]; i++)
		g_string_append_printf(out, "%24s%s\n", "", lines[i]);
}

static void append_options(GString *out, const StasArgparseOption *const *options)
{
	g_string_append(out, "options:\n");
	append_entry(out, "-h, --help", "show this help and exit");
	for (guint i = 0; options && options[i]; i++) {
		g_autofree char *invocation = g_strdup_printf(
			"-%c, --%s%s%s", options[i]->short_name, options[i]->long_name,
			options[i]->metavar ? " " : "", options[i]->metavar ? options[i]->metavar : "");
		g_autofree char *help = stas_argparse_option_help(options[i]);

		append_entry(out, invocation, help);
	}
}

/* stasadm's help, written for it rather than argparse's: the descriptions keep their lines,
 * the commands are listed under "commands:", then how to get a command's own help. */
static char *format_help(const StasArgparseProgram *program, const StasArgparseCommand *command)
{
	g_autofree char *usage = stas_argparse_format_usage(program, command);
	GString *out = g_string_new(usage);

	g_string_append_printf(out, "\n%s\n\n", command ? command->description : program->description);
	if (!command) {
		append_options(out, program->options);
		g_string_append(out, "\ncommands:\n");
		for (guint i = 0; program->commands[i]; i++)
			append_entry(out, program->commands[i]->name, program->commands[i]->help);
		g_string_append_printf(out, "\nRun \"%s COMMAND -h\" for the options of a command.\n",
				       program->prog);
		return g_string_free(out, FALSE);
	}
	if (command->positionals) {
		g_string_append(out, "positional arguments:\n");
		for (guint i = 0; command->positionals[i]; i++)
			append_entry(out, command->positionals[i]->metavar, command->positionals[i]->help);
		g_string_append_c(out, '\n');
	}
	append_options(out, command->options);
	return g_string_free(out, FALSE);
}

/* argparse's parsing (global options before the command, the command's after it, unique
 * prefixes of long options, "--", exit status 2), with stasadm's own texts. */
static const StasArgparseProgram stasadm = {
	.prog = PROG,
	.description = "Manage the host identity of nvme-stas (Host NQN, Host ID, symbolic name)\n"
		       "in the [Host] section of sys.conf.",
	.options = global_options,
	.commands = commands,
	.columns = STAS_ARGPARSE_UNWRAPPED,
	.format_help = format_help,
	.errors = STAS_ARGPARSE_ERRORS_PROGRAM,
};

/* ------------------------------------------------------------------------ */

int main(int argc, char **argv)
{
	g_autoptr(StasArgparseArgs) args = NULL;
	const AdmCommand *command;
	int status;

	args = stas_argparse_parse_command(&stasadm, argc, argv, &status);
	if (!args)
		return status;
	/* every command is the first member of an AdmCommand */
	command = (const AdmCommand *)stas_argparse_args_command(args);
	return command->run(stas_argparse_args_value(args, "conf-file"), args);
}
