/* pool.c - a fixed-size thread pool, Python's ThreadPoolExecutor in C:
 * pool_map keeps input order (part A), pool_submit gives futures (part B).
 *
 * The queue holds one small task per CALL (the handout's other way): a map
 * of count inputs queues count tasks, each with its index, all pointing to
 * one struct mapctl on pool_map's stack; a future is one task pointing to
 * the future. The worker frees each task after running it. */
/* Locking:
 *  - p->lock guards the task queue, p->shutting_down and, for a map in
 *    progress, its mapctl's remaining count. Idle workers wait on
 *    p->has_tasks; pool_map's caller waits on its mapctl's all_done, with
 *    p->lock.
 *  - a future's own f->lock guards f->ready and f->value; future_get waits
 *    on f->cv. */
#include "pool.h"

#include <stdbool.h>
#include <stdlib.h>

#include "common.h"

struct future {
	pthread_mutex_t lock;
	// lock must be held when using these:
	pthread_cond_t cv;
	bool ready;
	void *value;		/* what the call returned */
};

struct mapctl {
	task_fn fn;
	void **inputs, **outputs;
	int remaining;		/* calls not returned yet; p->lock */
	pthread_cond_t all_done;
};

struct task {
	task_fn fn;
	void *arg;
	struct mapctl *map;	/* a map's call: map and index */
	int index;
	struct future *fut;	/* or a future's call */
	struct task *next;
};

struct pool {
	int nworkers;
	pthread_t *threads;
	pthread_mutex_t lock;
	// lock must be held when using these:
	pthread_cond_t has_tasks;
	struct task *front, *back;
	bool shutting_down;
};

/* With p->lock held. */
static void add_task(struct pool *p, struct task *t)
{
	t->next = NULL;
	if (p->back)
		p->back->next = t;
	else
		p->front = t;
	p->back = t;
}

static void *worker(void *arg)
{
	struct pool *p = arg;

	for (;;) {
		struct task *t;
		void *r;

		Pthread_mutex_lock(&p->lock);
		while (p->front == NULL && !p->shutting_down)
			Pthread_cond_wait(&p->has_tasks, &p->lock);
		if (p->shutting_down) {
			Pthread_mutex_unlock(&p->lock);
			break;
		}
		t = p->front;
		p->front = t->next;
		if (p->front == NULL)
			p->back = NULL;
		Pthread_mutex_unlock(&p->lock);

		r = t->fn(t->arg);

		if (t->map != NULL) {
			struct mapctl *m = t->map;

			Pthread_mutex_lock(&p->lock);
			m->outputs[t->index] = r;
			m->remaining--;
			if (m->remaining == 0)
				Pthread_cond_signal(&m->all_done);
			Pthread_mutex_unlock(&p->lock);
		} else {
			struct future *f = t->fut;

			Pthread_mutex_lock(&f->lock);
			f->value = r;
			f->ready = true;
			Pthread_cond_broadcast(&f->cv);
			Pthread_mutex_unlock(&f->lock);
		}
		free(t);
	}
	return NULL;
}

struct pool *pool_create(int nworkers)
{
	struct pool *p = Calloc(1, sizeof(*p));

	p->nworkers = nworkers;
	p->threads = Calloc((size_t)nworkers, sizeof(*p->threads));
	Pthread_mutex_init(&p->lock, NULL);
	Pthread_cond_init(&p->has_tasks, NULL);
	for (int i = 0; i < nworkers; i++)
		Pthread_create(&p->threads[i], NULL, worker, p);
	return p;
}

void pool_map(struct pool *p, task_fn fn, void **inputs, void **outputs, int count)
{
	struct mapctl m;

	if (count == 0)
		return;
	m.fn = fn;
	m.inputs = inputs;
	m.outputs = outputs;
	m.remaining = count;
	Pthread_cond_init(&m.all_done, NULL);

	Pthread_mutex_lock(&p->lock);
	for (int i = 0; i < count; i++) {
		struct task *t = Calloc(1, sizeof(*t));

		t->fn = fn;
		t->arg = inputs[i];
		t->map = &m;
		t->index = i;
		add_task(p, t);
	}
	Pthread_cond_broadcast(&p->has_tasks);
	while (m.remaining > 0)
		Pthread_cond_wait(&m.all_done, &p->lock);
	Pthread_mutex_unlock(&p->lock);
	Pthread_cond_destroy(&m.all_done);
}

void pool_destroy(struct pool *p)
{
	Pthread_mutex_lock(&p->lock);
	p->shutting_down = true;
	Pthread_cond_broadcast(&p->has_tasks);
	Pthread_mutex_unlock(&p->lock);

	for (int i = 0; i < p->nworkers; i++)
		Pthread_join(p->threads[i], NULL);

	Pthread_cond_destroy(&p->has_tasks);
	Pthread_mutex_destroy(&p->lock);
	free(p->threads);
	free(p);
}

struct future *pool_submit(struct pool *p, task_fn fn, void *arg)
{
	struct future *f = Calloc(1, sizeof(*f));
	struct task *t = Calloc(1, sizeof(*t));

	Pthread_mutex_init(&f->lock, NULL);
	Pthread_cond_init(&f->cv, NULL);
	f->ready = false;
	t->fn = fn;
	t->arg = arg;
	t->map = NULL;
	t->fut = f;

	Pthread_mutex_lock(&p->lock);
	add_task(p, t);
	Pthread_cond_signal(&p->has_tasks);
	Pthread_mutex_unlock(&p->lock);
	return f;
}

void *future_get(struct future *f)
{
	void *v;

	Pthread_mutex_lock(&f->lock);
	while (!f->ready)
		Pthread_cond_wait(&f->cv, &f->lock);
	v = f->value;
	Pthread_mutex_unlock(&f->lock);
	Pthread_cond_destroy(&f->cv);
	Pthread_mutex_destroy(&f->lock);
	free(f);
	return v;
}
