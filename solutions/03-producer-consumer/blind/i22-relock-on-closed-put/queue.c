/* queue.c - part A: a bounded blocking queue, Python's queue.Queue(maxsize)
 * in C. Producers wait while it is full, consumers while it is empty, and
 * close is the shutdown signal: waiting puts fail, gets drain what is left.
 * The items live in a ring buffer: head is the front, count how many. */
/* Locking: lock guards every field below it.
 * not_empty: consumers sleep on it; put signals it after adding.
 * not_full:  producers sleep on it; get signals it after taking.
 * A closed queue: wake_all() broadcasts both, so that every sleeper, of
 * either kind, looks again and sees closed. */
#include "prodcons.h"

#include <stdlib.h>

#include "common.h"

struct queue {
	pthread_mutex_t lock;
	// lock must be held when using these:
	void **items;		/* the ring: capacity slots */
	int capacity;		/* set by queue_new, never changed */
	int head;		/* slot of the front item */
	int count;		/* items in the queue, 0..capacity */
	bool closed;		/* set once by queue_close, never cleared */
	pthread_cond_t not_empty;	/* signalled when count goes up */
	pthread_cond_t not_full;	/* signalled when count goes down */
};

struct queue *queue_new(int capacity)
{
	struct queue *q = Calloc(1, sizeof(*q));

	q->items = Calloc((size_t)capacity, sizeof(*q->items));
	q->capacity = capacity;
	Pthread_mutex_init(&q->lock, NULL);
	Pthread_cond_init(&q->not_empty, NULL);
	Pthread_cond_init(&q->not_full, NULL);
	return q;
}

void queue_free(struct queue *q)
{
	Pthread_cond_destroy(&q->not_empty);
	Pthread_cond_destroy(&q->not_full);
	Pthread_mutex_destroy(&q->lock);
	free(q->items);
	free(q);
}

/* Wakes every thread sleeping on q, both kinds. Takes q->lock itself, so
 * that the broadcasts go out with the mutex held (Helgrind likes that). */
static void wake_all(struct queue *q)
{
	Pthread_mutex_lock(&q->lock);
	Pthread_cond_broadcast(&q->not_empty);
	Pthread_cond_broadcast(&q->not_full);
	Pthread_mutex_unlock(&q->lock);
}

/* Both with q->lock held: add at the back, take from the front. */
static void ring_push(struct queue *q, void *item)
{
	q->items[(q->head + q->count) % q->capacity] = item;
	chaos_point();		/* between storing the item and counting it */
	q->count++;
}

static void *ring_pop(struct queue *q)
{
	void *item = q->items[q->head];

	chaos_point();		/* between reading the front and moving past it */
	q->head = (q->head + 1) % q->capacity;
	q->count--;
	return item;
}

bool queue_put(struct queue *q, void *item)
{
	Pthread_mutex_lock(&q->lock);
	while (q->count == q->capacity && !q->closed)
		Pthread_cond_wait(&q->not_full, &q->lock);
	if (q->closed) {
		/* Refused. Pass the news on, in case another producer is
		 * still asleep behind us. */
		wake_all(q);
		Pthread_mutex_unlock(&q->lock);
		return false;
	}
	ring_push(q, item);
	Pthread_cond_signal(&q->not_empty);
	Pthread_mutex_unlock(&q->lock);
	return true;
}

bool queue_get(struct queue *q, void **item)
{
	Pthread_mutex_lock(&q->lock);
	while (q->count == 0 && !q->closed)
		Pthread_cond_wait(&q->not_empty, &q->lock);
	if (q->count == 0) {	/* closed and drained */
		Pthread_mutex_unlock(&q->lock);
		return false;
	}
	*item = ring_pop(q);
	Pthread_cond_signal(&q->not_full);
	Pthread_mutex_unlock(&q->lock);
	return true;
}

void queue_close(struct queue *q)
{
	Pthread_mutex_lock(&q->lock);
	q->closed = true;
	Pthread_mutex_unlock(&q->lock);
	wake_all(q);
}
