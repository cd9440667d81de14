/* check_lab.c - planning and staging: the rows a spec makes, and what may
 * enter the scratch copy (only the listed student files, never a link). */
#include <check.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "checks.h"
#include "selftest.h"

static char root[] = "/tmp/check_lab.XXXXXX";

static void put(const char *rel, const char *text)
{
	char *path = xasprintf("%s/%s", root, rel);
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
	free(path);
}

static void mkdirs(const char *rel)
{
	char *cmd = xasprintf("mkdir -p %s/%s", root, rel);
	ck_assert_int_eq(system(cmd), 0);
	free(cmd);
}

static const char *spec_text =
	"{\"student_files\": [\"tasks.c\"], \"checks\": ["
	"{\"name\": \"unit\", \"kind\": \"unit\", \"tests\": {\"test_a\": {\"points\": 2},"
	" \"test_b\": {\"points\": 3, \"title\": \"b works\"}}},"
	"{\"name\": \"races\", \"kind\": \"races\", \"points\": 5}]}";

static void setup(void)
{
	ck_assert_ptr_nonnull(mkdtemp(root));
	mkdirs("labs/99-demo/tests");
	mkdirs("common");
	mkdirs("grader");
	mkdirs("sub/99-demo");
	put("labs/99-demo/lab.json", spec_text);
	put("labs/99-demo/tasks.c", "/* skeleton */\n");
	put("labs/99-demo/tests/check_demo.c", "/* pristine test */\n");
	put("common/common.h", "/* common */\n");
	put("grader/helgrind.supp", "# none\n");
	put("sub/99-demo/tasks.c", "/* student */\n");
}

static void teardown(void)
{
	char *cmd = xasprintf("rm -rf %s", root);
	ck_assert_int_eq(system(cmd), 0);
	free(cmd);
	strcpy(root, "/tmp/check_lab.XXXXXX");
}

static struct lab_ctx ctx_for(struct options *opt, struct results *rs, json_t *spec)
{
	*opt = (struct options){ .root = root, .seed = -1 };
	return (struct lab_ctx){ .opt = opt, .lab = "99-demo", .spec = spec, .rs = rs };
}

START_TEST(test_lab_plan_one_row_per_test_and_per_check)
{
	struct options opt;
	struct results rs = { 0 };
	json_t *spec = json_loads(spec_text, 0, NULL);
	struct lab_ctx ctx = ctx_for(&opt, &rs, spec);
	ck_assert_int_eq(lab_plan(&ctx), 0);
	ck_assert_uint_eq(rs.n, 3);
	ck_assert_str_eq(rs.rows[0].id, "unit/test_a");
	ck_assert_str_eq(rs.rows[1].name, "unit: b works");
	ck_assert_str_eq(rs.rows[2].id, "races");
	ck_assert_double_eq(results_max(&rs), 10);
	ck_assert_int_eq(rs.rows[2].verdict, V_ERROR); /* unfinished is never a pass */
	results_free(&rs);
	json_decref(spec);
}
END_TEST

START_TEST(test_lab_plan_unknown_kind_is_a_spec_fault)
{
	struct options opt;
	struct results rs = { 0 };
	json_t *spec = json_loads("{\"student_files\": [], \"checks\": [{\"name\": \"x\", "
	                          "\"kind\": \"vibes\"}]}", 0, NULL);
	struct lab_ctx ctx = ctx_for(&opt, &rs, spec);
	ck_assert_int_eq(lab_plan(&ctx), -1);
	ck_assert_str_eq(rs.rows[rs.n - 1].check, "spec");
	ck_assert_ptr_nonnull(strstr(rs.rows[rs.n - 1].output, "SPEC.md"));
	results_free(&rs);
	json_decref(spec);
}
END_TEST

/* "build" "parts" must name lab.json's own checks; a part naming anything
 * else (a typo, a hidden check) would leave a check that never runs. */
