/* pool.c - a fixed-size thread pool, Python's ThreadPoolExecutor in C:
 * pool_map keeps input order (part A), pool_submit gives futures (part B). */
// BEGIN SOLUTION
/* Both queue a batch: count calls of one fn, inputs[i] -> outputs[i]. A
 * future is a batch of one call; pool_map's batch lives on its stack.
 *
 * Threads: pool_create starts nworkers workers and nothing else ever starts
 * one. A worker takes one call at a time: the batch at the head of the
 * queue and its next index, so the calls of a batch go out in input order
 * to whichever worker is free, and each result goes to outputs[i], its
 * own slot, whenever it finishes. Whoever queued the batch sleeps until
 * its last call returns.
 *
 * Locking: the pool's lock guards the queue, every queued batch's next and
 * closing; a batch's own lock guards its left. outputs[i] is written by the
 * one worker that took index i, before it takes the batch's lock to count
 * itself out, and read only after left reached 0 under that lock, so the
 * lock orders the two. A batch has its own lock, not the pool's, because a
 * future may be got after pool_destroy. No thread holds both locks. */
// END SOLUTION
//@ /* Threads: none yet. pool_map runs every call on the caller's thread, one
//@  * after another, and pool_submit runs its call before it returns: correct
//@  * results in the right order, and no faster than one thread. */
#include "pool.h"

#include <stdbool.h>
#include <stdlib.h>

#include "common.h"

// BEGIN SOLUTION
/* count calls of fn: pool_map's, or one for pool_submit (a future). */
struct future {
	task_fn fn;
	void **inputs;		/* count arguments */
	void **outputs;		/* count results: outputs[i] = fn(inputs[i]) */
	int count;
	void *arg, *result;	/* pool_submit's one argument and result */
	// the pool's lock must be held when using these two:
	struct future *link;	/* the next batch in the pool's queue */
	int next;		/* the index the next free worker takes */
	pthread_mutex_t lock;
	// lock must be held when using these:
	pthread_cond_t finished;	/* broadcast when left reaches 0 */
	int left;		/* calls that have not returned yet */
};

struct pool {
	int nworkers;
	pthread_t *workers;
	pthread_mutex_t lock;
	// lock must be held when using these:
	pthread_cond_t work;	/* workers wait here for a call or the close */
	struct future *head;	/* batches with calls no worker has taken yet */
	struct future *tail;
	bool closing;		/* set once by pool_destroy: finish the queue, then stop */
};

/* Takes the next call: the head batch and its next index. False once the
 * pool is closing and no call is left. */
static bool call_take(struct pool *p, struct future **batch, int *index)
{
	struct future *b;

	Pthread_mutex_lock(&p->lock);
	while (p->head == NULL && !p->closing)
		Pthread_cond_wait(&p->work, &p->lock);
	b = p->head;
	if (b != NULL) {
		*index = b->next;
		chaos_point();	/* between reading next and moving it on */
		b->next = *index + 1;
		if (b->next == b->count) {	/* its last call: unqueue it */
			p->head = b->link;
			if (p->head == NULL)
				p->tail = NULL;
		}
	}
	Pthread_mutex_unlock(&p->lock);
	*batch = b;
	return b != NULL;
}

/* Counts one call of b as returned. b may be freed as soon as this
 * unlocks, so the worker never touches it again. */
static void call_done(struct future *b)
{
	Pthread_mutex_lock(&b->lock);
	if (--b->left == 0)
		Pthread_cond_broadcast(&b->finished);
	Pthread_mutex_unlock(&b->lock);
}

static void *worker_main(void *arg)
{
	struct pool *p = arg;
	struct future *b;
	int i;

	while (call_take(p, &b, &i)) {
		b->outputs[i] = b->fn(b->inputs[i]);	/* slot i is this worker's alone */
		chaos_point();	/* between the result and counting it */
		call_done(b);
	}
	return NULL;
}

