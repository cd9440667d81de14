/* pool.c - a fixed-size thread pool, Python's ThreadPoolExecutor in C:
 * pool_map keeps input order (part A), pool_submit gives futures (part B).
 *
 * Queue entries are tasks of two kinds:
 *  - a MAP task (struct batch, on pool_map's stack): workers take CHUNKS of
 *    consecutive indices from its "taken" counter, like Pool.map's
 *    chunksize: count / (4 * nworkers) calls a chunk, at least 1;
 *  - a FUTURE task (struct future, malloc'd by pool_submit): one call.
 * Results go to outputs[i] / f->result: input order comes for free. */
/* Locking:
 *  - p->lock guards the queue (head, tail, every task's qnext), every
 *    queued batch's taken and left, and closing. Idle workers sleep on
 *    p->more_work. A map's caller sleeps on its batch's own condition
 *    variable, finished, with p->lock (the pool is alive while a map runs).
 *  - a future has its own mutex f->m guarding done and result, and its own
 *    condition variable f->ready, because it may be got after pool_destroy.
 *  Lock order: p->lock is never held while taking f->m or the other way. */
#include "pool.h"

#include <stdbool.h>
#include <stdlib.h>

#include "common.h"

enum kind { MAP_TASK, FUTURE_TASK };

struct task {
	enum kind kind;
	struct task *qnext;	/* p->lock */
};

struct batch {
	struct task t;		/* first: a struct task * is a struct batch * */
	task_fn fn;
	void **inputs, **outputs;
	int count;
	int chunk;		/* indices a worker takes at once */
	int taken;		/* indices handed out so far; p->lock */
	int left;		/* calls not yet returned; p->lock */
	pthread_cond_t finished;	/* left == 0; waited on with p->lock */
};

struct future {
	struct task t;		/* first, as in struct batch */
	task_fn fn;
	void *arg;
	pthread_mutex_t m;
	// m must be held when using these:
	pthread_cond_t ready;
	bool done;
	void *result;
};

struct pool {
	int nworkers;		/* read-only after pool_create */
	pthread_t *workers;	/* likewise */
	pthread_mutex_t lock;
	// lock must be held when using these:
	pthread_cond_t more_work;	/* queue not empty, or closing */
	struct task *head, *tail;
	bool closing;
};

/* With p->lock held. */
static void push_task(struct pool *p, struct task *t)
{
	t->qnext = NULL;
	if (p->tail != NULL)
		p->tail->qnext = t;
	else
		p->head = t;
	p->tail = t;
}

/* With p->lock held. */
static void pop_task(struct pool *p)
{
	p->head = p->head->qnext;
	if (p->head == NULL)
		p->tail = NULL;
}

static void run_future(struct future *f)
{
	void *r = f->fn(f->arg);

	Pthread_mutex_lock(&f->m);
	f->result = r;
	f->done = true;
	Pthread_cond_signal(&f->ready);
	Pthread_mutex_unlock(&f->m);
}

static void *worker_loop(void *arg)
{
	struct pool *p = arg;

	Pthread_mutex_lock(&p->lock);
	while (true) {
		while (p->head == NULL && !p->closing)
			Pthread_cond_wait(&p->more_work, &p->lock);
		if (p->head == NULL)
			break;		/* closing and nothing queued */

		if (p->head->kind == FUTURE_TASK) {
			struct future *f = (struct future *)p->head;

			pop_task(p);
			Pthread_mutex_unlock(&p->lock);
			run_future(f);
			Pthread_mutex_lock(&p->lock);
		} else {
			struct batch *b = (struct batch *)p->head;
			int lo = b->taken;
			int hi = lo + b->chunk > b->count ? b->count : lo + b->chunk;

			b->taken = hi;
			if (hi == b->count)
				pop_task(p);	/* everything handed out */
			Pthread_mutex_unlock(&p->lock);

			for (int i = lo; i < hi; i++)
				b->outputs[i] = b->fn(b->inputs[i]);

			Pthread_mutex_lock(&p->lock);
			b->left -= hi - lo;
			if (b->left == 0)
				Pthread_cond_signal(&b->finished);
		}
	}
	Pthread_mutex_unlock(&p->lock);
	return NULL;
}

struct pool *pool_create(int nworkers)
{
	struct pool *p = Calloc(1, sizeof(*p));

	p->nworkers = nworkers;
	p->workers = Calloc((size_t)nworkers, sizeof(*p->workers));
	Pthread_mutex_init(&p->lock, NULL);
	Pthread_cond_init(&p->more_work, NULL);
	for (int i = 0; i < nworkers; i++)
		Pthread_create(&p->workers[i], NULL, worker_loop, p);
	return p;
}

void pool_map(struct pool *p, task_fn fn, void **inputs, void **outputs, int count)
{
	struct batch b;

	if (count == 0)
		return;
	b.t.kind = MAP_TASK;
	b.fn = fn;
	b.inputs = inputs;
	b.outputs = outputs;
	b.count = count;
	b.chunk = count / (4 * p->nworkers);
	if (b.chunk < 1)
		b.chunk = 1;
	b.taken = 0;
	b.left = count;
	Pthread_cond_init(&b.finished, NULL);

	Pthread_mutex_lock(&p->lock);
	push_task(p, &b.t);
	Pthread_cond_broadcast(&p->more_work);
	while (b.left > 0)
		Pthread_cond_wait(&b.finished, &p->lock);
	Pthread_mutex_unlock(&p->lock);

	Pthread_cond_destroy(&b.finished);
}

void pool_destroy(struct pool *p)
{
	Pthread_mutex_lock(&p->lock);
	p->closing = true;
	Pthread_cond_broadcast(&p->more_work);
	Pthread_mutex_unlock(&p->lock);

	for (int i = 0; i < p->nworkers; i++)
		Pthread_join(p->workers[i], NULL);

	Pthread_cond_destroy(&p->more_work);
	Pthread_mutex_destroy(&p->lock);
	free(p->workers);
	free(p);
}

struct future *pool_submit(struct pool *p, task_fn fn, void *arg)
{
	struct future *f = Calloc(1, sizeof(*f));

	f->t.kind = FUTURE_TASK;
	f->fn = fn;
	f->arg = arg;
	f->done = false;
	f->result = NULL;
	Pthread_mutex_init(&f->m, NULL);
	Pthread_cond_init(&f->ready, NULL);

	Pthread_mutex_lock(&p->lock);
	push_task(p, &f->t);
	Pthread_cond_signal(&p->more_work);
	Pthread_mutex_unlock(&p->lock);
	return f;
}

void *future_get(struct future *f)
{
	void *r;

	Pthread_mutex_lock(&f->m);
	while (!f->done)
		Pthread_cond_wait(&f->ready, &f->m);
	r = f->result;
	Pthread_mutex_unlock(&f->m);

	Pthread_cond_destroy(&f->ready);
	Pthread_mutex_destroy(&f->m);
	free(f);
	return r;
}
