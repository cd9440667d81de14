/* main.c - the grader's command line and its one-way pipeline:
 * submission -> stage -> build -> checks -> score -> reports.
 *
 * Exit codes: 0 every check passed; 1 some check failed or a lab was not
 * submitted; 2 usage error (nothing graded, nothing written); 3 some check
 * was inconclusive and none failed; 4 the grader itself failed somewhere
 * (results still written). `make grade` cannot pass them on (make exits 2
 * for any failed recipe): grader/grade.sh does, see the Makefile. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "checks.h"
#include "cli.h"
#include "progress.h"
#include "report.h"

enum { EXIT_ALL_PASS, EXIT_SOME_FAIL, EXIT_USAGE, EXIT_INCONCLUSIVE, EXIT_GRADER_ERROR };

struct outputs {
	const char *json, *junit, *tap;
	bool autolab, color;
	enum progress_mode progress;
};

static void usage(void)
{
	fputs("usage: grader --root DIR [--lab NN[,NN...]] [--submission DIR] [--check NAME]\n"
	      "              [--seed N] [--json F] [--junit F] [--tap F] [--autolab]\n"
	      "              [--raw] [--verbose] [--color auto|always|never]\n"
	      "              [--progress auto|lines|none]\n"
	      "Grades labs/NN-topic (or DIR/NN-topic) and reports. Exit: 0 all passed,\n"
	      "1 something failed, 2 usage, 3 inconclusive, 4 grader error.\n", stderr);
	exit(EXIT_USAGE);
}

/* A usage error: what was wrong, and nothing graded, nothing written. */
static void refuse(char *why)
{
	fprintf(stderr, "grader: %s%s", why, why[strlen(why) - 1] == '\n' ? "" : "\n");
	free(why);
	exit(EXIT_USAGE);
}

/* ---- reports ---- */

static bool report_failed; /* a results file could not be written: exit 4 */

static void write_files(const struct results *rs, const struct outputs *out)
{
	if (out->json && report_json(out->json, rs) < 0)
		report_failed = true;
	if (out->junit && report_junit(out->junit, rs) < 0)
		report_failed = true;
	if (out->tap && report_tap(out->tap, rs) < 0)
		report_failed = true;
}

static int exit_code(const struct results *rs)
{
	bool fail = false, inconclusive = false, error = false;
	for (size_t i = 0; i < rs->n; i++) {
		enum verdict v = rs->rows[i].verdict;
		fail |= v == V_FAIL || v == V_NOT_SUBMITTED;
		inconclusive |= v == V_INCONCLUSIVE;
		error |= v == V_ERROR;
	}
	return error || report_failed ? EXIT_GRADER_ERROR : fail ? EXIT_SOME_FAIL
	       : inconclusive ? EXIT_INCONCLUSIVE : EXIT_ALL_PASS;
}

/* ---- one lab ---- */

static double seconds_since(const struct timespec *t0)
{
	struct timespec t1;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (t1.tv_sec - t0->tv_sec) + (t1.tv_nsec - t0->tv_nsec) / 1e9;
}

/* The progress line of a check that just ran: its own outcome, and whether
 * the score step will hold it back for a requirement that failed. */
static void check_done(struct lab_ctx *ctx, json_t *check, size_t first, size_t row, size_t n)
{
	const struct result *rows = &ctx->rs->rows[row];
	size_t passed = 0;
	for (size_t k = 0; k < n; k++)
		passed += rows[k].verdict == V_PASS;
	char *summary = n == 1 ? xstrdup(verdict_name(rows[0].verdict))
	                : xasprintf("%zu of %zu tests passed", passed, n);
	char *unmet = requires_unmet(ctx->spec, check, &ctx->rs->rows[first], row + n - first);
	if (unmet)
		strappend(&summary, "; not scored until %s", unmet);
	progress_done(summary);
	free(summary);
	free(unmet);
}