static void batch_init(struct future *b, task_fn fn, void **inputs, void **outputs, int count)
{
	b->fn = fn;
	b->inputs = inputs;
	b->outputs = outputs;
	b->count = count;
	b->link = NULL;
	b->next = 0;
	b->left = count;
	Pthread_mutex_init(&b->lock, NULL);
	Pthread_cond_init(&b->finished, NULL);
}

static void batch_enqueue(struct pool *p, struct future *b)
{
	Pthread_mutex_lock(&p->lock);
	if (p->tail != NULL)
		p->tail->link = b;
	else
		p->head = b;
	p->tail = b;
	Pthread_cond_broadcast(&p->work);	/* every idle worker may take a call */
	Pthread_mutex_unlock(&p->lock);
}

/* Sleeps until every call of b has returned, then releases its lock. */
static void batch_wait(struct future *b)
{
	Pthread_mutex_lock(&b->lock);
	while (b->left > 0)
		Pthread_cond_wait(&b->finished, &b->lock);
	Pthread_mutex_unlock(&b->lock);
	Pthread_cond_destroy(&b->finished);
	Pthread_mutex_destroy(&b->lock);
}
// END SOLUTION
//@ struct future {
//@ 	void *result;		/* what the call returned */
//@ };
//@ 
//@ struct pool {
//@ 	int nworkers;
//@ 	// YOUR CODE HERE
//@ 	//
//@ 	// Add the workers, a queue of tasks, a lock and what threads wait on.
//@ };

struct pool *pool_create(int nworkers)
{
	struct pool *p = Calloc(1, sizeof(*p));

	p->nworkers = nworkers;
	//@ // YOUR CODE HERE
	//@ //
	//@ // Start the nworkers workers; each takes tasks from the queue until pool_destroy.
// BEGIN SOLUTION
	p->workers = Calloc((size_t)nworkers, sizeof(*p->workers));
	Pthread_mutex_init(&p->lock, NULL);
	Pthread_cond_init(&p->work, NULL);
	for (int i = 0; i < nworkers; i++)
		Pthread_create(&p->workers[i], NULL, worker_main, p);
// END SOLUTION
	return p;
}

void pool_map(struct pool *p, task_fn fn, void **inputs, void **outputs, int count)
{
	//@ // YOUR CODE HERE
	//@ //
	//@ // Hand the calls to the workers, out[i] = fn(in[i]), and sleep until the last returns.
	//@ (void)p;
	//@ for (int i = 0; i < count; i++)
	//@ 	outputs[i] = fn(inputs[i]);
// BEGIN SOLUTION
	struct future b;

	if (count == 0)
		return;
	batch_init(&b, fn, inputs, outputs, count);
	batch_enqueue(p, &b);
	batch_wait(&b);
// END SOLUTION
}

void pool_destroy(struct pool *p)
{
	//@ // YOUR CODE HERE
	//@ //
	//@ // Let the workers finish every queued task, then stop and join them.
// BEGIN SOLUTION
	Pthread_mutex_lock(&p->lock);
	p->closing = true;
	Pthread_cond_broadcast(&p->work);	/* every worker must see it */
	Pthread_mutex_unlock(&p->lock);
	for (int i = 0; i < p->nworkers; i++)
		Pthread_join(p->workers[i], NULL);
	Pthread_cond_destroy(&p->work);
	Pthread_mutex_destroy(&p->lock);
	free(p->workers);
// END SOLUTION
	free(p);
}

struct future *pool_submit(struct pool *p, task_fn fn, void *arg)
{
	struct future *f = Calloc(1, sizeof(*f));

	//@ // YOUR CODE HERE
	//@ //
	//@ // Queue the call for the workers and return at once, without waiting for it.
	//@ (void)p;
	//@ f->result = fn(arg);
// BEGIN SOLUTION
	f->arg = arg;
	batch_init(f, fn, &f->arg, &f->result, 1);
	batch_enqueue(p, f);
// END SOLUTION
	return f;
}

void *future_get(struct future *f)
{
	void *result;

	//@ // YOUR CODE HERE
	//@ //
	//@ // Sleep until the call has returned.
// BEGIN SOLUTION
	batch_wait(f);
// END SOLUTION
	result = f->result;
	free(f);
	return result;
}
