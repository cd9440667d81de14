/* queue.c - part A: a bounded blocking queue, Python's queue.Queue(maxsize)
 * in C. Producers wait while it is full, consumers while it is empty, and
 * close is the shutdown signal: waiting puts fail, gets drain what is left.
 * The items live in a ring buffer: head is the front, count how many. */
/* Locking: lock guards every field below it. Correct, and wasteful: a
 * thread that must wait lets go of the lock, yields, takes it back and
 * looks again, over and over, burning a core while nothing changes. */
#include "prodcons.h"

#include <sched.h>
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
	// YOUR CODE HERE
	//
	// Add what a thread waits on, so that it sleeps instead of polling.
};

struct queue *queue_new(int capacity)
{
	struct queue *q = Calloc(1, sizeof(*q));

	q->items = Calloc((size_t)capacity, sizeof(*q->items));
	q->capacity = capacity;
	Pthread_mutex_init(&q->lock, NULL);
	// YOUR CODE HERE
	//
	// Get ready whatever you added to struct queue.
	return q;
}

void queue_free(struct queue *q)
{
	// YOUR CODE HERE
	//
	// Release whatever queue_new got ready.
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

/* With q->lock held: lets it go so other threads can change the queue,
 * then takes it back. Called in a loop, this is a busy wait. Inline, so
 * that the file still compiles once your waits no longer call it (an
 * unused static function is an error under -Werror); delete it then. */
static inline void poll_again(struct queue *q)
{
	Pthread_mutex_unlock(&q->lock);
	sched_yield();
	Pthread_mutex_lock(&q->lock);
}

bool queue_put(struct queue *q, void *item)
{
	Pthread_mutex_lock(&q->lock);
	// YOUR CODE HERE
	//
	// Sleep on a condition variable while the queue is full and open.
	while (q->count == q->capacity && !q->closed)
		poll_again(q);
	if (q->closed) {
		Pthread_mutex_unlock(&q->lock);
		return false;
	}
	ring_push(q, item);
	// YOUR CODE HERE
	//
	// Wake a consumer that waits for an item.
	Pthread_mutex_unlock(&q->lock);
	return true;
}

bool queue_get(struct queue *q, void **item)
{
	Pthread_mutex_lock(&q->lock);
	// YOUR CODE HERE
	//
	// Sleep on a condition variable while the queue is empty and open.
	while (q->count == 0 && !q->closed)
		poll_again(q);
	if (q->count == 0) {	/* closed and drained */
		Pthread_mutex_unlock(&q->lock);
		return false;
	}
	*item = ring_pop(q);
	// YOUR CODE HERE
	//
	// Wake a producer that waits for room.
	Pthread_mutex_unlock(&q->lock);
	return true;
}

void queue_close(struct queue *q)
{
	Pthread_mutex_lock(&q->lock);
	q->closed = true;
	// YOUR CODE HERE
	//
	// Wake every waiting thread, producers and consumers: each must see the close.
	Pthread_mutex_unlock(&q->lock);
}
