// SPDX-License-Identifier: Apache-2.0
/*
 * stafd.conf / stacd.conf: every option's parser, default and validity per
 * daemon (SPEC §2.4-§2.8), ported from nvme-stas's test-config plus the
 * reporting rules of stas: every problem named with its line, defaults used.
 */
#include <string.h>

#include "stas/conf.h"
#include "testutil.h"

typedef struct {
	char *dir;
	StasProblems *problems;
	StasConf *conf;
} Fixture;

static Fixture fx;

static void setup(void)
{
	fx.dir = tu_tmpdir();
	fx.problems = stas_problems_new();
	fx.conf = NULL;
}

static void teardown(void)
{
	stas_conf_free(fx.conf);
	stas_problems_free(fx.problems);
	tu_rmtree(fx.dir);
	g_free(fx.dir);
}

/* Loads @text as the file of @daemon into the fixture. */
static StasConf *load(StasDaemon daemon, const char *text)
{
	g_autofree char *path = tu_write(fx.dir, "test.conf", text, -1);
	g_autoptr(GError) error = NULL;

	stas_conf_free(fx.conf);
	g_ptr_array_set_size(fx.problems, 0);
	fx.conf = stas_conf_load(daemon, path, fx.problems, &error);
	ck_assert_msg(fx.conf, "load failed: %s", error ? error->message : "?");
	return fx.conf;
}

static gint64 get_int(StasOpt id)
{
	gint64 value = G_MININT64;

	ck_assert_msg(stas_conf_get_int(fx.conf, id, &value), "%s is unset", stas_opt_desc(id)->name);
	return value;
}

static const StasCtrlEntry *entry_at(const GPtrArray *list, guint i)
{
	ck_assert_uint_gt(list->len, i);
	return g_ptr_array_index(list, i);
}

static gboolean trtypes_are(const char *const *expected)
{
	const GPtrArray *trtypes = stas_conf_get_trtypes(fx.conf);
	guint n = g_strv_length((char **)expected);

	if (trtypes->len != n)
		return FALSE;
	for (guint i = 0; i < n; i++) {
		if (!g_str_equal(g_ptr_array_index(trtypes, i), expected[i]))
			return FALSE;
	}
	return TRUE;
}

/* ---------------------------------------------------------- metrics-file */

START_TEST(test_metrics_file_is_an_absolute_name)
{
	load(STAS_DAEMON_STACD, "[Global]\n");
	ck_assert_ptr_null(stas_conf_get_path(fx.conf, STAS_OPT_METRICS_FILE));
	load(STAS_DAEMON_STACD, "[Global]\nmetrics-file = /var/lib/prometheus/node-exporter/stacd.prom\n");
	ck_assert_str_eq(stas_conf_get_path(fx.conf, STAS_OPT_METRICS_FILE),
			 "/var/lib/prometheus/node-exporter/stacd.prom");
	ck_assert_uint_eq(fx.problems->len, 0);
	load(STAS_DAEMON_STAFD, "[Global]\nmetrics-file = stafd.prom\n");
	ck_assert_ptr_null(stas_conf_get_path(fx.conf, STAS_OPT_METRICS_FILE));
	ck_assert_uint_eq(fx.problems->len, 1);
	ck_assert(
		strstr(((StasProblem *)g_ptr_array_index(fx.problems, 0))->message, "an absolute file name"));
}
END_TEST

/* ------------------------------------------------------------- defaults */

START_TEST(test_stafd_defaults_without_file)
{
	g_autoptr(GError) error = NULL;

	fx.conf = stas_conf_load(STAS_DAEMON_STAFD, "/nonexistent/stafd.conf", fx.problems, &error);
	ck_assert_ptr_nonnull(fx.conf);
	ck_assert_uint_eq(fx.problems->len, 0);
	ck_assert(!stas_conf_get_bool(fx.conf, STAS_OPT_TRON));
	ck_assert(!stas_conf_get_bool(fx.conf, STAS_OPT_HDR_DIGEST));
	ck_assert(!stas_conf_get_bool(fx.conf, STAS_OPT_DATA_DIGEST));
	ck_assert_int_eq(get_int(STAS_OPT_KATO), 30);
	ck_assert(!stas_conf_is_set(fx.conf, STAS_OPT_QUEUE_SIZE));
	ck_assert(!stas_conf_is_set(fx.conf, STAS_OPT_RECONNECT_DELAY));
	ck_assert(!stas_conf_is_set(fx.conf, STAS_OPT_CTRL_LOSS_TMO));
	ck_assert(!stas_conf_is_set(fx.conf, STAS_OPT_DISABLE_SQFLOW));
	ck_assert(!stas_conf_get_bool(fx.conf, STAS_OPT_IGNORE_IFACE));
	ck_assert_uint_eq(stas_conf_get_ip_family(fx.conf), STAS_IP_FAMILY_V4 | STAS_IP_FAMILY_V6);
	ck_assert(stas_conf_get_bool(fx.conf, STAS_OPT_PLEO));
	ck_assert(stas_conf_get_bool(fx.conf, STAS_OPT_ZEROCONF));
	ck_assert(stas_conf_get_bool(fx.conf, STAS_OPT_PERSISTENT_CONNECTIONS));
	ck_assert(stas_conf_get_seconds(fx.conf, STAS_OPT_ZEROCONF_CONNECTIONS_PERSISTENCE) == 259200.0);
	ck_assert_uint_eq(stas_conf_get_controllers(fx.conf)->len, 0);
	ck_assert_uint_eq(stas_conf_get_excludes(fx.conf)->len, 0);
}
END_TEST

