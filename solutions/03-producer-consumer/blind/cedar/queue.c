/* queue.c - part A: a bounded blocking queue, Python's queue.Queue(maxsize)
 * in C. Producers wait while it is full, consumers while it is empty, and
 * close is the shutdown signal: waiting puts fail, gets drain what is left.
 *
 * Design: ONE condition variable, "changed", for everybody. Any change of
 * the queue (an item in, an item out, the close) broadcasts it, and every
 * sleeper re-checks its own condition in its while loop. With one condvar
 * a plain signal could wake the wrong kind of thread (OSTEP's broken
 * version), so it is broadcast every time: simpler, a bit more wake-ups.
 *
 * Locking: lock guards every field below it (capacity never changes). */
#include "prodcons.h"

#include <stdlib.h>

#include "common.h"

struct queue {
	pthread_mutex_t lock;
	pthread_cond_t changed;	/* broadcast after every put, get and close */
	// lock must be held when using these:
	void **slots;		/* the ring: capacity slots */
	int capacity;		/* set by queue_new, never changed */
	int front;		/* next slot to take from */
	int back;		/* next slot to store into */
	int used;		/* items in the queue, 0..capacity */
	bool closed;		/* set once by queue_close */
};

struct queue *queue_new(int capacity)
{
	struct queue *q = Calloc(1, sizeof(*q));

	q->slots = Calloc((size_t)capacity, sizeof(*q->slots));
	q->capacity = capacity;
	q->front = q->back = q->used = 0;
	q->closed = false;
	Pthread_mutex_init(&q->lock, NULL);
	Pthread_cond_init(&q->changed, NULL);
	return q;
}

void queue_free(struct queue *q)
{
	Pthread_cond_destroy(&q->changed);
	Pthread_mutex_destroy(&q->lock);
	free(q->slots);
	free(q);
}

bool queue_put(struct queue *q, void *item)
{
	bool ok = false;

	Pthread_mutex_lock(&q->lock);
	while (!q->closed && q->used == q->capacity)
		Pthread_cond_wait(&q->changed, &q->lock);
	if (!q->closed) {
		q->slots[q->back] = item;
		chaos_point();
		q->back = (q->back + 1) % q->capacity;
		q->used++;
		ok = true;
		Pthread_cond_broadcast(&q->changed);
	}
	Pthread_mutex_unlock(&q->lock);
	return ok;
}

bool queue_get(struct queue *q, void **item)
{
	bool ok = false;

	Pthread_mutex_lock(&q->lock);
	while (!q->closed && q->used == 0)
		Pthread_cond_wait(&q->changed, &q->lock);
	if (q->used > 0) {
		*item = q->slots[q->front];
		chaos_point();
		q->front = (q->front + 1) % q->capacity;
		q->used--;
		ok = true;
		Pthread_cond_broadcast(&q->changed);
	}
	Pthread_mutex_unlock(&q->lock);
	return ok;		/* false: closed and nothing left */
}

void queue_close(struct queue *q)
{
	Pthread_mutex_lock(&q->lock);
	q->closed = true;
	Pthread_cond_broadcast(&q->changed);
	Pthread_mutex_unlock(&q->lock);
}
