/* check_speedup.c - the "speedup" check: the harness's sequential baseline
 * and the student's concurrent run, interleaved A B A B, one configuration
 * per process. Each program reports one BENCH line (common.h, bench_report);
 * the grader trusts it only as far as its own clock agrees. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include <unistd.h>
#include "checks.h"
#include "speedup.h"
#include "timeline.h"

#define SPREAD_OK 0.25   /* stop adding pairs once the ratios agree this well */
#define MARGIN 0.10      /* a ratio fails only when every trial misses the target
                            by more than this share of it (SPEC.md) */
#define CLOCK_SLACK 0.05 /* seconds the in-process clock may exceed the grader's */
#define UNTIMED_MORE 0.05 /* seconds the candidate's untimed share may exceed the baseline's */
#define START_SLACK 0.5  /* seconds the grader's clock may exceed the in-process one:
                            starting and ending the sandbox take ~0.03 s; a program
                            that reports much less than it took rewrote its result
                            (a spec's "untimed_s" allows more, for a benchmark that
                            must prepare outside its timed part) */

#define UNTRUSTED_RUNS 3 /* runs whose report disagrees with the grader's clock before
                            it is distrusted */

struct bench {
	double elapsed;  /* seconds, measured by the harness */
	double gap;      /* the grader's wall time less elapsed: start-up and exit */
	long workers, max_inflight, work_done;
};

/* "bench_map sleep 8 32 10": the command as a student would type it. */
static char *cmd_line(json_t *cmd)
{
	char *s = NULL;
	size_t i;
	json_t *a;
	json_array_foreach(cmd, i, a)
		strappend(&s, "%s%s", i ? " " : "", json_string_value(a));
	return s ? s : xstrdup("");
}

/* Runs one program of the spec ("baseline": ["bench_seq", "8", "100"]);
 * with tl, also records its timeline (common/trace.c), which costs a
 * write(2) per task: nothing beside a task of a millisecond. */
static int bench_run_once(struct lab_ctx *ctx, json_t *check, json_t *cmd, double timeout_s,
                          struct bench *b, json_t **tl, char **why, bool *untrusted)
{
	const char *hang_hint = lab_hang_hint(ctx, check, NULL);
	char *out = xasprintf("%s/bench.out", ctx->scratch);
	char *trace = xasprintf("%s/trace.out", ctx->scratch);
	char *argv[32] = { 0 };
	size_t i;
	json_t *a;
	argv[0] = lab_program(ctx, json_string_value(json_array_get(cmd, 0)));
	json_array_foreach(cmd, i, a)
		if (i > 0 && i < 31)
			argv[i] = (char *)json_string_value(a);
	char *env[] = { xasprintf("BENCH_OUT=%s", out),
	                tl ? xasprintf("TRACE_OUT=%s", trace) : NULL, NULL };
	struct sbx_result r;
	unlink(out);
	unlink(trace);
	double given = lab_deadline(ctx, timeout_s); /* what the run really gets */
	int rc = lab_run(ctx, argv, env, timeout_s, &r);
	unsigned long long ns = 0, cpu = 0;
	FILE *f = rc == 0 ? fopen(out, "r") : NULL;
	int got = f ? fscanf(f, "BENCH elapsed_ns=%llu cpu_ns=%llu workers=%ld max_inflight=%ld "
	                     "work_done=%ld", &ns, &cpu, &b->workers, &b->max_inflight,
	                     &b->work_done) : 0;
	b->elapsed = ns / 1e9;
	b->gap = r.wall_s - b->elapsed;
	if (f)
		fclose(f);
	if (rc < 0)
		*why = xasprintf("could not run %s", argv[0]);
	else if (r.timed_out)
		*why = xasprintf("%s did not finish within %.0f s. %s%s%s", json_string_value(
		                 json_array_get(cmd, 0)), given, r.diagnosis ? r.diagnosis : "",
		                 hang_hint ? "Hint: " : "", hang_hint ? hang_hint : "");
	else if (r.term_signal != 0)
		*why = xasprintf("%s was killed by signal %d (%s) before it reported a result%s%s",
		                 json_string_value(json_array_get(cmd, 0)), r.term_signal,
		                 strsignal(r.term_signal), r.output && *r.output ? ":\n" : ".",
		                 r.output ? r.output : "");
	else if (r.exit_code != 0 || got != 5)
		*why = xasprintf("%s failed (exit code %d) without a result%s%s",
		                 json_string_value(json_array_get(cmd, 0)), r.exit_code,
		                 r.output && *r.output ? ":\n" : ".", r.output ? r.output : "");
	else if ((*untrusted = b->elapsed > r.wall_s + CLOCK_SLACK || b->elapsed <= 0 ||
	                       b->elapsed < r.wall_s - spec_num(check, "untimed_s", START_SLACK)))
		*why = xasprintf("the benchmark reported %.3f s but the grader timed %.3f s, %d "
		                 "times in a row: its result cannot be trusted", b->elapsed, r.wall_s,
		                 UNTRUSTED_RUNS);
	rc = *why ? -1 : 0;
	if (rc == 0 && tl) {
		char *label = cmd_line(cmd);
		*tl = timeline_read(trace, label);
		free(label);
	}
	sbx_result_free(&r);
	free(env[0]); free(env[1]); free(out); free(trace); free(argv[0]);
	return rc;
}

