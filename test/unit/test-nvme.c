// SPDX-License-Identifier: Apache-2.0
/*
 * The libnvme kernel layer without an NVMe kernel: option probing (nvme-stas's
 * test-nvme_options.py cases and version thresholds), log page entries as dictionaries, DIM
 * status texts, and the operations' failure paths that need no controller.
 */
#include "config.h"

#include <errno.h>
#include <string.h>

#include <libnvme.h>

#include "stas/nvme.h"
#include "stas/paths.h"

#include "testutil.h"

#define ALL_FOUR "host_iface=%s,discovery,dhchap_secret=%s,dhchap_ctrl_secret=%s"
/* What a 6.1 kernel prints, for a realistic line. */
#define KERNEL_LINE                                                                                      \
	"instance=-1,cntlid=-1,transport=%s,traddr=%s,trsvcid=%s,nqn=%s,queue_size=%d,nr_io_queues=%d,"  \
	"reconnect_delay=%d,ctrl_loss_tmo=%d,keep_alive_tmo=%d,hostnqn=%s,host_traddr=%s,host_iface=%s," \
	"hostid=%s,duplicate_connect,disable_sqflow,hdr_digest,data_digest,nr_write_queues=%d,"          \
	"nr_poll_queues=%d,tos=%d,fast_io_fail_tmo=%d,discovery,dhchap_secret=%s,dhchap_ctrl_secret=%s\n"

static void assert_support(const StasKernelSupport *s, gboolean discovery, gboolean host_iface,
			   gboolean dhchap_secret, gboolean dhchap_ctrl_secret)
{
	ck_assert_int_eq(s->discovery, discovery);
	ck_assert_int_eq(s->host_iface, host_iface);
	ck_assert_int_eq(s->dhchap_secret, dhchap_secret);
	ck_assert_int_eq(s->dhchap_ctrl_secret, dhchap_ctrl_secret);
}

/* ------------------------------------------------------------ option parsing */

START_TEST(test_support_parse_all_four_options)
{
	StasKernelSupport s;

	stas_kernel_support_parse(&s, ALL_FOUR);
	assert_support(&s, TRUE, TRUE, TRUE, TRUE);
	stas_kernel_support_parse(&s, KERNEL_LINE);
	assert_support(&s, TRUE, TRUE, TRUE, TRUE);
}
END_TEST

START_TEST(test_support_parse_each_option_alone)
{
	StasKernelSupport s;

	stas_kernel_support_parse(&s, "instance=-1,discovery\n");
	assert_support(&s, TRUE, FALSE, FALSE, FALSE);
	stas_kernel_support_parse(&s, "host_iface=%s");
	assert_support(&s, FALSE, TRUE, FALSE, FALSE);
	stas_kernel_support_parse(&s, "dhchap_secret=%s");
	assert_support(&s, FALSE, FALSE, TRUE, FALSE);
	stas_kernel_support_parse(&s, "dhchap_ctrl_secret=%s");
	assert_support(&s, FALSE, FALSE, FALSE, TRUE);
}
END_TEST

START_TEST(test_support_parse_names_are_trimmed)
{
	StasKernelSupport s;

	stas_kernel_support_parse(
		&s, "  discovery , host_iface = %s ,\tdhchap_secret\t=x, dhchap_ctrl_secret  \n");
	assert_support(&s, TRUE, TRUE, TRUE, TRUE);
}
END_TEST

START_TEST(test_support_parse_garbage_empty_and_null_support_nothing)
{
	StasKernelSupport s;

	stas_kernel_support_parse(&s, "discoveryx,host_ifaces=%s,=discovery,xdhchap_secret,\x01\xff,,,===");
	assert_support(&s, FALSE, FALSE, FALSE, FALSE);
	stas_kernel_support_parse(&s, "");
	assert_support(&s, FALSE, FALSE, FALSE, FALSE);
	stas_kernel_support_parse(&s, NULL);
	assert_support(&s, FALSE, FALSE, FALSE, FALSE);
}
END_TEST

/* ------------------------------------------------------------ probing */

/* Points STAS_NVME_FABRICS at @dir/nvme-fabrics holding @text (NULL: no file). */
static char *fake_fabrics(const char *dir, const char *text)
{
	char *path = g_build_filename(dir, "nvme-fabrics", NULL);

	if (text)
		g_free(tu_write(dir, "nvme-fabrics", text, -1));
	g_setenv(stas_path_env(STAS_PATH_NVME_FABRICS), path, TRUE);
	return path;
}

START_TEST(test_probe_new_kernel_needs_no_file)
{
	g_autofree char *dir = tu_tmpdir();
	g_autofree char *path = fake_fabrics(dir, NULL);
	g_autofree char *warning = NULL;
	StasKernelSupport s;

	/* the version answers the four; TLS, which only a listing tells, is then "no" */
	stas_kernel_support_probe(&s, "6.1.0-13-amd64", &warning);
	assert_support(&s, TRUE, TRUE, TRUE, TRUE);
	ck_assert(!s.tls);
	ck_assert_ptr_null(warning);
	tu_rmtree(dir);
}
END_TEST

