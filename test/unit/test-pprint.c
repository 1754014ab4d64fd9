// SPDX-License-Identifier: Apache-2.0
/*
 * The pretty-printer of stafctl/stacctl against CPython 3.11's pprint.pformat(): the shapes of
 * nvme-stas's recorded outputs, then the corners (empty containers, quoting, Unicode, strings
 * cut into literals, the exact width boundary). The expected texts were produced once by
 * CPython and are frozen here; the test never runs Python.
 */
#include "stas/pprint.h"

#include <check.h>
#include <string.h>

#include "testutil.h"

static void check_pformat(const char *json, int width, const char *expected)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(JsonNode) node = json_from_string(json, &error);
	g_autofree char *text = NULL;

	ck_assert_msg(node, "bad test input: %s", error ? error->message : "empty");
	text = stas_pprint_format(node, width);
	ck_assert_str_eq(text, expected);
}

START_TEST(test_list_of_controllers_as_stafctl_ls)
{
	check_pformat(
		"[{\"traddr\": \"10.99.0.2\", \"trsvcid\": \"8009\", \"transport\": \"tcp\", "
		"\"subsysnqn\": \"nqn.2014-08.com.example:nvme:disc-ctrl-2\", \"host-iface\": \"\", "
		"\"host-traddr\": \"\", "
		"\"host-nqn\": \"nqn.2014-08.org.nvmexpress:uuid:8ae2b12c-3d28-4458-83e3-658e571ed4b8\", "
		"\"device\": \"nvme?\"}, {\"traddr\": \"127.0.0.1\", \"trsvcid\": \"8009\", \"transport\": "
		"\"tcp\", "
		"\"subsysnqn\": \"nqn.2014-08.org.nvmexpress.discovery\", \"host-iface\": \"\", "
		"\"host-traddr\": \"\", "
		"\"host-nqn\": \"nqn.2014-08.org.nvmexpress:uuid:8ae2b12c-3d28-4458-83e3-658e571ed4b8\", "
		"\"device\": \"nvme?\"}]",
		120,
		"[{'device': 'nvme?',\n"
		"  'host-iface': '',\n"
		"  "
		"'host-nqn': 'nqn.2014-08.org.n"
		"vmexpress:uuid:8ae2b12c-3d28-4458-83e3-658e571ed4b8',\n"
		"  'host-traddr': '',\n"
		"  'subsysnqn': 'nqn.2014-08.com.example:nvme:disc-ctrl-2',\n"
		"  'traddr': '10.99.0.2',\n"
		"  'transport': 'tcp',\n"
		"  'trsvcid': '8009'},\n"
		" {'device': 'nvme?',\n"
		"  'host-iface': '',\n"
		"  "
		"'host-nqn': 'nqn.2014-08.org.n"
		"vmexpress:uuid:8ae2b12c-3d28-4458-83e3-658e571ed4b8',\n"
		"  'host-traddr': '',\n"
		"  'subsysnqn': 'nqn.2014-08.org.nvmexpress.discovery',\n"
		"  'traddr': '127.0.0.1',\n"
		"  'transport': 'tcp',\n"
		"  'trsvcid': '8009'}]");
}
END_TEST

