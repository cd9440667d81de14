/* main.c - the grader's command line. One submission, or a class (--batch),
 * goes one way: submission -> stage -> build -> checks -> score -> reports
 * (grade.c); with more than one CPU its labs are graded at once (scheduler.c).
 *
 * Exit codes: README.md, "Exit codes", is the one list (the EXIT_ names are in
 * grade.h). A batch exits with the worst of its submissions (worst() below).
 * `make grade` cannot pass them on (make exits 2 for any failed recipe):
 * grader/grade.sh does, see the Makefile. */
#include <dirent.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "checks.h"
#include "cli.h"
#include "grade.h"
#include "gradebook.h"
#include "report.h"
#include "sandbox.h"
#include "scheduler.h"
#include "timeline.h"

struct outputs {
	const char *json, *junit, *tap, *trace;
	const char *batch, *out, *merge, *gradebook, *roster;
	bool autolab, autolab_problems, color, by_check;
	int jobs;  /* labs at once */
	int cpus;  /* a lab's own checks at once */
	enum progress_mode progress;
};

static void usage(void)
{
	fputs("usage: grader --root DIR [--lab NN[,NN...]] [--submission DIR] [--replay-as DIR]\n"
	      "              [--check NAME]\n"
	      "              [--seed N] [--schedule S] [--json F] [--junit F] [--tap F] [--trace F] [--autolab]\n"
	      "              [--autolab-problems]\n"
	      "              [--raw] [--verbose] [--color auto|always|never]\n"
	      "              [--progress auto|lines|none] [--jobs N] [--sandbox required|off-ok]\n"
	      "              [--inconclusive excluded|awarded|zero]\n"
	      "       grader --root DIR --batch DIR|LIST.json --out OUT [--gradebook F] [--by-check]\n"
	      "              [--roster F] [--lab ...] [--check ...] [--jobs N] [--progress ...]\n"
	      "       grader --merge OUT [--gradebook F] [--by-check] [--roster F]\n"
	      "Grades labs/NN-topic (or DIR/NN-topic) and reports; a batch grades every\n"
	      "folder of DIR as a submission into OUT. Exit: 0 all passed, 1 something\n"
	      "failed, 2 usage, 3 inconclusive, 4 grader error.\n", stderr);
	exit(EXIT_USAGE);
}

/* A usage error: what was wrong, and nothing graded, nothing written. */
static void refuse(char *why)
{
	fprintf(stderr, "grader: %s%s", why, why[strlen(why) - 1] == '\n' ? "" : "\n");
	free(why);
	exit(EXIT_USAGE);
}

/* The worst of several exit codes: an error, then a failure, then doubt. */
static int worst(int a, int b)
{
	static const int rank[] = { [EXIT_ALL_PASS] = 0, [EXIT_INCONCLUSIVE] = 1,
	                            [EXIT_SOME_FAIL] = 2, [EXIT_USAGE] = 3, [EXIT_GRADER_ERROR] = 4 };
	return rank[a] >= rank[b] ? a : b;
}

/* ---- one submission ---- */

static int grade_one_submission(struct options *opt, const char *want, const struct outputs *out)
{
	struct grading g = { .json = out->json, .junit = out->junit, .tap = out->tap,
	                     .trace = out->trace };
	size_t n;
	char *why = NULL;
	char *subdir = opt->submission_arg ? realpath(opt->submission_arg, NULL) : NULL;
	opt->submission = subdir ? subdir : opt->submission_arg ? opt->submission_arg
	                  : xasprintf("%s/labs", opt->root);
	/* Replays and messages name the submission as its owner knows it, not
	 * the folder graded (an upload unpacked into a temporary folder): labs
	 * is the working copy, which make grade takes without SUBMISSION=. */
	if (opt->replay_as)
		opt->submission_arg = *opt->replay_as && strcmp(opt->replay_as, "labs")
		                      ? opt->replay_as : NULL;
	char **labs = cli_labs(opt->root, want, &n, &why);
	if (!labs)
		refuse(why);
	g.score_cmd = cli_score_cmd(want, opt->submission_arg);
	if (grading_init(&g, opt, labs, n, &why) < 0)
		refuse(why);
	if (g.said)
		fputs(g.said, stderr);
	grading_plan(&g);
	if (out->autolab_problems) { /* the plan is the list: nothing is graded */
		report_autolab_problems(stdout, &g.rs);
		free(g.score_cmd);
		grading_free(&g);
		cli_labs_free(labs);
		return EXIT_ALL_PASS;
	}
	grade_all(&g, 1, out->jobs, out->cpus, out->progress);
	report_text(stdout, &g.rs, out->color, (opt->raw ? REPORT_RAW : 0) |
	            (opt->verbose ? REPORT_VERBOSE : 0));
	if (out->trace)
		timeline_say_written(stdout, out->trace, &g.rs, !g.trace_failed);
	if (out->autolab)
		report_autolab(stdout, &g.rs);
	int code = grading_code(&g);
	free(g.score_cmd);
	grading_free(&g);
	cli_labs_free(labs);
	return code;
}

