/* schedule_report.c - what the controlled scheduler says when a test fails
 * under it: the last steps before the failure, each thread at its line of
 * the program, and for a deadlock which thread holds which lock and waits
 * for which. Lines are read from the program's debug information by
 * addr2line (binutils), once, at the failure. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "common.h"
#include "schedule.h"

#include <dlfcn.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SHOWN_STEPS 16
#define MSG_MAX 4096

/* "bank.c:41 (bank_transfer)": a step's first frame outside common/. */
struct place {
	char words[160];
};

/* A file of common/ itself (its wrappers, the scheduler, the harness's
 * helpers), not of a lab or of common/'s tests. */
static bool of_common(const char *path)
{
	const char *c = strstr(path, "/common/");
	return c != NULL && strchr(c + 8, '/') == NULL;
}

static bool in_program(void *addr, uintptr_t *offset)
{
	static uintptr_t base;
	Dl_info here, there;

	if (base == 0 && dladdr((void *)&schedule_print_trace, &here) != 0)
		base = (uintptr_t)here.dli_fbase;
	if (dladdr(addr, &there) == 0 || (uintptr_t)there.dli_fbase != base)
		return false;
	*offset = (uintptr_t)addr - base - 1;	/* - 1: the call, not the return */
	return true;
}

/* Names frames[0..n) by file:line, in one run of addr2line. A frame of
 * common/ (the wrappers, the scheduler) or outside the program gets "". */
static void resolve(void *const *frames, int n, char (*out)[160])
{
	char exe[PATH_MAX], cmd[64 + PATH_MAX + 20 * FRAMES * RING], fn[256], loc[PATH_MAX];
	ssize_t len = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	int at, asked[FRAMES * RING + FRAMES * 2], k = 0;
	uintptr_t off;
	FILE *p;

	for (int i = 0; i < n; i++)
		out[i][0] = '\0';
	if (len <= 0)
		return;
	exe[len] = '\0';
	at = snprintf(cmd, sizeof(cmd), "addr2line -f -e '%s'", exe);
	for (int i = 0; i < n; i++)
		if (in_program(frames[i], &off))
			at += snprintf(cmd + at, sizeof(cmd) - (size_t)at, " %#lx", (unsigned long)off),
			asked[k++] = i;
	if (k == 0 || (p = popen(cmd, "r")) == NULL)
		return;
	for (int j = 0; j < k && fgets(fn, sizeof(fn), p) && fgets(loc, sizeof(loc), p); j++) {
		const char *file = strrchr(loc, '/') ? strrchr(loc, '/') + 1 : loc;

		fn[strcspn(fn, "\n")] = loc[strcspn(loc, "\n")] = '\0';
		loc[strcspn(loc, " ")] = '\0';	/* " (discriminator 3)" */
		if (of_common(loc) || strchr(loc, '?'))
			continue;
		snprintf(out[asked[j]], sizeof(out[0]), "%.100s (%.50s)", file, fn);
	}
	pclose(p);
}

/* The program's line a step stands at: its first frame that is not common/'s. */
static void places(void *const (*frames)[FRAMES], const int *depth, int n, struct place *out)
{
	void *all[FRAMES * RING + FRAMES * 2];
	char (*named)[160] = calloc((size_t)n * FRAMES, sizeof(*named));
	int k = 0;

	if (named == NULL)
		abort();
	for (int i = 0; i < n; i++)
		for (int f = 0; f < FRAMES; f++)
			all[k++] = f < depth[i] ? frames[i][f] : NULL;
	resolve(all, k, named);
	for (int i = 0; i < n; i++) {
		snprintf(out[i].words, sizeof(out[i].words), "(no line of the program)");
		for (int f = 0; f < depth[i]; f++)
			if (named[i * FRAMES + f][0]) {
				snprintf(out[i].words, sizeof(out[i].words), "%s",
					 named[i * FRAMES + f]);
				break;
			}
	}
	free(named);
}

/* Steps first..first+n) of the ring, each with the program's line. */
static int ring_places(uint64_t first, int n, struct place *at)
{
	static void *frames[RING][FRAMES];
	int depth[RING] = { 0 };

	for (int i = 0; i < n; i++) {
		const struct step *st = &S.ring[(first + (uint64_t)i) % RING];

		memcpy(frames[i], st->frames, sizeof(frames[i]));
		depth[i] = st->depth;
	}
	places((void *const (*)[FRAMES])frames, depth, n, at);
	return n;
}

