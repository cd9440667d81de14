/* table.c - part A: a hash table of int keys that many threads use at once.
 * Every access waits on a slow device (work_sleep_ms) while it holds the
 * lock that guards its data. */
/* Locking: lock striping. The table has NSTRIPES mutexes; stripe s guards
 * the head and the chain of every bucket i with i % NSTRIPES == s. A put or
 * a get locks only the stripe of its key's bucket. With at most NSTRIPES
 * buckets this is exactly a lock per bucket; with more, a few buckets share
 * a lock, and memory stays fixed however big the table gets.
 * NSTRIPES is a multiple of 8 on purpose (see the handout): buckets that
 * are equal modulo 8 share stripes only with each other, so 8 threads that
 * each own "their" residue modulo 8 never wait for each other.
 * nbuckets, latency_ms and the buckets array: written by table_new only. */
#include "granularity.h"

#include <stdlib.h>

#include "common.h"

#define NSTRIPES 32		/* a multiple of 8 */

struct node {
	int key;
	int value;
	struct node *next;
};

struct bucket {
	/* guarded by the stripe t->stripes[index % NSTRIPES] */
	struct node *head;	/* the chain of this bucket's keys */
};

struct table {
	int nbuckets;		/* set by table_new, only read afterwards */
	int latency_ms;		/* likewise */
	pthread_mutex_t stripes[NSTRIPES];	/* stripe s guards buckets s, s+NSTRIPES, ... */
	struct bucket *buckets;	/* nbuckets of them */
};

struct table *table_new(int nbuckets, int latency_ms)
{
	struct table *t = Calloc(1, sizeof(*t));

	t->nbuckets = nbuckets;
	t->latency_ms = latency_ms;
	t->buckets = Calloc((size_t)nbuckets, sizeof(*t->buckets));
	for (int s = 0; s < NSTRIPES; s++)
		Pthread_mutex_init(&t->stripes[s], NULL);
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
	}
	for (int s = 0; s < NSTRIPES; s++)
		Pthread_mutex_destroy(&t->stripes[s]);
	free(t->buckets);
	free(t);
}

static unsigned index_of(struct table *t, int key)
{
	return (unsigned)key % (unsigned)t->nbuckets;
}

static pthread_mutex_t *stripe_of(struct table *t, unsigned idx)
{
	return &t->stripes[idx % NSTRIPES];
}

/* The node that holds key in bucket b, or NULL. With b's stripe held. */
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
	unsigned idx = index_of(t, key);
	struct bucket *b = &t->buckets[idx];
	pthread_mutex_t *lock = stripe_of(t, idx);
	struct node *n;

	Pthread_mutex_lock(lock);
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
	Pthread_mutex_unlock(lock);
}

bool table_get(struct table *t, int key, int *value)
{
	unsigned idx = index_of(t, key);
	struct bucket *b = &t->buckets[idx];
	pthread_mutex_t *lock = stripe_of(t, idx);
	struct node *n;
	bool found;

	Pthread_mutex_lock(lock);
	work_sleep_ms(t->latency_ms);	/* the slow device: inside the lock */
	n = find(b, key);
	found = n != NULL;
	if (found)
		*value = n->value;
	Pthread_mutex_unlock(lock);
	return found;
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
