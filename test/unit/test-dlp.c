// SPDX-License-Identifier: Apache-2.0
/* The discovery log page reader (dlp.h) against a scripted DC: which commands
 * it sends, with which RAE bit, and what it makes of a hostile header. */
#include <libnvme.h>
#include <string.h>

#include "stas/dlp.h"
#include "testutil.h"

/* A DC's log page, and a trace of every Get Log Page command it received. */
typedef struct {
	guint64 genctr;
	guint64 numrec;	  /* what the header says */
	guint real;	  /* entries that exist behind it */
	guint bump_every; /* genctr++ every this many commands (0 = never) */
	guint bump_at;	  /* genctr++ once, at this command (0 = never) */
	gboolean fail_entries;
	GString *trace; /* "H1 E1:4096 H0 " : header/entries, RAE bit */
	guint commands;
} FakeDc;

static gboolean dc_read(gpointer data, guint64 offset, guint32 len, gboolean rae, void *buf, GError **error)
{
	FakeDc *dc = data;
	guint8 *out = buf;

	dc->commands++;
	if ((dc->bump_every && dc->commands % dc->bump_every == 0) || dc->commands == dc->bump_at)
		dc->genctr++;
	memset(buf, 0, len);
	if (offset == 0) {
		struct nvmf_discovery_log *hdr = buf;

		ck_assert_uint_eq(len, STAS_DLP_HEADER_SIZE);
		hdr->genctr = GUINT64_TO_LE(dc->genctr);
		hdr->numrec = GUINT64_TO_LE(dc->numrec);
		g_string_append_printf(dc->trace, "H%d ", rae ? 1 : 0);
		return TRUE;
	}
	g_string_append_printf(dc->trace, "E%d:%u ", rae ? 1 : 0, len);
	if (dc->fail_entries) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "I/O error");
		return FALSE;
	}
	ck_assert_uint_ge(offset, STAS_DLP_HEADER_SIZE);
	for (guint32 i = 0; i < len; i += STAS_DLP_ENTRY_SIZE) {
		guint64 index = (offset - STAS_DLP_HEADER_SIZE + i) / STAS_DLP_ENTRY_SIZE;
		struct nvmf_disc_log_entry *e = (void *)(out + i);

		if (index >= dc->real)
			continue;
		e->trtype = NVMF_TRTYPE_TCP;
		e->adrfam = NVMF_ADDR_FAMILY_IP4;
		e->subtype = NVME_NQN_NVME;
		snprintf(e->traddr, sizeof(e->traddr), "10.0.0.%u", (guint)(index % 250) + 1);
		snprintf(e->trsvcid, sizeof(e->trsvcid), "4420");
		snprintf(e->subnqn, sizeof(e->subnqn), "nqn.2024-01.io.example:s%" G_GUINT64_FORMAT, index);
	}
	return TRUE;
}

static FakeDc *dc_new(guint numrec)
{
	FakeDc *dc = g_new0(FakeDc, 1);

	dc->genctr = 7;
	dc->numrec = numrec;
	dc->real = numrec;
	dc->trace = g_string_new(NULL);
	return dc;
}

