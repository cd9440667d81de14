/* check_cli.c - the command line: a misspelt LAB, CHECK or SEED is a usage
 * error (exit 2) that lists what is valid, and nothing is graded or written;
 * a test's name grades its check; a replay is labelled as one. The last
 * tests run the real grader binary, which stops before grading anything. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "checks.h"
#include "cli.h"
#include "selftest.h"

static char root[] = "/tmp/check_cli.XXXXXX";
static char *labs_one[] = { "01-stdout-race", NULL };
static json_t *specs[2];

static const char *spec_text =
	"{\"student_files\": [\"tasks.c\"], \"checks\": ["
	"{\"name\": \"unit\", \"kind\": \"unit\", \"tests\": {\"test_tasks_counter_exact\": {},"
	" \"test_tasks_lines_whole\": {}}},"
	"{\"name\": \"races\", \"kind\": \"races\"},"
	"{\"name\": \"speedup\", \"kind\": \"speedup\"}]}";

static void setup(void)
{
	specs[0] = json_loads(spec_text, 0, NULL);
	ck_assert_ptr_nonnull(specs[0]);
}

static void teardown(void)
{
	json_decref(specs[0]);
}

/* ---- SEED= ---- */

START_TEST(test_cli_seed_takes_a_whole_number)
{
	long seed = -1;
	char *why;
	ck_assert_int_eq(cli_seed("3", &seed, &why), 0);
	ck_assert_int_eq(seed, 3);
	ck_assert_int_eq(cli_seed("0", &seed, &why), 0); /* chaos off */
	ck_assert_int_eq(seed, 0);
	ck_assert_int_eq(cli_seed("4294967295", &seed, &why), 0);
}
END_TEST

START_TEST(test_cli_seed_refuses_anything_else)
{
	static const char *const bad[] = { "abc", "3x", "-1", "+3", " 3", "4294967296", "1e3", "" };
	long seed = 7;
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		char *why = NULL;
		ck_assert_msg(cli_seed(bad[i], &seed, &why) == -1, "SEED=%s accepted", bad[i]);
		ck_assert_ptr_nonnull(strstr(why, "whole number"));
		free(why);
	}
	ck_assert_int_eq(seed, 7);
}
END_TEST

/* ---- CHECK= ---- */

START_TEST(test_cli_check_unknown_lists_the_valid_names)
{
	char *resolved, *said, *why;
	ck_assert_int_eq(cli_checks("nope", labs_one, specs, &resolved, &said, &why), -1);
	ck_assert_ptr_nonnull(strstr(why, "CHECK=nope: no check or test is called nope"));
	ck_assert_ptr_nonnull(strstr(why, "The checks of 01-stdout-race: unit, races, speedup\n"));
	ck_assert_ptr_nonnull(strstr(why, "the tests of unit"));
	ck_assert_ptr_nonnull(strstr(why, ": test_tasks_counter_exact,\n    test_tasks_lines_whole\n"));
	ck_assert_ptr_null(resolved);
	free(why);
	/* One bad word among good ones is still a typo. */
	ck_assert_int_eq(cli_checks("unit,nope", labs_one, specs, &resolved, &said, &why), -1);
	free(why);
	ck_assert_int_eq(cli_checks(",", labs_one, specs, &resolved, &said, &why), -1);
	free(why);
}
END_TEST

START_TEST(test_cli_check_names_pass_through)
{
	char *resolved, *said, *why;
	ck_assert_int_eq(cli_checks("races,unit", labs_one, specs, &resolved, &said, &why), 0);
	ck_assert_str_eq(resolved, "races,unit");
	ck_assert_ptr_null(said);
	free(resolved);
	/* Every check named is the full grade, not a replay. */
	ck_assert_int_eq(cli_checks("speedup,unit,races", labs_one, specs, &resolved, &said,
	                            &why), 0);
	ck_assert_ptr_null(resolved);
}
END_TEST

/* The handout's table names tests: such a name grades the check it belongs
 * to (a unit check's tests run together), and says so. */
START_TEST(test_cli_check_a_test_name_grades_its_check)
{
	char *resolved, *said, *why;
	ck_assert_int_eq(cli_checks("test_tasks_counter_exact", labs_one, specs, &resolved,
	                            &said, &why), 0);
	ck_assert_str_eq(resolved, "unit");
	ck_assert_ptr_nonnull(strstr(said, "grader: CHECK=test_tasks_counter_exact: that is a test of the "
	                                   "unit check of 01-stdout-race"));
	free(resolved);
	free(said);
	ck_assert_int_eq(cli_checks("unit/test_tasks_lines_whole,test_tasks_counter_exact,unit",
	                            labs_one, specs, &resolved, &said, &why), 0);
	ck_assert_str_eq(resolved, "unit"); /* once */
	free(resolved);
	free(said);
}
END_TEST

/* ---- LAB= ---- */

static void put_lab(const char *name)
{
	char *cmd = xasprintf("mkdir -p %s/labs/%s && echo '{}' > %s/labs/%s/lab.json",
	                      root, name, root, name);
	ck_assert_int_eq(system(cmd), 0);
	free(cmd);
}

