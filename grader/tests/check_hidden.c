/* check_hidden.c - hidden tests (grader/SPEC.md): lab_plan appends the
 * checks of labs/NN/hidden/hidden.json after the lab's own, their rows
 * hidden; staging leaves hidden/ out; and every report keeps a hidden row's
 * name, output and hints to the instructor: the text report shows one line
 * per lab (in a release, the points lab.json says), Gradescope's JSON
 * (published with the grades), JUnit, TAP and Autolab give its verdict and
 * score under "hidden test N". The end to
 * end proofs are elsewhere: the self-test table (hidden tests pass the
 * reference, mutants caught only by them), hostile 39 (the hidden sources
 * are gone when student code runs), check_release (the release has none). */
#include <check.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "checks.h"
#include "report.h"
#include "selftest.h"

#define SECRET "SECRET-hidden-content"

static char root[] = "/tmp/check_hidden.XXXXXX";

static void put(const char *rel, const char *text)
{
	char *path = xasprintf("%s/%s", root, rel);
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
	free(path);
}

/* Runs a shell command in which %1$s is the root. */
static void sh(const char *fmt)
{
	char *cmd = xasprintf(fmt, root);
	ck_assert_int_eq(system(cmd), 0);
	free(cmd);
}

static const char *spec_text =
	"{\"student_files\": [\"tasks.c\"], \"checks\": ["
	"{\"name\": \"unit\", \"kind\": \"unit\", \"tests\": {\"test_a\": {\"points\": 2},"
	" \"test_b\": {\"points\": 3}}},"
	"{\"name\": \"races\", \"kind\": \"races\", \"points\": 5}]}";

static const char *hidden_text =
	"{\"checks\": [{\"name\": \"secret\", \"kind\": \"unit\", \"program\": \"check_s\","
	" \"tests\": {\"test_s1\": {\"points\": 4, \"hint\": \"" SECRET "\"},"
	" \"test_s2\": {\"points\": 1}}}]}";

static void setup(void)
{
	ck_assert_ptr_nonnull(mkdtemp(root));
	sh("mkdir -p %1$s/labs/99-demo/tests %1$s/labs/99-demo/hidden %1$s/common "
	   "%1$s/grader %1$s/sub/99-demo");
	put("labs/99-demo/lab.json", spec_text);
	put("labs/99-demo/hidden/hidden.json", hidden_text);
	put("labs/99-demo/hidden/check_s.c", "/* " SECRET " */\n");
	put("labs/99-demo/tasks.c", "/* skeleton */\n");
	put("labs/99-demo/tests/check_demo.c", "/* pristine test */\n");
	put("common/common.h", "/* common */\n");
	put("grader/helgrind.supp", "# none\n");
	put("sub/99-demo/tasks.c", "/* student */\n");
}

static void teardown(void)
{
	sh("rm -rf %s");
	strcpy(root, "/tmp/check_hidden.XXXXXX");
}

/* Plans lab 99-demo with --check only (NULL: every check); returns lab_plan's. */
static int plan(const char *only, struct results *rs, json_t **spec)
{
	static struct options opt;
	opt = (struct options){ .root = root, .seed = -1, .only_check = only };
	*spec = json_loads(spec_text, 0, NULL);
	struct lab_ctx ctx = { .opt = &opt, .lab = "99-demo", .spec = *spec, .rs = rs };
	return lab_plan(&ctx);
}

START_TEST(test_hidden_plan_appends_hidden_rows_last)
{
	struct results rs = { 0 };
	json_t *spec;
	ck_assert_int_eq(plan(NULL, &rs, &spec), 0);
	ck_assert_uint_eq(rs.n, 5);
	for (size_t i = 0; i < 3; i++)
		ck_assert(!rs.rows[i].hidden);
	ck_assert_str_eq(rs.rows[3].id, "secret/test_s1");
	ck_assert(rs.rows[3].hidden && rs.rows[4].hidden);
	ck_assert_double_eq(results_max(&rs), 15);
	/* The check runs last, as the grader's "hidden" kind around its own. */
	json_t *checks = json_object_get(spec, "checks");
	json_t *last = json_array_get(checks, json_array_size(checks) - 1);
	ck_assert_uint_eq(json_array_size(checks), 3);
	ck_assert_str_eq(spec_str(last, "kind", ""), "hidden");
	ck_assert_str_eq(spec_str(last, "hidden_kind", ""), "unit");
	ck_assert(!rs.release);
	results_free(&rs);
	json_decref(spec);
}
END_TEST