START_TEST(test_stacd_defaults)
{
	load(STAS_DAEMON_STACD, "");
	ck_assert_uint_eq(fx.problems->len, 0);
	ck_assert(!stas_conf_is_set(fx.conf, STAS_OPT_KATO)); /* the kernel's default */
	ck_assert(!stas_conf_is_set(fx.conf, STAS_OPT_NR_IO_QUEUES));
	ck_assert_int_eq(stas_conf_get_disconnect_scope(fx.conf), STAS_SCOPE_ONLY_STAS_CONNECTIONS);
	ck_assert(trtypes_are((const char *const[]){ "tcp", NULL }));
	ck_assert_int_eq(get_int(STAS_OPT_CONNECT_ATTEMPTS_ON_NCC), 0);
	ck_assert(!stas_conf_get_bool(fx.conf, STAS_OPT_IGNORE_IFACE));
}
END_TEST

/* ----------------------------------------------- nvme-stas's test-config */

START_TEST(test_stacd_file_of_upstream_test_config)
{
	const StasCtrlEntry *c0, *c1, *x0;

	load(STAS_DAEMON_STACD,
	     "[Global]\n"
	     "tron=true\n"
	     "kato=200\n"
	     "ip-family=ipv6\n"
	     "\n"
	     "[I/O controller connection management]\n"
	     "disconnect-scope = joe\n"
	     "disconnect-trtypes = bob\n"
	     "connect-attempts-on-ncc = 1\n"
	     "\n"
	     "[Controllers]\n"
	     "controller=transport=tcp;traddr=100.100.100.100;host-iface=enp0s8\n"
	     "controller=transport=tcp;traddr=100.100.100.200;host-iface=enp0s7;"
	     "dhchap-ctrl-secret=super-secret;hdr-digest=true;data-digest=true;nr-io-queues=8;"
	     "nr-write-queues=6;nr-poll-queues=4;queue-size=400;kato=71;reconnect-delay=13;"
	     "ctrl-loss-tmo=666;disable-sqflow=true\n"
	     "exclude=transport=tcp;traddr=10.10.10.10\n");
	ck_assert(stas_conf_get_bool(fx.conf, STAS_OPT_TRON));
	ck_assert(!stas_conf_get_bool(fx.conf, STAS_OPT_HDR_DIGEST));
	ck_assert(!stas_conf_get_bool(fx.conf, STAS_OPT_DATA_DIGEST));
	ck_assert_int_eq(get_int(STAS_OPT_KATO), 200);
	ck_assert_uint_eq(stas_conf_get_ip_family(fx.conf), STAS_IP_FAMILY_V6);
	ck_assert_int_eq(stas_conf_get_disconnect_scope(fx.conf), STAS_SCOPE_ONLY_STAS_CONNECTIONS);
	ck_assert(trtypes_are((const char *const[]){ "tcp", NULL }));
	ck_assert_int_eq(get_int(STAS_OPT_CONNECT_ATTEMPTS_ON_NCC), 2);
	ck_assert_ptr_nonnull(tu_find_problem(fx.problems, 7, "invalid value \"joe\""));
	ck_assert_ptr_nonnull(tu_find_problem(fx.problems, 8, "\"bob\" is not a transport"));
	ck_assert_ptr_nonnull(tu_find_problem(fx.problems, 8, "using the default (tcp)"));

	ck_assert_uint_eq(stas_conf_get_controllers(fx.conf)->len, 2);
	c0 = entry_at(stas_conf_get_controllers(fx.conf), 0);
	ck_assert_str_eq(stas_ctrl_entry_get(c0, "host-iface"), "enp0s8");
	c1 = entry_at(stas_conf_get_controllers(fx.conf), 1);
	ck_assert_str_eq(stas_ctrl_entry_get(c1, "hdr-digest"), "true");
	ck_assert_str_eq(stas_ctrl_entry_get(c1, "data-digest"), "true");
	ck_assert_str_eq(stas_ctrl_entry_get(c1, "nr-io-queues"), "8");
	ck_assert_str_eq(stas_ctrl_entry_get(c1, "nr-write-queues"), "6");
	ck_assert_str_eq(stas_ctrl_entry_get(c1, "nr-poll-queues"), "4");
	ck_assert_str_eq(stas_ctrl_entry_get(c1, "queue-size"), "400");
	ck_assert_str_eq(stas_ctrl_entry_get(c1, "kato"), "71");
	ck_assert_str_eq(stas_ctrl_entry_get(c1, "reconnect-delay"), "13");
	ck_assert_str_eq(stas_ctrl_entry_get(c1, "ctrl-loss-tmo"), "666");
	ck_assert_str_eq(stas_ctrl_entry_get(c1, "disable-sqflow"), "true");
	ck_assert_str_eq(stas_ctrl_entry_get(c1, "dhchap-ctrl-secret"), "super-secret");

	ck_assert_uint_eq(stas_conf_get_excludes(fx.conf)->len, 1);
	x0 = entry_at(stas_conf_get_excludes(fx.conf), 0);
	ck_assert_uint_eq(stas_ctrl_entry_size(x0), 2);
	ck_assert_str_eq(stas_ctrl_entry_get(x0, "transport"), "tcp");
	ck_assert_str_eq(stas_ctrl_entry_get(x0, "traddr"), "10.10.10.10");
}
END_TEST

