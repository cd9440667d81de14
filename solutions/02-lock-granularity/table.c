/* table.c - part A: a hash table of int keys that many threads use at once.
 * Every access waits on a slow device (work_sleep_ms) while it holds the
 * lock that guards its data, so what one lock covers decides how many
 * threads can work at the same time. */
// BEGIN SOLUTION
/* Locking: each bucket has its own lock, which guards that bucket's chain:
 * its head and the key, value and next of every node in it. An access
 * locks only its key's bucket and holds it across the slow device, so
 * accesses to different buckets go on at the same time. No code ever holds
 * two bucket locks at once, so there is no lock order to keep. nbuckets,
 * latency_ms and the buckets array are set by table_new and only read
 * afterwards. */
// END SOLUTION
//@ /* Locking: t->lock, one lock for the whole table, guards every bucket.
//@  * Correct, and slow: one thread at a time uses the table, the others wait
//@  * for it even when they want other buckets. */
#include "granularity.h"

#include <stdlib.h>

#include "common.h"

struct node {
	int key;
	int value;
	struct node *next;
};

struct bucket {
	//@ // YOUR CODE HERE
	//@ //
	//@ // Give each bucket its own lock, and say here what it guards.
// BEGIN SOLUTION
	pthread_mutex_t lock;
	// lock must be held when using this, and every node of the chain:
// END SOLUTION
	struct node *head;	/* the chain of this bucket's keys */
};

struct table {
	int nbuckets;		/* set by table_new, only read afterwards */
	int latency_ms;		/* likewise */
	//@ pthread_mutex_t lock;	/* guards every bucket: the one lock to split */
	struct bucket *buckets;	/* nbuckets of them */
};

struct table *table_new(int nbuckets, int latency_ms)
{
	struct table *t = Calloc(1, sizeof(*t));

	t->nbuckets = nbuckets;
	t->latency_ms = latency_ms;
	t->buckets = Calloc((size_t)nbuckets, sizeof(*t->buckets));
	//@ Pthread_mutex_init(&t->lock, NULL);
	//@ // YOUR CODE HERE
	//@ //
	//@ // Get ready whatever you added to struct bucket.
// BEGIN SOLUTION
	for (int i = 0; i < nbuckets; i++)
		Pthread_mutex_init(&t->buckets[i].lock, NULL);
// END SOLUTION
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
// BEGIN SOLUTION
		Pthread_mutex_destroy(&t->buckets[i].lock);
// END SOLUTION
	}
	//@ Pthread_mutex_destroy(&t->lock);
	//@ // YOUR CODE HERE
	//@ //
	//@ // Release whatever table_new got ready.
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

	//@ // YOUR CODE HERE
	//@ //
	//@ // Lock only the bucket the key lives in, not the whole table.
	//@ Pthread_mutex_lock(&t->lock);
// BEGIN SOLUTION
	Pthread_mutex_lock(&b->lock);
// END SOLUTION
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
	//@ Pthread_mutex_unlock(&t->lock);
// BEGIN SOLUTION
	Pthread_mutex_unlock(&b->lock);
// END SOLUTION
}

bool table_get(struct table *t, int key, int *value)
{
	struct bucket *b = bucket_of(t, key);
	struct node *n;

	//@ // YOUR CODE HERE
	//@ //
	//@ // Lock only the bucket the key lives in, not the whole table.
	//@ Pthread_mutex_lock(&t->lock);
// BEGIN SOLUTION
	Pthread_mutex_lock(&b->lock);
// END SOLUTION
	work_sleep_ms(t->latency_ms);	/* the slow device: inside the lock */
	n = find(b, key);
	if (n != NULL)
		*value = n->value;
	//@ Pthread_mutex_unlock(&t->lock);
// BEGIN SOLUTION
	Pthread_mutex_unlock(&b->lock);
// END SOLUTION
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