START_TEST(test_lab_plan_build_parts_name_own_checks)
{
	static const char *const specs[] = {
		"{\"target\": \"part-a\", \"checks\": [\"unit\"]}", /* fine */
		"{\"target\": \"part-a\", \"checks\": [\"unit\", \"uint\"]}",
		"{\"checks\": [\"unit\"]}", /* no target */
		"{\"target\": \"part-a\", \"checks\": \"unit\"}",
	};
	for (size_t i = 0; i < sizeof specs / sizeof specs[0]; i++) {
		struct options opt;
		struct results rs = { 0 };
		char *text = xasprintf("{\"student_files\": [\"tasks.c\"], \"build\": {\"parts\": "
		                       "[%s]}, \"checks\": [{\"name\": \"unit\", \"kind\": \"unit\"}, "
		                       "{\"name\": \"races\", \"kind\": \"races\"}]}", specs[i]);
		json_t *spec = json_loads(text, 0, NULL);
		struct lab_ctx ctx = ctx_for(&opt, &rs, spec);
		ck_assert_ptr_nonnull(spec);
		ck_assert_int_eq(lab_plan(&ctx), i == 0 ? 0 : -1);
		ck_assert_str_eq(rs.rows[rs.n - 1].check, i == 0 ? "races" : "spec");
		results_free(&rs);
		json_decref(spec);
		free(text);
	}
}
END_TEST

START_TEST(test_lab_stage_copies_student_file_over_pristine_lab)
{
	struct options opt;
	struct results rs = { 0 };
	json_t *spec = json_loads(spec_text, 0, NULL);
	struct lab_ctx ctx = ctx_for(&opt, &rs, spec);
	char *sub = xasprintf("%s/sub/99-demo", root), *why = NULL;
	ck_assert_int_eq(lab_stage(&ctx, sub, &why), 0);
	char *staged = xasprintf("%s/tasks.c", ctx.labdir);
	char *test = xasprintf("%s/tests/check_demo.c", ctx.labdir);
	char *text = file_text(staged), *pristine = file_text(test);
	ck_assert_str_eq(text, "/* student */\n");
	ck_assert_str_eq(pristine, "/* pristine test */\n");
	lab_unstage(&ctx);
	ck_assert_int_ne(access(ctx.scratch, F_OK), 0); /* nothing left behind */
	free(sub); free(why); free(staged); free(test); free(text); free(pristine);
	free(ctx.scratch); free(ctx.labdir); free(ctx.outdir);
	json_decref(spec);
}
END_TEST

static int stage_with(const char *setup_cmd, char **why)
{
	struct options opt;
	struct results rs = { 0 };
	json_t *spec = json_loads(spec_text, 0, NULL);
	struct lab_ctx ctx = ctx_for(&opt, &rs, spec);
	char *cmd = xasprintf(setup_cmd, root);
	ck_assert_int_eq(system(cmd), 0);
	char *sub = xasprintf("%s/sub/99-demo", root);
	int rc = lab_stage(&ctx, sub, why);
	lab_unstage(&ctx);
	free(cmd); free(sub); free(ctx.scratch); free(ctx.labdir); free(ctx.outdir);
	json_decref(spec);
	return rc;
}

START_TEST(test_lab_stage_refuses_a_link)
{
	char *why = NULL;
	ck_assert_int_eq(stage_with("ln -sf /etc/passwd %s/sub/99-demo/tasks.c", &why), 1);
	ck_assert_ptr_nonnull(strstr(why, "not a link"));
	free(why);
}
END_TEST

START_TEST(test_lab_stage_refuses_a_huge_file)
{
	char *why = NULL;
	ck_assert_int_eq(stage_with("truncate -s 2M %s/sub/99-demo/tasks.c", &why), 1);
	ck_assert_ptr_nonnull(strstr(why, "1 MiB"));
	free(why);
}
END_TEST

START_TEST(test_lab_stage_missing_file_or_folder_is_not_submitted)
{
	char *why = NULL;
	ck_assert_int_eq(stage_with("rm %s/sub/99-demo/tasks.c", &why), 1);
	ck_assert_ptr_nonnull(strstr(why, "missing"));
	free(why);
	ck_assert_int_eq(stage_with("rm -r %s/sub/99-demo", &why), 1);
	ck_assert_ptr_nonnull(strstr(why, "not submitted"));
	free(why);
}
END_TEST

