// SPDX-License-Identifier: Apache-2.0
/*
 * Problems found in configuration files. Collected rather than logged on the
 * spot so that the same parser serves a daemon (which logs them) and
 * --check-config (which prints them as FILE:LINE: message).
 */
#include <stdarg.h>

#include "stas/log.h"
#include "stas/problem.h"
#include "stas/secret.h"

static void problem_free(gpointer data)
{
	StasProblem *problem = data;

	g_free(problem->file);
	g_free(problem->section);
	g_free(problem->option);
	g_free(problem->message);
	g_free(problem);
}

StasProblems *stas_problems_new(void)
{
	return g_ptr_array_new_with_free_func(problem_free);
}

void stas_problems_free(StasProblems *problems)
{
	if (problems)
		g_ptr_array_unref(problems);
}

/* @text with any DHHC- token masked; text without one stays as it is. */
static char *masked(const char *text)
{
	if (!text)
		return NULL;
	return stas_secret_in_text(text) ? stas_secret_mask(text) : g_strdup(text);
}

void stas_problems_add(StasProblems *problems, const char *file, guint line, const char *section,
		       const char *option, const char *fmt, ...)
{
	g_autofree char *message = NULL;
	StasProblem *problem;
	va_list ap;

	if (!problems)
		return;
	problem = g_new0(StasProblem, 1);
	problem->file = g_strdup(file);
	problem->line = line;
	/* Problems are logged and pasted into tickets: whatever part of a line
	 * they quote (a section or option name, an excerpt, a value) never shows
	 * a secret (fuzz F7; a section header may hold a DHHC- token too). */
	problem->section = masked(section);
	problem->option = masked(option);
	va_start(ap, fmt);
	message = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	problem->message = masked(message);
	g_ptr_array_add(problems, problem);
}

static gint by_line(gconstpointer a, gconstpointer b)
{
	const StasProblem *x = *(const StasProblem *const *)a;
	const StasProblem *y = *(const StasProblem *const *)b;

	return (x->line > y->line) - (x->line < y->line);
}

void stas_problems_sort(StasProblems *problems)
{
	g_ptr_array_sort(problems, by_line);
}

char *stas_problem_to_string(const StasProblem *problem)
{
	GString *str = g_string_new(problem->file ? problem->file : "(unnamed)");

	if (problem->line)
		g_string_append_printf(str, ":%u", problem->line);
	g_string_append(str, ": ");
	if (problem->section)
		g_string_append_printf(str, "[%s] ", problem->section);
	if (problem->option)
		g_string_append_printf(str, "%s: ", problem->option);
	g_string_append(str, problem->message);
	return g_string_free(str, FALSE);
}

void stas_problems_log(const StasProblems *problems)
{
	for (guint i = 0; i < problems->len; i++) {
		g_autofree char *text = stas_problem_to_string(g_ptr_array_index(problems, i));

		stas_warn("%s", text);
	}
}
