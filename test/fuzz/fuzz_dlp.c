// SPDX-License-Identifier: Apache-2.0
/*
 * The Get Log Page sequence (dlp.h) against a hostile discovery controller:
 * any header (numrec, genctr), a log page that changes between commands,
 * commands that fail. Whatever the DC does, the reader never asks beyond
 * what it may hold, a log page it accepts was read in full and ended with
 * RAE cleared (so the next AEN comes), and its entries read as dictionaries.
 *
 * Input: a count byte K (0-15), K behaviour bytes (one per command, cycled:
 * 0xff fails the command; bit 0 bumps genctr, bit 1 bumps numrec, after
 * the command), then the log page image: a 1024-byte header and the
 * entries, zeros beyond the end.
 */
#include <libnvme.h>
#include <string.h>

#include "fuzz.h"
#include "stas/dlp.h"
#include "stas/dlpe.h"

typedef struct {
	const guint8 *script;
	guint script_len;
	guint8 *image;
	size_t image_len;
	guint calls;
	gboolean last_rae;
} FakeDc;

static void bump(FakeDc *dc, size_t offset)
{
	guint64 v;

	memcpy(&v, dc->image + offset, sizeof(v));
	v = GUINT64_TO_LE(GUINT64_FROM_LE(v) + 1);
	memcpy(dc->image + offset, &v, sizeof(v));
}

static gboolean dc_read(gpointer ctx, guint64 offset, guint32 len, gboolean rae, void *buf, GError **error)
{
	FakeDc *dc = ctx;
	guint8 what = dc->script_len ? dc->script[dc->calls % dc->script_len] : 0;

	dc->calls++;
	dc->last_rae = rae;
	/* A command longer than a chunk, or past the largest page accepted. */
	fuzz_assert(len <= STAS_DLP_CHUNK);
	fuzz_assert(offset + len <=
		    STAS_DLP_HEADER_SIZE + (guint64)STAS_DLP_MAX_RECORDS * STAS_DLP_ENTRY_SIZE);
	/* Each try: two headers and the entries in chunks; then a last header. */
	fuzz_assert(dc->calls <=
		    STAS_DLP_MAX_TRIES * (2 + STAS_DLP_MAX_RECORDS * STAS_DLP_ENTRY_SIZE / STAS_DLP_CHUNK) +
			    1);
	if (what == 0xff) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "fuzz: command %u fails", dc->calls);
		return FALSE;
	}
	memset(buf, 0, len);
	if (offset < dc->image_len)
		memcpy(buf, dc->image + offset, MIN((guint64)len, dc->image_len - offset));
	if (what & 1)
		bump(dc, offsetof(struct nvmf_discovery_log, genctr));
	if (what & 2)
		bump(dc, offsetof(struct nvmf_discovery_log, numrec));
	return TRUE;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	FuzzInput in = { data, size };
	guint script_len = fuzz_byte(&in) % 16;
	FakeDc dc = { 0 };
	g_autoptr(GError) error = NULL;
	g_autoptr(StasDlp) dlp = NULL;
	g_autoptr(GPtrArray) dicts = NULL;

	fuzz_init();
	script_len = MIN(script_len, in.size);
	dc.script = in.data;
	dc.script_len = script_len;
	in.data += script_len;
	in.size -= script_len;
	/* The image is writable (genctr and numrec change) and at least a header. */
	dc.image_len = MAX(in.size, (size_t)STAS_DLP_HEADER_SIZE);
	dc.image = g_malloc0(dc.image_len);
	if (in.size)
		memcpy(dc.image, in.data, in.size);

	dlp = stas_dlp_read(dc_read, &dc, &error);
	if (!dlp) {
		fuzz_assert(error != NULL);
	} else {
		fuzz_assert(!dc.last_rae);
		fuzz_assert(dlp->numrec <= STAS_DLP_MAX_RECORDS);
		dicts = stas_dlp_dicts(dlp);
		fuzz_assert(dicts->len <= dlp->numrec);
		for (guint i = 0; i < dicts->len; i++)
			fuzz_assert(g_utf8_validate(
				g_hash_table_lookup(g_ptr_array_index(dicts, i), "traddr"), -1, NULL));
	}
	g_free(dc.image);
	return 0;
}
