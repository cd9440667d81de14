/* check_selftest.c - the grader graded: a table of submissions and the
 * verdicts they deserve (solutions/NN-topic/expect.json), in the manner of
 * Check's own check_check_master.c. Every reference must get full marks,
 * every skeleton less and fail what it must, every mutant be caught by the
 * check named for it. Runs the real grader binary on real submissions. */
#include <check.h>
#include <stdbool.h>
#include <fcntl.h>
#include <glob.h>
#include <jansson.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "grader.h"

extern char **environ;

/* One row of the table: a lab and, for mutants, the mutant's entry. */
struct row {
	char lab[128];
	json_t *expect;  /* the lab's expect.json */
	json_t *mutant;  /* NULL for the reference and skeleton rows */
};

static struct row rows[256];
static int nlabs, nmutants;
static struct row *mutants[256];
static const char *grader_bin;

static void load_table(void)
{
	glob_t g;
	if (glob("solutions/*/expect.json", 0, NULL, &g) != 0)
		return;
	for (size_t i = 0; i < g.gl_pathc && nlabs < 64; i++) {
		struct row *r = &rows[nlabs++];
		sscanf(g.gl_pathv[i], "solutions/%127[^/]", r->lab);
		r->expect = json_load_file(g.gl_pathv[i], 0, NULL);
		size_t k;
		json_t *m;
		json_array_foreach(json_object_get(r->expect, "mutants"), k, m) {
			struct row *mr = &rows[64 + nmutants];
			*mr = *r;
			mr->mutant = m;
			mutants[nmutants++] = mr;
		}
	}
	globfree(&g);
}

