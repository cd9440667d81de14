/* diagnose.c - says why a run hangs (it timed out, or a test is stuck): picks
 * the processes to look at, watches their threads for 0.2 s, and tells from
 * what they did and where gdb finds them which of them wait, which wake up
 * and wait again, and which run; then names the student's frames of each
 * thread (diagnose_gdb.c) so the student knows where to look. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "grader.h"
#include "sandbox_int.h"

#define MAX_TARGETS 3
#define MAX_LINES 12              /* thread lines in one diagnosis */
#define GROWING_BYTES (4 << 20)   /* resident memory grown in 0.2 s: still at work */
#define WATCH_MS 200              /* how long the threads are watched */
#define BUSY_NS 20000000ull       /* CPU in WATCH_MS that is work, not waking up to wait */

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

/* Whether process i is a test runner (in->runner: the program's first
 * process) with a test of it still there: the runner only waits for it. */
static bool idle_runner(const struct sbx_diag_in *in, size_t i)
{
	const struct sbx_procs *ps = in->procs;
	for (size_t j = 0; in->runner && j < ps->n; j++)
		if (ps->p[j].ppid == ps->p[i].pid && sbx_is_forked(ps, j))
			return true;
	return false;
}

/* Leaves first: a test runner waiting for its child is not where the bug is. */
static size_t pick_targets(const struct sbx_diag_in *in, struct sbx_proc *out)
{
	const struct sbx_procs *ps = in->procs;
	size_t n = 0;
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < ps->n && n < MAX_TARGETS; i++)
			if (!sbx_is_wrapper(&ps->p[i]) && has_child(ps, ps->p[i].pid) == (pass == 1) &&
			    !idle_runner(in, i))
				out[n++] = ps->p[i];
	return n;
}

