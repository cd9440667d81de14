/* schedule.c - the controlled scheduler: with SCHEDULE set, the threads of
 * a test program run one at a time, and every synchronisation call is a
 * switch point where a strategy, drawn from a seed, chooses who runs next.
 * The same SCHEDULE replays the same interleaving exactly.
 *
 *   SCHEDULE=random:SEED        a random walk: any thread that can run
 *   SCHEDULE=pct:DEPTH:SEED     PCT (Burckhardt et al., ASPLOS 2010): random
 *                               priorities, DEPTH - 1 priority change points
 *   SEED may be a range, FIRST-LAST: a test program then runs its tests
 *   under each schedule in turn (check_main.h, schedule_select).
 *
 * The test programs are linked with -Wl,--wrap for each call below (see
 * common.mk), so code that calls pthreads directly is scheduled as well as
 * code that goes through common.h's wrappers. Without SCHEDULE every
 * wrapper calls the real function at once.
 *
 * The model: only the thread holding the baton runs; the others wait on
 * a condition variable of their own. Locks, condition variables, barriers
 * and joins are kept here, so a thread is only handed the baton when what
 * it waits for is free: the real calls then never block. Condition
 * variables are never waited on for real: a signal moves one waiter (the
 * strategy's choice) to waiting for its mutex, and now and then a waiter
 * wakes with no signal, as POSIX allows. Sleeps and clocks are virtual:
 * time moves 1 us a step, and jumps to the next sleeper's deadline when
 * nothing else can run. When nothing can run and nobody sleeps, that is a
 * deadlock, reported at once (schedule_report.c). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "common.h"
#include "schedule.h"

#include <errno.h>
#include <execinfo.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int __real_pthread_create(pthread_t *, const pthread_attr_t *, void *(*)(void *), void *);
int __real_pthread_join(pthread_t, void **);
void __real_pthread_exit(void *) __attribute__((noreturn));
int __real_pthread_mutex_lock(pthread_mutex_t *);
int __real_pthread_mutex_trylock(pthread_mutex_t *);
int __real_pthread_mutex_unlock(pthread_mutex_t *);
int __real_pthread_mutex_destroy(pthread_mutex_t *);
int __real_pthread_cond_wait(pthread_cond_t *, pthread_mutex_t *);
int __real_pthread_cond_timedwait(pthread_cond_t *, pthread_mutex_t *, const struct timespec *);
int __real_pthread_cond_signal(pthread_cond_t *);
int __real_pthread_cond_broadcast(pthread_cond_t *);
int __real_pthread_rwlock_rdlock(pthread_rwlock_t *);
int __real_pthread_rwlock_wrlock(pthread_rwlock_t *);
int __real_pthread_rwlock_tryrdlock(pthread_rwlock_t *);
int __real_pthread_rwlock_trywrlock(pthread_rwlock_t *);
int __real_pthread_rwlock_unlock(pthread_rwlock_t *);
int __real_pthread_barrier_init(pthread_barrier_t *, const pthread_barrierattr_t *, unsigned);
int __real_pthread_barrier_wait(pthread_barrier_t *);
int __real_sched_yield(void);
int __real_nanosleep(const struct timespec *, struct timespec *);
int __real_usleep(useconds_t);
int __real_clock_nanosleep(clockid_t, int, const struct timespec *, struct timespec *);
int __real_clock_gettime(clockid_t, struct timespec *);
ssize_t __real_write(int, const void *, size_t);

struct sched S = { .lock = PTHREAD_MUTEX_INITIALIZER };
static __thread struct sthread *self;

/* ---- the seed's generator (splitmix64: one seed, one sequence) ---- */