START_TEST(test_reload_with_all_trtypes_and_bad_ncc)
{
	load(STAS_DAEMON_STACD, "[I/O controller connection management]\n"
				"disconnect-trtypes = tcp+rdma+fc+tcp\n"
				"connect-attempts-on-ncc = hello\n");
	ck_assert(trtypes_are((const char *const[]){ "tcp", "rdma", "fc", NULL }));
	ck_assert_int_eq(get_int(STAS_OPT_CONNECT_ATTEMPTS_ON_NCC), 0);
	ck_assert_ptr_nonnull(tu_find_problem(fx.problems, 3, "invalid value \"hello\""));
	ck_assert_uint_eq(fx.problems->len, 1);
}
END_TEST

START_TEST(test_trtypes_invalid_items_dropped_one_by_one)
{
	load(STAS_DAEMON_STACD, "[I/O controller connection management]\n"
				"disconnect-trtypes = rdma+TCP+ fc\n");
	ck_assert(trtypes_are((const char *const[]){ "rdma", NULL }));
	ck_assert_ptr_nonnull(tu_find_problem(fx.problems, 2, "\"TCP\" is not a transport"));
	ck_assert_ptr_nonnull(tu_find_problem(fx.problems, 2, "\" fc\" is not a transport"));
}
END_TEST

START_TEST(test_ip_family_values)
{
	static const struct {
		const char *text;
		guint mask;
	} cases[] = {
		{ "ipv4", STAS_IP_FAMILY_V4 },
		{ "ipv6", STAS_IP_FAMILY_V6 },
		{ "ipv4+ipv6", STAS_IP_FAMILY_V4 | STAS_IP_FAMILY_V6 },
		{ "ipv6+ipv4", STAS_IP_FAMILY_V4 | STAS_IP_FAMILY_V6 },
		{ "IPv4", STAS_IP_FAMILY_V4 | STAS_IP_FAMILY_V6 }, /* case-sensitive: default */
		{ "ipv4,ipv6", STAS_IP_FAMILY_V4 | STAS_IP_FAMILY_V6 },
	};

	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autofree char *text = g_strdup_printf("[Global]\nip-family = %s\n", cases[i].text);

		load(STAS_DAEMON_STAFD, text);
		ck_assert_msg(stas_conf_get_ip_family(fx.conf) == cases[i].mask, "ip-family = %s",
			      cases[i].text);
		ck_assert_uint_eq(fx.problems->len,
				  cases[i].text[0] == 'i' && !strchr(cases[i].text, ',') ? 0 : 1);
	}
}
END_TEST

/* -------------------------------------------------------------- parsers */

START_TEST(test_bool_is_case_insensitive_and_strict)
{
	load(STAS_DAEMON_STAFD, "[Global]\ntron = TRUE\nhdr-digest = yes\ndata-digest = False\n"
				"[Service Discovery]\nzeroconf = Disabled\n");
	ck_assert(stas_conf_get_bool(fx.conf, STAS_OPT_TRON));
	ck_assert(!stas_conf_get_bool(fx.conf, STAS_OPT_HDR_DIGEST));
	ck_assert_ptr_nonnull(tu_find_problem(fx.problems, 3, "accepted: true or false"));
	ck_assert(!stas_conf_get_bool(fx.conf, STAS_OPT_DATA_DIGEST));
	ck_assert(!stas_conf_get_bool(fx.conf, STAS_OPT_ZEROCONF));
	ck_assert_uint_eq(fx.problems->len, 1);
}
END_TEST

START_TEST(test_enabled_disabled_rejects_true)
{
	load(STAS_DAEMON_STAFD, "[Global]\npleo = true\n");
	ck_assert(stas_conf_get_bool(fx.conf, STAS_OPT_PLEO));
	ck_assert_ptr_nonnull(tu_find_problem(fx.problems, 2, "accepted: enabled or disabled"));
}
END_TEST

START_TEST(test_int_accepts_sign_and_rejects_junk)
{
	load(STAS_DAEMON_STACD, "[Global]\nkato = +12\nctrl-loss-tmo = -1\nreconnect-delay = NaN\n"
				"nr-io-queues = 4.0\nnr-poll-queues = 99999999999\n");
	ck_assert_int_eq(get_int(STAS_OPT_KATO), 12);
	ck_assert_int_eq(get_int(STAS_OPT_CTRL_LOSS_TMO), -1);
	ck_assert(!stas_conf_is_set(fx.conf, STAS_OPT_RECONNECT_DELAY));
	ck_assert_ptr_nonnull(tu_find_problem(fx.problems, 4, "using the default (unset)"));
	ck_assert(!stas_conf_is_set(fx.conf, STAS_OPT_NR_IO_QUEUES));
	ck_assert(!stas_conf_is_set(fx.conf, STAS_OPT_NR_POLL_QUEUES));
	ck_assert_uint_eq(fx.problems->len, 3);
}
END_TEST

