/* tasks.c - a board on which tasks running in threads print their lines and
 * count themselves finished.
 *
 * My version: each thread puts its line together in a buffer of its own (on
 * its stack, or malloc'd when the word is long), so nothing is shared while
 * the line is being built. Only the write of the finished line and the
 * counter are shared, and the board's mutex guards those. */
/* Locking: b->lock guards b->finished and every write to b->fd (one Write
 * of a whole line at a time). Never held across work_sleep_ms(). */
#include "tasks.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"

struct board {
	int fd;			/* set by board_new, only read afterwards */
	pthread_mutex_t lock;
	// lock must be held when using these (and when writing to fd):
	int finished;		/* tasks that have finished */
};

struct board *board_new(int fd)
{
	struct board *b = Calloc(1, sizeof(*b));

	b->fd = fd;
	b->finished = 0;
	Pthread_mutex_init(&b->lock, NULL);
	return b;
}

void board_free(struct board *b)
{
	Pthread_mutex_destroy(&b->lock);
	free(b);
}

/* Copies s at line + at and returns the new length. */
static size_t append(char *line, size_t at, const char *s, size_t n)
{
	memcpy(line + at, s, n);
	return at + n;
}

void board_say(struct board *b, int id, const char *what)
{
	char num[16];
	char small[128];	/* most lines fit here */
	char *line = small;
	size_t numlen, whatlen, need, len = 0;

	snprintf(num, sizeof(num), "%d", id);
	numlen = strlen(num);
	whatlen = strlen(what);
	need = 5 + numlen + 2 + whatlen + 1;	/* "Task " num ": " what "\n" */
	if (need > sizeof(small))
		line = Malloc(need);

	/* Built in my own buffer: no other thread can see it, no lock needed. */
	len = append(line, len, "Task ", 5);
	chaos_point();
	len = append(line, len, num, numlen);
	chaos_point();
	len = append(line, len, ": ", 2);
	chaos_point();
	len = append(line, len, what, whatlen);
	chaos_point();
	len = append(line, len, "\n", 1);

	/* One whole line, one write, nobody else writing meanwhile. */
	Pthread_mutex_lock(&b->lock);
	Write(b->fd, line, len);
	Pthread_mutex_unlock(&b->lock);

	if (line != small)
		free(line);
}

void task_run(struct board *b, int id, int work_ms)
{
	int n;

	board_say(b, id, "starting");
	work_sleep_ms(work_ms);	/* no lock held here */
	board_say(b, id, "finishing");

	Pthread_mutex_lock(&b->lock);
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
