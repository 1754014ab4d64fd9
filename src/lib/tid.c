// SPDX-License-Identifier: Apache-2.0
/*
 * Transport identifier: the key of every controller object in both daemons.
 * Immutable once built and reference-counted, so it can be shared between
 * the main loop, worker threads and hash tables without copies.
 */
#include <string.h>

#include "stas/dlpe.h"
#include "stas/iface.h"
#include "stas/tid.h"

enum { TRANSPORT, TRADDR, TRSVCID, SUBSYSNQN, HOST_TRADDR, HOST_IFACE, HOST_NQN, N_FIELDS };

/* The cid keys of the identity fields, in the order of the dictionary form. */
static const char *const field_keys[N_FIELDS] = {
	[TRANSPORT] = "transport", [TRADDR] = "traddr",		  [TRSVCID] = "trsvcid",
	[SUBSYSNQN] = "subsysnqn", [HOST_TRADDR] = "host-traddr", [HOST_IFACE] = "host-iface",
	[HOST_NQN] = "host-nqn",
};

struct _StasTid {
	gint ref;
	char *field[N_FIELDS];
	GHashTable *cfg; /* every other cid key (and host-nqn when given) */
	char *printable;
};

static const char *lookup(GHashTable *cid, const char *key)
{
	const char *value = cid ? g_hash_table_lookup(cid, key) : NULL;

	return value ? value : "";
}

static gboolean is_identity_key(const char *key)
{
	for (guint i = 0; i < HOST_NQN; i++) {
		if (g_str_equal(key, field_keys[i]))
			return TRUE;
	}
	return FALSE;
}

static char *make_printable(const StasTid *tid)
{
	GString *str = g_string_new("(");

	g_string_append_printf(str, "%s, %s, %s", tid->field[TRANSPORT], tid->field[TRADDR],
			       tid->field[TRSVCID]);
	/* subsysnqn, then host-iface, then host-traddr: the order nvme-stas logs use */
	if (*tid->field[SUBSYSNQN])
		g_string_append_printf(str, ", %s", tid->field[SUBSYSNQN]);
	if (*tid->field[HOST_IFACE])
		g_string_append_printf(str, ", %s", tid->field[HOST_IFACE]);
	if (*tid->field[HOST_TRADDR])
		g_string_append_printf(str, ", %s", tid->field[HOST_TRADDR]);
	g_string_append_c(str, ')');
	return g_string_free(str, FALSE);
}

static gboolean all_digits(const char *text)
{
	if (!*text)
		return FALSE;
	for (const char *p = text; *p; p++) {
		if (!g_ascii_isdigit(*p))
			return FALSE;
	}
	return TRUE;
}

char *stas_tid_canonical(const char *key, const char *value)
{
	if (!value)
		return g_strdup("");
	if (g_str_equal(key, "transport"))
		return g_ascii_strdown(value, -1);
	if (g_str_equal(key, "traddr") || g_str_equal(key, "host-traddr")) {
		char *ip = stas_ip_canonical(value);

		return ip ? ip : g_strdup(value);
	}
	if (g_str_equal(key, "trsvcid") && all_digits(value)) {
		while (value[0] == '0' && value[1])
			value++;
		return g_strdup(value);
	}
	return g_strdup(value);
}

StasTid *stas_tid_new(GHashTable *cid, const char *system_hostnqn, gboolean ignore_iface)
{
	StasTid *tid = g_new0(StasTid, 1);
	g_autofree char *transport = stas_tid_canonical("transport", lookup(cid, "transport"));
	g_autofree char *trsvcid = stas_tid_canonical("trsvcid", lookup(cid, "trsvcid"));
	GHashTableIter iter;
	gpointer key, value;

	tid->ref = 1;
	tid->field[TRANSPORT] = g_strdup(transport);
	tid->field[TRADDR] = stas_tid_canonical("traddr", lookup(cid, "traddr"));
	/* Only IP transports have a service id; the defaults are the IANA ports
	 * for discovery (tcp) and the NVMe/RDMA port (rdma), as nvme-stas. */
	if (g_str_equal(transport, "tcp"))
		tid->field[TRSVCID] = g_strdup(*trsvcid ? trsvcid : "8009");
	else if (g_str_equal(transport, "rdma"))
		tid->field[TRSVCID] = g_strdup(*trsvcid ? trsvcid : "4420");
	else
		tid->field[TRSVCID] = g_strdup("");
	tid->field[SUBSYSNQN] = g_strdup(lookup(cid, "subsysnqn"));
	tid->field[HOST_TRADDR] = stas_tid_canonical("host-traddr", lookup(cid, "host-traddr"));
	tid->field[HOST_IFACE] = g_strdup(ignore_iface ? "" : lookup(cid, "host-iface"));
	if (cid && g_hash_table_contains(cid, "host-nqn"))
		tid->field[HOST_NQN] = g_strdup(lookup(cid, "host-nqn"));
	else
		tid->field[HOST_NQN] = g_strdup(system_hostnqn ? system_hostnqn : "");

	tid->cfg = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	if (cid) {
		g_hash_table_iter_init(&iter, cid);
		while (g_hash_table_iter_next(&iter, &key, &value)) {
			if (!is_identity_key(key))
				g_hash_table_insert(tid->cfg, g_strdup(key), g_strdup(value ? value : ""));
		}
	}
	tid->printable = make_printable(tid);
	return tid;
}