static void dc_free(FakeDc *dc)
{
	g_string_free(dc->trace, TRUE);
	g_free(dc);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC(FakeDc, dc_free)

START_TEST(test_dlp_three_entries_header_entries_header_rae_cleared_last)
{
	g_autoptr(FakeDc) dc = dc_new(3);
	g_autoptr(GError) error = NULL;
	g_autoptr(StasDlp) dlp = stas_dlp_read(dc_read, dc, &error);
	g_autoptr(GPtrArray) dicts = NULL;

	ck_assert_ptr_nonnull(dlp);
	ck_assert_str_eq(dc->trace->str, "H1 E1:3072 H0 ");
	ck_assert_uint_eq(dlp->genctr, 7);
	dicts = stas_dlp_dicts(dlp);
	ck_assert_uint_eq(dicts->len, 3);
	ck_assert_str_eq(g_hash_table_lookup(g_ptr_array_index(dicts, 2), "subnqn"),
			 "nqn.2024-01.io.example:s2");
}
END_TEST

/* More than one 4 KiB chunk: every chunk retains the event, only the last
 * command of the sequence releases it (libnvme < 1.5 never did). */
START_TEST(test_dlp_hundred_entries_in_chunks_only_last_command_clears_rae)
{
	g_autoptr(FakeDc) dc = dc_new(100);
	g_autoptr(StasDlp) dlp = stas_dlp_read(dc_read, dc, NULL);
	g_autoptr(GString) want = g_string_new("H1 ");

	ck_assert_ptr_nonnull(dlp);
	for (guint i = 0; i < 25; i++)
		g_string_append(want, "E1:4096 ");
	g_string_append(want, "H0 ");
	ck_assert_str_eq(dc->trace->str, want->str);
	ck_assert_uint_eq(dlp->numrec, 100);
}
END_TEST

START_TEST(test_dlp_empty_log_still_releases_the_event)
{
	g_autoptr(FakeDc) dc = dc_new(0);
	g_autoptr(StasDlp) dlp = stas_dlp_read(dc_read, dc, NULL);
	g_autoptr(GPtrArray) dicts = NULL;

	ck_assert_ptr_nonnull(dlp);
	ck_assert_str_eq(dc->trace->str, "H1 H0 ");
	dicts = stas_dlp_dicts(dlp);
	ck_assert_uint_eq(dicts->len, 0);
}
END_TEST

/* libnvme 1.3 truncated 1024 + 1024 * 0x400000 to 32 bits and walked 4 M
 * entries past a 1 KiB buffer (review-stafd #1). */
START_TEST(test_dlp_huge_numrec_is_refused_without_reading_entries)
{
	g_autoptr(FakeDc) dc = dc_new(3);
	g_autoptr(GError) error = NULL;
	g_autoptr(StasDlp) dlp = NULL;

	dc->numrec = 0x400000;
	dlp = stas_dlp_read(dc_read, dc, &error);
	ck_assert_ptr_null(dlp);
	ck_assert(g_error_matches(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA));
	ck_assert_ptr_nonnull(strstr(error->message, "4194304"));
	ck_assert_str_eq(dc->trace->str, "H1 H0 ");
}
END_TEST

START_TEST(test_dlp_numrec_at_the_cap_is_read)
{
	g_autoptr(FakeDc) dc = dc_new(STAS_DLP_MAX_RECORDS);
	g_autoptr(StasDlp) dlp = stas_dlp_read(dc_read, dc, NULL);

	ck_assert_ptr_nonnull(dlp);
	ck_assert_uint_eq(dc->commands, 2 + STAS_DLP_MAX_RECORDS * STAS_DLP_ENTRY_SIZE / STAS_DLP_CHUNK);
}
END_TEST

/* The generation counter moves under the reader once: read again. */
START_TEST(test_dlp_genctr_change_restarts_the_sequence)
{
	g_autoptr(FakeDc) dc = dc_new(5);
	g_autoptr(StasDlp) dlp = NULL;

	dc->bump_at = 3; /* H1 E1 E1 [bump] H0 -> mismatch; then stable */
	dlp = stas_dlp_read(dc_read, dc, NULL);
	ck_assert_ptr_nonnull(dlp);
	ck_assert_str_eq(dc->trace->str, "H1 E1:4096 E1:1024 H0 H1 E1:4096 E1:1024 H0 ");
	ck_assert_uint_eq(dlp->genctr, 8);
}
END_TEST

START_TEST(test_dlp_genctr_always_changing_gives_up_with_rae_cleared)
{
	g_autoptr(FakeDc) dc = dc_new(1);
	g_autoptr(GError) error = NULL;
	g_autoptr(StasDlp) dlp = NULL;

	dc->bump_every = 1;
	dlp = stas_dlp_read(dc_read, dc, &error);
	ck_assert_ptr_null(dlp);
	ck_assert(g_error_matches(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA));
	ck_assert_uint_eq(dc->commands, 3 * STAS_DLP_MAX_TRIES);
	ck_assert(g_str_has_suffix(dc->trace->str, "H0 "));
}
END_TEST

START_TEST(test_dlp_command_failure_is_reported)
{
	g_autoptr(FakeDc) dc = dc_new(3);
	g_autoptr(GError) error = NULL;
	g_autoptr(StasDlp) dlp = NULL;

	dc->fail_entries = TRUE;
	dlp = stas_dlp_read(dc_read, dc, &error);
	ck_assert_ptr_null(dlp);
	ck_assert_str_eq(error->message, "I/O error");
}
END_TEST

/* Fewer real entries than numrec: the rest read as empty placeholders. */
START_TEST(test_dlp_placeholder_entries_are_dropped)
{
	g_autoptr(FakeDc) dc = dc_new(4);
	g_autoptr(StasDlp) dlp = NULL;
	g_autoptr(GPtrArray) dicts = NULL;

	dc->real = 1;
	dlp = stas_dlp_read(dc_read, dc, NULL);
	dicts = stas_dlp_dicts(dlp);
	ck_assert_uint_eq(dicts->len, 1);
}
END_TEST

/* A resync's question: one header read, which also releases the event. */
START_TEST(test_dlp_genctr_alone_is_one_header_read_clearing_rae)
{
	g_autoptr(FakeDc) dc = dc_new(100);
	guint64 genctr = 0;

	dc->genctr = 77;
	ck_assert(stas_dlp_read_genctr(dc_read, dc, &genctr, NULL));
	ck_assert_uint_eq(genctr, 77);
	ck_assert_str_eq(dc->trace->str, "H0 ");
}
END_TEST

static Suite *dlp_suite(void)
{
	Suite *s = suite_create("dlp");
	TCase *tc = tcase_create("read");

	tcase_add_test(tc, test_dlp_three_entries_header_entries_header_rae_cleared_last);
	tcase_add_test(tc, test_dlp_hundred_entries_in_chunks_only_last_command_clears_rae);
	tcase_add_test(tc, test_dlp_empty_log_still_releases_the_event);
	tcase_add_test(tc, test_dlp_huge_numrec_is_refused_without_reading_entries);
	tcase_add_test(tc, test_dlp_numrec_at_the_cap_is_read);
	tcase_add_test(tc, test_dlp_genctr_change_restarts_the_sequence);
	tcase_add_test(tc, test_dlp_genctr_always_changing_gives_up_with_rae_cleared);
	tcase_add_test(tc, test_dlp_command_failure_is_reported);
	tcase_add_test(tc, test_dlp_placeholder_entries_are_dropped);
	tcase_add_test(tc, test_dlp_genctr_alone_is_one_header_read_clearing_rae);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return tu_run(dlp_suite());
}
