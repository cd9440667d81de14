/* check_submit.c - a submission that holds only some of a lab's student
 * files: each missing one is the skeleton's, graded in its place, and the
 * run's notes say so, also when the lab was graded in a process of its own
 * (rows_io hands its notes back); one that holds none is not submitted.
 * Replays name the submission as --replay-as says, never the folder graded. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "checks.h"
#include "rows_io.h"
#include "selftest.h"

static char root[] = "/tmp/check_submit.XXXXXX";

static void sh(const char *fmt, const char *arg)
{
	char *cmd = xasprintf(fmt, arg, arg, arg, arg);
	ck_assert_msg(system(cmd) == 0, "%s", cmd);
	free(cmd);
}

/* A lab of two student files, part.c and other.c; the submission holds part.c. */
static void setup(void)
{
	ck_assert_ptr_nonnull(mkdtemp(root));
	sh("cd %s && mkdir -p labs/99-demo common grader sub/99-demo && "
	   "echo '/* skeleton part */' > labs/99-demo/part.c && "
	   "echo '/* skeleton other */' > labs/99-demo/other.c && "
	   "echo '# none' > grader/helgrind.supp && echo '/* student part */' > sub/99-demo/part.c",
	   root);
}

static void teardown(void)
{
	sh("rm -rf %s", root);
	strcpy(root, "/tmp/check_submit.XXXXXX");
}

static const char *spec_text = "{\"student_files\": [\"part.c\", \"other.c\"], \"checks\": []}";

/* Stages sub/99-demo into a fresh scratch; the staged text of each file
 * (NULL when not staged), or the rc and *why. */
static int stage(struct results *rs, char **why, char **part, char **other)
{
	struct options opt = { .root = root, .seed = -1, .submission_arg = "alice" };
	json_t *spec = json_loads(spec_text, 0, NULL);
	struct lab_ctx ctx = { .opt = &opt, .lab = "99-demo", .spec = spec, .rs = rs };
	char *sub = xasprintf("%s/sub/99-demo", root);
	int rc = lab_stage(&ctx, sub, why);
	char *p = xasprintf("%s/part.c", ctx.labdir), *o = xasprintf("%s/other.c", ctx.labdir);
	*part = file_text(p);
	*other = file_text(o);
	lab_unstage(&ctx);
	free(p); free(o); free(sub);
	free(ctx.scratch); free(ctx.labdir); free(ctx.outdir);
	json_decref(spec);
	return rc;
}

START_TEST(test_submit_missing_file_is_the_skeletons_and_said_once)
{
	struct results rs = { 0 };
	char *why = NULL, *part, *other;
	for (int round = 0; round < 2; round++) { /* the hidden checks stage the lab again */
		ck_assert_int_eq(stage(&rs, &why, &part, &other), 0);
		ck_assert_str_eq(part, "/* student part */\n");
		ck_assert_str_eq(other, "/* skeleton other */\n");
		free(part); free(other);
	}
	const char *said = "99-demo: other.c was not in your submission: the skeleton's other.c "
	                   "was graded in its place";
	char *first = strstr(rs.notes ? rs.notes : "", said);
	ck_assert_msg(first != NULL, "notes: %s", rs.notes);
	ck_assert_msg(strstr(first + 1, said) == NULL, "said twice: %s", rs.notes);
	results_free(&rs);
	free(why);
}
END_TEST

START_TEST(test_submit_no_file_of_the_lab_is_not_submitted)
{
	struct results rs = { 0 };
	char *why = NULL, *part, *other;
	sh("rm %s/sub/99-demo/part.c && echo notes > %s/sub/99-demo/notes.txt", root);
	ck_assert_int_eq(stage(&rs, &why, &part, &other), 1);
	ck_assert_str_eq(why, "part.c and other.c are missing from alice/99-demo.");
	ck_assert_ptr_null(rs.notes); /* no skeleton was graded */
	free(part); free(other); free(why);
	sh("rm -r %s/sub/99-demo", root);
	ck_assert_int_eq(stage(&rs, &why, &part, &other), 1);
	ck_assert_str_eq(why, "The folder alice/99-demo was not submitted.");
	free(part); free(other); free(why);
	results_free(&rs);
}
END_TEST