/* nvme-stas read integers with Python's int(): one underscore between digits. */
START_TEST(test_int_accepts_python_digit_grouping)
{
	load(STAS_DAEMON_STACD, "[Global]\nkato = 1_000\nctrl-loss-tmo = -6_0_0\nreconnect-delay = 1__0\n"
				"nr-io-queues = _4\nnr-poll-queues = 4_\n");
	ck_assert_int_eq(get_int(STAS_OPT_KATO), 1000);
	ck_assert_int_eq(get_int(STAS_OPT_CTRL_LOSS_TMO), -600);
	ck_assert(!stas_conf_is_set(fx.conf, STAS_OPT_RECONNECT_DELAY));
	ck_assert(!stas_conf_is_set(fx.conf, STAS_OPT_NR_IO_QUEUES));
	ck_assert(!stas_conf_is_set(fx.conf, STAS_OPT_NR_POLL_QUEUES));
	ck_assert_uint_eq(fx.problems->len, 3);
}
END_TEST

START_TEST(test_queue_size_range)
{
	load(STAS_DAEMON_STACD, "[Global]\nqueue-size = 16\n");
	ck_assert_int_eq(get_int(STAS_OPT_QUEUE_SIZE), 16);
	load(STAS_DAEMON_STACD, "[Global]\nqueue-size = 1024\n");
	ck_assert_int_eq(get_int(STAS_OPT_QUEUE_SIZE), 1024);
	load(STAS_DAEMON_STACD, "[Global]\nqueue-size = 5\n");
	ck_assert(!stas_conf_is_set(fx.conf, STAS_OPT_QUEUE_SIZE));
	ck_assert_ptr_nonnull(tu_find_problem(fx.problems, 2, "from 16 to 1024"));
	load(STAS_DAEMON_STACD, "[Global]\nqueue-size = 2000000\n");
	ck_assert(!stas_conf_is_set(fx.conf, STAS_OPT_QUEUE_SIZE));
}
END_TEST

START_TEST(test_ncc_negative_is_rejected)
{
	load(STAS_DAEMON_STACD, "[I/O controller connection management]\nconnect-attempts-on-ncc = -3\n");
	ck_assert_int_eq(get_int(STAS_OPT_CONNECT_ATTEMPTS_ON_NCC), 0);
	ck_assert_ptr_nonnull(tu_find_problem(fx.problems, 2, ">= 0"));
	load(STAS_DAEMON_STACD, "[I/O controller connection management]\nconnect-attempts-on-ncc = 5\n");
	ck_assert_int_eq(get_int(STAS_OPT_CONNECT_ATTEMPTS_ON_NCC), 5);
}
END_TEST

START_TEST(test_disconnect_scope_keywords)
{
	load(STAS_DAEMON_STACD, "[I/O controller connection management]\n"
				"disconnect-scope = all-connections-matching-disconnect-trtypes\n");
	ck_assert_int_eq(stas_conf_get_disconnect_scope(fx.conf),
			 STAS_SCOPE_ALL_CONNECTIONS_MATCHING_DISCONNECT_TRTYPES);
	load(STAS_DAEMON_STACD, "[I/O controller connection management]\ndisconnect-scope = no-disconnect\n");
	ck_assert_int_eq(stas_conf_get_disconnect_scope(fx.conf), STAS_SCOPE_NO_DISCONNECT);
	load(STAS_DAEMON_STACD, "[I/O controller connection management]\ndisconnect-scope = No-Disconnect\n");
	ck_assert_int_eq(stas_conf_get_disconnect_scope(fx.conf), STAS_SCOPE_ONLY_STAS_CONNECTIONS);
}
END_TEST

START_TEST(test_time_span_values_and_bad_text_uses_default)
{
	static const struct {
		const char *text;
		double seconds;
	} cases[] = {
		{ "0.5", 0.5 }, { "1:01", 61 }, { "0", 0 }, { "-1", -1 }, { "3 days 5 hours", 277200 },
	};

	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autofree char *text = g_strdup_printf(
			"[Discovery controller connection management]\nzeroconf-connections-persistence = "
			"%s\n",
			cases[i].text);

		load(STAS_DAEMON_STAFD, text);
		ck_assert_msg(stas_conf_get_seconds(fx.conf, STAS_OPT_ZEROCONF_CONNECTIONS_PERSISTENCE) ==
				      cases[i].seconds,
			      "%s", cases[i].text);
		ck_assert_uint_eq(fx.problems->len, 0);
	}
	load(STAS_DAEMON_STAFD, "[Discovery controller connection management]\n"
				"zeroconf-connections-persistence = blah\n");
	ck_assert(stas_conf_get_seconds(fx.conf, STAS_OPT_ZEROCONF_CONNECTIONS_PERSISTENCE) == 259200.0);
	ck_assert_ptr_nonnull(tu_find_problem(fx.problems, 2, "using the default (72hours)"));
}
END_TEST

