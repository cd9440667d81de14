/* pool.c - a fixed-size thread pool, Python's ThreadPoolExecutor in C:
 * pool_map keeps input order (part A), pool_submit gives futures (part B). */
/* Threads: nworkers workers, started by pool_create, joined by
 * pool_destroy. They take jobs from a FIFO list of jobs; a job is either a
 * slice of a map (one batch, calls handed out one index at a time) or one
 * submitted future.
 *
 * Locks:
 *   p->lock guards the job list, closing, and every batch's next and left.
 *   f->lock guards a future's done and result (a future must outlive the
 *   pool, so it has its own lock and condvar).
 * Condition variables:
 *   p->work      idle workers sleep on it (job list empty and not closing)
 *   p->finished  pool_map callers sleep on it until their batch's left is 0.
 *                Several maps can wait at once, each for its own batch, so
 *                it is broadcast. The worker broadcasts it just after it
 *                unlocks (POSIX allows that): the change to left is made
 *                under the lock, and the pool outlives every worker.
 *   f->ready     future_get sleeps on it until f->done. Signalled while
 *                f->lock is held, because future_get frees f as soon as it
 *                sees done. */
#include "pool.h"

#include <stdbool.h>
#include <stdlib.h>

#include "common.h"

struct future {
	pthread_mutex_t lock;
	pthread_cond_t ready;
	task_fn fn;		/* set before queuing, then read only */
	void *arg;
	void *result;		/* f->lock */
	bool done;		/* f->lock */
};

/* One pool_map call. Lives on pool_map's stack: pool_map does not return
 * before left is 0, and no worker touches it after that. */
struct batch {
	task_fn fn;
	void **inputs;
	void **outputs;		/* outputs[i]: written by the worker running i */
	int count;
	int next;		/* p->lock: next index to hand out */
	int left;		/* p->lock: calls not returned yet */
};

struct job {
	struct job *next;
	struct batch *batch;	/* one of these two */
	struct future *fut;
};

struct pool {
	int nworkers;
	pthread_t *workers;
	pthread_mutex_t lock;
	pthread_cond_t work;
	pthread_cond_t finished;
	struct job *head;	/* lock */
	struct job *tail;	/* lock */
	bool closing;		/* lock */
};

/* With p->lock held. */
static void push_job(struct pool *p, struct job *j)
{
	j->next = NULL;
	if (p->tail)
		p->tail->next = j;
	else
		p->head = j;
	p->tail = j;
}

/* With p->lock held, p->head != NULL. */
static void pop_job(struct pool *p)
{
	struct job *j = p->head;

	p->head = j->next;
	if (p->head == NULL)
		p->tail = NULL;
	free(j);
}

static void run_future(struct future *f)
{
	void *r = f->fn(f->arg);

	Pthread_mutex_lock(&f->lock);
	f->result = r;
	f->done = true;
	Pthread_cond_signal(&f->ready);
	Pthread_mutex_unlock(&f->lock);
	/* f may be freed by future_get from here on */
}

static void *worker(void *arg)
{
	struct pool *p = arg;

	for (;;) {
		struct batch *b = NULL;
		struct future *f = NULL;
		int i = 0;

		Pthread_mutex_lock(&p->lock);
		while (p->head == NULL && !p->closing)
			Pthread_cond_wait(&p->work, &p->lock);
		if (p->head == NULL) {	/* closing and nothing left */
			Pthread_mutex_unlock(&p->lock);
			break;
		}
		if (p->head->batch) {
			b = p->head->batch;
			i = b->next++;
			if (b->next == b->count)	/* last index handed out */
				pop_job(p);
		} else {
			f = p->head->fut;
			pop_job(p);
		}
		Pthread_mutex_unlock(&p->lock);

		if (f) {
			run_future(f);
			continue;
		}

		b->outputs[i] = b->fn(b->inputs[i]);

		Pthread_mutex_lock(&p->lock);
		bool last = --b->left == 0;
		Pthread_mutex_unlock(&p->lock);
		if (last)
			Pthread_cond_broadcast(&p->finished);
	}
	return NULL;
}

struct pool *pool_create(int nworkers)
{
	struct pool *p = Calloc(1, sizeof(*p));

	p->nworkers = nworkers;
	p->workers = Calloc((size_t)nworkers, sizeof(*p->workers));
	Pthread_mutex_init(&p->lock, NULL);
	Pthread_cond_init(&p->work, NULL);
	Pthread_cond_init(&p->finished, NULL);
	p->head = p->tail = NULL;
	p->closing = false;
	for (int i = 0; i < nworkers; i++)
		Pthread_create(&p->workers[i], NULL, worker, p);
	return p;
}

void pool_map(struct pool *p, task_fn fn, void **inputs, void **outputs, int count)
{
	struct batch b = { fn, inputs, outputs, count, 0, count };
	struct job *j;

	if (count <= 0)
		return;
	j = Malloc(sizeof(*j));
	j->batch = &b;
	j->fut = NULL;

	Pthread_mutex_lock(&p->lock);
	push_job(p, j);
	Pthread_cond_broadcast(&p->work);	/* there may be work for all of them */
	while (b.left > 0)
		Pthread_cond_wait(&p->finished, &p->lock);
	Pthread_mutex_unlock(&p->lock);
}

void pool_destroy(struct pool *p)
{
	Pthread_mutex_lock(&p->lock);
	p->closing = true;
	Pthread_cond_broadcast(&p->work);
	Pthread_mutex_unlock(&p->lock);

	for (int i = 0; i < p->nworkers; i++)
		Pthread_join(p->workers[i], NULL);

	Pthread_cond_destroy(&p->finished);
	Pthread_cond_destroy(&p->work);
	Pthread_mutex_destroy(&p->lock);
	free(p->workers);
	free(p);
}

struct future *pool_submit(struct pool *p, task_fn fn, void *arg)
{
	struct future *f = Calloc(1, sizeof(*f));
	struct job *j = Malloc(sizeof(*j));

	Pthread_mutex_init(&f->lock, NULL);
	Pthread_cond_init(&f->ready, NULL);
	f->fn = fn;
	f->arg = arg;
	f->done = false;
	j->batch = NULL;
	j->fut = f;

	Pthread_mutex_lock(&p->lock);
	push_job(p, j);
	Pthread_cond_signal(&p->work);
	Pthread_mutex_unlock(&p->lock);
	return f;
}

void *future_get(struct future *f)
{
	void *result;

	Pthread_mutex_lock(&f->lock);
	while (!f->done)
		Pthread_cond_wait(&f->ready, &f->lock);
	result = f->result;
	Pthread_mutex_unlock(&f->lock);

	Pthread_cond_destroy(&f->ready);
	Pthread_mutex_destroy(&f->lock);
	free(f);
	return result;
}
