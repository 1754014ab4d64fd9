/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Reading a Discovery Log Page (LID 0x70) with a Get Log Page sequence of our
 * own, so that no DC, buggy or hostile, can crash or deafen the reader:
 *  - the header first; a record count above STAS_DLP_MAX_RECORDS is refused
 *    before anything is allocated for it (libnvme 1.3 truncated the size to
 *    32 bits and walked past a 1 KiB buffer);
 *  - the entries in chunks of STAS_DLP_CHUNK bytes, all with RAE=1;
 *  - the header again, with RAE=0 (Retain Asynchronous Event cleared), so the
 *    DC unmasks the discovery-change AEN (libnvme < 1.5 set RAE on every
 *    chunk, and the target never sent a second AEN); a generation counter or
 *    record count that changed meanwhile starts the sequence again.
 * The sequence runs over a read callback, so it is pure logic: the kernel
 * layer passes Get Log Page commands, tests and fuzzers pass buffers.
 */
#pragma once

#include <gio/gio.h>

#define STAS_DLP_HEADER_SIZE 1024u
#define STAS_DLP_ENTRY_SIZE  1024u
/* 16 MiB of entries: far more than any fabric lists, small enough to hold. */
#define STAS_DLP_MAX_RECORDS 16384u
#define STAS_DLP_CHUNK	     4096u
#define STAS_DLP_MAX_TRIES   6

/* One Get Log Page command: @len bytes at byte @offset into @buf, with RAE
 * (retain the asynchronous event) set or not. FALSE with @error set on
 * failure. */
typedef gboolean (*StasDlpReadFunc)(gpointer ctx, guint64 offset, guint32 len, gboolean rae, void *buf,
				    GError **error);

typedef struct {
	guint64 genctr;
	guint64 numrec;
	guint8 *entries; /* numrec * STAS_DLP_ENTRY_SIZE bytes, raw */
} StasDlp;

void stas_dlp_free(StasDlp *dlp);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(StasDlp, stas_dlp_free)

/* Runs the sequence. On error the message says what the DC did wrong
 * (G_IO_ERROR_INVALID_DATA) or why a command failed (the callback's error). */
StasDlp *stas_dlp_read(StasDlpReadFunc read, gpointer ctx, GError **error);
/* Only the generation counter, with one header read that clears RAE: what
 * a resync asks before deciding whether the page must be read again. */
gboolean stas_dlp_read_genctr(StasDlpReadFunc read, gpointer ctx, guint64 *genctr, GError **error);
/* The entries as DLPE dictionaries (dlpe.h), placeholder addresses dropped. */
GPtrArray *stas_dlp_dicts(const StasDlp *dlp);