START_TEST(test_last_occurrence_wins_and_valueless_line_is_ignored)
{
	load(STAS_DAEMON_STAFD, "[Global]\nkato = 10\n[Controllers]\n[Global]\nkato = 20\nkato\n");
	ck_assert_int_eq(get_int(STAS_OPT_KATO), 20);
	ck_assert_ptr_nonnull(tu_find_problem(fx.problems, 6, "no '='"));
	ck_assert_uint_eq(fx.problems->len, 1);
}
END_TEST

START_TEST(test_inline_comment_makes_value_invalid)
{
	load(STAS_DAEMON_STAFD, "[Global]\nkato = 7 # seconds\n");
	ck_assert_int_eq(get_int(STAS_OPT_KATO), 30);
	ck_assert_ptr_nonnull(tu_find_problem(fx.problems, 2, "invalid value \"7 # seconds\""));
}
END_TEST

/* No problem message of the whole load contains @needle. */
static void assert_not_shown(const char *needle)
{
	for (guint i = 0; i < fx.problems->len; i++) {
		g_autofree char *line = stas_problem_to_string(g_ptr_array_index(fx.problems, i));

		ck_assert_msg(!strstr(line, needle), "shown: %s", line);
	}
}

START_TEST(test_invalid_value_that_looks_like_a_secret_is_not_shown)
{
	load(STAS_DAEMON_STACD, "[Global]\nkato = DHHC-1:00:c2VjcmV0c2VjcmV0:\n"
				"[Controllers]\n"
				"controller = transport=tcp;traddr=1.1.1.1;trsvcid=4420;nqn=n;"
				"queue-size=DHHC-1:00:b3RoZXJzZWNyZXQ=:\n");
	ck_assert_ptr_nonnull(tu_find_problem(fx.problems, 2, "invalid value"));
	ck_assert_ptr_nonnull(tu_find_problem(fx.problems, 4, "invalid queue-size"));
	assert_not_shown("c2VjcmV0");
	assert_not_shown("b3RoZXJzZWNyZXQ");
}
END_TEST

/* nvme-stas connects such an I/O controller to 8009, the discovery port. */
START_TEST(test_stacd_tcp_controller_without_trsvcid_is_warned)
{
	load(STAS_DAEMON_STACD, "[Controllers]\n"
				"controller = transport=tcp;traddr=1.1.1.1;nqn=n\n"
				"controller = transport=tcp;traddr=1.1.1.1;trsvcid=4420;nqn=n\n"
				"controller = transport=rdma;traddr=1.1.1.1;nqn=n\n");
	ck_assert_ptr_nonnull(tu_find_problem(fx.problems, 2, "no trsvcid"));
	ck_assert_ptr_nonnull(tu_find_problem(fx.problems, 2, "8009"));
	ck_assert_uint_eq(fx.problems->len, 1); /* rdma defaults to 4420 */
	load(STAS_DAEMON_STAFD, "[Controllers]\ncontroller = transport=tcp;traddr=1.1.1.1\n");
	ck_assert_uint_eq(fx.problems->len, 0);
}
END_TEST

/* configparser keeps " # ..." in the value; an exclude= then never matches. */
START_TEST(test_value_with_inline_comment_is_warned)
{
	load(STAS_DAEMON_STACD, "[Global]\ntron = true\n"
				"[Controllers]\n"
				"exclude = traddr=2.2.2.2 # the old array\n"
				"controller = transport=tcp;traddr=1.1.1.1;trsvcid=4420;nqn=n#1\n");
	ck_assert_ptr_nonnull(tu_find_problem(fx.problems, 4, "\" #\""));
	ck_assert_uint_eq(fx.problems->len, 1);
}
END_TEST

/* --------------------------------------------------- validity per daemon */

START_TEST(test_unknown_section_and_option_are_reported_with_lines)
{
	const StasProblem *problem;

	load(STAS_DAEMON_STAFD, "[Global]\ntron = true\nfoo = 1\n[Bogus]\nx = 1\n[global]\nkato = 1\n");
	problem = tu_find_problem(fx.problems, 3, "unknown option");
	ck_assert_ptr_nonnull(problem);
	ck_assert_str_eq(problem->section, "Global");
	ck_assert_str_eq(problem->option, "foo");
	ck_assert_ptr_nonnull(strstr(problem->message, "tron, hdr-digest"));
	ck_assert_ptr_nonnull(tu_find_problem(fx.problems, 4, "unknown section"));
	ck_assert_ptr_nonnull(tu_find_problem(fx.problems, 6, "unknown section")); /* case-sensitive */
	ck_assert_uint_eq(fx.problems->len, 3);
	ck_assert(stas_conf_get_bool(fx.conf, STAS_OPT_TRON));
	ck_assert_int_eq(get_int(STAS_OPT_KATO), 30);
}
END_TEST

START_TEST(test_stafd_reports_but_reads_ioc_queue_options)
{
	load(STAS_DAEMON_STAFD, "[Global]\nnr-io-queues = 4\n");
	ck_assert_ptr_nonnull(tu_find_problem(fx.problems, 2, "not a stafd option"));
	ck_assert_int_eq(get_int(STAS_OPT_NR_IO_QUEUES), 4);
}
END_TEST

