/* pool.c - a fixed-size thread pool, Python's ThreadPoolExecutor in C:
 * pool_map keeps input order (part A), pool_submit gives futures (part B).
 *
 * Design: everything the workers run is a "job": fn, inputs[], outputs[],
 * count calls. A map is a job of count calls living on pool_map's stack; a
 * future is a job of one call (inputs = &f->arg, outputs = &f->result)
 * inside the malloc'd struct future. Every job has ITS OWN mutex and
 * condition variable for "calls left": the thread waiting on the job
 * (pool_map's caller, or whoever calls future_get) sleeps on the job's
 * condition variable, not on the pool's, so a future can be got after the
 * pool is gone. */
/* Locking:
 *  - p->lock guards the job queue (head, tail, each queued job's next and
 *    qnext) and p->closing. Workers sleep on p->work while the queue is
 *    empty and the pool open.
 *  - job->m guards job->left; the waiter sleeps on job->cv until left is 0.
 *  - fn, inputs, outputs, count of a job are written before the job is
 *    queued (under p->lock) and only read afterwards. outputs[i] is written
 *    by the one worker that took index i, before it counts the call out
 *    under job->m; the waiter reads outputs only after seeing left == 0
 *    under job->m.
 *  Lock order: a thread never holds p->lock and job->m at the same time. */
#include "pool.h"

#include <stdbool.h>
#include <stdlib.h>

#include "common.h"

struct job {
	task_fn fn;
	void **inputs;
	void **outputs;
	int count;
	int next;		/* next index to hand out; p->lock */
	struct job *qnext;	/* the pool's queue; p->lock */
	pthread_mutex_t m;
	pthread_cond_t cv;	/* signalled when left reaches 0 */
	int left;		/* calls not yet returned; m */
};

struct future {
	struct job job;		/* a job of one call */
	void *arg;
	void *result;		/* job.outputs points here */
};

struct pool {
	int nworkers;		/* set by pool_create, read-only */
	pthread_t *threads;	/* likewise */
	pthread_mutex_t lock;
	// lock must be held when using these:
	pthread_cond_t work;	/* workers wait here for a job or the close */
	struct job *head, *tail;	/* jobs with calls still to hand out */
	bool closing;
};

static void job_init(struct job *j, task_fn fn, void **in, void **out, int count)
{
	j->fn = fn;
	j->inputs = in;
	j->outputs = out;
	j->count = count;
	j->next = 0;
	j->qnext = NULL;
	j->left = count;
	Pthread_mutex_init(&j->m, NULL);
	Pthread_cond_init(&j->cv, NULL);
}

static void job_destroy(struct job *j)
{
	Pthread_cond_destroy(&j->cv);
	Pthread_mutex_destroy(&j->m);
}

/* Sleeps until every call of j has returned. */
static void job_wait(struct job *j)
{
	Pthread_mutex_lock(&j->m);
	while (j->left > 0)
		Pthread_cond_wait(&j->cv, &j->m);
	Pthread_mutex_unlock(&j->m);
}

/* Queues j at the tail and wakes the workers. */
static void enqueue(struct pool *p, struct job *j)
{
	Pthread_mutex_lock(&p->lock);
	if (p->tail == NULL)
		p->head = j;
	else
		p->tail->qnext = j;
	p->tail = j;
	if (j->count > 1)
		Pthread_cond_broadcast(&p->work);	/* many calls: everybody */
	else
		Pthread_cond_signal(&p->work);
	Pthread_mutex_unlock(&p->lock);
}

static void *worker(void *arg)
{
	struct pool *p = arg;

	Pthread_mutex_lock(&p->lock);
	for (;;) {
		struct job *j;
		int i;
		void *r;

		while (p->head == NULL && !p->closing)
			Pthread_cond_wait(&p->work, &p->lock);
		if (p->head == NULL)	/* closing, and nothing left to run */
			break;
		j = p->head;
		i = j->next++;
		if (j->next == j->count) {	/* last call handed out: unqueue */
			p->head = j->qnext;
			if (p->head == NULL)
				p->tail = NULL;
		}
		Pthread_mutex_unlock(&p->lock);

		r = j->fn(j->inputs[i]);	/* no lock held */
		j->outputs[i] = r;

		Pthread_mutex_lock(&j->m);
		j->left--;
		if (j->left == 0)
			Pthread_cond_broadcast(&j->cv);
		Pthread_mutex_unlock(&j->m);
		/* j may be gone from here on: its waiter owns it again. */

		Pthread_mutex_lock(&p->lock);
	}
	Pthread_mutex_unlock(&p->lock);
	return NULL;
}

struct pool *pool_create(int nworkers)
{
	struct pool *p = Calloc(1, sizeof(*p));

	p->nworkers = nworkers;
	p->threads = Calloc((size_t)nworkers, sizeof(*p->threads));
	Pthread_mutex_init(&p->lock, NULL);
	Pthread_cond_init(&p->work, NULL);
	p->head = p->tail = NULL;
	p->closing = false;
	for (int i = 0; i < nworkers; i++)
		Pthread_create(&p->threads[i], NULL, worker, p);
	return p;
}

void pool_map(struct pool *p, task_fn fn, void **inputs, void **outputs, int count)
{
	struct job batch;

	if (count <= 0)
		return;
	job_init(&batch, fn, inputs, outputs, count);
	enqueue(p, &batch);
	job_wait(&batch);
	job_destroy(&batch);
}

void pool_destroy(struct pool *p)
{
	Pthread_mutex_lock(&p->lock);
	p->closing = true;
	Pthread_cond_broadcast(&p->work);
	Pthread_mutex_unlock(&p->lock);
	for (int i = 0; i < p->nworkers; i++)
		Pthread_join(p->threads[i], NULL);
	Pthread_cond_destroy(&p->work);
	Pthread_mutex_destroy(&p->lock);
	free(p->threads);
	free(p);
}

struct future *pool_submit(struct pool *p, task_fn fn, void *arg)
{
	struct future *f = Calloc(1, sizeof(*f));

	f->arg = arg;
	f->result = NULL;
	job_init(&f->job, fn, &f->arg, &f->result, 1);
	enqueue(p, &f->job);
	return f;
}

void *future_get(struct future *f)
{
	void *result;

	job_wait(&f->job);
	result = f->result;
	job_destroy(&f->job);
	free(f);
	return result;
}