START_TEST(test_probe_tls_only_from_the_listing)
{
	g_autofree char *dir = tu_tmpdir();
	g_autofree char *path = fake_fabrics(dir, KERNEL_LINE);
	StasKernelSupport s;

	stas_kernel_support_probe(&s, "6.12.117+deb13-amd64", NULL);
	ck_assert(!s.tls); /* a 6.12 built without CONFIG_NVME_TCP_TLS */
	g_free(tu_write(dir, "nvme-fabrics", "instance=-1,tls,keyring=%d,tls_key=%d,discovery\n", -1));
	stas_kernel_support_probe(&s, "6.12.117+deb13-amd64", NULL);
	ck_assert(s.tls);
	assert_support(&s, TRUE, TRUE, TRUE, TRUE);
	tu_rmtree(dir);
}
END_TEST

START_TEST(test_probe_version_thresholds)
{
	g_autofree char *dir = tu_tmpdir();
	g_autofree char *path = fake_fabrics(dir, "");
	StasKernelSupport s;

	stas_kernel_support_probe(&s, "5.13.19-generic", NULL);
	assert_support(&s, FALSE, FALSE, FALSE, FALSE);
	stas_kernel_support_probe(&s, "5.14.0", NULL);
	assert_support(&s, FALSE, TRUE, FALSE, FALSE);
	stas_kernel_support_probe(&s, "5.15.0-91-generic", NULL);
	assert_support(&s, FALSE, TRUE, FALSE, FALSE);
	stas_kernel_support_probe(&s, "5.16", NULL);
	assert_support(&s, TRUE, TRUE, FALSE, FALSE);
	stas_kernel_support_probe(&s, "5.19.17", NULL);
	assert_support(&s, TRUE, TRUE, FALSE, FALSE);
	stas_kernel_support_probe(&s, "6.0.0", NULL);
	assert_support(&s, TRUE, TRUE, TRUE, TRUE);
	tu_rmtree(dir);
}
END_TEST

START_TEST(test_probe_old_kernel_reads_backported_options)
{
	g_autofree char *dir = tu_tmpdir();
	g_autofree char *path = fake_fabrics(dir, ALL_FOUR "\nsecond line is not read,discovery\n");
	g_autofree char *warning = NULL;
	StasKernelSupport s;

	stas_kernel_support_probe(&s, "4.18.0-372.el8.x86_64", &warning);
	assert_support(&s, TRUE, TRUE, TRUE, TRUE);
	ck_assert_ptr_null(warning);
	tu_rmtree(dir);
}
END_TEST

START_TEST(test_probe_only_the_first_line_counts)
{
	g_autofree char *dir = tu_tmpdir();
	g_autofree char *path = fake_fabrics(dir, "instance=-1\ndiscovery,host_iface=%s\n");
	StasKernelSupport s;

	stas_kernel_support_probe(&s, "5.4.0", NULL);
	assert_support(&s, FALSE, FALSE, FALSE, FALSE);
	tu_rmtree(dir);
}
END_TEST

START_TEST(test_probe_file_adds_to_the_version_answers)
{
	g_autofree char *dir = tu_tmpdir();
	g_autofree char *path = fake_fabrics(dir, "dhchap_ctrl_secret=%s\n");
	StasKernelSupport s;

	/* host_iface and discovery come from the version though the file does not list them. */
	stas_kernel_support_probe(&s, "5.17.0", NULL);
	assert_support(&s, TRUE, TRUE, FALSE, TRUE);
	tu_rmtree(dir);
}
END_TEST

START_TEST(test_probe_empty_or_garbage_file_keeps_version_answers)
{
	g_autofree char *dir = tu_tmpdir();
	g_autofree char *path = fake_fabrics(dir, "");
	g_autofree char *warning = NULL;
	g_autofree char *warning2 = NULL;
	StasKernelSupport s;

	stas_kernel_support_probe(&s, "5.14.21", &warning);
	assert_support(&s, FALSE, TRUE, FALSE, FALSE);
	ck_assert_ptr_null(warning);

	g_free(tu_write(dir, "nvme-fabrics", "\x7f\x45\x4c\x46 garbage \x01\x02\n", -1));
	stas_kernel_support_probe(&s, "5.14.21", &warning2);
	assert_support(&s, FALSE, TRUE, FALSE, FALSE);
	ck_assert_ptr_null(warning2);
	tu_rmtree(dir);
}
END_TEST

