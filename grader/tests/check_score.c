/* check_score.c - the score step: a check that "requires" others scores only
 * when they passed, keeps its figures either way, and is not gated in a
 * replay that did not run what it requires. Rows are planned from a spec in
 * memory and given verdicts by hand: nothing runs. */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include "checks.h"
#include "selftest.h"

static const char *spec_text =
	"{\"student_files\": [\"tasks.c\"], \"checks\": ["
	"{\"name\": \"unit\", \"kind\": \"unit\", \"tests\": {\"test_a\": {\"points\": 5},"
	" \"test_b\": {\"points\": 5}}},"
	"{\"name\": \"races\", \"kind\": \"races\", \"points\": 30},"
	"{\"name\": \"speedup\", \"kind\": \"speedup\", \"points\": 25, \"requires\": %s}]}";

static struct options opt;
static struct results rs;
static struct lab_ctx ctx;

/* Plans the rows of the spec with speedup's requires list, for --check only. */
static void plan(const char *requires, const char *only)
{
	char *text = xasprintf(spec_text, requires);
	json_error_t err;
	json_t *spec = json_loads(text, 0, &err);
	ck_assert_msg(spec != NULL, "%s", err.text);
	free(text);
	memset(&rs, 0, sizeof rs);
	opt = (struct options){ .root = ".", .seed = -1, .only_check = only };
	ctx = (struct lab_ctx){ .opt = &opt, .lab = "99-demo", .spec = spec, .rs = &rs };
	ck_assert_int_eq(lab_plan(&ctx), 0);
}

static void teardown(void)
{
	json_decref(ctx.spec);
	results_free(&rs);
}

static struct result *row(const char *id)
{
	for (size_t i = 0; i < rs.n; i++)
		if (strcmp(rs.rows[i].id, id) == 0)
			return &rs.rows[i];
	ck_abort_msg("no row %s", id);
	return NULL;
}

/* Every planned row gets verdict v; the speedup row its figures. */
static void all(enum verdict v)
{
	for (size_t i = 0; i < rs.n; i++)
		row_set(&rs.rows[i], v, xstrdup(v == V_PASS ? "" : "it failed"));
	if (rs.n && strcmp(rs.rows[rs.n - 1].id, "speedup") == 0) {
		free(rs.rows[rs.n - 1].output);
		rs.rows[rs.n - 1].output = xstrdup("speedup 7.84x; target >= 4.00x");
	}
}

START_TEST(test_score_gated_when_a_required_row_failed)
{
	plan("[\"unit\", \"races\"]", NULL);
	all(V_PASS);
	row_set(row("unit/test_b"), V_FAIL, xstrdup("lost counts"));
	lab_score(&ctx, rs.rows, rs.n);
	struct result *s = row("speedup");
	ck_assert_int_eq(s->verdict, V_FAIL);
	ck_assert_double_eq(s->score, 0);
	/* The reason first, the measured figures kept. */
	ck_assert_str_eq(s->output, "not scored until unit passes\nspeedup 7.84x; target >= 4.00x");
	ck_assert_int_eq(row("races")->verdict, V_PASS); /* nothing else changes */
	ck_assert_double_eq(results_score(&rs), 35);
}
END_TEST

START_TEST(test_score_names_every_unmet_requirement)
{
	plan("[\"unit\", \"races\"]", NULL);
	all(V_FAIL);
	lab_score(&ctx, rs.rows, rs.n);
	ck_assert(strncmp(row("speedup")->output, "not scored until unit and races pass\n", 37) == 0);
	ck_assert_int_eq(row("speedup")->verdict, V_FAIL);
}
END_TEST

START_TEST(test_score_not_gated_when_requirements_pass)
{
	plan("[\"unit\", \"races\"]", NULL);
	all(V_PASS);
	lab_score(&ctx, rs.rows, rs.n);
	struct result *s = row("speedup");
	ck_assert_int_eq(s->verdict, V_PASS);
	ck_assert_double_eq(s->score, 25);
	ck_assert_str_eq(s->output, "speedup 7.84x; target >= 4.00x");
	ck_assert_double_eq(results_score(&rs), 65);
}
END_TEST

