// SPDX-License-Identifier: Apache-2.0
/*
 * Host identity from sys.conf (SPEC §2.3): precedence of explicit values,
 * file:// paths and the /etc/nvme defaults, and the exact fatal messages,
 * ported from nvme-stas's SysConf tests.
 */
#include <glib/gstdio.h>
#include <sys/stat.h>
#include <string.h>

#include "stas/host.h"
#include "stas/paths.h"
#include "testutil.h"

#define NQN "nqn.2014-08.org.nvmexpress:uuid:9aae2691-b275-4b64-8bfe-5da429a2bab9"
#define ID  "46ba9c4d-53be-4d3c-bdfa-1c5b5b5a5e4f"

static char *dir;
static char *nvme_dir;

static void setup(void)
{
	dir = tu_tmpdir();
	nvme_dir = g_build_filename(dir, "nvme", NULL);
	g_mkdir(nvme_dir, 0755);
	g_setenv("STAS_NVME_DIR", nvme_dir, TRUE);
	g_setenv("STAS_CONF_DIR", dir, TRUE);
}

static void teardown(void)
{
	tu_rmtree(dir);
	g_free(dir);
	g_free(nvme_dir);
}

static void write_defaults(void)
{
	g_free(tu_write(nvme_dir, "hostnqn", NQN "\n", -1));
	g_free(tu_write(nvme_dir, "hostid", ID "\n", -1));
}

static StasHost *load_text(const char *sys_conf_text, StasProblems *problems, GError **error)
{
	g_autofree char *path = tu_write(dir, "sys.conf", sys_conf_text, -1);

	return stas_host_load(path, problems, error);
}

START_TEST(test_host_full_section_read_back)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(StasHost) host = load_text("[Host]\nnqn=nqn.1988-11.com.example:host\nid=abc-id\n"
					     "key=DHHC-1:00:c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0MTIzNDU2:\n"
					     "symname=my lab host\n",
					     NULL, &error);

	ck_assert_ptr_nonnull(host);
	ck_assert_str_eq(host->nqn, "nqn.1988-11.com.example:host");
	ck_assert_str_eq(host->id, "abc-id");
	ck_assert_str_eq(host->key, "DHHC-1:00:c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0MTIzNDU2:");
	ck_assert_str_eq(host->symname, "my lab host"); /* literal values keep their spaces */
}
END_TEST

START_TEST(test_host_defaults_from_nvme_dir_without_sys_conf)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(StasHost) host = NULL;
	g_autofree char *missing = g_build_filename(dir, "absent.conf", NULL);

	write_defaults();
	g_free(tu_write(nvme_dir, "hostkey", "DHHC-1:00:a2V5:\n", -1));
	host = stas_host_load(missing, NULL, &error);
	ck_assert_ptr_nonnull(host);
	ck_assert_str_eq(host->nqn, NQN);
	ck_assert_str_eq(host->id, ID);
	ck_assert_str_eq(host->key, "DHHC-1:00:a2V5:");
	ck_assert_ptr_null(host->symname);
}
END_TEST

START_TEST(test_host_default_sys_conf_path_is_relocatable)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(StasHost) host = NULL;

	write_defaults();
	g_free(tu_write(dir, "sys.conf", "[Host]\nsymname=relocated\n", -1));
	host = stas_host_load(NULL, NULL, &error);
	ck_assert_ptr_nonnull(host);
	ck_assert_str_eq(host->symname, "relocated");
}
END_TEST

START_TEST(test_host_file_url_takes_first_word_of_first_line)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(StasHost) host = NULL;
	g_autofree char *nqn_file = tu_write(dir, "mynqn", "  nqn.2000-01.x:y second-word\nnqn.other\n", -1);
	g_autofree char *id_file = tu_write(dir, "myid", "the-id", -1);
	g_autofree char *sym_file = tu_write(dir, "mysym", "two words\n", -1);
	g_autofree char *text = g_strdup_printf("[Host]\nnqn=file://%s\nid=file://%s\nsymname=file://%s\n",
						nqn_file, id_file, sym_file);

	host = load_text(text, NULL, &error);
	ck_assert_ptr_nonnull(host);
	ck_assert_str_eq(host->nqn, "nqn.2000-01.x:y");
	ck_assert_str_eq(host->id, "the-id");
	ck_assert_str_eq(host->symname, "two");
}
END_TEST

