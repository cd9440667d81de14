/* sandbox.c - runs student code (see sandbox.h): prepares the run and
 * spawns it (sandbox_setup.c, sandbox_child.c), then collects its output
 * under a cap while sandbox_watch.c looks at stuck and frozen processes,
 * stops it at the wall deadline (or frozen) with a diagnosis, and kills the
 * whole tree. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "grader.h"
#include "sandbox_int.h"

#define FLOOD_BYTES (16L << 20)   /* more output than this stops the run */
#define KILL_ROUNDS 1000          /* 10 ms each: give up on unkillable processes after 10 s */

double sbx_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* ---- running ---- */

static void take_output(struct run *run)
{
	char chunk[64 * 1024];
	ssize_t n = read(run->out_fd, chunk, sizeof chunk);
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0) { /* every writer is gone, or the pipe broke */
		close(run->out_fd);
		run->out_fd = -1;
		return;
	}
	size_t keep = (size_t)n < run->cap - run->len ? (size_t)n : run->cap - run->len;
	memcpy(run->buf + run->len, chunk, keep);
	run->len += keep;
	run->total += n;
	if ((size_t)run->total > run->cap)
		run->r->output_truncated = true;
}

static void reap(struct run *run, pid_t pid)
{
	if (pid != run->child)
		waitpid(pid, NULL, WNOHANG);
	else if (!run->reaped && waitpid(pid, &run->status, WNOHANG) == pid)
		run->reaped = true;
}

void sbx_drain_for(void *ctx, int ms)
{
	struct run *run = ctx;
	double end = sbx_now() + ms / 1000.0, left;
	while ((left = end - sbx_now()) > 0) {
		struct pollfd pf = { run->out_fd, POLLIN, 0 };
		if (poll(&pf, 1, (int)ceil(left * 1000)) > 0)
			take_output(run);
	}
}

/* At the deadline, or frozen: diagnosed, to be killed. */
static void on_timeout(struct run *run)
{
	struct sbx_procs ps = { 0 };
	const struct sbx_opts *o = run->o;
	run->r->timed_out = true;
	run->r->frozen = run->frozen;
	if (!o->diagnose)
		return;
	sbx_descendants(run->since, &ps);
	char *headline = run->frozen
		? xasprintf("was stopped after %.1f s, nothing in it having run for %.1f s.",
		            sbx_now() - run->t0, o->frozen_s)
		: xasprintf("timed out after %.1f s.", o->timeout_s);
	struct sbx_diag_in in = { .procs = &ps, .student_files = o->student_files,
	                          .lab_dir = o->lab_dir, .headline = headline,
	                          .still = run->frozen, .runner = o->stuck_s > 0,
	                          .wait_ms = sbx_drain_for, .ctx = run };
	struct sbx_diag_out out;
	run->r->diagnosis = sbx_diagnose(&in, &out);
	run->r->blocked = out.blocked;
	run->r->growing = out.growing;
	run->r->unread |= out.unread;
	run->r->functions = out.functions;
	free(headline);
	free(ps.p);
}

/* Collects output until the main process ends, the deadline passes or the
 * output floods. A process that closed its stdout is still waited for. */
static void pump(struct run *run)
{
	while (!run->reaped && run->total <= FLOOD_BYTES) {
		double left = run->deadline - sbx_now();
		if (left <= 0 || run->frozen) {
			on_timeout(run);
			return;
		}
		struct pollfd pf[2] = { { run->out_fd, POLLIN, 0 }, { run->pidfd, POLLIN, 0 } };
		int ms = (int)ceil(left * 1000);
		if (run->pidfd < 0 && ms > 20) /* no pidfd: notice the exit by polling */
			ms = 20;
		if (sbx_watching(run) && ms > SBX_SCAN_S * 1000)
			ms = SBX_SCAN_S * 1000;
		if (poll(pf, 2, ms) > 0 && pf[0].revents)
			take_output(run);
		reap(run, run->child);
		if (!run->reaped)
			sbx_watch_scan(run);
	}
	if (run->total > FLOOD_BYTES)
		run->r->flooded = true;
}

/* ---- nothing left behind ---- */

