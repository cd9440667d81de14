/* stuck.c - a test runner in miniature, like Check in fork mode: forks a
 * "test" whose thread locks a mutex it already holds (it waits for itself),
 * waits for it with its own timer, kills it after 4 s and goes on.
 * Expected: ends by itself after about 4 s; with stuck_s = 2 the sandbox has
 * diagnosed the test as a deadlock in relock (stuck.c) before the kill. */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define TEST_TIMEOUT_S 4

static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;

static void relock(void)
{
	pthread_mutex_lock(&m);
	pthread_mutex_lock(&m); /* the planted deadlock: a default mutex is not recursive */
	pthread_mutex_unlock(&m);
	pthread_mutex_unlock(&m);
}

static void *worker(void *arg)
{
	(void)arg;
	relock();
	return NULL;
}

static void run_test(void)
{
	pthread_t t;
	pthread_create(&t, NULL, worker, NULL);
	pthread_join(t, NULL);
}

int main(void)
{
	struct timespec start, now;
	int status;
	printf("runner: starting the test\n");
	fflush(stdout);
	pid_t test = fork();
	if (test == 0) {
		run_test();
		_exit(0);
	}
	setpgid(test, test); /* as Check does: the test in its own process group */
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		if (waitpid(test, &status, WNOHANG) == test) {
			printf("runner: the test ended by itself\n");
			return 1;
		}
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec - start.tv_sec + (now.tv_nsec - start.tv_nsec) / 1e9 >= TEST_TIMEOUT_S)
			break;
		usleep(10000);
	}
	killpg(test, SIGKILL);
	waitpid(test, &status, 0);
	printf("runner: Test timeout expired\n");
	return 0;
}
