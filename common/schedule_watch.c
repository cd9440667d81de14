/* schedule_watch.c - what a controlled schedule (schedule.c) cannot
 * explore: a watchdog that gives up a test whose running thread never comes
 * back to a switch point, and the file that keeps the tests given up, so
 * that later schedules of the run skip them. */
#include "common.h"
#include "schedule.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int __real_pthread_create(pthread_t *, const pthread_attr_t *, void *(*)(void *), void *);
int __real_pthread_mutex_lock(pthread_mutex_t *);
int __real_pthread_mutex_unlock(pthread_mutex_t *);
int __real_nanosleep(const struct timespec *, struct timespec *);
ssize_t __real_write(int, const void *, size_t);

/* ---- the watchdog: a thread that never comes back to a switch point ----
 * A loop that waits on plain or atomic memory (a spin lock of one's own),
 * or a call that blocks outside the scheduler's sight, keeps the only turn
 * for ever, though real threads would get past it. When no step has been
 * taken for STALL_MS, the schedule cannot explore this test: the process
 * says so and ends with SCHEDULE_GAVE_UP_EXIT, leaving the test's verdict
 * to the seeds (a real hang hangs them too). Threads that do take turns,
 * but without end (a livelock, a wait that yields until something no turn
 * brings), are given up the same way once the test has run STALL_MS of
 * real time: tests under a schedule take milliseconds. */
/* Another thread than the runner's waits for the turn. */
static bool someone_waits(void)
{
	for (int i = 0; i < S.n; i++)
		if (i != S.current && S.t[i]->state != DONE)
			return true;
	return false;
}

static void *watch(void *arg)
{
	const struct timespec tick = { 0, 100 * 1000000L };
	uint64_t last = ~0ull;
	int still = 0, ran = 0;

	(void)arg;
	for (;;) {
		__real_nanosleep(&tick, NULL);
		__real_pthread_mutex_lock(&S.lock);
		if (!S.on) {
			__real_pthread_mutex_unlock(&S.lock);
			return NULL;
		}
		still = S.steps == last && someone_waits() ? still + 100 : 0;
		last = S.steps;
		ran += 100;
		if (still >= STALL_MS)
			schedule_abandon(S.t[S.current]);
		if (ran >= STALL_MS && still == 0 && S.steps > 0) /* turns still taken */
			schedule_abandon_long(ran);
		__real_pthread_mutex_unlock(&S.lock);
	}
}

/* ---- tests given up: not tried again under the next schedules ----
 * A file with no name, made before the first test is forked: every test
 * process appends the name of a test it gives up, and reads it as its
 * own test begins. */
#define GAVE_UP_FD_MIN 100
static int gave_up_fd = -1;
static char running_test[128];

/* Its fd is the file's only name, and stands high: a program that closed
 * its standard descriptors must not get this file as its stdout. */
void schedule_gave_up_open(void)
{
	FILE *f = tmpfile();

	if (f == NULL)
		return;
	gave_up_fd = fcntl(fileno(f), F_DUPFD_CLOEXEC, GAVE_UP_FD_MIN);
	fclose(f);
}

/* Whether name is a line of the file. */
static bool gave_up_before(const char *name)
{
	char buf[8192], *p;
	ssize_t n;

	if (gave_up_fd < 0 || (n = pread(gave_up_fd, buf, sizeof(buf) - 1, 0)) <= 0)
		return false;
	buf[n] = '\0';
	for (p = strtok(buf, "\n"); p != NULL; p = strtok(NULL, "\n"))
		if (strcmp(p, name) == 0)
			return true;
	return false;
}

void schedule_gave_up_note(void)
{
	char line[sizeof(running_test) + 1];
	int n;

	if (gave_up_fd < 0 || running_test[0] == '\0')
		return;
	n = snprintf(line, sizeof(line), "%s\n", running_test);
	if (lseek(gave_up_fd, 0, SEEK_END) >= 0)
		(void)!__real_write(gave_up_fd, line, (size_t)n);
}

void schedule_test_begins(const char *name)
{
	if (!schedule_on())
		return;
	snprintf(running_test, sizeof(running_test), "%s", name);
	if (gave_up_before(name)) {
		fprintf(stderr, "SCHEDULE=%s: %s was given up under an earlier schedule.\n",
			S.name, name);
		_exit(SCHEDULE_GAVE_UP_EXIT);
	}
}

/* In every process that schedules, from its start: a forked test gets one
 * before its body runs, so the tests that count the process's threads
 * count it in their "before". */
void schedule_watch_start(void)
{
	pthread_t tid;

	if (__real_pthread_create(&tid, NULL, watch, NULL) == 0)
		pthread_detach(tid);
}
