/* common.h - the library shared by every lab and by the grader.
 *
 * Interface:
 *   Error-checking wrappers (CS:APP style): the capitalised name wraps the
 *   call of the same name and exits with EXIT_FAILURE when it fails (with
 *   _exit in a forked child: its stdio buffers are its parent's, not to be
 *   flushed twice). pthread_* and posix_spawn* return an error number
 *   (posix_error); everything else sets errno (unix_error).
 *   clock_now_ns()            monotonic clock, nanoseconds.
 *   work_sleep_ms(ms)         simulated I/O: blocks without using the CPU.
 *   work_spin(units)          simulated computation: burns CPU, deterministic.
 *   chaos_point()             seeded random delay where a race window opens.
 *   trace_*                   counts work in flight, for the grader's checks.
 *   harness_run_threads()     for harnesses: threads released together.
 *   harness_rand(&state)      for harnesses: a small seeded generator.
 *   harness_cpu_ns(), harness_threads_now(), harness_tid()
 *                             for harnesses: this process's CPU time, its
 *                             threads, the calling thread's kernel id.
 */
#ifndef COMMON_H
#define COMMON_H

#include <pthread.h>
#include <stdbool.h>
#include <spawn.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* ---- errors ---- */
void unix_error(const char *msg) __attribute__((noreturn));
void posix_error(int code, const char *msg) __attribute__((noreturn));
void app_error(const char *msg) __attribute__((noreturn));
/* Called, when set, before a reported error ends the process (the
 * scheduler prints its last steps there). */
extern void (*report_before_exit)(void);
/* A program's integer argument in [min, max]; else prints usage, exits. */
int arg_int(const char *s, int min, int max, const char *usage);
/* name is one of the comma-separated words of list ("a,b,c"); never of NULL. */
bool comma_list_has(const char *list, const char *name);

/* ---- pthreads: these return an error number, never set errno ---- */
void Pthread_create(pthread_t *tid, const pthread_attr_t *attr,
                    void *(*start)(void *), void *arg);
void Pthread_join(pthread_t tid, void **ret);
void Pthread_mutex_init(pthread_mutex_t *m, const pthread_mutexattr_t *attr);
void Pthread_mutex_destroy(pthread_mutex_t *m);
void Pthread_mutex_lock(pthread_mutex_t *m);
void Pthread_mutex_unlock(pthread_mutex_t *m);
/* Read-write locks: many readers at once (rdlock), or one writer (wrlock). */
void Pthread_rwlock_init(pthread_rwlock_t *l, const pthread_rwlockattr_t *attr);
void Pthread_rwlock_destroy(pthread_rwlock_t *l);
void Pthread_rwlock_rdlock(pthread_rwlock_t *l);
void Pthread_rwlock_wrlock(pthread_rwlock_t *l);
void Pthread_rwlock_unlock(pthread_rwlock_t *l);
void Pthread_cond_init(pthread_cond_t *c, const pthread_condattr_t *attr);
void Pthread_cond_destroy(pthread_cond_t *c);
/* Under chaos (CHAOS_SEED set) Pthread_cond_wait returns now and then with
 * no signal, as POSIX allows (a thread's first wait always does), and now
 * and then lets another thread take the mutex between its wake-up and its
 * return. Wait in a loop that re-checks the condition and neither matters. */
void Pthread_cond_wait(pthread_cond_t *c, pthread_mutex_t *m);
void Pthread_cond_signal(pthread_cond_t *c);
void Pthread_cond_broadcast(pthread_cond_t *c);

/* ---- processes and descriptors: these set errno ---- */
pid_t Fork(void);
pid_t Waitpid(pid_t pid, int *status, int options);
void Posix_spawn(pid_t *pid, const char *path,
                 const posix_spawn_file_actions_t *actions,
                 const posix_spawnattr_t *attr, char *const argv[],
                 char *const envp[]);
void Pipe(int fds[2]);
void Close(int fd);
void *Malloc(size_t size);
void *Calloc(size_t n, size_t size);
/* Writes all n bytes (retrying short writes and EINTR), like CS:APP's rio_writen. */
void Write(int fd, const void *buf, size_t n);

/* ---- time ---- */
uint64_t clock_now_ns(void);
double clock_seconds(uint64_t ns);

/* ---- simulated work ---- */
void work_sleep_ms(int ms); /* a negative ms counts as 0 */
/* Burns CPU for `units` rounds of a fixed computation; returns a value that
 * depends on every round so the compiler cannot drop the loop. */
uint64_t work_spin(uint64_t units);

/* ---- chaos points ----
 * With CHAOS_SEED unset (or 0) a chaos point does nothing. With a seed, each
 * call does nothing, yields or sleeps 1-200 microseconds, chosen by a
 * per-thread generator derived from the seed and the order in which threads
 * first reach a chaos point. One seed replays one thread's sequence exactly;
 * across threads it replays the same kind of pressure, not the same
 * interleaving. CHAOS_SEED is an unsigned 32-bit number (decimal or 0x hex);
 * anything else exits with an error. */
void chaos_init(void);
unsigned chaos_seed(void);
void chaos_point(void);

/* ---- controlled schedules (schedule.c) ----
 * With SCHEDULE=random:SEED or SCHEDULE=pct:DEPTH:SEED the program's
 * threads run one at a time, switched at every synchronisation call (the
 * pthread calls, whether through the wrappers above or not, sched_yield,
 * sleeps, write, and chaos points) by a strategy drawn from the seed: the same
 * SCHEDULE replays the same interleaving. Sleeps and CLOCK_MONOTONIC are
 * virtual. A deadlock is reported when it happens, with the cycle of
 * locks; a failing test prints its last steps. A thread that runs 1 s
 * without one of these calls (a spin on memory, a blocking read), or a test
 * whose threads take turns for 1 s, ends the schedule's test with
 * SCHEDULE_GAVE_UP_EXIT, its verdict left to the seeds (schedule_watch.c).
 * Without SCHEDULE, nothing.
 * schedule_set_fail: how a deadlock fails the running test (check_main.h
 * gives Check's). */
