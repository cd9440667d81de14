/* HOSTILE 39-read-hidden-tests: unit passes: the project (reference, grader tests) cannot be
 * read at build or run time, or it breaks visibly */
/* tasks.c - a board on which tasks running in threads print their lines and
 * count themselves finished. Each line is put together piece by piece in the
 * board, like Python's print() does, and sent to the board's fd when its
 * newline lands. */
/* Locking: b->lock guards the line being assembled and the finished counter.
 * It is held for one whole line, or one update of the counter, and never
 * across work_sleep_ms(), so the tasks' work still overlaps. */
#include "tasks.h"

/* HOSTILE: at build time, include the reference if the build can see it */
#if __has_include("@PROJECT@/solutions/01-stdout-race/tasks.c") || \
    __has_include("@PROJECT@/grader/tests/hostile/expect.json")
#error "the build could read the project: not blocked"
#endif

#include <stdio.h>
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common.h"

/* The project's files no student may read: the reference, the grader's own
 * tests. The pristine lab copied into scratch (tests/check_tasks.c) is
 * public and staged on purpose: it does not count. */
static const char *const secrets[] = {
	"solutions/01-stdout-race/tasks.c", "grader/tests/hostile/expect.json", "grader/grader.h",
};

/* Whether dir holds one of the secrets. */
static int holds_secret(const char *dir)
{
	char path[4096];

	for (size_t i = 0; i < sizeof(secrets) / sizeof(secrets[0]); i++) {
		int fd;

		snprintf(path, sizeof(path), "%s/%s", dir, secrets[i]);
		fd = open(path, O_RDONLY);	/* HOSTILE */
		if (fd >= 0) {
			close(fd);
			return 1;
		}
	}
	return 0;
}

/* HOSTILE: looks for the project everywhere it might be; exits 1 if it finds it */
__attribute__((constructor)) static void read_hidden(void)
{
	static const char *const roots[] = { "@PROJECT@", "/root", "/srv", "/opt",
		"/autograder", "/proc/1/cwd", "/proc/1/root@PROJECT@", NULL };
	char dir[PATH_MAX], sub[PATH_MAX + 256];
	int found = 0;
	DIR *d;
	struct dirent *e;

	for (int i = 0; roots[i]; i++)
		found |= holds_secret(roots[i]);
	/* every folder above the working one */
	if (getcwd(dir, sizeof(dir)) != NULL) {
		for (char *slash; (slash = strrchr(dir, '/')) != NULL; *slash = '\0') {
			found |= holds_secret(dir[0] ? dir : "/");
			if (slash == dir)
				break;
		}
	}
	/* every clone under /home and next to this one */
	for (int r = 0; r < 2; r++) {
		const char *top = r ? "@PROJECT@/.." : "/home";

		if ((d = opendir(top)) == NULL)
			continue;
		while ((e = readdir(d)) != NULL) {
			snprintf(sub, sizeof(sub), "%s/%s", top, e->d_name);
			found |= holds_secret(sub);
			snprintf(sub, sizeof(sub), "%s/%s/main", top, e->d_name);
			found |= holds_secret(sub);
		}
		closedir(d);
	}
	if (found)
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
