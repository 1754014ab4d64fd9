// SPDX-License-Identifier: Apache-2.0
/*
 * The metrics file ([Global] metrics-file): the daemon's counters in the
 * Prometheus text format, for node_exporter's textfile collector (point
 * --collector.textfile.directory at its directory; the name must end in
 * .prom). Written every STAS_METRICS_PERIOD_S at most and only when the
 * text changed, off the main loop, atomically (a temporary file in the same
 * directory renamed over it), so the collector never reads half a file.
 */
#include <glib/gstdio.h>

#include "service-private.h"

#define STAS_METRICS_PERIOD_S 5.0

struct _StasMetricsFile {
	StasService *svc;
	char *path;
	StasTimer *timer;
	char *written;	  /* the text of the last successful write */
	gboolean writing; /* a write is in flight (the next period waits for it) */
	char *error;	  /* the last error logged, so that a failing disk logs once */
	gboolean closed;  /* the daemon let go: a write in flight frees the object */
};

typedef struct {
	StasMetricsFile *file;
	char *path;
	char *text;
} Write;

static void metrics_file_free(StasMetricsFile *file)
{
	stas_timer_free(file->timer);
	g_free(file->path);
	g_free(file->written);
	g_free(file->error);
	g_free(file);
}

static void write_worker(GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
	Write *w = data;
	GError *error = NULL;

	if (g_file_set_contents_full(w->path, w->text, -1, G_FILE_SET_CONTENTS_CONSISTENT, 0644, &error))
		g_task_return_boolean(task, TRUE);
	else
		g_task_return_error(task, error);
}

static void write_free(Write *w)
{
	g_free(w->path);
	g_free(w->text);
	g_free(w);
}

static void on_written(GObject *source, GAsyncResult *res, gpointer data)
{
	Write *w = g_task_get_task_data(G_TASK(res));
	StasMetricsFile *file = w->file;
	g_autoptr(GError) error = NULL;

	file->writing = FALSE;
	if (file->closed) {
		metrics_file_free(file);
		return;
	}
	if (g_task_propagate_boolean(G_TASK(res), &error)) {
		g_free(file->written);
		file->written = g_strdup(w->text);
		g_clear_pointer(&file->error, g_free);
	} else if (g_strcmp0(file->error, error->message) != 0) {
		stas_warn("Cannot write the metrics file: %s (retrying every %.0f s)", error->message,
			  STAS_METRICS_PERIOD_S);
		g_free(file->error);
		file->error = g_strdup(error->message);
	}
}

static gboolean on_period(gpointer data)
{
	StasMetricsFile *file = data;
	g_autofree char *text = NULL;
	g_autoptr(GTask) task = NULL;
	Write *w;

	stas_timer_start(file->timer);
	if (file->writing)
		return G_SOURCE_REMOVE;
	text = stas_service_metrics(file->svc);
	if (g_strcmp0(text, file->written) == 0)
		return G_SOURCE_REMOVE;
	w = g_new0(Write, 1);
	w->file = file;
	w->path = g_strdup(file->path);
	w->text = g_steal_pointer(&text);
	task = g_task_new(NULL, NULL, on_written, NULL);
	g_task_set_task_data(task, w, (GDestroyNotify)write_free);
	file->writing = TRUE;
	g_task_run_in_thread(task, write_worker);
	return G_SOURCE_REMOVE;
}

static void metrics_file_close(StasMetricsFile *file)
{
	if (!file)
		return;
	if (file->writing) {
		file->closed = TRUE; /* on_written frees it */
		stas_timer_stop(file->timer);
		return;
	}
	metrics_file_free(file);
}

void stas_service_metrics_configure(StasService *svc)
{
	const char *path = stas_conf_get_path(svc->conf, STAS_OPT_METRICS_FILE);
	StasMetricsFile *file = svc->metrics_file;

	if (file && g_strcmp0(file->path, path) == 0)
		return;
	g_clear_pointer(&svc->metrics_file, metrics_file_close);
	if (!path)
		return;
	file = g_new0(StasMetricsFile, 1);
	file->svc = svc;
	file->path = g_strdup(path);
	file->timer = stas_timer_new(STAS_METRICS_PERIOD_S, on_period, file);
	svc->metrics_file = file;
	stas_info("Writing metrics to %s (every %.0f s when they change)", path, STAS_METRICS_PERIOD_S);
	stas_timer_expire_now(file->timer);
}

void stas_service_metrics_close(StasService *svc)
{
	g_clear_pointer(&svc->metrics_file, metrics_file_close);
}
