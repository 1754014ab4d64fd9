// SPDX-License-Identifier: Apache-2.0
/*
 * The harnesses' shared set-up: a log writer that turns GLib CRITICAL and
 * ERROR messages into aborts (and keeps everything else quiet, so the
 * fuzzer is not slowed down by printing), and a scratch directory for the
 * parsers that only read files.
 */
#include <errno.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz.h"
#include "stas/timer.h"

static char *scratch;
static pid_t scratch_owner;

static GLogWriterOutput fuzz_writer(GLogLevelFlags level, const GLogField *fields, gsize n_fields,
				    gpointer data)
{
	gboolean fatal = (level & (G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_ERROR)) != 0;

	if (fatal || g_getenv("STAS_FUZZ_VERBOSE")) {
		const char *domain = "", *message = "";

		for (gsize i = 0; i < n_fields; i++) {
			if (g_str_equal(fields[i].key, "GLIB_DOMAIN"))
				domain = fields[i].value;
			else if (g_str_equal(fields[i].key, "MESSAGE"))
				message = fields[i].value;
		}
		fprintf(stderr, "%s%s%s\n", domain ? domain : "", domain && *domain ? ": " : "",
			message ? message : "");
	}
	if (fatal) {
		fprintf(stderr, "fuzz: a CRITICAL/ERROR message counts as a crash\n");
		abort();
	}
	return G_LOG_WRITER_HANDLED;
}

/* Removes the scratch tree; only the process that made it (replay's
 * children exit too, and must not pull it from under their parent). */
static void remove_tree(const char *path)
{
	g_autoptr(GDir) dir = g_dir_open(path, 0, NULL);
	const char *name;

	while (dir && (name = g_dir_read_name(dir))) {
		g_autofree char *child = g_build_filename(path, name, NULL);

		if (g_file_test(child, G_FILE_TEST_IS_DIR) && !g_file_test(child, G_FILE_TEST_IS_SYMLINK))
			remove_tree(child);
		else
			g_unlink(child);
	}
	g_rmdir(path);
}

static void cleanup(void)
{
	if (scratch && getpid() == scratch_owner)
		remove_tree(scratch);
	g_clear_pointer(&scratch, g_free);
}

void fuzz_init(void)
{
	const char *base = g_file_test("/dev/shm", G_FILE_TEST_IS_DIR) ? "/dev/shm" : g_get_tmp_dir();
	g_autofree char *template = NULL;

	if (scratch)
		return;
	g_log_set_writer_func(fuzz_writer, NULL, NULL);
	template = g_build_filename(base, "stas-fuzz-XXXXXX", NULL);
	if (!g_mkdtemp(template)) {
		fprintf(stderr, "fuzz: cannot create a scratch directory in %s: %s\n", base,
			g_strerror(errno));
		abort();
	}
	scratch = g_steal_pointer(&template);
	scratch_owner = getpid();
	atexit(cleanup);
	/* Nothing a harness parses may come from the real /etc or /run. */
	g_setenv("STAS_CONF_DIR", scratch, TRUE);
	g_setenv("STAS_NVME_DIR", scratch, TRUE);
	g_setenv("STAS_RUNTIME_DIR", scratch, TRUE);
	g_setenv("STAS_MACHINE_ID_FILE", "/nonexistent", TRUE);
}

const char *fuzz_dir(void)
{
	fuzz_init();
	return scratch;
}

char *fuzz_write(const char *name, const void *data, size_t len)
{
	g_autoptr(GError) error = NULL;
	char *path = g_build_filename(fuzz_dir(), name, NULL);

	if (!g_file_set_contents(path, data ? data : "", (gssize)len, &error)) {
		fprintf(stderr, "fuzz: cannot write %s: %s\n", path, error->message);
		abort();
	}
	return path;
}

guint8 fuzz_byte(FuzzInput *in)
{
	guint8 b;

	if (!in->size)
		return 0;
	b = in->data[0];
	in->data++;
	in->size--;
	return b;
}

char *fuzz_string(FuzzInput *in)
{
	const uint8_t *nul;
	size_t len;
	char *text;

	if (!in->size)
		return g_strdup("");
	nul = memchr(in->data, '\0', in->size);
	len = nul ? (size_t)(nul - in->data) : in->size;
	text = g_strndup((const char *)in->data, len);

	in->data += nul ? len + 1 : len;
	in->size -= nul ? len + 1 : len;
	return text;
}

char *fuzz_rest(FuzzInput *in, size_t *len)
{
	char *text = g_malloc(in->size + 1);

	if (in->size)
		memcpy(text, in->data, in->size);
	text[in->size] = '\0';
	if (len)
		*len = in->size;
	in->data += in->size;
	in->size = 0;
	return text;
}

void fuzz_fail(const char *file, int line, const char *what)
{
	fprintf(stderr, "fuzz: %s:%d: property failed: %s\n", file, line, what);
	abort();
}

static gboolean never_called(gpointer data)
{
	return G_SOURCE_REMOVE;
}

void fuzz_check_timer(double seconds)
{
	const double month = 30.0 * 24 * 3600;
	g_autoptr(StasTimer) timer = stas_timer_new(seconds, never_called, NULL);
	double want = MIN(seconds, month);
	gint64 before = g_get_monotonic_time();
	double remaining, elapsed;

	stas_timer_start(timer);
	remaining = stas_timer_remaining(timer);
	/* What the clock did meanwhile is allowed for: a replay under valgrind on
	 * a busy machine may take seconds between the two calls. */
	elapsed = (double)(g_get_monotonic_time() - before) / G_USEC_PER_SEC;
	if (want > 1.0)
		fuzz_assert(remaining >= want - elapsed - 0.01);
}
