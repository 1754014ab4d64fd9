// SPDX-License-Identifier: Apache-2.0
/*
 * mDNS advertisements of discovery controllers (TP8009), which anyone on
 * the link can send: the TXT record, the controller identity stafd derives
 * from a resolved service, its TID and D-Bus form, and the probe back-off.
 *
 * Input: a flags byte (bit 0: the kernel has TP8013), a 2-byte port, the
 * address \0 the interface name \0, then TXT items, each a length byte
 * followed by that many bytes (any bytes: a TXT item is binary). The address
 * and interface name are made valid UTF-8: Avahi prints the one, the kernel
 * names the other; only the TXT record is the peer's own text.
 */
#include <avahi-common/strlst.h>

#include "mdns.h"
#include "fuzz.h"
#include "stas/dbus-util.h"
#include "stas/iface.h"
#include "stas/tid.h"

static AvahiStringList *take_txt(FuzzInput *in)
{
	AvahiStringList *txt = NULL;

	while (in->size) {
		size_t want = fuzz_byte(in);
		size_t len = MIN(want, in->size);

		txt = avahi_string_list_add_arbitrary(txt, in->data, len);
		in->data += len;
		in->size -= len;
	}
	return txt;
}

static void check_identity(GHashTable *cid)
{
	g_autoptr(StasTid) tid = stas_tid_new(cid, "nqn.fuzz:host", FALSE);
	GHashTableIter iter;
	gpointer key, value;
	GVariant *variant;

	g_hash_table_iter_init(&iter, cid);
	while (g_hash_table_iter_next(&iter, &key, &value))
		fuzz_assert(g_utf8_validate(key, -1, NULL) && (!value || g_utf8_validate(value, -1, NULL)));
	fuzz_assert(g_utf8_validate(stas_tid_to_string(tid), -1, NULL));
	variant = stas_dbus_dict(cid);
	g_variant_unref(g_variant_ref_sink(variant));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	FuzzInput in = { data, size };
	guint8 flags = fuzz_byte(&in);
	guint8 high = fuzz_byte(&in);
	guint16 port = (guint16)(high << 8 | fuzz_byte(&in));
	g_autofree char *address_raw = fuzz_string(&in);
	g_autofree char *ifname_raw = fuzz_string(&in);
	g_autofree char *address = g_utf8_make_valid(address_raw, -1);
	g_autofree char *ifname = g_utf8_make_valid(ifname_raw, -1);
	AvahiStringList *txt;
	g_autoptr(GHashTable) items = NULL;
	g_autoptr(GHashTable) cid = NULL;
	g_autofree char *why = NULL;
	StasBackoff backoff = { 0 };
	guint last = 0;

	fuzz_init();
	txt = take_txt(&in);
	items = stas_mdns_txt_parse(txt);
	avahi_string_list_free(txt);
	fuzz_assert(items != NULL);
	cid = stas_mdns_identity(items, address, port, ifname, flags & 1, &why);
	fuzz_assert(cid || why);
	if (cid)
		check_identity(cid);
	(void)stas_ip_family(address);
	for (guint i = 0; i < 8; i++) {
		guint next = stas_backoff_next(&backoff);

		fuzz_assert(next >= last && next <= 600);
		last = next;
	}
	return 0;
}
