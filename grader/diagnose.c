/* diagnose.c - says why a run hangs (it timed out, or a test is stuck): picks
 * the processes to look at, tells blocked threads from running ones, and
 * names the student's frames in each thread's backtrace (taken with gdb) so
 * the student knows where to look. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
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

#define MAX_TARGETS 3
#define MAX_LINES 12              /* thread lines in one diagnosis */
#define GROWING_BYTES (4 << 20)   /* resident memory grown in 0.2 s: still at work */

/* ---- which processes to look at, and are they blocked ---- */

/* Valgrind runs the program inside its own process ("helgrind-amd64-"):
 * its thread states are the program's, but gdb sees only Valgrind's frames. */
static bool is_valgrind(const struct sbx_proc *p)
{
	return strstr(p->comm, "valgrind") || strstr(p->comm, "-amd64-") ||
	       strstr(p->comm, "-x86-") || strstr(p->comm, "-arm64-");
}

static bool has_child(const struct sbx_procs *ps, pid_t pid)
{
	for (size_t i = 0; i < ps->n; i++)
		if (ps->p[i].ppid == pid && !sbx_is_wrapper(&ps->p[i]))
			return true;
	return false;
}

/* Leaves first: a test runner waiting for its child is not where the bug is. */
static size_t pick_targets(const struct sbx_procs *ps, struct sbx_proc *out)
{
	size_t n = 0;
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < ps->n && n < MAX_TARGETS; i++)
			if (!sbx_is_wrapper(&ps->p[i]) && has_child(ps, ps->p[i].pid) == (pass == 1))
				out[n++] = ps->p[i];
	return n;
}

static void sample_threads(const struct sbx_proc *procs, size_t n, struct sbx_procs *out)
{
	struct sbx_procs one = { 0 };
	char dir[64];
	out->n = 0;
	for (size_t i = 0; i < n; i++) {
		snprintf(dir, sizeof dir, "/proc/%d/task", procs[i].pid);
		sbx_procs_read_dir(dir, &one);
		for (size_t j = 0; j < one.n; j++)
			sbx_procs_push(out, &one.p[j]);
	}
	free(one.p);
}

static unsigned long long total_cpu(const struct sbx_procs *t)
{
	unsigned long long sum = 0;
	for (size_t i = 0; i < t->n; i++)
		sum += t->p[i].cpu;
	return sum;
}

/* Resident memory of the processes, in bytes. */
static unsigned long long resident(const struct sbx_proc *procs, size_t n)
{
	unsigned long long sum = 0, pages;
	char path[64];
	for (size_t i = 0; i < n; i++) {
		snprintf(path, sizeof path, "/proc/%d/statm", procs[i].pid);
		FILE *f = fopen(path, "re");
		if (f && fscanf(f, "%*u %llu", &pages) == 1)
			sum += pages * (unsigned long long)sysconf(_SC_PAGESIZE);
		if (f)
			fclose(f);
	}
	return sum;
}

static char thread_state(const struct sbx_procs *t, pid_t tid)
{
	for (size_t i = 0; i < t->n; i++)
		if (t->p[i].pid == tid)
			return t->p[i].state;
	return '?';
}

/* ---- saying what each thread does ---- */

/* What a thread does, without its number: "waits in X, called from f (f.c:9)". */
static void doing(const struct sbx_thread *t, char state, bool plural, char *out, size_t len)
{
	bool waits = state == 'S' || state == 'D';
	const char *verb = waits ? (plural ? "wait in" : "waits in") : (plural ? "are in" : "is in");
	bool harness = !t->has_mine && t->has_lab;
	const struct sbx_frame *m = harness ? &t->lab : &t->mine;
	const struct sbx_frame *prev = harness ? &t->lab_prev : &t->prev;
	if ((t->has_mine || harness) && !prev->fn[0])
		snprintf(out, len, "%s %s (%s:%d)", plural ? "run in" : "runs in", m->fn, m->file, m->line);
	else if (t->has_mine || harness)
		snprintf(out, len, "%s %s, called from %s (%s:%d)", verb, sbx_api_name(prev->fn),
		         m->fn, m->file, m->line);
	else if (strcmp(t->inner.fn, "??"))
		snprintf(out, len, "%s %s", verb, sbx_api_name(t->inner.fn));
	else
		snprintf(out, len, "%s code without debug symbols", verb);
}

static const char *tag(const struct sbx_thread *t)
{
	return !t->has_mine && t->has_lab ? " (harness)" : "";
}

/* Who holds the mutex thread i waits for: "; the lock is held by thread 3
 * itself" or "; the lock is held by thread 2, which waits in ...". */
static void holder_words(const struct sbx_thread *bt, size_t n, size_t i,
                         const struct sbx_procs *threads, bool all_known, char *out, size_t len)
{
	char what[400];
	out[0] = 0;
	if (!bt[i].holder)
		return;
	for (size_t j = 0; j < n; j++) {
		if (bt[j].nstid != bt[i].holder)
			continue;
		if (j == i) {
			int k = snprintf(out, len, "; the lock is held by thread %d itself", bt[i].num);
			if (bt[i].has_outer && k > 0 && (size_t)k < len) /* where it may have taken it */
				snprintf(out + k, len - k, " (%s was called from %s (%s:%d))", bt[i].mine.fn,
				         bt[i].outer.fn, bt[i].outer.file, bt[i].outer.line);
			return;
		}
		doing(&bt[j], thread_state(threads, bt[j].lwp), false, what, sizeof what);
		snprintf(out, len, "; the lock is held by thread %d%s, which %s", bt[j].num, tag(&bt[j]),
		         what);
		return;
	}
	if (all_known)
		snprintf(out, len, "; the lock is held by a thread that has ended without unlocking it");
}

