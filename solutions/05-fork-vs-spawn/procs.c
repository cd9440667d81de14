/* procs.c - CPU-bound tasks in worker processes, Python's multiprocessing
 * in C: started by fork() (part A) or by posix_spawn() of the lab's worker
 * program (part B). One loop serves both: keep up to nprocs children alive,
 * reap whichever ends first, read its result from its pipe into its own
 * slot, start the next. */
// BEGIN SOLUTION
/* Processes: the parent is one thread. Each child has a pipe of its own;
 * the parent keeps its read end and closes the write end as soon as the
 * child is started, so the child holds the only write end and the read
 * sees end-of-file once it is gone. A child's result is small (8 bytes, or
 * one line), less than a pipe holds, so the child never blocks writing it,
 * and the parent can reap first and read after. Every descriptor the
 * parent opens is O_CLOEXEC, so a spawned worker gets fd 1 (the dup2 of the
 * file action clears O_CLOEXEC on it) and nothing of its siblings. After a
 * failure no new child is started; the ones alive are still reaped. */
// END SOLUTION
//@ /* Processes: one child at a time, made by fork() in both parts: each is
//@  * started, waited for and read before the next. Correct results, no
//@  * faster than one process, and part B never runs the worker program. */
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

// BEGIN SOLUTION
/* The child of fork: computes from what it inherited, sends the 8 bytes. */
static void forked_child(int64_t input, int out)
{
	int64_t result = task_compute(input);

	Write(out, &result, sizeof(result));
	_exit(0);
}

static pid_t start_forked(int64_t input, int *fd)
{
	int p[2];
	pid_t pid;

	pipe_cloexec(p);
	pid = Fork();
	if (pid == 0) {
		close(p[0]);
		forked_child(input, p[1]);
	}
	Close(p[1]);
	*fd = p[0];
	return pid;
}

/* posix_spawn of worker with the input as its argument, fd 1 the pipe. */
static pid_t start_spawned(const char *worker, int64_t input, int *fd)
{
	posix_spawn_file_actions_t actions;
	char arg[32];
	char *argv[] = { (char *)worker, arg, NULL };
	int p[2], rc;
	pid_t pid;

	pipe_cloexec(p);
	snprintf(arg, sizeof(arg), "%" PRId64, input);
	if ((rc = posix_spawn_file_actions_init(&actions)) != 0 ||
	    (rc = posix_spawn_file_actions_adddup2(&actions, p[1], STDOUT_FILENO)) != 0)
		posix_error(rc, "posix_spawn_file_actions");	// GCOVR_EXCL_LINE: out of memory
	Posix_spawn(&pid, worker, &actions, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&actions);
	Close(p[1]);
	*fd = p[0];
	return pid;
}
// END SOLUTION

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

static pid_t start(const struct method *m, int64_t input, int *fd)
{
	//@ // YOUR CODE HERE
	//@ //
	//@ // Part A: start_forked; part B: start_spawned of m->worker (write both above).
	//@ int p[2];
	//@ pid_t pid;
	//@ 
	//@ (void)m;
	//@ pipe_cloexec(p);
	//@ pid = Fork();
	//@ if (pid == 0) {
	//@ 	int64_t result = task_compute(input);
	//@ 
	//@ 	Write(p[1], &result, sizeof(result));
	//@ 	_exit(0);
	//@ }
	//@ Close(p[1]);
	//@ *fd = p[0];
	//@ return pid;
// BEGIN SOLUTION
	return m->worker == NULL ? start_forked(input, fd) : start_spawned(m->worker, input, fd);
// END SOLUTION
}

/* Runs every task, at most nprocs children at once; 0, or -1 on a failure. */
static int run_all(const struct method *m, const int64_t *inputs, int64_t *results,
		   int count, int nprocs)
{
	//@ // YOUR CODE HERE
	//@ //
	//@ // Keep up to nprocs children alive: reap whichever ends first, start the next.
	//@ (void)nprocs;
	//@ for (int i = 0; i < count; i++) {	/* one child at a time */
	//@ 	struct child c = { .index = i };
	//@ 	int status;
	//@ 	bool ok;
	//@ 
	//@ 	c.pid = start(m, inputs[i], &c.fd);
	//@ 	Waitpid(c.pid, &status, 0);
	//@ 	ok = child_result(m, &c, status, &results[i]);
	//@ 	Close(c.fd);
	//@ 	if (!ok)
	//@ 		return -1;
	//@ }
	//@ return 0;
// BEGIN SOLUTION
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
// END SOLUTION
}

int run_forked(const int64_t *inputs, int64_t *results, int count, int nprocs)
{
	struct method m = { NULL };

	return run_all(&m, inputs, results, count, nprocs);
}

int run_spawned(const char *worker, const int64_t *inputs, int64_t *results,
		int count, int nprocs)
{
	//@ // YOUR CODE HERE
	//@ //
	//@ // Start each child with posix_spawn of worker instead of fork.
	//@ struct method m = { NULL };
	//@ 
	//@ (void)worker;
// BEGIN SOLUTION
	struct method m = { worker };
// END SOLUTION

	return run_all(&m, inputs, results, count, nprocs);
}
