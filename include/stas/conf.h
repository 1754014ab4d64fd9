/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The service configuration of stafd (stafd.conf) and stacd (stacd.conf):
 * one table describes every section and option (type, default and validity
 * per daemon); loading turns the file into typed values, reporting every
 * problem with its line and falling back to the default.
 */
#pragma once

#include <glib.h>

#include "stas/fabrics.h"
#include "stas/problem.h"

typedef enum {
	STAS_DAEMON_STAFD = 1 << 0,
	STAS_DAEMON_STACD = 1 << 1,
} StasDaemon;

typedef enum {
	STAS_OPT_TRON,
	STAS_OPT_HDR_DIGEST,
	STAS_OPT_DATA_DIGEST,
	STAS_OPT_KATO,
	STAS_OPT_NR_IO_QUEUES,
	STAS_OPT_NR_WRITE_QUEUES,
	STAS_OPT_NR_POLL_QUEUES,
	STAS_OPT_QUEUE_SIZE,
	STAS_OPT_RECONNECT_DELAY,
	STAS_OPT_CTRL_LOSS_TMO,
	STAS_OPT_DISABLE_SQFLOW,
	STAS_OPT_TLS,
	STAS_OPT_IGNORE_IFACE,
	STAS_OPT_IP_FAMILY,
	STAS_OPT_PLEO,
	STAS_OPT_LEGACY_PERSISTENT_CONNECTIONS, /* [Global], before 2.1 */
	STAS_OPT_METRICS_FILE,			/* stas: counters for node_exporter's textfile collector */
	STAS_OPT_ZEROCONF,
	STAS_OPT_PERSISTENT_CONNECTIONS,
	STAS_OPT_ZEROCONF_CONNECTIONS_PERSISTENCE,
	STAS_OPT_DISCONNECT_SCOPE,
	STAS_OPT_DISCONNECT_TRTYPES,
	STAS_OPT_CONNECT_ATTEMPTS_ON_NCC,
	STAS_OPT_CONTROLLER,
	STAS_OPT_EXCLUDE,
	STAS_OPT_BLACKLIST, /* deprecated alias of exclude */
	STAS_OPT_COUNT
} StasOpt;

typedef enum {
	STAS_TYPE_BOOL,	     /* true/false, case-insensitive */
	STAS_TYPE_ENABLED,   /* enabled/disabled, case-insensitive */
	STAS_TYPE_INT,	     /* signed decimal, optional range */
	STAS_TYPE_IP_FAMILY, /* ipv4, ipv6, ipv4+ipv6, ipv6+ipv4 */
	STAS_TYPE_SCOPE,     /* disconnect-scope keywords */
	STAS_TYPE_TRTYPES,   /* '+'-list of tcp, rdma, fc */
	STAS_TYPE_NCC,	     /* int, 1 is raised to 2 */
	STAS_TYPE_TIME_SPAN, /* seconds, see timespan.h */
	STAS_TYPE_PATH,	     /* an absolute file name */
	STAS_TYPE_CTRL_LIST, /* controller=/exclude= entries */
} StasOptType;

/* ip-family bits */
#define STAS_IP_FAMILY_V4 (1u << 0)
#define STAS_IP_FAMILY_V6 (1u << 1)

typedef enum {
	STAS_SCOPE_ONLY_STAS_CONNECTIONS,
	STAS_SCOPE_ALL_CONNECTIONS_MATCHING_DISCONNECT_TRTYPES,
	STAS_SCOPE_NO_DISCONNECT,
} StasDisconnectScope;

typedef struct {
	StasOpt id;
	const char *section;
	const char *name;
	StasOptType type;
	gint64 min, max;	    /* range for STAS_TYPE_INT when min < max */
	const char *staf_default;   /* textual default for stafd, NULL = unset */
	const char *stac_default;   /* textual default for stacd, NULL = unset */
	guint valid_for;	    /* StasDaemon bits */
	const char *invalid_reason; /* why it is reported for a daemon it is not valid for */
	StasFabricsOpt fabrics;	    /* a connect option (name = the controller= key), or NONE */
} StasOptDesc;

const StasOptDesc *stas_opt_desc(StasOpt id);
/* NULL when @section/@name is not an option of the shared table. */
const StasOptDesc *stas_opt_lookup(const char *section, const char *name);
const char *stas_daemon_name(StasDaemon daemon);

/* A controller=/exclude= entry: key -> value, both strings, keys in the
 * order they first appeared. */
typedef struct {
	GPtrArray *keys;    /* char*, insertion order */
	GHashTable *values; /* char* -> char* */
	guint line;
} StasCtrlEntry;

StasCtrlEntry *stas_ctrl_entry_new(void);
void stas_ctrl_entry_free(StasCtrlEntry *entry);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(StasCtrlEntry, stas_ctrl_entry_free)
void stas_ctrl_entry_set(StasCtrlEntry *entry, const char *key, const char *value);
void stas_ctrl_entry_remove(StasCtrlEntry *entry, const char *key);
const char *stas_ctrl_entry_get(const StasCtrlEntry *entry, const char *key);
guint stas_ctrl_entry_size(const StasCtrlEntry *entry);
/* Split "k=v; k=v" into an entry. Tokens are split at their first '=', so
 * values may contain '=' (base64 DH-HMAC-CHAP secrets). Malformed tokens are
 * reported (when @problems is not NULL) and dropped. */
StasCtrlEntry *stas_ctrl_entry_parse(const char *text, const char *file, guint line, const char *option,
				     StasProblems *problems);

typedef struct _StasConf StasConf;

/* Load @path for @daemon. A missing file gives all defaults. Returns NULL
 * with @error set only when the file exists but cannot be read. */
StasConf *stas_conf_load(StasDaemon daemon, const char *path, StasProblems *problems, GError **error);
/* The same from @text, as if read from @path (what --plan sends the daemon). */
StasConf *stas_conf_parse(StasDaemon daemon, const char *path, const char *text, StasProblems *problems);
void stas_conf_free(StasConf *conf);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(StasConf, stas_conf_free)

StasDaemon stas_conf_daemon(const StasConf *conf);
const char *stas_conf_path(const StasConf *conf);
/* TRUE when the option has a value (its own or a default). */
gboolean stas_conf_is_set(const StasConf *conf, StasOpt id);
gboolean stas_conf_get_bool(const StasConf *conf, StasOpt id);
/* Returns FALSE (and leaves *value alone) when the option is unset. */
gboolean stas_conf_get_int(const StasConf *conf, StasOpt id, gint64 *value);
double stas_conf_get_seconds(const StasConf *conf, StasOpt id);
/* A STAS_TYPE_PATH option's file name, or NULL when unset. */
const char *stas_conf_get_path(const StasConf *conf, StasOpt id);
guint stas_conf_get_ip_family(const StasConf *conf);
StasDisconnectScope stas_conf_get_disconnect_scope(const StasConf *conf);
/* Transport names in file order, duplicates removed. */
const GPtrArray *stas_conf_get_trtypes(const StasConf *conf);
/* StasCtrlEntry* lists. Excludes include blacklist= entries. */
const GPtrArray *stas_conf_get_controllers(const StasConf *conf);
const GPtrArray *stas_conf_get_excludes(const StasConf *conf);

const char *stas_disconnect_scope_to_string(StasDisconnectScope scope);
