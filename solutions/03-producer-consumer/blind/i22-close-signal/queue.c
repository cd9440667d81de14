/* queue.c - part A: a bounded blocking queue, Python's queue.Queue(maxsize)
 * in C. Producers wait while it is full, consumers while it is empty, and
 * close is the shutdown signal: waiting puts fail, gets drain what is left.
 * The items live in a ring buffer: head is the front, count how many. */
/* Locking: lock guards every field below it.
 * Waiting: consumers sleep on has_items while the queue is empty and open,
 * producers on has_room while it is full and open. Each side signals the
 * other after it changes count; close wakes the sleepers. */
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
	pthread_cond_t has_items;	/* get waits on it, put signals it */
	pthread_cond_t has_room;	/* put waits on it, get signals it */
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
	Pthread_cond_signal(&q->has_items);
	Pthread_mutex_unlock(&q->lock);
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
	Pthread_cond_signal(&q->has_room);
	Pthread_mutex_unlock(&q->lock);
	return true;
}

void queue_close(struct queue *q)
{
	Pthread_mutex_lock(&q->lock);
	q->closed = true;
	/* wake up whoever is sleeping, on both sides */
	Pthread_cond_signal(&q->has_items);
	Pthread_cond_signal(&q->has_room);
	Pthread_mutex_unlock(&q->lock);
}
