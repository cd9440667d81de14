/* grade.c - the pipeline for each lab of each submission: stage -> build ->
 * checks -> score, then the results files. See grade.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "checks.h"
#include "cli.h"
#include "grade.h"
#include "lab_jobs.h"
#include "objcache.h"
#include "report.h"
#include "rows_io.h"
#include "sandbox.h"
#include "scheduler.h"
#include "timeline.h"


/* ---- one lab ---- */

/* The progress line of a check that just ran (s seconds): its own outcome,
 * and whether the score step will hold it back for a requirement that
 * failed. */
static void check_done(struct lab_ctx *ctx, const struct check_span *c, size_t first, double s)
{
	const struct result *rows = &ctx->rs->rows[c->row];
	size_t passed = 0;
	for (size_t k = 0; k < c->n; k++)
		passed += rows[k].verdict == V_PASS;
	char *summary = c->n == 1 ? xstrdup(verdict_name(rows[0].verdict))
	                : xasprintf("%zu of %zu tests passed", passed, c->n);
	char *unmet = requires_unmet(ctx->spec, c->check, &ctx->rs->rows[first],
	                             c->row + c->n - first);
	if (unmet)
		strappend(&summary, "; not scored until %s", unmet);
	progress_ran(spec_str(c->check, "name", ""), s, summary);
	free(summary);
	free(unmet);
}

static bool names_hold(json_t *names, const char *name)
{
	size_t i;
	json_t *n;
	json_array_foreach(names, i, n)
		if (strcmp(json_string_value(n), name) == 0)
			return true;
	return false;
}

/* The checks to run from row first on, each with its rows: those selected
 * (--check), and only those named in built when it is not NULL (part of
 * the code did not compile). */
static size_t plan_spans(struct lab_ctx *ctx, size_t first, json_t *built,
                         struct check_span *spans)
{
	json_t *check;
	size_t i, row = first, nspans = 0;
	json_array_foreach(json_object_get(ctx->spec, "checks"), i, check) {
		const char *name = spec_str(check, "name", "");
		size_t n = 0;
		while (row + n < ctx->rs->n && strcmp(ctx->rs->rows[row + n].check, name) == 0)
			n++;
		if (n > 0 && !(built && !names_hold(built, name))) /* else failed already */
			spans[nspans++] = (struct check_span){ check, row, n };
		row += n;
	}
	return nspans;
}

static size_t lab_slots = 1; /* grade_all's CPUs: checks of a lab graded alone at once */

/* A check run beside others is done: its line, the lab's rows from its first. */
static void span_done(struct lab_ctx *ctx, const struct check_span *c, double s)
{
	size_t first = c->row;
	while (first > 0 && strcmp(ctx->rs->rows[first - 1].lab, ctx->lab) == 0)
		first--;
	check_done(ctx, c, first, s);
}

/* Whether the lab's untimed checks run at once: one per CPU (more would
 * leave gdb no time to read the stacks of a submission whose threads spin
 * in every check), when the lab is graded alone (one of many labs: those
 * fill the CPUs already), unless GRADER_CHECKS_AT_ONCE=0. */
static bool checks_at_once(size_t nshared)
{
	const char *env = getenv("GRADER_CHECKS_AT_ONCE");
	return lab_slots > 1 && nshared > 1 && sched_worker() < 0 && !(env && !strcmp(env, "0"));
}

/* The lab's checks: those that need no machine of their own at once when
 * it is graded alone on several CPUs (lab_jobs.h), then the others, each
 * in its turn, a timing check with the machine to itself, and any check
 * run at once whose hang gdb could not read, again, alone. A hang seen at
 * once cuts the deadlines of the checks after it, as one after the other. */