static void run_checks(struct lab_ctx *ctx, size_t first)
{
	json_t *check;
	size_t i, row = first;
	json_array_foreach(json_object_get(ctx->spec, "checks"), i, check) {
		const char *name = spec_str(check, "name", "");
		size_t n = 0;
		while (row + n < ctx->rs->n && strcmp(ctx->rs->rows[row + n].check, name) == 0)
			n++;
		if (n == 0)
			continue; /* not selected by --check */
		struct timespec t0;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		progress_step(name);
		check_kind(spec_str(check, "kind", ""))(ctx, check, &ctx->rs->rows[row], n);
		double s = seconds_since(&t0);
		for (size_t k = 0; k < n; k++)
			ctx->rs->rows[row + k].seconds = s / n;
		check_done(ctx, check, first, row, n);
		row += n;
	}
}

static void grade_lab(struct lab_ctx *ctx, size_t first)
{
	struct result *rows = &ctx->rs->rows[first];
	size_t n = 0;
	/* This lab's rows only: every lab was planned before any was graded. */
	while (first + n < ctx->rs->n && strcmp(rows[n].lab, ctx->lab) == 0)
		n++;
	char *subdir = xasprintf("%s/%s", ctx->opt->submission, ctx->lab);
	char *why = NULL;
	enum verdict v = V_NOT_SUBMITTED;
	progress_lab(ctx->lab);
	progress_step("build");
	int rc = lab_stage(ctx, subdir, &why);
	if (rc == 0) {
		v = V_FAIL; /* from here on, a stop is the code's fault */
		rc = lab_build(ctx, &why);
	}
	progress_done(rc == 0 ? "built" : rc < 0 ? "grader error: see the report"
	              : v == V_FAIL ? "did not compile: every check fails (see the report)"
	              : "not submitted");
	if (rc == 0) {
		run_checks(ctx, first);
		lab_score(ctx, rows, n); /* the score step: "requires" */
	} else {
		rows_fail(rows, n, rc < 0 ? V_ERROR : v, why);
	}
	for (size_t i = 0; rc > 0 && v == V_FAIL && i < n; i++) {
		rows[i].replay = lab_replay(ctx, NULL, -1); /* the build, again */
		if (i > 0) /* the compiler's words once are enough */
			row_set(&rows[i], V_FAIL, xstrdup("Your code did not compile: see the "
			        "compiler's message in the first check of this lab."));
	}
	lab_unstage(ctx);
	free(subdir);
	free(why);
}

/* Every lab's spec, read before anything runs (CHECK= is checked against
 * them); a spec that does not parse is NULL and its error in errs[i]. */
static json_t **load_specs(const char *root, char **labs, char **errs)
{
	json_t **specs = calloc(256, sizeof *specs);
	for (size_t i = 0; labs[i]; i++) {
		char *path = xasprintf("%s/labs/%s/lab.json", root, labs[i]);
		json_error_t err;
		specs[i] = json_load_file(path, 0, &err);
		errs[i] = specs[i] ? NULL : xasprintf("%s: line %d: %s", path, err.line, err.text);
		free(path);
	}
	return specs;
}

static void grade_all(const struct options *opt, char **labs, json_t **specs, char **errs,
                      struct results *rs, const struct outputs *out)
{
	struct lab_ctx *ctx = calloc(1, sizeof *ctx);
	size_t *first = calloc(256, sizeof *first);
	bool *planned = calloc(256, sizeof *planned);
	for (size_t i = 0; labs[i]; i++) {
		first[i] = rs->n;
		struct lab_ctx plan = { .opt = opt, .lab = labs[i], .spec = specs[i], .rs = rs };
		planned[i] = specs[i] && lab_plan(&plan) == 0;
		if (!specs[i])
			row_set(results_add(rs, labs[i], "spec", "lab.json", 0), V_ERROR, errs[i]);
	}
	write_files(rs, out); /* if the grader dies now, the file says so: every row "grader error" */
	for (size_t i = 0; labs[i]; i++) {
		*ctx = (struct lab_ctx){ .opt = opt, .lab = labs[i], .spec = specs[i], .rs = rs };
		if (planned[i])
			grade_lab(ctx, first[i]);
		write_files(rs, out);
		free(ctx->scratch); free(ctx->labdir); free(ctx->outdir);
		json_decref(specs[i]);
	}
	free(ctx); free(first); free(planned);
}

/* ---- command line ---- */

