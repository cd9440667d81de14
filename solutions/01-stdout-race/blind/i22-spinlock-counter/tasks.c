/* tasks.c - a board on which tasks running in threads print their lines and
 * count themselves finished. Each line is put together piece by piece in the
 * board, like Python's print() does, and sent to the board's fd when its
 * newline lands. */
/* Locking:
 *  - line_lock (a pthread mutex) guards line and len: held for a whole
 *    board_say, so a line is assembled and sent by one thread at a time.
 *  - count_spin (my own spin lock, a C11 atomic_flag) guards the
 *    read-modify-write of finished. The critical section is two atomic
 *    operations long, so spinning (politely, with sched_yield) costs
 *    less than sleeping on a mutex would. finished itself is an atomic_int
 *    and every access to it is atomic (atomic_load / atomic_store), so a
 *    reader never needs the spin lock: board_finished just loads it.
 * No lock is ever held across work_sleep_ms(). */
#include "tasks.h"

#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

#include "common.h"

struct board {
	int fd;			/* set by board_new, only read afterwards */
	pthread_mutex_t line_lock;
	// line_lock must be held when using these:
	char line[64];		/* the line being assembled */
	size_t len;		/* characters in line so far */

	atomic_flag count_spin;	/* spin lock: held while finished is updated */
	atomic_int finished;	/* tasks that have finished; only atomic accesses */
};

/* Test-and-set spin lock. test_and_set and clear are seq_cst, so whatever
 * the holder did is visible to the next one to get the flag. */
static void spin_lock(atomic_flag *f)
{
	while (atomic_flag_test_and_set(f))
		sched_yield();	/* let the holder run instead of burning our slice */
}

static void spin_unlock(atomic_flag *f)
{
	atomic_flag_clear(f);
}

struct board *board_new(int fd)
{
	struct board *b = Calloc(1, sizeof(*b));

	b->fd = fd;
	b->len = 0;
	Pthread_mutex_init(&b->line_lock, NULL);
	atomic_flag_clear(&b->count_spin);
	atomic_init(&b->finished, 0);
	return b;
}

void board_free(struct board *b)
{
	Pthread_mutex_destroy(&b->line_lock);
	free(b);
}

/* Sends the characters assembled so far to the fd and starts a new line.
 * With b->line_lock held. */
static void send_line(struct board *b)
{
	size_t n = b->len;

	/* Correct locking never takes this branch, so coverage leaves it out. */
	// GCOVR_EXCL_START
	if (n > sizeof(b->line))	/* only if threads trampled on len */
		n = sizeof(b->line);
	// GCOVR_EXCL_STOP
	Write(b->fd, b->line, n);
	b->len = 0;
}

/* Appends s to the line being assembled. The line is sent when its newline
 * lands, or in several writes if it outgrows the buffer. With b->line_lock
 * held. */
static void put_str(struct board *b, const char *s)
{
	for (; *s != '\0'; s++) {
		size_t n = b->len;

		if (n >= sizeof(b->line)) {	/* full: send what is there */
			send_line(b);
			n = 0;
		}
		b->line[n] = *s;
		b->len = n + 1;
		if (*s == '\n')
			send_line(b);
	}
}

void board_say(struct board *b, int id, const char *what)
{
	char num[16];

	snprintf(num, sizeof(num), "%d", id);
	Pthread_mutex_lock(&b->line_lock);
	/* chaos_point() widens the gaps where another thread could cut in. */
	put_str(b, "Task ");
	chaos_point();
	put_str(b, num);
	chaos_point();
	put_str(b, ": ");
	chaos_point();
	put_str(b, what);
	chaos_point();
	put_str(b, "\n");
	Pthread_mutex_unlock(&b->line_lock);
}

void task_run(struct board *b, int id, int work_ms)
{
	int n;

	board_say(b, id, "starting");
	work_sleep_ms(work_ms);	/* the work: other tasks must be able to do theirs meanwhile */
	board_say(b, id, "finishing");

	spin_lock(&b->count_spin);
	n = atomic_load(&b->finished);
	chaos_point();
	atomic_store(&b->finished, n + 1);
	spin_unlock(&b->count_spin);
}

int board_finished(struct board *b)
{
	/* Only ever grows, and only by whole stores: one load is a value it had. */
	return atomic_load(&b->finished);
}
