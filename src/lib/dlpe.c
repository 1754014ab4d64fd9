// SPDX-License-Identifier: Apache-2.0
/*
 * Discovery log page entries (DLPEs) as nvme-stas dictionaries (SPEC §3.7), and the checks that
 * keep a DC's strings from reaching a fabrics connect string as anything but values.
 */
#include <libnvme.h>

#include "stas/dlpe.h"

static const char *trtype_name(guint v)
{
	switch (v) {
	case NVMF_TRTYPE_UNSPECIFIED:
		return "unspecified";
	case NVMF_TRTYPE_RDMA:
		return "rdma";
	case NVMF_TRTYPE_FC:
		return "fc";
	case NVMF_TRTYPE_TCP:
		return "tcp";
	case NVMF_TRTYPE_LOOP:
		return "loop";
	default:
		return NULL;
	}
}

static const char *adrfam_name(guint v)
{
	/* No "loop" (254) here: libnvme's bindings did not name it either. */
	switch (v) {
	case NVMF_ADDR_FAMILY_PCI:
		return "pci";
	case NVMF_ADDR_FAMILY_IP4:
		return "ipv4";
	case NVMF_ADDR_FAMILY_IP6:
		return "ipv6";
	case NVMF_ADDR_FAMILY_IB:
		return "infiniband";
	case NVMF_ADDR_FAMILY_FC:
		return "fc";
	default:
		return NULL;
	}
}

static const char *subtype_name(guint v)
{
	switch (v) {
	case NVME_NQN_DISC:
		return "referral";
	case NVME_NQN_NVME:
		return "nvme";
	case NVME_NQN_CURR:
		return "discovery";
	default:
		return NULL;
	}
}

static const char *treq_name(guint v)
{
	/* The whole byte is matched, as nvme-stas saw it: a combination of bits is a number. */
	switch (v) {
	case NVMF_TREQ_NOT_SPECIFIED:
		return "not specified";
	case NVMF_TREQ_REQUIRED:
		return "required";
	case NVMF_TREQ_NOT_REQUIRED:
		return "not required";
	case NVMF_TREQ_DISABLE_SQFLOW:
		return "disable sqflow";
	default:
		return NULL;
	}
}

static const char *sectype_name(guint v)
{
	switch (v) {
	case NVMF_TCP_SECTYPE_NONE:
		return "none";
	case NVMF_TCP_SECTYPE_TLS:
		return "tls1.2";
	case NVMF_TCP_SECTYPE_TLS13:
		return "tls1.3";
	default:
		return NULL;
	}
}

static void put_name(GHashTable *dict, const char *key, const char *name, guint value)
{
	g_hash_table_insert(dict, g_strdup(key), name ? g_strdup(name) : g_strdup_printf("%u", value));
}

/* A fixed-size, space or NUL padded entry field as text. A field may fill its whole width
 * without a NUL, so the copy stops at @size; D-Bus needs UTF-8, whatever a DC sends. */
static void put_field(GHashTable *dict, const char *key, const char *field, gsize size)
{
	g_autofree char *raw = g_strndup(field, size);
	g_autofree char *text = g_utf8_make_valid(raw, -1);

	g_hash_table_insert(dict, g_strdup(key), g_strdup(g_strstrip(text)));
}

GHashTable *stas_dlpe_to_dict(const struct nvmf_disc_log_entry *e)
{
	GHashTable *dict = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);

	put_name(dict, "trtype", trtype_name(e->trtype), e->trtype);
	put_name(dict, "adrfam", adrfam_name(e->adrfam), e->adrfam);
	put_field(dict, "traddr", e->traddr, sizeof(e->traddr));
	put_field(dict, "trsvcid", e->trsvcid, sizeof(e->trsvcid));
	put_field(dict, "subnqn", e->subnqn, sizeof(e->subnqn));
	put_name(dict, "subtype", subtype_name(e->subtype), e->subtype);
	put_name(dict, "treq", treq_name(e->treq), e->treq);
	put_name(dict, "portid", NULL, GUINT16_FROM_LE(e->portid));
	put_name(dict, "cntlid", NULL, GUINT16_FROM_LE(e->cntlid));
	put_name(dict, "asqsz", NULL, GUINT16_FROM_LE(e->asqsz));
	put_name(dict, "eflags", NULL, GUINT16_FROM_LE(e->eflags));
	/* nvme-stas leaves tsas out (SPEC §11 #20); a tcp entry that names a security type gets
	 * "sectype", so that stacd knows which entries want TLS. Others stay as nvme-stas had them. */
	if (e->trtype == NVMF_TRTYPE_TCP && e->tsas.tcp.sectype != NVMF_TCP_SECTYPE_NONE)
		put_name(dict, "sectype", sectype_name(e->tsas.tcp.sectype), e->tsas.tcp.sectype);
	return dict;
}

/* A TREQ or SECTYPE of the dictionary as its number: a name of ours or a decimal. */
static guint named_value(GHashTable *dlpe, const char *key, const char *(*name_of)(guint))
{
	const char *text = dlpe ? g_hash_table_lookup(dlpe, key) : NULL;
	guint64 value = 0;

	if (!text || !*text)
		return 0;
	for (guint v = 0; v < 256; v++) {
		const char *name = name_of(v);

		if (name && g_str_equal(name, text))
			return v;
	}
	return g_ascii_string_to_unsigned(text, 10, 0, 255, &value, NULL) ? (guint)value : 0;
}

gboolean stas_dlpe_wants_tls(GHashTable *dlpe)
{
	const char *trtype = dlpe ? g_hash_table_lookup(dlpe, "trtype") : NULL;
	guint channel = named_value(dlpe, "treq", treq_name) & 0x3;
	guint sectype = named_value(dlpe, "sectype", sectype_name);

	if (g_strcmp0(trtype, "tcp") != 0)
		return FALSE;
	if (channel == NVMF_TREQ_REQUIRED)
		return TRUE;
	return channel != NVMF_TREQ_NOT_REQUIRED &&
	       (sectype == NVMF_TCP_SECTYPE_TLS || sectype == NVMF_TCP_SECTYPE_TLS13);
}

gboolean stas_dlpe_is_placeholder(const char *traddr)
{
	g_autofree char *text = g_strstrip(g_strdup(traddr ? traddr : ""));

	return !*text || g_str_equal(text, "0.0.0.0") || g_str_equal(text, "::");
}