static size_t kill_cgroup(const struct run *run)
{
	size_t n = 0;
	long pid;
	FILE *f = run->cg_procs ? fopen(run->cg_procs, "re") : NULL;
	while (f && fscanf(f, "%ld", &pid) == 1 && ++n)
		kill((pid_t)pid, SIGKILL);
	if (f)
		fclose(f);
	return n;
}

static size_t kill_listed(struct run *run, struct sbx_procs *ps)
{
	size_t n = sbx_descendants(run->since, ps);
	for (size_t i = 0; i < n; i++) {
		if (ps->p[i].state != 'Z')
			kill(ps->p[i].pid, SIGKILL);
		/* Orphans come to us (subreaper): their zombies are ours to reap. */
		if (ps->p[i].ppid == run->parent)
			reap(run, ps->p[i].pid);
	}
	return n;
}

/* SIGKILL (a student may ignore SIGTERM) to the session, the cgroup and every
 * descendant, until none is left: daemons and double forks included. */
static void kill_tree(struct run *run)
{
	struct sbx_procs ps = { 0 };
	for (int round = 0; round < KILL_ROUNDS; round++) {
		if (!run->reaped) /* the session's group id is the child's pid while it lives */
			kill(-run->child, SIGKILL);
		size_t left = kill_cgroup(run) + kill_listed(run, &ps);
		reap(run, run->child);
		if (left == 0 && run->reaped)
			break;
		usleep(round < 20 ? 1000 : 10000);
	}
	free(ps.p);
	/* Writers are dead: what is left in the pipe comes quickly. */
	for (double end = sbx_now() + 1; run->out_fd >= 0 && sbx_now() < end;) {
		struct pollfd pf = { run->out_fd, POLLIN, 0 };
		if (poll(&pf, 1, 100) > 0)
			take_output(run);
	}
}

static void finish(struct run *run, bool use_bwrap)
{
	struct sbx_result *r = run->r;
	int st = run->status;
	r->wall_s = sbx_now() - run->t0;
	r->exit_code = -1;
	if (!run->reaped) {
		r->term_signal = SIGKILL;
		strappend(&r->output, "\n[sandbox: some processes could not be killed]\n");
	} else if (WIFSIGNALED(st)) {
		r->term_signal = WTERMSIG(st);
	} else if (use_bwrap && WEXITSTATUS(st) > 128 && WEXITSTATUS(st) < 128 + 32) {
		/* bwrap reports a child killed by signal N as exit 128+N. */
		r->term_signal = WEXITSTATUS(st) - 128;
	} else {
		r->exit_code = WEXITSTATUS(st);
	}
}

static void run_free(struct run *run)
{
	sbx_unprepare(run);
	if (run->pidfd >= 0)
		close(run->pidfd);
	if (run->out_fd >= 0)
		close(run->out_fd);
}

static int run_with(struct run *run, bool use_bwrap)
{
	char *why = NULL;
	struct sbx_result *r = run->r;
	int rc = sbx_prepare(run, use_bwrap, &why);
	if (rc == 0) {
		run->deadline = sbx_now() + run->o->timeout_s;
		rc = sbx_spawn(run, &why);
	}
	if (rc == 0) {
		pump(run);
		kill_tree(run);
		run->buf[run->len] = 0;
		r->output = run->buf;
		finish(run, use_bwrap);
	} else {
		free(run->buf);
		r->output = why;
		r->exit_code = -1;
	}
	run_free(run);
	return rc;
}

int sbx_run(const struct sbx_opts *o, struct sbx_result *r)
{
	struct run run = { .o = o, .r = r, .pidfd = -1, .out_fd = -1, .hung = o->hung,
	                   .whole = { .cpu_ns = ~0ull } };
	memset(r, 0, sizeof *r);
	return run_with(&run, sbx_use_bwrap());
}

void sbx_result_free(struct sbx_result *r)
{
	free(r->output);
	free(r->diagnosis);
	free(r->stuck);
	free(r->functions);
	r->output = r->diagnosis = r->stuck = r->functions = NULL;
	for (int i = 0; i < r->nblocks; i++) {
		free(r->blocks[i].text);
		free(r->blocks[i].functions);
	}
	r->nblocks = 0;
}

