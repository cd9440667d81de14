/* errors.c - CS:APP-style error reporting and the wrappers declared in common.h.
 * Every failure exits with EXIT_FAILURE so a broken run never looks like a pass;
 * in a forked child, with _exit (die, below). */
#include "common.h"
#include "chaos.h"

#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* ---- reporting ---- */

static pid_t program_pid;	/* the process that started the program */

__attribute__((constructor)) static void note_program_pid(void)
{
	program_pid = getpid();
}

/* The message is on stderr, which is unbuffered. The program's own process
 * ends with exit, which flushes what it printed. A process made by fork
 * ends with _exit: its stdio buffers are copies of its parent's, and
 * flushing them would print the parent's unwritten text a second time
 * (lab 05's bug), from the very wrapper that failed in a child. */
static void die(void) __attribute__((noreturn));
static void die(void)
{
	if (getpid() != program_pid)
		_exit(EXIT_FAILURE);
	exit(EXIT_FAILURE);
}

void unix_error(const char *msg)
{
	fprintf(stderr, "%s: %s\n", msg, strerror(errno));
	die();
}

void posix_error(int code, const char *msg)
{
	fprintf(stderr, "%s: %s\n", msg, strerror(code));
	die();
}

void app_error(const char *msg)
{
	fprintf(stderr, "%s\n", msg);
	die();
}

/* ---- pthreads: the error number is the return value, errno is untouched ---- */

void Pthread_create(pthread_t *tid, const pthread_attr_t *attr,
		    void *(*start)(void *), void *arg)
{
	int rc = pthread_create(tid, attr, start, arg);

	if (rc != 0)
		posix_error(rc, "Pthread_create");
}

void Pthread_join(pthread_t tid, void **ret)
{
	int rc = pthread_join(tid, ret);

	if (rc != 0)
		posix_error(rc, "Pthread_join");
}

void Pthread_mutex_init(pthread_mutex_t *m, const pthread_mutexattr_t *attr)
{
	int rc = pthread_mutex_init(m, attr);

	if (rc != 0)
		posix_error(rc, "Pthread_mutex_init");
}

void Pthread_mutex_destroy(pthread_mutex_t *m)
{
	int rc = pthread_mutex_destroy(m);

	if (rc != 0)
		posix_error(rc, "Pthread_mutex_destroy");
}

/* Traced, a lock that is free is taken as before; one that is held is
 * timed while the caller waits for it: that wait is what serialises. */
void Pthread_mutex_lock(pthread_mutex_t *m)
{
	uint64_t start;
	int rc;

	if (!trace_on()) {
		rc = pthread_mutex_lock(m);
	} else if ((rc = pthread_mutex_trylock(m)) == EBUSY) {
		start = clock_now_ns();
		rc = pthread_mutex_lock(m);
		if (rc == 0)
			trace_span("lock", start, clock_now_ns());
	}
	if (rc != 0)
		posix_error(rc, "Pthread_mutex_lock");
}

void Pthread_mutex_unlock(pthread_mutex_t *m)
{
	int rc = pthread_mutex_unlock(m);

	if (rc != 0)
		posix_error(rc, "Pthread_mutex_unlock");
}

/* A read-write lock: many readers at once, or one writer. Traced like a
 * mutex: a wait for a lock another thread holds is a "lock" span. */
void Pthread_rwlock_init(pthread_rwlock_t *l, const pthread_rwlockattr_t *attr)
{
	int rc = pthread_rwlock_init(l, attr);

	if (rc != 0)
		posix_error(rc, "Pthread_rwlock_init");
}

void Pthread_rwlock_destroy(pthread_rwlock_t *l)
{
	int rc = pthread_rwlock_destroy(l);

	if (rc != 0)
		posix_error(rc, "Pthread_rwlock_destroy");
}

void Pthread_rwlock_rdlock(pthread_rwlock_t *l)
{
	uint64_t start;
	int rc;

	if (!trace_on()) {
		rc = pthread_rwlock_rdlock(l);
	} else if ((rc = pthread_rwlock_tryrdlock(l)) == EBUSY) {
		start = clock_now_ns();
		rc = pthread_rwlock_rdlock(l);
		if (rc == 0)
			trace_span("lock", start, clock_now_ns());
	}
	if (rc != 0)
		posix_error(rc, "Pthread_rwlock_rdlock");
}

void Pthread_rwlock_wrlock(pthread_rwlock_t *l)
{
	uint64_t start;
	int rc;

	if (!trace_on()) {
		rc = pthread_rwlock_wrlock(l);
	} else if ((rc = pthread_rwlock_trywrlock(l)) == EBUSY) {
		start = clock_now_ns();
		rc = pthread_rwlock_wrlock(l);
		if (rc == 0)
			trace_span("lock", start, clock_now_ns());
	}
	if (rc != 0)
		posix_error(rc, "Pthread_rwlock_wrlock");
}