StasTid *stas_tid_new_from_entry(const StasCtrlEntry *entry, const char *system_hostnqn,
				 gboolean ignore_iface)
{
	return stas_tid_new(entry->values, system_hostnqn, ignore_iface);
}

StasTid *stas_tid_ref(StasTid *tid)
{
	g_atomic_int_inc(&tid->ref);
	return tid;
}

void stas_tid_unref(StasTid *tid)
{
	if (!tid || !g_atomic_int_dec_and_test(&tid->ref))
		return;
	for (guint i = 0; i < N_FIELDS; i++)
		g_free(tid->field[i]);
	g_hash_table_unref(tid->cfg);
	g_free(tid->printable);
	g_free(tid);
}

const char *stas_tid_transport(const StasTid *tid)
{
	return tid->field[TRANSPORT];
}

const char *stas_tid_traddr(const StasTid *tid)
{
	return tid->field[TRADDR];
}

const char *stas_tid_trsvcid(const StasTid *tid)
{
	return tid->field[TRSVCID];
}

const char *stas_tid_subsysnqn(const StasTid *tid)
{
	return tid->field[SUBSYSNQN];
}

const char *stas_tid_host_traddr(const StasTid *tid)
{
	return tid->field[HOST_TRADDR];
}

const char *stas_tid_host_iface(const StasTid *tid)
{
	return tid->field[HOST_IFACE];
}

const char *stas_tid_host_nqn(const StasTid *tid)
{
	return tid->field[HOST_NQN];
}

const char *stas_tid_cfg(const StasTid *tid, const char *key)
{
	return g_hash_table_lookup(tid->cfg, key);
}

GHashTable *stas_tid_cfg_table(const StasTid *tid)
{
	return tid->cfg;
}

guint stas_tid_hash(gconstpointer p)
{
	const StasTid *tid = p;
	guint hash = 17;

	for (guint i = 0; i < N_FIELDS; i++)
		hash = hash * 31 + g_str_hash(tid->field[i]);
	return hash;
}

gboolean stas_tid_equal(gconstpointer a, gconstpointer b)
{
	const StasTid *x = a, *y = b;

	if (x == y)
		return TRUE;
	if (!x || !y)
		return FALSE;
	for (guint i = 0; i < N_FIELDS; i++) {
		if (!g_str_equal(x->field[i], y->field[i]))
			return FALSE;
	}
	return TRUE;
}

const char *stas_tid_to_string(const StasTid *tid)
{
	return tid->printable;
}

GHashTable *stas_tid_as_dict(const StasTid *tid)
{
	GHashTable *dict = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	GHashTableIter iter;
	gpointer key, value;

	for (guint i = 0; i < HOST_NQN; i++)
		g_hash_table_insert(dict, g_strdup(field_keys[i]), g_strdup(tid->field[i]));
	g_hash_table_iter_init(&iter, tid->cfg);
	while (g_hash_table_iter_next(&iter, &key, &value))
		g_hash_table_insert(dict, g_strdup(key), g_strdup(value));
	/* The identity host-nqn wins over a cfg entry of the same name. */
	g_hash_table_insert(dict, g_strdup(field_keys[HOST_NQN]), g_strdup(tid->field[HOST_NQN]));
	return dict;
}

/* Fields a DC or a caller supplies, all of which end up in the connect string. */
static gboolean unsafe_text(const char *text)
{
	for (const guchar *p = (const guchar *)text; *p; p++) {
		if (*p == ',' || *p == '=' || g_ascii_isspace(*p) || g_ascii_iscntrl(*p))
			return TRUE;
	}
	return FALSE;
}

const char *stas_tid_unsafe_reason(const StasTid *tid)
{
	const char *transport = tid->field[TRANSPORT];

	for (guint i = 0; i < N_FIELDS; i++) {
		if (unsafe_text(tid->field[i]))
			return "a field contains a comma, '=', white space or a control character";
	}
	if (g_str_equal(transport, "tcp") || g_str_equal(transport, "rdma")) {
		guint64 port;

		if (!all_digits(tid->field[TRSVCID]) ||
		    !g_ascii_string_to_unsigned(tid->field[TRSVCID], 10, 1, 65535, &port, NULL))
			return "trsvcid is not a port number (1 to 65535)";
	}
	return NULL;
}