/* Runs the grader; returns its exit code and the parsed results.json. */
static int grade(const char *lab, const char *submission, const char *checks, json_t **results)
{
	char json[] = "/tmp/selftest.XXXXXX";
	int fd = mkstemp(json);
	close(fd);
	char *argv[] = { (char *)grader_bin, "--root", ".", "--lab", (char *)lab,
	                 "--color", "never", "--json", json,
	                 submission ? "--submission" : NULL, (char *)submission,
	                 checks ? "--check" : NULL, (char *)checks, NULL };
	/* drop the NULL gaps left by absent options */
	char *args[16];
	int n = 0;
	for (size_t i = 0; i < sizeof argv / sizeof *argv - 1; i++)
		if (argv[i] || (i > 0 && argv[i - 1]))
			if (argv[i])
				args[n++] = argv[i];
	args[n] = NULL;
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	pid_t pid;
	int status = -1;
	ck_assert_int_eq(posix_spawn(&pid, grader_bin, &fa, NULL, args, environ), 0);
	waitpid(pid, &status, 0);
	posix_spawn_file_actions_destroy(&fa);
	*results = json_load_file(json, 0, NULL);
	unlink(json);
	ck_assert_msg(*results, "the grader wrote no readable results file for %s", lab);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* Whether a results row belongs to an id of the table: "races" names the
 * row of that check, "unit" every row of the check, "unit/test_x" one row. */
static bool row_matches(json_t *t, const char *lab, const char *id)
{
	json_t *extra = json_object_get(t, "extra_data");
	const char *row_id = json_string_value(json_object_get(extra, "id"));
	const char *row_lab = json_string_value(json_object_get(extra, "lab"));
	size_t len = strlen(id);
	return row_id && row_lab && strcmp(row_lab, lab) == 0 && strncmp(row_id, id, len) == 0 &&
	       (row_id[len] == '\0' || row_id[len] == '/');
}

static void assert_rows(json_t *results, const char *lab, json_t *ids, const char *status)
{
	size_t i, k;
	json_t *id, *t;
	json_array_foreach(ids, i, id) {
		int found = 0;
		json_array_foreach(json_object_get(results, "tests"), k, t) {
			if (!row_matches(t, lab, json_string_value(id)))
				continue;
			found++;
			const char *got = json_string_value(json_object_get(t, "status"));
			ck_assert_msg(strcmp(got, status) == 0, "%s: %s should have %s but %s:\n%s",
			              lab, json_string_value(json_object_get(t, "name")), status, got,
			              json_string_value(json_object_get(t, "output")));
		}
		ck_assert_msg(found, "%s: no row %s in the results", lab, json_string_value(id));
	}
}

START_TEST(test_selftest_reference_full_marks)
{
	struct row *r = &rows[_i];
	json_t *res;
	int code = grade(r->lab, "solutions", NULL, &res);
	double score = json_number_value(json_object_get(res, "score"));
	double max = 0;
	size_t i;
	json_t *t;
	json_array_foreach(json_object_get(res, "tests"), i, t) {
		max += json_number_value(json_object_get(t, "max_score"));
		ck_assert_msg(strcmp(json_string_value(json_object_get(t, "status")), "passed") == 0,
		              "reference %s failed %s:\n%s", r->lab,
		              json_string_value(json_object_get(t, "name")),
		              json_string_value(json_object_get(t, "output")));
	}
	ck_assert_msg(max > 0 && score == max, "reference %s scored %g of %g", r->lab, score, max);
	ck_assert_int_eq(code, 0);
	json_decref(res);
}
END_TEST

START_TEST(test_selftest_skeleton_fails_what_it_must)
{
	struct row *r = &rows[_i];
	json_t *res, *sk = json_object_get(r->expect, "skeleton");
	int code = grade(r->lab, NULL, NULL, &res);
	ck_assert_int_eq(code, 1);
	assert_rows(res, r->lab, json_object_get(sk, "must_fail"), "failed");
	assert_rows(res, r->lab, json_object_get(sk, "must_pass"), "passed");
	json_decref(res);
}
END_TEST

/* The checks a mutant's expected failures belong to: "unit,races". */
static char *checks_of(json_t *fail, json_t *pass)
{
	char *list = NULL;
	size_t i;
	json_t *id, *ids = json_array();
	json_array_extend(ids, fail);
	json_array_extend(ids, pass);
	json_array_foreach(ids, i, id) {
		char check[64];
		sscanf(json_string_value(id), "%63[^/]", check);
		if (!list || !strstr(list, check))
			strappend(&list, "%s%s", list ? "," : "", check);
	}
	json_decref(ids);
	return list;
}

START_TEST(test_selftest_mutant_caught)
{
	struct row *r = mutants[_i];
	const char *patch = json_string_value(json_object_get(r->mutant, "patch"));
	char dir[] = "/tmp/mutant.XXXXXX";
	ck_assert_ptr_nonnull(mkdtemp(dir));
	char *cmd = xasprintf("mkdir %s/%s && cp solutions/%s/*.c %s/%s/ && "
	                      "patch -s -d %s/%s < solutions/%s/%s", dir, r->lab, r->lab, dir,
	                      r->lab, dir, r->lab, r->lab, patch);
	ck_assert_msg(system(cmd) == 0, "mutant %s does not apply: %s", patch, cmd);
	json_t *res, *must_fail = json_object_get(r->mutant, "must_fail");
	json_t *must_pass = json_object_get(r->mutant, "must_pass");
	char *checks = checks_of(must_fail, must_pass);
	int code = grade(r->lab, dir, checks, &res);
	assert_rows(res, r->lab, must_fail, "failed");
	assert_rows(res, r->lab, must_pass, "passed");
	ck_assert_int_eq(code, 1);
	char *rm = xasprintf("rm -rf %s", dir);
	ck_assert_int_eq(system(rm), 0);
	free(cmd); free(rm); free(checks);
	json_decref(res);
}
END_TEST

int main(void)
{
	grader_bin = getenv("GRADER") ? getenv("GRADER") : "build/grader/grader";
	load_table();
	Suite *s = suite_create("selftest");
	TCase *core = tcase_create("Core");
	tcase_set_timeout(core, 600);
	tcase_add_loop_test(core, test_selftest_reference_full_marks, 0, nlabs);
	tcase_add_loop_test(core, test_selftest_skeleton_fails_what_it_must, 0, nlabs);
	tcase_add_loop_test(core, test_selftest_mutant_caught, 0, nmutants);
	suite_add_tcase(s, core);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	int ran = srunner_ntests_run(sr);
	srunner_free(sr);
	if (nlabs == 0)
		fprintf(stderr, "selftest: no solutions/*/expect.json found\n");
	return failed == 0 && ran > 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