START_TEST(test_hidden_plan_replay_that_names_it_shows_it)
{
	struct results rs = { 0 };
	json_t *spec;
	ck_assert_int_eq(plan("secret", &rs, &spec), 0);
	ck_assert_uint_eq(rs.n, 2);
	ck_assert(!rs.rows[0].hidden && !rs.rows[1].hidden); /* the instructor asked for it */
	results_free(&rs);
	json_decref(spec);
	rs = (struct results){ 0 };
	ck_assert_int_eq(plan("unit", &rs, &spec), 0);
	ck_assert_uint_eq(rs.n, 2);
	ck_assert_str_eq(rs.rows[1].id, "unit/test_b");
	results_free(&rs);
	json_decref(spec);
}
END_TEST

START_TEST(test_hidden_plan_bad_hidden_json_is_a_spec_fault)
{
	static const char *const bad[] = {
		"{\"checks\": 3}", "not json",
		"{\"checks\": [{\"name\": \"x\", \"kind\": \"vibes\"}]}",
		"{\"checks\": [{\"name\": \"x\", \"kind\": \"hidden\"}]}",
		"{\"checks\": [{\"name\": \"races\", \"kind\": \"races\"}]}", /* taken */
		"{\"checks\": [{\"name\": \"s\", \"kind\": \"unit\"}, "
		"{\"name\": \"s\", \"kind\": \"unit\"}]}",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct results rs = { 0 };
		json_t *spec;
		put("labs/99-demo/hidden/hidden.json", bad[i]);
		ck_assert_int_eq(plan(NULL, &rs, &spec), -1);
		ck_assert_str_eq(rs.rows[rs.n - 1].name, "hidden/hidden.json");
		ck_assert_int_eq(rs.rows[rs.n - 1].verdict, V_ERROR);
		results_free(&rs);
		json_decref(spec);
	}
}
END_TEST

START_TEST(test_hidden_plan_lab_json_may_not_use_the_hidden_kind)
{
	struct options opt = { .root = root, .seed = -1 };
	struct results rs = { 0 };
	json_t *spec = json_loads("{\"student_files\": [], \"checks\": [{\"name\": \"x\", "
	                          "\"kind\": \"hidden\", \"hidden_kind\": \"unit\"}]}", 0, NULL);
	struct lab_ctx ctx = { .opt = &opt, .lab = "99-demo", .spec = spec, .rs = &rs };
	ck_assert_int_eq(lab_plan(&ctx), -1);
	ck_assert_str_eq(rs.rows[rs.n - 1].name, "lab.json");
	results_free(&rs);
	json_decref(spec);
}
END_TEST

START_TEST(test_hidden_plan_release_marker_sets_release)
{
	struct results rs = { 0 };
	json_t *spec;
	sh("rm -r %1$s/labs/99-demo/hidden && touch %1$s/RELEASE");
	ck_assert_int_eq(plan(NULL, &rs, &spec), 0);
	ck_assert_uint_eq(rs.n, 3); /* no hidden folder, no hidden rows */
	ck_assert(rs.release);
	results_free(&rs);
	json_decref(spec);
}
END_TEST

/* The visible checks' scratch never holds hidden/: check_hidden stages it
 * in a scratch of its own, after them. */
START_TEST(test_hidden_stage_leaves_hidden_out)
{
	struct options opt = { .root = root, .seed = -1 };
	struct results rs = { 0 };
	json_t *spec = json_loads(spec_text, 0, NULL);
	struct lab_ctx ctx = { .opt = &opt, .lab = "99-demo", .spec = spec, .rs = &rs };
	char *sub = xasprintf("%s/sub/99-demo", root), *why = NULL;
	ck_assert_int_eq(lab_stage(&ctx, sub, &why), 0);
	char *hidden = xasprintf("%s/hidden", ctx.labdir);
	char *tests = xasprintf("%s/tests/check_demo.c", ctx.labdir);
	ck_assert_int_ne(access(hidden, F_OK), 0);
	ck_assert_int_eq(access(tests, F_OK), 0);
	lab_unstage(&ctx);
	free(sub); free(why); free(hidden); free(tests);
	free(ctx.scratch); free(ctx.labdir); free(ctx.outdir);
	json_decref(spec);
}
END_TEST