START_TEST(test_status_document_with_wide_nested_keys)
{
	check_pformat(
		"{\"tron\": false, \"log-level\": \"INFO\", "
		"\"hostnqn\": \"nqn.2014-08.org.nvmexpress:uuid:8ae2b12c-3d28-4458-83e3-658e571ed4b8\", "
		"\"hostid\": \"46ba5037-7ce5-41fa-9452-48477bf00080\", \"hostkey\": null, \"symname\": null, "
		"\"last known config file\": \"/run/stafd/last-known-config.pickle\", "
		"\"config soak timer\": \"1.5s [off]\", \"kernel support.TP8013\": \"True\", "
		"\"kernel support.host_iface\": \"True\", \"terminator.audit timer\": \"30.0s [off]\", "
		"\"avahi\": {\"avahi wake up timer\": \"60.0s [off]\", "
		"\"service types\": [\"_nvme-disc._tcp\", \"_nvme-disc._udp\"], \"services\": {\"(veth0, "
		"IPv4, anchor-cdc.local, _nvme-disc._tcp)\": {\"transport\": \"tcp\", "
		"\"traddr\": \"10.99.0.1\", \"trsvcid\": \"8009\", \"host-iface\": \"veth0\", "
		"\"subsysnqn\": \"nqn.2014-08.org.nvmexpress.discovery\", \"reachable\": \"True\"}}}, "
		"\"controllers\": [{\"traddr\": \"10.99.0.1\", \"trsvcid\": \"8009\", \"transport\": "
		"\"tcp\", "
		"\"subsysnqn\": \"nqn.2014-08.org.nvmexpress.discovery\", \"host-iface\": \"veth0\", "
		"\"host-traddr\": \"\", "
		"\"host-nqn\": \"nqn.2014-08.org.nvmexpress:uuid:8ae2b12c-3d28-4458-83e3-658e571ed4b8\", "
		"\"device\": \"nvme?\", \"connect attempts\": \"2\", \"log_pages\": [], "
		"\"unresponsive timer\": \"0.0s [off]\"}]}",
		120,
		"{'avahi': {'avahi wake up timer': '60.0s [off]',\n"
		"           'service types': ['_nvme-disc._tcp', '_nvme-disc._udp'],\n"
		"           "
		"'services': {'(veth0, IPv4, anchor-cdc.local, _nvme-disc._tcp)': {'host-iface': "
		"'veth0',\n"
		"                                                                             "
		"'reachable': 'True',\n"
		"                                                                             "
		"'subsysnqn': 'nqn.2014-08.org.nvmexpress.discovery',\n"
		"                                                                             "
		"'traddr': '10.99.0.1',\n"
		"                                                                             "
		"'transport': 'tcp',\n"
		"                                                                             "
		"'trsvcid': '8009'}}},\n"
		" 'config soak timer': '1.5s [off]',\n"
		" 'controllers': [{'connect attempts': '2',\n"
		"                  'device': 'nvme?',\n"
		"                  'host-iface': 'veth0',\n"
		"                  "
		"'host-nqn': 'nqn.2014-08.org.n"
		"vmexpress:uuid:8ae2b12c-3d28-4458-83e3-658e571ed4b8',\n"
		"                  'host-traddr': '',\n"
		"                  'log_pages': [],\n"
		"                  'subsysnqn': 'nqn.2014-08.org.nvmexpress.discovery',\n"
		"                  'traddr': '10.99.0.1',\n"
		"                  'transport': 'tcp',\n"
		"                  'trsvcid': '8009',\n"
		"                  'unresponsive timer': '0.0s [off]'}],\n"
		" 'hostid': '46ba5037-7ce5-41fa-9452-48477bf00080',\n"
		" 'hostkey': None,\n"
		" "
		"'hostnqn': 'nqn.2014-08.org.nvmexpress:uuid:8ae2b12c-3d28-4458-83e3-658e571ed4b8',\n"
		" 'kernel support.TP8013': 'True',\n"
		" 'kernel support.host_iface': 'True',\n"
		" 'last known config file': '/run/stafd/last-known-config.pickle',\n"
		" 'log-level': 'INFO',\n"
		" 'symname': None,\n"
		" 'terminator.audit timer': '30.0s [off]',\n"
		" 'tron': False}");
}
END_TEST

START_TEST(test_empty_dict)
{
	check_pformat("{}", 120, "{}");
}
END_TEST

START_TEST(test_empty_list)
{
	check_pformat("[]", 120, "[]");
}
END_TEST

START_TEST(test_empty_containers_nested)
{
	check_pformat("{\"a\": [], \"b\": {}, \"c\": [[], {}], \"d\": \"\"}", 120,
		      "{'a': [], 'b': {}, 'c': [[], {}], 'd': ''}");
}
END_TEST

START_TEST(test_empty_containers_nested_narrow)
{
	check_pformat("{\"a\": [], \"b\": {}, \"c\": [[], {}], \"d\": \"\"}", 1,
		      "{'a': [],\n"
		      " 'b': {},\n"
		      " 'c': [[],\n"
		      "       {}],\n"
		      " 'd': ''}");
}
END_TEST

START_TEST(test_scalars_are_python_literals)
{
	check_pformat("[true, false, null, 0, -42, 9007199254740993, 1.5, 60.0, 0.1, 1e-05, 1e+16, -0.0, "
		      "123456.789]",
		      120,
		      "[True, False, None, 0, -42, 9007199254740993, 1.5, 60.0, 0.1, 1e-05, 1e+16, "
		      "-0.0, 123456.789]");
}
END_TEST

