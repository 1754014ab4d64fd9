// SPDX-License-Identifier: Apache-2.0
/*
 * stas_service_apply(), the one reconciliation mechanism both daemons use:
 * what is wanted (exclusion, address validity, duplicates), what goes (and
 * whether its connection stays), what is spared, and that a controller whose
 * options changed is the same controller. A service of a toy kind is built
 * by hand around the fake kernel; the daemons' own rules have their suites
 * (test-stac) and the VM. Phase 1 (resolving configured names) runs against
 * a resolver of the test's, installed as GLib's default.
 */
#include "fake-kernel.h"
#include "service-private.h"
#include "testutil.h"

#define SUB1 "nqn.2024-01.io.example:sub1"
#define SUB2 "nqn.2024-01.io.example:sub2"

typedef struct {
	char *dir; /* sysfs root, configuration, state file */
	FakeKernel *kernel;
	StasService *svc;
	GPtrArray *spare;  /* subsysnqns the daemon spares */
	GPtrArray *pinned; /* subsysnqns the daemon pins */
	gboolean keep;	   /* what keep_connection answers */
	GString *hooks;	   /* "annotate:SUB ..." in call order */
	guint created;
	guint reconciles;	    /* phase 2 runs */
	GPtrArray *last_configured; /* what the last one was given */
} Fixture;

static Fixture fx;

/* ------------------------------------------------------- a toy daemon */

static const StasCtrlClass toy_ctrl_class = { .discovery = FALSE };

static StasCtrl *toy_new_ctrl(StasService *svc, StasTid *tid)
{
	StasCtrl *ctrl = g_new0(StasCtrl, 1);

	stas_ctrl_init(ctrl, &toy_ctrl_class, tid, &svc->env);
	fx.created++;
	return ctrl;
}

static const StasServiceApply toy_apply;

static void toy_reconcile(StasService *svc, GPtrArray *configured)
{
	fx.reconciles++;
	g_clear_pointer(&fx.last_configured, g_ptr_array_unref);
	fx.last_configured = g_ptr_array_ref(configured);
	stas_service_apply(svc, &(StasCandidates){ .all = configured, .how = &toy_apply, .data = &fx });
}

static const StasServiceClass toy_class = {
	.daemon = STAS_DAEMON_STACD,
	.noun = "toy controller",
	.new_ctrl = toy_new_ctrl,
	.reconcile = toy_reconcile,
};

static void note(const char *what, StasCtrl *ctrl)
{
	g_string_append_printf(fx.hooks, "%s%s:%s", fx.hooks->len ? " " : "", what,
			       stas_tid_subsysnqn(ctrl->tid));
}

static gboolean toy_spare(StasService *svc, StasCtrl *ctrl, gboolean listed, gpointer data, StasReason *why)
{
	ck_assert_ptr_eq(data, &fx);
	if (listed ||
	    !g_ptr_array_find_with_equal_func(fx.spare, stas_tid_subsysnqn(ctrl->tid), g_str_equal, NULL))
		return FALSE;
	stas_reason_set(why, STAS_REASON_SPARED, "spared by the test");
	return TRUE;
}

static gboolean toy_keep(StasService *svc, StasCtrl *ctrl, gpointer data, StasReason *why)
{
	stas_reason_set(why, fx.keep ? STAS_REASON_KEEP : STAS_REASON_DISCONNECT, "the test says");
	return fx.keep;
}

static gboolean toy_pinned(StasService *svc, const StasTid *tid, gpointer data)
{
	return g_ptr_array_find_with_equal_func(fx.pinned, stas_tid_subsysnqn(tid), g_str_equal, NULL);
}

static void toy_annotate(StasService *svc, StasCtrl *ctrl, gpointer data)
{
	note("annotate", ctrl);
}

static const StasServiceApply toy_apply = {
	.noun = "Toy controller",
	.spare = toy_spare,
	.pinned = toy_pinned,
	.keep_connection = toy_keep,
	.annotate = toy_annotate,
};

/* ------------------------------------------------------ a resolver */