START_TEST(test_host_explicit_path_does_not_fall_back_to_default_file)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(StasHost) host = NULL;

	write_defaults();
	host = load_text("[Host]\nnqn=file:///nonexistent/hostnqn\n", NULL, &error);
	ck_assert_ptr_null(host);
	ck_assert(g_error_matches(error, STAS_HOST_ERROR, STAS_HOST_ERROR_NQN));
	ck_assert_str_eq(error->message, "Error reading mandatory Host NQN (see stasadm --help): "
					 "No such file or directory: /nonexistent/hostnqn");
}
END_TEST

START_TEST(test_host_empty_optional_file_means_undefined)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(StasHost)
		host = load_text("[Host]\nnqn=nqn.x\nid=x\nsymname=file:///dev/null\n", NULL, &error);

	ck_assert_ptr_nonnull(host);
	ck_assert_ptr_null(host->symname);
}
END_TEST

/* Upstream exits for an explicit empty value too ("" does not start with "nqn."). */
START_TEST(test_host_explicit_empty_nqn_is_fatal)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(StasHost) host = NULL;

	write_defaults();
	host = load_text("[Host]\nnqn =\nid=x\n", NULL, &error);
	ck_assert_ptr_null(host);
	ck_assert(g_error_matches(error, STAS_HOST_ERROR, STAS_HOST_ERROR_NQN_FORMAT));
	ck_assert_str_eq(error->message, "Error Host NQN \"\" should start with \"nqn.\"");
}
END_TEST

/* A tool that truncates then writes leaves an empty file for a moment; that
 * must be an error (a reload keeps the identity), never "no Host NQN". */
START_TEST(test_host_empty_or_blank_nqn_file_is_fatal)
{
	const char *texts[] = { "", "\n", "  \t\n\n", "\nnqn.on.second.line\n" };

	g_free(tu_write(nvme_dir, "hostid", ID "\n", -1));
	for (guint i = 0; i < G_N_ELEMENTS(texts); i++) {
		g_autoptr(GError) error = NULL;
		g_autoptr(StasHost) host = NULL;

		g_free(tu_write(nvme_dir, "hostnqn", texts[i], -1));
		host = load_text("[Host]\n", NULL, &error);
		ck_assert_ptr_null(host);
		ck_assert(g_error_matches(error, STAS_HOST_ERROR, STAS_HOST_ERROR_NQN));
		ck_assert(g_str_has_prefix(error->message,
					   "Error reading mandatory Host NQN (see stasadm --help): "));
		ck_assert_ptr_nonnull(strstr(error->message, "hostnqn"));
	}
}
END_TEST

START_TEST(test_host_dev_null_nqn_is_fatal)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(StasHost) host = load_text("[Host]\nnqn=file:///dev/null\nid=x\n", NULL, &error);

	ck_assert_ptr_null(host);
	ck_assert(g_error_matches(error, STAS_HOST_ERROR, STAS_HOST_ERROR_NQN));
}
END_TEST

START_TEST(test_host_empty_id_is_fatal)
{
	const char *texts[] = { "[Host]\nid =\n", "[Host]\nid = file:///dev/null\n", "[Host]\n" };

	g_free(tu_write(nvme_dir, "hostnqn", NQN "\n", -1));
	g_free(tu_write(nvme_dir, "hostid", "\n", -1));
	for (guint i = 0; i < G_N_ELEMENTS(texts); i++) {
		g_autoptr(GError) error = NULL;
		g_autoptr(StasHost) host = load_text(texts[i], NULL, &error);

		ck_assert_ptr_null(host);
		ck_assert(g_error_matches(error, STAS_HOST_ERROR, STAS_HOST_ERROR_ID));
		ck_assert(g_str_has_prefix(error->message,
					   "Error reading mandatory Host ID (see stasadm --help): "));
	}
}
END_TEST

