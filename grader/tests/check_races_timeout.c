/* check_races_timeout.c - Helgrind's deadline, end to end, on the fixture lab
 * grader/tests/fixtures/91-helgrind-slow, whose scenario ends natively in a
 * fraction of a second but not under Helgrind within 8 s: correct code that
 * was still running at the deadline is inconclusive (Helgrind's slowness is
 * no evidence), a race Helgrind reported before the deadline fails. */
#include <check.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "grader.h"
#include "selftest.h"

#define LAB "91-helgrind-slow"

static char root[] = "/tmp/races_timeout.XXXXXX";

/* The fixture lab and its two submissions, graded at once in one batch
 * (their runs mostly wait: Helgrind's deadline). */
static void make_root(void)
{
	ck_assert_ptr_nonnull(mkdtemp(root));
	char *cmd = xasprintf(
		"set -e; chmod 755 %1$s; mkdir -p %1$s/labs %1$s/grader %1$s/class/solution/" LAB " "
		"%1$s/class/racy/" LAB "; cp -r common %1$s/; cp grader/helgrind.supp %1$s/grader/; "
		"cp -r grader/tests/fixtures/" LAB " %1$s/labs/; "
		"cp grader/tests/fixtures/" LAB "/solution/spin.c %1$s/class/solution/" LAB "/; "
		"cp grader/tests/fixtures/" LAB "/racy/spin.c %1$s/class/racy/" LAB "/; "
		"chmod -R a+rX %1$s", root);
	ck_assert_int_eq(system(cmd), 0);
	free(cmd);
	const char *grader = getenv("GRADER") ? getenv("GRADER") : "build/grader/grader";
	cmd = xasprintf("GRADER_JOBS=2 %s --root %s --batch %s/class --out %s/out --color never "
	                "--progress none >/dev/null", grader, root, root, root);
	ck_assert_int_ne(system(cmd), -1);
	free(cmd);
}

static void remove_root(void)
{
	char *cmd = xasprintf("rm -rf %s", root);
	ck_assert_int_eq(system(cmd), 0);
	free(cmd);
}

/* The races row's verdict (a static buffer) and output (free it). */
static const char *grade_fixture(const char *sub, char **output)
{
	char *json = xasprintf("%s/out/%s.json", root, sub);
	const char *verdict = first_row(json, output);
	free(json);
	return verdict;
}

START_TEST(test_races_timeout_of_correct_code_is_inconclusive)
{
	char *out;
	const char *v = grade_fixture("solution", &out);
	fprintf(stderr, "# correct code: %s\n", v);
	ck_assert_msg(strstr(out, "did not finish under it within 8 s"), "not a timeout:\n%s", out);
	ck_assert_msg(strcmp(v, "inconclusive") == 0, "verdict %s:\n%s", v, out);
	ck_assert_msg(strstr(out, "says nothing of your code"), "%s", out);
	ck_assert_msg(!strstr(out, "Hint:"), "a hint names no cause here:\n%s", out);
	free(out);
}
END_TEST

START_TEST(test_races_timeout_after_a_reported_race_fails)
{
	char *out;
	const char *v = grade_fixture("racy", &out);
	fprintf(stderr, "# racy code: %s\n", v);
	ck_assert_msg(strcmp(v, "failed") == 0, "verdict %s:\n%s", v, out);
	ck_assert_msg(strstr(out, "spin.c"), "the race is not named in spin.c:\n%s", out);
	free(out);
}
END_TEST

int main(void)
{
	if (getenv("GRADER"))
		grader_bin = getenv("GRADER");
	Suite *s = suite_create("races_timeout");
	TCase *core = tcase_create("Core");
	tcase_add_unchecked_fixture(core, make_root, remove_root);
	tcase_set_timeout(core, 60);
	tcase_add_test(core, test_races_timeout_of_correct_code_is_inconclusive);
	tcase_add_test(core, test_races_timeout_after_a_reported_race_fails);
	suite_add_tcase(s, core);
	return suite_passes(s, 2) ? EXIT_SUCCESS : EXIT_FAILURE;
}
