/* check_class.c - grading a class beyond one `make grade-batch`: the
 * per-job entry point (grader/cluster/grade-one.sh) picked by a Slurm array
 * index or a name, GNU parallel as the engine (on this machine, ":" in its
 * --sshloginfile) and the merge into one gradebook; the CI threshold; and
 * Autolab's driver, whose last line is the score line. Lab 01's races
 * check stands for a grade: a few seconds each. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "grader.h"
#include "selftest.h"

static char *tmp;

/* A class in tmp/class: alice has the reference's lab 01, bob the skeleton's. */
static void class_new(void)
{
	char tmpl[] = "/tmp/check_class.XXXXXX";
	ck_assert_ptr_nonnull(mkdtemp(tmpl));
	ck_assert_int_eq(chmod(tmpl, 0755), 0);
	tmp = xstrdup(tmpl);
	char *cmd = xasprintf("set -e; mkdir -p %1$s/class/alice/01-stdout-race "
	                      "%1$s/class/bob/01-stdout-race; "
	                      "awk -v view=solution -f grader/skeleton.awk "
	                      "solutions/01-stdout-race/tasks.c > %1$s/class/alice/01-stdout-race/tasks.c; "
	                      "cp labs/01-stdout-race/tasks.c %1$s/class/bob/01-stdout-race/", tmp);
	ck_assert_int_eq(system(cmd), 0);
	free(cmd);
}

static void class_free(void)
{
	char *cmd = xasprintf("rm -rf %s", tmp);
	ck_assert_int_eq(system(cmd), 0);
	free(cmd);
	free(tmp);
}

