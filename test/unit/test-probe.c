// SPDX-License-Identifier: Apache-2.0
/* The TCP reachability probe made before every tcp connect (probe.h), on loopback. */
#include <gio/gio.h>

#include "stas/probe.h"
#include "testutil.h"

/* A listening socket on 127.0.0.1; its port as text. */
static GSocket *listener(char **port)
{
	g_autoptr(GInetAddress) lo = g_inet_address_new_loopback(G_SOCKET_FAMILY_IPV4);
	g_autoptr(GSocketAddress) any = g_inet_socket_address_new(lo, 0);
	g_autoptr(GSocketAddress) bound = NULL;
	GSocket *s = g_socket_new(G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, NULL);

	ck_assert(g_socket_bind(s, any, TRUE, NULL));
	ck_assert(g_socket_listen(s, NULL));
	bound = g_socket_get_local_address(s, NULL);
	*port = g_strdup_printf("%u", g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(bound)));
	return s;
}

START_TEST(test_probe_listening_port_answers)
{
	g_autofree char *port = NULL;
	g_autoptr(GSocket) s = listener(&port);
	g_autoptr(GError) error = NULL;

	ck_assert_msg(stas_tcp_probe("127.0.0.1", port, NULL, NULL, 2000, &error), "%s",
		      error ? error->message : "");
	ck_assert(stas_tcp_probe("::ffff:127.0.0.1", port, "", "127.0.0.1", 2000, NULL));
}
END_TEST

START_TEST(test_probe_closed_port_is_refused)
{
	g_autofree char *port = NULL;
	g_autoptr(GSocket) s = listener(&port);
	g_autoptr(GError) error = NULL;

	g_socket_close(s, NULL);
	ck_assert(!stas_tcp_probe("127.0.0.1", port, NULL, NULL, 2000, &error));
	ck_assert(g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED));
	ck_assert_ptr_nonnull(strstr(error->message, "not reachable"));
}
END_TEST

START_TEST(test_probe_bad_arguments)
{
	g_autoptr(GError) e1 = NULL;
	g_autoptr(GError) e2 = NULL;

	ck_assert(!stas_tcp_probe("storage.example", "4420", NULL, NULL, 100, &e1));
	ck_assert(g_error_matches(e1, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT));
	ck_assert(!stas_tcp_probe("127.0.0.1", "4420,tos=1", NULL, NULL, 100, &e2));
	ck_assert(g_error_matches(e2, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT));
}
END_TEST

int main(void)
{
	Suite *suite = suite_create("probe");
	TCase *tc = tcase_create("probe");

	tcase_add_test(tc, test_probe_listening_port_answers);
	tcase_add_test(tc, test_probe_closed_port_is_refused);
	tcase_add_test(tc, test_probe_bad_arguments);
	suite_add_tcase(suite, tc);
	return tu_run(suite);
}