/* A FIFO would block open() for ever and /dev/zero would grow a line without
 * end; both are refused at once (the test's timeout catches a hang). */
START_TEST(test_host_fifo_and_endless_value_files_are_refused)
{
	g_autofree char *fifo = g_build_filename(dir, "fifo", NULL);
	g_autofree char *text = NULL;

	ck_assert_int_eq(mkfifo(fifo, 0600), 0);
	g_free(tu_write(nvme_dir, "hostid", ID "\n", -1));
	text = g_strdup_printf("[Host]\nnqn=file://%s\n", fifo);
	for (guint i = 0; i < 2; i++) {
		g_autoptr(GError) error = NULL;
		g_autoptr(StasHost)
			host = load_text(i ? "[Host]\nnqn=file:///dev/zero\n" : text, NULL, &error);

		ck_assert_ptr_null(host);
		ck_assert(g_error_matches(error, STAS_HOST_ERROR, STAS_HOST_ERROR_NQN));
		ck_assert_ptr_nonnull(strstr(error->message, "not a regular file"));
	}
}
END_TEST

START_TEST(test_host_fifo_key_is_reported_not_waited_for)
{
	g_autofree char *fifo = g_build_filename(dir, "fifo", NULL);
	g_autofree char *text = NULL;
	g_autoptr(StasProblems) problems = stas_problems_new();
	g_autoptr(StasHost) host = NULL;

	ck_assert_int_eq(mkfifo(fifo, 0600), 0);
	text = g_strdup_printf("[Host]\nnqn=nqn.x\nid=y\nkey=file://%s\n", fifo);
	host = load_text(text, problems, NULL);
	ck_assert_ptr_nonnull(host);
	ck_assert_ptr_null(host->key);
	ck_assert_ptr_nonnull(tu_find_problem(problems, 4, "not a regular file"));
}
END_TEST

START_TEST(test_host_value_file_first_line_is_bounded)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *big = g_strnfill(STAS_HOST_VALUE_LINE_MAX + 1, 'a');
	g_autofree char *path = NULL;
	g_autofree char *text = NULL;
	g_autoptr(StasHost) host = NULL;

	memcpy(big, "nqn.", 4);
	path = tu_write(dir, "bignqn", big, -1);
	text = g_strdup_printf("[Host]\nnqn=file://%s\nid=x\n", path);
	host = load_text(text, NULL, &error);
	ck_assert_ptr_null(host);
	ck_assert(g_error_matches(error, STAS_HOST_ERROR, STAS_HOST_ERROR_NQN));
	ck_assert_ptr_nonnull(strstr(error->message, "longer than"));
}
END_TEST

/* libnvme 1.3's DIM overflows its heap buffer for a 64 KiB name; the DIE
 * field is 256 bytes. */
START_TEST(test_host_symname_longer_than_256_bytes_is_dropped_and_reported)
{
	g_autoptr(StasProblems) problems = stas_problems_new();
	g_autofree char *name = g_strnfill(STAS_HOST_SYMNAME_MAX + 1, 'S');
	g_autofree char *text = g_strdup_printf("[Host]\nnqn=nqn.x\nid=y\nsymname=%s\n", name);
	g_autoptr(StasHost) host = load_text(text, problems, NULL);

	ck_assert_ptr_nonnull(host);
	ck_assert_ptr_null(host->symname);
	ck_assert_ptr_nonnull(tu_find_problem(problems, 4, "longer than 256 bytes"));
	name[STAS_HOST_SYMNAME_MAX] = '\0';
	g_free(text);
	text = g_strdup_printf("[Host]\nnqn=nqn.x\nid=y\nsymname=%s\n", name);
	stas_host_free(host);
	host = load_text(text, NULL, NULL);
	ck_assert_ptr_nonnull(host);
	ck_assert_str_eq(host->symname, name);
}
END_TEST

