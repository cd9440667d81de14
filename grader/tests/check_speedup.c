/* check_speedup.c - the speedup check's statistics and verdicts, on made-up
 * trials: each verdict the check can give, and the numbers behind it. */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include "speedup.h"
#include "selftest.h"

static struct trials trials_of(const double *ratio, const double *control, long inflight, size_t n)
{
	struct trials t = { .n = n };
	for (size_t i = 0; i < n; i++) {
		t.ratio[i] = ratio[i];
		t.control[i] = control ? control[i] : 0;
		t.inflight[i] = inflight;
	}
	return t;
}

START_TEST(test_speedup_median_odd_even_and_unsorted)
{
	double odd[] = { 5, 1, 3 }, even[] = { 4, 1, 3, 2 };
	ck_assert_double_eq(median_of(odd, 3), 3);
	ck_assert_double_eq(median_of(even, 4), 2.5);
	ck_assert_double_eq(odd[0], 5); /* the input is left as it was */
	ck_assert_double_eq(median_of(odd, 0), 0);
}
END_TEST

START_TEST(test_speedup_spread_is_range_over_median)
{
	double v[] = { 7.5, 8.0, 7.0 };
	ck_assert_double_eq_tol(spread_of(v, 3), 1.0 / 7.5, 1e-9);
}
END_TEST

START_TEST(test_speedup_sleep_parallel_passes)
{
	double r[] = { 7.8, 7.9, 7.7, 7.95, 7.85 };
	struct trials t = trials_of(r, NULL, 8, 5);
	struct speedup_target g = { .target = 4, .min_inflight = 6 };
	char *why = NULL;
	ck_assert_int_eq(speedup_judge(&t, &g, &why), V_PASS);
	ck_assert_ptr_nonnull(strstr(why, "8 tasks"));
	free(why);
}
END_TEST

START_TEST(test_speedup_sleep_serialised_fails_on_inflight)
{
	/* A fast clock cannot hide serialisation: one task in flight fails. */
	double r[] = { 9, 9, 9, 9, 9 };
	struct trials t = trials_of(r, NULL, 1, 5);
	struct speedup_target g = { .target = 4, .min_inflight = 6 };
	char *why = NULL;
	ck_assert_int_eq(speedup_judge(&t, &g, &why), V_FAIL);
	ck_assert_ptr_nonnull(strstr(why, "serialised"));
	free(why);
}
END_TEST

START_TEST(test_speedup_sleep_slow_fails_below_target)
{
	double r[] = { 1.1, 1.0, 1.2, 1.0, 1.1 };
	struct trials t = trials_of(r, NULL, 8, 5);
	struct speedup_target g = { .target = 4, .min_inflight = 6 };
	char *why = NULL;
	ck_assert_int_eq(speedup_judge(&t, &g, &why), V_FAIL);
	free(why);
}
END_TEST

START_TEST(test_speedup_cpu_judged_against_control)
{
	double r[] = { 1.2, 1.25, 1.2, 1.22, 1.3 }, c[] = { 1.3, 1.3, 1.35, 1.3, 1.32 };
	struct trials t = trials_of(r, c, 2, 5);
	struct speedup_target g = { .cpu_bound = true, .target = 0.8, .cpus = 2, .min_control = 1.25 };
	char *why = NULL;
	/* 1.22 alone would fail a fixed 2x bar; against a loaded machine's 1.3 it passes. */
	ck_assert_int_eq(speedup_judge(&t, &g, &why), V_PASS);
	free(why);
	double slow[] = { 0.7, 0.7, 0.75, 0.7, 0.72 };
	t = trials_of(slow, c, 2, 5);
	ck_assert_int_eq(speedup_judge(&t, &g, &why), V_FAIL);
	free(why);
}
END_TEST

START_TEST(test_speedup_cpu_inconclusive_when_machine_cannot_show_it)
{
	double r[] = { 1, 1, 1, 1, 1 }, c[] = { 1.05, 1.0, 1.1, 1.02, 1.0 }, good[] = { 2, 2, 2, 2, 2 };
	struct trials t = trials_of(r, c, 2, 5);
	struct speedup_target g = { .cpu_bound = true, .target = 0.8, .cpus = 2, .min_control = 1.25 };
	char *why = NULL;
	ck_assert_int_eq(speedup_judge(&t, &g, &why), V_INCONCLUSIVE);
	ck_assert_ptr_nonnull(strstr(why, "busy"));
	free(why);
	t = trials_of(r, good, 2, 5);
	g.cpus = 1;
	ck_assert_int_eq(speedup_judge(&t, &g, &why), V_INCONCLUSIVE);
	ck_assert_ptr_nonnull(strstr(why, "CPU"));
	free(why);
}
END_TEST

START_TEST(test_speedup_no_trials_is_grader_error)
{
	struct trials t = { 0 };
	struct speedup_target g = { .target = 4 };
	char *why = NULL;
	ck_assert_int_eq(speedup_judge(&t, &g, &why), V_ERROR);
	free(why);
}
END_TEST

START_TEST(test_speedup_effective_cpus_within_affinity)
{
	double cpus = effective_cpus();
	ck_assert(cpus > 0 && cpus <= 4096);
}
END_TEST

/* A flat cost: baseline the small case, candidate the large; the ratio
 * small/large near 1 is flat, near 0.1 grew tenfold. */
