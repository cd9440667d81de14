/* schedule.h - internal to common/: the controlled scheduler's state, shared
 * by schedule.c (the model and the strategies) and schedule_report.c (what
 * a failure prints: the last steps, and a deadlock's cycle). The public
 * part is in common.h. */
#ifndef SCHEDULE_H
#define SCHEDULE_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#define THREADS_MAX 256
#define OBJS_MAX 8192
#define DEPTH_MAX SCHEDULE_DEPTH_MAX
#define PCT_LOG2_STEPS 12	/* PCT's change points: steps 1..2^12, log-uniform */
#define STEP_NS 1000		/* virtual time a step takes */
#define YIELD_NS 1000000	/* and a sched_yield: about a time slice, given away */
#define STARVE_STEPS 256	/* PCT: steps in a row after which the runner drops */
#define SPURIOUS_ONE_IN 64	/* a switch point wakes a waiter with no signal */
#define RING 64			/* steps kept for the trace */
#define FRAMES 8		/* return addresses kept a step */
#define STALL_MS SCHEDULE_STALL_MS	/* no step for this long: the schedule gives up */

enum strategy { STRATEGY_RANDOM, STRATEGY_PCT };
enum tstate { RUNNING, WANTS_LOCK, WANTS_READ, COND_WAIT, JOINING, SLEEPING, BARRIER_WAIT,
	      DONE };
enum obj_kind { OBJ_MUTEX, OBJ_RWLOCK, OBJ_BARRIER };
enum woke { WOKE_NOT, WOKE_SIGNAL, WOKE_SPURIOUS };

/* A lock, rwlock or barrier as the model sees it. */
struct sobj {
	const void *addr;	/* NULL: a free slot */
	enum obj_kind kind;
	int holder;		/* the thread holding it (a writer), -1 none */
	int count;		/* a recursive mutex's depth; a barrier's size */
	int readers;		/* an rwlock's readers; a barrier's arrivals */
	void *frames[FRAMES];	/* where its holder took it */
	int depth;
};

struct sthread {
	int id;			/* 0 the program's first thread, then in creation order */
	pthread_t tid;
	enum tstate state;
	struct sobj *obj;	/* WANTS_LOCK, WANTS_READ, BARRIER_WAIT */
	int target;		/* JOINING: the thread's id */
	const void *cond;	/* COND_WAIT: the condition variable */
	void *cond_mutex;	/*   and the mutex it takes back */
	uint64_t until;		/* SLEEPING, a timed COND_WAIT: when it may go on */
	enum woke woke;
	int prio;		/* PCT: the highest enabled runs */
	pthread_cond_t go;	/* real: signalled when the baton is its */
	void *(*start)(void *);
	void *arg;
	void *frames[FRAMES];	/* where it last stepped */
	int depth;
};

/* One step: a thread at a switch point. */
struct step {
	uint64_t n;
	int thread;
	const char *what;	/* "locks", "signals", ... */
	const void *addr;
	void *frames[FRAMES];
	int depth;
};

struct sched {
	pthread_mutex_t lock;	/* real: guards everything here */
	bool on;
	enum strategy strategy;
	int depth;
	unsigned long long seed, first, last;	/* this schedule's seed, of first..last */
	char name[64];		/* the SCHEDULE it runs */
	uint64_t rng, steps, vclock, base_ns;
	int run_len;		/* steps in a row of the thread running */
	uint64_t change[DEPTH_MAX];
	struct sthread *t[THREADS_MAX];
	int n, current;
	struct sobj objs[OBJS_MAX];
	int nobjs;
	struct step ring[RING];
	uint64_t ring_n;
	void (*fail)(const char *msg);	/* a test program's way to fail its test */
};

extern struct sched S;

/* schedule.c */
struct sobj *obj_of(const void *addr, enum obj_kind kind);
void schedule_stop(void);
/* schedule_watch.c: the watchdog, started in every process that
 * schedules (at setup, and in each forked test before its body), and the
 * file of tests given up, made once before the first test is forked. */
void schedule_watch_start(void);
void schedule_gave_up_open(void);
/* Notes that the running test was given up: check_main.h's later
 * schedules skip it (schedule_test_begins). */
void schedule_gave_up_note(void);
/* Prints the last steps, once, if a schedule runs threads; scheduling ends. */
void schedule_trace_once(void);

/* schedule_report.c: nothing can run and nobody sleeps. Says which
 * threads wait for what (the cycle, if locks make one), prints the last
 * steps and fails the test; never returns. Called with S.lock held. */
void schedule_deadlock(const struct sthread *me) __attribute__((noreturn));
/* schedule_report.c: thread t has run STALL_MS without a switch point.
 * Says so and ends the test with SCHEDULE_GAVE_UP_EXIT (its verdict is
 * the seeds'); never returns. Called with S.lock held. */
void schedule_abandon(const struct sthread *t) __attribute__((noreturn));
/* schedule_report.c: the test has run ms of real time, taking turns. */
void schedule_abandon_long(int ms) __attribute__((noreturn));
/* Prints the last steps on stderr, each thread at its line of the program. */
void schedule_print_trace(void);

#endif /* SCHEDULE_H */
