/* pool.c - a fixed-size thread pool, Python's ThreadPoolExecutor in C:
 * pool_map keeps input order (part A), pool_submit gives futures (part B).
 *
 * A map and a future are the same thing here, a "work" of n calls: a map
 * is a work of count calls on pool_map's stack, a future a work of 1 call
 * in the future struct. Each call's result goes into out[i], its own slot,
 * so the order of completion does not matter. */
/* Locking:
 *  - pool->mtx guards the queue of works (first, last, each work's
 *    next_index and link) and pool->stop. Workers sleep on pool->wake.
 *  - work->mtx guards work->finished and the results; the waiter
 *    (pool_map's caller or future_get) sleeps on work->done_cv. A future's
 *    lock lives in the future, not in the pool, so it survives
 *    pool_destroy. */
#include "pool.h"

#include <stdbool.h>
#include <stdlib.h>

#include "common.h"

struct work {
	task_fn fn;
	void **in;
	void **out;
	int n;			/* calls in this work */
	int next_index;		/* next call to hand out; pool->mtx */
	struct work *link;	/* queue; pool->mtx */
	pthread_mutex_t mtx;
	pthread_cond_t done_cv;
	int finished;		/* calls that returned; mtx */
};

struct future {
	struct work w;
	void *arg;
	void *result;
};

struct pool {
	int nworkers;
	pthread_t *tids;
	pthread_mutex_t mtx;
	// mtx must be held when using these:
	pthread_cond_t wake;	/* work queued, or stop */
	struct work *first, *last;
	bool stop;
};

static void work_setup(struct work *w, task_fn fn, void **in, void **out, int n)
{
	w->fn = fn;
	w->in = in;
	w->out = out;
	w->n = n;
	w->next_index = 0;
	w->link = NULL;
	w->finished = 0;
	Pthread_mutex_init(&w->mtx, NULL);
	Pthread_cond_init(&w->done_cv, NULL);
}

static void work_teardown(struct work *w)
{
	Pthread_cond_destroy(&w->done_cv);
	Pthread_mutex_destroy(&w->mtx);
}

static void queue_work(struct pool *p, struct work *w)
{
	Pthread_mutex_lock(&p->mtx);
	if (p->last)
		p->last->link = w;
	else
		p->first = w;
	p->last = w;
	Pthread_cond_broadcast(&p->wake);
	Pthread_mutex_unlock(&p->mtx);
}

static void wait_work(struct work *w)
{
	Pthread_mutex_lock(&w->mtx);
	while (w->finished < w->n)
		Pthread_cond_wait(&w->done_cv, &w->mtx);
	Pthread_mutex_unlock(&w->mtx);
}

static void *worker_main(void *arg)
{
	struct pool *p = arg;

	for (;;) {
		struct work *w;
		int i;
		void *r;

		Pthread_mutex_lock(&p->mtx);
		while (p->first == NULL && !p->stop)
			Pthread_cond_wait(&p->wake, &p->mtx);
		if (p->first == NULL) {		/* stop, and the queue is empty */
			Pthread_mutex_unlock(&p->mtx);
			return NULL;
		}
		w = p->first;
		i = w->next_index++;
		if (w->next_index == w->n) {
			p->first = w->link;
			if (p->first == NULL)
				p->last = NULL;
		}
		Pthread_mutex_unlock(&p->mtx);

		r = w->fn(w->in[i]);

		/* store the result and tell the waiter */
		Pthread_mutex_lock(&w->mtx);
		w->out[i] = r;
		Pthread_cond_signal(&w->done_cv);
		Pthread_mutex_unlock(&w->mtx);

		/* bookkeeping: one more call finished */
		Pthread_mutex_lock(&w->mtx);
		w->finished++;
		Pthread_mutex_unlock(&w->mtx);
	}
}

struct pool *pool_create(int nworkers)
{
	struct pool *p = Calloc(1, sizeof(*p));

	p->nworkers = nworkers;
	p->tids = Calloc((size_t)nworkers, sizeof(pthread_t));
	Pthread_mutex_init(&p->mtx, NULL);
	Pthread_cond_init(&p->wake, NULL);
	for (int i = 0; i < nworkers; i++)
		Pthread_create(&p->tids[i], NULL, worker_main, p);
	return p;
}

void pool_map(struct pool *p, task_fn fn, void **inputs, void **outputs, int count)
{
	struct work w;

	if (count == 0)
		return;
	work_setup(&w, fn, inputs, outputs, count);
	queue_work(p, &w);
	wait_work(&w);
	work_teardown(&w);
}

void pool_destroy(struct pool *p)
{
	Pthread_mutex_lock(&p->mtx);
	p->stop = true;
	Pthread_cond_broadcast(&p->wake);
	Pthread_mutex_unlock(&p->mtx);
	for (int i = 0; i < p->nworkers; i++)
		Pthread_join(p->tids[i], NULL);
	Pthread_cond_destroy(&p->wake);
	Pthread_mutex_destroy(&p->mtx);
	free(p->tids);
	free(p);
}

struct future *pool_submit(struct pool *p, task_fn fn, void *arg)
{
	struct future *f = Calloc(1, sizeof(*f));

	f->arg = arg;
	work_setup(&f->w, fn, &f->arg, &f->result, 1);
	queue_work(p, &f->w);
	return f;
}

void *future_get(struct future *f)
{
	void *result;

	wait_work(&f->w);
	Pthread_mutex_lock(&f->w.mtx);
	result = f->result;
	Pthread_mutex_unlock(&f->w.mtx);
	work_teardown(&f->w);
	free(f);
	return result;
}