static void sample_threads(const struct sbx_proc *procs, size_t n, struct sbx_procs *out)
{
	struct sbx_procs one = { 0 };
	out->n = 0;
	for (size_t i = 0; i < n; i++) {
		sbx_threads_read(procs[i].pid, &one);
		for (size_t j = 0; j < one.n; j++)
			sbx_procs_push(out, &one.p[j]);
	}
	free(one.p);
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

static const struct sbx_proc *thread_in(const struct sbx_procs *t, pid_t tid)
{
	for (size_t i = 0; i < t->n; i++)
		if (t->p[i].pid == tid)
			return &t->p[i];
	return NULL;
}

/* Whether a thread did work while watched: it used the CPU, or it was
 * runnable at both looks (waiting for a CPU on a busy machine). */
static bool busy(const struct sbx_procs *before, const struct sbx_procs *after, pid_t tid)
{
	const struct sbx_proc *a = thread_in(before, tid), *b = thread_in(after, tid);
	if (!a || !b)
		return false;
	return b->cpu_ns >= a->cpu_ns + BUSY_NS || (a->state == 'R' && b->state == 'R');
}

/* A call that sleeps until something happens: a thread found in one waits,
 * whatever CPU it used meanwhile (waking up to look, then sleeping again). */
static bool is_a_wait(const char *fn)
{
	static const char *const parts[] = { "futex", "lll_lock_wait", "sleep", "poll", "select",
		"wait", "pause", "sigsuspend", "accept", "recv", "msgrcv", "semop", "flock", NULL };
	static const char *const whole[] = { "read", "readv", "pread64", "write", "writev",
		"pwrite64", "send", "sendto", "sendmsg", "connect", "open", "openat", NULL };
	const char *name = sbx_api_name(fn);
	for (size_t i = 0; parts[i]; i++)
		if (strstr(name, parts[i]))
			return true;
	for (size_t i = 0; whole[i]; i++)
		if (!strcmp(name, whole[i]))
			return true;
	return false;
}

/* ---- saying what each thread does ---- */

/* What a thread does, without its number: "waits in X, called from f (f.c:9)". */
static void doing(const struct sbx_thread *t, bool plural, char *out, size_t len)
{
	bool waits = t->pace != SBX_RUNS;
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
static void holder_words(const struct sbx_thread *bt, size_t n, size_t i, bool all_known,
                         char *out, size_t len)
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
		doing(&bt[j], false, what, sizeof what);
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
static int describe_threads(char **text, const struct sbx_thread *bt, size_t n, int budget)
{
	bool *done = calloc(n + 1, 1), all_known = true;
	int *nums = calloc(n + 1, sizeof *nums), lines = 0;
	struct line_of *l = calloc(n + 1, sizeof *l);
	char one[400];
	for (size_t i = 0; i < n; i++)
		all_known = all_known && bt[i].nstid;
	for (size_t i = 0; l && i < n; i++) {
		doing(&bt[i], false, one, sizeof one);
		doing(&bt[i], true, l[i].plural, sizeof l[i].plural);
		holder_words(bt, n, i, all_known, l[i].holder, sizeof l[i].holder);
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

/* ---- the diagnosis ---- */

/* One process looked at: its threads as gdb saw them, or why not. */
struct look {
	const struct sbx_proc *p;
	struct sbx_gdb g;
	bool valgrind;
};

/* gdb's threads of each process, each told waiting, waking or running. */
static void take_stacks(struct look *looks, size_t n, const struct sbx_diag_in *in,
                        const struct sbx_procs *before, const struct sbx_procs *after)
{
	double gdb_end = in->gdb_s > 0 ? sbx_now() + in->gdb_s : 0; /* one deadline for all */
	for (size_t i = 0; i < n; i++) {
		looks[i].valgrind = is_valgrind(looks[i].p);
		if (looks[i].valgrind)
			continue;
		sbx_gdb_take(looks[i].p->pid, in->student_files, in->lab_dir, gdb_end, &looks[i].g);
		for (size_t j = 0; j < looks[i].g.n; j++) {
			struct sbx_thread *t = &looks[i].g.t[j];
			t->pace = !busy(before, after, t->lwp) ? SBX_WAITS :
			          is_a_wait(t->inner.fn) ? SBX_WAKES : SBX_RUNS;
		}
	}
}

/* What the threads did, all told: the most active of them (waiting, then
 * waking, then running), from gdb's threads, or from the thread states
 * alone where gdb read no stack. The student's threads are told apart from
 * the harness's: a harness that polls for a result is not a student's loop. */
struct pace_of {
	enum sbx_pace mine, all;
	bool any_mine;
};

static void raise_pace(enum sbx_pace *to, enum sbx_pace p)
{
	*to = p > *to ? p : *to;
}

static struct pace_of overall(const struct look *looks, size_t n, const struct sbx_procs *before,
                              const struct sbx_procs *after)
{
	struct pace_of o = { SBX_WAITS, SBX_WAITS, false };
	bool read_any = false;
	for (size_t i = 0; i < n; i++) {
		for (size_t j = 0; j < looks[i].g.n; j++) {
			const struct sbx_thread *t = &looks[i].g.t[j];
			bool harness = !t->has_mine && t->has_lab;
			read_any = true;
			raise_pace(&o.all, t->pace);
			if (!harness)
				raise_pace(&o.mine, t->pace);
			o.any_mine |= !harness;
		}
	}
	for (size_t k = 0; !read_any && k < after->n; k++)
		if (busy(before, after, after->p[k].pid))
			o.all = SBX_RUNS;
	if (!o.any_mine)
		o.mine = o.all;
	return o;
}

static const char *verdict(struct pace_of o)
{
	if (o.mine == SBX_RUNS)
		return " It looks like an infinite loop or livelock: threads are running but never finish.\n";
	if (o.mine == SBX_WAKES)
		return " It looks like a polling loop that never ends: threads wake up, look again and "
		       "go back to waiting, for something that never comes.\n";
	if (o.all != SBX_WAITS)
		return " Every thread of yours is waiting: a deadlock or a lost wake-up (the lab's "
		       "threads, marked (harness), keep checking whether yours are done).\n";
	return " Every thread is waiting: a deadlock or a lost wake-up.\n";
}

/* Appends one process's threads; returns the lines added. */
static int describe_look(char **text, const struct look *lk, int budget)
{
	if (lk->valgrind) {
		strappend(text, "  (it runs under Valgrind, whose threads gdb cannot read: where "
		          "each thread waits is not shown)\n");
		return 1;
	}
	int lines = 0;
	if (lk->g.n == 0) {
		strappend(text, "  (the threads' stacks could not be read: %s)\n", lk->g.why);
		lines = 1;
	}
	return lines + describe_threads(text, lk->g.t, lk->g.n, budget - lines);
}

char *sbx_diagnose(const struct sbx_diag_in *in, struct sbx_diag_out *out)
{
	struct sbx_proc targets[MAX_TARGETS];
	struct look looks[MAX_TARGETS] = { 0 };
	struct sbx_procs before = { 0 }, after = { 0 };
	struct sbx_diag_out none;
	size_t n = pick_targets(in, targets);
	char *text = xstrdup(in->headline);
	out = out ? out : &none;
	*out = (struct sbx_diag_out){ .functions = xstrdup("") };
	if (n == 0)
		strappend(&text, " No program of yours was still running.\n");
	sample_threads(targets, n, &before);
	unsigned long long mem = resident(targets, n);
	in->wait_ms(in->ctx, n && !in->still ? WATCH_MS : 0);
	sample_threads(targets, n, &after);
	unsigned long long grown = resident(targets, n);
	grown = grown > mem ? grown - mem : 0;
	for (size_t i = 0; i < n; i++)
		looks[i].p = &targets[i];
	take_stacks(looks, n, in, &before, &after);
	struct pace_of pace = overall(looks, n, &before, &after);
	out->blocked = pace.mine == SBX_WAITS;
	out->growing = grown >= GROWING_BYTES;
	if (n > 0 && out->growing)
		strappend(&text, " It was still taking memory (%llu MiB more in 0.2 s): it may be slow "
		          "rather than stuck, or it takes memory without end.\n", grown >> 20);
	else if (n > 0)
		strappend(&text, "%s", verdict(pace));
	int lines = 0;
	for (size_t i = 0; i < n; i++) {
		if (n > 1 && lines < MAX_LINES)
			strappend(&text, "  process %d (%s):\n", targets[i].pid, targets[i].comm);
		if (lines < MAX_LINES)
			lines += describe_look(&text, &looks[i], MAX_LINES - lines);
		out->unread |= !looks[i].valgrind && looks[i].g.n == 0;
		strappend(&out->functions, "%s", looks[i].g.functions ?
		          looks[i].g.functions + (out->functions[0] != 0) : "");
		sbx_gdb_free(&looks[i].g);
	}
	free(before.p);
	free(after.p);
	if (out == &none)
		free(none.functions);
	return text;
}