START_TEST(test_probe_missing_file_warns_and_keeps_version_answers)
{
	g_autofree char *dir = tu_tmpdir();
	g_autofree char *path = fake_fabrics(dir, NULL);
	g_autofree char *warning = NULL;
	StasKernelSupport s;

	stas_kernel_support_probe(&s, "5.15.0", &warning);
	assert_support(&s, FALSE, TRUE, FALSE, FALSE);
	ck_assert_ptr_nonnull(warning);
	ck_assert_msg(strstr(warning, "Cannot determine which NVMe options the kernel supports"), "%s",
		      warning);
	ck_assert_msg(strstr(warning, path), "%s", warning);
	/* A NULL warning pointer is allowed. */
	stas_kernel_support_probe(&s, "5.15.0", NULL);
	assert_support(&s, FALSE, TRUE, FALSE, FALSE);
	tu_rmtree(dir);
}
END_TEST

START_TEST(test_probe_running_kernel_gives_booleans)
{
	g_autofree char *dir = tu_tmpdir();
	g_autofree char *path = fake_fabrics(dir, NULL);
	StasKernelSupport s;

	memset(&s, 0x55, sizeof(s));
	stas_kernel_support_probe(&s, NULL, NULL);
	ck_assert(s.discovery == TRUE || s.discovery == FALSE);
	ck_assert(s.host_iface == TRUE || s.host_iface == FALSE);
	ck_assert(s.dhchap_secret == TRUE || s.dhchap_secret == FALSE);
	ck_assert(s.dhchap_ctrl_secret == TRUE || s.dhchap_ctrl_secret == FALSE);
	tu_rmtree(dir);
}
END_TEST

/* ------------------------------------------------------------ log page entries */

/* Copies @text into a fixed-size field without a terminating NUL, padding with @pad. */
static void set_field(char *field, gsize size, const char *text, char pad)
{
	gsize len = MIN(strlen(text), size);

	memset(field, pad, size);
	memcpy(field, text, len);
}

static void make_entry(struct nvmf_disc_log_entry *e)
{
	memset(e, 0, sizeof(*e));
	e->trtype = NVMF_TRTYPE_TCP;
	e->adrfam = NVMF_ADDR_FAMILY_IP4;
	e->subtype = NVME_NQN_NVME;
	e->treq = NVMF_TREQ_NOT_SPECIFIED;
	e->portid = GUINT16_TO_LE(1);
	e->cntlid = GUINT16_TO_LE(0xffff);
	e->asqsz = GUINT16_TO_LE(32);
	e->eflags = GUINT16_TO_LE(0);
	set_field(e->trsvcid, sizeof(e->trsvcid), "4420", ' ');
	set_field(e->subnqn, sizeof(e->subnqn), "nqn.2024-01.io.example:sub1", '\0');
	set_field(e->traddr, sizeof(e->traddr), "192.168.1.10", ' ');
}

#define lookup(d, k) ((const char *)g_hash_table_lookup((d), (k)))

START_TEST(test_dlpe_typical_tcp_entry)
{
	struct nvmf_disc_log_entry e;
	g_autoptr(GHashTable) d = NULL;

	make_entry(&e);
	d = stas_dlpe_to_dict(&e);
	ck_assert_uint_eq(g_hash_table_size(d), 11);
	ck_assert_str_eq(lookup(d, "trtype"), "tcp");
	ck_assert_str_eq(lookup(d, "adrfam"), "ipv4");
	ck_assert_str_eq(lookup(d, "traddr"), "192.168.1.10");
	ck_assert_str_eq(lookup(d, "trsvcid"), "4420");
	ck_assert_str_eq(lookup(d, "subnqn"), "nqn.2024-01.io.example:sub1");
	ck_assert_str_eq(lookup(d, "subtype"), "nvme");
	ck_assert_str_eq(lookup(d, "treq"), "not specified");
	ck_assert_str_eq(lookup(d, "portid"), "1");
	ck_assert_str_eq(lookup(d, "cntlid"), "65535");
	ck_assert_str_eq(lookup(d, "asqsz"), "32");
	ck_assert_str_eq(lookup(d, "eflags"), "0");
	ck_assert_ptr_null(lookup(d, "tsas"));
}
END_TEST

typedef struct {
	guint value;
	const char *text;
} Vocab;

START_TEST(test_dlpe_trtype_vocabulary)
{
	static const Vocab v[] = {
		{ 0, "unspecified" }, { 1, "rdma" }, { 2, "fc" },    { 3, "tcp" },
		{ 254, "loop" },      { 4, "4" },    { 253, "253" }, { 255, "255" },
	};
	struct nvmf_disc_log_entry e;

	for (gsize i = 0; i < G_N_ELEMENTS(v); i++) {
		g_autoptr(GHashTable) d = NULL;

		make_entry(&e);
		e.trtype = v[i].value;
		d = stas_dlpe_to_dict(&e);
		ck_assert_str_eq(lookup(d, "trtype"), v[i].text);
	}
}
END_TEST