START_TEST(test_lab_replay_names_lab_check_seed_and_submission)
{
	struct options opt = { .submission_arg = "alice" };
	struct lab_ctx ctx = { .opt = &opt, .lab = "01-stdout-race" };
	char *cmd = lab_replay(&ctx, "unit", 3);
	ck_assert_str_eq(cmd, "make grade LAB=01-stdout-race CHECK=unit SEED=3 SUBMISSION=alice");
	free(cmd);
	opt.submission_arg = NULL;
	cmd = lab_replay(&ctx, NULL, -1);
	ck_assert_str_eq(cmd, "make grade LAB=01-stdout-race");
	free(cmd);
}
END_TEST

START_TEST(test_lab_hint_hang_from_test_then_check_then_lab)
{
	struct options opt;
	struct results rs = { 0 };
	json_t *spec = json_loads("{\"hint_hang\": \"lab hang\", \"checks\": ["
		"{\"name\": \"u\", \"hint\": \"check hint\", \"tests\": {"
		"\"a\": {\"hint\": \"a hint\", \"hint_hang\": \"a hang\"},"
		"\"b\": {\"hint\": \"b hint\"}}},"
		"{\"name\": \"r\", \"hint\": \"r hint\", \"hint_hang\": \"r hang\"},"
		"{\"name\": \"s\"}]}", 0, NULL);
	struct lab_ctx ctx = ctx_for(&opt, &rs, spec);
	json_t *checks = json_object_get(spec, "checks");
	json_t *u = json_array_get(checks, 0), *r = json_array_get(checks, 1);
	json_t *s = json_array_get(checks, 2), *tests = json_object_get(u, "tests");
	json_t *a = json_object_get(tests, "a"), *b = json_object_get(tests, "b");
	ck_assert_str_eq(lab_hint(&ctx, u, a, true), "a hang");
	ck_assert_str_eq(lab_hint(&ctx, u, a, false), "a hint");
	ck_assert_str_eq(lab_hint(&ctx, u, b, true), "lab hang");
	ck_assert_str_eq(lab_hint(&ctx, u, b, false), "b hint"); /* a test's row: its own hint */
	ck_assert_str_eq(lab_hint(&ctx, r, NULL, true), "r hang");
	ck_assert_str_eq(lab_hint(&ctx, r, NULL, false), "r hint");
	ck_assert_str_eq(lab_hint(&ctx, s, NULL, true), "lab hang");
	ck_assert_ptr_null(lab_hint(&ctx, s, NULL, false));
	json_object_del(spec, "hint_hang"); /* no words for hangs: the assertion's hint */
	ck_assert_str_eq(lab_hint(&ctx, u, b, true), "b hint");
	ck_assert_ptr_null(lab_hang_hint(&ctx, s, NULL));
	json_decref(spec);
}
END_TEST

/* Every hint_hang a lab of this project has (the lab's, a check's, a
 * test's) into out, as "file: text" lines. */
static void hang_hints(json_t *spec, const char *file, char **out)
{
	size_t i;
	const char *name;
	json_t *c, *t;
	if (json_object_get(spec, "hint_hang"))
		strappend(out, "%s: %s\n", file, spec_str(spec, "hint_hang", ""));
	json_array_foreach(json_object_get(spec, "checks"), i, c) {
		if (json_object_get(c, "hint_hang"))
			strappend(out, "%s: %s\n", file, spec_str(c, "hint_hang", ""));
		json_object_foreach(json_object_get(c, "tests"), name, t)
			if (json_object_get(t, "hint_hang"))
				strappend(out, "%s: %s\n", file, spec_str(t, "hint_hang", ""));
	}
}

/* A hang's hint is shown whether or not the row lists the threads (a
 * Helgrind run that times out shows none), so no hint_hang of a lab may
 * send the student to lines above it. */
START_TEST(test_lab_hint_hang_never_points_above)
{
	glob_t g;
	char *hints = xstrdup("");
	ck_assert_int_eq(glob("labs/*/lab.json", 0, NULL, &g), 0);
	ck_assert_int_eq(glob("labs/*/hidden/hidden.json", GLOB_APPEND, NULL, &g), 0);
	for (size_t i = 0; i < g.gl_pathc; i++) {
		json_t *spec = json_load_file(g.gl_pathv[i], 0, NULL);
		ck_assert_msg(spec, "%s does not parse", g.gl_pathv[i]);
		hang_hints(spec, g.gl_pathv[i], &hints);
		json_decref(spec);
	}
	globfree(&g);
	ck_assert_msg(strstr(hints, "labs/03-producer-consumer/lab.json: "), "%s", hints);
	for (const char *line = hints; *line; line += strcspn(line, "\n") + 1) {
		char *one = xasprintf("%.*s", (int)strcspn(line, "\n"), line);
		ck_assert_msg(!strstr(one, "above") && !strstr(one, "Above"), "%s", one);
		free(one);
	}
	free(hints);
}
END_TEST

