/* check_hang.c - a hanging submission graded on a real lab: each hung row
 * shows the threads of its own test (never an earlier test's leftovers),
 * says they all wait, and the whole lab is graded within HANG_BUDGET_S,
 * every hung row saying where a thread of the student's waits. The
 * submission is lab 03's mutant queue-get-waits-for-close: a get returns
 * only once its queue is closed, so nearly every test hangs, and the tests
 * that wait on purpose (call_wait) run before the ones that hang. The lab is
 * graded as a copy whose unit checks have no "schedules": those name such a
 * deadlock before any seed hangs, and this is how a lab without them (lab
 * 05), or a spin a schedule gives up, is graded. */
#include <check.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "checks.h"
#include "selftest.h"

#define LAB "03-producer-consumer"
#define MUTANT "queue-get-waits-for-close.patch"

static char dir[] = "/tmp/check_hang.XXXXXX";
static char root[] = "/tmp/check_hang_root.XXXXXX";
static char *sub;

/* The project's lab, common/ and Helgrind's suppressions under root,
 * every "schedules" of the lab's spec left out; made once, so that its
 * cache of compiled files serves every test. */
static void make_root(void)
{
	ck_assert_ptr_nonnull(mkdtemp(root));
	ck_assert_int_eq(chmod(root, 0755), 0);
	char *cmd = xasprintf("mkdir -p %1$s/labs %1$s/grader && cp -r common %1$s/ && "
	                      "cp grader/helgrind.supp %1$s/grader/ && cp -r labs/%2$s %1$s/labs/ "
	                      "&& chmod -R a+rX %1$s", root, LAB);
	ck_assert_msg(system(cmd) == 0, "%s", cmd);
	char *path = xasprintf("labs/%s/lab.json", LAB), *copy = xasprintf("%s/%s", root, path);
	json_t *spec = json_load_file(path, 0, NULL), *check;
	size_t i;
	ck_assert_ptr_nonnull(spec);
	json_array_foreach(json_object_get(spec, "checks"), i, check)
		json_object_del(check, "schedules");
	ck_assert_int_eq(json_dump_file(spec, copy, JSON_INDENT(2)), 0);
	json_decref(spec);
	free(cmd); free(path); free(copy);
}

static void remove_root(void)
{
	char *cmd = xasprintf("rm -rf %s", root);
	ck_assert_int_eq(system(cmd), 0);
	free(cmd);
}

/* The reference with the mutant applied, as a submission folder. */
static void setup(void)
{
	ck_assert_ptr_nonnull(mkdtemp(dir));
	ck_assert_int_eq(chmod(dir, 0755), 0); /* student code runs as another user */
	sub = xasprintf("%s/sub", dir);
	char *cmd = xasprintf("mkdir -p %1$s/%2$s && cp solutions/%2$s/*.c %1$s/%2$s/ && "
	                      "patch -s -d %1$s/%2$s < solutions/%2$s/mutants/%3$s && "
	                      "chmod -R a+rX %1$s", sub, LAB, MUTANT);
	ck_assert_msg(system(cmd) == 0, "%s", cmd);
	free(cmd);
}

static void teardown(void)
{
	char *cmd = xasprintf("rm -rf %s", dir);
	ck_assert_int_eq(system(cmd), 0);
	free(cmd);
	free(sub);
	strcpy(dir, "/tmp/check_hang.XXXXXX");
}

static const char *output(json_t *res, const char *id)
{
	size_t i;
	json_t *t;
	json_array_foreach(json_object_get(res, "tests"), i, t)
		if (row_matches(t, LAB, id))
			return json_string_value(json_object_get(t, "output"));
	ck_abort_msg("no row %s", id);
	return NULL;
}

/* The row of test id has these words, and not those. */
static void says(json_t *res, const char *id, const char *const *yes, const char *const *no)
{
	const char *out = output(res, id);
	for (; yes && *yes; yes++)
		ck_assert_msg(strstr(out, *yes), "%s does not say \"%s\":\n%s", id, *yes, out);
	for (; no && *no; no++)
		ck_assert_msg(!strstr(out, *no), "%s says \"%s\":\n%s", id, *no, out);
}

/* Tests 3 to 5 wait on purpose (the harness in call_wait) with the
 * student's threads asleep and are stopped once a hang is known; the tests
 * after them hang in traffic_run. Each row has its own test's threads. */
