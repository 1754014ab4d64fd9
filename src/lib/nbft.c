// SPDX-License-Identifier: Apache-2.0
/*
 * Boot controllers from the NBFT (nbft.h).
 */
#include "config.h"

#include <errno.h>
#include <string.h>

#include <libnvme.h>

#include "stas/log.h"
#include "stas/names.h"
#include "stas/nbft.h"
#include "stas/tid.h"

static gint by_path(gconstpointer a, gconstpointer b)
{
	return g_strcmp0(*(char *const *)a, *(char *const *)b);
}

/* The NBFT tables' paths, sorted ("NBFT", "NBFT2", ...). */
static GPtrArray *table_paths(const char *sysfs_root)
{
	g_autofree char *dir_path = g_build_filename(sysfs_root ? sysfs_root : "/sys", "firmware", "acpi",
						     "tables", NULL);
	g_autoptr(GDir) dir = g_dir_open(dir_path, 0, NULL);
	GPtrArray *paths = g_ptr_array_new_with_free_func(g_free);
	const char *name;

	while (dir && (name = g_dir_read_name(dir)) != NULL) {
		if (g_str_has_prefix(name, "NBFT"))
			g_ptr_array_add(paths, g_build_filename(dir_path, name, NULL));
	}
	g_ptr_array_sort(paths, by_path);
	return paths;
}

#ifdef HAVE_NVME_NBFT_READ
static const char *text(const char *s)
{
	return s ? s : "";
}

/* The TID of a controller the table names, under the table's host NQN. */
static StasTid *table_tid(const char *transport, const char *traddr, const char *trsvcid,
			  const char *subsysnqn, const char *hostnqn, const char *system_hostnqn,
			  gboolean ignore_iface)
{
	const StasTidFields fields = { transport, traddr, trsvcid, subsysnqn, NULL, NULL, hostnqn };

	return stas_tid_new_from_fields(&fields, system_hostnqn, ignore_iface);
}

/* One subsystem namespace descriptor as a TID, or NULL (logged) when it cannot be one. */
static StasTid *ssns_tid(const char *path, const struct nbft_info *nbft,
			 const struct nbft_info_subsystem_ns *ns, const char *system_hostnqn,
			 gboolean ignore_iface)
{
	if (!*ns->transport || !*ns->traddr || !*text(ns->trsvcid) || !*text(ns->subsys_nqn)) {
		stas_warn("%s: NBFT subsystem entry %d has no transport, address, port or NQN: ignored", path,
			  ns->index);
		return NULL;
	}
	return table_tid(ns->transport, ns->traddr, ns->trsvcid, ns->subsys_nqn, text(nbft->host.nqn),
			 system_hostnqn, ignore_iface);
}

/* One discovery descriptor (a URI such as nvme+tcp://192.0.2.1:8009/) as a TID, or NULL. */
static StasTid *discovery_tid(const char *path, const struct nbft_info *nbft,
			      const struct nbft_info_discovery *d, const char *system_hostnqn,
			      gboolean ignore_iface)
{
#ifdef HAVE_NVME_PARSE_URI
	struct nvme_fabrics_uri *uri = nvme_parse_uri(text(d->uri));
	g_autofree char *port = NULL;
	StasTid *tid = NULL;

	if (!uri || !uri->protocol || !uri->host) {
		stas_warn("%s: NBFT discovery entry %d has no usable URI \"%s\": ignored", path, d->index,
			  text(d->uri));
	} else {
		port = g_strdup_printf("%d", uri->port > 0 ? uri->port : 8009);
		tid = table_tid(uri->protocol, uri->host, port, *text(d->nqn) ? d->nqn : STAS_WKNQN,
				text(nbft->host.nqn), system_hostnqn, ignore_iface);
	}
	if (uri)
		nvme_free_uri(uri);
	return tid;
#else
	stas_warn("%s: NBFT discovery entry %d (%s) is not used: reading its URI needs libnvme 1.10", path,
		  d->index, text(d->uri));
	return NULL;
#endif
}

static void add_tid(const char *path, StasNbftKind kind, StasTid *tid, GPtrArray *tids)
{
	if (!tid)
		return;
	if (stas_tid_list_contains(tids, tid)) {
		stas_tid_unref(tid);
		return;
	}
	stas_info("%s - Boot %scontroller from %s: always wanted", stas_tid_to_string(tid),
		  kind == STAS_NBFT_DISCOVERY ? "discovery " : "", path);
	g_ptr_array_add(tids, tid);
}

static void read_table(const char *path, StasNbftKind kind, const char *system_hostnqn, gboolean ignore_iface,
		       GPtrArray *tids)
{
	struct nbft_info *nbft = NULL;

	/* libnvme returns non-zero with errno set, for a table it cannot parse as for one it
	 * cannot read */
	errno = 0;
	if (nvme_nbft_read(&nbft, path) != 0) {
		stas_warn("%s: not a usable NBFT table (%s): ignored", path,
			  errno ? g_strerror(errno) : "libnvme cannot parse it");
		return;
	}
	if (kind == STAS_NBFT_IO) {
		for (struct nbft_info_subsystem_ns **ns = nbft->subsystem_ns_list; ns && *ns; ns++)
			add_tid(path, kind, ssns_tid(path, nbft, *ns, system_hostnqn, ignore_iface), tids);
	} else {
		for (struct nbft_info_discovery **d = nbft->discovery_list; d && *d; d++)
			add_tid(path, kind, discovery_tid(path, nbft, *d, system_hostnqn, ignore_iface),
				tids);
	}
	nvme_nbft_free(nbft);
}
#endif

GPtrArray *stas_nbft_tids(const char *sysfs_root, StasNbftKind kind, const char *system_hostnqn,
			  gboolean ignore_iface)
{
	g_autoptr(GPtrArray) paths = table_paths(sysfs_root);
	GPtrArray *tids = g_ptr_array_new_with_free_func((GDestroyNotify)stas_tid_unref);

#ifdef HAVE_NVME_NBFT_READ
	for (guint i = 0; i < paths->len; i++)
		read_table(g_ptr_array_index(paths, i), kind, system_hostnqn, ignore_iface, tids);
#else
	if (paths->len)
		stas_warn("%s: NBFT tables are present, but this build's libnvme cannot read them (1.5 or "
			  "later is needed): the controllers the host booted from are not protected",
			  (const char *)g_ptr_array_index(paths, 0));
#endif
	return tids;
}