START_TEST(test_host_symname_with_control_characters_is_dropped_and_reported)
{
	g_autoptr(StasProblems) problems = stas_problems_new();
	g_autoptr(StasHost) host = load_text("[Host]\nnqn=nqn.x\nid=y\nsymname=a\x01b\n", problems, NULL);

	ck_assert_ptr_nonnull(host);
	ck_assert_ptr_null(host->symname);
	ck_assert_ptr_nonnull(tu_find_problem(problems, 4, "control character"));
}
END_TEST

START_TEST(test_host_non_utf8_nqn_file_is_fatal)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *path = tu_write(dir, "badnqn", "nqn.\xff\xfe\n", -1);
	g_autofree char *text = g_strdup_printf("[Host]\nnqn=file://%s\nid=x\n", path);
	g_autoptr(StasHost) host = load_text(text, NULL, &error);

	ck_assert_ptr_null(host);
	ck_assert(g_error_matches(error, STAS_HOST_ERROR, STAS_HOST_ERROR_NQN));
}
END_TEST

START_TEST(test_host_missing_id_is_fatal)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(StasHost) host = NULL;

	g_free(tu_write(nvme_dir, "hostnqn", NQN "\n", -1));
	host = load_text("[Host]\n", NULL, &error);
	ck_assert_ptr_null(host);
	ck_assert(g_error_matches(error, STAS_HOST_ERROR, STAS_HOST_ERROR_ID));
	ck_assert(g_str_has_prefix(error->message, "Error reading mandatory Host ID (see stasadm --help): "));
	ck_assert_ptr_nonnull(strstr(error->message, "hostid"));
}
END_TEST

START_TEST(test_host_missing_nqn_is_fatal)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(StasHost) host = NULL;

	g_free(tu_write(nvme_dir, "hostid", ID "\n", -1));
	host = load_text("[Host]\n", NULL, &error);
	ck_assert_ptr_null(host);
	ck_assert(g_error_matches(error, STAS_HOST_ERROR, STAS_HOST_ERROR_NQN));
}
END_TEST

START_TEST(test_host_nqn_must_start_with_nqn_dot)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(StasHost) host = load_text("[Host]\nnqn=nvme.bad\nid=x\n", NULL, &error);

	ck_assert_ptr_null(host);
	ck_assert(g_error_matches(error, STAS_HOST_ERROR, STAS_HOST_ERROR_NQN_FORMAT));
	ck_assert_str_eq(error->message, "Error Host NQN \"nvme.bad\" should start with \"nqn.\"");
}
END_TEST

START_TEST(test_host_nqn_longer_than_223_is_fatal)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *nqn = g_strnfill(224, 'a');
	g_autofree char *text = NULL;
	g_autoptr(StasHost) host = NULL;

	memcpy(nqn, "nqn.", 4);
	text = g_strdup_printf("[Host]\nnqn=%s\nid=x\n", nqn);
	host = load_text(text, NULL, &error);
	ck_assert_ptr_null(host);
	ck_assert(g_error_matches(error, STAS_HOST_ERROR, STAS_HOST_ERROR_NQN_FORMAT));
	nqn[223] = '\0';
	g_free(text);
	text = g_strdup_printf("[Host]\nnqn=%s\nid=x\n", nqn);
	stas_host_free(load_text(text, NULL, NULL));
	g_clear_error(&error);
	host = load_text(text, NULL, &error);
	ck_assert_ptr_nonnull(host);
}
END_TEST

START_TEST(test_host_missing_optional_files_are_undefined_and_reported)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(StasProblems) problems = stas_problems_new();
	g_autoptr(StasHost) host = load_text("[Host]\nnqn=nqn.x\nid=y\nsymname=file:///nonexistent/sym\n",
					     problems, &error);

	ck_assert_ptr_nonnull(host);
	ck_assert_ptr_null(host->key); /* no /etc/nvme/hostkey: normal, not reported */
	ck_assert_ptr_null(host->symname);
	ck_assert_ptr_nonnull(tu_find_problem(problems, 4, "/nonexistent/sym"));
	ck_assert_uint_eq(problems->len, 1);
}
END_TEST