/* ---- a class ---- */

struct entry {
	char *name, *submission, *labs, *checks;
};

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct entry *)a)->name, ((const struct entry *)b)->name);
}

/* DIR: a submission per folder. LIST.json: [{"name", "submission", "lab",
 * "check"}, ...], each lab and check as LAB= and CHECK= take them; an entry
 * without them is graded as the command line says (--lab, --check). */
static struct entry *batch_entries(const char *src, const struct options *opt, const char *want,
                                   size_t *n)
{
	struct entry *e = calloc(4096, sizeof *e);
	struct stat st;
	*n = 0;
	if (stat(src, &st) == 0 && S_ISDIR(st.st_mode)) {
		DIR *d = opendir(src);
		struct dirent *de;
		while (d && (de = readdir(d))) {
			char *path = xasprintf("%s/%s", src, de->d_name);
			bool sub = de->d_name[0] != '.' && stat(path, &st) == 0 && S_ISDIR(st.st_mode);
			if (sub && *n == 4096) /* never a silent drop: say so, grade nothing */
				refuse(xasprintf("--batch %s: more than 4096 submissions; split the "
				                 "class (grader/cluster/ grades any number)", src));
			if (sub)
				e[(*n)++] = (struct entry){ xstrdup(de->d_name), path, (char *)want,
				                             (char *)opt->only_check };
			else
				free(path);
		}
		if (d)
			closedir(d);
		qsort(e, *n, sizeof *e, by_name);
		return e;
	}
	json_error_t err;
	json_t *list = json_load_file(src, 0, &err), *o;
	size_t i;
	if (!json_is_array(list))
		refuse(xasprintf("--batch %s: neither a folder of submissions nor a JSON list "
		                 "(%s)", src, err.text));
	json_array_foreach(list, i, o) {
		const char *name = json_string_value(json_object_get(o, "name"));
		const char *sub = json_string_value(json_object_get(o, "submission"));
		if (!name || !sub || strchr(name, '/') || *n >= 4096)
			refuse(xasprintf("--batch %s: entry %zu needs a \"name\" (no '/') and a "
			                 "\"submission\"", src, i));
		const char *lab = json_string_value(json_object_get(o, "lab"));
		const char *check = json_string_value(json_object_get(o, "check"));
		e[(*n)++] = (struct entry){ xstrdup(name), xstrdup(sub),
		                             lab ? xstrdup(lab) : (char *)want,
		                             check ? xstrdup(check) : (char *)opt->only_check };
	}
	json_decref(list);
	return e;
}

static void write_text(const struct grading *g, const char *out)
{
	char *path = xasprintf("%s/%s.txt", out, g->name);
	FILE *f = fopen(path, "w");
	if (f) {
		report_text(f, &g->rs, false, 0);
		fclose(f);
	}
	free(path);
}

