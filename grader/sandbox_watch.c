/* sandbox_watch.c - what the sandbox watches while a run goes on (see
 * sandbox.h): the test processes a runner forks, diagnosed when they stay
 * stuck and stopped when they are frozen or a hang is already known, and,
 * the whole run, stopped when it is frozen (a program, or once a hang is
 * known). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "grader.h"
#include "sandbox_int.h"

#define NEAR_TIMEOUT 0.9  /* a stuck test still alive at this share of its runner's timeout hung */

/* A whole run is watched for being frozen once a hang is known, or when it
 * is a program rather than a runner of tests: a runner waiting for a frozen
 * test looks frozen too, but only its test is to be stopped. */
static bool whole_watched(const struct sbx_opts *o)
{
	return o->frozen_s > 0 && (o->hung || o->stuck_s <= 0);
}

bool sbx_watching(const struct run *run)
{
	return run->o->stuck_s > 0 || whole_watched(run->o);
}

/* One look at w's tree: it stays still while its threads use no CPU and
 * none is found anything but asleep; else it is still from now on. */
static void look(struct sbx_watch *w, const struct sbx_procs *tree, double now)
{
	bool busy;
	unsigned long long cpu = sbx_tree_cpu(tree, &busy);
	if (busy || cpu != w->cpu_ns) {
		w->cpu_ns = cpu;
		w->still_since = now;
	}
}

static bool frozen(const struct run *run, const struct sbx_watch *w, double now)
{
	return run->o->frozen_s > 0 && now - w->still_since >= run->o->frozen_s;
}

/* The watch of process p, made at its first sight; NULL when the table is full. */
static struct sbx_watch *watch_of(struct run *run, const struct sbx_proc *p, double now)
{
	struct sbx_watch *w = NULL;
	for (int i = 0; i < run->nwatch; i++)
		if (run->watch[i].pid == p->pid && run->watch[i].start == p->start)
			return &run->watch[i];
	for (int i = 0; i < run->nwatch && !w; i++) /* the slot of a process that has ended */
		if (run->watch[i].pid == 0)
			w = &run->watch[i];
	if (!w && run->nwatch < SBX_WATCH_MAX)
		w = &run->watch[run->nwatch++];
	if (w) /* its CPU time unknown yet: still from its next look on */
		*w = (struct sbx_watch){ .pid = p->pid, .start = p->start, .still_since = now,
		                         .cpu_ns = ~0ull, .block = -1 };
	return w;
}

/* Still there after the diagnosis (not a zombie)? */
static bool still_runs(const struct sbx_proc *p)
{
	char path[64];
	struct sbx_proc now;
	snprintf(path, sizeof path, "/proc/%d/stat", p->pid);
	return sbx_proc_read(path, &now) == 0 && now.start == p->start && now.state != 'Z';
}

static int add_block(struct sbx_result *r, const char *text, const char *functions, bool stopped)
{
	strappend(&r->stuck, "%s", text);
	r->blocks[r->nblocks] = (struct sbx_stuck){ .text = xstrdup(text), .stopped = stopped,
		.hung = stopped, .functions = xstrdup(functions ? functions : "") };
	return r->nblocks++;
}

/* Time spent diagnosing is not time anything was seen to be still: the
 * output was not drained meanwhile, and a writer may have waited for it. */
static void restart_watches(struct run *run)
{
	double now = sbx_now();
	for (int i = 0; i < run->nwatch; i++)
		run->watch[i].still_since = now;
	run->whole.still_since = now;
}

enum why_stop { LEAVE, STOP_FROZEN, STOP_AFTER_HANG };

/* How long a test may run once a hang is known. */
static double cut_s(const struct sbx_opts *o)
{
	return o->cut_s > 0 && o->cut_s < o->stuck_s ? o->cut_s : o->stuck_s;
}

/* Diagnoses test process p (tree: it and its children). LEAVE lets it run
 * on to its runner's own timeout, which gdb's deadline of 0.7 stuck_s
 * leaves time to reach; otherwise the grader stops it itself. */
