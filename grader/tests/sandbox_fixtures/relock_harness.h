/* relock_harness.h - the "harness" part of relock.c: a thread that waits
 * in read on a pipe nobody writes to. */
#include <pthread.h>
#include <unistd.h>

static int reader_fds[2];

static void *reader(void *arg)
{
	char c;

	(void)arg;
	return read(reader_fds[0], &c, 1) > 0 ? NULL : arg;
}

static void start_reader(void)
{
	pthread_t t;

	if (pipe(reader_fds) == 0)
		pthread_create(&t, NULL, reader, NULL);
}