static int grade_batch(struct options *opt, const char *want, const struct outputs *out)
{
	size_t n;
	char *why = NULL;
	struct entry *e = batch_entries(out->batch, opt, want, &n);
	if (n == 0)
		refuse(xasprintf("--batch %s: no submissions in it", out->batch));
	if (mkdir(out->out, 0755) < 0 && access(out->out, W_OK) < 0)
		refuse(xasprintf("--out %s: cannot make or write that folder", out->out));
	struct grading *gs = calloc(n, sizeof *gs);
	char ***labs = calloc(n, sizeof *labs);
	for (size_t i = 0; i < n; i++) {
		struct options o = *opt;
		size_t nl;
		o.submission_arg = e[i].submission;
		o.submission = realpath(e[i].submission, NULL);
		if (!o.submission)
			o.submission = xstrdup(e[i].submission); /* graded as not submitted */
		o.only_check = e[i].checks;
		if (!(labs[i] = cli_labs(opt->root, e[i].labs, &nl, &why)))
			refuse(xasprintf("%s: %s", e[i].name, why));
		gs[i].name = e[i].name;
		gs[i].json = xasprintf("%s/%s.json", out->out, e[i].name);
		gs[i].junit = xasprintf("%s/%s.xml", out->out, e[i].name);
		gs[i].score_cmd = cli_score_cmd(e[i].labs, e[i].submission);
		if (grading_init(&gs[i], &o, labs[i], nl, &why) < 0)
			refuse(xasprintf("%s: %s", e[i].name, why));
		grading_plan(&gs[i]);
	}
	grade_all(gs, n, out->jobs, out->cpus, out->progress);
	int code = EXIT_ALL_PASS;
	for (size_t i = 0; i < n; i++) {
		write_text(&gs[i], out->out);
		code = worst(code, grading_code(&gs[i]));
	}
	char *book = out->gradebook ? xstrdup(out->gradebook) : xasprintf("%s/gradebook.csv", out->out);
	if (gradebook_write(out->out, book, out->roster, out->by_check, stdout) < 0)
		code = worst(code, EXIT_GRADER_ERROR);
	printf("gradebook: %s\n", book);
	for (size_t i = 0; i < n; i++) {
		free((char *)gs[i].opt.submission);
		free((char *)gs[i].json); free((char *)gs[i].junit); free(gs[i].score_cmd);
		grading_free(&gs[i]);
		cli_labs_free(labs[i]);
	}
	free(gs); free(labs); free(book);
	return code;
}

/* ---- command line ---- */