/* Names answer what the test says: an address, a failure, or nothing
 * until the test releases the lookup. */
typedef struct {
	GResolver parent;
	GHashTable *answers; /* name -> address, or "" = temporary failure */
	GPtrArray *held;     /* GTask* of lookups of names without an answer */
} FakeResolver;

typedef struct {
	GResolverClass parent;
} FakeResolverClass;

GType fake_resolver_get_type(void);
G_DEFINE_TYPE(FakeResolver, fake_resolver, G_TYPE_RESOLVER)

static void answer_lookup(FakeResolver *r, GTask *task)
{
	const char *answer = g_hash_table_lookup(r->answers, g_task_get_task_data(task));

	if (!answer || !*answer) {
		g_task_return_new_error(task, G_RESOLVER_ERROR, G_RESOLVER_ERROR_TEMPORARY_FAILURE,
					"Temporary failure in name resolution");
		return;
	}
	g_task_return_pointer(task, g_list_append(NULL, g_inet_address_new_from_string(answer)),
			      (GDestroyNotify)g_resolver_free_addresses);
}

static void fake_lookup_async(GResolver *resolver, const char *name, GCancellable *cancellable,
			      GAsyncReadyCallback cb, gpointer data)
{
	FakeResolver *r = (FakeResolver *)resolver;
	GTask *task = g_task_new(resolver, cancellable, cb, data);

	g_task_set_task_data(task, g_strdup(name), g_free);
	if (g_hash_table_contains(r->answers, name)) {
		answer_lookup(r, task);
		g_object_unref(task);
	} else {
		g_ptr_array_add(r->held, task);
	}
}

static GList *fake_lookup_finish(GResolver *resolver, GAsyncResult *res, GError **error)
{
	return g_task_propagate_pointer(G_TASK(res), error);
}

static void fake_resolver_finalize(GObject *object)
{
	FakeResolver *r = (FakeResolver *)object;

	g_hash_table_unref(r->answers);
	g_ptr_array_unref(r->held);
	G_OBJECT_CLASS(fake_resolver_parent_class)->finalize(object);
}

static void fake_resolver_class_init(FakeResolverClass *klass)
{
	G_OBJECT_CLASS(klass)->finalize = fake_resolver_finalize;
	G_RESOLVER_CLASS(klass)->lookup_by_name_async = fake_lookup_async;
	G_RESOLVER_CLASS(klass)->lookup_by_name_finish = fake_lookup_finish;
}

static void fake_resolver_init(FakeResolver *r)
{
	r->answers = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	r->held = g_ptr_array_new_with_free_func(g_object_unref);
}

static FakeResolver *resolver;

static void dns(const char *name, const char *address)
{
	g_hash_table_replace(resolver->answers, g_strdup(name), g_strdup(address));
}

/* Answers every held lookup with what dns() says now. */
static void release_lookups(void)
{
	g_autoptr(GPtrArray) held = g_steal_pointer(&resolver->held);

	resolver->held = g_ptr_array_new_with_free_func(g_object_unref);
	for (guint i = 0; i < held->len; i++)
		answer_lookup(resolver, g_ptr_array_index(held, i));
	fake_iterate();
}

/* ------------------------------------------------------------ helpers */

static void use_conf(const char *text)
{
	g_autofree char *path = tu_write(fx.dir, "daemon.conf", text, -1);

	stas_conf_free(fx.svc->conf);
	fx.svc->conf = stas_conf_load(STAS_DAEMON_STACD, path, NULL, NULL);
	fx.svc->env.conf = fx.svc->conf;
}

/* A TID of a tcp controller of @nqn at @traddr:@trsvcid. */
static StasTid *tid_at(const char *nqn, const char *traddr, const char *trsvcid, const char *option)
{
	g_autoptr(GHashTable) cid = g_hash_table_new(g_str_hash, g_str_equal);

	g_hash_table_insert(cid, "transport", "tcp");
	g_hash_table_insert(cid, "traddr", (gpointer)traddr);
	g_hash_table_insert(cid, "trsvcid", (gpointer)trsvcid);
	g_hash_table_insert(cid, "subsysnqn", (gpointer)nqn);
	if (option)
		g_hash_table_insert(cid, "nr-io-queues", (gpointer)option);
	return stas_service_tid(fx.svc, cid);
}

