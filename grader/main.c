/* main.c - the grader's command line and its one-way pipeline:
 * submission -> stage -> build -> checks -> score -> reports.
 *
 * Exit codes: 0 every check passed; 1 some check failed or a lab was not
 * submitted; 2 usage error; 3 some check was inconclusive and none failed;
 * 4 the grader itself failed somewhere (results still written). */
#include <dirent.h>
#include <getopt.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "checks.h"
#include "report.h"

enum { EXIT_ALL_PASS, EXIT_SOME_FAIL, EXIT_USAGE, EXIT_INCONCLUSIVE, EXIT_GRADER_ERROR };

struct outputs {
	const char *json, *junit, *tap;
	bool autolab, color;
};

static void usage(void)
{
	fputs("usage: grader --root DIR [--lab NN[,NN...]] [--submission DIR] [--check NAME]\n"
	      "              [--seed N] [--json F] [--junit F] [--tap F] [--autolab]\n"
	      "              [--raw] [--color auto|always|never]\n"
	      "Grades labs/NN-topic (or DIR/NN-topic) and reports. Exit: 0 all passed,\n"
	      "1 something failed, 2 usage, 3 inconclusive, 4 grader error.\n", stderr);
	exit(EXIT_USAGE);
}

/* ---- which labs ---- */

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* True when `want` ("01", "1" or "01-stdout-race") names the lab folder. */
static bool lab_matches(const char *want, const char *lab)
{
	char *end;
	long n = strtol(want, &end, 10);
	if (*end == '\0' && end != want)
		return strtol(lab, NULL, 10) == n && lab[strspn(lab, "0123456789")] == '-';
	return strcmp(want, lab) == 0;
}

static bool lab_wanted(const char *list, const char *lab)
{
	if (!list || !*list)
		return true;
	char *copy = xstrdup(list), *save = NULL;
	bool found = false;
	for (char *w = strtok_r(copy, ", ", &save); w && !found; w = strtok_r(NULL, ", ", &save))
		found = lab_matches(w, lab);
	free(copy);
	return found;
}

/* Lab folders (those with a lab.json), sorted; NULL-terminated. */
static char **find_labs(const char *root, const char *want, size_t *n)
{
	char *dir = xasprintf("%s/labs", root);
	DIR *d = opendir(dir);
	char **labs = calloc(256, sizeof *labs);
	struct dirent *e;
	*n = 0;
	while (d && (e = readdir(d)) && *n < 255) {
		char *spec = xasprintf("%s/%s/lab.json", dir, e->d_name);
		if (e->d_name[0] != '.' && access(spec, R_OK) == 0 && lab_wanted(want, e->d_name))
			labs[(*n)++] = xstrdup(e->d_name);
		free(spec);
	}
	if (d)
		closedir(d);
	free(dir);
	qsort(labs, *n, sizeof *labs, cmp_str);
	return labs;
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
		check_kind(spec_str(check, "kind", ""))(ctx, check, &ctx->rs->rows[row], n);
		double s = seconds_since(&t0);
		for (size_t k = 0; k < n; k++)
			ctx->rs->rows[row + k].seconds = s / n;
		row += n;
	}
}