static void parse_args(int argc, char **argv, struct options *opt, const char **labs,
                       struct outputs *out)
{
	static const struct option longopts[] = {
		{ "root", 1, 0, 'r' }, { "lab", 1, 0, 'l' }, { "submission", 1, 0, 's' },
		{ "replay-as", 1, 0, 'A' },
		{ "check", 1, 0, 'c' }, { "seed", 1, 0, 'S' }, { "schedule", 1, 0, 'H' }, { "json", 1, 0, 'j' },
		{ "junit", 1, 0, 'J' }, { "tap", 1, 0, 't' }, { "autolab", 0, 0, 'a' },
		{ "raw", 0, 0, 'R' }, { "color", 1, 0, 'C' }, { "verbose", 0, 0, 'v' },
		{ "progress", 1, 0, 'p' }, { "batch", 1, 0, 'b' }, { "out", 1, 0, 'o' },
		{ "merge", 1, 0, 'm' }, { "gradebook", 1, 0, 'g' }, { "by-check", 0, 0, 'k' },
		{ "jobs", 1, 0, 'n' }, { "trace", 1, 0, 'T' }, { "roster", 1, 0, 'O' },
		{ "sandbox", 1, 0, 'X' }, { "inconclusive", 1, 0, 'I' },
		{ "autolab-problems", 0, 0, 'P' }, { 0, 0, 0, 0 },
	};
	const char *color = "auto", *progress = "auto", *sandbox = NULL, *doubt = "excluded";
	char *why;
	int c;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'r': opt->root = optarg; break;
		case 'l': *labs = *optarg ? optarg : NULL; break;
		case 's': opt->submission_arg = *optarg ? optarg : NULL; break;
		case 'A': opt->replay_as = optarg; break;
		case 'c': opt->only_check = *optarg ? optarg : NULL; break;
		case 'S':
			if (*optarg && cli_seed(optarg, &opt->seed, &why) < 0)
				refuse(why);
			break;
		case 'H':
			if (*optarg && cli_schedule(optarg, &why) < 0)
				refuse(why);
			opt->schedule = *optarg ? optarg : NULL;
			break;
		case 'j': out->json = *optarg ? optarg : NULL; break;
		case 'J': out->junit = *optarg ? optarg : NULL; break;
		case 't': out->tap = *optarg ? optarg : NULL; break;
		case 'T': out->trace = *optarg ? optarg : NULL; break;
		case 'a': out->autolab = true; break;
		case 'P': out->autolab_problems = true; break;
		case 'R': opt->raw = true; break;
		case 'C': color = optarg; break;
		case 'v': opt->verbose = true; break;
		case 'p': progress = optarg; break;
		case 'b': out->batch = optarg; break;
		case 'o': out->out = optarg; break;
		case 'm': out->merge = optarg; break;
		case 'g': out->gradebook = *optarg ? optarg : NULL; break;
		case 'k': out->by_check = true; break;
		case 'O': out->roster = *optarg ? optarg : NULL; break;
		case 'X': sandbox = *optarg ? optarg : NULL; break;
		case 'I': doubt = *optarg ? optarg : doubt; break;
		case 'n':
			if (*optarg && (out->jobs = atoi(optarg)) <= 0)
				refuse(xasprintf("JOBS=%s: say a whole number, 1 or more (1: one step "
				                 "at a time)", optarg));
			break;
		default: usage();
		}
	}
	if ((!opt->root && !out->merge) || optind != argc || (out->batch && !out->out))
		usage();
	if (opt->replay_as && (out->batch || out->merge))
		refuse(xstrdup("--replay-as names one submission: a batch's replays name each "
		               "student's folder"));
	if (out->trace && (out->batch || out->merge))
		refuse(xstrdup("TRACE=F draws one submission's runs: grade it alone (make grade "
		               "SUBMISSION=DIR TRACE=F)"));
	if (strcmp(color, "auto") && strcmp(color, "always") && strcmp(color, "never"))
		refuse(xasprintf("--color %s: say auto, always or never", color));
	if (sandbox && strcmp(sandbox, "required") && strcmp(sandbox, "off-ok"))
		refuse(xasprintf("SANDBOX=%s: say required (student code never runs without "
		                 "bubblewrap) or off-ok (it may, and the report says so)", sandbox));
	static const char *const costs[] = { [COST_EXCLUDED] = "excluded",
	                                     [COST_AWARDED] = "awarded", [COST_ZERO] = "zero" };
	opt->inconclusive = COST_ZERO + 1;
	for (int k = COST_EXCLUDED; k <= COST_ZERO; k++)
		if (strcmp(doubt, costs[k]) == 0)
			opt->inconclusive = (enum inconclusive_cost)k;
	if (opt->inconclusive > COST_ZERO)
		refuse(xasprintf("INCONCLUSIVE=%s: say excluded (a row the machine could not judge "
		                 "leaves the maximum), awarded (it scores its points) or zero", doubt));
	const char *scale = getenv("GRADER_TIME_SCALE");
	if (scale && *scale && time_scale() == 1 && strcmp(scale, "1"))
		refuse(xasprintf("GRADER_TIME_SCALE=%s: say a number from 1 to 10 (every deadline "
		                 "is multiplied by it, for a slow grading machine)", scale));
	/* A class's code is someone else's: without a sandbox, not unless told. */
	opt->sandbox_required = sandbox ? strcmp(sandbox, "required") == 0 : out->batch != NULL;
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

	parse_args(argc, argv, &opt, &want, &out);
	if (out.merge) {
		char *book = out.gradebook ? xstrdup(out.gradebook)
		             : xasprintf("%s/gradebook.csv", out.merge);
		int rc = gradebook_write(out.merge, book, out.roster, out.by_check, stdout);
		printf("gradebook: %s\n", book);
		free(book);
		return rc < 0 ? EXIT_GRADER_ERROR : EXIT_ALL_PASS;
	}
	opt.root = realpath(opt.root, NULL);
	if (!opt.root)
		refuse(xasprintf("--root: no such folder"));
	sbx_init();
	/* A lab's checks at once on the CPUs, as any user: they are one
	 * submission's, under one process limit either way. Labs at once only
	 * where each can have its own uid (as a normal user every lab's threads
	 * would count against one process limit), two a CPU unless told: their
	 * untimed steps mostly wait (all five references: 33 s at one a CPU,
	 * 27 s at two), and a timing check still runs alone. */
	bool told = out.jobs > 0 || getenv("GRADER_JOBS");
	out.cpus = out.jobs > 0 ? out.jobs : sched_slots();
	if (out.jobs == 0)
		out.jobs = geteuid() != 0 ? 1 : told ? out.cpus : 2 * out.cpus;
	int code = out.batch ? grade_batch(&opt, want, &out) : grade_one_submission(&opt, want, &out);
	free((char *)opt.root);
	return code;
}