START_TEST(test_cli_labs_every_word_must_match)
{
	ck_assert_ptr_nonnull(mkdtemp(root));
	put_lab("01-stdout-race");
	put_lab("02-lock-granularity");
	size_t n;
	char *why;
	char **labs = cli_labs(root, "2", &n, &why);
	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq(labs[0], "02-lock-granularity");
	ck_assert_ptr_null(labs[1]);
	cli_labs_free(labs);
	labs = cli_labs(root, NULL, &n, &why);
	ck_assert_uint_eq(n, 2);
	cli_labs_free(labs);
	ck_assert_ptr_null(cli_labs(root, "01,nope", &n, &why));
	ck_assert_ptr_nonnull(strstr(why, "no lab is called nope"));
	ck_assert_ptr_nonnull(strstr(why, "01-stdout-race (LAB=01), 02-lock-granularity (LAB=02)"));
	free(why);
	char *rm = xasprintf("rm -rf %s", root);
	ck_assert_int_eq(system(rm), 0);
	free(rm);
}
END_TEST

/* ---- a replay is not a score ---- */

START_TEST(test_cli_replay_label_and_score_command)
{
	ck_assert_ptr_null(cli_replay_of(NULL, -1));
	char *s = cli_replay_of("unit", 3);
	ck_assert_str_eq(s, "unit (seed 3)");
	free(s);
	s = cli_replay_of("unit,races", -1);
	ck_assert_str_eq(s, "unit, races");
	free(s);
	s = cli_replay_of(NULL, 0);
	ck_assert_str_eq(s, "every check (seed 0)");
	free(s);
	s = cli_score_cmd("01", NULL);
	ck_assert_str_eq(s, "make grade LAB=01");
	free(s);
	s = cli_score_cmd(NULL, "alice");
	ck_assert_str_eq(s, "make grade SUBMISSION=alice");
	free(s);
}
END_TEST

/* ---- the real binary: usage errors stop before anything runs ---- */

/* Runs the grader with args; returns its exit code, its stderr in *err. */
static int run_grader(const char *args, char **err, bool *wrote_json)
{
	char dir[] = "/tmp/check_cli_run.XXXXXX";
	ck_assert_ptr_nonnull(mkdtemp(dir));
	char *cmd = xasprintf("%s --root . --json %s/r.json --progress none %s "
	                      ">/dev/null 2>%s/err", grader_bin, dir, args, dir);
	int status = system(cmd);
	char *path = xasprintf("%s/err", dir), *json = xasprintf("%s/r.json", dir);
	FILE *f = fopen(path, "r");
	size_t cap = 0;
	*err = NULL;
	if (!f || getdelim(err, &cap, '\0', f) < 0)
		*err = xstrdup("");
	if (f)
		fclose(f);
	*wrote_json = access(json, F_OK) == 0;
	char *rm = xasprintf("rm -rf %s", dir);
	ck_assert_int_eq(system(rm), 0);
	free(cmd); free(path); free(json); free(rm);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

START_TEST(test_cli_grader_usage_errors_exit_2_and_write_nothing)
{
	static const struct { const char *args, *says; } cases[] = {
		{ "--lab 01 --check nope", "The checks of 01-stdout-race: unit, races" },
		{ "--lab 01 --check test_tasks_counter_exactt", "no check or test is called" },
		{ "--lab 01 --seed abc", "SEED=abc: a chaos seed is a whole number" },
		{ "--lab nope", "LAB=nope: no lab is called nope. The labs: 01-stdout-race" },
		{ "--lab 01 --progress loud", "PROGRESS=loud" },
		{ "--lab 01 --color purple", "--color purple" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		char *err;
		bool wrote;
		int code = run_grader(cases[i].args, &err, &wrote);
		ck_assert_msg(code == 2, "%s: exit %d, not 2", cases[i].args, code);
		ck_assert_msg(strstr(err, cases[i].says), "%s said:\n%s", cases[i].args, err);
		ck_assert_msg(!wrote, "%s wrote a results file", cases[i].args);
		free(err);
	}
}
END_TEST

int main(void)
{
	if (getenv("GRADER"))
		grader_bin = getenv("GRADER");
	Suite *s = suite_create("cli");
	TCase *tc = tcase_create("Core");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_cli_seed_takes_a_whole_number);
	tcase_add_test(tc, test_cli_seed_refuses_anything_else);
	tcase_add_test(tc, test_cli_check_unknown_lists_the_valid_names);
	tcase_add_test(tc, test_cli_check_names_pass_through);
	tcase_add_test(tc, test_cli_check_a_test_name_grades_its_check);
	tcase_add_test(tc, test_cli_labs_every_word_must_match);
	tcase_add_test(tc, test_cli_replay_label_and_score_command);
	tcase_add_test(tc, test_cli_grader_usage_errors_exit_2_and_write_nothing);
	suite_add_tcase(s, tc);
	return suite_passes(s, 8) ? EXIT_SUCCESS : EXIT_FAILURE;
}