bool schedule_on(void);
void schedule_yield(void);
/* A SEED of FIRST-LAST is that many schedules: schedule_count() of them
 * (1 without SCHEDULE); schedule_select(k) makes the k-th (from 0) the one
 * the next forked test runs, and returns its name ("pct:3:7"; NULL
 * without SCHEDULE). */
int schedule_count(void);
const char *schedule_select(int k);
void schedule_set_fail(void (*fail)(const char *msg));
/* check_main.h calls it as each test starts, in the test's own process:
 * a test that a schedule of this run gave up ends at once with
 * SCHEDULE_GAVE_UP_EXIT, and one it gives up now is remembered. */
void schedule_test_begins(const char *name);

/* A test a schedule cannot explore (a thread ran SCHEDULE_STALL_MS without a turn, its
 * threads took turns that long, or more threads than the scheduler keeps) ends with
 * this exit status:
 * Check says "Early exit with return value 75", check_main.h goes on to
 * the next schedule, and the grader leaves the test the seeds' verdict. */
#define SCHEDULE_GAVE_UP_EXIT 75
#define SCHEDULE_GAVE_UP_SAYS "Early exit with return value 75"	/* Check's words */
/* How a deadlock a schedule finds begins its failure message: the grader
 * gives such a row the lab's hint for a hang. */
#define SCHEDULE_DEADLOCK_SAYS "Deadlock under SCHEDULE="
#define SCHEDULE_STALL_MS 1000	/* a thread's time without a turn, or a test's, before that */

/* schedule_parse.c: reads SCHEDULE's value into sp without side effects;
 * false if it is neither random:SEED nor pct:DEPTH:SEED (DEPTH 1 to
 * SCHEDULE_DEPTH_MAX; SEED a number, or FIRST-LAST). */
#define SCHEDULE_DEPTH_MAX 8
#define SCHEDULE_SEEDS_MAX 1000000
struct schedule_spec {
	bool pct;		/* else a random walk */
	int depth;		/* 1 for a random walk */
	unsigned long long first, last;	/* the seeds, first..last */
};
bool schedule_parse(const char *s, struct schedule_spec *sp);

/* ---- trace recorder ----
 * work_sleep_ms and work_spin report themselves here: how many work items
 * ran and how many were in flight at once at most. The harness prints these; student code cannot reach them
 * except by doing the work. */
struct trace_stats {
	long work_done;    /* work items completed */
	long max_inflight; /* most work items running at the same moment */
	long cond_waits;   /* calls of Pthread_cond_wait */
};
void trace_reset(void);
void trace_work_begin(void);
void trace_work_end(void);
void trace_cond_wait(void);  /* called by Pthread_cond_wait */
struct trace_stats trace_read(void);

/* ---- timeline (trace.c) ----
 * With $TRACE_OUT naming a file, every work item (work_sleep_ms, work_spin),
 * every Pthread_cond_wait and every Pthread_mutex_lock that had to wait is
 * appended to it as it ends, one line each, from any thread or process:
 *   SPAN <pid> <tid> <what> <start_ns> <end_ns>     what: sleep compute wait lock
 * and bench_report adds the timed run itself:
 *   RUN <pid> <tid> <start_ns> <end_ns>
 * Times are clock_now_ns(). The grader draws these (grader/timeline.c);
 * without $TRACE_OUT nothing is written and each call costs one atomic load.
 * A harness adds spans of its own with trace_span (at most 20000 a process). */
bool trace_on(void);
void trace_span(const char *what, uint64_t start_ns, uint64_t end_ns);

/* ---- for harnesses and tests (run.c) ----
 * harness_run_threads: runs fn(arg, t) for t = 0..nthreads-1, one thread
 * each, all released together by a barrier; returns once all are joined.
 * harness_rand: a small per-thread generator (xorshift64); *state is the
 * caller's, seeded by it (0 is taken as a fixed non-zero seed).
 * The rest watch the process from inside, for tests that check what the
 * student's code started and how much CPU it burnt. */
void harness_run_threads(int nthreads, void (*fn)(void *arg, int t), void *arg);
unsigned long harness_rand(unsigned long *state);
/* CPU time of this process so far, in nanoseconds (all its threads). */
uint64_t harness_cpu_ns(void);
/* Threads this process has now (the kernel's count, /proc/self/status). */
int harness_threads_now(void);
/* The count once it is at most `most`, or after SETTLE_MAX_MS of real
 * time: a thread just joined leaves the kernel's count soon after, later
 * on a loaded machine. */
#define SETTLE_MAX_MS 1000
int harness_threads_settled(int most);
/* The calling thread's id as the kernel knows it: unique among the threads
 * alive, and not handed to a new thread soon after one ends. */
pid_t harness_tid(void);

/* ---- benchmark report ----
 * One line per run, for the grader:
 *   BENCH elapsed_ns=<n> cpu_ns=<n> workers=<n> max_inflight=<n> work_done=<n>
 * appended to the file named by $BENCH_OUT, or to stdout when it is unset
 * or empty; a BENCH_OUT that cannot be opened exits with an error.
 * cpu_ns is the process's CPU time; the rest comes from the trace recorder,
 * or, with bench_report_stats, from a harness that counts work its own way
 * (lab 05's watch, which sees tasks computed in child processes). */
void bench_report(uint64_t elapsed_ns, int workers);
void bench_report_stats(uint64_t elapsed_ns, int workers, struct trace_stats s);

#endif /* COMMON_H */