START_TEST(test_dlpe_adrfam_vocabulary)
{
	static const Vocab v[] = {
		{ 0, "pci" }, { 1, "ipv4" }, { 2, "ipv6" },  { 3, "infiniband" },
		{ 4, "fc" },  { 5, "5" },    { 254, "254" }, { 255, "255" },
	};
	struct nvmf_disc_log_entry e;

	for (gsize i = 0; i < G_N_ELEMENTS(v); i++) {
		g_autoptr(GHashTable) d = NULL;

		make_entry(&e);
		e.adrfam = v[i].value;
		d = stas_dlpe_to_dict(&e);
		ck_assert_str_eq(lookup(d, "adrfam"), v[i].text);
	}
}
END_TEST

START_TEST(test_dlpe_subtype_vocabulary)
{
	static const Vocab v[] = {
		{ 1, "referral" }, { 2, "nvme" }, { 3, "discovery" }, { 0, "0" }, { 4, "4" }, { 255, "255" },
	};
	struct nvmf_disc_log_entry e;

	for (gsize i = 0; i < G_N_ELEMENTS(v); i++) {
		g_autoptr(GHashTable) d = NULL;

		make_entry(&e);
		e.subtype = v[i].value;
		d = stas_dlpe_to_dict(&e);
		ck_assert_str_eq(lookup(d, "subtype"), v[i].text);
	}
}
END_TEST

START_TEST(test_dlpe_treq_vocabulary_matches_whole_byte)
{
	static const Vocab v[] = {
		{ 0, "not specified" },
		{ 1, "required" },
		{ 2, "not required" },
		{ 4, "disable sqflow" },
		{ 3, "3" },
		{ 5, "5" },
		{ 6, "6" },
		{ 255, "255" },
	};
	struct nvmf_disc_log_entry e;

	for (gsize i = 0; i < G_N_ELEMENTS(v); i++) {
		g_autoptr(GHashTable) d = NULL;

		make_entry(&e);
		e.treq = v[i].value;
		d = stas_dlpe_to_dict(&e);
		ck_assert_str_eq(lookup(d, "treq"), v[i].text);
	}
}
END_TEST

START_TEST(test_dlpe_numbers_are_little_endian_decimal)
{
	struct nvmf_disc_log_entry e;
	g_autoptr(GHashTable) d = NULL;
	const guint8 raw_portid[2] = { 0x34, 0x12 };

	make_entry(&e);
	memcpy(&e.portid, raw_portid, 2);
	e.cntlid = GUINT16_TO_LE(0);
	e.asqsz = GUINT16_TO_LE(65535);
	e.eflags = GUINT16_TO_LE(NVMF_DISC_EFLAGS_DUPRETINFO | NVMF_DISC_EFLAGS_EPCSD);
	d = stas_dlpe_to_dict(&e);
	ck_assert_str_eq(lookup(d, "portid"), "4660");
	ck_assert_str_eq(lookup(d, "cntlid"), "0");
	ck_assert_str_eq(lookup(d, "asqsz"), "65535");
	ck_assert_str_eq(lookup(d, "eflags"), "3");
}
END_TEST

START_TEST(test_dlpe_strings_are_trimmed_of_padding)
{
	struct nvmf_disc_log_entry e;
	g_autoptr(GHashTable) d = NULL;

	make_entry(&e);
	set_field(e.traddr, sizeof(e.traddr), "  fe80::1%eth0", ' ');
	set_field(e.trsvcid, sizeof(e.trsvcid), " 8009\t", '\0');
	set_field(e.subnqn, sizeof(e.subnqn), "nqn.2014-08.org.nvmexpress.discovery", ' ');
	d = stas_dlpe_to_dict(&e);
	ck_assert_str_eq(lookup(d, "traddr"), "fe80::1%eth0");
	ck_assert_str_eq(lookup(d, "trsvcid"), "8009");
	ck_assert_str_eq(lookup(d, "subnqn"), "nqn.2014-08.org.nvmexpress.discovery");
}
END_TEST

START_TEST(test_dlpe_full_width_fields_are_not_overrun)
{
	struct nvmf_disc_log_entry e;
	g_autoptr(GHashTable) d = NULL;
	g_autofree char *svc = g_strnfill(sizeof(e.trsvcid), '7');
	g_autofree char *nqn = g_strnfill(sizeof(e.subnqn), 'n');
	g_autofree char *addr = g_strnfill(sizeof(e.traddr), 'a');

	make_entry(&e);
	/* Every field full and the bytes after each one non-NUL too. */
	memset(e.rsvd64, 'X', sizeof(e.rsvd64));
	memset(&e.tsas, 'Z', sizeof(e.tsas));
	memcpy(e.trsvcid, svc, sizeof(e.trsvcid));
	memcpy(e.subnqn, nqn, sizeof(e.subnqn));
	memcpy(e.traddr, addr, sizeof(e.traddr));
	d = stas_dlpe_to_dict(&e);
	ck_assert_str_eq(lookup(d, "trsvcid"), svc);
	ck_assert_str_eq(lookup(d, "subnqn"), nqn);
	ck_assert_str_eq(lookup(d, "traddr"), addr);
}
END_TEST