static StasTid *tid_of(const char *nqn)
{
	return tid_at(nqn, "127.0.0.1", "4420", NULL);
}

/* Applies the TIDs (NULL-terminated, consumed); returns how many went. */
static guint apply(StasTid *first, ...)
{
	g_autoptr(GPtrArray) all = g_ptr_array_new_with_free_func((GDestroyNotify)stas_tid_unref);
	va_list ap;
	guint removed;

	va_start(ap, first);
	for (StasTid *tid = first; tid; tid = va_arg(ap, StasTid *))
		g_ptr_array_add(all, tid);
	va_end(ap);
	g_string_truncate(fx.hooks, 0);
	removed = stas_service_apply(fx.svc, &(StasCandidates){ .all = all, .how = &toy_apply, .data = &fx });
	fake_iterate();
	return removed;
}

static StasCtrl *managed(const char *nqn)
{
	g_autoptr(StasTid) tid = tid_of(nqn);

	return stas_service_lookup(fx.svc, tid);
}

/* What the soak timer's expiry does: phase 1, then phase 2. */
static void soak_expires(void)
{
	stas_service_on_soak(fx.svc);
	fake_iterate();
}

static void setup(void)
{
	memset(&fx, 0, sizeof(fx));
	/* GLib's default resolver cannot be unset: one for the whole run, emptied per test. */
	if (!resolver) {
		resolver = g_object_new(fake_resolver_get_type(), NULL);
		g_resolver_set_default(G_RESOLVER(resolver));
	}
	g_hash_table_remove_all(resolver->answers);
	g_ptr_array_set_size(resolver->held, 0);
	fx.spare = g_ptr_array_new();
	fx.pinned = g_ptr_array_new();
	fx.hooks = g_string_new(NULL);
	fx.dir = tu_tmpdir();
	fx.kernel = fake_kernel_new();
	fx.svc = g_new0(StasService, 1);
	fake_service_init(fx.svc, &toy_class, fx.kernel, fx.dir, "", "nqn.2014-08.org.nvmexpress:uuid:test");
}

static void teardown(void)
{
	fake_service_free(fx.svc);
	tu_rmtree(fx.dir);
	g_free(fx.dir);
	g_ptr_array_unref(fx.spare);
	g_ptr_array_unref(fx.pinned);
	g_string_free(fx.hooks, TRUE);
	g_clear_pointer(&fx.last_configured, g_ptr_array_unref);
}

/* ------------------------------------------------------------- tests */

/* Deadlines are seconds of the monotonic clock in doubles: (t + 0.2) - t may
 * exceed 0.2 by a rounding error when no microsecond passed in between. */
#define EPS 1e-6

/* A change is acted on once changes pause (STAS_SOAK_QUIET_S), and changes that
 * keep coming cannot hold a reconciliation back past STAS_SOAK_S. */
START_TEST(test_soak_is_short_and_bounded)
{
	stas_service_soak(fx.svc);
	ck_assert(stas_timer_is_armed(fx.svc->soak));
	ck_assert(stas_timer_remaining(fx.svc->soak) <= STAS_SOAK_QUIET_S + EPS);
	/* as if the first change of this burst came 1.4 s ago */
	fx.svc->soak_since -= (gint64)(1.4 * G_USEC_PER_SEC);
	stas_service_soak(fx.svc);
	ck_assert(stas_timer_remaining(fx.svc->soak) <= STAS_SOAK_S - 1.4 + 0.01 + EPS);
	fx.svc->soak_since -= 2 * G_USEC_PER_SEC;
	stas_service_soak(fx.svc);
	ck_assert(stas_timer_remaining(fx.svc->soak) <= EPS);
	/* after it fired, the next change starts a new burst */
	stas_timer_stop(fx.svc->soak);
	stas_service_soak(fx.svc);
	ck_assert(stas_timer_remaining(fx.svc->soak) > 0.0);
	/* start-up waits the whole soak for news, and the first news ends the wait sooner */
	stas_timer_stop(fx.svc->soak);
	stas_service_soak_first(fx.svc);
	ck_assert(stas_timer_remaining(fx.svc->soak) > STAS_SOAK_QUIET_S);
	stas_service_soak(fx.svc);
	ck_assert(stas_timer_remaining(fx.svc->soak) <= STAS_SOAK_QUIET_S + EPS);
}
END_TEST