static void diagnose_test(struct run *run, const struct sbx_proc *p, const struct sbx_procs *tree,
                          double age, enum why_stop why, struct sbx_watch *w)
{
	const struct sbx_opts *o = run->o;
	char *headline = why == STOP_FROZEN
		? xasprintf(SBX_STUCK_HEAD " after %.1f s, and nothing in it had run for %.1f s: "
		            "the grader stopped it.", age, o->frozen_s)
		: why == STOP_AFTER_HANG
		? xasprintf(SBX_STUCK_HEAD " after %.1f s, once a hang had been found: the grader "
		            "stopped it.", age)
		: xasprintf(SBX_STUCK_HEAD " after %.1f s.", age);
	/* A test to be stopped may take gdb as long as its runner still allows. */
	double gdb_s = o->stuck_s * 0.7, left = o->hang_s - age - 0.4;
	if (why != LEAVE && left > gdb_s)
		gdb_s = left;
	struct sbx_diag_in in = { .procs = tree, .student_files = o->student_files,
	                          .lab_dir = o->lab_dir, .headline = headline, .gdb_s = gdb_s,
	                          .still = why == STOP_FROZEN, .wait_ms = sbx_drain_for,
	                          .ctx = run };
	struct sbx_diag_out out;
	char *text = sbx_diagnose(&in, &out);
	w->diagnosed = true;
	run->r->unread |= out.unread;
	if (why != LEAVE) {
		for (size_t i = 0; i < tree->n; i++)
			kill(tree->p[i].pid, SIGKILL);
		kill(-p->pid, SIGKILL); /* its process group, as its runner would */
		w->block = add_block(run->r, text, out.functions, true);
		run->hung = true;
	} else if (still_runs(p)) {
		w->block = add_block(run->r, text, out.functions, false);
	} /* else it ended meanwhile, slow, not stuck: its text would be taken for the next test's */
	free(text);
	free(out.functions);
	free(headline);
	restart_watches(run);
}

/* The forked processes (a runner's tests): each is diagnosed once, after
 * stuck_s, and stopped when it is frozen or a hang is known. */
static bool watch_tests(struct run *run, const struct sbx_procs *ps, double now)
{
	const struct sbx_opts *o = run->o;
	struct sbx_procs tree = { 0 };
	bool stopped = false;
	for (int i = 0; i < run->nwatch; i++)
		run->watch[i].seen = false;
	for (size_t i = 0; i < ps->n; i++) {
		const struct sbx_proc *p = &ps->p[i];
		struct sbx_watch *w = sbx_is_forked(ps, i) ? watch_of(run, p, now) : NULL;
		if (!w)
			continue;
		w->seen = true;
		sbx_subtree(ps, p->pid, &tree);
		look(w, &tree, now);
		double age = sbx_age_s(p->start);
		if (w->diagnosed) {
			if (w->block >= 0 && o->hang_s > 0 && age >= NEAR_TIMEOUT * o->hang_s)
				run->hung = run->r->blocks[w->block].hung = true;
			continue;
		}
		if (run->r->nblocks == SBX_STUCK_MAX)
			continue;
		enum why_stop why = frozen(run, w, now) ? STOP_FROZEN :
		                    run->hung && age >= cut_s(o) ? STOP_AFTER_HANG : LEAVE;
		if (why != LEAVE || age >= o->stuck_s) {
			diagnose_test(run, p, &tree, age, why, w);
			stopped |= why != LEAVE;
			now = sbx_now();
		}
	}
	for (int i = 0; i < run->nwatch; i++) /* ended: the slot is free */
		if (!run->watch[i].seen)
			run->watch[i].pid = 0;
	free(tree.p);
	return stopped;
}

void sbx_watch_scan(struct run *run)
{
	double now = sbx_now();
	if (!sbx_watching(run) || now < run->next_scan)
		return;
	run->next_scan = now + SBX_SCAN_S;
	struct sbx_procs ps = { 0 }, all = { 0 };
	sbx_descendants(run->since, &ps);
	bool stopped = run->o->stuck_s > 0 && watch_tests(run, &ps, now);
	if (whole_watched(run->o) && !stopped) {
		for (size_t i = 0; i < ps.n; i++)
			if (!sbx_is_wrapper(&ps.p[i]))
				sbx_procs_push(&all, &ps.p[i]);
		look(&run->whole, &all, sbx_now());
		run->frozen = all.n > 0 && frozen(run, &run->whole, sbx_now());
	}
	free(all.p);
	free(ps.p);
}