/* The demo submission staged, as lab_run needs it. */
struct staged {
	struct options opt;
	struct results rs;
	json_t *spec;
	struct lab_ctx ctx;
	char *sub, *why;
};

static void stage_demo(struct staged *st)
{
	memset(st, 0, sizeof *st);
	st->spec = json_loads(spec_text, 0, NULL);
	st->ctx = ctx_for(&st->opt, &st->rs, st->spec);
	st->sub = xasprintf("%s/sub/99-demo", root);
	st->opt.submission = st->sub;
	ck_assert_int_eq(chmod(root, 0755), 0); /* the sandbox's user reaches scratch */
	ck_assert_int_eq(lab_stage(&st->ctx, st->sub, &st->why), 0);
}

static void unstage_demo(struct staged *st)
{
	lab_unstage(&st->ctx);
	free(st->sub); free(st->why);
	free(st->ctx.scratch); free(st->ctx.labdir); free(st->ctx.outdir);
	json_decref(st->spec);
}

/* A program in which nothing runs is stopped once HUNG_FROZEN_S has shown
 * it, before any hang of the lab is known, and marks the lab hung; its
 * diagnosis blames no earlier check. A build that sleeps is waited for. */
START_TEST(test_lab_run_stops_a_frozen_program_at_once)
{
	struct staged st;
	stage_demo(&st);
	struct lab_ctx ctx = st.ctx;
	struct sbx_result r;
	char *nap[] = { "sleep", "1", NULL };
	ck_assert_int_eq(lab_run_build(&ctx, nap, 30, &r), 0);
	ck_assert(!r.timed_out && !r.frozen && r.exit_code == 0 && !ctx.hung);
	sbx_result_free(&r);
	char *argv[] = { "sleep", "60", NULL };
	ck_assert_int_eq(lab_run(&ctx, argv, NULL, 60, &r), 0);
	ck_assert_msg(r.timed_out && r.frozen && ctx.hung, "%s", r.diagnosis);
	ck_assert_msg(strstr(r.diagnosis, "nothing in it having run for 0.5 s") &&
	              !strstr(r.diagnosis, "earlier check"), "%s", r.diagnosis);
	sbx_result_free(&r);
	st.ctx = ctx;
	unstage_demo(&st);
}
END_TEST

/* One run that times out marks the lab hung; every later run of it gets at
 * most HUNG_CAP_S and, timing out, says its deadline was cut; one in which
 * nothing runs is stopped sooner, once HUNG_FROZEN_S has shown it, and says
 * that. */
START_TEST(test_lab_run_cuts_deadlines_once_the_lab_hung)
{
	struct staged st;
	stage_demo(&st);
	struct lab_ctx ctx = st.ctx;
	char *argv[] = { "sleep", "60", NULL };
	struct sbx_result r;
	ck_assert_double_eq(lab_deadline(&ctx, 60), 60);
	ck_assert_int_eq(lab_run(&ctx, argv, NULL, 0.5, &r), 0);
	ck_assert(r.timed_out && ctx.hung);
	ck_assert_ptr_null(strstr(r.diagnosis, "was cut"));
	sbx_result_free(&r);
	ck_assert_double_eq(lab_deadline(&ctx, 60), HUNG_CAP_S);
	ck_assert_double_eq(lab_deadline(&ctx, 1), 1);
	char *spin[] = { "sh", "-c", "while :; do :; done", NULL };
	double t0 = now_s();
	ck_assert_int_eq(lab_run(&ctx, spin, NULL, 60, &r), 0);
	/* What stopped each run is told by the result, not by the clock (a
	 * loaded machine is slow to stop and diagnose): only "well before the
	 * 60 s asked" is timed. */
	ck_assert(r.timed_out && !r.frozen && now_s() - t0 < 30);
	char *cut = xasprintf("deadline was cut from 60 s to %.0f s because an earlier check "
	                      "of this lab hung", HUNG_CAP_S);
	ck_assert_msg(strstr(r.diagnosis, cut), "%s", r.diagnosis);
	free(cut);
	sbx_result_free(&r);
	t0 = now_s();
	ck_assert_int_eq(lab_run(&ctx, argv, NULL, 60, &r), 0); /* asleep: nothing runs */
	ck_assert_msg(r.timed_out && r.frozen && now_s() - t0 < 30, "%.1f s", now_s() - t0);
	ck_assert_msg(strstr(r.diagnosis, "was stopped as soon as nothing in it ran") &&
	              strstr(r.diagnosis, "Every thread is waiting"), "%s", r.diagnosis);
	sbx_result_free(&r);
	st.ctx = ctx;
	unstage_demo(&st);
}
END_TEST

