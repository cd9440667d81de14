/* procs.h - lab 05's contract: CPU-bound tasks run in worker processes,
 * started two ways: fork() (part A, multiprocessing's "fork" start method)
 * and posix_spawn() of the lab's worker program (part B, its "spawn").
 * Harness-owned: do not edit.
 *
 * Interface, part A (procs.c):
 *   run_forked(inputs, results, count, nprocs)
 *       computes results[i] = task_compute(inputs[i]) for i in 0 .. count - 1,
 *       each in a child process made by fork(): the child computes from the
 *       memory it inherited, writes the result (the 8 bytes of an int64_t)
 *       to a pipe and ends with _exit(0). At most nprocs children are alive
 *       at once (nprocs >= 1). The parent reads every result into its own
 *       slot, whatever order the children finish in.
 *
 * Interface, part B (procs.c):
 *   run_spawned(worker, inputs, results, count, nprocs)
 *       the same, with each child started by posix_spawn() of the program
 *       at path worker (the lab's task_worker): its argv is
 *       { worker, "<input in decimal>", NULL }, its envp is environ, and its
 *       standard output (fd 1) is the write end of a pipe, on which it writes
 *       the result as one line, "<result in decimal>\n". No other descriptor
 *       of the parent may reach it: every descriptor the parent opens is
 *       O_CLOEXEC (pipe2), and posix_spawn_file_actions_adddup2 gives fd 1.
 *
 * Both return 0 when every task gave its result, and -1 when a child
 * crashed (was killed by a signal), exited with a status other than 0 or
 * gave no whole result: then they start no new child, still wait for every
 * child already started, say on stderr which task failed and how (a line
 * that names it "task <i>", i its index in inputs, from 0), and return
 * promptly. When they return, every child has been reaped (no zombie is
 * left) and every descriptor they opened is closed.
 *
 * The parent is one thread; use common.h's wrappers (Fork, Close, Waitpid,
 * Posix_spawn, Write ...) and the skeleton's pipe_cloexec for pipes
 * (common.h's Pipe does not set O_CLOEXEC), or check every call yourself.
 */
#ifndef PROCS_H
#define PROCS_H

#include <stdint.h>

/* ---- part A ---- */
int run_forked(const int64_t *inputs, int64_t *results, int count, int nprocs);

/* ---- part B ---- */
int run_spawned(const char *worker, const int64_t *inputs, int64_t *results,
		int count, int nprocs);

/* ---- given: tasks.c (the harness's) ----
 * task_compute: the CPU-bound task, the notebook's sum of squares
 * (a fold of i * i for i < input, modulo 2^64, as int64_t), at about
 * 1 ms per million of input (0.9 to 1.1 million a millisecond, depending
 * on the machine). Two inputs stand for workers that fail:
 * TASK_CRASH makes the process that computes it abort (SIGABRT) and
 * TASK_FAIL makes it exit with status 3. */
#define TASK_CRASH ((int64_t)-1)
#define TASK_FAIL ((int64_t)-2)
int64_t task_compute(int64_t input);

#endif /* PROCS_H */