static void run_checks(struct lab_ctx *ctx, size_t first, json_t *built)
{
	size_t nchecks = json_array_size(json_object_get(ctx->spec, "checks"));
	struct check_span *spans = calloc(nchecks + 1, sizeof *spans);
	struct check_span *shared = calloc(nchecks + 1, sizeof *shared);
	size_t *at = calloc(nchecks + 1, sizeof *at); /* shared[k] is spans[at[k]] */
	enum span_end *ends = calloc(nchecks + 1, sizeof *ends), *end_of = calloc(nchecks + 1,
	                                                                     sizeof *end_of);
	size_t nspans = plan_spans(ctx, first, built, spans), nshared = 0;
	for (size_t i = 0; i < nspans; i++)
		if (!check_alone(spans[i].check)) {
			at[nshared] = i;
			shared[nshared++] = spans[i];
		}
	bool at_once = checks_at_once(nshared);
	if (at_once)
		progress_step("checks");
	at_once = at_once && lab_jobs_run(ctx, shared, nshared, (int)lab_slots, span_done, ends);
	for (size_t k = 0; at_once && k < nshared; k++)
		end_of[at[k]] = ends[k];
	for (size_t i = 0; i < nspans; i++) {
		const struct check_span *c = &spans[i];
		/* The hang of a check run at once counts from its place on (end_of
		 * is SPAN_DONE for every check not run at once). */
		ctx->hung |= i > 0 && end_of[i - 1] == SPAN_HUNG;
		if (at_once && !check_alone(c->check) && end_of[i] != SPAN_REDO)
			continue; /* ran beside the others */
		sched_turn(check_alone(c->check)); /* a timing check has the machine to itself */
		double t0 = clock_s();
		progress_step(spec_str(c->check, "name", ""));
		check_kind(spec_str(c->check, "kind", ""))(ctx, c->check, &ctx->rs->rows[c->row], c->n);
		double s = clock_s() - t0;
		sched_end_turn();
		for (size_t k = 0; k < c->n; k++)
			ctx->rs->rows[c->row + k].seconds = s / c->n;
		check_done(ctx, c, first, s);
	}
	ctx->hung |= nspans > 0 && end_of[nspans - 1] == SPAN_HUNG;
	free(spans);
	free(shared);
	free(at);
	free(ends);
	free(end_of);
}

/* The rows that could not run because the code did not compile (those of
 * checks not in built; every row when built is NULL) fail: the first with
 * the compiler's words, the others pointing at it, each replaying the build. */
static void fail_unbuilt(struct lab_ctx *ctx, struct result *rows, size_t n, json_t *built,
                         const char *why)
{
	const char *first = NULL;
	for (size_t i = 0; i < n; i++) {
		if (built && names_hold(built, rows[i].check))
			continue;
		row_set(&rows[i], V_FAIL, first ? xasprintf("Your code did not compile: see the "
		        "compiler's message under %s.", first) : xstrdup(why));
		rows[i].replay = lab_replay(ctx, NULL, -1); /* the build, again */
		if (!first) /* the compiler's words once are enough */
			first = rows[i].id;
	}
}

static char *built_summary(json_t *built, int rc, enum verdict v)
{
	if (rc < 0)
		return xstrdup("grader error: see the report");
	if (v != V_FAIL)
		return xstrdup("not submitted");
	if (rc == 0)
		return xstrdup("built");
	if (!built)
		return xstrdup("did not compile: every check fails (see the report)");
	return xasprintf("did not compile in part: only the %zu checks of the parts that built "
	                 "run (see the report)", json_array_size(built));
}

/* ---- the objects compiled once (objcache.h): one entry a lab, for every
 * submission this process grades ---- */

static struct { char *lab, *entry; } caches[64];
static size_t ncaches;

static const char *lab_cache(const struct options *opt, const char *lab, json_t *spec)
{
	for (size_t i = 0; i < ncaches; i++)
		if (strcmp(caches[i].lab, lab) == 0)
			return caches[i].entry;
	char *key, *note = NULL, *entry = objcache_find(opt, lab, spec, &key);
	if (!entry && key) {
		progress_step("compile once");
		entry = objcache_build(opt, lab, spec, key, &note);
		progress_done(entry ? "the lab's own files, kept in build/cache/ for later grades"
		                    : note);
	}
	if (ncaches < sizeof caches / sizeof caches[0])
		caches[ncaches++] = (typeof(caches[0])){ xstrdup(lab), entry };
	free(key);
	free(note);
	return entry;
}