/* "3, 7-13, 15": thread numbers, ascending. */
static char *ranges(const int *nums, size_t n)
{
	char *out = xstrdup("");
	for (size_t i = 0, j; i < n; i = j + 1) {
		for (j = i; j + 1 < n && nums[j + 1] == nums[j] + 1; j++)
			;
		if (j > i)
			strappend(&out, "%s%d-%d", i ? ", " : "", nums[i], nums[j]);
		else
			strappend(&out, "%s%d", i ? ", " : "", nums[i]);
	}
	return out;
}

struct line_of {
	char key[1000];   /* tag, singular words, holder: threads with the same key share a line */
	char plural[400];
	char holder[600];
};

/* One line per thing threads do, main first ("threads 2-9, 12 wait in ..."),
 * so that among many the one thread doing something else stands out. */
static int describe_threads(char **text, const struct sbx_thread *bt, size_t n,
                            const struct sbx_procs *threads, int budget)
{
	bool *done = calloc(n + 1, 1), all_known = true;
	int *nums = calloc(n + 1, sizeof *nums), lines = 0;
	struct line_of *l = calloc(n + 1, sizeof *l);
	char one[400];
	for (size_t i = 0; i < n; i++)
		all_known = all_known && bt[i].nstid;
	for (size_t i = 0; l && i < n; i++) {
		char state = thread_state(threads, bt[i].lwp);
		doing(&bt[i], state, false, one, sizeof one);
		doing(&bt[i], state, true, l[i].plural, sizeof l[i].plural);
		holder_words(bt, n, i, threads, all_known, l[i].holder, sizeof l[i].holder);
		snprintf(l[i].key, sizeof l[i].key, "%s %s%s", tag(&bt[i]), one, l[i].holder);
	}
	/* gdb lists the newest thread first; students number threads from main. */
	for (size_t i = n; done && nums && l && i-- > 0 && lines < budget;) {
		size_t count = 0;
		if (done[i])
			continue;
		for (size_t j = i + 1; j-- > 0;) {
			if (!done[j] && !strcmp(l[i].key, l[j].key)) {
				done[j] = true;
				nums[count++] = bt[j].num;
			}
		}
		if (count == 1) {
			strappend(text, "  thread %d%s\n", nums[0], l[i].key);
		} else {
			char *which = ranges(nums, count);
			strappend(text, "  threads %s%s %s%s\n", which, tag(&bt[i]), l[i].plural,
			          l[i].holder);
			free(which);
		}
		lines++;
	}
	free(done);
	free(nums);
	free(l);
	return lines;
}

/* Appends the threads of one process; returns the lines added. Its lab
 * functions go into *functions. */
static int describe_process(char **text, const struct sbx_proc *p, const struct sbx_diag_in *in,
                            const struct sbx_procs *threads, int budget, double gdb_end,
                            char **functions)
{
	if (is_valgrind(p)) {
		strappend(text, "  (it runs under Valgrind, so the threads' stacks are not shown: "
		          "run it without Valgrind to see them)\n");
		return 1;
	}
	struct sbx_gdb g;
	int lines = 0;
	sbx_gdb_take(p->pid, in->student_files, in->lab_dir, gdb_end, &g);
	strappend(functions, "%s", g.functions + (**functions != 0));
	if (g.n == 0) {
		strappend(text, "  (the threads' stacks could not be read: %s)\n", g.why);
		lines = 1;
	}
	lines += describe_threads(text, g.t, g.n, threads, budget - lines);
	sbx_gdb_free(&g);
	return lines;
}

char *sbx_diagnose(const struct sbx_diag_in *in, struct sbx_diag_out *out)
{
	struct sbx_proc targets[MAX_TARGETS];
	struct sbx_procs before = { 0 }, after = { 0 };
	struct sbx_diag_out none;
	size_t n = pick_targets(in->procs, targets);
	char *text = xstrdup(in->headline);
	out = out ? out : &none;
	*out = (struct sbx_diag_out){ 0 };
	if (n == 0) {
		strappend(&text, " No program of yours was still running.\n");
		return text;
	}
	sample_threads(targets, n, &before);
	unsigned long long mem = resident(targets, n);
	in->wait_ms(in->ctx, 200);
	sample_threads(targets, n, &after);
	unsigned long long grown = resident(targets, n);
	grown = grown > mem ? grown - mem : 0;
	bool running = total_cpu(&after) >= total_cpu(&before) + 2;
	for (size_t i = 0; i < after.n; i++)
		running = running || (after.p[i].state == 'R' && thread_state(&before, after.p[i].pid) == 'R');
	out->blocked = !running;
	out->growing = grown >= GROWING_BYTES;
	if (out->growing)
		strappend(&text, " It was still taking memory (%llu MiB more in 0.2 s): it may be slow "
		          "rather than stuck, or it takes memory without end.\n", grown >> 20);
	else
		strappend(&text, running
		          ? " It looks like an infinite loop or livelock: threads are running but never finish.\n"
		          : " It looks like a deadlock or a wait that is never signalled: every thread is blocked.\n");
	int lines = 0;
	double gdb_end = in->gdb_s > 0 ? sbx_now() + in->gdb_s : 0; /* one deadline for all */
	out->functions = xstrdup("");
	for (size_t i = 0; i < n && lines < MAX_LINES; i++) {
		if (n > 1)
			strappend(&text, "  process %d (%s):\n", targets[i].pid, targets[i].comm);
		lines += describe_process(&text, &targets[i], in, &after, MAX_LINES - lines, gdb_end,
		                          &out->functions);
	}
	free(before.p);
	free(after.p);
	if (out == &none)
		free(none.functions);
	return text;
}
