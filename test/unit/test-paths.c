// SPDX-License-Identifier: Apache-2.0
/* Every path has a build-time default and an environment override. */
#include "config.h"
#include "stas/paths.h"
#include "testutil.h"

START_TEST(test_paths_defaults)
{
	g_autofree char *conf = NULL;
	g_autofree char *run = NULL;
	g_autofree char *sys_conf = NULL;

	for (StasPath p = 0; p < STAS_PATH_COUNT; p++)
		g_unsetenv(stas_path_env(p));
	g_unsetenv("RUNTIME_DIRECTORY");
	conf = stas_path(STAS_PATH_CONF_DIR, NULL);
	run = stas_path(STAS_PATH_RUNTIME_DIR, "stafd");
	sys_conf = stas_path_sys_conf();
	ck_assert_str_eq(conf, STAS_SYSCONFDIR "/stas");
	ck_assert_str_eq(run, STAS_RUNSTATEDIR "/stafd");
	ck_assert_str_eq(sys_conf, STAS_SYSCONFDIR "/stas/sys.conf");
}
END_TEST

START_TEST(test_paths_environment_overrides)
{
	g_autofree char *conf = NULL;
	g_autofree char *hostnqn = NULL;
	g_autofree char *daemon_conf = NULL;
	g_autofree char *machine_id = NULL;

	g_setenv("STAS_CONF_DIR", "/tmp/x/stas", TRUE);
	g_setenv("STAS_NVME_DIR", "/tmp/x/nvme", TRUE);
	g_setenv("STAS_MACHINE_ID_FILE", "/tmp/x/machine-id", TRUE);
	conf = stas_path(STAS_PATH_CONF_DIR, NULL);
	hostnqn = stas_path_nvme_file("hostnqn");
	daemon_conf = stas_path_daemon_conf("stacd");
	machine_id = stas_path(STAS_PATH_MACHINE_ID, NULL);
	ck_assert_str_eq(conf, "/tmp/x/stas");
	ck_assert_str_eq(hostnqn, "/tmp/x/nvme/hostnqn");
	ck_assert_str_eq(daemon_conf, "/tmp/x/stas/stacd.conf");
	ck_assert_str_eq(machine_id, "/tmp/x/machine-id");
}
END_TEST

START_TEST(test_paths_runtime_dir_prefers_ours_then_systemd)
{
	g_autofree char *a = NULL;
	g_autofree char *b = NULL;

	g_unsetenv("STAS_RUNTIME_DIR");
	g_setenv("RUNTIME_DIRECTORY", "/run/from-systemd", TRUE);
	a = stas_path(STAS_PATH_RUNTIME_DIR, "stacd");
	g_setenv("STAS_RUNTIME_DIR", "/tmp/ours", TRUE);
	b = stas_path(STAS_PATH_RUNTIME_DIR, "stacd");
	ck_assert_str_eq(a, "/run/from-systemd");
	ck_assert_str_eq(b, "/tmp/ours");
}
END_TEST

int main(void)
{
	Suite *suite = suite_create("paths");
	TCase *tc = tcase_create("paths");

	tcase_add_test(tc, test_paths_defaults);
	tcase_add_test(tc, test_paths_environment_overrides);
	tcase_add_test(tc, test_paths_runtime_dir_prefers_ours_then_systemd);
	suite_add_tcase(suite, tc);
	return tu_run(suite);
}