void Pthread_rwlock_unlock(pthread_rwlock_t *l)
{
	int rc = pthread_rwlock_unlock(l);

	if (rc != 0)
		posix_error(rc, "Pthread_rwlock_unlock");
}

void Pthread_cond_init(pthread_cond_t *c, const pthread_condattr_t *attr)
{
	int rc = pthread_cond_init(c, attr);

	if (rc != 0)
		posix_error(rc, "Pthread_cond_init");
}

void Pthread_cond_destroy(pthread_cond_t *c)
{
	int rc = pthread_cond_destroy(c);

	if (rc != 0)
		posix_error(rc, "Pthread_cond_destroy");
}

/* Lets m go and takes it back, after a chaos delay: what a thread that was
 * preempted around its wake-up would see. */
static void cond_wait_release(pthread_mutex_t *m)
{
	Pthread_mutex_unlock(m);
	chaos_point();
	sched_yield();
	Pthread_mutex_lock(m);
}

/* Under chaos it shows the two wake-ups POSIX allows and careless code
 * forgets: a return with no signal at all (spurious), and a return after
 * another thread took the mutex first and used up what was signalled
 * (stolen). Code that re-checks its condition in a while loop is unaffected. */
void Pthread_cond_wait(pthread_cond_t *c, pthread_mutex_t *m)
{
	uint64_t start = trace_on() ? clock_now_ns() : 0;
	int rc;

	trace_cond_wait();
	if (chaos_wake_spurious()) {
		cond_wait_release(m);
		return;
	}
	rc = pthread_cond_wait(c, m);
	if (rc != 0)
		posix_error(rc, "Pthread_cond_wait");
	if (chaos_wake_late())
		cond_wait_release(m);
	trace_span("wait", start, clock_now_ns());
}

/* A condition variable signalled after another thread freed it (a future
 * freed by its getter while the worker, having unlocked, still signals it)
 * is invisible to the sanitizers: they do not see inside the C library. So
 * the wrappers read it first, a load AddressSanitizer checks and reports at
 * the caller's line; the chaos point before it widens the window in which
 * another thread may free it. */
static void cond_touch(pthread_cond_t *c)
{
	chaos_window();
	(void)*(volatile const unsigned char *)c;
}

void Pthread_cond_signal(pthread_cond_t *c)
{
	int rc;

	cond_touch(c);
	rc = pthread_cond_signal(c);

	if (rc != 0)
		posix_error(rc, "Pthread_cond_signal");
}

void Pthread_cond_broadcast(pthread_cond_t *c)
{
	int rc;

	cond_touch(c);
	rc = pthread_cond_broadcast(c);

	if (rc != 0)
		posix_error(rc, "Pthread_cond_broadcast");
}

/* ---- processes and descriptors: these set errno ---- */

pid_t Fork(void)
{
	pid_t pid = fork();

	if (pid < 0)
		unix_error("Fork");
	return pid;
}

pid_t Waitpid(pid_t pid, int *status, int options)
{
	pid_t rc = waitpid(pid, status, options);

	if (rc < 0)
		unix_error("Waitpid");
	return rc;
}

/* posix_spawn returns its error number instead of setting errno. */
void Posix_spawn(pid_t *pid, const char *path,
		 const posix_spawn_file_actions_t *actions,
		 const posix_spawnattr_t *attr, char *const argv[],
		 char *const envp[])
{
	int rc = posix_spawn(pid, path, actions, attr, argv, envp);

	if (rc != 0)
		posix_error(rc, "Posix_spawn");
}

void Pipe(int fds[2])
{
	if (pipe(fds) < 0)
		unix_error("Pipe");
}

/* No retry on EINTR: on Linux the descriptor is already released then. */
void Close(int fd)
{
	if (close(fd) < 0)
		unix_error("Close");
}

/*
 * malloc(0) may legally return NULL, so only a non-zero request can fail.
 * ENOMEM is the only failure POSIX allows, and not every allocator sets errno
 * (Valgrind's calloc does not), so the error is named rather than read.
 */
void *Malloc(size_t size)
{
	void *p = malloc(size);

	if (p == NULL && size != 0)
		posix_error(ENOMEM, "Malloc");
	return p;
}

void *Calloc(size_t n, size_t size)
{
	void *p = calloc(n, size);

	if (p == NULL && n != 0 && size != 0)
		posix_error(ENOMEM, "Calloc");
	return p;
}

/* A pipe or a signal can cut a write short; keep going until all n bytes are out. */
void Write(int fd, const void *buf, size_t n)
{
	const char *p = buf;

	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			unix_error("Write");
		}
		p += w;
		n -= (size_t)w;
	}
}

/* A harness program's integer argument in [min, max], or usage and exit. */
int arg_int(const char *s, int min, int max, const char *usage)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < min || v > max) {
		fprintf(stderr, "%s\n", usage);
		exit(EXIT_FAILURE);
	}
	return (int)v;
}
