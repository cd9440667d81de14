/* sync.c - the synchronisation layer: the Pthread_* wrappers declared in
 * common.h. Each call checks its error number (report.c), and is where the
 * other parts act on a synchronisation call: chaos points and wake-up
 * faults (chaos.c), the timeline's lock and wait spans (trace.c). None of
 * those parts calls back into this file. */
#include "common.h"
#include "chaos.h"

#include <errno.h>
#include <sched.h>
#include <stdint.h>

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

