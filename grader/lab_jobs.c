/* lab_jobs.c - a lab's untimed checks at once, each job in a process and a
 * scratch copy of its own (see lab_jobs.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "lab_jobs.h"
#include "progress.h"
#include "rows_io.h"
#include "scheduler.h"

struct job {
	size_t span0, nspans;  /* spans[span0 .. span0+nspans): consecutive rows */
};

struct jobs {
	struct lab_ctx *ctx;
	const struct check_span *spans;
	struct job *job;
	size_t njobs;
	char *dir;             /* the rows each job hands back */
	span_done_fn *done;
	enum span_end *ends;   /* how each span ended */
};


static bool is_hidden(const struct check_span *s)
{
	return strcmp(spec_str(s->check, "kind", ""), "hidden") == 0;
}

/* The job's rows: from its first span's first row to its last span's last. */
static void job_rows(const struct jobs *J, size_t t, size_t *row, size_t *n)
{
	const struct check_span *a = &J->spans[J->job[t].span0];
	const struct check_span *z = a + J->job[t].nspans - 1;
	*row = a->row;
	*n = z->row + z->n - a->row;
}

static char *job_path(const struct jobs *J, size_t t, const char *what)
{
	return xasprintf("%s/job-%zu.%s", J->dir, t, what);
}

/* The scratch this job's code runs in: a copy of the built one, whose
 * debug paths (LAB_DEBUG_ROOT) name no folder, so they hold in the copy. */
static int own_scratch(struct lab_ctx *ctx)
{
	char *copy;
	if (lab_snapshot(ctx, &copy) < 0)
		return -1;
	ctx->scratch = copy;
	ctx->labdir = xasprintf("%s/labs/%s", copy, ctx->lab);
	ctx->outdir = xasprintf("%s/build/labs/%s", copy, ctx->lab);
	return 0;
}

/* In the job's process (scheduler.h's task). */
static void job_run(size_t t, void *arg)
{
	struct jobs *J = arg;
	struct lab_ctx *ctx = J->ctx;
	const struct check_span *s = &J->spans[J->job[t].span0];
	progress_start_tasks(PROGRESS_NONE); /* the parent says what is done */
	sbx_set_worker(sched_worker());
	sched_turn(false);
	if (!is_hidden(s))
		ctx->snapshot = NULL; /* the hidden job's, not this one's to remove */
	ctx->unread = false;
	if (own_scratch(ctx) < 0) {
		sched_end_turn();
		return; /* no rows handed back: the parent says the job failed */
	}
	for (size_t k = 0; k < J->job[t].nspans; k++, s++) {
		double t0 = clock_s();
		check_kind(spec_str(s->check, "kind", ""))(ctx, s->check, &ctx->rs->rows[s->row], s->n);
		double sec = clock_s() - t0;
		for (size_t i = 0; i < s->n; i++)
			ctx->rs->rows[s->row + i].seconds = sec / s->n;
	}
	size_t row, n;
	job_rows(J, t, &row, &n);
	char *rows = job_path(J, t, "json"), *hung = job_path(J, t, "hung");
	char *unread = job_path(J, t, "unread");
	rows_save(rows, ctx->rs, row, n);
	FILE *f = ctx->hung ? fopen(hung, "w") : NULL;
	if (f)
		fclose(f);
	if ((f = ctx->unread ? fopen(unread, "w") : NULL))
		fclose(f);
	free(rows);
	free(hung);
	free(unread);
	lab_unstage(ctx);
	sched_end_turn();
}

/* In this process, as a job ends. */
static void job_end(size_t t, int status, void *arg)
{
	struct jobs *J = arg;
	struct lab_ctx *ctx = J->ctx;
	size_t row, n;
	job_rows(J, t, &row, &n);
	char *rows = job_path(J, t, "json"), *hung = job_path(J, t, "hung");
	char *unread = job_path(J, t, "unread");
	/* Stacks gdb could not read beside the other checks are read again with
	 * the machine to itself: the rows stay as planned, the span is redone. */
	bool redo = access(unread, F_OK) == 0;
	enum span_end end = redo ? SPAN_REDO : access(hung, F_OK) == 0 ? SPAN_HUNG : SPAN_DONE;
	if (!redo && rows_load(rows, ctx->rs, row, n) < 0)
		rows_fail(&ctx->rs->rows[row], n, V_ERROR, "The grader's process for this check "
		          "stopped before it handed back its results.");
	(void)status;
	unlink(rows);
	unlink(hung);
	unlink(unread);
	free(rows);
	free(hung);
	free(unread);
	const struct check_span *s = &J->spans[J->job[t].span0];
	for (size_t k = 0; k < J->job[t].nspans; k++, s++) {
		J->ends[J->job[t].span0 + k] = end;
		if (redo)
			continue;
		double sec = 0;
		for (size_t i = 0; i < s->n; i++)
			sec += ctx->rs->rows[s->row + i].seconds;
		J->done(ctx, s, sec);
	}
}

