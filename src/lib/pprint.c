// SPDX-License-Identifier: Apache-2.0
/*
 * Python's pprint.pformat() and repr() over json-glib values, rule for rule as CPython 3.11
 * lays them out: nvme-stas prints controller lists this way and scripts parse that output as
 * Python literals, so both the layout and the quoting are part of the interface. Widths are
 * counted in code points, as Python counts them.
 */
#include "stas/pprint.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
	GString *out;
	int width;
} Printer;

/* The next code point of [*pos, end); a byte that does not start a valid UTF-8 sequence is
 * taken alone as the lone surrogate U+DC80..U+DCFF, as Python's surrogateescape decodes it. */
static gunichar next_char(const char **pos, const char *end)
{
	const guchar *p = (const guchar *)*pos;
	gunichar c = g_utf8_get_char_validated(*pos, end - *pos);

	if (c == (gunichar)-1 || c == (gunichar)-2) {
		*pos += 1;
		return *p < 0x80 ? *p : 0xDC00 + *p;
	}
	*pos = g_utf8_next_char(*pos);
	return c;
}

/* str.isprintable() for a code point outside ASCII: every category but "Other" and
 * "Separator". */
static gboolean is_printable(gunichar c)
{
	switch (g_unichar_type(c)) {
	case G_UNICODE_CONTROL:
	case G_UNICODE_FORMAT:
	case G_UNICODE_UNASSIGNED:
	case G_UNICODE_PRIVATE_USE:
	case G_UNICODE_SURROGATE:
	case G_UNICODE_LINE_SEPARATOR:
	case G_UNICODE_PARAGRAPH_SEPARATOR:
	case G_UNICODE_SPACE_SEPARATOR:
		return FALSE;
	default:
		return TRUE;
	}
}

/* str.isspace(), which is also what \s matches in a Python str pattern. */
static gboolean is_space(gunichar c)
{
	return (c >= 0x09 && c <= 0x0d) || (c >= 0x1c && c <= 0x20) || c == 0x85 || c == 0xa0 ||
	       c == 0x1680 || (c >= 0x2000 && c <= 0x200a) || c == 0x2028 || c == 0x2029 || c == 0x202f ||
	       c == 0x205f || c == 0x3000;
}

/* A line boundary of str.splitlines(); "\r\n" is handled by the caller. */
static gboolean is_line_break(gunichar c)
{
	return c == '\n' || c == '\r' || c == 0x0b || c == 0x0c || c == 0x1c || c == 0x1d || c == 0x1e ||
	       c == 0x85 || c == 0x2028 || c == 0x2029;
}

static void repr_str_len(GString *out, const char *str, gsize len)
{
	const char *end = str + len;
	const char *pos;
	gboolean squote = FALSE, dquote = FALSE;
	char quote;

	for (pos = str; pos < end; pos++) {
		squote |= *pos == '\'';
		dquote |= *pos == '"';
	}
	quote = squote && !dquote ? '"' : '\'';

	g_string_append_c(out, quote);
	for (pos = str; pos < end;) {
		const char *start = pos;
		gunichar c = next_char(&pos, end);

		if (c == (gunichar)quote || c == '\\') {
			g_string_append_c(out, '\\');
			g_string_append_c(out, (char)c);
		} else if (c == '\t') {
			g_string_append(out, "\\t");
		} else if (c == '\n') {
			g_string_append(out, "\\n");
		} else if (c == '\r') {
			g_string_append(out, "\\r");
		} else if (c < ' ' || c == 0x7f) {
			g_string_append_printf(out, "\\x%02x", c);
		} else if (c < 0x7f) {
			g_string_append_c(out, (char)c);
		} else if (is_printable(c)) {
			g_string_append_len(out, start, pos - start);
		} else if (c <= 0xff) {
			g_string_append_printf(out, "\\x%02x", c);
		} else if (c <= 0xffff) {
			g_string_append_printf(out, "\\u%04x", c);
		} else {
			g_string_append_printf(out, "\\U%08x", c);
		}
	}
	g_string_append_c(out, quote);
}