static void parse_args(int argc, char **argv, struct options *opt, const char **labs,
                       struct outputs *out)
{
	static const struct option longopts[] = {
		{ "root", 1, 0, 'r' }, { "lab", 1, 0, 'l' }, { "submission", 1, 0, 's' },
		{ "check", 1, 0, 'c' }, { "seed", 1, 0, 'S' }, { "json", 1, 0, 'j' },
		{ "junit", 1, 0, 'J' }, { "tap", 1, 0, 't' }, { "autolab", 0, 0, 'a' },
		{ "raw", 0, 0, 'R' }, { "color", 1, 0, 'C' }, { "verbose", 0, 0, 'v' },
		{ "progress", 1, 0, 'p' }, { 0, 0, 0, 0 },
	};
	const char *color = "auto", *progress = "auto";
	char *why;
	int c;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'r': opt->root = optarg; break;
		case 'l': *labs = optarg; break;
		case 's': opt->submission_arg = *optarg ? optarg : NULL; break;
		case 'c': opt->only_check = *optarg ? optarg : NULL; break;
		case 'S':
			if (*optarg && cli_seed(optarg, &opt->seed, &why) < 0)
				refuse(why);
			break;
		case 'j': out->json = *optarg ? optarg : NULL; break;
		case 'J': out->junit = *optarg ? optarg : NULL; break;
		case 't': out->tap = *optarg ? optarg : NULL; break;
		case 'a': out->autolab = true; break;
		case 'R': opt->raw = true; break;
		case 'C': color = optarg; break;
		case 'v': opt->verbose = true; break;
		case 'p': progress = optarg; break;
		default: usage();
		}
	}
	if (!opt->root || optind != argc)
		usage();
	if (strcmp(color, "auto") && strcmp(color, "always") && strcmp(color, "never"))
		refuse(xasprintf("--color %s: say auto, always or never", color));
	if (strcmp(progress, "auto") && strcmp(progress, "lines") && strcmp(progress, "none"))
		refuse(xasprintf("PROGRESS=%s: say auto (a live line on a terminal), lines or none",
		                 progress));
	out->color = strcmp(color, "always") == 0 ||
	             (strcmp(color, "auto") == 0 && isatty(STDOUT_FILENO) && !getenv("NO_COLOR"));
	/* Progress goes to stderr: live on a terminal, a line per step in a log. */
	out->progress = !strcmp(progress, "none") ? PROGRESS_NONE
	                : !strcmp(progress, "lines") || !isatty(STDERR_FILENO) ? PROGRESS_LINES
	                : PROGRESS_LIVE;
}

int main(int argc, char **argv)
{
	struct options opt = { .seed = -1 };
	struct outputs out = { 0 };
	const char *want = NULL;
	struct results rs = { 0 };
	size_t n;
	char *why = NULL;

	parse_args(argc, argv, &opt, &want, &out);
	opt.root = realpath(opt.root, NULL);
	if (!opt.root)
		refuse(xasprintf("--root: no such folder"));
	char *subdir = opt.submission_arg ? realpath(opt.submission_arg, NULL) : NULL;
	opt.submission = subdir ? subdir : opt.submission_arg ? opt.submission_arg
	                 : xasprintf("%s/labs", opt.root);
	char **labs = cli_labs(opt.root, want, &n, &why);
	if (!labs)
		refuse(why);
	char **errs = calloc(n + 1, sizeof *errs);
	json_t **specs = load_specs(opt.root, labs, errs);
	char *checks = NULL, *said = NULL;
	if (opt.only_check && cli_checks(opt.only_check, labs, specs, &checks, &said, &why) < 0)
		refuse(why);
	if (said)
		fputs(said, stderr);
	opt.only_check = checks;
	char *replay_of = cli_replay_of(checks, opt.seed);
	char *score_cmd = cli_score_cmd(want, opt.submission_arg);
	rs.replay_of = replay_of;
	rs.score_cmd = score_cmd;

	sbx_init();
	results_note(&rs, "%s", sbx_protections());
	progress_start(out.progress);
	grade_all(&opt, labs, specs, errs, &rs, &out);
	progress_stop();
	report_text(stdout, &rs, out.color, (opt.raw ? REPORT_RAW : 0) |
	            (opt.verbose ? REPORT_VERBOSE : 0));
	if (out.autolab)
		report_autolab(stdout, &rs);
	int code = exit_code(&rs);
	results_free(&rs);
	free(replay_of); free(score_cmd); free(checks); free(said); free(specs); free(errs);
	cli_labs_free(labs);
	return code;
}