START_TEST(test_dict_keys_sorted_by_code_point)
{
	check_pformat("{\"b\": 1, \"B\": 2, \"a\": 3, \"_\": 4, \"\\u00e9\": 5, \"Z\": 6, \"10\": 7, \"9\": "
		      "8, \"\": 9}",
		      120, "{'': 9, '10': 7, '9': 8, 'B': 2, 'Z': 6, '_': 4, 'a': 3, 'b': 1, '\303\251': 5}");
}
END_TEST

START_TEST(test_quote_choice_like_python_repr)
{
	check_pformat(
		"[\"it's\", \"say \\\"hi\\\"\", \"both ' and \\\"\", \"back\\\\slash\", \"'\", \"\\\"\"]",
		120, "[\"it's\", 'say \"hi\"', 'both \\' and \"', 'back\\\\slash', \"'\", '\"']");
}
END_TEST

START_TEST(test_escapes_like_python_repr)
{
	check_pformat("[\"tab\\there\", \"nl\\nx\", \"cr\\rx\", \"\\u0001\\u001f\\u007f\", \"caf\\u00e9\", "
		      "\"nbsp\\u00a0x\", "
		      "\"ls\\u2028x\", \"zw\\u200bx\", \"pua\\ue000x\", \"emoji \\ud83d\\ude00\", "
		      "\"\\u00ad\", \"\\u0085\", "
		      "\"kanji \\u6f22\\u5b57\"]",
		      120,
		      "['tab\\there',\n"
		      " 'nl\\nx',\n"
		      " 'cr\\rx',\n"
		      " '\\x01\\x1f\\x7f',\n"
		      " 'caf\303\251',\n"
		      " 'nbsp\\xa0x',\n"
		      " 'ls\\u2028x',\n"
		      " 'zw\\u200bx',\n"
		      " 'pua\\ue000x',\n"
		      " 'emoji \360\237\230\200',\n"
		      " '\\xad',\n"
		      " '\\x85',\n"
		      " 'kanji \346\274\242\345\255\227']");
}
END_TEST

START_TEST(test_container_fits_exactly_at_width)
{
	check_pformat("[\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
		      "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"]",
		      120,
		      "['xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
		      "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx']");
}
END_TEST

START_TEST(test_container_one_column_too_wide)
{
	check_pformat("[\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
		      "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"]",
		      120,
		      "['xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
		      "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx']");
}
END_TEST

START_TEST(test_dict_value_fits_exactly_with_allowance)
{
	check_pformat("{\"k\": "
		      "[\"yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy"
		      "yyyyyyyyyyyyyyyyyyyyyyyyyy\"], "
		      "\"l\": 1}",
		      120,
		      "{'k': ['yyyyyyyyyyyyyyyyyyyyyy"
		      "yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy"
		      "yyyyyyy'],\n"
		      " 'l': 1}");
}
END_TEST

START_TEST(test_dict_value_one_column_too_wide)
{
	check_pformat("{\"k\": "
		      "[\"yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy"
		      "yyyyyyyyyyyyyyyyyyyyyyyyyyy\"], "
		      "\"l\": 1}",
		      120,
		      "{'k': ['yyyyyyyyyyyyyyyyyyyyyy"
		      "yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy"
		      "yyyyyyyy'],\n"
		      " 'l': 1}");
}
END_TEST

START_TEST(test_long_string_at_top_level_in_parentheses)
{
	check_pformat(
		"\"Lorem ipsum dolor sit amet, consectetur adipiscing elit, "
		"sed do eiusmod tempor incididunt ut labore et dolore magna aliqua. Ut enim ad minim veniam, "
		"quis nostrud exercitation ullamco laboris.\"",
		120,
		"('Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod "
		"tempor incididunt ut labore et dolore magna '\n"
		" 'aliqua. Ut enim ad minim veniam, quis nostrud exercitation ullamco laboris.')");
}
END_TEST

START_TEST(test_long_string_as_dict_value_split_into_literals)
{
	check_pformat(
		"{\"description\": \"Lorem ipsum dolor sit amet, consectetur adipiscing elit, "
		"sed do eiusmod tempor incididunt ut labore et dolore magna aliqua. Ut enim ad minim veniam, "
		"quis nostrud exercitation ullamco laboris.\", \"short\": \"x\"}",
		120,
		"{'description': 'Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed "
		"do eiusmod tempor incididunt ut labore '\n"
		"                "
		"'et dolore magna aliqua. Ut enim ad minim veniam, quis nostrud exercitation "
		"ullamco laboris.',\n"
		" 'short': 'x'}");
}
END_TEST