static uint64_t next_random(void)
{
	uint64_t z = (S.rng += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static unsigned below(unsigned n)
{
	return n ? (unsigned)(next_random() % n) : 0;
}

/* ---- SCHEDULE: read once a process; a forked child starts afresh ---- */

static void parse_or_die(const char *s)
{
	struct schedule_spec sp;

	if (!schedule_parse(s, &sp)) {
		fprintf(stderr, "SCHEDULE=%s: expected random:SEED or pct:DEPTH:SEED (DEPTH 1 to %d; "
			"SEED a number, or FIRST-LAST)\n", s, SCHEDULE_DEPTH_MAX);
		exit(EXIT_FAILURE);
	}
	S.strategy = sp.pct ? STRATEGY_PCT : STRATEGY_RANDOM, S.depth = sp.depth;
	S.first = sp.first, S.last = sp.last;
	S.seed = S.first;
}

/* "pct:3:48213": the one schedule running now. */
static void name_schedule(void)
{
	if (S.strategy == STRATEGY_RANDOM)
		snprintf(S.name, sizeof(S.name), "random:%llu", S.seed);
	else
		snprintf(S.name, sizeof(S.name), "pct:%d:%llu", S.depth, S.seed);
}

static struct sthread *thread_new(void)
{
	struct sthread *t;

	if (S.n == THREADS_MAX) {	/* not a failure: more than a schedule keeps */
		schedule_gave_up_note();
		fprintf(stderr, "SCHEDULE=%s gives this test up: it starts more than %d threads. "
			"The chaos seeds' verdict stands (exit status %d).\n", S.name, THREADS_MAX,
			SCHEDULE_GAVE_UP_EXIT);
		_exit(SCHEDULE_GAVE_UP_EXIT);
	}
	t = calloc(1, sizeof(*t));
	if (t == NULL)
		abort();
	t->id = S.n;
	t->prio = S.depth + (int)below(1u << 20);	/* PCT: above every change point */
	pthread_cond_init(&t->go, NULL);
	S.t[S.n++] = t;
	return t;
}

/* A process's scheduling starts with its one thread, the caller. */
static void start_fresh(void)
{
	name_schedule();
	S.n = 0, S.current = 0, S.steps = 0, S.run_len = 0, S.vclock = 0, S.nobjs = 0, S.ring_n = 0;
	S.rng = S.seed * 0x2545f4914f6cdd1dull + 1;
	/* PCT's change points. The paper draws them uniformly from the run's
	 * k steps; k is not known before a test runs (and a replay must not
	 * depend on an earlier run), so they are drawn log-uniformly from
	 * 1..2^12: a test of 10 steps gets as many as one of 4000. */
	for (int i = 0; i + 1 < S.depth; i++)
		S.change[i] = 1 + below(1u << below(PCT_LOG2_STEPS + 1));
	self = thread_new();
	self->tid = pthread_self();
}

static void at_fork_child(void)
{
	pthread_mutex_init(&S.lock, NULL);
	start_fresh();
	schedule_watch_start();
}

void schedule_set_fail(void (*fail)(const char *msg))
{
	S.fail = fail;
}

/* Scheduling ends for good (a failure is on its way out): every wrapper
 * calls the real function from now on. Called with S.lock held. */
void schedule_stop(void)
{
	S.on = false;
	__real_pthread_mutex_unlock(&S.lock);
}

/* A test that failed, crashed or was ended by a wrapper's error under a
 * schedule prints its last steps, once, and scheduling ends. */
void schedule_trace_once(void)
{
	if (S.on && S.n > 1) {
		S.on = false;
		schedule_print_trace();
	}
}

/* Check ends a failed test's process with exit status 1. */
static void trace_at_exit(int status, void *arg)
{
	(void)arg;
	if (status != 0)
		schedule_trace_once();
}

static void trace_on_crash(int sig)
{
	schedule_trace_once();
	signal(sig, SIG_DFL);
	raise(sig);
}

static void schedule_setup(void)
{
	const char *s = getenv("SCHEDULE");
	struct timespec ts;

	if (s == NULL || *s == '\0')
		return;
	parse_or_die(s);
	__real_clock_gettime(CLOCK_MONOTONIC, &ts);
	S.base_ns = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
	start_fresh();
	pthread_atfork(NULL, NULL, at_fork_child);
	on_exit(trace_at_exit, NULL);
	report_before_exit = schedule_trace_once;
	signal(SIGSEGV, trace_on_crash);
	signal(SIGBUS, trace_on_crash);
	signal(SIGABRT, trace_on_crash);
	signal(SIGFPE, trace_on_crash);
	schedule_gave_up_open();
	S.on = true;
	schedule_watch_start();
}

bool schedule_on(void)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;

	pthread_once(&once, schedule_setup);
	return S.on;
}

int schedule_count(void)
{
	return schedule_on() ? (int)(S.last - S.first + 1) : 1;
}

const char *schedule_select(int k)
{
	if (!schedule_on())
		return NULL;
	__real_pthread_mutex_lock(&S.lock);
	S.seed = S.first + (unsigned long long)k;
	start_fresh();
	__real_pthread_mutex_unlock(&S.lock);
	return S.name;
}

/* ---- the objects the model keeps: locks, rwlocks, barriers ---- */

/* A slot stays where it is while the object lives (waiting threads point
 * at it); a destroyed object's slot is taken by the next new one. */
struct sobj *obj_of(const void *addr, enum obj_kind kind)
{
	struct sobj *free_slot = NULL;

	for (int i = 0; i < S.nobjs; i++) {
		if (S.objs[i].addr == addr)
			return &S.objs[i];
		if (S.objs[i].addr == NULL && free_slot == NULL)
			free_slot = &S.objs[i];
	}
	if (free_slot == NULL) {
		if (S.nobjs == OBJS_MAX) {
			fprintf(stderr, "schedule: more than %d locks in one test\n", OBJS_MAX);
			exit(EXIT_FAILURE);
		}
		free_slot = &S.objs[S.nobjs++];
	}
	*free_slot = (struct sobj){ .addr = addr, .kind = kind, .holder = -1 };
	return free_slot;
}

static void obj_forget(const void *addr)
{
	for (int i = 0; i < S.nobjs; i++)
		if (S.objs[i].addr == addr)
			S.objs[i].addr = NULL;
}

/* ---- who may run, and who runs next ---- */

static bool enabled(const struct sthread *t)
{
	const struct sobj *o = t->obj;

	switch (t->state) {
	case RUNNING:
		return true;
	case WANTS_LOCK:
		return o->holder < 0 && o->readers == 0;
	case WANTS_READ:
		return o->holder < 0;
	case JOINING:
		return S.t[t->target]->state == DONE;
	case SLEEPING:
	case COND_WAIT:
		return t->until != 0 && S.vclock >= t->until;
	default:		/* BARRIER_WAIT, DONE */
		return false;
	}
}

static struct sthread *choose(void)
{
	struct sthread *pick = NULL;
	int n = 0;

	for (int i = 0; i < S.n; i++) {
		struct sthread *t = S.t[i];

		if (!enabled(t))
			continue;
		if (S.strategy == STRATEGY_RANDOM ? below((unsigned)++n) == 0
						  : pick == NULL || t->prio > pick->prio)
			pick = t;
	}
	return pick;
}

/* Nothing can run: time jumps to the next deadline; none is a deadlock. */
static struct sthread *choose_or_wait_time(struct sthread *me)
{
	struct sthread *next;

	while ((next = choose()) == NULL) {
		uint64_t soonest = 0;

		for (int i = 0; i < S.n; i++)
			if ((S.t[i]->state == SLEEPING || S.t[i]->state == COND_WAIT) &&
			    S.t[i]->until != 0 && (soonest == 0 || S.t[i]->until < soonest))
				soonest = S.t[i]->until;
		if (soonest == 0)
			schedule_deadlock(me);	/* does not return */
		S.vclock = soonest;
	}
	return next;
}

/* POSIX lets a condition variable wake a waiter with no signal: now and
 * then a waiter does, so code that waits under `if` is caught. */
/* A waiter on a condition variable goes on to wait for its mutex. */
static void wake(struct sthread *t, enum woke how)
{
	t->state = WANTS_LOCK, t->obj = obj_of(t->cond_mutex, OBJ_MUTEX);
	t->woke = how;
}

static void maybe_wake_spuriously(void)
{
	if (below(SPURIOUS_ONE_IN) != 0)
		return;
	for (int i = 0; i < S.n; i++)
		if (S.t[i]->state == COND_WAIT && below(2) == 0) {
			wake(S.t[i], WOKE_SPURIOUS);
			return;
		}
}

/* The step's record, for the trace a failure prints. */
static void record(struct sthread *me, const char *what, const void *addr)
{
	struct step *st = &S.ring[S.ring_n++ % RING];

	st->n = S.steps, st->thread = me->id, st->what = what, st->addr = addr;
	st->depth = backtrace(st->frames, FRAMES);
	memcpy(me->frames, st->frames, sizeof(me->frames));
	me->depth = st->depth;
}

static void drop_below_all(struct sthread *me)
{
	int lowest = me->prio;
	for (int i = 0; i < S.n; i++)
		if (S.t[i]->prio < lowest)
			lowest = S.t[i]->prio;
	me->prio = lowest - 1;
}

/* The switch point: called with S.lock held, me->state saying what the
 * caller waits for (RUNNING: nothing). Returns when me may go on. */
static void switch_point(struct sthread *me, const char *what, const void *addr)
{
	struct sthread *next;

	S.steps++;
	S.vclock += STEP_NS;
	record(me, what, addr);
	for (int i = 0; i + 1 < S.depth; i++)	/* PCT: a change point lowers the runner */
		if (S.change[i] == S.steps)
			me->prio = S.depth - 1 - i;
	maybe_wake_spuriously();
	next = choose_or_wait_time(me);
	if (next == me && ++S.run_len > STARVE_STEPS && S.strategy == STRATEGY_PCT) {
		/* A thread that spins (a loop polling a flag under a lock) would
		 * run for ever at the top: it drops below every other. */
		drop_below_all(me);
		next = choose_or_wait_time(me);
	}
	if (next != me)
		S.run_len = 0;
	S.current = next->id;
	if (next != me)
		__real_pthread_cond_signal(&next->go);
	while (S.current != me->id)
		__real_pthread_cond_wait(&me->go, &S.lock);
}

/* A thread that ended hands the baton on, and never waits for it again. */
static void hand_on(struct sthread *me)
{
	struct sthread *next;

	me->state = DONE;
	S.steps++;
	record(me, "ends", NULL);
	for (int i = 0; i < S.n; i++)
		if (S.t[i] != me && S.t[i]->state != DONE)
			goto someone;
	return;
someone:
	next = choose_or_wait_time(me);
	S.current = next->id;
	__real_pthread_cond_signal(&next->go);
}

static struct sthread *me_locked(void)
{
	__real_pthread_mutex_lock(&S.lock);
	return self;
}

static void unlock(void)
{
	__real_pthread_mutex_unlock(&S.lock);
}

void schedule_yield(void)
{
	if (!schedule_on())
		return;
	switch_point(me_locked(), "at a chaos point", NULL);
	unlock();
}

/* ---- threads ---- */

static void *trampoline(void *arg)
{
	struct sthread *t = arg;
	void *ret;

	self = t;
	__real_pthread_mutex_lock(&S.lock);
	while (S.current != t->id)
		__real_pthread_cond_wait(&t->go, &S.lock);
	unlock();
	ret = t->start(t->arg);
	__real_pthread_mutex_lock(&S.lock);
	hand_on(t);
	unlock();
	return ret;
}

int __wrap_pthread_create(pthread_t *tid, const pthread_attr_t *attr,
			  void *(*start)(void *), void *arg)
{
	struct sthread *me, *t;
	int rc;

	if (!schedule_on())
		return __real_pthread_create(tid, attr, start, arg);
	me = me_locked();
	t = thread_new();
	t->start = start, t->arg = arg;
	rc = __real_pthread_create(&t->tid, attr, trampoline, t);
	if (rc != 0) {
		t->state = DONE;
		unlock();
		return rc;
	}
	*tid = t->tid;
	switch_point(me, "creates a thread", NULL);
	unlock();
	return 0;
}

/* A joined thread's pthread_t is handed to the next thread created: the
 * newest thread of that id is the one meant. */
static struct sthread *thread_of(pthread_t tid)
{
	for (int i = S.n - 1; i >= 0; i--)
		if (pthread_equal(S.t[i]->tid, tid))
			return S.t[i];
	return NULL;
}

int __wrap_pthread_join(pthread_t tid, void **ret)
{
	struct sthread *me, *t;

	if (!schedule_on())
		return __real_pthread_join(tid, ret);
	me = me_locked();
	t = thread_of(tid);
	if (t != NULL && t != me) {
		me->state = JOINING, me->target = t->id;
		switch_point(me, "joins", NULL);
		me->state = RUNNING;
	}
	unlock();
	return __real_pthread_join(tid, ret);
}

void __wrap_pthread_exit(void *ret)
{
	if (schedule_on()) {
		hand_on(me_locked());
		unlock();
	}
	__real_pthread_exit(ret);
}

/* ---- mutexes ---- */

/* glibc keeps a mutex's type in its first bits: 1 recursive, 2 error-checking. */
static int mutex_type(const pthread_mutex_t *m)
{
	return m->__data.__kind & 3;
}

int __wrap_pthread_mutex_lock(pthread_mutex_t *m)
{
	struct sthread *me;
	struct sobj *o;

	if (!schedule_on())
		return __real_pthread_mutex_lock(m);
	me = me_locked();
	o = obj_of(m, OBJ_MUTEX);
	if (o->holder == me->id) {
		int type = mutex_type(m);

		if (type == PTHREAD_MUTEX_RECURSIVE) {
			o->count++;
			unlock();
			return __real_pthread_mutex_lock(m);
		}
		if (type == PTHREAD_MUTEX_ERRORCHECK) {
			unlock();
			return EDEADLK;
		}
		me->state = WANTS_LOCK, me->obj = o;
		S.steps++;
		record(me, "locks", m);
		schedule_deadlock(me);	/* a thread waits for itself */
	}
	me->state = WANTS_LOCK, me->obj = o;
	switch_point(me, "locks", m);
	me->state = RUNNING;
	o->holder = me->id, o->count = 1;
	memcpy(o->frames, me->frames, sizeof(o->frames));
	o->depth = me->depth;
	unlock();
	return __real_pthread_mutex_lock(m);
}

int __wrap_pthread_mutex_trylock(pthread_mutex_t *m)
{
	struct sthread *me;
	struct sobj *o;
	int rc = 0;

	if (!schedule_on())
		return __real_pthread_mutex_trylock(m);
	me = me_locked();
	switch_point(me, "tries a lock", m);
	o = obj_of(m, OBJ_MUTEX);
	if (o->holder == me->id && mutex_type(m) == PTHREAD_MUTEX_RECURSIVE)
		o->count++;
	else if (o->holder >= 0)
		rc = EBUSY;
	else
		o->holder = me->id, o->count = 1;
	unlock();
	return rc ? rc : __real_pthread_mutex_trylock(m);
}

int __wrap_pthread_mutex_unlock(pthread_mutex_t *m)
{
	struct sthread *me;
	struct sobj *o;
	int rc;

	if (!schedule_on())
		return __real_pthread_mutex_unlock(m);
	me = me_locked();
	o = obj_of(m, OBJ_MUTEX);
	if (o->holder != me->id) {	/* not held by the caller: the real call says */
		unlock();
		return __real_pthread_mutex_unlock(m);
	}
	rc = __real_pthread_mutex_unlock(m);
	if (--o->count == 0)
		o->holder = -1;
	switch_point(me, "unlocks", m);
	unlock();
	return rc;
}

int __wrap_pthread_mutex_destroy(pthread_mutex_t *m)
{
	if (schedule_on()) {
		me_locked();
		obj_forget(m);
		unlock();
	}
	return __real_pthread_mutex_destroy(m);
}

/* ---- condition variables: kept here, never waited on for real ---- */

static int cond_wait(pthread_cond_t *c, pthread_mutex_t *m, uint64_t until)
{
	struct sthread *me = me_locked();
	struct sobj *o = obj_of(m, OBJ_MUTEX);
	int rc = 0;

	if (o->holder == me->id) {
		o->holder = -1, o->count = 0;
		__real_pthread_mutex_unlock(m);
	}
	me->state = COND_WAIT, me->cond = c, me->cond_mutex = m, me->until = until;
	me->woke = WOKE_NOT;
	switch_point(me, "waits on a condition variable", c);
	if (me->state == COND_WAIT) {	/* its deadline came: take the mutex back */
		rc = ETIMEDOUT;
		me->state = WANTS_LOCK, me->obj = o;
		switch_point(me, "times out", c);
	}
	me->state = RUNNING, me->until = 0;
	o->holder = me->id, o->count = 1;
	memcpy(o->frames, me->frames, sizeof(o->frames));
	o->depth = me->depth;
	unlock();
	__real_pthread_mutex_lock(m);
	return rc;
}

int __wrap_pthread_cond_wait(pthread_cond_t *c, pthread_mutex_t *m)
{
	if (!schedule_on())
		return __real_pthread_cond_wait(c, m);
	return cond_wait(c, m, 0);
}

int __wrap_pthread_cond_timedwait(pthread_cond_t *c, pthread_mutex_t *m,
				  const struct timespec *abstime)
{
	uint64_t at;

	if (!schedule_on())
		return __real_pthread_cond_timedwait(c, m, abstime);
	/* The condition's clock is taken as the virtual one (see clock_gettime). */
	at = (uint64_t)abstime->tv_sec * 1000000000ull + (uint64_t)abstime->tv_nsec;
	return cond_wait(c, m, at > S.base_ns ? at - S.base_ns : 1);
}

/* Wakes one waiter of c (the strategy's choice), or every one. */
/* A broadcast wakes every waiter on c; a signal one of them, which the
 * seed chooses (POSIX leaves it open). */
static void cond_wake(pthread_cond_t *c, bool all, const char *what)
{
	struct sthread *me = me_locked();
	struct sthread *waiters[THREADS_MAX];
	int n = 0;

	for (int i = 0; i < S.n; i++)
		if (S.t[i]->state == COND_WAIT && S.t[i]->cond == c)
			waiters[n++] = S.t[i];
	if (all)
		for (int k = 0; k < n; k++)
			wake(waiters[k], WOKE_SIGNAL);
	else if (n > 0)
		wake(waiters[below((unsigned)n)], WOKE_SIGNAL);
	switch_point(me, what, c);
	unlock();
}

int __wrap_pthread_cond_signal(pthread_cond_t *c)
{
	if (!schedule_on())
		return __real_pthread_cond_signal(c);
	cond_wake(c, false, "signals");
	return 0;
}

int __wrap_pthread_cond_broadcast(pthread_cond_t *c)
{
	if (!schedule_on())
		return __real_pthread_cond_broadcast(c);
	cond_wake(c, true, "broadcasts");
	return 0;
}

/* ---- read-write locks ---- */

static int rw_take(pthread_rwlock_t *l, bool write, bool try)
{
	struct sthread *me = me_locked();
	struct sobj *o = obj_of(l, OBJ_RWLOCK);

	if (try) {
		switch_point(me, write ? "tries a write lock" : "tries a read lock", l);
		if (o->holder >= 0 || (write && o->readers > 0)) {
			unlock();
			return EBUSY;
		}
	} else {
		me->state = write ? WANTS_LOCK : WANTS_READ, me->obj = o;
		switch_point(me, write ? "write-locks" : "read-locks", l);
		me->state = RUNNING;
	}
	if (write)
		o->holder = me->id;
	else
		o->readers++;
	unlock();
	return write ? (try ? __real_pthread_rwlock_trywrlock(l) : __real_pthread_rwlock_wrlock(l))
		     : (try ? __real_pthread_rwlock_tryrdlock(l) : __real_pthread_rwlock_rdlock(l));
}

int __wrap_pthread_rwlock_rdlock(pthread_rwlock_t *l)
{
	return schedule_on() ? rw_take(l, false, false) : __real_pthread_rwlock_rdlock(l);
}

int __wrap_pthread_rwlock_wrlock(pthread_rwlock_t *l)
{
	return schedule_on() ? rw_take(l, true, false) : __real_pthread_rwlock_wrlock(l);
}

int __wrap_pthread_rwlock_tryrdlock(pthread_rwlock_t *l)
{
	return schedule_on() ? rw_take(l, false, true) : __real_pthread_rwlock_tryrdlock(l);
}

int __wrap_pthread_rwlock_trywrlock(pthread_rwlock_t *l)
{
	return schedule_on() ? rw_take(l, true, true) : __real_pthread_rwlock_trywrlock(l);
}

int __wrap_pthread_rwlock_unlock(pthread_rwlock_t *l)
{
	struct sthread *me;
	struct sobj *o;
	int rc;

	if (!schedule_on())
		return __real_pthread_rwlock_unlock(l);
	me = me_locked();
	o = obj_of(l, OBJ_RWLOCK);
	rc = __real_pthread_rwlock_unlock(l);
	if (o->holder == me->id)
		o->holder = -1;
	else if (o->readers > 0)
		o->readers--;
	switch_point(me, "unlocks a rwlock", l);
	unlock();
	return rc;
}

/* ---- barriers: the model counts arrivals; the real one is never waited on ---- */

int __wrap_pthread_barrier_init(pthread_barrier_t *b, const pthread_barrierattr_t *a,
				unsigned count)
{
	if (schedule_on()) {
		me_locked();
		struct sobj *o = obj_of(b, OBJ_BARRIER);

		o->count = (int)count, o->readers = 0;
		unlock();
	}
	return __real_pthread_barrier_init(b, a, count);
}

int __wrap_pthread_barrier_wait(pthread_barrier_t *b)
{
	struct sthread *me;
	struct sobj *o;
	int last;

	if (!schedule_on())
		return __real_pthread_barrier_wait(b);
	me = me_locked();
	o = obj_of(b, OBJ_BARRIER);
	last = ++o->readers == o->count;
	if (last) {
		for (int i = 0; i < S.n; i++)
			if (S.t[i]->state == BARRIER_WAIT && S.t[i]->obj == o)
				S.t[i]->state = RUNNING;
		o->readers = 0;
	} else {
		me->state = BARRIER_WAIT, me->obj = o;
	}
	switch_point(me, "waits at a barrier", b);
	me->state = RUNNING;
	unlock();
	return last ? PTHREAD_BARRIER_SERIAL_THREAD : 0;
}

/* ---- time: virtual ---- */

static void sleep_until(uint64_t until, const char *what)
{
	struct sthread *me = me_locked();

	me->state = SLEEPING, me->until = until > S.vclock ? until : S.vclock + 1;
	switch_point(me, what, NULL);
	me->state = RUNNING, me->until = 0;
	unlock();
}

static uint64_t ns_of(const struct timespec *ts)
{
	return (uint64_t)ts->tv_sec * 1000000000ull + (uint64_t)ts->tv_nsec;
}

/* A thread that yields asks for the others to run: under PCT it drops
 * below them (a back-off loop at the top would otherwise spin for ever).
 * It gives up the rest of a time slice, too: a loop that polls by
 * yielding lets time pass as it would on a real CPU, so the test thread
 * that sleeps while it polls wakes after as many yields as a real one. */
int __wrap_sched_yield(void)
{
	struct sthread *me;

	if (!schedule_on())
		return __real_sched_yield();
	me = me_locked();
	if (S.strategy == STRATEGY_PCT)
		drop_below_all(me);
	S.vclock += YIELD_NS;
	switch_point(me, "yields", NULL);
	unlock();
	return 0;
}

int __wrap_nanosleep(const struct timespec *req, struct timespec *rem)
{
	if (!schedule_on())
		return __real_nanosleep(req, rem);
	sleep_until(S.vclock + ns_of(req), "sleeps");
	return 0;
}

int __wrap_usleep(useconds_t us)
{
	if (!schedule_on())
		return __real_usleep(us);
	sleep_until(S.vclock + (uint64_t)us * 1000u, "sleeps");
	return 0;
}

int __wrap_clock_nanosleep(clockid_t clock, int flags, const struct timespec *req,
			   struct timespec *rem)
{
	uint64_t ns;

	if (!schedule_on() || clock != CLOCK_MONOTONIC)
		return __real_clock_nanosleep(clock, flags, req, rem);
	ns = ns_of(req);
	if (flags & TIMER_ABSTIME)
		sleep_until(ns > S.base_ns ? ns - S.base_ns : 0, "sleeps");
	else
		sleep_until(S.vclock + ns, "sleeps");
	return 0;
}

/* CLOCK_MONOTONIC tells the virtual time (from where the real one stood
 * when the program started); the other clocks are real. */
int __wrap_clock_gettime(clockid_t clock, struct timespec *ts)
{
	uint64_t ns;

	if (clock != CLOCK_MONOTONIC || !schedule_on())
		return __real_clock_gettime(clock, ts);
	ns = S.base_ns + S.vclock;
	ts->tv_sec = (time_t)(ns / 1000000000ull);
	ts->tv_nsec = (long)(ns % 1000000000ull);
	return 0;
}

/* ---- output: a write is a turn ----
 * Lab 01's torn lines are two threads' writes between each other's pieces;
 * the turn comes before the bytes go. A thread the scheduler does not know
 * (none: every thread is created through the wrapper) writes at once. */
ssize_t __wrap_write(int fd, const void *buf, size_t n)
{
	if (schedule_on() && self != NULL) {
		switch_point(me_locked(), "writes", NULL);
		unlock();
	}
	return __real_write(fd, buf, n);
}