/* ---- reports ---- */

static struct result *row(struct results *rs, const char *lab, const char *name,
                          enum verdict v, bool hidden)
{
	struct result *r = results_add(rs, lab, "unit", name, 5);
	r->verdict = v;
	r->score = v == V_PASS ? 5 : 0;
	r->hidden = hidden;
	free(r->output);
	r->output = xstrdup(hidden ? "output " SECRET "\nHint: " SECRET : "a visible failure");
	if (hidden)
		r->raw = xstrdup("raw " SECRET);
	r->replay = xstrdup("make grade LAB=01 CHECK=secret");
	return r;
}

/* Lab 01: a visible row, hidden rows failed, passed, inconclusive; lab 02
 * visible only. */
static void hidden_rows(struct results *rs)
{
	*rs = (struct results){ 0 };
	row(rs, "01-a", "unit: visible", V_FAIL, false);
	row(rs, "01-a", "secret: " SECRET " one", V_FAIL, true);
	row(rs, "01-a", "secret: " SECRET " two", V_PASS, true);
	row(rs, "01-a", "secret: " SECRET " three", V_INCONCLUSIVE, true);
	row(rs, "02-b", "unit: other", V_PASS, false);
}

static char *slurp(const char *path)
{
	char *text = file_text(path);
	ck_assert_msg(text != NULL, "%s cannot be read", path);
	return text;
}

static char *text_of(struct results *rs, bool raw)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	report_text(f, rs, false, raw);
	fclose(f);
	return buf;
}

static size_t count(const char *text, const char *what)
{
	size_t n = 0;
	for (const char *p = text; (p = strstr(p, what)); p += strlen(what))
		n++;
	return n;
}

START_TEST(test_hidden_text_report_one_line_per_lab)
{
	struct results rs;
	hidden_rows(&rs);
	char *text = text_of(&rs, true);
	ck_assert_msg(!strstr(text, SECRET), "the text report shows hidden content:\n%s", text);
	ck_assert_ptr_nonnull(strstr(text, "a visible failure"));
	ck_assert_uint_eq(count(text, "hidden tests: 3, 1 passed, 5/15 points (their content is not shown)"), 1);
	ck_assert_uint_eq(count(text, "hidden tests"), 1); /* not a release: no note */
	ck_assert_ptr_nonnull(strstr(text, "total: 10/25"));
	free(text);
	results_free(&rs);
}
END_TEST

START_TEST(test_hidden_text_report_release_says_once)
{
	struct results rs;
	hidden_rows(&rs);
	rs.release = true;
	char *text = text_of(&rs, false);
	ck_assert_uint_eq(count(text, "also count for credit"), 1);
	/* under the last lab, before the total */
	ck_assert(strstr(text, "also count for credit") > strstr(text, "02-b"));
	free(text);
	results_free(&rs);
}
END_TEST

/* Labs whose lab.json says hidden_points: each says its own, under it. */
START_TEST(test_hidden_text_report_release_says_the_points)
{
	struct results rs;
	hidden_rows(&rs);
	rs.release = true;
	rs.hidden_points = json_pack("{s:f}", "02-b", 6.0);
	char *text = text_of(&rs, false);
	const char *line = strstr(text, "hidden tests: 6 more points, not in this copy: they count "
	                          "when your instructor grades");
	ck_assert_msg(line != NULL, "%s", text);
	ck_assert(line > strstr(text, "02-b")); /* under its lab */
	ck_assert_uint_eq(count(text, "more points"), 1); /* 01-a says none */
	ck_assert_uint_eq(count(text, "also count for credit"), 0);
	free(text);
	results_free(&rs);
}
END_TEST

