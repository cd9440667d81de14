/* table.c - part A: a hash table of int keys that many threads use at once.
 * Every access waits on a slow device (work_sleep_ms) while it holds the
 * lock that guards its data, so what one lock covers decides how many
 * threads can work at the same time. */
/* Locking: each bucket has its own read-write lock, bucket->rw, which
 * guards that bucket's head and every field of every node in its chain.
 * table_get takes it for reading (gets of one bucket overlap), table_put
 * for writing (a put is alone in its bucket). nbuckets, latency_ms and the
 * buckets array itself are written by table_new only, then just read:
 * they need no lock. There is no table-wide lock. */
#include "granularity.h"

#include <stdlib.h>

#include "common.h"

struct node {
	int key;
	int value;
	struct node *next;
};

struct bucket {
	pthread_rwlock_t rw;	/* guards head and the whole chain below */
	struct node *head;	/* the chain of this bucket's keys */
};

struct table {
	int nbuckets;		/* set by table_new, only read afterwards */
	int latency_ms;		/* likewise */
	struct bucket *buckets;	/* nbuckets of them, each with its own lock */
};

struct table *table_new(int nbuckets, int latency_ms)
{
	struct table *t = Calloc(1, sizeof(*t));

	t->nbuckets = nbuckets;
	t->latency_ms = latency_ms;
	t->buckets = Calloc((size_t)nbuckets, sizeof(*t->buckets));
	for (int i = 0; i < nbuckets; i++) {
		t->buckets[i].head = NULL;
		Pthread_rwlock_init(&t->buckets[i].rw, NULL);
	}
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
		Pthread_rwlock_destroy(&t->buckets[i].rw);
	}
	free(t->buckets);
	free(t);
}

static struct bucket *bucket_of(struct table *t, int key)
{
	return &t->buckets[(unsigned)key % (unsigned)t->nbuckets];
}

/* The node that holds key in bucket b, or NULL. With b->rw held. */
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

	Pthread_rwlock_wrlock(&b->rw);
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
	Pthread_rwlock_unlock(&b->rw);
}

bool table_get(struct table *t, int key, int *value)
{
	struct bucket *b = bucket_of(t, key);
	struct node *n;
	bool found = false;

	Pthread_rwlock_rdlock(&b->rw);
	work_sleep_ms(t->latency_ms);	/* the slow device: inside the lock */
	n = find(b, key);
	if (n != NULL) {
		*value = n->value;
		found = true;
	}
	Pthread_rwlock_unlock(&b->rw);
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
