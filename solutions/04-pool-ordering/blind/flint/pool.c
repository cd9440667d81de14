/* pool.c - a fixed-size thread pool, Python's ThreadPoolExecutor in C:
 * pool_map keeps input order (part A), pool_submit gives futures (part B). */
/* Threads: nworkers workers, created in pool_create, joined in
 * pool_destroy.
 *
 * Queue: a FIFO list of struct entry. A map puts one entry (on its own
 * stack) that stays at the head until every index has been handed out; a
 * submit puts the entry that is inside its future.
 *
 * Locking:
 *   p->mu guards the list, stop, and each map entry's next and pending.
 *   p->idle: workers wait there for an entry or stop.
 *   p->map_done: pool_map callers wait there (with p->mu) for their
 *   pending to reach 0; broadcast, since several maps may wait.
 *   f->mu guards f->done and f->value; future_get waits on f->cv.
 *   Like the handout says, the signal can go out just after the unlock:
 *   the change itself (done = true) is made under f->mu. */
#include "pool.h"

#include <stdbool.h>
#include <stdlib.h>

#include "common.h"

struct future;

struct entry {
	struct entry *next_entry;	/* p->mu */
	task_fn fn;
	void **in;
	void **out;
	int n;
	int next;		/* p->mu */
	int pending;		/* p->mu */
	struct future *fut;
};

struct future {
	struct entry e;
	void *arg;
	void *value;		/* mu */
	bool done;		/* mu */
	pthread_mutex_t mu;
	pthread_cond_t cv;
};

struct pool {
	int nworkers;
	pthread_t *tid;
	pthread_mutex_t mu;
	pthread_cond_t idle;
	pthread_cond_t map_done;
	struct entry *head, *tail;	/* mu */
	bool stop;			/* mu */
};

static void put_entry(struct pool *p, struct entry *e)
{
	e->next_entry = NULL;
	if (p->tail == NULL)
		p->head = e;
	else
		p->tail->next_entry = e;
	p->tail = e;
}

static void finish_future(struct future *f, void *v)
{
	Pthread_mutex_lock(&f->mu);
	f->value = v;
	f->done = true;
	Pthread_mutex_unlock(&f->mu);
	Pthread_cond_signal(&f->cv);
}

static void *worker_main(void *arg)
{
	struct pool *p = arg;

	for (;;) {
		struct entry *e;
		int i;
		void *v;

		Pthread_mutex_lock(&p->mu);
		while (p->head == NULL && !p->stop)
			Pthread_cond_wait(&p->idle, &p->mu);
		e = p->head;
		if (e == NULL) {
			Pthread_mutex_unlock(&p->mu);
			break;
		}
		i = e->next++;
		if (e->next == e->n) {
			p->head = e->next_entry;
			if (p->head == NULL)
				p->tail = NULL;
		}
		Pthread_mutex_unlock(&p->mu);

		v = e->fn(e->in[i]);

		if (e->fut != NULL) {
			finish_future(e->fut, v);
		} else {
			e->out[i] = v;
			Pthread_mutex_lock(&p->mu);
			e->pending--;
			if (e->pending == 0)
				Pthread_cond_broadcast(&p->map_done);
			Pthread_mutex_unlock(&p->mu);
		}
	}
	return NULL;
}

struct pool *pool_create(int nworkers)
{
	struct pool *p = Calloc(1, sizeof(*p));

	p->nworkers = nworkers;
	p->tid = Calloc((size_t)nworkers, sizeof(*p->tid));
	Pthread_mutex_init(&p->mu, NULL);
	Pthread_cond_init(&p->idle, NULL);
	Pthread_cond_init(&p->map_done, NULL);
	for (int i = 0; i < nworkers; i++)
		Pthread_create(&p->tid[i], NULL, worker_main, p);
	return p;
}

void pool_map(struct pool *p, task_fn fn, void **inputs, void **outputs, int count)
{
	struct entry e = {
		.fn = fn, .in = inputs, .out = outputs, .n = count,
		.next = 0, .pending = count, .fut = NULL,
	};

	if (count < 1)
		return;
	Pthread_mutex_lock(&p->mu);
	put_entry(p, &e);
	Pthread_cond_broadcast(&p->idle);
	while (e.pending != 0)
		Pthread_cond_wait(&p->map_done, &p->mu);
	Pthread_mutex_unlock(&p->mu);
}

void pool_destroy(struct pool *p)
{
	Pthread_mutex_lock(&p->mu);
	p->stop = true;
	Pthread_cond_broadcast(&p->idle);
	Pthread_mutex_unlock(&p->mu);

	for (int i = 0; i < p->nworkers; i++)
		Pthread_join(p->tid[i], NULL);

	Pthread_cond_destroy(&p->map_done);
	Pthread_cond_destroy(&p->idle);
	Pthread_mutex_destroy(&p->mu);
	free(p->tid);
	free(p);
}

struct future *pool_submit(struct pool *p, task_fn fn, void *arg)
{
	struct future *f = Calloc(1, sizeof(*f));

	Pthread_mutex_init(&f->mu, NULL);
	Pthread_cond_init(&f->cv, NULL);
	f->arg = arg;
	f->e.fn = fn;
	f->e.in = &f->arg;
	f->e.out = NULL;
	f->e.n = 1;
	f->e.next = 0;
	f->e.pending = 1;
	f->e.fut = f;

	Pthread_mutex_lock(&p->mu);
	put_entry(p, &f->e);
	Pthread_cond_signal(&p->idle);
	Pthread_mutex_unlock(&p->mu);
	return f;
}

void *future_get(struct future *f)
{
	void *v;

	Pthread_mutex_lock(&f->mu);
	while (!f->done)
		Pthread_cond_wait(&f->cv, &f->mu);
	v = f->value;
	Pthread_mutex_unlock(&f->mu);

	Pthread_cond_destroy(&f->cv);
	Pthread_mutex_destroy(&f->mu);
	free(f);
	return v;
}