char *stas_pprint_repr_str(const char *str)
{
	GString *out = g_string_new(NULL);

	repr_str_len(out, str, strlen(str));
	return g_string_free(out, FALSE);
}

/* Reads back the decimal @digits x 10^(@exponent - ndigits + 1). */
static double digits_value(const char *digits, int exponent)
{
	char buf[64];

	snprintf(buf, sizeof(buf), "%c.%se%d", digits[0], digits + 1, exponent);
	return strtod(buf, NULL);
}

/* The shortest decimal digits (and the exponent of the first one) that read back as the
 * finite, positive @value, the closest to @value among them: the correctly rounded digits at
 * each precision, or the digits just above them, for values just above a power of two whose
 * rounding interval is wider upwards. */
static void shortest_digits(double value, char digits[20], int *exponent)
{
	char buf[64];
	int precision;

	for (precision = 1; precision <= 17; precision++) {
		int n = 0, carry = 1;
		const char *p;

		snprintf(buf, sizeof(buf), "%.*e", precision - 1, value);
		for (p = buf; *p != 'e'; p++) {
			if (g_ascii_isdigit(*p))
				digits[n++] = *p;
		}
		digits[n] = '\0';
		*exponent = atoi(p + 1);
		if (digits_value(digits, *exponent) == value || precision == 17)
			break;
		for (int i = n - 1; i >= 0 && carry; i--) {
			carry = digits[i] == '9';
			digits[i] = carry ? '0' : digits[i] + 1;
		}
		if (carry) {
			digits[0] = '1';
			*exponent += 1;
		}
		if (digits_value(digits, *exponent) == value)
			break;
	}
	for (int n = (int)strlen(digits); n > 1 && digits[n - 1] == '0'; n--)
		digits[n - 1] = '\0';
}

/* float.__repr__: the shortest digits, in positional notation when the decimal exponent is in
 * [-4, 16), else in exponent notation with a signed exponent of at least two digits. */
static void repr_double(GString *out, double value)
{
	char digits[20];
	int exponent, ndigits, point;

	if (isnan(value)) {
		g_string_append(out, "nan");
		return;
	}
	if (signbit(value))
		g_string_append_c(out, '-');
	value = fabs(value);
	if (isinf(value)) {
		g_string_append(out, "inf");
		return;
	}
	if (value == 0) {
		g_string_append(out, "0.0");
		return;
	}
	shortest_digits(value, digits, &exponent);
	ndigits = (int)strlen(digits);
	point = exponent + 1; /* digits before the decimal point */

	if (point > -4 && point <= 16) {
		if (point <= 0) {
			g_string_append(out, "0.");
			for (int i = 0; i < -point; i++)
				g_string_append_c(out, '0');
			g_string_append(out, digits);
		} else if (point >= ndigits) {
			g_string_append(out, digits);
			for (int i = ndigits; i < point; i++)
				g_string_append_c(out, '0');
			g_string_append(out, ".0");
		} else {
			g_string_append_len(out, digits, point);
			g_string_append_c(out, '.');
			g_string_append(out, digits + point);
		}
	} else {
		g_string_append_c(out, digits[0]);
		if (ndigits > 1) {
			g_string_append_c(out, '.');
			g_string_append(out, digits + 1);
		}
		g_string_append_printf(out, "e%c%02d", exponent < 0 ? '-' : '+', abs(exponent));
	}
}

char *stas_pprint_repr_double(double value)
{
	GString *out = g_string_new(NULL);

	repr_double(out, value);
	return g_string_free(out, FALSE);
}

static int compare_names(gconstpointer a, gconstpointer b)
{
	return strcmp(a, b);
}

/* The member names of @object in the order Python's sorted() puts str keys: by code point,
 * which is byte order in UTF-8. */
static GList *sorted_names(JsonObject *object)
{
	return g_list_sort(json_object_get_members(object), compare_names);
}