START_TEST(test_stacd_rejects_stafd_sections_and_options)
{
	load(STAS_DAEMON_STACD,
	     "[Global]\npleo = disabled\npersistent-connections = false\n"
	     "[Service Discovery]\nzeroconf = disabled\n"
	     "[Discovery controller connection management]\npersistent-connections = true\n");
	ck_assert_ptr_nonnull(tu_find_problem(fx.problems, 2, "not a stacd option"));
	ck_assert_ptr_nonnull(tu_find_problem(fx.problems, 3, "not a stacd option"));
	ck_assert_ptr_nonnull(tu_find_problem(fx.problems, 4, "unknown section for stacd"));
	ck_assert_ptr_nonnull(tu_find_problem(fx.problems, 6, "unknown section for stacd"));
	ck_assert_uint_eq(fx.problems->len, 4);
}
END_TEST

START_TEST(test_stafd_rejects_stacd_section)
{
	load(STAS_DAEMON_STAFD, "[I/O controller connection management]\ndisconnect-scope = no-disconnect\n");
	ck_assert_ptr_nonnull(tu_find_problem(fx.problems, 1, "unknown section for stafd"));
}
END_TEST

START_TEST(test_legacy_persistent_connections)
{
	/* neither set: true */
	load(STAS_DAEMON_STAFD, "[Global]\n");
	ck_assert(stas_conf_get_bool(fx.conf, STAS_OPT_PERSISTENT_CONNECTIONS));
	/* new location only */
	load(STAS_DAEMON_STAFD,
	     "[Discovery controller connection management]\npersistent-connections=false\n");
	ck_assert(!stas_conf_get_bool(fx.conf, STAS_OPT_PERSISTENT_CONNECTIONS));
	ck_assert_uint_eq(fx.problems->len, 0);
	/* legacy only */
	load(STAS_DAEMON_STAFD, "[Global]\npersistent-connections=false\n");
	ck_assert(!stas_conf_get_bool(fx.conf, STAS_OPT_PERSISTENT_CONNECTIONS));
	ck_assert_ptr_nonnull(tu_find_problem(fx.problems, 2, "deprecated location"));
	/* a true in the legacy place overrides a false in the new one (nvme-stas 2.4) */
	load(STAS_DAEMON_STAFD,
	     "[Global]\npersistent-connections=true\n"
	     "[Discovery controller connection management]\npersistent-connections=false\n");
	ck_assert(stas_conf_get_bool(fx.conf, STAS_OPT_PERSISTENT_CONNECTIONS));
	load(STAS_DAEMON_STAFD,
	     "[Global]\npersistent-connections=false\n"
	     "[Discovery controller connection management]\npersistent-connections=false\n");
	ck_assert(!stas_conf_get_bool(fx.conf, STAS_OPT_PERSISTENT_CONNECTIONS));
}
END_TEST

START_TEST(test_blacklist_is_reported_and_appended_to_excludes)
{
	load(STAS_DAEMON_STACD, "[Controllers]\nexclude = traddr=1.1.1.1\nblacklist = traddr=2.2.2.2\n");
	ck_assert_ptr_nonnull(tu_find_problem(fx.problems, 3, "deprecated name of 'exclude'"));
	ck_assert_uint_eq(stas_conf_get_excludes(fx.conf)->len, 2);
	ck_assert_str_eq(stas_ctrl_entry_get(entry_at(stas_conf_get_excludes(fx.conf), 1), "traddr"),
			 "2.2.2.2");
}
END_TEST

/* ------------------------------------------------- controller= / exclude= */

START_TEST(test_controller_secret_with_padding_survives)
{
	const StasCtrlEntry *c;

	load(STAS_DAEMON_STACD,
	     "[Controllers]\ncontroller = transport=tcp;traddr=1.2.3.4;trsvcid=4420;nqn=nqn.x;"
	     "dhchap-secret=DHHC-1:00:YWJjZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXo0NTY3ODkwMTI=:;"
	     "dhchap-ctrl-secret=DHHC-1:01:Zm9vYmFy==:\n");
	c = entry_at(stas_conf_get_controllers(fx.conf), 0);
	ck_assert_str_eq(stas_ctrl_entry_get(c, "dhchap-secret"),
			 "DHHC-1:00:YWJjZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXo0NTY3ODkwMTI=:");
	ck_assert_str_eq(stas_ctrl_entry_get(c, "dhchap-ctrl-secret"), "DHHC-1:01:Zm9vYmFy==:");
	ck_assert_str_eq(stas_ctrl_entry_get(c, "subsysnqn"), "nqn.x");
	ck_assert_ptr_null(stas_ctrl_entry_get(c, "nqn"));
	ck_assert_uint_eq(fx.problems->len, 0);
}
END_TEST

START_TEST(test_controller_continuation_lines_are_separate_controllers)
{
	load(STAS_DAEMON_STAFD,
	     "[Controllers]\ncontroller = transport=tcp;traddr=1.1.1.1\n"
	     "             transport=tcp;traddr=2.2.2.2\ncontroller = transport=rdma;traddr=3.3.3.3\n");
	ck_assert_uint_eq(stas_conf_get_controllers(fx.conf)->len, 3);
	ck_assert_str_eq(stas_ctrl_entry_get(entry_at(stas_conf_get_controllers(fx.conf), 1), "traddr"),
			 "2.2.2.2");
	ck_assert_uint_eq(entry_at(stas_conf_get_controllers(fx.conf), 1)->line, 3);
}
END_TEST

