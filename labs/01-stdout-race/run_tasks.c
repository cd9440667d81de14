/* run_tasks.c - runs tasks through the student's board, one thread per task,
 * for bench and race_scenario. Apart from harness.c because bench_seq, the
 * baseline, must link without the student's code. */
#include <stdlib.h>

#include "common.h"
#include "harness.h"
#include "tasks.h"

struct task_arg {
	struct board *b;
	int id;
	int work_ms;
};

static void *task_thread(void *p)
{
	struct task_arg *a = p;

	task_run(a->b, a->id, a->work_ms);
	return NULL;
}

void harness_run_tasks(struct board *b, int ntasks, int work_ms)
{
	pthread_t *tids = Calloc((size_t)ntasks, sizeof(*tids));
	struct task_arg *args = Calloc((size_t)ntasks, sizeof(*args));
	int i;

	for (i = 0; i < ntasks; i++) {
		args[i] = (struct task_arg){ b, i, work_ms };
		Pthread_create(&tids[i], NULL, task_thread, &args[i]);
	}
	for (i = 0; i < ntasks; i++)
		Pthread_join(tids[i], NULL);
	free(args);
	free(tids);
}