START_TEST(test_host_unknown_sections_and_options_are_reported)
{
	g_autoptr(StasProblems) problems = stas_problems_new();
	g_autoptr(StasHost)
		host = load_text("[Host]\nnqn=nqn.x\nid=y\nname=z\n[Other]\na=b\n", problems, NULL);

	ck_assert_ptr_nonnull(host);
	ck_assert_ptr_nonnull(tu_find_problem(problems, 4, "unknown option"));
	ck_assert_ptr_nonnull(tu_find_problem(problems, 5, "unknown section"));
}
END_TEST

/* sys.conf values are single lines: an indented line after "nqn = ..." is
 * reported, and the value stays the one of the key line. */
START_TEST(test_host_continuation_line_is_reported_and_ignored)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(StasProblems) problems = stas_problems_new();
	g_autoptr(StasHost)
		host = load_text("[Host]\nnqn = nqn.x:y\n    continued\nid = z\n", problems, &error);

	ck_assert_msg(host, "%s", error ? error->message : "?");
	ck_assert_str_eq(host->nqn, "nqn.x:y");
	ck_assert_ptr_nonnull(tu_find_problem(problems, 3, "continuation"));
}
END_TEST

START_TEST(test_host_resolve_single_option)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *path = tu_write(dir, "sys.conf", "[Host]\nsymname = lab\n", -1);
	g_autofree char *symname = stas_host_resolve(path, "symname", &error);
	g_autofree char *key = stas_host_resolve(path, "key", NULL);

	ck_assert_str_eq(symname, "lab");
	ck_assert_ptr_null(key);
}
END_TEST

START_TEST(test_host_unreadable_sys_conf_is_an_error)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(StasHost) host = stas_host_load(dir, NULL, &error);

	ck_assert_ptr_null(host);
	ck_assert(g_error_matches(error, STAS_HOST_ERROR, STAS_HOST_ERROR_CONF));
}
END_TEST

int main(void)
{
	Suite *suite = suite_create("host");
	TCase *tc = tcase_create("host");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_host_full_section_read_back);
	tcase_add_test(tc, test_host_defaults_from_nvme_dir_without_sys_conf);
	tcase_add_test(tc, test_host_default_sys_conf_path_is_relocatable);
	tcase_add_test(tc, test_host_file_url_takes_first_word_of_first_line);
	tcase_add_test(tc, test_host_explicit_path_does_not_fall_back_to_default_file);
	tcase_add_test(tc, test_host_empty_optional_file_means_undefined);
	tcase_add_test(tc, test_host_explicit_empty_nqn_is_fatal);
	tcase_add_test(tc, test_host_empty_or_blank_nqn_file_is_fatal);
	tcase_add_test(tc, test_host_dev_null_nqn_is_fatal);
	tcase_add_test(tc, test_host_empty_id_is_fatal);
	tcase_add_test(tc, test_host_fifo_and_endless_value_files_are_refused);
	tcase_add_test(tc, test_host_fifo_key_is_reported_not_waited_for);
	tcase_add_test(tc, test_host_value_file_first_line_is_bounded);
	tcase_add_test(tc, test_host_symname_longer_than_256_bytes_is_dropped_and_reported);
	tcase_add_test(tc, test_host_symname_with_control_characters_is_dropped_and_reported);
	tcase_add_test(tc, test_host_non_utf8_nqn_file_is_fatal);
	tcase_add_test(tc, test_host_missing_id_is_fatal);
	tcase_add_test(tc, test_host_missing_nqn_is_fatal);
	tcase_add_test(tc, test_host_nqn_must_start_with_nqn_dot);
	tcase_add_test(tc, test_host_nqn_longer_than_223_is_fatal);
	tcase_add_test(tc, test_host_missing_optional_files_are_undefined_and_reported);
	tcase_add_test(tc, test_host_unknown_sections_and_options_are_reported);
	tcase_add_test(tc, test_host_continuation_line_is_reported_and_ignored);
	tcase_add_test(tc, test_host_resolve_single_option);
	tcase_add_test(tc, test_host_unreadable_sys_conf_is_an_error);
	suite_add_tcase(suite, tc);
	return tu_run(suite);
}