START_TEST(test_invalid_override_uses_default_or_is_dropped)
{
	const StasCtrlEntry *c;

	load(STAS_DAEMON_STACD, "[Controllers]\ncontroller = transport=tcp;traddr=1.2.3.4;trsvcid=4420;nqn=n;"
				"hdr-digest=maybe;queue-size=8;kato=soon;nr-io-queues=x;tron=TRUE;foo=bar\n");
	c = entry_at(stas_conf_get_controllers(fx.conf), 0);
	ck_assert_str_eq(stas_ctrl_entry_get(c, "hdr-digest"), "false"); /* the daemon default */
	ck_assert_ptr_null(stas_ctrl_entry_get(c, "queue-size"));	 /* no default: dropped */
	ck_assert_ptr_null(stas_ctrl_entry_get(c, "kato"));
	ck_assert_ptr_null(stas_ctrl_entry_get(c, "nr-io-queues"));
	ck_assert_str_eq(stas_ctrl_entry_get(c, "tron"), "true"); /* normalised */
	ck_assert_str_eq(stas_ctrl_entry_get(c, "foo"), "bar");	  /* unknown keys are kept */
	ck_assert_uint_eq(fx.problems->len, 4);
	ck_assert_ptr_nonnull(tu_find_problem(fx.problems, 2, "invalid hdr-digest=\"maybe\""));
	ck_assert_ptr_nonnull(tu_find_problem(fx.problems, 2, "invalid queue-size=\"8\""));
}
END_TEST

START_TEST(test_controllers_the_daemon_would_skip_are_reported)
{
	load(STAS_DAEMON_STACD, "[Controllers]\n"
				"controller = traddr=1.1.1.1;nqn=n\n"
				"controller = transport=tcp;nqn=n\n"
				"controller = transport=tcp;traddr=1.1.1.1\n"
				"controller = transport=fc;traddr=nn-0x1:pn-0x2;nqn=n\n"
				"controller = transport=XM;traddr=1.1.1.1;nqn=n\n"
				"controller =\n"
				"controller = transport=tcp;traddr=1.1.1.1;trsvcid=4420;nqn=n\n");
	ck_assert_ptr_nonnull(tu_find_problem(fx.problems, 2, "no transport"));
	ck_assert_ptr_nonnull(tu_find_problem(fx.problems, 3, "no traddr"));
	ck_assert_ptr_nonnull(tu_find_problem(fx.problems, 4, "no nqn"));
	ck_assert_ptr_nonnull(tu_find_problem(fx.problems, 5, "fc controllers cannot be configured"));
	ck_assert_ptr_nonnull(tu_find_problem(fx.problems, 6, "unknown transport \"XM\""));
	ck_assert_ptr_nonnull(tu_find_problem(fx.problems, 7, "no transport"));
	ck_assert_uint_eq(fx.problems->len, 6);
	ck_assert_uint_eq(stas_conf_get_controllers(fx.conf)->len, 7);
}
END_TEST

START_TEST(test_stafd_controller_needs_no_nqn)
{
	load(STAS_DAEMON_STAFD, "[Controllers]\ncontroller = transport=tcp;traddr=1.1.1.1\n");
	ck_assert_uint_eq(fx.problems->len, 0);
}
END_TEST

START_TEST(test_exclude_drops_host_traddr_and_empty_entry_is_reported)
{
	const GPtrArray *excludes;

	load(STAS_DAEMON_STAFD, "[Controllers]\nexclude = nqn=x;host-traddr=1.1.1.1\nexclude =\n"
				"exclude = ;;junk;\n");
	excludes = stas_conf_get_excludes(fx.conf);
	ck_assert_uint_eq(excludes->len, 3);
	ck_assert_str_eq(stas_ctrl_entry_get(entry_at(excludes, 0), "subsysnqn"), "x");
	ck_assert_ptr_null(stas_ctrl_entry_get(entry_at(excludes, 0), "host-traddr"));
	ck_assert_ptr_nonnull(tu_find_problem(fx.problems, 2, "host-traddr cannot be used"));
	ck_assert_ptr_nonnull(tu_find_problem(fx.problems, 3, "excludes every controller"));
	ck_assert_ptr_nonnull(tu_find_problem(fx.problems, 4, "\"junk\" is not key=value"));
	ck_assert_ptr_nonnull(tu_find_problem(fx.problems, 4, "excludes every controller"));
	ck_assert_uint_eq(stas_ctrl_entry_size(entry_at(excludes, 2)), 0);
}
END_TEST

START_TEST(test_valueless_controller_line_is_reported)
{
	load(STAS_DAEMON_STAFD, "[Controllers]\ncontroller\n");
	ck_assert_uint_eq(stas_conf_get_controllers(fx.conf)->len, 0);
	ck_assert_ptr_nonnull(tu_find_problem(fx.problems, 2, "no '='"));
}
END_TEST