/* Whether any of the lab's planned rows is a hidden check's. */
static bool plans_hidden(struct lab_ctx *ctx, const struct result *rows, size_t n)
{
	json_t *checks = json_object_get(ctx->spec, "checks");
	size_t own = (size_t)spec_num(ctx->spec, "own_checks", (double)json_array_size(checks));
	for (size_t i = own; i < json_array_size(checks); i++)
		for (size_t k = 0; k < n; k++)
			if (!strcmp(rows[k].check, spec_str(json_array_get(checks, i), "name", "")))
				return true;
	return false;
}


/* Without bubblewrap, what still keeps the hidden tests from student code
 * is its uid: as root, the project (hidden tests, their objects in
 * build/cache/, solutions) must be closed to other users. True when it is
 * open to them and holds hidden tests (a student's release holds none). */
static bool hidden_in_reach(const struct lab_ctx *ctx)
{
	struct stat root, hidden;
	char *dir = xasprintf("%s/labs/%s/hidden", ctx->opt->root, ctx->lab);
	bool has_hidden = stat(dir, &hidden) == 0;
	free(dir);
	return geteuid() == 0 && has_hidden && stat(ctx->opt->root, &root) == 0 &&
	       (root.st_mode & S_IXOTH);
}

/* Fail closed: where bubblewrap cannot start, no student code runs when
 * the sandbox is required, or when the project's hidden tests are in the
 * code's reach; every row says why, and what to do. */
static bool refused_unsandboxed(const struct lab_ctx *ctx, struct result *rows, size_t n)
{
	const char *no = sbx_no_bwrap_why();
	char *why = !no ? NULL : ctx->opt->sandbox_required
		? xasprintf("Not graded: the sandbox (bubblewrap) cannot start on this machine "
		  "(%s), and a class's code is never run without it. Without it, the code would "
		  "run with the filesystem and the network in reach: it could read the hidden tests "
		  "and any file its user may read, write outside its scratch folder and connect "
		  "anywhere. Make bubblewrap work here (README, \"Untrusted code\"), or accept that "
		  "risk with SANDBOX=off-ok (--sandbox off-ok).", no)
		: hidden_in_reach(ctx)
		? xasprintf("Not graded: the sandbox (bubblewrap) cannot start on this machine "
		  "(%s), so all that keeps the hidden tests from student code is that it runs as "
		  "another user; but this project is open to other users, hidden tests and their "
		  "compiled objects included. Close it first (chmod o-rwx %s), as Gradescope's "
		  "setup.sh does, or make bubblewrap work here.", no, ctx->opt->root)
		: NULL;
	if (why)
		rows_fail(rows, n, V_ERROR, why);
	free(why);
	return why != NULL;
}

static void grade_lab(struct lab_ctx *ctx, size_t first)
{
	struct result *rows = &ctx->rs->rows[first];
	size_t n = 0;
	/* This lab's rows only: every lab was planned before any was graded. */
	while (first + n < ctx->rs->n && strcmp(rows[n].lab, ctx->lab) == 0)
		n++;
	if (refused_unsandboxed(ctx, rows, n))
		return;
	char *subdir = xasprintf("%s/%s", ctx->opt->submission, ctx->lab);
	char *why = NULL;
	json_t *built = NULL; /* the checks that may run after a failed build */
	enum verdict v = V_NOT_SUBMITTED;
	progress_lab(ctx->lab);
	sched_turn(false);
	ctx->cache = lab_cache(ctx->opt, ctx->lab, ctx->spec);
	progress_step("build");
	int rc = lab_stage(ctx, subdir, &why);
	if (rc == 0) {
		v = V_FAIL; /* from here on, a stop is the code's fault */
		rc = lab_build(ctx, &why);
	}
	/* The hidden checks start from the code as built, before any of it ran. */
	if (rc == 0 && plans_hidden(ctx, rows, n) && lab_snapshot(ctx, &ctx->snapshot) < 0)
		ctx->snapshot = NULL; /* they stage and build again */
	if (rc > 0 && v == V_FAIL)
		built = lab_build_parts(ctx, &why);
	sched_end_turn();
	char *summary = built_summary(built, rc, v);
	progress_done(summary);
	free(summary);
	if (rc == 0 || built) {
		if (built)
			fail_unbuilt(ctx, rows, n, built, why);
		run_checks(ctx, first, built);
		lab_score(ctx, rows, n); /* the score step: "requires" */
		lab_price_doubts(ctx, rows, n);
	} else if (rc > 0 && v == V_FAIL) {
		fail_unbuilt(ctx, rows, n, NULL, why);
	} else {
		rows_fail(rows, n, rc < 0 ? V_ERROR : v, why);
	}
	json_decref(built);
	lab_unstage(ctx);
	free(subdir);
	free(why);
}

