// SPDX-License-Identifier: Apache-2.0
/*
 * The harnesses without libFuzzer: `replay [--known-crashes LIST] PATH...`
 * feeds every file under each PATH to LLVMFuzzerTestOneInput(), each in a
 * child process, so one crash names its input and the others still run.
 * This is how the unit suite replays the seed corpora and every regression
 * input with the normal compiler (and under ASan or valgrind).
 *
 * LIST names inputs that still crash on purpose (a finding being fixed):
 * one path per line relative to the list's directory, '#' comments. Such an
 * input is expected to crash; once it stops crashing the replay says so, and
 * the line should be deleted so that it guards the fix from then on.
 */
#include <errno.h>
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fuzz.h"

/* Generous: valgrind runs each input some fifty times slower. */
#define REPLAY_TIMEOUT_S 300

typedef struct {
	GHashTable *known; /* canonical path -> NULL */
	guint passed, failed, xfailed, xpassed;
} Replay;

static void load_known(Replay *r, const char *list)
{
	g_autofree char *text = NULL;
	g_autofree char *dir = g_path_get_dirname(list);
	g_auto(GStrv) lines = NULL;
	g_autoptr(GError) error = NULL;

	if (!g_file_get_contents(list, &text, NULL, &error)) {
		fprintf(stderr, "replay: %s\n", error->message);
		exit(2);
	}
	lines = g_strsplit(text, "\n", -1);
	for (guint i = 0; lines[i]; i++) {
		char *line = g_strstrip(lines[i]);

		if (*line && *line != '#')
			g_hash_table_add(r->known, g_canonicalize_filename(line, dir));
	}
}

/* Runs one input in a child; TRUE when it neither crashed nor hung. */
static gboolean run_child(const char *path)
{
	g_autofree char *data = NULL;
	gsize len = 0;
	g_autoptr(GError) error = NULL;
	int status;
	pid_t pid;

	if (!g_file_get_contents(path, &data, &len, &error)) {
		fprintf(stderr, "replay: %s\n", error->message);
		return FALSE;
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		fprintf(stderr, "replay: fork: %s\n", g_strerror(errno));
		return FALSE;
	}
	if (pid == 0) {
		alarm(REPLAY_TIMEOUT_S);
		LLVMFuzzerTestOneInput((const uint8_t *)data, len);
		g_clear_pointer(&data, g_free);
		/* exit(), not _exit(): leak checkers report at exit. */
		exit(0);
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (WIFSIGNALED(status))
		fprintf(stderr, "replay: %s: killed by signal %d%s\n", path, WTERMSIG(status),
			WTERMSIG(status) == SIGALRM ? " (hung)" : "");
	else if (WEXITSTATUS(status))
		fprintf(stderr, "replay: %s: exit status %d\n", path, WEXITSTATUS(status));
	return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

static void replay_file(Replay *r, const char *path)
{
	g_autofree char *canon = g_canonicalize_filename(path, NULL);
	gboolean known = g_hash_table_contains(r->known, canon);
	gboolean ok;

	printf("replay: %s%s\n", path, known ? " (known crash)" : "");
	ok = run_child(path);
	if (known && !ok) {
		r->xfailed++;
	} else if (known) {
		r->xpassed++;
		printf("replay: %s no longer crashes: delete its line from the known-crashes list\n", path);
	} else if (ok) {
		r->passed++;
	} else {
		r->failed++;
		printf("replay: FAIL %s\n", path);
	}
}

static gint compare_names(gconstpointer a, gconstpointer b)
{
	/* g_ptr_array_sort() passes pointers to the elements */
	return g_strcmp0(*(const char *const *)a, *(const char *const *)b);
}

/* Files in name order, so that runs are comparable. */
static void replay_path(Replay *r, const char *path)
{
	g_autoptr(GDir) dir = NULL;
	g_autoptr(GPtrArray) names = NULL;
	const char *name;

	if (!g_file_test(path, G_FILE_TEST_IS_DIR)) {
		replay_file(r, path);
		return;
	}
	dir = g_dir_open(path, 0, NULL);
	names = g_ptr_array_new_with_free_func(g_free);
	while (dir && (name = g_dir_read_name(dir)))
		if (*name != '.')
			g_ptr_array_add(names, g_build_filename(path, name, NULL));
	g_ptr_array_sort(names, compare_names);
	for (guint i = 0; i < names->len; i++)
		replay_path(r, g_ptr_array_index(names, i));
}

int main(int argc, char **argv)
{
	Replay r = { .known = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL) };
	int first = 1;

	if (argc > 2 && g_str_equal(argv[1], "--known-crashes")) {
		load_known(&r, argv[2]);
		first = 3;
	}
	if (first >= argc) {
		fprintf(stderr, "usage: %s [--known-crashes LIST] PATH...\n", argv[0]);
		return 2;
	}
	for (int i = first; i < argc; i++) {
		if (!g_file_test(argv[i], G_FILE_TEST_EXISTS)) {
			fprintf(stderr, "replay: %s does not exist\n", argv[i]);
			r.failed++;
			continue;
		}
		replay_path(&r, argv[i]);
	}
	printf("replay: %u passed, %u failed, %u known crashes still crash, %u known crashes fixed\n",
	       r.passed, r.failed, r.xfailed, r.xpassed);
	g_hash_table_unref(r.known);
	return r.failed ? 1 : 0;
}
