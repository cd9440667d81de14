/* HOSTILE 33-forged-log: unit: lines_whole and counter_exact should fail: no lock, and an exit
 * handler rewrites Check's XML log as all passed and exits 0. NOT IN expect.json: the grader
 * is fooled (full marks); code in the test process can forge the log Check writes */
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
#include <unistd.h>

#include "common.h"

static pid_t runner;

/* HOSTILE: in Check's runner, after it wrote its log, writes a log of its own */
static void forge_log(void)
{
	static const char *const tests[] = { "test_tasks_say_whole_line", "test_tasks_run_in_order",
		"test_tasks_lines_whole", "test_tasks_start_before_finish", "test_tasks_counter_exact" };
	const char *path = getenv("CK_XML_LOG_FILE_NAME");
	FILE *f;

	if (path == NULL || getpid() != runner || (f = fopen(path, "w")) == NULL)
		return;
	fputs("<?xml version=\"1.0\"?>\n<testsuites xmlns=\"http://check.sourceforge.net/ns\">\n"
	      "<suite><title>tasks</title>\n", f);
	for (int i = 0; i < 5; i++)
		fprintf(f, "<test result=\"success\"><path>tests</path><fn>check_tasks.c:1</fn>"
			"<id>%s</id><iteration>0</iteration><duration>0.010000</duration>"
			"<description>Core</description><message>Passed</message></test>\n", tests[i]);
	fputs("</suite></testsuites>\n", f);
	fclose(f);
	_exit(0);	/* HOSTILE: and the exit code Check would give a clean run */
}

__attribute__((constructor)) static void arm(void)
{
	runner = getpid();
	atexit(forge_log);	/* HOSTILE */
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
}

void task_run(struct board *b, int id, int work_ms)
{
	int n;

	board_say(b, id, "starting");
	work_sleep_ms(work_ms);	/* the work: other tasks must be able to do theirs meanwhile */
	board_say(b, id, "finishing");
	n = b->finished;	/* no lock: lost updates */
	chaos_point();
	b->finished = n + 1;
}

int board_finished(struct board *b)
{
	int n;

	Pthread_mutex_lock(&b->lock);
	n = b->finished;
	Pthread_mutex_unlock(&b->lock);
	return n;
}