static int sh(const char *fmt, const char *arg)
{
	char *cmd = xasprintf(fmt, arg, arg, arg, arg);
	int status = system(cmd);
	free(cmd);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static char *slurp(const char *path)
{
	static char text[8192];
	FILE *f = fopen(path, "r");
	ck_assert_msg(f != NULL, "%s was not written", path);
	text[fread(text, 1, sizeof text - 1, f)] = '\0';
	fclose(f);
	return text;
}

static char *file_of(const char *name)
{
	static char path[512];
	snprintf(path, sizeof path, "%s/%s", tmp, name);
	return path;
}

START_TEST(test_class_entry_point_picks_by_index_and_name)
{
	class_new();
	/* The array's second task is bob (sorted order); failing is not a failed job. */
	ck_assert_int_eq(sh("SLURM_ARRAY_TASK_ID=2 sh grader/cluster/grade-one.sh %s/class %s/out "
	                    "-- --lab 01 --check races >/dev/null", tmp), 0);
	ck_assert_int_eq(access(file_of("out/bob.json"), R_OK), 0);
	ck_assert_int_ne(access(file_of("out/alice.json"), F_OK), 0);
	ck_assert_int_eq(sh("rm %s/out/bob.json", tmp), 0);
	ck_assert_int_eq(sh("sh grader/cluster/grade-one.sh %s/class %s/out alice -- --lab 01 "
	                    "--check races >/dev/null", tmp), 0);
	ck_assert_ptr_nonnull(strstr(slurp(file_of("out/alice.txt")), "races: 1 of 1 tests passed"));
	/* No such submission: a usage error the engine reports, not a grade. */
	ck_assert_int_eq(sh("sh grader/cluster/grade-one.sh %s/class %s/out 7 2>/dev/null", tmp), 2);
	ck_assert_int_eq(sh("sh grader/cluster/grade-one.sh %s/class %s/out --index 7 2>/dev/null",
	                    tmp), 2);
	/* A student named by an ID is that folder, never the 2nd in sorted order. */
	ck_assert_int_eq(sh("cp -r %1$s/class/alice %1$s/class/2 && sh grader/cluster/grade-one.sh "
	                    "%1$s/class %1$s/out 2 -- --lab 01 --check races >/dev/null", tmp), 0);
	ck_assert_int_eq(access(file_of("out/2.json"), R_OK), 0);
	ck_assert_int_ne(access(file_of("out/bob.json"), F_OK), 0);
	class_free();
}
END_TEST

START_TEST(test_class_parallel_on_localhost_then_merge)
{
	class_new();
	FILE *f = fopen(file_of("hosts"), "w");
	fputs(":\n", f); /* GNU parallel's name for this machine: no ssh */
	fclose(f);
	ck_assert_int_eq(sh("sh grader/cluster/parallel.sh %s/class %s/out %s/hosts -- --lab 01 "
	                    "--check races >/dev/null 2>&1", tmp), 0);
	char *book = slurp(file_of("out/gradebook.csv"));
	ck_assert_str_eq(book, "name,01-stdout-race,total,max,rank\n"
	                       "alice,25,25,25,1\nbob,0,0,25,2\n");
	ck_assert_ptr_nonnull(strstr(slurp(file_of("out/jobs.log")), "grade-one.sh"));
	char *summary = slurp(file_of("out/summary.txt"));
	ck_assert_msg(strstr(summary, "2 submissions graded: 1 with full marks") &&
	              strstr(summary, "01-stdout-race races") && strstr(summary, "failed by 1 of 2"),
	              "summary:\n%s", summary);
	/* A results file that does not parse is counted 0 and said, never dropped. */
	f = fopen(file_of("out/carol.json"), "w");
	fputs("{ not json", f);
	fclose(f);
	ck_assert_int_eq(sh("build/grader/grader --merge %s/out --by-check >/dev/null", tmp), 0);
	book = slurp(file_of("out/gradebook.csv"));
	ck_assert_msg(strstr(book, "rank,01-stdout-race/races\n") && strstr(book, "carol,0,0,0,2,0\n"),
	              "gradebook:\n%s", book);
	ck_assert_ptr_nonnull(strstr(slurp(file_of("out/summary.txt")), "1 results file could not be read"));
	/* A roster: dave, with no results file, has a row of 0 and is listed;
	 * carol, whom it lacks, is said; the export for an LMS has no rank. */
	f = fopen(file_of("roster.txt"), "w");
	fputs("# section 1\nalice\nbob\n\ndave\n", f);
	fclose(f);
	ck_assert_int_eq(sh("build/grader/grader --merge %1$s/out --roster %1$s/roster.txt "
	                    ">/dev/null", tmp), 0);
	book = slurp(file_of("out/gradebook.csv"));
	ck_assert_msg(strstr(book, "\ndave,0,0,25,2\n"), "gradebook:\n%s", book);
	summary = slurp(file_of("out/summary.txt"));
	ck_assert_msg(strstr(summary, "On the roster with no result (counted as 0): dave\n") &&
	              strstr(summary, "the roster does not have (a typo?): carol\n"),
	              "summary:\n%s", summary);
	ck_assert_str_eq(slurp(file_of("out/lms.csv")), "student,total,max,01-stdout-race\n"
	                 "alice,25,25,25\nbob,0,25,0\ncarol,0,0,0\ndave,0,25,0\n");
	/* A row that failed carries the command that grades it again; an
	 * inconclusive row is listed with it, for the instructor to regrade. */
	ck_assert_ptr_nonnull(strstr(slurp(file_of("out/bob.json")), "\"replay\": \"make grade"));
	f = fopen(file_of("out/erin.json"), "w");
	fputs("{\"score\": 0, \"tests\": [{\"score\": 0, \"max_score\": 15, \"status\": "
	      "\"failed\", \"extra_data\": {\"verdict\": \"inconclusive\", \"id\": \"speedup\", "
	      "\"lab\": \"01-stdout-race\", \"replay\": \"make grade LAB=01 CHECK=speedup\"}}]}", f);
	fclose(f);
	ck_assert_int_eq(sh("build/grader/grader --merge %s/out >/dev/null", tmp), 0);
	summary = slurp(file_of("out/summary.txt"));
	ck_assert_msg(strstr(summary, "Inconclusive (") && strstr(summary, "\n  erin "
	              "01-stdout-race/speedup: make grade LAB=01 CHECK=speedup\n"), "summary:\n%s",
	              summary);
	class_free();
}
END_TEST

START_TEST(test_class_threshold_fails_below_it)
{
	class_new();
	ck_assert_int_eq(sh("build/grader/grader --root . --lab 01 --check races --submission "
	                    "%s/class/bob --json %s/bob.json --progress none >/dev/null", tmp), 1);
	ck_assert_int_eq(sh("sh grader/ci/threshold.sh %s/bob.json 60 >/dev/null", tmp), 1);
	ck_assert_int_eq(sh("sh grader/ci/threshold.sh %s/bob.json 0 >/dev/null", tmp), 0);
	ck_assert_int_eq(sh("sh grader/ci/threshold.sh %s/none.json 0 2>/dev/null", tmp), 2);
	class_free();
}
END_TEST

/* Autolab reads the last line: {"scores": {...}}, the lab's rows and points. */
START_TEST(test_class_autolab_last_line_is_scores)
{
	class_new();
	ck_assert_int_eq(sh("cd %s/class/alice && tar -cf %s/handin.tar 01-stdout-race", tmp), 0);
	ck_assert_int_eq(sh("sh grader/autolab/driver.sh \"$PWD\" %s/handin.tar > %s/log 2>&1", tmp), 0);
	char *log = slurp(file_of("log")), *last = log + strlen(log) - 1;
	while (last > log && last[-1] != '\n')
		last--;
	json_error_t err;
	json_t *line = json_loads(last, 0, &err), *scores = json_object_get(line, "scores");
	ck_assert_msg(json_object_size(scores) > 0, "last line is not Autolab's: %s", last);
	double sum = 0;
	const char *k;
	json_t *v;
	/* Every key is a stable id, and a problem of the list Autolab is given. */
	ck_assert_int_eq(sh("build/grader/grader --root . --lab 01 --autolab-problems > %s/problems",
	                    tmp), 0);
	char *problems = slurp(file_of("problems"));
	json_object_foreach(scores, k, v) {
		sum += json_number_value(v);
		char *named = xasprintf("  - name: \"%s\"\n", k);
		ck_assert_msg(strncmp(k, "01-stdout-race/", 15) == 0 && strstr(problems, named),
		              "score key %s is not a problem of:\n%s", k, problems);
		free(named);
	}
	ck_assert_double_eq_tol(sum, 100, 1e-9);
	ck_assert_ptr_nonnull(strstr(problems, "  - name: \"01-stdout-race/hidden\"\n"));
	json_decref(line);
	/* A handin with no lab file still ends with a scores line. */
	ck_assert_int_eq(sh("echo hi > %s/notes.txt && sh grader/autolab/driver.sh \"$PWD\" "
	                    "%s/notes.txt | tail -n 1 > %s/log", tmp), 0);
	ck_assert_str_eq(slurp(file_of("log")), "{\"scores\": {}}\n");
	class_free();
}
END_TEST

/* Fail closed: where bubblewrap cannot start (simulated), a batch runs no
 * student code unless told SANDBOX=off-ok, and every row says why; one
 * student's own grade of their copy still runs, the report saying so. */
START_TEST(test_class_batch_without_sandbox_refuses_unless_told)
{
	class_new();
	ck_assert_int_eq(sh("GRADER_NO_BWRAP=1 build/grader/grader --root . --batch %1$s/class "
	                    "--out %1$s/out --lab 01 --check races --progress none >/dev/null", tmp), 4);
	char *txt = slurp(file_of("out/alice.txt"));
	ck_assert_msg(strstr(txt, "Not graded: the sandbox (bubblewrap) cannot start") &&
	              strstr(txt, "SANDBOX=off-ok"), "%s", txt);
	/* Told off-ok, as root: only with the project closed to other users, the
	 * one thing left between student code and the hidden tests. */
	ck_assert_int_eq(sh("GRADER_NO_BWRAP=1 build/grader/grader --root . --batch %1$s/class "
	                    "--out %1$s/out --lab 01 --check races --progress none --sandbox off-ok "
	                    ">/dev/null", tmp), geteuid() == 0 ? 4 : 1);
	if (geteuid() == 0)
		ck_assert_ptr_nonnull(strstr(slurp(file_of("out/alice.txt")), "chmod o-rwx"));
	ck_assert_int_eq(sh("set -e; mkdir -p %1$s/closed/labs %1$s/closed/grader; cp -r common "
	                    "%1$s/closed/; cp -r labs/01-stdout-race %1$s/closed/labs/; "
	                    "cp grader/helgrind.supp %1$s/closed/grader/; chmod 700 %1$s/closed", tmp), 0);
	ck_assert_int_eq(sh("GRADER_NO_BWRAP=1 build/grader/grader --root %1$s/closed --batch "
	                    "%1$s/class --out %1$s/out --lab 01 --check races --progress none "
	                    "--sandbox off-ok >/dev/null", tmp), 1); /* bob fails races: graded */
	ck_assert_ptr_nonnull(strstr(slurp(file_of("out/alice.txt")), "races: 1 of 1 tests passed"));
	/* A student's own copy (no hidden tests) grades their code either way. */
	ck_assert_int_eq(sh("set -e; cp -r %1$s/closed %1$s/mine; rm -r %1$s/mine/labs/01-stdout-race/"
	                    "hidden; chmod 755 %1$s/mine", tmp), 0);
	ck_assert_int_eq(sh("GRADER_NO_BWRAP=1 build/grader/grader --root %1$s/mine --submission "
	                    "%1$s/class/alice --lab 01 --check races --progress none --verbose "
	                    "> %1$s/one.txt", tmp), 0);
	ck_assert_ptr_nonnull(strstr(slurp(file_of("one.txt")), "NO bubblewrap"));
	ck_assert_int_eq(sh("GRADER_NO_BWRAP=1 sh grader/cluster/grade-one.sh %1$s/class %1$s/out2 "
	                    "alice -- --lab 01 --check races >/dev/null", tmp), 4);
	class_free();
}
END_TEST

int main(void)
{
	Suite *s = grader_suite("class", 240, (const TTest *const[]){
		test_class_entry_point_picks_by_index_and_name,
		test_class_parallel_on_localhost_then_merge, test_class_threshold_fails_below_it,
		test_class_autolab_last_line_is_scores, test_class_batch_without_sandbox_refuses_unless_told,
		NULL });
	return suite_passes(s, 5) ? EXIT_SUCCESS : EXIT_FAILURE;
}
