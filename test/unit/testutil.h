/* SPDX-License-Identifier: Apache-2.0 */
/* Helpers shared by the unit tests: scratch directories and problem lookups. */
#pragma once

#include <check.h>
#include <glib.h>

#include "stas/problem.h"

/* A fresh directory under $TMPDIR; removed by tu_rmtree(). */
char *tu_tmpdir(void);
void tu_rmtree(const char *dir);
/* Writes @len bytes of @text (-1: strlen) to @dir/@name, returns the path. */
char *tu_write(const char *dir, const char *name, const char *text, gssize len);
/* The first problem on @line whose message contains @needle, or NULL. */
const StasProblem *tu_find_problem(const StasProblems *problems, guint line, const char *needle);
/* Runs @suite and returns the process exit status. */
int tu_run(Suite *suite);
