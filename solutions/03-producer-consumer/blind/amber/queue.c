/* queue.c - part A: a bounded blocking queue, Python's queue.Queue(maxsize)
 * in C. Producers wait while it is full, consumers while it is empty, and
 * close is the shutdown signal: waiting puts fail, gets drain what is left.
 * The items live in a ring buffer: head is the front, count how many. */
/* Locking: lock guards every field of struct queue except capacity. A
 * thread that must wait sleeps on a condition variable. Every change is
 * made under the lock; the signal about it is sent just after the unlock,
 * so the thread we wake does not have to wait for a mutex we still hold
 * (POSIX allows cond_signal without the mutex). */
#include "prodcons.h"

#include <stdlib.h>

#include "common.h"

struct queue {
	pthread_mutex_t lock;
	pthread_cond_t has_items;	/* consumers sleep here, put signals it */
	pthread_cond_t has_room;	/* producers sleep here, get signals it */
	// lock must be held when using these:
	void **items;		/* the ring: capacity slots */
	int capacity;		/* set by queue_new, never changed */
	int head;		/* slot of the front item */
	int count;		/* items in the queue, 0..capacity */
	bool closed;		/* set once by queue_close, never cleared */
};

struct queue *queue_new(int capacity)
{
	struct queue *q = Calloc(1, sizeof(*q));

	q->items = Calloc((size_t)capacity, sizeof(*q->items));
	q->capacity = capacity;
	Pthread_mutex_init(&q->lock, NULL);
	Pthread_cond_init(&q->has_items, NULL);
	Pthread_cond_init(&q->has_room, NULL);
	return q;
}

void queue_free(struct queue *q)
{
	Pthread_cond_destroy(&q->has_room);
	Pthread_cond_destroy(&q->has_items);
	Pthread_mutex_destroy(&q->lock);
	free(q->items);
	free(q);
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
		Pthread_cond_wait(&q->has_room, &q->lock);
	if (q->closed) {
		Pthread_mutex_unlock(&q->lock);
		return false;
	}
	ring_push(q, item);
	Pthread_mutex_unlock(&q->lock);

	/* the item is in (under the lock): now tell one consumer */
	Pthread_cond_signal(&q->has_items);
	return true;
}

bool queue_get(struct queue *q, void **item)
{
	Pthread_mutex_lock(&q->lock);
	while (q->count == 0 && !q->closed)
		Pthread_cond_wait(&q->has_items, &q->lock);
	if (q->count == 0) {	/* closed and drained */
		Pthread_mutex_unlock(&q->lock);
		return false;
	}
	*item = ring_pop(q);
	Pthread_mutex_unlock(&q->lock);

	/* one slot is free now: tell one producer */
	Pthread_cond_signal(&q->has_room);
	return true;
}

void queue_close(struct queue *q)
{
	Pthread_mutex_lock(&q->lock);
	q->closed = true;
	Pthread_mutex_unlock(&q->lock);

	/* everybody waiting, of both kinds, has to see the close */
	Pthread_cond_broadcast(&q->has_items);
	Pthread_cond_broadcast(&q->has_room);
}