START_TEST(test_dlpe_text_after_nul_is_ignored_and_output_is_utf8)
{
	struct nvmf_disc_log_entry e;
	g_autoptr(GHashTable) d = NULL;

	make_entry(&e);
	memcpy(e.traddr, "10.0.0.1\0garbage", 17);
	memcpy(e.subnqn, "nqn.\xff\xfe-bad", 11);
	d = stas_dlpe_to_dict(&e);
	ck_assert_str_eq(lookup(d, "traddr"), "10.0.0.1");
	ck_assert(g_utf8_validate(lookup(d, "subnqn"), -1, NULL));
	ck_assert(g_str_has_prefix(lookup(d, "subnqn"), "nqn."));
	ck_assert(g_str_has_suffix(lookup(d, "subnqn"), "-bad"));
}
END_TEST

/* SECTYPE reaches the dictionary only for tcp entries that name one (nvme-stas had no tsas);
 * an entry wants TLS when TREQ requires a secure channel or SECTYPE offers TLS and TREQ
 * does not make it optional. */
START_TEST(test_dlpe_sectype_and_tls_wish)
{
	static const struct {
		guint trtype, treq, sectype;
		const char *name; /* "sectype" in the dict, NULL = absent */
		gboolean tls;
	} t[] = {
		{ NVMF_TRTYPE_TCP, NVMF_TREQ_NOT_SPECIFIED, NVMF_TCP_SECTYPE_NONE, NULL, FALSE },
		{ NVMF_TRTYPE_TCP, NVMF_TREQ_NOT_SPECIFIED, NVMF_TCP_SECTYPE_TLS13, "tls1.3", TRUE },
		{ NVMF_TRTYPE_TCP, NVMF_TREQ_NOT_SPECIFIED, NVMF_TCP_SECTYPE_TLS, "tls1.2", TRUE },
		{ NVMF_TRTYPE_TCP, NVMF_TREQ_NOT_REQUIRED, NVMF_TCP_SECTYPE_TLS13, "tls1.3", FALSE },
		{ NVMF_TRTYPE_TCP, NVMF_TREQ_REQUIRED, NVMF_TCP_SECTYPE_NONE, NULL, TRUE },
		/* nvmet's TLS port: required, plus the sq flow bit (a number, not a name) */
		{ NVMF_TRTYPE_TCP, NVMF_TREQ_REQUIRED | NVMF_TREQ_DISABLE_SQFLOW, NVMF_TCP_SECTYPE_TLS13,
		  "tls1.3", TRUE },
		{ NVMF_TRTYPE_TCP, NVMF_TREQ_DISABLE_SQFLOW, NVMF_TCP_SECTYPE_NONE, NULL, FALSE },
		{ NVMF_TRTYPE_TCP, NVMF_TREQ_NOT_SPECIFIED, 7, "7", FALSE },
		{ NVMF_TRTYPE_RDMA, NVMF_TREQ_REQUIRED, NVMF_TCP_SECTYPE_TLS13, NULL, FALSE },
	};

	for (guint i = 0; i < G_N_ELEMENTS(t); i++) {
		struct nvmf_disc_log_entry e;
		g_autoptr(GHashTable) d = NULL;

		make_entry(&e);
		e.trtype = (__u8)t[i].trtype;
		e.treq = (__u8)t[i].treq;
		e.tsas.tcp.sectype = (__u8)t[i].sectype;
		d = stas_dlpe_to_dict(&e);
		ck_assert_msg(g_strcmp0(lookup(d, "sectype"), t[i].name) == 0, "row %u: %s", i,
			      lookup(d, "sectype"));
		ck_assert_msg(stas_dlpe_wants_tls(d) == t[i].tls, "row %u", i);
	}
	ck_assert(!stas_dlpe_wants_tls(NULL));
}
END_TEST

START_TEST(test_dlpe_placeholders)
{
	static const char *const yes[] = { "0.0.0.0", "::", "", "   ", " 0.0.0.0 ", "::\t" };
	static const char *const no[] = {
		"10.0.0.1", "::1", "0.0.0.1", "fe80::", "0.0.0.0.0", "nn-0x1:pn-0x2"
	};
	struct nvmf_disc_log_entry e;

	for (gsize i = 0; i < G_N_ELEMENTS(yes); i++)
		ck_assert_msg(stas_dlpe_is_placeholder(yes[i]), "\"%s\" should be a placeholder", yes[i]);
	for (gsize i = 0; i < G_N_ELEMENTS(no); i++)
		ck_assert_msg(!stas_dlpe_is_placeholder(no[i]), "\"%s\" is an address", no[i]);
	ck_assert(stas_dlpe_is_placeholder(NULL));

	/* As it comes out of an entry padded with spaces. */
	make_entry(&e);
	set_field(e.traddr, sizeof(e.traddr), "0.0.0.0", ' ');
	{
		g_autoptr(GHashTable) d = stas_dlpe_to_dict(&e);

		ck_assert(stas_dlpe_is_placeholder(lookup(d, "traddr")));
	}
}
END_TEST

