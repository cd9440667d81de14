/* harness.h - the tasks lab 04's programs hand to the pool, and what they
 * record. Harness-owned: pool.c never uses these, and the names start with
 * task_ so they cannot clash with a student's.
 *
 * A task's input is its index i dressed as a pointer (task_input); its
 * result is task_answer(i), also a pointer, and never equal to its input,
 * so a result left in place of its input, or in another slot, shows. */
#ifndef HARNESS_H
#define HARNESS_H

#include <stdbool.h>
#include <stdint.h>

#include "pool.h"

#define TASKS_MAX 4096

void *task_input(int i);
void *task_answer(int i);

/* Simulated I/O: sleeps task_cost (ms), as a download would. */
void *task_sleep(void *input);
/* Simulated computation: work_spin(task_cost) units, about 1 us each. */
void *task_spin(void *input);
/* The cost of every task_sleep and task_spin call from now on. */
void task_set_cost(int cost);

/* The harness's sequential answer, and the speedup baseline: fn on every
 * input in turn on the calling thread, no pool. */
void task_run_sequential(task_fn fn, void **inputs, void **outputs, int count);

/* ---- for the tests (never in a race scenario or a benchmark: the watch
 * uses atomics, which Helgrind cannot see, and the gate a pipe) ---- */

/* The watch: while on, every task_watched call records which thread ran
 * it, and sleeps its input's ms first. task_watch_stop says what it saw. */
struct watch_report {
	int count;
	int calls_twice;	/* inputs called more than once */
	int first_twice;	/* the first such input, or -1 */
	int calls_never;	/* inputs never called (yet) */
	int first_never;	/* the first such input, or -1 */
	int calls, returned;	/* calls started; calls that had returned */
	int threads;		/* distinct threads that ran a call */
	bool on_watcher;	/* a call ran on the thread that started the watch */
	int max_threads_alive;	/* the process's threads, most seen inside a call
				   (sampled only when task_watch_start asks) */
};
/* Watches inputs 0 .. count - 1; ms[i] (NULL: all 0) is input i's sleep. */
void task_watch_start(int count, const int *ms, bool sample_threads);
/* After task_watch_start: each call, its ms slept, stays in flight until n
 * calls have been in flight at once, or MEET_MS after this call. A pool
 * that runs n calls side by side always gets there, however slow the
 * machine; one that runs them one at a time costs a second, once. */
#define MEET_MS 1000
void task_watch_meet(int n);
struct watch_report task_watch_stop(void);
void *task_watched(void *input);

/* The gate: task_gated blocks (in poll, never in Pthread_cond_wait) until
 * the test opens the gate, then returns its answer. task_gate_reset closes
 * it again; task_gate_entered counts the calls that reached it. */
void task_gate_reset(void);
void task_gate_open(void);
int task_gate_entered(void);
void *task_gated(void *input);

/* The benchmarks' arguments, the same for every one of them:
 *   PROGRAM sleep|spin WORKERS TASKS COST
 * task_bench_args parses them (or prints the usage and exits), sets the
 * cost, turns chaos off (a timing measures the code) and fills inputs. */
struct bench {
	task_fn fn;		/* task_sleep or task_spin */
	int workers, count;
	void *inputs[TASKS_MAX], *outputs[TASKS_MAX];
};
void task_bench_args(struct bench *b, int argc, char **argv);
/* Warns on stderr when an output is not its task's answer: the tests
 * grade that; a benchmark still reports its time. */
void task_bench_verify(const struct bench *b, const char *program);

#endif /* HARNESS_H */