START_TEST(test_score_a_row_id_requires_only_that_row)
{
	plan("[\"unit/test_a\"]", NULL);
	all(V_PASS);
	row_set(row("unit/test_b"), V_FAIL, xstrdup("lost counts"));
	lab_score(&ctx, rs.rows, rs.n);
	ck_assert_int_eq(row("speedup")->verdict, V_PASS);
	row_set(row("unit/test_a"), V_FAIL, xstrdup("torn line"));
	lab_score(&ctx, rs.rows, rs.n);
	ck_assert_int_eq(row("speedup")->verdict, V_FAIL);
	ck_assert(strncmp(row("speedup")->output, "not scored until unit/test_a passes\n", 36) == 0);
}
END_TEST

START_TEST(test_score_replay_without_the_required_rows_is_not_gated)
{
	plan("[\"unit\", \"races\"]", "speedup");
	ck_assert_uint_eq(rs.n, 1);
	all(V_PASS);
	lab_score(&ctx, rs.rows, rs.n);
	struct result *s = row("speedup");
	ck_assert_int_eq(s->verdict, V_PASS);
	ck_assert_double_eq(s->score, 25);
	ck_assert_ptr_nonnull(strstr(s->output, "not gated in this replay"));
	ck_assert_ptr_nonnull(strstr(s->output, "unit and races pass, and they did not run here"));
	ck_assert_ptr_nonnull(strstr(s->output, "make grade LAB=99-demo"));
	ck_assert_ptr_nonnull(strstr(s->output, "\nspeedup 7.84x")); /* figures kept */
	/* A row that failed on its own needs no such warning. */
	row_set(s, V_FAIL, xstrdup("speedup 1.00x"));
	lab_score(&ctx, rs.rows, rs.n);
	ck_assert_str_eq(s->output, "speedup 1.00x");
}
END_TEST

START_TEST(test_score_replay_with_a_failed_requirement_is_gated)
{
	plan("[\"unit\", \"races\"]", "races,speedup");
	all(V_PASS);
	row_set(row("races"), V_FAIL, xstrdup("data race"));
	lab_score(&ctx, rs.rows, rs.n);
	struct result *s = row("speedup");
	ck_assert_int_eq(s->verdict, V_FAIL);
	ck_assert(strncmp(s->output, "not scored until races passes (it also requires unit, "
	                  "which did not run here)\n", 78) == 0);
}
END_TEST

/* A required check that the machine could not judge is not the student's
 * failure: the gated row is inconclusive, not failed. */
START_TEST(test_score_inconclusive_requirement_makes_it_inconclusive)
{
	plan("[\"unit\", \"races\"]", NULL);
	all(V_PASS);
	row_set(row("races"), V_INCONCLUSIVE, xstrdup("Helgrind could not run"));
	lab_score(&ctx, rs.rows, rs.n);
	struct result *s = row("speedup");
	ck_assert_int_eq(s->verdict, V_INCONCLUSIVE);
	ck_assert_double_eq(s->score, 0);
	ck_assert_ptr_nonnull(strstr(s->output, "not scored until races passes: it could not be "
	                                        "judged here"));
}
END_TEST

START_TEST(test_score_chain_settles_in_any_order)
{
	/* speedup (last) requires races, and races requires unit (first). */
	char *text = xasprintf(spec_text, "[\"races\"]");
	json_t *spec = json_loads(text, 0, NULL);
	free(text);
	json_object_set_new(json_array_get(json_object_get(spec, "checks"), 1), "requires",
	                    json_pack("[s]", "unit"));
	memset(&rs, 0, sizeof rs);
	opt = (struct options){ .root = ".", .seed = -1 };
	ctx = (struct lab_ctx){ .opt = &opt, .lab = "99-demo", .spec = spec, .rs = &rs };
	ck_assert_int_eq(lab_plan(&ctx), 0);
	all(V_PASS);
	row_set(row("unit/test_a"), V_FAIL, xstrdup("torn line"));
	lab_score(&ctx, rs.rows, rs.n);
	ck_assert_int_eq(row("races")->verdict, V_FAIL);
	ck_assert_int_eq(row("speedup")->verdict, V_FAIL);
	ck_assert(strncmp(row("speedup")->output, "not scored until races passes\n", 30) == 0);
}
END_TEST

