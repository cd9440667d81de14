/* check_sweep.c - a lab's own timing tools. make sweep and common/plot.sh:
 * the benchmark over 1, 2, 4 ... workers gives a table whose speedups grow
 * with the workers and a curve drawn by gnuplot; bad requests get a message,
 * not a picture. make bench: lab.json's speedup checks in interleaved pairs, the
 * figures the grader gives (bench.awk on made-up pairs), and no verdict. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "grader.h"
#include "selftest.h"

static char dir[] = "/tmp/sweep.XXXXXX";

/* Runs cmd with its output in *out; returns its exit code. */
static int run(const char *cmd, char **out)
{
	char *full = xasprintf("%s 2>&1", cmd);
	FILE *p = popen(full, "r");
	ck_assert_ptr_nonnull(p);
	size_t cap = 1 << 16, len = fread(*out = calloc(1, cap), 1, cap - 1, p);
	(*out)[len] = '\0';
	int status = pclose(p);
	free(full);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

START_TEST(test_sweep_lab01_tabulates_growing_speedups_and_draws_them)
{
	char *out, *svg = xasprintf("%s/curve.svg", dir);
	char *cmd = xasprintf("make --no-print-directory sweep LAB=01 SUBMISSION=solutions PLOT=%s",
	                      svg);
	ck_assert_msg(run(cmd, &out) == 0, "%s failed:\n%s", cmd, out);
	/* One row per count: sleeping tasks in threads overlap, so the speedup
	 * grows with the threads (well below the ideal is still above half). */
	double last = 0;
	int rows = 0;
	for (const char *p = strstr(out, "[  1]"); p; p = strstr(p + 1, "\n[")) {
		int w;
		double s;
		const char *x = strstr(p, "speedup");
		ck_assert_int_eq(sscanf(p + (*p == '\n'), "[%d]", &w), 1);
		ck_assert_int_eq(sscanf(x, "speedup %lfx", &s), 1);
		ck_assert_msg(s > w / 2.0 && s > last, "%d threads: speedup %.1f after %.1f", w, s, last);
		last = s;
		rows++;
	}
	ck_assert_int_eq(rows, 7);
	char *text = file_text(svg);
	ck_assert_msg(text && strstr(text, "<svg") && strstr(text, "ideal: speedup = workers") &&
	              strstr(text, "CPUs") && strstr(text, "bench: your code"),
	              "%s is not the curve:\n%.400s", svg, text ? text : "(missing)");
	free(text); free(out); free(cmd); free(svg);
}
END_TEST

START_TEST(test_sweep_refuses_what_it_cannot_do)
{
	char *out;
	ck_assert_int_ne(run("make --no-print-directory sweep", &out), 0);
	ck_assert_ptr_nonnull(strstr(out, "say LAB=NN"));
	free(out);
	ck_assert_int_ne(run("make --no-print-directory sweep LAB=99", &out), 0);
	ck_assert_ptr_nonnull(strstr(out, "LAB=99 names no folder of labs/"));
	free(out);
	char *cmd = xasprintf("make --no-print-directory sweep LAB=01 SUBMISSION=%s", dir);
	ck_assert_int_ne(run(cmd, &out), 0);
	ck_assert_msg(strstr(out, "01-stdout-race/tasks.c is missing") != NULL, "%s", out);
	free(out); free(cmd);
}
END_TEST

START_TEST(test_plot_needs_an_svg_or_png_and_a_curve)
{
	char *out, *data = xasprintf("%s/empty.dat", dir), *png = xasprintf("%s/x.png", dir);
	FILE *f = fopen(data, "w");
	fputs("# title: nothing\n", f);
	fclose(f);
	char *cmd = xasprintf("sh common/plot.sh %s %s/x.pdf", data, dir);
	ck_assert_int_eq(run(cmd, &out), 2);
	ck_assert_ptr_nonnull(strstr(out, "name an .svg or a .png file"));
	free(out); free(cmd);
	cmd = xasprintf("sh common/plot.sh %s %s", data, png);
	ck_assert_int_eq(run(cmd, &out), 1);
	ck_assert_ptr_nonnull(strstr(out, "holds no curve"));
	ck_assert_int_ne(access(png, F_OK), 0);
	free(out); free(cmd); free(data); free(png);
}
END_TEST

/* make bench in the copy make sweep staged (lab 01 with the reference):
 * lab.json's speedup check, timed in interleaved pairs as the grader does. */
START_TEST(test_bench_times_lab_json_checks_in_pairs)
{
	char *out;
	int rc = run("make --no-print-directory sweep LAB=01 SUBMISSION=solutions >/dev/null && "
	             "make --no-print-directory -C build/sweep/labs/01-stdout-race bench", &out);
	ck_assert_msg(rc == 0, "make bench failed:\n%s", out);
	double s = 0, lo = 0, hi = 0;
	int pairs = 0;
	const char *line = strstr(out, "  speedup ");
	ck_assert_msg(line && sscanf(line, "  speedup %lfx, the median of %d interleaved pairs "
	                             "(min-max %lf-%lf)", &s, &pairs, &lo, &hi) == 4,
	              "no speedup line:\n%s", out);
	ck_assert_msg(s > 4 && pairs >= 5 && pairs <= 11 && lo <= s && s <= hi,
	              "speedup %.2f of 8 sleeping tasks (%d pairs, %.2f-%.2f):\n%s", s, pairs, lo,
	              hi, out);
	ck_assert_ptr_nonnull(strstr(out, "8 tasks in flight at most, 8 done  (your code)"));
	ck_assert_ptr_nonnull(strstr(out, "the target: at least 4x, with at least 6 tasks in flight"));
	ck_assert_ptr_nonnull(strstr(out, "make grade LAB=01"));
	ck_assert_ptr_nonnull(strstr(out, "gives the verdict"));
	free(out);
	ck_assert_int_ne(run("make --no-print-directory -C build/sweep/labs/01-stdout-race bench "
	                     "CHECK=unit", &out), 0);
	ck_assert_msg(strstr(out, "CHECK=unit is not a speedup check of this lab; its speedup "
	                     "checks: speedup") != NULL, "%s", out);
	free(out);
}
END_TEST

/* bench.awk on made-up pairs (ns: baseline, candidate, control's two). */
static char *bench_awk(const char *vars, const char *pairs)
{
	char *path = xasprintf("%s/pairs", dir), *out;
	FILE *f = fopen(path, "w");
	fputs(pairs, f);
	fclose(f);
	char *cmd = xasprintf("awk -f common/bench.awk -v base='seq 2' -v cand='par 2' "
	                      "-v ctl_base='seq 2' -v ctl_cand='ctl 2' -v min_inflight=1 "
	                      "-v min_control=1.3 -v cpus=2 -v pairs_max=7 -v spread_ok=0.25 %s %s",
	                      vars, path);
	ck_assert_int_eq(run(cmd, &out), 0);
	free(cmd);
	free(path);
	return out;
}

#define RUN(ns) #ns " 0 0 "
START_TEST(test_bench_awk_cpu_speedup_against_its_control)
{
	/* speedups 1.6, 1.8, 2.0 against controls 2.0, 2.0, 2.0: shares .8 .9 1 */
	char *out = bench_awk("-v bound=cpu -v target=0.85",
	                      RUN(160) RUN(100) RUN(200) RUN(100) "\n"
	                      RUN(180) RUN(100) RUN(200) RUN(100) "\n"
	                      RUN(200) RUN(100) RUN(200) RUN(100) "\n");
	ck_assert_msg(strstr(out, "speedup 1.80x, the median of 3 interleaved pairs (min-max "
	                          "1.60-2.00)") && strstr(out, "the control's speedup 2.00x") &&
	              strstr(out, "your share of the control's speedup 0.90") &&
	              strstr(out, "min-max 0.80-1.00); the target: 0.85") &&
	              strstr(out, "2 of 3 pairs reached 0.85.") && !strstr(out, "too busy"), "%s", out);
	free(out);
	/* a control of 1.1: the machine cannot show parallelism now */
	out = bench_awk("-v bound=cpu -v target=0.8", RUN(110) RUN(100) RUN(110) RUN(100) "\n");
	ck_assert_msg(strstr(out, "The control reached only 1.10x, below the 1.3x") &&
	              strstr(out, "too busy to tell") && !strstr(out, "pairs reached"), "%s", out);
	free(out);
}
END_TEST

START_TEST(test_bench_awk_flat_growth_and_spread)
{
	/* growths 1.5, 3, 1.2 (control 10): the median 1.5, at most 2; pairs_max
	 * reached with ratios far apart */
	char *out = bench_awk("-v bound=flat -v target=2 -v pairs_max=3",
	                      RUN(100) RUN(150) RUN(100) RUN(1000) "\n"
	                      RUN(100) RUN(300) RUN(100) RUN(1000) "\n"
	                      RUN(100) RUN(120) RUN(100) RUN(1000) "\n");
	ck_assert_msg(strstr(out, "growth 1.50x") && strstr(out, "at most 2x") &&
	              strstr(out, "2 of 3 pairs within 2x.") && strstr(out, "grew 10.00x") &&
	              strstr(out, "The pairs still disagree after 3"), "%s", out);
	free(out);
}
END_TEST

int main(void)
{
	if (!mkdtemp(dir))
		return EXIT_FAILURE;
	Suite *s = grader_suite("sweep", 120, (const TTest *const[]){
		test_sweep_lab01_tabulates_growing_speedups_and_draws_them,
		test_sweep_refuses_what_it_cannot_do,
		test_plot_needs_an_svg_or_png_and_a_curve,
		test_bench_times_lab_json_checks_in_pairs,
		test_bench_awk_cpu_speedup_against_its_control,
		test_bench_awk_flat_growth_and_spread, NULL });
	bool ok = suite_passes(s, 6);
	char *rm = xasprintf("rm -rf %s", dir);
	ok &= system(rm) == 0;
	free(rm);
	return ok ? EXIT_SUCCESS : EXIT_FAILURE;
}