/* A lab graded in its own process hands back the notes it added. */
START_TEST(test_submit_notes_come_back_from_a_labs_process)
{
	struct results child = { 0 }, parent = { 0 };
	results_add(&child, "99-demo", "unit", "unit", 1);
	results_add(&parent, "99-demo", "unit", "unit", 1);
	results_note(&child, "sandbox: the same in both");
	results_note(&parent, "sandbox: the same in both");
	size_t had = strlen(child.notes);
	results_note(&child, "99-demo: other.c was not in your submission");
	char *path = xasprintf("%s/rows.json", root);
	ck_assert_int_eq(rows_save_notes(path, &child, 0, 1, child.notes + had), 0);
	ck_assert_int_eq(rows_load(path, &parent, 0, 1), 0);
	ck_assert_str_eq(parent.notes, child.notes);
	results_free(&child);
	results_free(&parent);
	free(path);
}
END_TEST

/* Grades root/sub (lab 01 there does not compile) with --replay-as as; the
 * text report, and every row's output and replay in *res. */
static char *grade_as(const char *as, const char *more, json_t **res)
{
	char *cmd = xasprintf("mkdir -p %s/sub/01-stdout-race && echo 'not C' > "
	                      "%s/sub/01-stdout-race/tasks.c && %s --root . --lab 01 --submission "
	                      "%s/sub --replay-as '%s' %s --json %s/r.json --color never "
	                      "--progress none > %s/out.txt", root, root, grader_bin, root, as,
	                      more, root, root);
	ck_assert_int_eq(WEXITSTATUS(system(cmd)), 1);
	free(cmd);
	char *path = xasprintf("%s/r.json", root);
	*res = json_load_file(path, 0, NULL);
	ck_assert_ptr_nonnull(*res);
	free(path);
	path = xasprintf("%s/out.txt", root);
	char *text = file_text(path);
	free(path);
	size_t i;
	json_t *t;
	json_array_foreach(json_object_get(*res, "tests"), i, t) {
		const char *out = json_string_value(json_object_get(t, "output"));
		const char *replay = json_string_value(json_object_get(json_object_get(t, "extra_data"),
		                                                       "replay"));
		ck_assert_msg(!strstr(out, root) && !(replay && strstr(replay, root)),
		              "a row names the folder graded: %s / %s", out, replay);
	}
	ck_assert_msg(!strstr(text, root), "the report names the folder graded:\n%s", text);
	return text;
}

/* An upload unpacked into a temporary folder is replayed as its owner would
 * type it: --replay-as labs (their working copy) leaves SUBMISSION= out. */
START_TEST(test_submit_replay_as_names_the_submission_as_its_owner_does)
{
	json_t *res;
	char *text = grade_as("labs", "", &res);
	ck_assert_msg(strstr(text, "replay: make grade LAB=01-stdout-race\n"), "%s", text);
	json_decref(res);
	free(text);
	text = grade_as("alice", "", &res);
	ck_assert_msg(strstr(text, "replay: make grade LAB=01-stdout-race SUBMISSION=alice\n"),
	              "%s", text);
	json_decref(res);
	free(text);
	text = grade_as("labs", "--check unit --seed 2", &res); /* a replay: "run ... for the score" */
	ck_assert_msg(strstr(text, "not a score, run make grade LAB=01 for the score"), "%s", text);
	json_decref(res);
	free(text);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("submit");
	TCase *core = tcase_create("Core");
	tcase_add_checked_fixture(core, setup, teardown);
	tcase_add_test(core, test_submit_missing_file_is_the_skeletons_and_said_once);
	tcase_add_test(core, test_submit_no_file_of_the_lab_is_not_submitted);
	tcase_add_test(core, test_submit_notes_come_back_from_a_labs_process);
	tcase_add_test(core, test_submit_replay_as_names_the_submission_as_its_owner_does);
	tcase_set_timeout(core, 60);
	suite_add_tcase(s, core);
	return suite_passes(s, 4) ? EXIT_SUCCESS : EXIT_FAILURE;
}
