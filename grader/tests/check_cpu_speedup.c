/* check_cpu_speedup.c - the speedup check's CPU-bound path, end to end, on
 * the fixture lab grader/tests/fixtures/90-cpu-speedup: threads pass, one
 * thread fails, and neither ever gets the other's verdict. On a machine too
 * busy for its own control kernel to show parallelism, "inconclusive" is the
 * honest answer and is accepted; a wrong verdict never is. */
#include <check.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "grader.h"
#include "selftest.h"

static char root[] = "/tmp/cpu_speedup.XXXXXX";

static void make_root(void)
{
	ck_assert_ptr_nonnull(mkdtemp(root));
	char *cmd = xasprintf(
		"set -e; mkdir -p %1$s/labs %1$s/grader %1$s/threads/90-cpu-speedup "
		"%1$s/serial/90-cpu-speedup; cp -r common %1$s/; cp grader/helgrind.supp %1$s/grader/; "
		"cp -r grader/tests/fixtures/90-cpu-speedup %1$s/labs/; "
		"cp grader/tests/fixtures/90-cpu-speedup/solution/spin.c %1$s/threads/90-cpu-speedup/; "
		"cp grader/tests/fixtures/90-cpu-speedup/serial/spin.c %1$s/serial/90-cpu-speedup/",
		root);
	ck_assert_int_eq(system(cmd), 0);
	free(cmd);
}

static void remove_root(void)
{
	char *cmd = xasprintf("rm -rf %s", root);
	ck_assert_int_eq(system(cmd), 0);
	free(cmd);
}

/* The speedup row's verdict and output for one submission folder. */
static const char *grade_fixture(const char *sub, char **output)
{
	const char *grader = getenv("GRADER") ? getenv("GRADER") : "build/grader/grader";
	char *json = xasprintf("%s/%s.json", root, sub);
	char *cmd = xasprintf("%s --root %s --submission %s/%s --json %s --color never "
	                      "--progress none >/dev/null",
	                      grader, root, root, sub, json);
	ck_assert_int_ne(system(cmd), -1);
	const char *verdict = first_row(json, output);
	free(json);
	free(cmd);
	return verdict;
}

START_TEST(test_cpu_speedup_threads_pass_or_machine_too_busy)
{
	char *out;
	const char *v = grade_fixture("threads", &out);
	ck_assert_msg(strcmp(v, "passed") == 0 ||
	              (strcmp(v, "inconclusive") == 0 && strstr(out, "too busy")),
	              "threaded reference got %s:\n%s", v, out);
	ck_assert_ptr_nonnull(strstr(out, "control"));
	free(out);
}
END_TEST

START_TEST(test_cpu_speedup_one_thread_fails_or_machine_too_busy)
{
	char *out;
	const char *v = grade_fixture("serial", &out);
	/* Inconclusive is honest on a loaded machine: the control too busy, or
	 * trials too spread to lie all clearly below the target. Never a pass. */
	ck_assert_msg(strcmp(v, "failed") == 0 ||
	              (strcmp(v, "inconclusive") == 0 && (strstr(out, "too busy") ||
	                                                  strstr(out, "this run cannot tell"))),
	              "serial submission got %s:\n%s", v, out);
	free(out);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("cpu_speedup");
	TCase *core = tcase_create("Core");
	tcase_set_timeout(core, 120);
	tcase_add_unchecked_fixture(core, make_root, remove_root);
	tcase_add_test(core, test_cpu_speedup_threads_pass_or_machine_too_busy);
	tcase_add_test(core, test_cpu_speedup_one_thread_fails_or_machine_too_busy);
	suite_add_tcase(s, core);
	return suite_passes(s, 1) ? EXIT_SUCCESS : EXIT_FAILURE;
}
