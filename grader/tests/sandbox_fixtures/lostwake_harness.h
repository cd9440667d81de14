/* lostwake_harness.h - the "harness" part of lostwake.c: a thread that
 * looks for the main thread's result every millisecond, with about as much
 * work as sleep between two looks. */
#include <pthread.h>
#include <time.h>

static volatile int done;

static void *poller(void *arg)
{
	struct timespec ms = { 0, 1000000 };

	while (!done) {
		for (volatile long i = 0; i < 300000; i++)
			;
		nanosleep(&ms, NULL);
	}
	return arg;
}

static void start_poller(void)
{
	pthread_t t;

	pthread_create(&t, NULL, poller, NULL);
}