START_TEST(test_damaged_file_keeps_every_good_line)
{
	static const char text[] =
		"tron = true\r\n[Global]\r\n\xc3\x28 bad utf8\r\nkato = 44\r\n\x00\x01\x02\r\n"
		"[Controllers]\r\ncontroller = transport=tcp;traddr=9.9.9.9";
	g_autofree char *path = tu_write(fx.dir, "damaged.conf", text, sizeof(text) - 1);
	g_autoptr(GError) error = NULL;

	fx.conf = stas_conf_load(STAS_DAEMON_STAFD, path, fx.problems, &error);
	ck_assert_ptr_nonnull(fx.conf);
	ck_assert_int_eq(get_int(STAS_OPT_KATO), 44);
	ck_assert(!stas_conf_get_bool(fx.conf, STAS_OPT_TRON)); /* the line before [Global] */
	ck_assert_uint_eq(stas_conf_get_controllers(fx.conf)->len, 1);
	ck_assert_ptr_nonnull(tu_find_problem(fx.problems, 1, "outside any valid [Section]"));
	ck_assert_ptr_nonnull(tu_find_problem(fx.problems, 3, "not UTF-8"));
	ck_assert_ptr_nonnull(tu_find_problem(fx.problems, 5, "not UTF-8"));
}
END_TEST

START_TEST(test_unreadable_file_fails_load)
{
	g_autoptr(GError) error = NULL;

	fx.conf = stas_conf_load(STAS_DAEMON_STAFD, fx.dir, fx.problems, &error);
	ck_assert_ptr_null(fx.conf);
	ck_assert_ptr_nonnull(error);
}
END_TEST

START_TEST(test_option_table_lookup)
{
	ck_assert_int_eq(stas_opt_lookup("Global", "kato")->id, STAS_OPT_KATO);
	ck_assert_int_eq(
		stas_opt_lookup("Discovery controller connection management", "persistent-connections")->id,
		STAS_OPT_PERSISTENT_CONNECTIONS);
	ck_assert_ptr_null(stas_opt_lookup("Global", "nope"));
	ck_assert_ptr_null(stas_opt_lookup("global", "kato"));
	for (StasOpt id = 0; id < STAS_OPT_COUNT; id++)
		ck_assert_int_eq(stas_opt_desc(id)->id, id);
}
END_TEST

int main(void)
{
	Suite *suite = suite_create("conf");
	TCase *tc = tcase_create("conf");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_stafd_defaults_without_file);
	tcase_add_test(tc, test_metrics_file_is_an_absolute_name);
	tcase_add_test(tc, test_stacd_defaults);
	tcase_add_test(tc, test_stacd_file_of_upstream_test_config);
	tcase_add_test(tc, test_reload_with_all_trtypes_and_bad_ncc);
	tcase_add_test(tc, test_trtypes_invalid_items_dropped_one_by_one);
	tcase_add_test(tc, test_ip_family_values);
	tcase_add_test(tc, test_bool_is_case_insensitive_and_strict);
	tcase_add_test(tc, test_enabled_disabled_rejects_true);
	tcase_add_test(tc, test_int_accepts_sign_and_rejects_junk);
	tcase_add_test(tc, test_int_accepts_python_digit_grouping);
	tcase_add_test(tc, test_queue_size_range);
	tcase_add_test(tc, test_ncc_negative_is_rejected);
	tcase_add_test(tc, test_disconnect_scope_keywords);
	tcase_add_test(tc, test_time_span_values_and_bad_text_uses_default);
	tcase_add_test(tc, test_last_occurrence_wins_and_valueless_line_is_ignored);
	tcase_add_test(tc, test_inline_comment_makes_value_invalid);
	tcase_add_test(tc, test_unknown_section_and_option_are_reported_with_lines);
	tcase_add_test(tc, test_stafd_reports_but_reads_ioc_queue_options);
	tcase_add_test(tc, test_stacd_rejects_stafd_sections_and_options);
	tcase_add_test(tc, test_stafd_rejects_stacd_section);
	tcase_add_test(tc, test_legacy_persistent_connections);
	tcase_add_test(tc, test_blacklist_is_reported_and_appended_to_excludes);
	tcase_add_test(tc, test_controller_secret_with_padding_survives);
	tcase_add_test(tc, test_controller_continuation_lines_are_separate_controllers);
	tcase_add_test(tc, test_invalid_override_uses_default_or_is_dropped);
	tcase_add_test(tc, test_controllers_the_daemon_would_skip_are_reported);
	tcase_add_test(tc, test_stafd_controller_needs_no_nqn);
	tcase_add_test(tc, test_exclude_drops_host_traddr_and_empty_entry_is_reported);
	tcase_add_test(tc, test_valueless_controller_line_is_reported);
	tcase_add_test(tc, test_damaged_file_keeps_every_good_line);
	tcase_add_test(tc, test_unreadable_file_fails_load);
	tcase_add_test(tc, test_option_table_lookup);
	tcase_add_test(tc, test_invalid_value_that_looks_like_a_secret_is_not_shown);
	tcase_add_test(tc, test_stacd_tcp_controller_without_trsvcid_is_warned);
	tcase_add_test(tc, test_value_with_inline_comment_is_warned);
	suite_add_tcase(suite, tc);
	return tu_run(suite);
}