static bool is_memory(const struct check_span *s)
{
	return strcmp(spec_str(s->check, "kind", ""), "memory") == 0;
}

/* A job a check, but the hidden checks together: they share one stage.
 * The memory checks start first: they run the unit tests again, two or
 * three times slower under the sanitizers, and a hang there costs a second
 * a test, so started last one would set the lab's time alone. */
static size_t plan_jobs(const struct check_span *spans, size_t nspans, struct job *job)
{
	size_t n = 0;
	for (int memory = 1; memory >= 0; memory--)
		for (size_t i = 0; i < nspans; i++) {
			if (is_memory(&spans[i]) != memory)
				continue;
			if (n > 0 && is_hidden(&spans[i]) && is_hidden(&spans[job[n - 1].span0]) &&
			    job[n - 1].span0 + job[n - 1].nspans == i)
				job[n - 1].nspans++;
			else
				job[n++] = (struct job){ i, 1 };
		}
	return n;
}

bool lab_jobs_run(struct lab_ctx *ctx, const struct check_span *spans, size_t nspans,
                  int slots, span_done_fn *done, enum span_end *ends)
{
	const char *tmp = getenv("TMPDIR");
	struct jobs J = { .ctx = ctx, .spans = spans, .done = done, .ends = ends,
	                  .dir = xasprintf("%s/grader-jobs.XXXXXX", tmp && *tmp ? tmp : "/tmp") };
	if (!mkdtemp(J.dir)) {
		free(J.dir);
		return false;
	}
	J.job = calloc(nspans + 1, sizeof *J.job);
	J.njobs = plan_jobs(spans, nspans, J.job);
	struct sched_ops ops = { .ntasks = J.njobs, .run = job_run, .done = job_end, .arg = &J };
	sched_run(&ops, slots);
	rmdir(J.dir);
	free(J.dir);
	free(J.job);
	return true;
}

/* ---- parts of one check at once (lab_parts_run) ---- */

struct parts {
	struct lab_ctx *ctx;
	size_t row, nrows;
	part_fn *part;
	void *arg;
	char *dir;
};

static void part_run(size_t i, void *arg)
{
	struct parts *P = arg;
	struct lab_ctx *ctx = P->ctx;
	progress_start_tasks(PROGRESS_NONE);
	sched_turn(false);
	ctx->snapshot = NULL; /* not a part's to use or remove */
	if (own_scratch(ctx) == 0) {
		int result = P->part(ctx, i, P->arg);
		char *rows = xasprintf("%s/part-%zu.json", P->dir, i);
		char *end = xasprintf("%s/part-%zu.end", P->dir, i);
		FILE *f = fopen(end, "w");
		if (f && rows_save(rows, ctx->rs, P->row, P->nrows) == 0)
			fprintf(f, "%d\n", result);
		if (f)
			fclose(f);
		free(rows);
		free(end);
		lab_unstage(ctx);
	}
	sched_end_turn();
}

static void part_end(size_t i, int status, void *arg)
{
	(void)i; (void)status; (void)arg; /* read in order once all ended */
}

/* Part i's rows and result, handed to back; -1 for a part that left none. */
static void part_back(struct parts *P, size_t i, part_back_fn *back)
{
	struct results got = { .rows = calloc(P->nrows + 1, sizeof *got.rows), .n = P->nrows };
	char *rows = xasprintf("%s/part-%zu.json", P->dir, i);
	char *end = xasprintf("%s/part-%zu.end", P->dir, i);
	FILE *f = fopen(end, "r");
	int result = -1;
	if (!f || fscanf(f, "%d", &result) != 1 ||
	    rows_load(rows, &got, 0, P->nrows) < 0)
		result = -1;
	if (f)
		fclose(f);
	back(P->ctx, i, result < 0 ? NULL : got.rows, result, P->arg);
	for (size_t k = 0; k < P->nrows; k++) {
		struct result *r = &got.rows[k];
		free(r->id); free(r->name); free(r->output); free(r->replay); free(r->raw);
		json_decref(r->timeline);
	}
	free(got.rows);
	unlink(rows);
	unlink(end);
	free(rows);
	free(end);
}

bool lab_parts_run(struct lab_ctx *ctx, size_t nparts, int slots, size_t row, size_t nrows,
                   part_fn *part, part_back_fn *back, void *arg)
{
	const char *tmp = getenv("TMPDIR");
	struct parts P = { ctx, row, nrows, part, arg,
	                   xasprintf("%s/grader-parts.XXXXXX", tmp && *tmp ? tmp : "/tmp") };
	if (!mkdtemp(P.dir)) {
		free(P.dir);
		return false;
	}
	struct sched_ops ops = { .ntasks = nparts, .run = part_run, .done = part_end, .arg = &P };
	sched_run(&ops, slots);
	for (size_t i = 0; i < nparts; i++)
		part_back(&P, i, back);
	rmdir(P.dir);
	free(P.dir);
	return true;
}