/* How many rows lab i of g has, from its first: every lab was planned before any was graded. */
static size_t lab_nrows(const struct grading *g, size_t i)
{
	size_t first = g->first[i], n = 0;
	while (first + n < g->rs.n && strcmp(g->rs.rows[first + n].lab, g->labs[i]) == 0)
		n++;
	return n;
}

/* Lab i of g, in this process. */
static void grade_one(struct grading *g, size_t i)
{
	struct lab_ctx ctx = { .opt = &g->opt, .lab = g->labs[i], .spec = g->specs[i], .rs = &g->rs,
	                       .slots = (int)lab_slots };
	if (g->planned[i])
		grade_lab(&ctx, g->first[i]);
	free(ctx.scratch); free(ctx.labdir); free(ctx.outdir);
}

/* ---- one submission ---- */

/* Every lab's spec, read before anything runs (CHECK= is checked against
 * them); a spec that does not parse is NULL and its error in errs[i]. */
static void load_specs(struct grading *g)
{
	for (size_t i = 0; i < g->nlabs; i++) {
		char *path = xasprintf("%s/labs/%s/lab.json", g->opt.root, g->labs[i]);
		json_error_t err;
		g->specs[i] = json_load_file(path, 0, &err);
		g->errs[i] = g->specs[i] ? NULL
		             : xasprintf("%s: line %d: %s", path, err.line, err.text);
		if (g->specs[i])
			spec_add_hidden(g->opt.root, g->labs[i], g->specs[i]); /* a fault shows when planned */
		free(path);
	}
}

int grading_init(struct grading *g, const struct options *opt, char **labs, size_t nlabs,
                 char **why)
{
	g->opt = *opt;
	g->labs = labs;
	g->nlabs = nlabs;
	g->specs = calloc(nlabs + 1, sizeof *g->specs);
	g->errs = calloc(nlabs + 1, sizeof *g->errs);
	g->first = calloc(nlabs + 1, sizeof *g->first);
	g->planned = calloc(nlabs + 1, sizeof *g->planned);
	load_specs(g);
	if (opt->only_check && cli_checks(opt->only_check, labs, g->specs, &g->checks, &g->said,
	                                  why) < 0)
		return -1;
	g->opt.only_check = g->checks;
	g->replay_of = cli_replay_of(g->checks, opt->seed);
	g->rs.replay_of = g->replay_of;
	g->rs.score_cmd = g->score_cmd;
	results_note(&g->rs, "%s", sbx_protections());
	if (time_scale() != 1)
		results_note(&g->rs, "every deadline was %g times the lab's (GRADER_TIME_SCALE=%g: a "
		             "slow grading machine); speedup targets are ratios and did not change",
		             time_scale(), time_scale());
	return 0;
}

static void write_files(struct grading *g)
{
	if (g->json && report_json(g->json, &g->rs) < 0)
		g->write_failed = true;
	if (g->junit && report_junit(g->junit, &g->rs) < 0)
		g->write_failed = true;
	if (g->tap && report_tap(g->tap, &g->rs) < 0)
		g->write_failed = true;
	if (g->trace && timeline_write_chrome(g->trace, &g->rs) < 0)
		g->write_failed = g->trace_failed = true;
}

void grading_plan(struct grading *g)
{
	for (size_t i = 0; i < g->nlabs; i++) {
		g->first[i] = g->rs.n;
		struct lab_ctx plan = { .opt = &g->opt, .lab = g->labs[i], .spec = g->specs[i],
		                        .rs = &g->rs };
		g->planned[i] = g->specs[i] && lab_plan(&plan) == 0;
		if (!g->specs[i])
			row_set(results_add(&g->rs, g->labs[i], "spec", "lab.json", 0), V_ERROR,
			        xstrdup(g->errs[i]));
	}
	write_files(g); /* if the grader dies now, the file says so: every row "grader error" */
}

