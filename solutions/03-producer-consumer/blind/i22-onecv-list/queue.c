/* queue.c - part A: a bounded blocking queue, Python's queue.Queue(maxsize)
 * in C. Producers wait while it is full, consumers while it is empty, and
 * close is the shutdown signal: waiting puts fail, gets drain what is left.
 *
 * My version keeps the items in a singly linked list (front .. back) rather
 * than a ring, and uses ONE condition variable, "changed", for everybody:
 * every put, get and close broadcasts on it, and every waiter (producer or
 * consumer) re-checks its own condition in a while loop. Broadcast, not
 * signal, because with a single condition variable a signal could wake a
 * thread of the wrong kind and be lost (OSTEP's broken version). */
/* Locking: lock guards every field below it, and the nodes of the list. */
#include "prodcons.h"

#include <stdlib.h>

#include "common.h"

struct qnode {
	void *item;
	struct qnode *next;
};

struct queue {
	pthread_mutex_t lock;
	// lock must be held when using these:
	pthread_cond_t changed;	/* broadcast whenever count or closed changes */
	struct qnode *front;	/* oldest item, taken by get */
	struct qnode *back;	/* newest item, put appends after it */
	int capacity;		/* set by queue_new, never changed */
	int count;		/* items in the list, 0..capacity */
	bool closed;		/* set once by queue_close, never cleared */
};

struct queue *queue_new(int capacity)
{
	struct queue *q = Calloc(1, sizeof(*q));

	q->capacity = capacity;
	q->front = q->back = NULL;
	Pthread_mutex_init(&q->lock, NULL);
	Pthread_cond_init(&q->changed, NULL);
	return q;
}

void queue_free(struct queue *q)
{
	struct qnode *n = q->front, *next;

	for (; n != NULL; n = next) {	/* items never got: free the nodes only */
		next = n->next;
		free(n);
	}
	Pthread_cond_destroy(&q->changed);
	Pthread_mutex_destroy(&q->lock);
	free(q);
}

/* Both with q->lock held: append at the back, unlink the front. */
static void list_push(struct queue *q, struct qnode *n)
{
	n->next = NULL;
	if (q->back == NULL)
		q->front = n;
	else
		q->back->next = n;
	chaos_point();		/* between linking the node and counting it */
	q->back = n;
	q->count++;
}

static struct qnode *list_pop(struct queue *q)
{
	struct qnode *n = q->front;

	chaos_point();		/* between reading the front and moving past it */
	q->front = n->next;
	if (q->front == NULL)
		q->back = NULL;
	q->count--;
	return n;
}

bool queue_put(struct queue *q, void *item)
{
	/* Allocate outside the lock: nobody else sees the node until it is linked. */
	struct qnode *n = Malloc(sizeof(*n));

	n->item = item;
	Pthread_mutex_lock(&q->lock);
	while (q->count == q->capacity && !q->closed)
		Pthread_cond_wait(&q->changed, &q->lock);
	if (q->closed) {
		Pthread_mutex_unlock(&q->lock);
		free(n);
		return false;
	}
	list_push(q, n);
	Pthread_cond_broadcast(&q->changed);	/* consumers: there is an item */
	Pthread_mutex_unlock(&q->lock);
	return true;
}

bool queue_get(struct queue *q, void **item)
{
	struct qnode *n;

	Pthread_mutex_lock(&q->lock);
	while (q->count == 0 && !q->closed)
		Pthread_cond_wait(&q->changed, &q->lock);
	if (q->count == 0) {	/* closed and drained */
		Pthread_mutex_unlock(&q->lock);
		return false;
	}
	n = list_pop(q);
	Pthread_cond_broadcast(&q->changed);	/* producers: there is room */
	Pthread_mutex_unlock(&q->lock);
	*item = n->item;
	free(n);
	return true;
}

void queue_close(struct queue *q)
{
	Pthread_mutex_lock(&q->lock);
	q->closed = true;
	Pthread_cond_broadcast(&q->changed);	/* everybody must see it */
	Pthread_mutex_unlock(&q->lock);
}
