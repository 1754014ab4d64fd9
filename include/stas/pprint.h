/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What stafctl and stacctl print: the notation of Python's pprint.pformat(obj, width=120), which
 * nvme-stas prints and which scripts read back as a Python literal, and indented JSON for
 * "-o json". Both take a json-glib value: objects are Python dicts, arrays lists, strings str,
 * true/false True/False, null None, integers int and other numbers float.
 */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

/* The width nvme-stas passes to pprint.pformat(). */
#define STAS_PPRINT_WIDTH 120

/* Python 3.11's pprint.pformat(@node, width=@width): dict keys sorted, a container that does not
 * fit in what is left of the line gets one element per line, a string that does not fit is cut
 * after white space into adjacent literals. No trailing newline. A NULL @node prints None. */
char *stas_pprint_format(JsonNode *node, int width);

/* Python's repr() of a string: quotes, escapes and the choice of quote character; bytes that
 * are not UTF-8 print as the surrogate escapes Python gives undecodable bytes ('\udcff'). */
char *stas_pprint_repr_str(const char *str);

/* Python's repr() of a float: the shortest text that reads back as @value ("0.1", "60.0",
 * "1e-05", "1e+16", "inf", "nan"). */
char *stas_pprint_repr_double(double value);

/* @node as JSON text indented by two spaces per level, without trailing newline. */
char *stas_json_format_pretty(JsonNode *node);