/* repr() of the whole value on one line (PrettyPrinter._safe_repr). */
static void repr_node(GString *out, JsonNode *node)
{
	if (!node || JSON_NODE_HOLDS_NULL(node)) {
		g_string_append(out, "None");
		return;
	}
	if (JSON_NODE_HOLDS_OBJECT(node)) {
		JsonObject *object = json_node_get_object(node);
		GList *names = sorted_names(object);

		g_string_append_c(out, '{');
		for (GList *l = names; l; l = l->next) {
			if (l != names)
				g_string_append(out, ", ");
			repr_str_len(out, l->data, strlen(l->data));
			g_string_append(out, ": ");
			repr_node(out, json_object_get_member(object, l->data));
		}
		g_string_append_c(out, '}');
		g_list_free(names);
		return;
	}
	if (JSON_NODE_HOLDS_ARRAY(node)) {
		JsonArray *array = json_node_get_array(node);
		guint n = json_array_get_length(array);

		g_string_append_c(out, '[');
		for (guint i = 0; i < n; i++) {
			if (i)
				g_string_append(out, ", ");
			repr_node(out, json_array_get_element(array, i));
		}
		g_string_append_c(out, ']');
		return;
	}
	switch (json_node_get_value_type(node)) {
	case G_TYPE_BOOLEAN:
		g_string_append(out, json_node_get_boolean(node) ? "True" : "False");
		break;
	case G_TYPE_INT64:
		g_string_append_printf(out, "%" G_GINT64_FORMAT, json_node_get_int(node));
		break;
	case G_TYPE_DOUBLE:
		repr_double(out, json_node_get_double(node));
		break;
	case G_TYPE_STRING: {
		const char *str = json_node_get_string(node);

		repr_str_len(out, str, strlen(str));
		break;
	}
	default:
		g_string_append(out, "None");
		break;
	}
}

/* len() of a repr: reprs are valid UTF-8, invalid input having been escaped. */
static int repr_width(const GString *rep)
{
	return (int)g_utf8_strlen(rep->str, rep->len);
}

static int str_repr_width(const char *str, gsize len)
{
	g_autoptr(GString) rep = g_string_new(NULL);

	repr_str_len(rep, str, len);
	return repr_width(rep);
}

static void format_node(Printer *p, JsonNode *node, int indent, int allowance, int level);

static void indent_to(Printer *p, int indent)
{
	for (int i = 0; i < indent; i++)
		g_string_append_c(p->out, ' ');
}

/* PrettyPrinter._pprint_dict and _format_dict_items: each value aligned after its "'key': ". */
static void pprint_object(Printer *p, JsonObject *object, int indent, int allowance, int level)
{
	GList *names = sorted_names(object);

	g_string_append_c(p->out, '{');
	indent += 1;
	allowance += 1;
	for (GList *l = names; l; l = l->next) {
		g_autoptr(GString) key = g_string_new(NULL);
		gboolean last = !l->next;

		repr_str_len(key, l->data, strlen(l->data));
		g_string_append_len(p->out, key->str, key->len);
		g_string_append(p->out, ": ");
		format_node(p, json_object_get_member(object, l->data), indent + repr_width(key) + 2,
			    last ? allowance : 1, level);
		if (!last) {
			g_string_append(p->out, ",\n");
			indent_to(p, indent);
		}
	}
	g_string_append_c(p->out, '}');
	g_list_free(names);
}

/* PrettyPrinter._pprint_list and _format_items (not compact): one element per line. */
static void pprint_array(Printer *p, JsonArray *array, int indent, int allowance, int level)
{
	guint n = json_array_get_length(array);

	g_string_append_c(p->out, '[');
	indent += 1;
	allowance += 1;
	for (guint i = 0; i < n; i++) {
		gboolean last = i + 1 == n;

		if (i) {
			g_string_append(p->out, ",\n");
			indent_to(p, indent);
		}
		format_node(p, json_array_get_element(array, i), indent, last ? allowance : 1, level);
	}
	g_string_append_c(p->out, ']');
}

typedef struct {
	const char *start;
	gsize len;
} Span;

/* str.splitlines(keepends=True). */
static GArray *split_lines(const char *str, gsize len)
{
	GArray *lines = g_array_new(FALSE, FALSE, sizeof(Span));
	const char *end = str + len;
	const char *start = str;
	const char *pos = str;

	while (pos < end) {
		gunichar c = next_char(&pos, end);

		if (!is_line_break(c))
			continue;
		if (c == '\r' && pos < end && *pos == '\n')
			pos++;
		g_array_append_val(lines, ((Span){ start, pos - start }));
		start = pos;
	}
	if (start < end)
		g_array_append_val(lines, ((Span){ start, end - start }));
	return lines;
}

