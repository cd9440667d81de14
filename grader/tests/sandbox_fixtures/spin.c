/* spin.c - two threads spin forever without blocking.
 * Expected: times out; the diagnosis says the threads are running (a loop). */
#include <pthread.h>

static volatile unsigned long counter;

static void spin_forever(void)
{
	for (;;)
		counter++;
}

static void *worker(void *arg)
{
	(void)arg;
	spin_forever();
	return NULL;
}

int main(void)
{
	pthread_t t;

	pthread_create(&t, NULL, worker, NULL);
	spin_forever();
	return 0;
}