START_TEST(test_long_string_in_list)
{
	check_pformat(
		"[\"Lorem ipsum dolor sit amet, consectetur adipiscing elit, "
		"sed do eiusmod tempor incididunt ut labore et dolore magna aliqua. Ut enim ad minim veniam, "
		"quis nostrud exercitation ullamco laboris.\", \"Lorem ipsum dolor sit amet, "
		"consectetur adipiscing\"]",
		120,
		"['Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod "
		"tempor incididunt ut labore et dolore magna '\n"
		" 'aliqua. Ut enim ad minim veniam, quis nostrud exercitation ullamco laboris.',\n"
		" 'Lorem ipsum dolor sit amet, consectetur adipiscing']");
}
END_TEST

START_TEST(test_long_string_without_spaces_stays_whole)
{
	check_pformat("{\"key\": "
		      "\"zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz"
		      "zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz"
		      "zzzzzzzzzzzzzzzzzzzzzzzzzzzzzz\"}",
		      120,
		      "{'key': 'zzzzzzzzzzzzzzzzzzzzz"
		      "zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz"
		      "zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz"
		      "zzzzzzzzzzzzzzzzzzz'}");
}
END_TEST

START_TEST(test_long_string_split_at_newlines)
{
	check_pformat("{\"text\": \"first line\\nsecond line that is somewhat longer than the others\\nthird "
		      "third third third third third third third third third third third third third third "
		      "third third third third third \\nend\"}",
		      120,
		      "{'text': 'first line\\n'\n"
		      "         'second line that is somewhat longer than the others\\n'\n"
		      "         "
		      "'third third third third third third third third third third third third third "
		      "third third third third third '\n"
		      "         'third third \\n'\n"
		      "         'end'}");
}
END_TEST

START_TEST(test_long_string_each_chunk_picks_its_quote)
{
	check_pformat("{\"q\": \"it's a word word word word word word word word word word word word word "
		      "word word word word word word word word word word word word say \\\"yes\\\" say "
		      "\\\"yes\\\" say \\\"yes\\\" say \\\"yes\\\" say \\\"yes\\\" say \\\"yes\\\" say "
		      "\\\"yes\\\" say \\\"yes\\\" say \\\"yes\\\" say \\\"yes\\\" \"}",
		      120,
		      "{'q': \"it's a word word word word word word word word word word word word word "
		      "word word word word word word word word \"\n"
		      "      "
		      "'word word word word say \"yes\" say \"yes\" say \"yes\" say \"yes\" say \"yes\" "
		      "say \"yes\" say \"yes\" say \"yes\" say \"yes\" '\n"
		      "      'say \"yes\" '}");
}
END_TEST

START_TEST(test_long_unicode_string_counts_code_points)
{
	check_pformat(
		"{\"u\": \"\\u00e9\\u00e8 \\u00e9\\u00e8 \\u00e9\\u00e8 \\u00e9\\u00e8 \\u00e9\\u00e8 "
		"\\u00e9\\u00e8 \\u00e9\\u00e8 \\u00e9\\u00e8 \\u00e9\\u00e8 \\u00e9\\u00e8 \\u00e9\\u00e8 "
		"\\u00e9\\u00e8 \\u00e9\\u00e8 \\u00e9\\u00e8 \\u00e9\\u00e8 \\u00e9\\u00e8 \\u00e9\\u00e8 "
		"\\u00e9\\u00e8 \\u00e9\\u00e8 \\u00e9\\u00e8 \\u00e9\\u00e8 \\u00e9\\u00e8 \\u00e9\\u00e8 "
		"\\u00e9\\u00e8 \\u00e9\\u00e8 \\u00e9\\u00e8 \\u00e9\\u00e8 \\u00e9\\u00e8 \\u00e9\\u00e8 "
		"\\u00e9\\u00e8 \\u00e9\\u00e8 \\u00e9\\u00e8 \\u00e9\\u00e8 \\u00e9\\u00e8 \\u00e9\\u00e8 "
		"\\u00e9\\u00e8 \\u00e9\\u00e8 \\u00e9\\u00e8 \\u00e9\\u00e8 \\u00e9\\u00e8 \\u00e9\\u00e8 "
		"\\u00e9\\u00e8 \\u00e9\\u00e8 \\u00e9\\u00e8 \\u00e9\\u00e8 \"}",
		120,
		"{'u': '\303\251\303\250 \303\251\303\250 \303\251\303\250 \303\251\303\250 \303\251"
		"\303\250 \303\251\303\250 \303\251\303\250 \303\251\303\250 \303\251\303\250 "
		"\303\251\303\250 \303\251\303\250 \303\251\303\250 \303\251\303\250 \303\251\303\250"
		" \303\251\303\250 \303\251\303\250 \303\251\303\250 \303\251\303\250 \303\251"
		"\303\250 \303\251\303\250 \303\251\303\250 \303\251\303\250 \303\251\303\250 "
		"\303\251\303\250 \303\251\303\250 \303\251\303\250 \303\251\303\250 \303\251\303\250"
		" \303\251\303\250 \303\251\303\250 \303\251\303\250 \303\251\303\250 \303\251"
		"\303\250 \303\251\303\250 \303\251\303\250 \303\251\303\250 \303\251\303\250 '\n"
		"      "
		"'\303\251\303\250 \303\251\303\250 \303\251\303\250 \303\251\303\250 \303\251"
		"\303\250 \303\251\303\250 \303\251\303\250 \303\251\303\250 '}");
}
END_TEST