int grading_code(const struct grading *g)
{
	bool fail = false, inconclusive = false, error = false;
	for (size_t i = 0; i < g->rs.n; i++) {
		enum verdict v = g->rs.rows[i].verdict;
		fail |= v == V_FAIL || v == V_NOT_SUBMITTED;
		inconclusive |= v == V_INCONCLUSIVE;
		error |= v == V_ERROR;
	}
	return error || g->write_failed ? EXIT_GRADER_ERROR : fail ? EXIT_SOME_FAIL
	       : inconclusive ? EXIT_INCONCLUSIVE : EXIT_ALL_PASS;
}

void grading_free(struct grading *g)
{
	for (size_t i = 0; i < g->nlabs; i++) {
		json_decref(g->specs[i]);
		free(g->errs[i]);
	}
	results_free(&g->rs);
	free(g->specs); free(g->errs); free(g->first); free(g->planned);
	free(g->checks); free(g->said); free(g->replay_of);
}

/* ---- many labs at once ---- */

struct batch_run {
	struct grading *gs;
	size_t n, ntasks;
	size_t *sub, *lab;      /* task t grades lab lab[t] of gs[sub[t]] */
	size_t *left;           /* labs of gs[i] not yet graded */
	double t0;
	char *rows_dir;
};

static char *rows_path(const struct batch_run *b, size_t task)
{
	return xasprintf("%s/rows-%zu.json", b->rows_dir, task);
}

static void task_run(size_t t, void *arg)
{
	struct batch_run *b = arg;
	struct grading *g = &b->gs[b->sub[t]];
	size_t lab = b->lab[t];
	progress_start(PROGRESS_NONE); /* the parent draws the one progress line */
	sbx_set_worker(sched_worker());
	size_t had = g->rs.notes ? strlen(g->rs.notes) : 0; /* the notes this lab adds go back */
	grade_one(g, lab);
	char *path = rows_path(b, t);
	rows_save_notes(path, &g->rs, g->first[lab], lab_nrows(g, lab),
	                g->rs.notes ? g->rs.notes + had : NULL);
	free(path);
}

static double lab_score_of(const struct results *rs, const char *lab, double *max)
{
	double s = 0;
	*max = 0;
	for (size_t i = 0; i < rs->n; i++)
		if (strcmp(rs->rows[i].lab, lab) == 0) {
			s += rs->rows[i].score;
			*max += rs->rows[i].max_score;
		}
	return s;
}

static void task_done(size_t t, int status, void *arg)
{
	struct batch_run *b = arg;
	struct grading *g = &b->gs[b->sub[t]];
	size_t lab = b->lab[t];
	char *path = rows_path(b, t);
	size_t first = g->first[lab], n = lab_nrows(g, lab);
	if (rows_load(path, &g->rs, first, n) < 0 && n > 0)
		row_set(&g->rs.rows[first], V_ERROR, xasprintf("The grader's process for this lab "
		        "stopped before it handed back its results (wait status %d).", status));
	unlink(path);
	free(path);
	write_files(g);
	double max, s = lab_score_of(&g->rs, g->labs[lab], &max);
	if (b->n == 1)
		progress_line("%-22s %5.0f / %-5.0f graded\n", g->labs[lab], s, max);
	if (--b->left[b->sub[t]] == 0) {
		g->seconds = clock_s() - b->t0;
		if (b->n > 1)
			progress_line("%s: %.0f / %.0f\n", g->name,
			              results_score(&g->rs), results_max(&g->rs));
	}
}

/* "[1/4 submissions, 7/20 labs] 1 m 05 s, about 2 m 50 s left; timing alice
 * 04-pool-ordering alone" (one submission: "[3/5 labs] ...") */