/* Step i repeats step i - 1: the same thread doing the same at the same line. */
static bool repeats(uint64_t first, int i, const struct place *at)
{
	const struct step *a = &S.ring[(first + (uint64_t)i - 1) % RING];
	const struct step *b = &S.ring[(first + (uint64_t)i) % RING];

	return i > 0 && a->thread == b->thread && strcmp(a->what, b->what) == 0 &&
	       strcmp(at[i - 1].words, at[i].words) == 0;
}

/* The last SHOWN_STEPS lines of the steps kept, a run of the same step
 * (the main thread joining one thread after another) on one line. */
void schedule_print_trace(void)
{
	uint64_t total = S.ring_n, first = total > RING ? total - RING : 0;
	int n = (int)(total - first), lines = 0, from = n;
	static struct place at[RING];

	ring_places(first, n, at);
	while (from > 0 && lines < SHOWN_STEPS) {	/* back to the first line shown */
		from--;
		if (!repeats(first, from, at))
			lines++;
	}
	fprintf(stderr, "SCHEDULE=%s: %llu steps; the last %d, oldest first:\n", S.name,
		(unsigned long long)S.steps, n - from);
	for (int i = from, j; i < n; i = j) {
		const struct step *st = &S.ring[(first + (uint64_t)i) % RING];
		char when[48];

		for (j = i + 1; j < n && repeats(first, j, at); j++)
			;
		if (j - i > 1)
			snprintf(when, sizeof(when), "%llu-%llu", (unsigned long long)st->n,
				 (unsigned long long)S.ring[(first + (uint64_t)j - 1) % RING].n);
		else
			snprintf(when, sizeof(when), "%llu", (unsigned long long)st->n);
		fprintf(stderr, "  step %-9s thread %-3d %-30s %s\n", when, st->thread, st->what,
			strcmp(st->what, "ends") == 0 ? "(its thread function returned)" :
			at[i].words);
	}
}

/* ---- a thread that keeps the turn ---- */

void schedule_abandon(const struct sthread *t)
{
	/* A thread with no step yet is named by its function (+ 1: a frame is
	 * taken for a return address, one byte past its call). */
	void *frames[FRAMES] = { (char *)(uintptr_t)t->start + 1 };
	int depth = 1;
	struct place at;

	if (t->depth > 0) {
		memcpy(frames, t->frames, sizeof(frames));
		depth = t->depth;
	}
	places((void *const (*)[FRAMES])&frames, &depth, 1, &at);
	schedule_gave_up_note();
	fprintf(stderr, "SCHEDULE=%s gives this test up: thread %d has run for %d ms without a "
		"synchronisation call (%s %s): a loop on plain or atomic memory, or "
		"a call that blocks, where a schedule cannot take turns. The chaos seeds' verdict "
		"stands (exit status %d).\n", S.name, t->id, STALL_MS, t->depth > 0 ? "its last was at" :
		"none since it started in", at.words, SCHEDULE_GAVE_UP_EXIT);
	fflush(stderr);
	_exit(SCHEDULE_GAVE_UP_EXIT);
}

void schedule_abandon_long(int ms)
{
	schedule_gave_up_note();
	fprintf(stderr, "SCHEDULE=%s gives this test up: it has run for %d ms, its threads taking "
		"turns without end (a loop that yields or sleeps until something no turn brings: a "
		"livelock, or a wait of one's own). The chaos seeds' verdict stands (exit status %d).\n",
		S.name, ms, SCHEDULE_GAVE_UP_EXIT);
	fflush(stderr);
	_exit(SCHEDULE_GAVE_UP_EXIT);
}

/* ---- deadlocks ---- */