START_TEST(test_narrow_width_nested)
{
	check_pformat(
		"{\"controllers\": [{\"traddr\": \"10.0.0.1\", \"trsvcid\": \"8009\"}], \"tron\": true}", 20,
		"{'controllers': [{'traddr': '10.0.0.1',\n"
		"                  'trsvcid': '8009'}],\n"
		" 'tron': True}");
}
END_TEST

START_TEST(test_deep_nesting)
{
	check_pformat(
		"[[[[{\"a\": [[[\"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbb\", \"cccccccccccccccccccccccccccccc\", "
		"\"dddddddddddddddddddddddddddddd\"]]]}]]]]",
		60,
		"[[[[{'a': [[['bbbbbbbbbbbbbbbbbbbbbbbbbbbbbb',\n"
		"             'cccccccccccccccccccccccccccccc',\n"
		"             'dddddddddddddddddddddddddddddd']]]}]]]]");
}
END_TEST

START_TEST(test_width_zero_left_still_prints_scalars)
{
	check_pformat("{\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		      "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\": \"v\", "
		      "\"b\": 890}",
		      120,
		      "{'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		      "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa': 'v',\n"
		      " 'b': 890}");
}
END_TEST

START_TEST(test_null_node_prints_none)
{
	g_autofree char *text = stas_pprint_format(NULL, STAS_PPRINT_WIDTH);

	ck_assert_str_eq(text, "None");
}
END_TEST

START_TEST(test_repr_str_escapes_invalid_utf8_as_surrogates)
{
	g_autofree char *text = stas_pprint_repr_str("a\377b\303");

	ck_assert_str_eq(text, "'a\\udcffb\\udcc3'");
}
END_TEST

START_TEST(test_repr_str_prefers_single_quotes)
{
	g_autofree char *plain = stas_pprint_repr_str("nvme?");
	g_autofree char *single = stas_pprint_repr_str("it's");
	g_autofree char *both = stas_pprint_repr_str("'\"");

	ck_assert_str_eq(plain, "'nvme?'");
	ck_assert_str_eq(single, "\"it's\"");
	ck_assert_str_eq(both, "'\\'\"'");
}
END_TEST

START_TEST(test_repr_double_shortest_round_trip)
{
	static const struct {
		double value;
		const char *text;
	} cases[] = {
		{ 0.1, "0.1" },
		{ 60.0, "60.0" },
		{ 1e-05, "1e-05" },
		{ 0.0001, "0.0001" },
		{ 1e16, "1e+16" },
		{ 1e15, "1000000000000000.0" },
		{ -0.0, "-0.0" },
		{ 5e-324, "5e-324" },
		{ 1.7976931348623157e308, "1.7976931348623157e+308" },
		/* a power of two whose shortest digits lie above the correctly rounded ones */
		{ 7.120236347223045e-307, "7.120236347223045e-307" },
		{ 1.0 / 0.0, "inf" },
		{ -1.0 / 0.0, "-inf" },
	};

	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autofree char *text = stas_pprint_repr_double(cases[i].value);

		ck_assert_str_eq(text, cases[i].text);
	}
}
END_TEST

