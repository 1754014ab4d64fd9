// SPDX-License-Identifier: Apache-2.0
/*
 * The Get Log Page sequence of dlp.h. Offsets and sizes are computed in 64
 * bits and bounded before use, whatever the DC's header says.
 */
#include <libnvme.h>
#include <string.h>

#include "stas/dlp.h"
#include "stas/dlpe.h"

G_STATIC_ASSERT(sizeof(struct nvmf_disc_log_entry) == STAS_DLP_ENTRY_SIZE);
G_STATIC_ASSERT(sizeof(struct nvmf_discovery_log) == STAS_DLP_HEADER_SIZE);

void stas_dlp_free(StasDlp *dlp)
{
	if (!dlp)
		return;
	g_free(dlp->entries);
	g_free(dlp);
}

typedef struct {
	guint64 genctr;
	guint64 numrec;
} Header;

static gboolean read_header(StasDlpReadFunc read, gpointer ctx, gboolean rae, Header *hdr, GError **error)
{
	g_autofree struct nvmf_discovery_log *log = g_malloc0(STAS_DLP_HEADER_SIZE);

	if (!read(ctx, 0, STAS_DLP_HEADER_SIZE, rae, log, error))
		return FALSE;
	hdr->genctr = GUINT64_FROM_LE(log->genctr);
	hdr->numrec = GUINT64_FROM_LE(log->numrec);
	return TRUE;
}

/* The entries after the header, in chunks, all retaining the event. */
static gboolean read_entries(StasDlpReadFunc read, gpointer ctx, guint8 *buf, guint64 size, GError **error)
{
	for (guint64 done = 0; done < size;) {
		guint32 len = (guint32)MIN(size - done, (guint64)STAS_DLP_CHUNK);

		if (!read(ctx, STAS_DLP_HEADER_SIZE + done, len, TRUE, buf + done, error))
			return FALSE;
		done += len;
	}
	return TRUE;
}

StasDlp *stas_dlp_read(StasDlpReadFunc read, gpointer ctx, GError **error)
{
	for (guint attempt = 0; attempt < STAS_DLP_MAX_TRIES; attempt++) {
		g_autoptr(StasDlp) dlp = g_new0(StasDlp, 1);
		Header first, last;

		if (!read_header(read, ctx, TRUE, &first, error))
			return NULL;
		if (first.numrec > STAS_DLP_MAX_RECORDS) {
			/* Still release the event: the DC may fix its log page later and
			 * must then be able to tell us. */
			read_header(read, ctx, FALSE, &last, NULL);
			g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
				    "the DC reports %" G_GUINT64_FORMAT " log page entries, more than the %u "
				    "stas accepts; log page refused",
				    first.numrec, STAS_DLP_MAX_RECORDS);
			return NULL;
		}
		dlp->genctr = first.genctr;
		dlp->numrec = first.numrec;
		dlp->entries = g_malloc0(MAX(first.numrec, 1) * STAS_DLP_ENTRY_SIZE);
		if (!read_entries(read, ctx, dlp->entries, first.numrec * STAS_DLP_ENTRY_SIZE, error))
			return NULL;
		/* The last command of every sequence clears RAE. */
		if (!read_header(read, ctx, FALSE, &last, error))
			return NULL;
		if (last.genctr == first.genctr && last.numrec == first.numrec)
			return g_steal_pointer(&dlp);
	}
	g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
		    "the log page changed during each of %u reads (generation counter); giving up for now",
		    STAS_DLP_MAX_TRIES);
	return NULL;
}

gboolean stas_dlp_read_genctr(StasDlpReadFunc read, gpointer ctx, guint64 *genctr, GError **error)
{
	Header hdr;

	if (!read_header(read, ctx, FALSE, &hdr, error))
		return FALSE;
	*genctr = hdr.genctr;
	return TRUE;
}

GPtrArray *stas_dlp_dicts(const StasDlp *dlp)
{
	GPtrArray *dicts = g_ptr_array_new_with_free_func((GDestroyNotify)g_hash_table_unref);
	const struct nvmf_disc_log_entry *entries = (const void *)dlp->entries;

	for (guint64 i = 0; i < dlp->numrec; i++) {
		g_autoptr(GHashTable) dict = stas_dlpe_to_dict(&entries[i]);

		/* Some CDCs report entries without a usable address. */
		if (!stas_dlpe_is_placeholder(g_hash_table_lookup(dict, "traddr")))
			g_ptr_array_add(dicts, g_steal_pointer(&dict));
	}
	return dicts;
}