/* ------------------------------------------------------------ DIM status */

START_TEST(test_status_text_for_nvme_status)
{
	g_autofree char *text = stas_nvme_status_text(NVME_SC_INVALID_FIELD, 0x1234);
	g_autofree char *expect = g_strdup_printf("Result:0x1234, Status:0x0002 - %s",
						  nvme_status_to_string(NVME_SC_INVALID_FIELD, false));

	ck_assert_str_eq(text, expect);
	ck_assert(g_str_has_prefix(text, "Result:0x1234, Status:0x0002 - Invalid Field in Command"));
}
END_TEST

START_TEST(test_status_text_wide_values)
{
	g_autofree char *text = stas_nvme_status_text(0x4182, 0x12345678);

	ck_assert(g_str_has_prefix(text, "Result:0x12345678, Status:0x4182 - "));
}
END_TEST

START_TEST(test_status_text_for_negative_status_uses_errno)
{
	g_autofree char *text = NULL;

	errno = ENOTSUP;
	text = stas_nvme_status_text(-1, 0);
	ck_assert_str_eq(text, "Status:0xffffffff - Operation not supported");
}
END_TEST

/* ------------------------------------------------------------ operations without a device */

typedef struct {
	GAsyncResult *res;
} Wait;

static void on_done(GObject *source, GAsyncResult *res, gpointer data)
{
	Wait *w = data;

	ck_assert_ptr_null(source);
	w->res = g_object_ref(res);
}

static GAsyncResult *wait_result(Wait *w)
{
	while (!w->res)
		g_main_context_iteration(NULL, TRUE);
	return w->res;
}

START_TEST(test_ops_on_missing_device_report_no_device)
{
	g_autoptr(StasKernel) k = stas_nvme_kernel_new(FALSE);
	StasKernelHost host = { "nqn.2014-08.org.nvmexpress:uuid:0", "00000000-0000-0000-0000-000000000000",
				NULL, NULL };
	Wait a = { 0 }, r = { 0 }, l = { 0 }, g = { 0 }, d = { 0 };
	g_autoptr(GError) ea = NULL, er = NULL, el = NULL, eg = NULL, ed = NULL;
	g_autoptr(StasCtrlDevice) dev = NULL;
	g_autoptr(StasDiscoveryLog) log = NULL;
	g_autofree char *status = NULL;

	/* No host running these tests has a 100000th controller. */
	k->ops->attach(k, "nvme99999", NULL, on_done, &a);
	k->ops->dim(k, &host, "nvme99999", STAS_DIM_REGISTER, NULL, on_done, &r);
	k->ops->supported_log_pages(k, "nvme99999", NULL, on_done, &l);
	k->ops->get_discovery_log(k, "nvme99999", STAS_LSP_PLEO, -1, NULL, on_done, &g);
	k->ops->disconnect(k, "nvme99999", NULL, on_done, &d);

	dev = stas_kernel_device_finish(wait_result(&a), &ea);
	ck_assert_ptr_null(dev);
	ck_assert(g_error_matches(ea, STAS_KERNEL_ERROR, STAS_KERNEL_ERROR_NO_DEVICE));
	ck_assert(!stas_kernel_register_finish(wait_result(&r), &status, &er));
	ck_assert_ptr_null(status);
	ck_assert(g_error_matches(er, STAS_KERNEL_ERROR, STAS_KERNEL_ERROR_NO_DEVICE));
	ck_assert_uint_eq(stas_kernel_flags_finish(wait_result(&l), &el), 0);
	ck_assert(g_error_matches(el, STAS_KERNEL_ERROR, STAS_KERNEL_ERROR_NO_DEVICE));
	log = stas_kernel_log_finish(wait_result(&g), &eg);
	ck_assert_ptr_null(log);
	ck_assert(g_error_matches(eg, STAS_KERNEL_ERROR, STAS_KERNEL_ERROR_NO_DEVICE));
	ck_assert(!stas_kernel_disconnect_finish(wait_result(&d), &ed));
	ck_assert(g_error_matches(ed, STAS_KERNEL_ERROR, STAS_KERNEL_ERROR_NO_DEVICE));
	g_object_unref(a.res);
	g_object_unref(r.res);
	g_object_unref(l.res);
	g_object_unref(g.res);
	g_object_unref(d.res);
}
END_TEST

