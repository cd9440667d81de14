/* relock.c - a thread locks a mutex it already holds (a self-deadlock) through
 * a wrapper like common's Pthread_mutex_lock, while a harness thread (its code
 * in relock_harness.h, a file of the "lab" that is not the student's) waits
 * in read. Expected: times out; the diagnosis says the lock is held by the
 * waiting thread itself and marks the reader "(harness)". */
#include <pthread.h>
#include <stdio.h>

#include "relock_harness.h"

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static void lock_it(pthread_mutex_t *m)
{
	pthread_mutex_lock(m);
}

static void say(const char *what)
{
	lock_it(&lock); /* the planted bug: the caller holds it already */
	printf("%s\n", what);
	pthread_mutex_unlock(&lock);
}

int main(void)
{
	start_reader();
	lock_it(&lock);
	say("never printed");
	pthread_mutex_unlock(&lock);
	return 0;
}