static void task_tick(const struct sched_view *v, void *arg)
{
	struct batch_run *b = arg;
	double el = clock_s() - b->t0;
	char line[256], alone[160] = "";
	long t = v->alone >= 0 ? v->alone : v->newest;
	if (t >= 0 && v->done < v->total) {
		const struct grading *g = &b->gs[b->sub[t]];
		snprintf(alone, sizeof alone, "; %s %s%s%s%s", v->alone >= 0 ? "timing" : "started",
		         b->n > 1 ? g->name : "", b->n > 1 ? " " : "", g->labs[b->lab[t]],
		         v->alone >= 0 ? " alone" : "");
	}
	size_t subs_done = 0;
	for (size_t i = 0; i < b->n; i++)
		subs_done += b->left[i] == 0;
	int k = b->n > 1 ? snprintf(line, sizeof line, "[%zu/%zu submissions, %zu/%zu labs]",
	                            subs_done, b->n, v->done, v->total)
	        : snprintf(line, sizeof line, "[%zu/%zu labs]", v->done, v->total);
	k += snprintf(line + k, sizeof line - k, " %d m %02d s", (int)el / 60, (int)el % 60);
	if (v->done > 0 && v->done < v->total) {
		double left = el / v->done * (v->total - v->done);
		k += snprintf(line + k, sizeof line - k, ", about %d m %02d s left",
		              (int)left / 60, (int)left % 60);
	}
	snprintf(line + k, sizeof line - k, "%s", alone);
	progress_status(line);
}

static void grade_scheduled(struct grading *gs, size_t n, int slots)
{
	struct batch_run b = { .gs = gs, .n = n, .t0 = clock_s() };
	for (size_t i = 0; i < n; i++)
		b.ntasks += gs[i].nlabs;
	b.sub = calloc(b.ntasks + 1, sizeof *b.sub);
	b.lab = calloc(b.ntasks + 1, sizeof *b.lab);
	b.left = calloc(n + 1, sizeof *b.left);
	for (size_t i = 0, t = 0; i < n; i++) {
		b.left[i] = gs[i].nlabs;
		for (size_t l = 0; l < gs[i].nlabs; l++, t++)
			b.sub[t] = i, b.lab[t] = l;
	}
	char tmpl[] = "/tmp/grader-rows.XXXXXX";
	const char *tmp = getenv("TMPDIR");
	b.rows_dir = xasprintf("%s/grader-rows.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(b.rows_dir)) {
		free(b.rows_dir);
		b.rows_dir = xstrdup(mkdtemp(tmpl) ? tmpl : "/tmp");
	}
	for (size_t i = 0; i < n; i++) /* compiled once, before the tasks fork */
		for (size_t l = 0; l < gs[i].nlabs; l++)
			if (gs[i].planned[l])
				lab_cache(&gs[i].opt, gs[i].labs[l], gs[i].specs[l]);
	struct sched_ops ops = { .ntasks = b.ntasks, .run = task_run, .done = task_done,
	                         .tick = task_tick, .arg = &b };
	sched_run(&ops, slots);
	rmdir(b.rows_dir);
	free(b.rows_dir); free(b.sub); free(b.lab); free(b.left);
}

void grade_all(struct grading *gs, size_t n, int slots, int cpus, enum progress_mode progress)
{
	size_t labs = 0;
	for (size_t i = 0; i < n; i++)
		labs += gs[i].nlabs;
	lab_slots = cpus > 1 ? (size_t)cpus : 1; /* a unit check's seeds at once, always */
	if (slots > 1 && labs > 1) {
		progress_start_tasks(progress);
		for (size_t i = 0; i < n; i++)
			results_note(&gs[i].rs, "graded %zu labs at once, up to %d at a time, each timing "
			             "check alone%s", labs, slots, sbx_worker_uids());
		grade_scheduled(gs, n, slots);
		progress_stop();
		return;
	}
	if (n > 1) /* a class: a line per submission, not per step */
		progress_start_tasks(progress);
	else
		progress_start(progress);
	for (size_t i = 0; lab_slots > 1 && i < n; i++)
		results_note(&gs[i].rs, "the checks of a lab ran at once on %d CPUs, each in a copy "
		             "of the built lab of its own, each timing check alone%s", cpus,
		             sbx_worker_uids());
	for (size_t k = 0; k < n; k++) {
		double t0 = clock_s();
		for (size_t i = 0; i < gs[k].nlabs; i++) {
			grade_one(&gs[k], i);
			write_files(&gs[k]);
		}
		gs[k].seconds = clock_s() - t0;
		if (n > 1)
			progress_line("%s: %.0f / %.0f\n", gs[k].name, results_score(&gs[k].rs),
			              results_max(&gs[k].rs));
	}
	progress_stop();
}