static void grade_lab(struct lab_ctx *ctx, size_t first)
{
	struct result *rows = &ctx->rs->rows[first];
	size_t n = ctx->rs->n - first;
	char *subdir = xasprintf("%s/%s", ctx->opt->submission, ctx->lab);
	char *why = NULL;
	enum verdict v = V_NOT_SUBMITTED;
	int rc = lab_stage(ctx, subdir, &why);
	if (rc == 0) {
		v = V_FAIL; /* from here on, a stop is the code's fault */
		rc = lab_build(ctx, &why);
	}
	if (rc == 0)
		run_checks(ctx, first);
	else
		rows_fail(rows, n, rc < 0 ? V_ERROR : v, why);
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

static void grade_all(const struct options *opt, char **labs, struct results *rs,
                      const struct outputs *out)
{
	struct lab_ctx *ctx = calloc(1, sizeof *ctx);
	size_t *first = calloc(256, sizeof *first);
	json_t **specs = calloc(256, sizeof *specs);
	bool *planned = calloc(256, sizeof *planned);
	for (size_t i = 0; labs[i]; i++) {
		char *path = xasprintf("%s/labs/%s/lab.json", opt->root, labs[i]);
		json_error_t err;
		specs[i] = json_load_file(path, 0, &err);
		first[i] = rs->n;
		struct lab_ctx plan = { .opt = opt, .lab = labs[i], .spec = specs[i], .rs = rs };
		planned[i] = specs[i] && lab_plan(&plan) == 0;
		if (!specs[i])
			row_set(results_add(rs, labs[i], "spec", "lab.json", 0), V_ERROR,
			        xasprintf("%s: line %d: %s", path, err.line, err.text));
		free(path);
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
	free(ctx); free(first); free(specs); free(planned);
}

/* ---- command line ---- */

static void parse_args(int argc, char **argv, struct options *opt, const char **labs,
                       struct outputs *out)
{
	static const struct option longopts[] = {
		{ "root", 1, 0, 'r' }, { "lab", 1, 0, 'l' }, { "submission", 1, 0, 's' },
		{ "check", 1, 0, 'c' }, { "seed", 1, 0, 'S' }, { "json", 1, 0, 'j' },
		{ "junit", 1, 0, 'J' }, { "tap", 1, 0, 't' }, { "autolab", 0, 0, 'a' },
		{ "raw", 0, 0, 'R' }, { "color", 1, 0, 'C' }, { 0, 0, 0, 0 },
	};
	const char *color = "auto";
	int c;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'r': opt->root = optarg; break;
		case 'l': *labs = optarg; break;
		case 's': opt->submission_arg = *optarg ? optarg : NULL; break;
		case 'c': opt->only_check = *optarg ? optarg : NULL; break;
		case 'S': opt->seed = *optarg ? strtol(optarg, NULL, 10) : -1; break;
		case 'j': out->json = *optarg ? optarg : NULL; break;
		case 'J': out->junit = *optarg ? optarg : NULL; break;
		case 't': out->tap = *optarg ? optarg : NULL; break;
		case 'a': out->autolab = true; break;
		case 'R': opt->raw = true; break;
		case 'C': color = optarg; break;
		default: usage();
		}
	}
	if (!opt->root || optind != argc)
		usage();
	out->color = strcmp(color, "always") == 0 ||
	             (strcmp(color, "auto") == 0 && isatty(STDOUT_FILENO) && !getenv("NO_COLOR"));
}

int main(int argc, char **argv)
{
	struct options opt = { .seed = -1 };
	struct outputs out = { 0 };
	const char *want = NULL;
	struct results rs = { 0 };
	size_t n;

	parse_args(argc, argv, &opt, &want, &out);
	opt.root = realpath(opt.root, NULL);
	char *subdir = opt.submission_arg ? realpath(opt.submission_arg, NULL) : NULL;
	opt.submission = subdir ? subdir : opt.submission_arg ? opt.submission_arg
	                 : xasprintf("%s/labs", opt.root);
	char **labs = opt.root ? find_labs(opt.root, want, &n) : NULL;
	if (!labs || n == 0) {
		fprintf(stderr, "grader: no lab matches LAB=%s (labs are folders of labs/ with a "
		        "lab.json)\n", want ? want : "");
		return EXIT_USAGE;
	}
	sbx_init();
	results_note(&rs, "%s", sbx_protections());
	grade_all(&opt, labs, &rs, &out);
	report_text(stdout, &rs, out.color, opt.raw);
	if (out.autolab)
		report_autolab(stdout, &rs);
	int code = exit_code(&rs);
	results_free(&rs);
	return code;
}