START_TEST(test_ops_refuse_names_that_are_not_devices)
{
	static const char *const bad[] = { "nvme",   "nvme01",	 "nvme-fabrics",    "nvme1n1", "nvme+1",
					   "nvme 1", "../nvme1", "nvme99999999999", "sda",     "" };
	g_autoptr(StasKernel) k = stas_nvme_kernel_new(FALSE);

	for (gsize i = 0; i < G_N_ELEMENTS(bad); i++) {
		Wait w = { 0 };
		g_autoptr(GError) error = NULL;

		k->ops->disconnect(k, bad[i], NULL, on_done, &w);
		ck_assert(!stas_kernel_disconnect_finish(wait_result(&w), &error));
		ck_assert_msg(g_error_matches(error, STAS_KERNEL_ERROR, STAS_KERNEL_ERROR_FAILED), "%s: %s",
			      bad[i], error ? error->message : "no error");
		ck_assert(strstr(error->message, "Invalid controller device name"));
		g_object_unref(w.res);
	}
}
END_TEST

START_TEST(test_connect_without_address_fails_before_the_kernel)
{
	g_autoptr(StasKernel) k = stas_nvme_kernel_new(TRUE);
	StasKernelHost host = { "nqn.2014-08.org.nvmexpress:uuid:0", NULL, "secret-key", "sym" };
	g_auto(StasConnectRequest) req = { 0 };
	g_autoptr(GError) error = NULL;
	g_autoptr(StasCtrlDevice) dev = NULL;
	Wait w = { 0 };

	stas_fabrics_cfg_init(&req.cfg);
	req.transport = g_strdup("tcp");
	req.subsysnqn = g_strdup("nqn.2024-01.io.example:sub1");
	/* The reachability probe refuses a tcp controller without traddr, so nothing reaches
	 * /dev/nvme-fabrics. */
	k->ops->connect(k, &host, &req, NULL, on_done, &w);
	stas_nvme_kernel_set_trace(k, FALSE);
	dev = stas_kernel_device_finish(wait_result(&w), &error);
	ck_assert_ptr_null(dev);
	ck_assert(g_error_matches(error, STAS_KERNEL_ERROR, STAS_KERNEL_ERROR_FAILED));
	ck_assert_msg(strstr(error->message, "Connect failed"), "%s", error->message);
	g_object_unref(w.res);
}
END_TEST

/* TLS that cannot work fails at once with what is missing, before any probe or connect. */
START_TEST(test_connect_tls_names_what_is_missing)
{
	g_autofree char *dir = tu_tmpdir();
	g_autofree char *path = fake_fabrics(dir, KERNEL_LINE); /* a kernel without TLS */
	g_autoptr(StasKernel) k = stas_nvme_kernel_new(FALSE);
	StasKernelHost host = { "nqn.2014-08.org.nvmexpress:uuid:0", NULL, NULL, NULL };
	static const char *const transports[] = { "tcp", "rdma" };
	static const char *const expect[] = { "CONFIG_NVME_TCP_TLS", "tcp only" };

	for (guint i = 0; i < G_N_ELEMENTS(transports); i++) {
		g_auto(StasConnectRequest) req = { 0 };
		g_autoptr(GError) error = NULL;
		g_autoptr(StasCtrlDevice) dev = NULL;
		Wait w = { 0 };

		stas_fabrics_cfg_init(&req.cfg);
		req.cfg.value[STAS_FABRICS_TLS] = 1;
		req.transport = g_strdup(transports[i]);
		req.traddr = g_strdup("192.0.2.1");
		req.trsvcid = g_strdup("4420");
		req.subsysnqn = g_strdup("nqn.2024-01.io.example:sub1");
		k->ops->connect(k, &host, &req, NULL, on_done, &w);
		dev = stas_kernel_device_finish(wait_result(&w), &error);
		ck_assert_ptr_null(dev);
		ck_assert(g_error_matches(error, STAS_KERNEL_ERROR, STAS_KERNEL_ERROR_UNSUPPORTED));
		ck_assert_msg(strstr(error->message, expect[i]), "%s", error->message);
		g_object_unref(w.res);
	}
	tu_rmtree(dir);
}
END_TEST

START_TEST(test_cancelled_op_is_not_started_and_reports_cancelled)
{
	g_autoptr(StasKernel) k = stas_nvme_kernel_new(FALSE);
	g_autoptr(GCancellable) cancellable = g_cancellable_new();
	g_autoptr(GError) error = NULL;
	Wait w = { 0 };

	g_cancellable_cancel(cancellable);
	k->ops->disconnect(k, "nvme99999", cancellable, on_done, &w);
	ck_assert(!stas_kernel_disconnect_finish(wait_result(&w), &error));
	ck_assert(g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED));
	g_object_unref(w.res);
}
END_TEST

START_TEST(test_kernel_freed_while_op_runs)
{
	StasKernel *k = stas_nvme_kernel_new(FALSE);
	g_autoptr(GError) error = NULL;
	Wait w = { 0 };

	k->ops->attach(k, "nvme99999", NULL, on_done, &w);
	/* The worker holds its own reference. */
	stas_kernel_free(k);
	ck_assert_ptr_null(stas_kernel_device_finish(wait_result(&w), &error));
	ck_assert(g_error_matches(error, STAS_KERNEL_ERROR, STAS_KERNEL_ERROR_NO_DEVICE));
	g_object_unref(w.res);
}
END_TEST