START_TEST(test_wanted_once_each_and_annotated)
{
	ck_assert_uint_eq(apply(tid_of(SUB1), tid_of(SUB2), tid_of(SUB1), NULL), 0);
	ck_assert_uint_eq(fx.created, 2);
	ck_assert_uint_eq(g_hash_table_size(fx.svc->ctrls), 2);
	ck_assert_uint_eq(fake_count(fx.kernel, "connect"), 2);
	ck_assert_ptr_nonnull(strstr(fx.hooks->str, "annotate:" SUB1));
	ck_assert_ptr_nonnull(strstr(fx.hooks->str, "annotate:" SUB2));
}
END_TEST

/* The spelling of an address is not another controller (review F3). */
START_TEST(test_same_address_other_spelling_is_the_same_controller)
{
	apply(tid_at(SUB1, "10.0.0.5", "4420", NULL), NULL);
	ck_assert_uint_eq(apply(tid_at(SUB1, "::ffff:10.0.0.5", "04420", NULL), NULL), 0);
	ck_assert_uint_eq(fx.created, 1);
}
END_TEST

START_TEST(test_unwanted_goes_and_keep_decides_its_connection)
{
	StasCtrl *ctrl;

	fx.keep = _i == 1;
	apply(tid_of(SUB1), tid_of(SUB2), NULL);
	ctrl = managed(SUB2);
	fake_connect_ok(fake_take(fx.kernel, "connect"), "nvme1", NULL);
	fake_connect_ok(fake_take(fx.kernel, "connect"), "nvme2", NULL);
	ck_assert(stas_ctrl_connected(ctrl));

	ck_assert_uint_eq(apply(tid_of(SUB1), NULL), 1);
	ck_assert_ptr_null(managed(SUB2));
	ck_assert_ptr_null(strstr(fx.hooks->str, "annotate:" SUB2));
	/* Only a connection that does not stay is disconnected. */
	ck_assert_uint_eq(fake_count(fx.kernel, "disconnect"), fx.keep ? 0 : 1);
	if (!fx.keep)
		fake_disconnect_done(fake_take(fx.kernel, "disconnect"));
}
END_TEST

/* A controller that goes because of its own state (a DC aged out) keeps
 * that reason for explain, not a bare "nothing lists it". */
START_TEST(test_departed_controller_keeps_its_own_reason)
{
	g_autoptr(StasTid) tid = tid_of(SUB2);
	const StasVerdict *v;

	apply(tid_of(SUB2), NULL);
	stas_reason_set(&managed(SUB2)->status, STAS_REASON_AGED_OUT, "Not responding; will be removed");
	ck_assert_uint_eq(apply(NULL), 1);
	v = stas_service_verdict(fx.svc, tid, NULL);
	ck_assert_ptr_nonnull(v);
	ck_assert_str_eq(stas_reason_name(v->reason.code), "aged-out");
	ck_assert(strstr(v->reason.text, "Not responding"));
	ck_assert_int_eq(v->removal.code, STAS_REASON_DISCONNECT);
	fake_drain(fx.kernel);
}
END_TEST

/* A configured controller that an added exclude= removes goes for that
 * reason, counted as an exclusion (it was "nothing lists it", a config
 * removal, because phase 1 drops excluded controller= lines). */