START_TEST(test_hang_rows_show_the_threads_of_their_own_test)
{
	struct grade_opts go = { .seed = "1", .root = root };
	json_t *res;
	ck_assert_int_eq(grade_with(LAB, sub, "unit-queue", &go, &res), 1);
	const char *waited[] = { "called from call_wait (check_queue.c:", NULL };
	const char *traffic[] = { "The test never finished", "called from traffic_run (check_queue.c:",
	                          "called from queue_get (queue.c:",
	                          "Every thread is waiting: a deadlock or a lost wake-up", NULL };
	const char *not_traffic[] = { "call_wait", "infinite loop", NULL };
	const char *lone[] = { "The test never finished", "called from queue_get (queue.c:", NULL };
	const char *not_lone[] = { "call_wait", "traffic_run", NULL };
	says(res, "unit-queue/test_queue_get_waits_while_empty", waited, (const char *[]){ "traffic_run", NULL });
	says(res, "unit-queue/test_queue_no_busy_wait", waited, (const char *[]){ "traffic_run", NULL });
	says(res, "unit-queue/test_queue_many_producers_consumers", traffic, not_traffic);
	says(res, "unit-queue/test_queue_fifo_per_producer", traffic, not_traffic);
	says(res, "unit-queue/test_queue_stolen_wakeups", traffic, not_traffic);
	says(res, "unit-queue/test_queue_close_drains_then_fails", lone, not_lone);
	json_decref(res);
}
END_TEST

/* The whole lab, every check: a hung row names a frame of the student's
 * files; no hint sends anyone to lines above. HANG_BUDGET_S is a figure of
 * a quiet machine (SPEC.md, Hangs); a loaded CI machine took half as long
 * again, so what fails here is twice the budget: a grade that waits out a
 * deadline it should have cut, not a slow machine. */
START_TEST(test_hang_lab_graded_within_its_budget)
{
	struct grade_opts go = { .root = root };
	json_t *res;
	size_t i, hung = 0;
	json_t *t;
	ck_assert_int_eq(grade_with(LAB, sub, NULL, &go, &res), 1);
	fprintf(stderr, "# a hanging lab 03 graded in %.1f s (budget %d s)\n", go.seconds,
	        HANG_BUDGET_S);
	ck_assert_msg(go.seconds <= 2 * HANG_BUDGET_S, "%.1f s", go.seconds);
	json_array_foreach(json_object_get(res, "tests"), i, t) {
		const char *out = json_string_value(json_object_get(t, "output"));
		ck_assert_msg(!strstr(out, "lines above"), "%s", out);
		if (!strstr(out, "never finished") && !strstr(out, "timed out") &&
		    !strstr(out, "was stopped after") && !strstr(out, "hung under"))
			continue;
		hung++;
		ck_assert_msg(strstr(out, "(queue.c:") || strstr(out, "(pipeline.c:"),
		              "a hung row that does not say where the student's threads wait:\n%s", out);
	}
	ck_assert_uint_ge(hung, 10);
	json_decref(res);
}
END_TEST

/* Checks graded at once, the first gdb of the grade reading nothing (a
 * gdb on PATH that fails once, as a crowded machine's can run out of
 * time): the check whose hang it was is graded again, alone, and no row is
 * left without its threads. */
START_TEST(test_hang_stacks_unread_at_once_are_read_again_alone)
{
	char *gdb = xasprintf("%s/bin/gdb", dir);
	char *script = xasprintf("mkdir -p %1$s/bin && printf '%%s\\n' '#!/bin/sh' "
	                         "'mkdir %1$s/failed 2>/dev/null || exec /usr/bin/gdb \"$@\"' "
	                         "'echo \"ptrace: Operation not permitted.\"; exit 1' > %2$s && "
	                         "chmod 755 %2$s", dir, gdb);
	ck_assert_msg(system(script) == 0, "%s", script);
	char *path = xasprintf("%s/bin:%s", dir, getenv("PATH"));
	setenv("PATH", path, 1);
	setenv("GRADER_CHECKS_AT_ONCE", "1", 1);
	struct grade_opts go = { .seed = "1", .root = root };
	json_t *res;
	ck_assert_int_eq(grade_with(LAB, sub, "unit-queue,races-queue", &go, &res), 1);
	char *failed = xasprintf("%s/failed", dir);
	ck_assert_msg(access(failed, F_OK) == 0, "the failing gdb never ran");
	size_t i, hung = 0;
	json_t *t;
	json_array_foreach(json_object_get(res, "tests"), i, t) {
		const char *out = json_string_value(json_object_get(t, "output"));
		ck_assert_msg(!strstr(out, "could not be read"), "a row without its threads:\n%s", out);
		hung += strstr(out, "(queue.c:") != NULL;
	}
	ck_assert_uint_ge(hung, 3);
	json_decref(res);
	free(gdb); free(script); free(path); free(failed);
}
END_TEST

int main(void)
{
	if (getenv("GRADER"))
		grader_bin = getenv("GRADER");
	Suite *s = suite_create("hang");
	TCase *core = tcase_create("Core");
	tcase_add_unchecked_fixture(core, make_root, remove_root);
	tcase_add_checked_fixture(core, setup, teardown);
	tcase_set_timeout(core, 3 * HANG_BUDGET_S);
	tcase_add_test(core, test_hang_rows_show_the_threads_of_their_own_test);
	tcase_add_test(core, test_hang_lab_graded_within_its_budget);
	tcase_add_test(core, test_hang_stacks_unread_at_once_are_read_again_alone);
	suite_add_tcase(s, core);
	return suite_passes(s, 2) ? EXIT_SUCCESS : EXIT_FAILURE;
}
