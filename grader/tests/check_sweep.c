/* check_sweep.c - a lab's own timing tools. make sweep and common/plot.sh:
 * the benchmark over 1, 2, 4 ... workers gives a table whose speedups grow
 * with the workers and a curve drawn by gnuplot; bad requests get a message,
 * not a picture. make bench: one pair of runs, and the speedup said. */
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

static char *file_text(const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return NULL;
	char *text = calloc(1, 1 << 20);
	size_t len = fread(text, 1, (1 << 20) - 1, f);
	text[len] = '\0';
	fclose(f);
	return text;
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

/* make bench in the copy make sweep staged (lab 01 with the reference). */
START_TEST(test_bench_says_each_run_and_the_speedup)
{
	char *out;
	int rc = run("make --no-print-directory sweep LAB=01 SUBMISSION=solutions >/dev/null && "
	             "make --no-print-directory -C build/sweep/labs/01-stdout-race bench", &out);
	ck_assert_msg(rc == 0, "make bench failed:\n%s", out);
	double s = 0;
	const char *line = strstr(out, "  speedup ");
	ck_assert_msg(line && sscanf(line, "  speedup %lfx", &s) == 1, "no speedup line:\n%s", out);
	ck_assert_msg(s > 4, "speedup %.2f of 8 sleeping tasks:\n%s", s, out);
	ck_assert_ptr_nonnull(strstr(out, "8 tasks in flight at most, 8 done  (your code)"));
	ck_assert_ptr_nonnull(strstr(out, "the grader wants a speedup of at least 4"));
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
		test_bench_says_each_run_and_the_speedup, NULL });
	bool ok = suite_passes(s, 4);
	char *rm = xasprintf("rm -rf %s", dir);
	ok &= system(rm) == 0;
	free(rm);
	return ok ? EXIT_SUCCESS : EXIT_FAILURE;
}
