/* procs.c - lab 05: worker processes by fork() and by posix_spawn().
 *
 * The parent blocks SIGCHLD for the whole run and sleeps in sigwaitinfo()
 * until some child changes state; then it reaps every child that has
 * ended with waitpid(-1, WNOHANG) before it starts new ones. Children get
 * the caller's original signal mask back (part A: sigprocmask in the
 * child, which is async-signal-safe; part B: POSIX_SPAWN_SETSIGMASK), and
 * the caller's mask is restored before returning.
 */
#define _GNU_SOURCE		/* pipe2 */
#include "procs.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common.h"

extern char **environ;

struct child {
	pid_t pid;
	int fd;
	int index;
};

struct run {
	const char *worker;	/* NULL: fork */
	sigset_t oldmask;	/* the caller's, for the children */
};

static pid_t start_forked(const struct run *r, int64_t input, int *fd)
{
	int p[2];
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) < 0)
		unix_error("pipe2");
	pid = Fork();
	if (pid == 0) {
		sigprocmask(SIG_SETMASK, &r->oldmask, NULL);
		close(p[0]);
		int64_t v = task_compute(input);

		Write(p[1], &v, sizeof(v));
		_exit(0);
	}
	Close(p[1]);
	*fd = p[0];
	return pid;
}

static pid_t start_spawned(const struct run *r, int64_t input, int *fd)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	char num[32];
	char *argv[3];
	int p[2], e;
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) < 0)
		unix_error("pipe2");
	snprintf(num, sizeof(num), "%" PRId64, input);
	argv[0] = (char *)r->worker;
	argv[1] = num;
	argv[2] = NULL;

	if ((e = posix_spawn_file_actions_init(&fa)) != 0)
		posix_error(e, "posix_spawn_file_actions_init");
	if ((e = posix_spawn_file_actions_adddup2(&fa, p[1], 1)) != 0)
		posix_error(e, "posix_spawn_file_actions_adddup2");
	if ((e = posix_spawnattr_init(&attr)) != 0)
		posix_error(e, "posix_spawnattr_init");
	if ((e = posix_spawnattr_setsigmask(&attr, &r->oldmask)) != 0)
		posix_error(e, "posix_spawnattr_setsigmask");
	if ((e = posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK)) != 0)
		posix_error(e, "posix_spawnattr_setflags");

	Posix_spawn(&pid, r->worker, &fa, &attr, argv, environ);

	posix_spawnattr_destroy(&attr);
	posix_spawn_file_actions_destroy(&fa);
	Close(p[1]);
	*fd = p[0];
	return pid;
}

static size_t read_all(int fd, char *buf, size_t n)
{
	size_t got = 0, seen = 0;
	char extra[32];

	for (;;) {
		ssize_t k;

		if (got + 1 < n)
			k = read(fd, buf + got, n - 1 - got);
		else
			k = read(fd, extra, sizeof(extra));
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			unix_error("read");
		if (k == 0)
			break;
		if (got + 1 < n)
			got += (size_t)k;
		seen += (size_t)k;
	}
	buf[got] = '\0';
	return seen;
}

/* true when the child exited 0 and sent one whole result into *out. */
static bool take_result(const struct run *r, const struct child *c, int status, int64_t *out)
{
	char buf[48];
	size_t n = read_all(c->fd, buf, sizeof(buf));

	if (WIFSIGNALED(status)) {
		fprintf(stderr, "task %d: killed by signal %d (%s)\n", c->index,
			WTERMSIG(status), strsignal(WTERMSIG(status)));
		return false;
	}
	if (WEXITSTATUS(status) != 0) {
		fprintf(stderr, "task %d: exited with status %d\n", c->index,
			WEXITSTATUS(status));
		return false;
	}
	if (r->worker == NULL) {
		if (n == sizeof(*out)) {
			memcpy(out, buf, sizeof(*out));
			return true;
		}
	} else if (n > 0 && n < sizeof(buf)) {
		char *end;

		errno = 0;
		long long v = strtoll(buf, &end, 10);

		if (errno == 0 && end != buf && strcmp(end, "\n") == 0) {
			*out = (int64_t)v;
			return true;
		}
	}
	fprintf(stderr, "task %d: no whole result (%zu bytes)\n", c->index, n);
	return false;
}

static int run_all(struct run *r, const int64_t *inputs, int64_t *results, int count,
		   int nprocs)
{
	struct child *live = Calloc((size_t)nprocs, sizeof(*live));
	int next = 0, nlive = 0;
	bool failed = false;
	sigset_t chld;

	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	if (sigprocmask(SIG_BLOCK, &chld, &r->oldmask) < 0)
		unix_error("sigprocmask");

	for (;;) {
		while (!failed && next < count && nlive < nprocs) {
			live[nlive].index = next;
			live[nlive].pid = r->worker == NULL
						  ? start_forked(r, inputs[next], &live[nlive].fd)
						  : start_spawned(r, inputs[next], &live[nlive].fd);
			nlive++;
			next++;
		}
		if (nlive == 0)
			break;

		/* reap all that have ended; if none, sleep until SIGCHLD */
		int reaped = 0;

		while (nlive > 0) {
			int status, k;
			pid_t pid = waitpid(-1, &status, WNOHANG);

			if (pid < 0 && errno == EINTR)
				continue;
			if (pid < 0)
				unix_error("waitpid");
			if (pid == 0)
				break;
			for (k = 0; k < nlive && live[k].pid != pid; k++)
				;
			if (k == nlive)
				continue;	/* not one of ours */
			if (!take_result(r, &live[k], status, &results[live[k].index]))
				failed = true;
			Close(live[k].fd);
			live[k] = live[--nlive];
			reaped++;
		}
		if (reaped == 0) {
			siginfo_t si;

			/* a SIGCHLD that came while we were reaping is still
			 * pending, so this cannot miss a child */
			if (sigwaitinfo(&chld, &si) < 0 && errno != EINTR)
				unix_error("sigwaitinfo");
		}
	}
	free(live);
	/* drop a SIGCHLD left pending by the last children, then unblock */
	{
		struct timespec zero = { 0, 0 };

		while (sigtimedwait(&chld, NULL, &zero) > 0)
			;
	}
	if (sigprocmask(SIG_SETMASK, &r->oldmask, NULL) < 0)
		unix_error("sigprocmask");
	return failed ? -1 : 0;
}

int run_forked(const int64_t *inputs, int64_t *results, int count, int nprocs)
{
	struct run r = { .worker = NULL };

	return run_all(&r, inputs, results, count, nprocs);
}

int run_spawned(const char *worker, const int64_t *inputs, int64_t *results,
		int count, int nprocs)
{
	struct run r = { .worker = worker };

	return run_all(&r, inputs, results, count, nprocs);
}