/* Connects wait in a lane of their own: many at once are each answered, also
 * after the kernel object is freed, and one cancelled while it waits is not run. */
START_TEST(test_connect_lane_answers_every_request)
{
	StasKernel *k = stas_nvme_kernel_new(FALSE);
	StasKernelHost host = { "nqn.2014-08.org.nvmexpress:uuid:0", NULL, NULL, NULL };
	g_autoptr(GCancellable) cancellable = g_cancellable_new();
	Wait w[50] = { 0 };

	for (guint i = 0; i < G_N_ELEMENTS(w); i++) {
		g_auto(StasConnectRequest) req = { 0 };

		stas_fabrics_cfg_init(&req.cfg);
		req.transport = g_strdup("tcp"); /* no traddr: refused before the kernel */
		req.subsysnqn = g_strdup_printf("nqn.2024-01.io.example:lane%u", i);
		k->ops->connect(k, &host, &req, i == 40 ? cancellable : NULL, on_done, &w[i]);
	}
	g_cancellable_cancel(cancellable);
	stas_kernel_free(k);
	for (guint i = 0; i < G_N_ELEMENTS(w); i++) {
		g_autoptr(GError) error = NULL;

		ck_assert_ptr_null(stas_kernel_device_finish(wait_result(&w[i]), &error));
		ck_assert_ptr_nonnull(error);
		if (i == 40 && g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
			continue; /* (unless a lane thread had taken it already) */
		ck_assert_msg(strstr(error->message, "Connect failed"), "%u: %s", i, error->message);
		g_object_unref(w[i].res);
		w[i].res = NULL;
	}
	for (guint i = 0; i < G_N_ELEMENTS(w); i++)
		g_clear_object(&w[i].res);
}
END_TEST

int main(void)
{
	Suite *suite = suite_create("nvme");
	TCase *support = tcase_create("support");
	TCase *dlpe = tcase_create("dlpe");
	TCase *status = tcase_create("status");
	TCase *ops = tcase_create("ops");

	tcase_add_test(support, test_support_parse_all_four_options);
	tcase_add_test(support, test_support_parse_each_option_alone);
	tcase_add_test(support, test_support_parse_names_are_trimmed);
	tcase_add_test(support, test_support_parse_garbage_empty_and_null_support_nothing);
	tcase_add_test(support, test_probe_new_kernel_needs_no_file);
	tcase_add_test(support, test_probe_tls_only_from_the_listing);
	tcase_add_test(support, test_probe_version_thresholds);
	tcase_add_test(support, test_probe_old_kernel_reads_backported_options);
	tcase_add_test(support, test_probe_only_the_first_line_counts);
	tcase_add_test(support, test_probe_file_adds_to_the_version_answers);
	tcase_add_test(support, test_probe_empty_or_garbage_file_keeps_version_answers);
	tcase_add_test(support, test_probe_missing_file_warns_and_keeps_version_answers);
	tcase_add_test(support, test_probe_running_kernel_gives_booleans);
	suite_add_tcase(suite, support);

	tcase_add_test(dlpe, test_dlpe_typical_tcp_entry);
	tcase_add_test(dlpe, test_dlpe_trtype_vocabulary);
	tcase_add_test(dlpe, test_dlpe_adrfam_vocabulary);
	tcase_add_test(dlpe, test_dlpe_subtype_vocabulary);
	tcase_add_test(dlpe, test_dlpe_treq_vocabulary_matches_whole_byte);
	tcase_add_test(dlpe, test_dlpe_numbers_are_little_endian_decimal);
	tcase_add_test(dlpe, test_dlpe_strings_are_trimmed_of_padding);
	tcase_add_test(dlpe, test_dlpe_full_width_fields_are_not_overrun);
	tcase_add_test(dlpe, test_dlpe_text_after_nul_is_ignored_and_output_is_utf8);
	tcase_add_test(dlpe, test_dlpe_placeholders);
	tcase_add_test(dlpe, test_dlpe_sectype_and_tls_wish);
	suite_add_tcase(suite, dlpe);

	tcase_add_test(status, test_status_text_for_nvme_status);
	tcase_add_test(status, test_status_text_wide_values);
	tcase_add_test(status, test_status_text_for_negative_status_uses_errno);
	suite_add_tcase(suite, status);

	tcase_add_test(ops, test_ops_on_missing_device_report_no_device);
	tcase_add_test(ops, test_ops_refuse_names_that_are_not_devices);
	tcase_add_test(ops, test_connect_without_address_fails_before_the_kernel);
	tcase_add_test(ops, test_connect_tls_names_what_is_missing);
	tcase_add_test(ops, test_cancelled_op_is_not_started_and_reports_cancelled);
	tcase_add_test(ops, test_kernel_freed_while_op_runs);
	tcase_add_test(ops, test_connect_lane_answers_every_request);
	suite_add_tcase(suite, ops);
	return tu_run(suite);
}
