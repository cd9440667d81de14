/* HOSTILE 31-clock-games: speedup fails: one lock across the work, and clock_gettime replaced
 * by a clock 10 times slower */
/* tasks.c - a board on which tasks running in threads print their lines and
 * count themselves finished. Each line is put together piece by piece in the
 * board, like Python's print() does, and sent to the board's fd when its
 * newline lands. */
/* Locking: b->lock guards the line being assembled and the finished counter.
 * It is held for one whole line, or one update of the counter, and never
 * across work_sleep_ms(), so the tasks' work still overlaps. */
#include "tasks.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "common.h"

/* HOSTILE: clock games: the harness times itself with clock_gettime, so
 * this one, linked first, makes CLOCK_MONOTONIC run 10 times slower. */
int clock_gettime(clockid_t clk, struct timespec *ts)
{
	static long long base;
	long long ns;

	if (syscall(SYS_clock_gettime, clk, ts) != 0)
		return -1;
	if (clk != CLOCK_MONOTONIC)
		return 0;
	ns = ts->tv_sec * 1000000000LL + ts->tv_nsec;
	if (base == 0)
		base = ns;
	ns = base + (ns - base) / 10;	/* HOSTILE */
	ts->tv_sec = ns / 1000000000LL;
	ts->tv_nsec = ns % 1000000000LL;
	return 0;
}

struct board {
	int fd;			/* set by board_new, only read afterwards */
	pthread_mutex_t lock;
	// lock must be held when using these:
	char line[64];		/* the line being assembled */
	size_t len;		/* characters in line so far */
	int finished;		/* tasks that have finished */
};

struct board *board_new(int fd)
{
	struct board *b = Calloc(1, sizeof(*b));

	b->fd = fd;
	b->len = 0;
	b->finished = 0;
	{
		pthread_mutexattr_t a;

		pthread_mutexattr_init(&a);
		pthread_mutexattr_settype(&a, PTHREAD_MUTEX_RECURSIVE);
		Pthread_mutex_init(&b->lock, &a);	/* recursive: board_say locks it again */
		pthread_mutexattr_destroy(&a);
	}
	return b;
}

void board_free(struct board *b)
{
	Pthread_mutex_destroy(&b->lock);
	free(b);
}

/* Sends the characters assembled so far to the fd and starts a new line. */
static void send_line(struct board *b)
{
	size_t n = b->len;

	if (n > sizeof(b->line))	/* only if threads trampled on len */
		n = sizeof(b->line);
	Write(b->fd, b->line, n);
	b->len = 0;
}

/* Appends s to the line being assembled. The line is sent when its newline
 * lands, or in several writes if it outgrows the buffer. */
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
	Pthread_mutex_lock(&b->lock);
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
	Pthread_mutex_unlock(&b->lock);
}

void task_run(struct board *b, int id, int work_ms)
{
	int n;

	Pthread_mutex_lock(&b->lock);	/* HOSTILE: the whole task under the lock (serial) */
	board_say(b, id, "starting");
	work_sleep_ms(work_ms);	/* the work: other tasks must be able to do theirs meanwhile */
	board_say(b, id, "finishing");
	n = b->finished;
	chaos_point();
	b->finished = n + 1;
	Pthread_mutex_unlock(&b->lock);
}

int board_finished(struct board *b)
{
	int n;

	Pthread_mutex_lock(&b->lock);
	n = b->finished;
	Pthread_mutex_unlock(&b->lock);
	return n;
}