START_TEST(test_configured_controller_goes_with_its_exclusion)
{
	g_autoptr(StasTid) tid = tid_of(SUB1);
	const StasVerdict *v;

	use_conf("[Controllers]\ncontroller = transport=tcp;traddr=127.0.0.1;trsvcid=4420;subsysnqn=" SUB1
		 "\n");
	soak_expires();
	ck_assert_ptr_nonnull(managed(SUB1));
	use_conf("[Controllers]\ncontroller = transport=tcp;traddr=127.0.0.1;trsvcid=4420;subsysnqn=" SUB1
		 "\nexclude = subsysnqn=" SUB1 "\n");
	soak_expires();
	ck_assert_ptr_null(managed(SUB1));
	v = g_hash_table_lookup(fx.svc->departed, tid);
	ck_assert_ptr_nonnull(v);
	ck_assert_int_eq(v->reason.code, STAS_REASON_EXCLUDED);
	ck_assert_uint_eq(fx.svc->counters.removed[STAS_CAUSE_EXCLUSION][1], 1);
	ck_assert_uint_eq(fx.svc->counters.removed[STAS_CAUSE_CONFIG][1], 0);
	fake_drain(fx.kernel);
}
END_TEST

START_TEST(test_spared_controller_stays_unless_listed)
{
	apply(tid_of(SUB1), tid_of(SUB2), NULL);
	g_ptr_array_add(fx.spare, SUB2);

	/* Not listed any more: spared. */
	ck_assert_uint_eq(apply(tid_of(SUB1), NULL), 0);
	ck_assert_ptr_nonnull(managed(SUB2));

	/* Listed but excluded: "listed" is TRUE, so it goes. */
	use_conf("[Controllers]\nexclude = subsysnqn=" SUB2 "\n");
	ck_assert_uint_eq(apply(tid_of(SUB1), tid_of(SUB2), NULL), 1);
	ck_assert_ptr_null(managed(SUB2));
}
END_TEST

/* A pinned controller (stacd: one the host booted from) is wanted whatever exclude= and
 * ip-family say, and a reload that drops everything else keeps it and its connection. */
START_TEST(test_pinned_controller_ignores_exclusion_and_family)
{
	StasCtrl *boot;

	g_ptr_array_add(fx.pinned, SUB1);
	use_conf("[Global]\nip-family = ipv6\n[Controllers]\nexclude = subsysnqn=" SUB1 "\n");
	ck_assert_uint_eq(apply(tid_of(SUB1), tid_of(SUB2), NULL), 0);
	boot = managed(SUB1);
	ck_assert_ptr_nonnull(boot);
	ck_assert_ptr_null(managed(SUB2)); /* excluded by family, not pinned */
	fake_connect_ok(fake_take(fx.kernel, "connect"), "nvme1", NULL);
	ck_assert_uint_eq(apply(tid_of(SUB1), NULL), 0);
	ck_assert_ptr_eq(managed(SUB1), boot);
	ck_assert(stas_ctrl_connected(boot));
	ck_assert_uint_eq(fake_count(fx.kernel, "disconnect"), 0);
}
END_TEST

START_TEST(test_invalid_address_is_not_wanted)
{
	ck_assert_uint_eq(apply(tid_at(SUB1, "not-an-address", "4420", NULL), tid_of(SUB2), NULL), 0);
	ck_assert_uint_eq(fx.created, 1);
	ck_assert_ptr_nonnull(managed(SUB2));
}
END_TEST

/* A reload that changes a controller's options keeps the controller (and
 * its connection): same object, new options for the next connect. */
START_TEST(test_changed_options_keep_the_controller)
{
	StasCtrl *before;

	apply(tid_at(SUB1, "127.0.0.1", "4420", "2"), NULL);
	before = managed(SUB1);
	fake_connect_ok(fake_take(fx.kernel, "connect"), "nvme1", NULL);

	ck_assert_uint_eq(apply(tid_at(SUB1, "127.0.0.1", "4420", "4"), NULL), 0);
	ck_assert_ptr_eq(managed(SUB1), before);
	ck_assert_uint_eq(fx.created, 1);
	ck_assert_uint_eq(fake_count(fx.kernel, "disconnect"), 0);
	ck_assert_str_eq(stas_tid_cfg(before->tid, "nr-io-queues"), "4");
}
END_TEST

/* ------------------------------------------------- phase 1: resolving */