START_TEST(test_score_unknown_requirement_is_a_spec_fault)
{
	plan("[\"unit\", \"nope\"]", NULL);
	all(V_PASS);
	lab_score(&ctx, rs.rows, rs.n);
	ck_assert_int_eq(row("speedup")->verdict, V_ERROR);
	ck_assert_ptr_nonnull(strstr(row("speedup")->output, "requires \"nope\""));
	ck_assert_ptr_nonnull(strstr(row("speedup")->output, "SPEC.md"));
}
END_TEST

START_TEST(test_score_requiring_itself_is_a_spec_fault)
{
	plan("[\"speedup\"]", NULL);
	all(V_PASS);
	lab_score(&ctx, rs.rows, rs.n);
	ck_assert_int_eq(row("speedup")->verdict, V_ERROR);
}
END_TEST

START_TEST(test_score_progress_sees_the_unmet_requirement)
{
	plan("[\"unit\", \"races\"]", NULL);
	all(V_PASS);
	json_t *speedup = json_array_get(json_object_get(ctx.spec, "checks"), 2);
	ck_assert_ptr_null(requires_unmet(ctx.spec, speedup, rs.rows, rs.n));
	row_set(row("races"), V_FAIL, xstrdup("data race"));
	char *unmet = requires_unmet(ctx.spec, speedup, rs.rows, rs.n);
	ck_assert_str_eq(unmet, "races passes");
	free(unmet);
}
END_TEST

/* What a row the machine could not judge scores, under each INCONCLUSIVE:
 * excluded leaves its points out of the maximum, awarded gives them, zero
 * gives none; a row the code made unjudgeable (distrusted) scores 0 of its
 * points whatever the setting; every priced row says how. */
START_TEST(test_score_inconclusive_priced_as_the_options_say)
{
	static const enum inconclusive_cost costs[] = { COST_EXCLUDED, COST_AWARDED, COST_ZERO };
	static const double score[] = { 0, 30, 0 }, max[] = { 0, 30, 30 };
	static const char *const says[] = { "left out of the maximum", "are given", "scores 0 of" };
	for (size_t k = 0; k < 3; k++) {
		plan("[\"unit\"]", NULL);
		opt.inconclusive = costs[k];
		all(V_PASS);
		row_set(row("races"), V_INCONCLUSIVE, xstrdup("Helgrind was too slow here"));
		row_set(row("speedup"), V_INCONCLUSIVE, xstrdup("forged"));
		row("speedup")->distrusted = true;
		lab_price_doubts(&ctx, rs.rows, rs.n);
		ck_assert_double_eq(row("races")->score, score[k]);
		ck_assert_double_eq(row("races")->max_score, max[k]);
		ck_assert_msg(strstr(row("races")->output, says[k]) &&
		              strstr(row("races")->output, "Helgrind was too slow here"), "%s",
		              row("races")->output);
		ck_assert_double_eq(row("speedup")->score, 0);
		ck_assert_double_eq(row("speedup")->max_score, 25);
		ck_assert_str_eq(row("speedup")->output, "forged");
		ck_assert_double_eq(row("unit/test_a")->score, 5);
		teardown();
	}
	plan("[\"unit\"]", NULL); /* the fixture's teardown frees one more plan */
}
END_TEST

int main(void)
{
	Suite *s = suite_create("score");
	TCase *tc = tcase_create("Core");
	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_test(tc, test_score_gated_when_a_required_row_failed);
	tcase_add_test(tc, test_score_names_every_unmet_requirement);
	tcase_add_test(tc, test_score_not_gated_when_requirements_pass);
	tcase_add_test(tc, test_score_a_row_id_requires_only_that_row);
	tcase_add_test(tc, test_score_replay_without_the_required_rows_is_not_gated);
	tcase_add_test(tc, test_score_replay_with_a_failed_requirement_is_gated);
	tcase_add_test(tc, test_score_inconclusive_requirement_makes_it_inconclusive);
	tcase_add_test(tc, test_score_chain_settles_in_any_order);
	tcase_add_test(tc, test_score_unknown_requirement_is_a_spec_fault);
	tcase_add_test(tc, test_score_requiring_itself_is_a_spec_fault);
	tcase_add_test(tc, test_score_progress_sees_the_unmet_requirement);
	tcase_add_test(tc, test_score_inconclusive_priced_as_the_options_say);
	suite_add_tcase(s, tc);
	return suite_passes(s, 11) ? EXIT_SUCCESS : EXIT_FAILURE;
}
