/* tasks.c - a board on which tasks running in threads print their lines and
 * count themselves finished. Each line is put together piece by piece in the
 * board, like Python's print() does, and sent to the board's fd when its
 * newline lands. */
/* Locking: b->lock guards line, len and finished. I keep every critical
 * section as short as possible (lesson of the notebook: lock only what must
 * be locked), and never hold the lock across work_sleep_ms() or a chaos
 * point that is not about the line. */
#include "tasks.h"

#include <stdio.h>
#include <stdlib.h>

#include "common.h"

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
	Pthread_mutex_init(&b->lock, NULL);
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

	/* Correct locking never takes this branch, so coverage leaves it out. */
	// GCOVR_EXCL_START
	if (n > sizeof(b->line))	/* only if threads trampled on len */
		n = sizeof(b->line);
	// GCOVR_EXCL_STOP
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

	board_say(b, id, "starting");
	work_sleep_ms(work_ms);	/* the work: other tasks must be able to do theirs meanwhile */
	board_say(b, id, "finishing");

	/* Every access to finished is under the lock (Helgrind is happy),
	 * but the lock is not held across the chaos point. */
	Pthread_mutex_lock(&b->lock);
	n = b->finished;
	Pthread_mutex_unlock(&b->lock);
	chaos_point();
	Pthread_mutex_lock(&b->lock);
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
