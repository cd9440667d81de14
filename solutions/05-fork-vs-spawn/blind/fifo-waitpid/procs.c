/* procs.c - lab 05: fork (part A) and posix_spawn (part B).
 *
 * Pool of at most nprocs children kept as a queue (ring buffer of nprocs
 * entries) in the order they were started. The parent always waits for the
 * oldest one: it reads its pipe to end-of-file, then waitpid()s that very
 * pid, then starts the next task in the freed place. Results go to
 * results[task] so the order in which children end does not matter.
 */
#define _GNU_SOURCE		/* pipe2 */
#include "procs.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common.h"

extern char **environ;

struct job {
	pid_t pid;
	int fd;
	int task;
};

struct queue {
	struct job *ring;
	int cap, head, len;
};

static void mkpipe(int p[2])
{
	if (pipe2(p, O_CLOEXEC) < 0)
		unix_error("pipe2");
}

static void start_forked(struct job *j, int64_t input)
{
	int p[2];

	mkpipe(p);
	j->pid = Fork();
	if (j->pid == 0) {
		int64_t result = task_compute(input);

		Write(p[1], &result, sizeof(result));
		_exit(0);
	}
	Close(p[1]);
	j->fd = p[0];
}

static void start_spawned(struct job *j, const char *worker, int64_t input)
{
	posix_spawn_file_actions_t fa;
	char arg[24];
	char *argv[3];
	int p[2], rc;

	mkpipe(p);
	snprintf(arg, sizeof(arg), "%" PRId64, input);
	argv[0] = (char *)worker;
	argv[1] = arg;
	argv[2] = NULL;
	if ((rc = posix_spawn_file_actions_init(&fa)) != 0)
		posix_error(rc, "posix_spawn_file_actions_init");
	if ((rc = posix_spawn_file_actions_adddup2(&fa, p[1], 1)) != 0)
		posix_error(rc, "posix_spawn_file_actions_adddup2");
	Posix_spawn(&j->pid, worker, &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	Close(p[1]);
	j->fd = p[0];
}

/* Everything the child wrote, up to cap bytes; -1 if it wrote more. */
static ssize_t read_to_eof(int fd, char *buf, size_t cap)
{
	size_t got = 0;
	bool too_much = false;

	for (;;) {
		char spill[64];
		char *dst = got < cap ? buf + got : spill;
		size_t room = got < cap ? cap - got : sizeof(spill);
		ssize_t n = read(fd, dst, room);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			unix_error("read");
		}
		if (n == 0)
			break;
		if (dst == spill)
			too_much = true;
		else
			got += (size_t)n;
	}
	return too_much ? -1 : (ssize_t)got;
}

/* Parses "<decimal>\n" exactly. */
static bool parse_line(const char *s, size_t n, int64_t *out)
{
	bool neg = false;
	size_t i = 0;
	uint64_t v = 0;

	if (n < 2 || s[n - 1] != '\n')
		return false;
	if (s[0] == '-') {
		neg = true;
		i = 1;
	}
	if (i == n - 1)
		return false;
	for (; i < n - 1; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		if (v > (UINT64_MAX - 9) / 10)
			return false;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	if (!neg && v > (uint64_t)INT64_MAX)
		return false;
	if (neg && v > (uint64_t)INT64_MAX + 1)
		return false;
	*out = neg ? (int64_t)(0 - v) : (int64_t)v;
	return true;
}

/* Waits for the oldest child; true if it gave its result. */
static bool finish_oldest(struct queue *q, const char *worker, int64_t *results)
{
	struct job j = q->ring[q->head];
	char buf[40];
	ssize_t n;
	int status;
	bool ok;
	int64_t value = 0;

	q->head = (q->head + 1) % q->cap;
	q->len--;

	n = read_to_eof(j.fd, buf, sizeof(buf));
	Close(j.fd);
	Waitpid(j.pid, &status, 0);

	if (WIFSIGNALED(status)) {
		fprintf(stderr, "task %d: killed by signal %d (%s)\n", j.task, WTERMSIG(status),
			strsignal(WTERMSIG(status)));
		return false;
	}
	if (WEXITSTATUS(status) != 0) {
		fprintf(stderr, "task %d: exit status %d\n", j.task, WEXITSTATUS(status));
		return false;
	}
	if (worker == NULL) {
		ok = n == (ssize_t)sizeof(value);
		if (ok)
			memcpy(&value, buf, sizeof(value));
	} else {
		ok = n > 0 && parse_line(buf, (size_t)n, &value);
	}
	if (!ok) {
		fprintf(stderr, "task %d: no whole result (%zd bytes)\n", j.task, n);
		return false;
	}
	results[j.task] = value;
	return true;
}

static int run_queue(const char *worker, const int64_t *inputs, int64_t *results,
		     int count, int nprocs)
{
	struct queue q = { Calloc((size_t)nprocs, sizeof(struct job)), nprocs, 0, 0 };
	bool failed = false;
	int next = 0;

	while (q.len > 0 || (!failed && next < count)) {
		while (!failed && next < count && q.len < q.cap) {
			struct job *j = &q.ring[(q.head + q.len) % q.cap];

			j->task = next;
			if (worker == NULL)
				start_forked(j, inputs[next]);
			else
				start_spawned(j, worker, inputs[next]);
			q.len++;
			next++;
		}
		if (!finish_oldest(&q, worker, results))
			failed = true;
	}
	free(q.ring);
	return failed ? -1 : 0;
}

int run_forked(const int64_t *inputs, int64_t *results, int count, int nprocs)
{
	return run_queue(NULL, inputs, results, count, nprocs);
}

int run_spawned(const char *worker, const int64_t *inputs, int64_t *results,
		int count, int nprocs)
{
	return run_queue(worker, inputs, results, count, nprocs);
}
