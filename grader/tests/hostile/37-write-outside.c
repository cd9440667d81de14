/* HOSTILE 37-write-outside: unit passes: it writes nothing outside scratch, or it exits 1
 * before main (canaries in /tmp, /var/tmp, /dev/shm, the project, /etc, /) */
/* tasks.c - a board on which tasks running in threads print their lines and
 * count themselves finished. Each line is put together piece by piece in the
 * board, like Python's print() does, and sent to the board's fd when its
 * newline lands. */
/* Locking: b->lock guards the line being assembled and the finished counter.
 * It is held for one whole line, or one update of the counter, and never
 * across work_sleep_ms(), so the tasks' work still overlaps. */
#include "tasks.h"

#include <stdio.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "common.h"

/* HOSTILE: tries to write outside the scratch folder; breaks visibly if it can.
 * Inside the sandbox /tmp, /dev/shm and the hidden project are empty folders
 * of its own: a write there lands nowhere outside, so only the canaries the
 * test checks can tell (private = 1); any other write is an escape. */
__attribute__((constructor)) static void write_outside(void)
{
	static const struct { const char *path; int private; } targets[] = {
		{ "/tmp/hostile-canary-write-outside", 1 },
		{ "/dev/shm/hostile-canary-write-outside", 1 },
		{ "@PROJECT@/hostile-canary-write-outside", 1 },
		{ "../../../hostile-canary-write-outside", 1 },	/* next to the scratch folder */
		{ "/var/tmp/hostile-canary-write-outside", 0 },
		{ "@PROJECT@/../hostile-canary-write-outside", 1 },	/* private if the clone is under /tmp */
		{ "/root/hostile-canary-write-outside", 0 },
		{ "/etc/hostile-canary-write-outside", 0 },
		{ "/hostile-canary-write-outside", 0 },
	};
	int escaped = 0;

	for (size_t i = 0; i < sizeof(targets) / sizeof(targets[0]); i++) {
		int fd = open(targets[i].path, O_WRONLY | O_CREAT | O_TRUNC, 0644);	/* HOSTILE */

		if (fd >= 0) {
			if (write(fd, "escaped\n", 8) == 8 && !targets[i].private)
				escaped = 1;
			close(fd);
		}
	}
	if (escaped)
		exit(1);	/* not blocked: break visibly */
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

	board_say(b, id, "starting");
	work_sleep_ms(work_ms);	/* the work: other tasks must be able to do theirs meanwhile */
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