/* bench_run_once; a run whose report disagrees with the grader's clock is
 * run again: a loaded machine can delay a process's start or end once, a
 * program that rewrites its result does so every time. */
static int bench_run(struct lab_ctx *ctx, json_t *check, json_t *cmd, double timeout_s,
                     struct bench *b, json_t **tl, char **why)
{
	int rc = -1;
	for (int i = 0; i < UNTRUSTED_RUNS; i++) {
		bool untrusted = false;
		free(*why); /* an untrusted run's: its timeline was never read */
		*why = NULL;
		rc = bench_run_once(ctx, check, cmd, timeout_s, b, tl, why, &untrusted);
		if (!untrusted)
			break;
	}
	return rc;
}

/* One interleaved pair; for cpu-bound work also the control pair. Each
 * pair's two timelines go into tl[n]: [candidate, baseline]. */
static int trial(struct lab_ctx *ctx, json_t *check, struct trials *t, json_t **tl, char **why)
{
	double timeout_s = spec_secs(check, "timeout_s", 30);
	long expect = (long)spec_num(check, "work_done", -1);
	struct bench base, cand, cseq, cpar;
	json_t *base_tl = NULL, *cand_tl = NULL;
	if (bench_run(ctx, check, json_object_get(check, "baseline"), timeout_s, &base, &base_tl,
	              why) ||
	    bench_run(ctx, check, json_object_get(check, "candidate"), timeout_s, &cand, &cand_tl,
	              why)) {
		json_decref(base_tl);
		return -1;
	}
	tl[t->n] = cand_tl && base_tl ? json_pack("[o,o]", cand_tl, base_tl) : NULL;
	if (!tl[t->n]) {
		json_decref(cand_tl);
		json_decref(base_tl);
	}
	if (expect >= 0 && cand.work_done != expect) {
		*why = xasprintf("The benchmark counted %ld work items where %ld were due: every "
		                 "task must do its simulated work exactly once.", cand.work_done, expect);
		return 1;
	}
	t->gap_base[t->n] = base.gap;
	t->gap_cand[t->n] = cand.gap;
	t->ratio[t->n] = base.elapsed / cand.elapsed;
	t->inflight[t->n] = cand.max_inflight;
	json_t *control = json_object_get(check, "control");
	if (json_array_size(control) == 2) {
		/* A control whose first program is the baseline reuses its run:
		 * the share is then the student's time against the control's,
		 * in the same trial. */
		bool reuse = json_equal(json_array_get(control, 0), json_object_get(check, "baseline"));
		if (reuse)
			cseq = base;
		else if (bench_run(ctx, check, json_array_get(control, 0), timeout_s, &cseq, NULL, why))
			return -1;
		if (bench_run(ctx, check, json_array_get(control, 1), timeout_s, &cpar, NULL, why))
			return -1;
		t->control[t->n] = cseq.elapsed / cpar.elapsed;
	}
	t->n++;
	return 0;
}

static char *figures(const struct trials *t, const struct speedup_target *g)
{
	double lo, hi, growth[TRIALS_MAX];
	if (g->flat) {
		growth_of(t, growth);
		min_max(growth, t->n, &lo, &hi);
		return xasprintf("growth %.2fx (median of %zu interleaved pairs, min-max %.2f-%.2f); "
		                 "at most %.2fx.", median_of(growth, t->n), t->n, lo, hi, g->target);
	}
	min_max(t->ratio, t->n, &lo, &hi);
	return xasprintf("speedup %.2fx (median of %zu interleaved pairs, min-max %.2f-%.2f); "
	                 "target %s%.2f%s.", median_of(t->ratio, t->n), t->n, lo, hi,
	                 g->cpu_bound ? "" : ">= ", g->target,
	                 g->cpu_bound ? " of the control's speedup" : "x");
}

