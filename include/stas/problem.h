/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A problem found in a configuration file: where it is and what is wrong.
 * Parsers never stop at bad input; they record problems here and go on with
 * the default, so that a daemon logs them and --check-config prints them.
 */
#pragma once

#include <glib.h>

typedef struct {
	char *file;
	guint line;    /* 0 when the problem has no single line */
	char *section; /* may be NULL */
	char *option;  /* may be NULL */
	char *message; /* says what is wrong, what is accepted and what is done */
} StasProblem;

typedef GPtrArray StasProblems; /* of StasProblem* */

StasProblems *stas_problems_new(void);
void stas_problems_free(StasProblems *problems);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(StasProblems, stas_problems_free)

void stas_problems_add(StasProblems *problems, const char *file, guint line, const char *section,
		       const char *option, const char *fmt, ...) G_GNUC_PRINTF(6, 7);
/* Logs each problem as a warning, "FILE:LINE: [Section] option: message". */
void stas_problems_log(const StasProblems *problems);
/* Orders the problems by line (stable: problems of one line keep their order). */
void stas_problems_sort(StasProblems *problems);
/* "FILE:LINE: [Section] option: message" (parts that are unset are left out). */
char *stas_problem_to_string(const StasProblem *problem);