START_TEST(test_hidden_json_published_with_the_grades)
{
	struct results rs;
	char path[] = "/tmp/check_hidden_json.XXXXXX";
	int fd = mkstemp(path);
	close(fd);
	hidden_rows(&rs);
	ck_assert_int_eq(report_json(path, &rs), 0);
	json_t *res = json_load_file(path, 0, NULL);
	size_t i;
	json_t *t;
	ck_assert_ptr_nonnull(res);
	json_array_foreach(json_object_get(res, "tests"), i, t) {
		const char *vis = json_string_value(json_object_get(t, "visibility"));
		const char *name = json_string_value(json_object_get(t, "name"));
		const char *output = json_string_value(json_object_get(t, "output"));
		ck_assert_str_eq(vis, rs.rows[i].hidden ? "after_published" : "visible");
		/* published, a hidden row still says only its verdict and score */
		ck_assert_msg(!strstr(name, SECRET) && !strstr(output, SECRET),
		              "results.json shows hidden content: %s: %s", name, output);
	}
	t = json_array_get(json_object_get(res, "tests"), 2);
	ck_assert_str_eq(json_string_value(json_object_get(t, "name")), "01-a hidden test 2");
	ck_assert_str_eq(json_string_value(json_object_get(t, "status")), "passed");
	ck_assert_double_eq(json_number_value(json_object_get(t, "score")), 5);
	ck_assert_double_eq(json_number_value(json_object_get(res, "score")), 10);
	json_decref(res);
	unlink(path);
	results_free(&rs);
}
END_TEST

START_TEST(test_hidden_junit_tap_autolab_give_no_content)
{
	struct results rs;
	char dir[] = "/tmp/check_hidden_files.XXXXXX";
	ck_assert_ptr_nonnull(mkdtemp(dir));
	char *junit = xasprintf("%s/junit.xml", dir), *tap = xasprintf("%s/r.tap", dir);
	hidden_rows(&rs);
	ck_assert_int_eq(report_junit(junit, &rs), 0);
	ck_assert_int_eq(report_tap(tap, &rs), 0);
	char *x = slurp(junit), *t = slurp(tap), *a = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&a, &len);
	report_autolab(f, &rs);
	fclose(f);
	ck_assert_msg(!strstr(x, SECRET), "JUnit shows hidden content:\n%s", x);
	ck_assert_msg(!strstr(t, SECRET), "TAP shows hidden content:\n%s", t);
	ck_assert_msg(!strstr(a, SECRET), "Autolab shows hidden content:\n%s", a);
	ck_assert_ptr_nonnull(strstr(x, "name=\"hidden test 1\""));
	ck_assert_ptr_nonnull(strstr(x, "name=\"hidden test 3\""));
	ck_assert_ptr_nonnull(strstr(t, "not ok 2 - 01-a hidden test 1\n"));
	ck_assert_ptr_nonnull(strstr(t, "ok 3 - 01-a hidden test 2\n"));
	ck_assert_ptr_nonnull(strstr(t, "ok 4 - 01-a hidden test 3 # SKIP"));
	ck_assert_ptr_nonnull(strstr(a, "\"01-a/hidden\":5.0"));
	ck_assert_ptr_nonnull(strstr(x, "a visible failure")); /* visible rows unchanged */
	unlink(junit); unlink(tap); rmdir(dir);
	free(junit); free(tap); free(x); free(t); free(a);
	results_free(&rs);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("hidden");
	TCase *plan_tc = tcase_create("Plan");
	TCase *report_tc = tcase_create("Report");
	tcase_add_checked_fixture(plan_tc, setup, teardown);
	tcase_add_test(plan_tc, test_hidden_plan_appends_hidden_rows_last);
	tcase_add_test(plan_tc, test_hidden_plan_replay_that_names_it_shows_it);
	tcase_add_test(plan_tc, test_hidden_plan_bad_hidden_json_is_a_spec_fault);
	tcase_add_test(plan_tc, test_hidden_plan_lab_json_may_not_use_the_hidden_kind);
	tcase_add_test(plan_tc, test_hidden_plan_release_marker_sets_release);
	tcase_add_test(plan_tc, test_hidden_stage_leaves_hidden_out);
	suite_add_tcase(s, plan_tc);
	tcase_add_test(report_tc, test_hidden_text_report_one_line_per_lab);
	tcase_add_test(report_tc, test_hidden_text_report_release_says_once);
	tcase_add_test(report_tc, test_hidden_text_report_release_says_the_points);
	tcase_add_test(report_tc, test_hidden_json_published_with_the_grades);
	tcase_add_test(report_tc, test_hidden_junit_tap_autolab_give_no_content);
	suite_add_tcase(s, report_tc);
	return suite_passes(s, 11) ? EXIT_SUCCESS : EXIT_FAILURE;
}