START_TEST(test_speedup_flat_passes_when_cost_stays)
{
	double r[] = { 0.95, 0.9, 1.0, 0.97, 0.92 }, c[] = { 0.1, 0.12, 0.11, 0.1, 0.09 };
	struct trials t = trials_of(r, c, 1, 5);
	struct speedup_target g = { .flat = true, .target = 3 };
	char *why = NULL;
	ck_assert_int_eq(speedup_judge(&t, &g, &why), V_PASS);
	ck_assert_msg(strstr(why, "grew 10.00x") && !strstr(why, "more than"), "%s", why);
	free(why);
}
END_TEST

START_TEST(test_speedup_flat_fails_when_cost_grows)
{
	double r[] = { 0.1, 0.12, 0.11, 0.1, 0.09 };
	struct trials t = trials_of(r, NULL, 1, 5);
	struct speedup_target g = { .flat = true, .target = 3 };
	char *why = NULL;
	ck_assert_int_eq(speedup_judge(&t, &g, &why), V_FAIL);
	ck_assert_msg(strstr(why, "grew more than it may") && !strstr(why, "control"), "%s", why);
	free(why);
}
END_TEST

/* Short of the target but not clearly: the noise of a busy machine could
 * explain it, so never FAIL; the figures carry enough digits to differ. */
START_TEST(test_speedup_near_miss_is_inconclusive)
{
	double sleep[] = { 3.9, 3.5, 4.1, 3.8, 3.95 };
	struct trials t = trials_of(sleep, NULL, 8, 5);
	struct speedup_target g = { .target = 4, .min_inflight = 6, .margin = 0.1 };
	char *why = NULL;
	ck_assert_int_eq(speedup_judge(&t, &g, &why), V_INCONCLUSIVE);
	ck_assert_msg(strstr(why, "3.9x") && strstr(why, "10%"), "%s", why);
	free(why);
	double r[] = { 1.5, 1.56, 1.58, 1.6, 1.44 }, c[] = { 2, 2, 2, 2, 2 };
	t = trials_of(r, c, 2, 5);
	g = (struct speedup_target){ .cpu_bound = true, .target = 0.8, .cpus = 2,
	                             .min_control = 1.25, .margin = 0.1 };
	ck_assert_int_eq(speedup_judge(&t, &g, &why), V_INCONCLUSIVE);
	ck_assert_msg(strstr(why, "78.0%") && strstr(why, "cannot tell"), "%s", why);
	free(why);
	double grew[] = { 1 / 2.1, 1 / 2.3, 1 / 1.9, 1 / 2.1, 1 / 2.05 };
	t = trials_of(grew, NULL, 1, 5);
	g = (struct speedup_target){ .flat = true, .target = 2, .margin = 0.1 };
	ck_assert_int_eq(speedup_judge(&t, &g, &why), V_INCONCLUSIVE);
	free(why);
}
END_TEST

/* Every trial clearly below: the ratio alone may fail. */
START_TEST(test_speedup_clear_miss_fails_with_margin)
{
	double r[] = { 1.0, 1.1, 1.05, 1.0, 1.02 }, c[] = { 2, 2, 2, 2, 2 };
	struct trials t = trials_of(r, c, 2, 5);
	struct speedup_target g = { .cpu_bound = true, .target = 0.8, .cpus = 2,
	                            .min_control = 1.25, .margin = 0.1 };
	char *why = NULL;
	ck_assert_int_eq(speedup_judge(&t, &g, &why), V_FAIL);
	ck_assert_msg(strstr(why, "Every trial") && strstr(why, "55.0%"), "%s", why);
	free(why);
}
END_TEST

/* A cpu-bound check with min_inflight fails on the fact of structure, even
 * on a machine too busy to judge the ratio. */
START_TEST(test_speedup_cpu_serialised_fails_on_structure)
{
	double r[] = { 1, 1, 1, 1, 1 }, c[] = { 1.1, 1.1, 1.1, 1.1, 1.1 };
	struct trials t = trials_of(r, c, 1, 5);
	struct speedup_target g = { .cpu_bound = true, .target = 0.8, .cpus = 2,
	                            .min_control = 1.25, .min_inflight = 2, .margin = 0.1 };
	char *why = NULL;
	ck_assert_int_eq(speedup_judge(&t, &g, &why), V_FAIL);
	ck_assert(speedup_serialised(&t, &g));
	ck_assert_ptr_nonnull(strstr(why, "serialised"));
	free(why);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("speedup");
	TCase *core = tcase_create("Core");
	tcase_add_test(core, test_speedup_median_odd_even_and_unsorted);
	tcase_add_test(core, test_speedup_spread_is_range_over_median);
	tcase_add_test(core, test_speedup_sleep_parallel_passes);
	tcase_add_test(core, test_speedup_sleep_serialised_fails_on_inflight);
	tcase_add_test(core, test_speedup_sleep_slow_fails_below_target);
	tcase_add_test(core, test_speedup_cpu_judged_against_control);
	tcase_add_test(core, test_speedup_cpu_inconclusive_when_machine_cannot_show_it);
	tcase_add_test(core, test_speedup_no_trials_is_grader_error);
	tcase_add_test(core, test_speedup_near_miss_is_inconclusive);
	tcase_add_test(core, test_speedup_clear_miss_fails_with_margin);
	tcase_add_test(core, test_speedup_cpu_serialised_fails_on_structure);
	tcase_add_test(core, test_speedup_flat_passes_when_cost_stays);
	tcase_add_test(core, test_speedup_flat_fails_when_cost_grows);
	tcase_add_test(core, test_speedup_effective_cpus_within_affinity);
	suite_add_tcase(s, core);
	return suite_passes(s, 4) ? EXIT_SUCCESS : EXIT_FAILURE;
}
