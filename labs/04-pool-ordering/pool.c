/* pool.c - a fixed-size thread pool, Python's ThreadPoolExecutor in C:
 * pool_map keeps input order (part A), pool_submit gives futures (part B). */
/* Threads: none yet. pool_map runs every call on the caller's thread, one
 * after another, and pool_submit runs its call before it returns: correct
 * results in the right order, and no faster than one thread. */
#include "pool.h"

#include <stdbool.h>
#include <stdlib.h>

#include "common.h"

struct future {
	void *result;		/* what the call returned */
};

struct pool {
	int nworkers;
	// YOUR CODE HERE
	//
	// Add the workers, a queue of tasks, a lock and what threads wait on.
};

struct pool *pool_create(int nworkers)
{
	struct pool *p = Calloc(1, sizeof(*p));

	p->nworkers = nworkers;
	// YOUR CODE HERE
	//
	// Start the nworkers workers; each takes tasks from the queue until pool_destroy.
	return p;
}

void pool_map(struct pool *p, task_fn fn, void **inputs, void **outputs, int count)
{
	// YOUR CODE HERE
	//
	// Hand the calls to the workers, out[i] = fn(in[i]), and sleep until the last returns.
	(void)p;
	for (int i = 0; i < count; i++)
		outputs[i] = fn(inputs[i]);
}

void pool_destroy(struct pool *p)
{
	// YOUR CODE HERE
	//
	// Let the workers finish every queued task, then stop and join them.
	free(p);
}

struct future *pool_submit(struct pool *p, task_fn fn, void *arg)
{
	struct future *f = Calloc(1, sizeof(*f));

	// YOUR CODE HERE
	//
	// Queue the call for the workers and return at once, without waiting for it.
	(void)p;
	f->result = fn(arg);
	return f;
}

void *future_get(struct future *f)
{
	void *result;

	// YOUR CODE HERE
	//
	// Sleep until the call has returned.
	result = f->result;
	free(f);
	return result;
}
