/* harness.h - what lab 05's programs share besides the contract: the
 * watch, which every task_compute reports to from whichever process runs
 * it, and the probes the tests use on the parent. Harness-owned: procs.c
 * never uses these, and the names start with task_ or harness_ so they
 * cannot clash with a student's. */
#ifndef HARNESS_H
#define HARNESS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "procs.h"

#define TASKS_MAX 1024

/* The watch: from task_watch_start on, every task_compute, in any process
 * that inherited the environment (a fork child, or a spawned worker given
 * environ), appends one line to a report file: its pid, when it ran, and
 * the descriptors it had open. task_watch_stop reads them. */
struct watch_report {
	int tasks;		/* task_compute calls reported */
	int processes;		/* distinct pids among them */
	bool in_parent;		/* a task ran in the process that started the watch */
	int in_worker;		/* tasks that ran in the task_worker program */
	int max_alive;		/* tasks running at the same moment, at most */
	int leaky;		/* task_worker processes that had a descriptor beyond
				   0, 1, 2 the parent did not have before the watch */
	int leaked_fd;		/* the first such descriptor, or -1 */
	int leaked_total;	/* how many the leakiest process had */
};
void task_watch_start(void);
struct watch_report task_watch_stop(void);

/* The fork() calls this process has made so far, whoever made them. */
int harness_forks(void);
/* The descriptors this process has open now (/proc/self/fd). */
int harness_open_fds(void);
/* Children of this process not yet reaped (zombies or alive): 0 when none.
 * Reaps them (waiting at most 1 s for the living) so that none is left. */
int harness_children_left(void);
/* Runs fn(arg) with its stderr (and its children's) sent to a file; what
 * was written is in buf (NUL-terminated, at most n - 1 bytes). */
int harness_capture_stderr(int (*fn)(void *arg), void *arg, char *buf, size_t n);

/* The benchmarks' and tests' inputs: task i of cost ms is cost times
 * ITERS_PER_MS (1,100,000: tasks.c) plus i, so that inputs differ and
 * results too. Where task_compute does 900,000 rounds a millisecond (a
 * 2-vCPU Xeon measured so), such a task takes a fifth longer. */
int64_t task_input(int i, int cost);
/* The harness's sequential answer, and the speedup baseline. */
void task_run_sequential(const int64_t *inputs, int64_t *results, int count);
/* What task_compute(input) returns, in microseconds rather than its
 * milliseconds: the tests' expected results (a crash or fail input is
 * not a result). */
int64_t task_expected(int64_t input);
/* The benchmarks' words, the same for bench_procs, bench_seq, bench_ctl:
 *   PROGRAM fork|spawn NPROCS COUNT MS
 * task_bench_args parses them (or prints the usage and exits) and fills
 * in COUNT inputs of MS ms each. */
struct bench {
	bool spawn;
	int nprocs, count;
	int64_t inputs[TASKS_MAX], results[TASKS_MAX];
};
void task_bench_args(struct bench *b, int argc, char **argv);

/* The path of the lab's worker program, beside the running program. */
const char *task_worker_path(void);

#endif /* HARNESS_H */
