/* race_scenario.c - the race check's scenario, small enough for Helgrind:
 * four tasks share one board writing to /dev/null while a watcher thread
 * keeps asking board_finished() how many have finished, as the contract
 * allows; then main reads the counter once more.
 *   usage: race_scenario [TASKS]     (default 4)
 * Expected under Helgrind: the reference reports 0 errors; a board without
 * a lock reports data races on line, len and finished, in tasks.c; a board
 * whose board_finished reads finished without the lock reports a race
 * between that read and the write in task_run. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "common.h"
#include "harness.h"
#include "tasks.h"

#define USAGE "usage: race_scenario [TASKS] (1 <= TASKS <= 64)"
#define WATCH_PAUSE_NS 200000L	/* between two reads: the tasks must get on */
#define WATCH_MAX_NS 5000000000ULL	/* then the watcher stops: one read is
					 * enough for Helgrind, and a hung run
					 * then shows blocked threads only */

struct watch {
	struct board *b;
	pthread_mutex_t lock;
	// lock must be held when using these:
	int stop;		/* set by main once every task is joined */
	int reads;		/* board_finished() calls made by the watcher */
	int last;		/* what the last one returned */
};

static int watch_stopped(struct watch *w, int n)
{
	int stop;

	Pthread_mutex_lock(&w->lock);
	stop = w->stop;
	w->reads++;
	w->last = n;
	Pthread_mutex_unlock(&w->lock);
	return stop;
}

/* Reads the counter before it looks at the stop flag: that read is never
 * ordered after the tasks' writes by anything but the board's own lock, so
 * Helgrind sees an unlocked read in board_finished whenever it happens. */
static void *watcher(void *p)
{
	struct watch *w = p;
	struct timespec pause = { 0, WATCH_PAUSE_NS };
	uint64_t start = clock_now_ns();

	while (!watch_stopped(w, board_finished(w->b)) &&
	       clock_now_ns() - start < WATCH_MAX_NS)
		nanosleep(&pause, NULL);
	return NULL;
}

int main(int argc, char **argv)
{
	struct watch w = { 0 };
	pthread_t wt;
	int ntasks = 4, fd;

	if (argc > 2)
		app_error(USAGE);
	if (argc == 2)
		ntasks = arg_int(argv[1], 1, 64, USAGE);
	chaos_init();
	fd = harness_devnull();
	w.b = board_new(fd);
	Pthread_mutex_init(&w.lock, NULL);
	Pthread_create(&wt, NULL, watcher, &w);
	harness_run_tasks(w.b, ntasks, 1);
	Pthread_mutex_lock(&w.lock);
	w.stop = 1;
	Pthread_mutex_unlock(&w.lock);
	Pthread_join(wt, NULL);
	/* Helgrind judges the accesses, not these numbers. */
	printf("race_scenario: %d tasks, board_finished() = %d; the watcher read it "
	       "%d times, last %d\n", ntasks, board_finished(w.b), w.reads, w.last);
	Pthread_mutex_destroy(&w.lock);
	board_free(w.b);
	Close(fd);
	return EXIT_SUCCESS;
}
