/* tasks.c - a board on which tasks running in threads print their lines and
 * count themselves finished. Each line is put together piece by piece in the
 * board, like Python's print() does, and sent to the board's fd when its
 * newline lands. */
// BEGIN SOLUTION
/* Locking: b->lock guards the line being assembled and the finished counter.
 * It is held for one whole line, or one update of the counter, and never
 * across work_sleep_ms(), so the tasks' work still overlaps. */
// END SOLUTION
#include "tasks.h"

#include <stdio.h>
#include <stdlib.h>

#include "common.h"

struct board {
	int fd;			/* set by board_new, only read afterwards */
	//@ // YOUR CODE HERE
	//@ //
	//@ // Make the fields below safe to use from many threads at once.
// BEGIN SOLUTION
	pthread_mutex_t lock;
	// lock must be held when using these:
// END SOLUTION
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
	//@ // YOUR CODE HERE
	//@ //
	//@ // Get ready whatever you added to struct board.
// BEGIN SOLUTION
	Pthread_mutex_init(&b->lock, NULL);
// END SOLUTION
	return b;
}

void board_free(struct board *b)
{
	//@ // YOUR CODE HERE
	//@ //
	//@ // Release whatever board_new got ready.
// BEGIN SOLUTION
	Pthread_mutex_destroy(&b->lock);
// END SOLUTION
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
	//@ // YOUR CODE HERE
	//@ //
	//@ // Make each line reach the fd whole, never mixed with another thread's line.
// BEGIN SOLUTION
	Pthread_mutex_lock(&b->lock);
// END SOLUTION
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
// BEGIN SOLUTION
	Pthread_mutex_unlock(&b->lock);
// END SOLUTION
}

void task_run(struct board *b, int id, int work_ms)
{
	int n;

	board_say(b, id, "starting");
	work_sleep_ms(work_ms);	/* the work: other tasks must be able to do theirs meanwhile */
	board_say(b, id, "finishing");
	//@ // YOUR CODE HERE
	//@ //
	//@ // Count this task as finished without losing a count made by another thread.
// BEGIN SOLUTION
	Pthread_mutex_lock(&b->lock);
// END SOLUTION
	n = b->finished;
	chaos_point();
	b->finished = n + 1;
// BEGIN SOLUTION
	Pthread_mutex_unlock(&b->lock);
// END SOLUTION
}

int board_finished(struct board *b)
{
	int n;

	//@ // YOUR CODE HERE
	//@ //
	//@ // Read the count without racing with tasks that are finishing.
// BEGIN SOLUTION
	Pthread_mutex_lock(&b->lock);
// END SOLUTION
	n = b->finished;
// BEGIN SOLUTION
	Pthread_mutex_unlock(&b->lock);
// END SOLUTION
	return n;
}
