/* table.c - part A: a hash table of int keys that many threads use at once.
 * Every access waits on a slow device (work_sleep_ms) while it holds the
 * lock that guards its data, so what one lock covers decides how many
 * threads can work at the same time. */
/* Locking: one mutex per bucket. buckets[i].lock guards buckets[i].head
 * and every node reachable from it (key, value, next). The table fields
 * (nbuckets, latency_ms, buckets pointer) are set in table_new and only
 * read after that, so they need no lock. */
#include "granularity.h"

#include <stdlib.h>

#include "common.h"

struct node {
	int key;
	int value;
	struct node *next;
};

struct bucket {
	pthread_mutex_t lock;	/* guards head and the nodes of this chain */
	struct node *head;	/* the chain of this bucket's keys */
};

struct table {
	int nbuckets;		/* set by table_new, only read afterwards */
	int latency_ms;		/* likewise */
	struct bucket *buckets;	/* nbuckets of them */
};

struct table *table_new(int nbuckets, int latency_ms)
{
	struct table *t = Calloc(1, sizeof(*t));

	t->nbuckets = nbuckets;
	t->latency_ms = latency_ms;
	t->buckets = Calloc((size_t)nbuckets, sizeof(*t->buckets));
	for (int i = 0; i < nbuckets; i++)
		Pthread_mutex_init(&t->buckets[i].lock, NULL);
	return t;
}

void table_free(struct table *t)
{
	for (int i = 0; i < t->nbuckets; i++) {
		struct node *n = t->buckets[i].head, *next;

		for (; n != NULL; n = next) {
			next = n->next;
			free(n);
		}
		Pthread_mutex_destroy(&t->buckets[i].lock);
	}
	free(t->buckets);
	free(t);
}

static struct bucket *bucket_of(struct table *t, int key)
{
	return &t->buckets[(unsigned)key % (unsigned)t->nbuckets];
}

/* The node that holds key in bucket b, or NULL. */
static struct node *find(struct bucket *b, int key)
{
	struct node *n = b->head;

	chaos_point();		/* between reading the head and walking the chain */
	while (n != NULL && n->key != key)
		n = n->next;
	return n;
}

void table_put(struct table *t, int key, int value)
{
	struct bucket *b = bucket_of(t, key);
	struct node *n;

	Pthread_mutex_lock(&b->lock);
	work_sleep_ms(t->latency_ms);	/* the slow device: inside the lock */
	n = find(b, key);
	if (n != NULL) {
		n->value = value;
	} else {
		n = Malloc(sizeof(*n));
		n->key = key;
		n->value = value;
		n->next = b->head;
		chaos_point();		/* between reading the head and writing it */
		b->head = n;
	}
	Pthread_mutex_unlock(&b->lock);
}

bool table_get(struct table *t, int key, int *value)
{
	struct bucket *b = bucket_of(t, key);
	struct node *n;

	Pthread_mutex_lock(&b->lock);
	work_sleep_ms(t->latency_ms);	/* the slow device: inside the lock */
	n = find(b, key);
	if (n != NULL)
		*value = n->value;
	Pthread_mutex_unlock(&b->lock);
	return n != NULL;
}

int table_count(struct table *t)
{
	int count = 0;

	/* Called only while no other thread uses the table (granularity.h). */
	for (int i = 0; i < t->nbuckets; i++)
		for (struct node *n = t->buckets[i].head; n != NULL; n = n->next)
			count++;
	return count;
}