/* GRADER_TIME_SCALE multiplies every deadline of a spec (and its defaults);
 * a value out of 1..10 is refused by the grader, a good one said in the
 * report's notes. */
START_TEST(test_lab_time_scale_multiplies_every_deadline)
{
	json_t *check = json_pack("{s:f}", "timeout_s", 4.0);
	unsetenv("GRADER_TIME_SCALE");
	ck_assert_double_eq(spec_secs(check, "timeout_s", 9), 4);
	ck_assert_double_eq(spec_secs(check, "test_timeout_s", 9), 9);
	setenv("GRADER_TIME_SCALE", "2.5", 1);
	ck_assert_double_eq(spec_secs(check, "timeout_s", 9), 10);
	ck_assert_double_eq(spec_secs(check, "test_timeout_s", 9), 22.5);
	const char *bad[] = { "abc", "0.5", "11", "2x", NULL };
	for (size_t i = 0; bad[i]; i++) {
		setenv("GRADER_TIME_SCALE", bad[i], 1);
		ck_assert_double_eq(time_scale(), 1);
	}
	json_decref(check);
	const char *grader = getenv("GRADER") ? getenv("GRADER") : "build/grader/grader";
	char *cmd = xasprintf("GRADER_TIME_SCALE=11 %s --root . --lab 01 --check memory "
	                      "--submission solutions >/dev/null 2>&1", grader);
	int st = system(cmd);
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 2, "a scale of 11 was not refused");
	free(cmd);
	char *json = xasprintf("%s/scaled.json", root);
	cmd = xasprintf("GRADER_TIME_SCALE=2 %s --root . --lab 01 --check memory --submission "
	                "solutions --json %s --progress none >/dev/null 2>&1", grader, json);
	ck_assert_int_ne(system(cmd), -1);
	char *text = file_text(json);
	ck_assert_msg(text && strstr(text, "every deadline was 2 times the lab's"), "%s", text);
	free(text); free(cmd); free(json);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("lab");
	TCase *core = tcase_create("Core");
	tcase_add_checked_fixture(core, setup, teardown);
	tcase_add_test(core, test_lab_plan_one_row_per_test_and_per_check);
	tcase_add_test(core, test_lab_plan_unknown_kind_is_a_spec_fault);
	tcase_add_test(core, test_lab_plan_build_parts_name_own_checks);
	tcase_add_test(core, test_lab_stage_copies_student_file_over_pristine_lab);
	tcase_add_test(core, test_lab_stage_refuses_a_link);
	tcase_add_test(core, test_lab_stage_refuses_a_huge_file);
	tcase_add_test(core, test_lab_stage_missing_file_or_folder_is_not_submitted);
	tcase_add_test(core, test_lab_replay_names_lab_check_seed_and_submission);
	tcase_add_test(core, test_lab_hint_hang_from_test_then_check_then_lab);
	tcase_add_test(core, test_lab_hint_hang_never_points_above);
	tcase_add_test(core, test_lab_run_stops_a_frozen_program_at_once);
	tcase_add_test(core, test_lab_run_cuts_deadlines_once_the_lab_hung);
	tcase_add_test(core, test_lab_time_scale_multiplies_every_deadline);
	tcase_set_timeout(core, 30);
	suite_add_tcase(s, core);
	return suite_passes(s, 1) ? EXIT_SUCCESS : EXIT_FAILURE;
}