/* re.findall(r'\S*\s*', line) without the final empty match: runs of non-space characters,
 * each with the white space that follows it. */
static GArray *split_words(Span line)
{
	GArray *parts = g_array_new(FALSE, FALSE, sizeof(Span));
	const char *end = line.start + line.len;
	const char *pos = line.start;

	while (pos < end) {
		const char *start = pos;
		const char *next = pos;
		gboolean in_space = FALSE;

		while (next < end) {
			const char *here = next;
			gboolean space = is_space(next_char(&next, end));

			if (!space && in_space) {
				next = here;
				break;
			}
			in_space |= space;
		}
		pos = next;
		g_array_append_val(parts, ((Span){ start, pos - start }));
	}
	return parts;
}

static void add_chunk(GPtrArray *chunks, const char *str, gsize len)
{
	GString *rep = g_string_new(NULL);

	repr_str_len(rep, str, len);
	g_ptr_array_add(chunks, g_string_free(rep, FALSE));
}

/* PrettyPrinter._pprint_str: a string too long for its place is cut, line by line and then
 * after white space, into adjacent literals, one per output line; only a string at the top
 * level is put in parentheses. Each literal picks its own quote character. */
static void pprint_str(Printer *p, const char *str, int indent, int allowance, int level)
{
	g_autoptr(GPtrArray) chunks = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GArray) lines = NULL;
	gsize len = strlen(str);
	int max_width, max_width1;

	if (!len) {
		repr_str_len(p->out, str, len);
		return;
	}
	lines = split_lines(str, len);
	if (level == 1) {
		indent += 1;
		allowance += 1;
	}
	max_width1 = max_width = p->width - indent;
	for (guint i = 0; i < lines->len; i++) {
		Span line = g_array_index(lines, Span, i);
		gboolean last_line = i + 1 == lines->len;
		g_autoptr(GArray) parts = NULL;
		const char *current = line.start;
		gsize current_len = 0;
		int max_width2 = max_width;

		if (last_line)
			max_width1 -= allowance;
		if (str_repr_width(line.start, line.len) <= max_width1) {
			add_chunk(chunks, line.start, line.len);
			continue;
		}
		parts = split_words(line);
		for (guint j = 0; j < parts->len; j++) {
			Span part = g_array_index(parts, Span, j);
			gsize candidate_len = part.start + part.len - current;

			if (last_line && j + 1 == parts->len)
				max_width2 -= allowance;
			if (str_repr_width(current, candidate_len) > max_width2) {
				if (current_len)
					add_chunk(chunks, current, current_len);
				current = part.start;
				current_len = part.len;
			} else {
				current_len = candidate_len;
			}
		}
		if (current_len)
			add_chunk(chunks, current, current_len);
	}

	if (chunks->len == 1) {
		g_string_append(p->out, g_ptr_array_index(chunks, 0));
		return;
	}
	if (level == 1)
		g_string_append_c(p->out, '(');
	for (guint i = 0; i < chunks->len; i++) {
		if (i) {
			g_string_append_c(p->out, '\n');
			indent_to(p, indent);
		}
		g_string_append(p->out, g_ptr_array_index(chunks, i));
	}
	if (level == 1)
		g_string_append_c(p->out, ')');
}

/* PrettyPrinter._format: the one-line repr when it fits in the width left once @indent and
 * the @allowance for closing brackets and commas are taken; else the multi-line layout, for
 * the types that have one. */
