/* deadlock.c - two threads take two locks in opposite orders (ABBA).
 * Expected: times out; the diagnosis says "deadlock" and names lock_both. */
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

static pthread_mutex_t a = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t b = PTHREAD_MUTEX_INITIALIZER;

static void lock_both(pthread_mutex_t *first, pthread_mutex_t *second)
{
	pthread_mutex_lock(first);
	usleep(100000); /* let the other thread take its first lock */
	pthread_mutex_lock(second); /* the planted deadlock: opposite order */
	pthread_mutex_unlock(second);
	pthread_mutex_unlock(first);
}

static void *worker(void *arg)
{
	(void)arg;
	lock_both(&b, &a);
	return NULL;
}

int main(void)
{
	pthread_t t;

	printf("starting\n");
	fflush(stdout);
	pthread_create(&t, NULL, worker, NULL);
	lock_both(&a, &b);
	pthread_join(t, NULL);
	return 0;
}
