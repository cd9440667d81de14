/* chaos.c - seeded delays at race windows: CHAOS_SEED=N makes every
 * chaos_point() yield or sleep by a per-thread generator, so one seed replays
 * the same pressure. Unset or 0, a chaos point costs one load and one branch.
 * Under a controlled schedule (SCHEDULE set) a chaos point is a switch
 * point instead, and the wake-up faults are the scheduler's to choose. */
#include "common.h"
#include "chaos.h"

#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <time.h>

#define CHAOS_MAX_USEC 200

enum chaos_mode { MODE_OFF, MODE_ON, MODE_UNREAD, MODE_SCHEDULE };

/* Written once under pthread_once, read everywhere: seq_cst atomics only. */
static int mode = MODE_UNREAD;
static unsigned seed;
static unsigned thread_seq; /* next per-thread stream number */
static pthread_once_t once = PTHREAD_ONCE_INIT;

/* Per-thread generator: threads never share a stream, so no lock is needed. */
static __thread uint64_t rng;
static __thread int rng_ready;

static void read_seed(void)
{
	const char *s = getenv("CHAOS_SEED");
	unsigned long v = 0;
	char *end;

	if (s != NULL && s[0] != '\0') {
		errno = 0;
		v = strtoul(s, &end, 0);
		if (errno != 0 || *end != '\0' || v > 0xffffffffUL)
			app_error("CHAOS_SEED: not an unsigned 32-bit number");
	}
	if (schedule_on()) {	/* the schedule, not a seed, decides */
		__atomic_store_n(&seed, 0, __ATOMIC_SEQ_CST);
		__atomic_store_n(&mode, MODE_SCHEDULE, __ATOMIC_SEQ_CST);
		return;
	}
	__atomic_store_n(&seed, (unsigned)v, __ATOMIC_SEQ_CST);
	__atomic_store_n(&mode, v != 0 ? MODE_ON : MODE_OFF, __ATOMIC_SEQ_CST);
}

void chaos_init(void)
{
	int rc = pthread_once(&once, read_seed);

	if (rc != 0)
		posix_error(rc, "chaos_init: pthread_once");
}

unsigned chaos_seed(void)
{
	chaos_init();
	return __atomic_load_n(&seed, __ATOMIC_SEQ_CST);
}

/* splitmix64: turns (seed, stream number) into well-spread, non-zero state. */
static uint64_t splitmix64(uint64_t z)
{
	z += 0x9e3779b97f4a7c15ull;
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static uint64_t next_random(void)
{
	if (!rng_ready) {
		unsigned n = __atomic_fetch_add(&thread_seq, 1, __ATOMIC_SEQ_CST);

		rng = splitmix64(((uint64_t)chaos_seed() << 32) | n) | 1;
		rng_ready = 1;
	}
	rng ^= rng << 13; /* xorshift64 */
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* Half the points do nothing, a quarter yield, a quarter sleep 1..200 us:
 * enough to reorder threads without making a seeded run crawl. */
struct chaos_action chaos_next(void)
{
	struct chaos_action a = { CHAOS_NOTHING, 0 };
	uint64_t r;

	if (chaos_seed() == 0)
		return a;
	r = next_random();
	switch (r & 3) {
	case 2:
		a.kind = CHAOS_YIELD;
		break;
	case 3:
		a.kind = CHAOS_SLEEP;
		a.usec = 1 + (unsigned)((r >> 8) % CHAOS_MAX_USEC);
		break;
	}
	return a;
}

/* A thread's first wait is always spurious, so that code waiting under `if`
 * instead of `while` fails on its first wait, every run, not by luck. */
static __thread int waited;

bool chaos_wake_spurious(void)
{
	if (chaos_seed() == 0)
		return false;
	if (!waited) {
		waited = 1;
		return true;
	}
	return (next_random() & 3) == 0;
}

bool chaos_wake_late(void)
{
	return chaos_seed() != 0 && (next_random() & 3) == 0;
}

static void chaos_act(struct chaos_action a)
{
	struct timespec ts;

	if (a.kind == CHAOS_YIELD) {
		sched_yield();
	} else if (a.kind == CHAOS_SLEEP) {
		ts.tv_sec = 0;
		ts.tv_nsec = (long)a.usec * 1000L;
		nanosleep(&ts, NULL); /* cut short by a signal: fine for a delay */
	}
}

void chaos_point(void)
{
	int m = __atomic_load_n(&mode, __ATOMIC_SEQ_CST);

	if (m == MODE_OFF) /* the only branch taken when chaos is off */
		return;
	if (m == MODE_UNREAD) {
		chaos_init();
		m = __atomic_load_n(&mode, __ATOMIC_SEQ_CST);
	}
	if (m == MODE_SCHEDULE)
		schedule_yield();
	else
		chaos_act(chaos_next());
}

/* A window that must open every time under chaos, not one time in two: a
 * yield first, so that another thread of this CPU runs, then a chaos point. */
void chaos_window(void)
{
	if (chaos_seed() == 0) {
		schedule_yield();	/* nothing unless scheduled */
		return;
	}
	sched_yield();
	chaos_point();
}