START_TEST(test_json_pretty_reads_back_as_same_value)
{
	static const char *json = "[{\"traddr\": \"10.99.0.2\", \"tron\": false, \"n\": 3, \"none\": null, "
				  "\"u\": \"caf\\u00e9 \\\"q\\\" \\\\\", \"l\": [[], {}]}]";
	g_autoptr(JsonNode) node = json_from_string(json, NULL);
	g_autofree char *text = stas_json_format_pretty(node);
	g_autoptr(JsonNode) back = json_from_string(text, NULL);

	ck_assert_ptr_nonnull(back);
	ck_assert(json_node_equal(node, back));
	ck_assert(g_str_has_prefix(text, "[\n  {\n    \"traddr\" : \"10.99.0.2\",\n"));
	ck_assert(!g_str_has_suffix(text, "\n"));
}
END_TEST

/* json-glib 1.6 (Debian 12) decodes an escaped lone surrogate into bytes
 * that are not UTF-8, in a value or in a member name; -o json output must
 * still be JSON. json-glib 1.10 (Debian 13) refuses such input. */
START_TEST(test_json_pretty_of_lone_surrogates_is_json)
{
	static const char *json = "{\"a\\ud83db\": {\"v\": \"x\\ud83dy\"}}";
	g_autoptr(JsonNode) node = json_from_string(json, NULL);
	g_autofree char *text = NULL;
	g_autoptr(JsonNode) back = NULL;

	if (!node)
		return; /* refused by this json-glib: nothing to print */
	text = stas_json_format_pretty(node);
	ck_assert(g_utf8_validate(text, -1, NULL));
	back = json_from_string(text, NULL);
	ck_assert_ptr_nonnull(back);
}
END_TEST

START_TEST(test_json_pretty_of_null_node_is_null)
{
	g_autofree char *text = stas_json_format_pretty(NULL);

	ck_assert_str_eq(text, "null");
}
END_TEST

static Suite *pprint_suite(void)
{
	Suite *s = suite_create("pprint");
	TCase *tc;

	tc = tcase_create("pformat");
	tcase_add_test(tc, test_list_of_controllers_as_stafctl_ls);
	tcase_add_test(tc, test_status_document_with_wide_nested_keys);
	tcase_add_test(tc, test_empty_dict);
	tcase_add_test(tc, test_empty_list);
	tcase_add_test(tc, test_empty_containers_nested);
	tcase_add_test(tc, test_empty_containers_nested_narrow);
	tcase_add_test(tc, test_scalars_are_python_literals);
	tcase_add_test(tc, test_dict_keys_sorted_by_code_point);
	tcase_add_test(tc, test_quote_choice_like_python_repr);
	tcase_add_test(tc, test_escapes_like_python_repr);
	tcase_add_test(tc, test_container_fits_exactly_at_width);
	tcase_add_test(tc, test_container_one_column_too_wide);
	tcase_add_test(tc, test_dict_value_fits_exactly_with_allowance);
	tcase_add_test(tc, test_dict_value_one_column_too_wide);
	tcase_add_test(tc, test_long_string_at_top_level_in_parentheses);
	tcase_add_test(tc, test_long_string_as_dict_value_split_into_literals);
	tcase_add_test(tc, test_long_string_in_list);
	tcase_add_test(tc, test_long_string_without_spaces_stays_whole);
	tcase_add_test(tc, test_long_string_split_at_newlines);
	tcase_add_test(tc, test_long_string_each_chunk_picks_its_quote);
	tcase_add_test(tc, test_long_unicode_string_counts_code_points);
	tcase_add_test(tc, test_narrow_width_nested);
	tcase_add_test(tc, test_deep_nesting);
	tcase_add_test(tc, test_width_zero_left_still_prints_scalars);
	tcase_add_test(tc, test_null_node_prints_none);
	suite_add_tcase(s, tc);

	tc = tcase_create("repr");
	tcase_add_test(tc, test_repr_str_escapes_invalid_utf8_as_surrogates);
	tcase_add_test(tc, test_repr_str_prefers_single_quotes);
	tcase_add_test(tc, test_repr_double_shortest_round_trip);
	suite_add_tcase(s, tc);

	tc = tcase_create("json");
	tcase_add_test(tc, test_json_pretty_reads_back_as_same_value);
	tcase_add_test(tc, test_json_pretty_of_null_node_is_null);
	tcase_add_test(tc, test_json_pretty_of_lone_surrogates_is_json);
	suite_add_tcase(s, tc);

	return s;
}

int main(void)
{
	return tu_run(pprint_suite());
}
