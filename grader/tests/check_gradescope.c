/* check_gradescope.c - Gradescope's entry point, grader/gradescope/
 * run_autograder, run against a folder laid out as Gradescope lays out
 * /autograder (source, submission, results): a bare upload of one lab's file
 * is found, graded and written as a valid results.json; an upload with no
 * lab's file still gets a results.json that says what to upload. */
#include <check.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "grader.h"
#include "selftest.h"

/* A fresh /autograder: source is this project; submission is empty. */
static char *autograder_new(void)
{
	char tmpl[] = "/tmp/autograder.XXXXXX", cwd[PATH_MAX];
	ck_assert_ptr_nonnull(mkdtemp(tmpl));
	ck_assert_ptr_nonnull(getcwd(cwd, sizeof cwd));
	char *cmd = xasprintf("mkdir %s/submission && ln -s %s %s/source", tmpl, cwd, tmpl);
	ck_assert_int_eq(system(cmd), 0);
	free(cmd);
	return xstrdup(tmpl);
}

static json_t *run_autograder(const char *ag)
{
	char *cmd = xasprintf("AUTOGRADER_DIR=%s sh grader/gradescope/run_autograder "
	                      "> %s/log 2>&1", ag, ag);
	ck_assert_msg(system(cmd) == 0, "run_autograder exited non-zero: %s", cmd);
	free(cmd);
	char *path = xasprintf("%s/results/results.json", ag);
	json_error_t err;
	json_t *res = json_load_file(path, 0, &err);
	ck_assert_msg(res != NULL, "%s is not valid JSON: %s", path, err.text);
	free(path);
	return res;
}

static void autograder_free(char *ag)
{
	char *cmd = xasprintf("rm -rf %s", ag);
	ck_assert_int_eq(system(cmd), 0);
	free(cmd);
	free(ag);
}

START_TEST(test_gradescope_bare_upload_graded)
{
	char *ag = autograder_new();
	char *cmd = xasprintf("mkdir -p %s/submission/my-work && awk -v view=solution -f "
	                      "grader/skeleton.awk solutions/01-stdout-race/tasks.c > "
	                      "%s/submission/my-work/tasks.c", ag, ag);
	ck_assert_int_eq(system(cmd), 0);
	free(cmd);
	json_t *res = run_autograder(ag), *t;
	double max = 0;
	size_t i;
	ck_assert_msg(json_array_size(json_object_get(res, "tests")) > 0, "no tests in results.json");
	json_array_foreach(json_object_get(res, "tests"), i, t) {
		const char *lab = json_string_value(json_object_get(json_object_get(t, "extra_data"),
		                                                    "lab"));
		ck_assert_msg(lab && strcmp(lab, "01-stdout-race") == 0, "a row of another lab: %s", lab);
		ck_assert(json_is_number(json_object_get(t, "score")));
		max += json_number_value(json_object_get(t, "max_score"));
	}
	ck_assert_msg(max > 0 && json_number_value(json_object_get(res, "score")) == max,
	              "the reference's upload scored %g of %g",
	              json_number_value(json_object_get(res, "score")), max);
	json_decref(res);
	autograder_free(ag);
}
END_TEST

START_TEST(test_gradescope_upload_without_lab_files)
{
	char *ag = autograder_new();
	char *cmd = xasprintf("echo hello > %s/submission/notes.txt", ag);
	ck_assert_int_eq(system(cmd), 0);
	free(cmd);
	json_t *res = run_autograder(ag);
	const char *out = json_string_value(json_object_get(res, "output"));
	ck_assert(json_number_value(json_object_get(res, "score")) == 0);
	ck_assert_msg(out && strstr(out, "tasks.c") && strstr(out, "pool.c"), "output: %s", out);
	json_decref(res);
	autograder_free(ag);
}
END_TEST

int main(void)
{
	Suite *s = grader_suite("gradescope", 120, (const TTest *const[]){
		test_gradescope_bare_upload_graded, test_gradescope_upload_without_lab_files, NULL });
	return suite_passes(s, 2) ? EXIT_SUCCESS : EXIT_FAILURE;
}