#define BY_NAME \
	"[Controllers]\ncontroller = transport=tcp;traddr=array.example;trsvcid=4420;subsysnqn=" SUB1 "\n"

static const char *managed_traddr(void)
{
	g_autoptr(GPtrArray) ctrls = stas_service_ctrls(fx.svc);

	ck_assert_uint_eq(ctrls->len, 1);
	return stas_tid_traddr(((StasCtrl *)g_ptr_array_index(ctrls, 0))->tid);
}

/* review-stacd #5: a resolver that hiccups does not cut the storage of a
 * controller configured by name; the last address stays until it resolves
 * again, and a new one is taken when it does. */
START_TEST(test_failed_lookup_keeps_the_last_address)
{
	use_conf(BY_NAME);
	dns("array.example", "10.0.0.5");
	soak_expires();
	ck_assert_str_eq(managed_traddr(), "10.0.0.5");
	fake_connect_ok(fake_take(fx.kernel, "connect"), "nvme1", NULL);

	dns("array.example", "");
	soak_expires();
	ck_assert_uint_eq(fx.reconciles, 2);
	ck_assert_str_eq(managed_traddr(), "10.0.0.5");
	ck_assert_uint_eq(fake_count(fx.kernel, "disconnect"), 0);

	dns("array.example", "10.0.0.6");
	soak_expires();
	ck_assert_str_eq(managed_traddr(), "10.0.0.6");
	fake_disconnect_done(fake_take(fx.kernel, "disconnect"));
}
END_TEST

/* A name that never resolved is not wanted (and nothing else is lost). */
START_TEST(test_name_that_never_resolved_is_not_wanted)
{
	use_conf(BY_NAME "controller = transport=tcp;traddr=127.0.0.1;trsvcid=4420;subsysnqn=" SUB2 "\n");
	dns("array.example", "");
	soak_expires();
	ck_assert_uint_eq(fx.reconciles, 1);
	ck_assert_uint_eq(fx.last_configured->len, 1);
	ck_assert_ptr_nonnull(managed(SUB2));
}
END_TEST

/* review-stafd L3: soaks that expire while a slow lookup runs neither
 * cancel it nor starve phase 2: it finishes, phase 2 runs with its
 * answer, and once more for the soaks that came meanwhile. */
START_TEST(test_slow_lookup_finishes_and_phase_2_runs)
{
	use_conf(BY_NAME);
	soak_expires(); /* the lookup is held */
	ck_assert_uint_eq(fx.reconciles, 0);
	soak_expires();
	soak_expires();
	ck_assert_uint_eq(resolver->held->len, 1);
	ck_assert_uint_eq(fx.reconciles, 0);

	dns("array.example", "10.0.0.5");
	release_lookups();
	ck_assert_uint_eq(fx.reconciles, 2); /* its own pass, then one for the soaks */
	ck_assert_str_eq(managed_traddr(), "10.0.0.5");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("service");
	TCase *tc = tcase_create("apply");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_soak_is_short_and_bounded);
	tcase_add_test(tc, test_wanted_once_each_and_annotated);
	tcase_add_test(tc, test_same_address_other_spelling_is_the_same_controller);
	tcase_add_test(tc, test_departed_controller_keeps_its_own_reason);
	tcase_add_test(tc, test_configured_controller_goes_with_its_exclusion);
	tcase_add_loop_test(tc, test_unwanted_goes_and_keep_decides_its_connection, 0, 2);
	tcase_add_test(tc, test_spared_controller_stays_unless_listed);
	tcase_add_test(tc, test_invalid_address_is_not_wanted);
	tcase_add_test(tc, test_pinned_controller_ignores_exclusion_and_family);
	tcase_add_test(tc, test_changed_options_keep_the_controller);
	suite_add_tcase(s, tc);
	tc = tcase_create("resolve");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_failed_lookup_keeps_the_last_address);
	tcase_add_test(tc, test_name_that_never_resolved_is_not_wanted);
	tcase_add_test(tc, test_slow_lookup_finishes_and_phase_2_runs);
	suite_add_tcase(s, tc);
	return tu_run(s);
}
