/* lostwake.c - the main thread waits on a condition variable nobody will
 * signal (a lost wake-up) while a thread of the "harness"
 * (lostwake_harness.h) polls for its result, burning some CPU between its
 * looks, as a test waiting for a result does. Expected: times out; the
 * diagnosis says the student's threads all wait (a deadlock or a lost
 * wake-up), not that they run in a loop, whatever CPU the harness used. */
#include <pthread.h>

#include "lostwake_harness.h"

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t ready_cond = PTHREAD_COND_INITIALIZER;
static int ready;

static void wait_ready(void)
{
	pthread_mutex_lock(&lock);
	while (!ready)
		pthread_cond_wait(&ready_cond, &lock); /* the planted bug: nobody signals */
	pthread_mutex_unlock(&lock);
}

int main(void)
{
	start_poller();
	wait_ready();
	done = 1;
	return 0;
}
