/* scheduler.h - grading several labs, of one submission or of a class, at once,
 * while every timing check has the machine to itself.
 *
 * Each task (one lab of one submission) runs in its own process, forked by
 * sched_run. Before each step it asks for a turn, and gives it back after:
 *   shared turn  stage, build, unit, races, memory: up to `slots` at once;
 *   alone turn   a timed check (speedup): nothing else holds a turn.
 * The parent hands turns out in the order asked, but an alone turn goes
 * first: once one is asked for, no shared turn is given until it has run,
 * and it is given only when every shared turn has come back. So a trial
 * never overlaps other grading, and the machine is never idle while
 * untimed work waits. A task that dies gives its turn back (its socket
 * closes), and its `done` still runs: one broken task never stops the rest.
 *
 * Interface:
 *   sched_slots     how many shared turns at once: the CPUs this process may
 *                   use (GRADER_JOBS=N overrides; 1 = one step at a time).
 *   sched_run       runs tasks 0..n-1, at most 2 x slots processes alive;
 *                   returns when every task's `done` has run.
 *   sched_turn      in a task: wait for a turn (alone or shared). A no-op
 *                   outside sched_run, so the sequential grader is unchanged.
 *   sched_end_turn  in a task: give the turn back.
 *   sched_worker    in a task: its worker number, 0 .. 2 x slots - 1, unique
 *                   among the processes alive at once (the sandbox gives each
 *                   its own uid); -1 outside sched_run.
 */
#ifndef SCHEDULER_H
#define SCHEDULER_H

#include <stdbool.h>
#include <stddef.h>

struct sched_view {
	size_t done, total;  /* tasks finished, tasks in all */
	long alone;          /* the task holding the alone turn, or -1 */
	size_t shared;       /* shared turns held now */
	long newest;         /* the task started last, or -1 */
};

struct sched_ops {
	size_t ntasks;
	void (*run)(size_t task, void *arg);              /* in the task's process */
	void (*done)(size_t task, int status, void *arg); /* in the parent; status as waitpid's */
	void (*tick)(const struct sched_view *v, void *arg); /* in the parent, now and then; may be NULL */
	void *arg;
};

int sched_slots(void);
void sched_run(const struct sched_ops *ops, int slots);
void sched_turn(bool alone);
void sched_end_turn(void);
int sched_worker(void);

#endif /* SCHEDULER_H */
