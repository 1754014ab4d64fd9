// SPDX-License-Identifier: Apache-2.0
/* The udev monitor's life on a private main context. */
#include <stdio.h>

#include "stas/udev.h"
#include "testutil.h"

/* ---------------------------------------------------------- monitor */

static void on_event(const StasUevent *event, gpointer user_data)
{
	(*(guint *)user_data)++;
}

static void on_resync(gpointer user_data)
{
	(*(guint *)user_data)++;
}

START_TEST(test_monitor_lifecycle_on_private_context)
{
	g_autoptr(GMainContext) context = g_main_context_new();
	g_autoptr(GError) error = NULL;
	StasUdev *udev;
	guint calls = 0;

	udev = stas_udev_new(context, on_event, on_resync, &calls, &error);
	if (!udev) {
		printf("SKIP monitor test: no udev netlink monitor here: %s\n", error->message);
		return;
	}
	ck_assert_ptr_null(error);
	ck_assert_ptr_nonnull(g_main_context_find_source_by_user_data(context, udev));
	/* Nothing pending: a dispatch pass must return without blocking. */
	for (guint i = 0; i < 3; i++)
		g_main_context_iteration(context, FALSE);
	stas_udev_free(udev);
	ck_assert_ptr_null(g_main_context_find_source_by_user_data(context, udev));
	stas_udev_free(NULL);
}
END_TEST

int main(void)
{
	Suite *suite = suite_create("udev");
	TCase *tc = tcase_create("monitor");

	tcase_add_test(tc, test_monitor_lifecycle_on_private_context);
	suite_add_tcase(suite, tc);
	return tu_run(suite);
}
