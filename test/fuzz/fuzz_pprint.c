// SPDX-License-Identifier: Apache-2.0
/*
 * What stafctl and stacctl print from a daemon's JSON reply: Python's
 * pprint notation at any width, indented JSON, repr() of strings with any
 * bytes, and repr() of floats (which must read back as the same number).
 *
 * Input: a mode byte (bit 7 set: the next 8 bytes are a double for
 * repr(float); otherwise the byte is the width), then JSON text; the same
 * text, up to its first NUL, is also given to repr(str).
 */
#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>

#include "fuzz.h"
#include "stas/pprint.h"

static void check_double(FuzzInput *in)
{
	double value = 0;
	g_autofree char *text = NULL;
	double back;

	if (in->size < sizeof(value))
		return;
	memcpy(&value, in->data, sizeof(value));
	in->data += sizeof(value);
	in->size -= sizeof(value);
	text = stas_pprint_repr_double(value);
	if (isnan(value)) {
		fuzz_assert(g_str_equal(text, "nan"));
		return;
	}
	if (isinf(value)) {
		fuzz_assert(g_str_equal(text, value > 0 ? "inf" : "-inf"));
		return;
	}
	back = g_ascii_strtod(text, NULL);
	fuzz_assert(back == value);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	FuzzInput in = { data, size };
	guint8 mode = fuzz_byte(&in);
	g_autoptr(JsonParser) parser = json_parser_new();
	g_autofree char *text = NULL;
	g_autofree char *repr = NULL;
	size_t len;

	fuzz_init();
	if (mode & 0x80)
		check_double(&in);
	text = fuzz_rest(&in, &len);
	repr = stas_pprint_repr_str(text);
	fuzz_assert(g_utf8_validate(repr, -1, NULL));
	if (g_utf8_validate(text, len, NULL) && json_parser_load_from_data(parser, text, len, NULL)) {
		JsonNode *root = json_parser_get_root(parser);
		g_autofree char *pretty = stas_pprint_format(root, 1 + (mode & 0x7f));
		g_autofree char *json = stas_json_format_pretty(root);
		g_autoptr(JsonParser) again = json_parser_new();

		fuzz_assert(g_utf8_validate(pretty, -1, NULL));
		fuzz_assert(json_parser_load_from_data(again, json, -1, NULL));
	}
	return 0;
}