static gboolean entry_matches(const StasCtrlEntry *entry, GHashTable *dict)
{
	for (guint i = 0; i < entry->keys->len; i++) {
		const char *key = g_ptr_array_index(entry->keys, i);
		const char *have = g_hash_table_lookup(dict, key);
		g_autofree char *want = NULL;

		if (!have)
			return FALSE;
		want = is_identity_key(key) ? stas_tid_canonical(key, stas_ctrl_entry_get(entry, key))
					    : g_strdup(stas_ctrl_entry_get(entry, key));
		if (!g_str_equal(have, want))
			return FALSE;
	}
	return TRUE;
}

const StasCtrlEntry *stas_exclude_match(const GPtrArray *excludes, GHashTable *dict)
{
	for (guint i = 0; excludes && i < excludes->len; i++) {
		if (entry_matches(g_ptr_array_index(excludes, i), dict))
			return g_ptr_array_index(excludes, i);
	}
	return NULL;
}

const StasCtrlEntry *stas_tid_exclusion(const StasTid *tid, const GPtrArray *excludes)
{
	g_autoptr(GHashTable) dict = stas_tid_as_dict(tid);

	return stas_exclude_match(excludes, dict);
}

gboolean stas_tid_is_excluded(const StasTid *tid, const GPtrArray *excludes)
{
	return stas_tid_exclusion(tid, excludes) != NULL;
}

gboolean stas_tid_list_contains(const GPtrArray *tids, const StasTid *tid)
{
	for (guint i = 0; tids && i < tids->len; i++) {
		if (stas_tid_equal(g_ptr_array_index(tids, i), tid))
			return TRUE;
	}
	return FALSE;
}

static gpointer dict_value(GHashTable *dict, const char *key)
{
	const char *value = dict ? g_hash_table_lookup(dict, key) : NULL;

	return (gpointer)(value ? value : "");
}

StasTid *stas_tid_new_from_fields(const StasTidFields *f, const char *system_hostnqn, gboolean ignore_iface)
{
	const char *const pairs[][2] = {
		{ "transport", f->transport },	   { "traddr", f->traddr },
		{ "trsvcid", f->trsvcid },	   { "subsysnqn", f->subsysnqn },
		{ "host-traddr", f->host_traddr }, { "host-iface", f->host_iface },
		{ "host-nqn", f->host_nqn },
	};
	g_autoptr(GHashTable) cid = g_hash_table_new(g_str_hash, g_str_equal);

	for (guint i = 0; i < G_N_ELEMENTS(pairs); i++) {
		if (pairs[i][1] && *pairs[i][1])
			g_hash_table_insert(cid, (gpointer)pairs[i][0], (gpointer)pairs[i][1]);
	}
	return stas_tid_new(cid, system_hostnqn, ignore_iface);
}

GHashTable *stas_tid_cid_from_dlpe(GHashTable *dlpe, GHashTable *dc)
{
	GHashTable *cid = g_hash_table_new(g_str_hash, g_str_equal);

	g_hash_table_insert(cid, "transport", dict_value(dlpe, "trtype"));
	g_hash_table_insert(cid, "traddr", dict_value(dlpe, "traddr"));
	g_hash_table_insert(cid, "trsvcid", dict_value(dlpe, "trsvcid"));
	g_hash_table_insert(cid, "subsysnqn", dict_value(dlpe, "subnqn"));
	g_hash_table_insert(cid, "host-traddr", dict_value(dc, "host-traddr"));
	g_hash_table_insert(cid, "host-iface", dict_value(dc, "host-iface"));
	if (*(const char *)dict_value(dc, "host-nqn"))
		g_hash_table_insert(cid, "host-nqn", dict_value(dc, "host-nqn"));
	/* the connection option the entry itself asks for; the DC's own TLS setting does not
	 * carry over (a DC reached over TLS may list plain subsystems) */
	if (stas_dlpe_wants_tls(dlpe))
		g_hash_table_insert(cid, "tls", "true");
	return cid;
}

void stas_tid_list_append(GPtrArray *to, const GPtrArray *from)
{
	for (guint i = 0; i < from->len; i++)
		g_ptr_array_add(to, stas_tid_ref(g_ptr_array_index(from, i)));
}

gboolean stas_dict_equal(GHashTable *a, GHashTable *b)
{
	GHashTableIter iter;
	gpointer key, value;

	if (g_hash_table_size(a) != g_hash_table_size(b))
		return FALSE;
	g_hash_table_iter_init(&iter, a);
	while (g_hash_table_iter_next(&iter, &key, &value)) {
		if (!g_hash_table_contains(b, key) || g_strcmp0(value, g_hash_table_lookup(b, key)) != 0)
			return FALSE;
	}
	return TRUE;
}

gboolean stas_tid_cfg_equal(const StasTid *a, const StasTid *b)
{
	return stas_dict_equal(stas_tid_cfg_table(a), stas_tid_cfg_table(b));
}