static void say(char *msg, size_t *at, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void say(char *msg, size_t *at, const char *fmt, ...)
{
	va_list ap;

	if (*at >= MSG_MAX)
		return;
	va_start(ap, fmt);
	*at += (size_t)vsnprintf(msg + *at, MSG_MAX - *at, fmt, ap);
	va_end(ap);
}

/* Where each thread waits, and where each lock waited for was taken. */
struct waits {
	struct place at[THREADS_MAX], taken[THREADS_MAX];
};

static void find_places(struct waits *w)
{
	void *frames[2 * THREADS_MAX][FRAMES];
	int depth[2 * THREADS_MAX];
	struct place both[2 * THREADS_MAX];

	for (int i = 0; i < S.n; i++) {
		const struct sthread *t = S.t[i];
		const struct sobj *o = t->state == WANTS_LOCK || t->state == WANTS_READ ? t->obj : NULL;

		memcpy(frames[2 * i], t->frames, sizeof(frames[0]));
		depth[2 * i] = t->depth;
		memcpy(frames[2 * i + 1], o ? o->frames : t->frames, sizeof(frames[0]));
		depth[2 * i + 1] = o ? o->depth : 0;
	}
	places((void *const (*)[FRAMES])frames, depth, 2 * S.n, both);
	for (int i = 0; i < S.n; i++)
		w->at[i] = both[2 * i], w->taken[i] = both[2 * i + 1];
}

/* The thread whose lock t waits for, or -1. */
static int waits_for(const struct sthread *t)
{
	return t->state == WANTS_LOCK || t->state == WANTS_READ ? t->obj->holder : -1;
}

/* A cycle of lock waits through start, said in words; false if none. */
static bool say_cycle(char *msg, size_t *at, const struct waits *w, int start, bool *in_cycle)
{
	int t = start, len = 0;

	do {
		t = waits_for(S.t[t]);
		if (t < 0 || ++len > S.n)
			return false;
	} while (t != start);
	for (int k = waits_for(S.t[start]); ; k = waits_for(S.t[k])) {
		in_cycle[k] = true;
		if (k == start)
			break;
	}
	if (len == 1) {
		say(msg, at, "thread %d locks again, at %s, the lock it took at %s and still "
		    "holds: a mutex that is not recursive waits for itself. ", start,
		    w->at[start].words, w->taken[start].words);
		return true;
	}
	say(msg, at, "a cycle of %d threads, each holding a lock the next waits for: ", len);
	t = start;
	do {
		int next = waits_for(S.t[t]);

		say(msg, at, "thread %d waits at %s for the lock thread %d took at %s; ", t,
		    w->at[t].words, next, w->taken[t].words);
		t = next;
	} while (t != start);
	say(msg, at, "none can go on. ");
	return true;
}

static void say_thread(char *msg, size_t *at, const struct waits *w, const struct sthread *t)
{
	switch (t->state) {
	case WANTS_LOCK:
	case WANTS_READ:
		say(msg, at, "thread %d waits at %s for a lock thread %d holds (taken at %s). ",
		    t->id, w->at[t->id].words, t->obj->holder, w->taken[t->id].words);
		break;
	case COND_WAIT:
		say(msg, at, "thread %d waits on a condition variable at %s. ", t->id,
		    w->at[t->id].words);
		break;
	case JOINING:
		say(msg, at, "thread %d waits at %s to join thread %d. ", t->id,
		    w->at[t->id].words, t->target);
		break;
	case BARRIER_WAIT:
		say(msg, at, "thread %d waits at a barrier at %s. ", t->id, w->at[t->id].words);
		break;
	default:
		break;
	}
}

void schedule_deadlock(const struct sthread *me)
{
	static struct waits w;
	char *msg = malloc(MSG_MAX + 1);
	size_t at = 0;
	bool cycle = false, in_cycle[THREADS_MAX] = { false };

	(void)me;
	if (msg == NULL)
		abort();
	find_places(&w);
	say(msg, &at, SCHEDULE_DEADLOCK_SAYS "%s, after %llu steps: ", S.name,
	    (unsigned long long)S.steps);
	for (int i = 0; i < S.n && !cycle; i++)
		cycle = say_cycle(msg, &at, &w, i, in_cycle);
	if (!cycle)
		say(msg, &at, "every thread waits and none is left to wake another. ");
	for (int i = 0; i < S.n; i++)
		if (S.t[i]->state != DONE && !in_cycle[i])
			say_thread(msg, &at, &w, S.t[i]);
	schedule_print_trace();
	schedule_stop();
	if (S.fail != NULL)
		S.fail(msg);	/* ends the test */
	fprintf(stderr, "%s\n", msg);
	exit(EXIT_FAILURE);
}

/* ---- a failed assertion ----
 * Check ends a failed test's process with _exit, which runs no exit
 * handler: test programs are linked with --wrap=_ck_assert_failed, so an
 * assertion that fails under a schedule prints the last steps first.
 * Programs without Check never call it (the reference stays unresolved). */
void __real__ck_assert_failed(const char *file, int line, const char *expr, const char *msg,
			      ...) __attribute__((weak, noreturn));

void __wrap__ck_assert_failed(const char *file, int line, const char *expr, const char *msg,
			      ...) __attribute__((noreturn));
void __wrap__ck_assert_failed(const char *file, int line, const char *expr, const char *msg,
			      ...)
{
	static char buf[8192];
	va_list ap;

	schedule_trace_once();
	if (msg == NULL)
		__real__ck_assert_failed(file, line, expr, NULL);
	va_start(ap, msg);
	vsnprintf(buf, sizeof(buf), msg, ap);
	va_end(ap);
	__real__ck_assert_failed(file, line, expr, "%s", buf, NULL);
}