static void format_node(Printer *p, JsonNode *node, int indent, int allowance, int level)
{
	g_autoptr(GString) rep = g_string_new(NULL);

	repr_node(rep, node);
	if (node && repr_width(rep) > p->width - indent - allowance) {
		if (JSON_NODE_HOLDS_OBJECT(node)) {
			pprint_object(p, json_node_get_object(node), indent, allowance, level + 1);
			return;
		}
		if (JSON_NODE_HOLDS_ARRAY(node)) {
			pprint_array(p, json_node_get_array(node), indent, allowance, level + 1);
			return;
		}
		if (JSON_NODE_HOLDS_VALUE(node) && json_node_get_value_type(node) == G_TYPE_STRING) {
			pprint_str(p, json_node_get_string(node), indent, allowance, level + 1);
			return;
		}
	}
	g_string_append_len(p->out, rep->str, rep->len);
}

char *stas_pprint_format(JsonNode *node, int width)
{
	Printer p = { g_string_new(NULL), width };

	format_node(&p, node, 0, 0, 0);
	return g_string_free(p.out, FALSE);
}

static void fix_values(JsonNode *node);

static void fix_member(JsonObject *object, const char *name, JsonNode *member, gpointer data)
{
	fix_values(member);
}

static void fix_element(JsonArray *array, guint index, JsonNode *element, gpointer data)
{
	fix_values(element);
}

/* Member names get the same treatment as strings: an object with a name
 * that is not UTF-8 is rebuilt with valid names (fuzz_pprint). */
static void fix_names(JsonNode *node)
{
	JsonObject *object = json_node_get_object(node);
	g_autoptr(GList) names = json_object_get_members(object);
	JsonObject *fixed;
	GList *bad = names;

	while (bad && g_utf8_validate(bad->data, -1, NULL))
		bad = bad->next;
	if (!bad)
		return; /* every name is valid */
	fixed = json_object_new();
	for (GList *l = names; l; l = l->next) {
		g_autofree char *valid = g_utf8_make_valid(l->data, -1);

		json_object_set_member(fixed, valid, json_node_copy(json_object_get_member(object, l->data)));
	}
	json_node_take_object(node, fixed);
}

/* What json-glib 1.6 would write as something that is not JSON. A double it
 * prints as "%.17g" followed by ".0" when that has no point, so 1e17 comes out
 * as "1e+17.0" (fuzz N3); such a double is integral: it goes out as an integer
 * when it fits, else as text. Strings are made valid UTF-8. */
static void fix_values(JsonNode *node)
{
	char text[G_ASCII_DTOSTR_BUF_SIZE];
	double value;

	if (JSON_NODE_HOLDS_OBJECT(node)) {
		fix_names(node);
		json_object_foreach_member(json_node_get_object(node), fix_member, NULL);
		return;
	}
	if (JSON_NODE_HOLDS_ARRAY(node)) {
		json_array_foreach_element(json_node_get_array(node), fix_element, NULL);
		return;
	}
	if (!JSON_NODE_HOLDS_VALUE(node))
		return;
	/* json-glib turns an escaped lone surrogate ("\ud83d") into bytes that are
	 * not UTF-8, and its own parser then refuses what its generator wrote. */
	if (json_node_get_value_type(node) == G_TYPE_STRING) {
		const char *str = json_node_get_string(node);

		if (!g_utf8_validate(str, -1, NULL)) {
			g_autofree char *valid = g_utf8_make_valid(str, -1);

			json_node_set_string(node, valid);
		}
		return;
	}
	if (json_node_get_value_type(node) != G_TYPE_DOUBLE)
		return;
	value = json_node_get_double(node);
	g_ascii_formatd(text, sizeof(text), "%.17g", value);
	if (strchr(text, '.'))
		return;
	if (value >= -9.2e18 && value <= 9.2e18)
		json_node_set_int(node, (gint64)value);
	else
		json_node_set_string(node, text);
}

char *stas_json_format_pretty(JsonNode *node)
{
	g_autoptr(JsonGenerator) generator = json_generator_new();
	g_autoptr(JsonNode) null_node = NULL;
	g_autoptr(JsonNode) copy = NULL;

	if (!node)
		node = null_node = json_node_new(JSON_NODE_NULL);
	copy = json_node_copy(node);
	fix_values(copy);
	node = copy;
	json_generator_set_pretty(generator, TRUE);
	json_generator_set_indent(generator, 2);
	json_generator_set_root(generator, node);
	return json_generator_to_data(generator, NULL);
}
