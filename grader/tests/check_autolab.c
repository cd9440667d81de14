/* check_autolab.c - one lab's Autolab autograder (make autolab LAB=04), run
 * as Autolab's Tango runs it: the tar and the handin in a folder, `make -f
 * autograde-Makefile` as an unprivileged user, with the packages already
 * installed (nothing installed at grade time). The last line is the scores
 * line: every key a problem of problems.yml, lab 04's only, full marks for
 * the reference; the tar holds no solutions/ and no other lab. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <jansson.h>
#include "grader.h"
#include "selftest.h"

#define LAB "04-pool-ordering"

static int sh(const char *fmt, const char *arg)
{
	char *cmd = xasprintf(fmt, arg, arg, arg, arg);
	int st = system(cmd);
	free(cmd);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

START_TEST(test_autolab_lab_package_graded_as_tango_does)
{
	char dir[] = "/tmp/check_autolab.XXXXXX";
	ck_assert_ptr_nonnull(mkdtemp(dir));
	char *pkg = xasprintf("%s/pkg", dir), *job = xasprintf("%s/job", dir);
	ck_assert_int_eq(sh("make --no-print-directory autolab LAB=04 OUT=%s >/dev/null", pkg), 0);
	ck_assert_int_eq(sh("tar -tf %s/autograde.tar > %s.list", pkg), 0);
	char *list_path = xasprintf("%s.list", pkg), *list = file_text(list_path);
	ck_assert_msg(list && strstr(list, "./labs/" LAB "/hidden/hidden.json") &&
	              strstr(list, "./autolab-lab") && !strstr(list, "solutions/") &&
	              !strstr(list, "01-stdout-race") && !strstr(list, "grader/tests/") &&
	              !strstr(list, ".git/"), "the tar holds:\n%s", list);
	/* Tango's folder: the handin (the reference, as a student writes it) beside the
	 * tar and the Makefile, owned by the unprivileged user that runs it. */
	char *cmd = xasprintf("set -e; mkdir %1$s; cp %2$s/autograde.tar %2$s/autograde-Makefile %1$s/; "
	                      "awk -v view=solution -f grader/skeleton.awk solutions/" LAB "/pool.c "
	                      "> %1$s/pool.c; chmod 755 %3$s; chown -R nobody %1$s", job, pkg, dir);
	ck_assert_int_eq(system(cmd), 0);
	free(cmd);
	/* Tango's make is no one's sub-make: none of ours leaks into it. */
	ck_assert_int_eq(sh("cd %s && runuser -u nobody -- env -u MAKEFLAGS -u MAKELEVEL -u MFLAGS "
	                    "HOME=%s make -f autograde-Makefile > log 2>&1", job), 0);
	char *log_path = xasprintf("%s/log", job), *log = file_text(log_path);
	ck_assert_msg(log && *log, "make -f autograde-Makefile printed nothing");
	/* Check's messages are short: the log's end says what went wrong. */
	const char *tail = strlen(log) > 1500 ? log + strlen(log) - 1500 : log;
	char *last = log + strlen(log) - 1;
	while (last > log && last[-1] != '\n')
		last--;
	json_t *line = json_loads(last, 0, NULL), *scores = json_object_get(line, "scores");
	ck_assert_msg(json_object_size(scores) > 0, "no scores line:\n%s", tail);
	char *problems_path = xasprintf("%s/problems.yml", pkg), *problems = file_text(problems_path);
	double sum = 0;
	const char *k;
	json_t *v;
	json_object_foreach(scores, k, v) {
		char *named = xasprintf("  - name: \"%s\"\n", k);
		ck_assert_msg(strncmp(k, LAB "/", strlen(LAB) + 1) == 0 && strstr(problems, named),
		              "score key %s is not one of lab 04's problems", k);
		sum += json_number_value(v);
		free(named);
	}
	ck_assert_msg(sum == 100, "the reference scored %g:\n%s", sum, tail);
	json_decref(line);
	free(log); free(log_path); free(list); free(list_path);
	free(problems); free(problems_path);
	sh("rm -rf %s", dir);
	free(pkg); free(job);
}
END_TEST

int main(void)
{
	if (getenv("GRADER"))
		grader_bin = getenv("GRADER");
	Suite *s = grader_suite("autolab", 240, (const TTest *const[]){
		test_autolab_lab_package_graded_as_tango_does, NULL });
	return suite_passes(s, 1) ? EXIT_SUCCESS : EXIT_FAILURE;
}