/* A report that leaves work out: the candidate's runs spent, in the median,
 * more than UNTIMED_MORE longer outside their reported time than the
 * baseline's, which never links student code (measured on the references:
 * 1-10 ms more on average, at most 20 ms in any pair). A destructor that
 * rewrites the report does that; so would code that works before or after
 * the harness's timed part. Not a fact of its own (a pool slow to shut down
 * is not wrong), so the ratio is not judged: inconclusive, with the figures.
 * A spec with "untimed_s" (work outside the timed part on purpose) is judged
 * run by run instead (bench_run). NULL when the report looks whole. */
static char *untimed_more(const struct trials *t, json_t *check)
{
	if (json_object_get(check, "untimed_s"))
		return NULL;
	double more = median_of(t->gap_cand, t->n) - median_of(t->gap_base, t->n);
	if (more <= UNTIMED_MORE)
		return NULL;
	return xasprintf("Your program's runs took %.0f ms longer than the baseline's outside "
	                 "the time they reported (the median of %zu pairs), so the reported "
	                 "time leaves out work it did and cannot be judged: no points. Code in "
	                 "a constructor or destructor, or work left running after the timed "
	                 "part (threads still shutting down), does that.", more * 1e3, t->n);
}

/* The timelines of the trial whose ratio is nearest the median: the run
 * the figures describe. The others are freed. */
static json_t *median_timeline(const struct trials *t, json_t **tl, size_t n)
{
	double med = median_of(t->ratio, t->n);
	size_t best = 0;
	for (size_t i = 1; i < t->n; i++)
		if (fabs(t->ratio[i] - med) < fabs(t->ratio[best] - med))
			best = i;
	json_t *keep = best < n ? json_incref(tl[best]) : NULL;
	for (size_t i = 0; i < n; i++)
		json_decref(tl[i]);
	return keep;
}

void check_speedup(struct lab_ctx *ctx, json_t *check, struct result *rows, size_t n)
{
	struct trials t = { 0 };
	json_t *tl[TRIALS_MAX + 1] = { 0 };
	struct speedup_target g = {
		.cpu_bound = strcmp(spec_str(check, "bound", "sleep"), "cpu") == 0,
		.flat = strcmp(spec_str(check, "bound", "sleep"), "flat") == 0,
		.target = spec_num(check, "target", 1),
		.min_inflight = (long)spec_num(check, "min_inflight", 0),
		.cpus = effective_cpus(),
		.min_control = spec_num(check, "min_control", 1.3),
		.margin = spec_num(check, "margin", MARGIN),
	};
	size_t pairs_min = (size_t)spec_num(check, "pairs_min", 5);
	size_t pairs_max = (size_t)spec_num(check, "pairs_max", 11);
	char *why = NULL;
	int rc = 0;
	(void)n;
	pairs_max = pairs_max > TRIALS_MAX ? TRIALS_MAX : pairs_max;
	while (rc == 0 && t.n < pairs_max &&
	       (t.n < pairs_min || spread_of(t.ratio, t.n) > SPREAD_OK))
		rc = trial(ctx, check, &t, tl, &why);
	char *untimed = rc == 0 ? untimed_more(&t, check) : NULL;
	if (rc != 0) {
		row_set(rows, V_FAIL, xasprintf("The speedup could not be measured: %s", why));
	} else if (untimed) {
		char *fig = figures(&t, &g);
		row_set(rows, V_INCONCLUSIVE, xasprintf("%s %s", fig, untimed));
		rows->distrusted = true; /* the code's own runs, not the machine: never awarded */
		rows->show_on_pass = true;
		free(fig);
	} else {
		char *fig = figures(&t, &g);
		enum verdict v = speedup_judge(&t, &g, &why);
		const char *hint = spec_str(check, "hint", NULL);
		bool show_hint = v == V_FAIL && hint;
		row_set(rows, v, xasprintf("%s %s%s%s", fig, why, show_hint ? "\nHint: " : "",
		                           show_hint ? hint : ""));
		rows->show_on_pass = true;
		free(fig);
	}
	free(untimed);
	rows->timeline = median_timeline(&t, tl, t.n + (rc != 0));
	if (rows->verdict != V_PASS)
		rows->replay = lab_replay(ctx, spec_str(check, "name", "speedup"), -1);
	free(why);
}
