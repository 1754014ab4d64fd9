// SPDX-License-Identifier: Apache-2.0
/* Helpers shared by the unit tests. */
#include <errno.h>
#include <glib/gstdio.h>
#include <string.h>

#include "testutil.h"

char *tu_tmpdir(void)
{
	g_autoptr(GError) error = NULL;
	char *dir = g_dir_make_tmp("stas-test-XXXXXX", &error);

	ck_assert_msg(dir, "cannot make a scratch directory: %s", error ? error->message : "?");
	return dir;
}

void tu_rmtree(const char *dir)
{
	g_autoptr(GDir) d = NULL;
	const char *name;

	if (!dir)
		return;
	d = g_dir_open(dir, 0, NULL);
	while (d && (name = g_dir_read_name(d))) {
		g_autofree char *path = g_build_filename(dir, name, NULL);

		if (g_file_test(path, G_FILE_TEST_IS_DIR) && !g_file_test(path, G_FILE_TEST_IS_SYMLINK))
			tu_rmtree(path);
		else
			g_unlink(path);
	}
	g_rmdir(dir);
}

char *tu_write(const char *dir, const char *name, const char *text, gssize len)
{
	g_autoptr(GError) error = NULL;
	char *path = g_build_filename(dir, name, NULL);

	ck_assert_msg(g_file_set_contents(path, text, len, &error), "cannot write %s: %s", path,
		      error ? error->message : "?");
	return path;
}

const StasProblem *tu_find_problem(const StasProblems *problems, guint line, const char *needle)
{
	for (guint i = 0; i < problems->len; i++) {
		const StasProblem *problem = g_ptr_array_index(problems, i);

		if (problem->line == line && strstr(problem->message, needle))
			return problem;
	}
	return NULL;
}

int tu_run(Suite *suite)
{
	SRunner *runner = srunner_create(suite);
	int failed;

	srunner_run_all(runner, CK_ENV);
	failed = srunner_ntests_failed(runner);
	srunner_free(runner);
	return failed ? 1 : 0;
}
