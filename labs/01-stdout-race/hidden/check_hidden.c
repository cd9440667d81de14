/* check_hidden.c - lab 01's hidden tests: the instructor's, never shown to
 * students and absent from the student release (grader/SPEC.md). They test
 * the handout's contract where the visible tests do not look:
 *   - long words (lines of several 64-byte buffers) and extreme ids
 *     (negative, INT_MIN, INT_MAX) from many threads at once;
 *   - many boards used at once, each by its own threads: each board's fd gets
 *     its own lines only, whole, and each board counts its own tasks;
 *   - boards are independent: a board whose fd is full (its writer blocked)
 *     does not stop another board.
 * The sink is the visible tests' (tests/check_tasks.c): a pipe in packet mode
 * drained by a slow reader, so a line written in pieces gets torn. */
#define _GNU_SOURCE /* F_SETPIPE_SZ, O_DIRECT, pipe2, gettid */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "check_main.h"
#include "common.h"
#include "harness.h"
#include "tasks.h"

#define NTHREADS 16		/* threads released together by a barrier */
#define SINK_PIPE_SIZE 4096	/* one page: one packet waits at a time */
#define SINK_MAX (1 << 20)	/* bytes kept from a board; more is a failure */

/* ---- the sink: a pipe drained by a reader thread (as in check_tasks.c) ---- */

struct sink {
	int rfd, wfd;
	pthread_t reader;
	char *buf;
	size_t len;
	int overflow;
};

static void pause_us(long us)
{
	struct timespec ts = { us / 1000000L, (us % 1000000L) * 1000L };

	nanosleep(&ts, NULL);
}

static void *sink_reader(void *p)
{
	struct sink *s = p;
	char chunk[PIPE_BUF];

	for (;;) {
		ssize_t r = read(s->rfd, chunk, sizeof(chunk));

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			unix_error("sink: read");
		if (r == 0)
			return NULL;
		if (s->len + (size_t)r <= SINK_MAX) {
			memcpy(s->buf + s->len, chunk, (size_t)r);
			s->len += (size_t)r;
		} else {
			s->overflow = 1;
		}
		chaos_point();
		pause_us(20);
	}
}

static void sink_open(struct sink *s)
{
	int fds[2];

	memset(s, 0, sizeof(*s));
	if (pipe2(fds, O_DIRECT) < 0)
		Pipe(fds);
	s->rfd = fds[0];
	s->wfd = fds[1];
	(void)fcntl(s->wfd, F_SETPIPE_SZ, SINK_PIPE_SIZE);
	s->buf = Malloc(SINK_MAX);
	Pthread_create(&s->reader, NULL, sink_reader, s);
}

static void sink_close(struct sink *s)
{
	close(s->wfd);
	Pthread_join(s->reader, NULL);
	Close(s->rfd);
}

/* ---- expected lines: a sink's output must be exactly these, each once ---- */

struct expect {
	char **line;		/* without the newline */
	int *seen;
	int n;
};

static void expect_init(struct expect *e, int n)
{
	e->line = Calloc((size_t)n, sizeof(*e->line));
	e->seen = Calloc((size_t)n, sizeof(*e->seen));
	e->n = 0;
}

static void expect_add(struct expect *e, int id, const char *what)
{
	size_t len = strlen(what) + 32;

	e->line[e->n] = Malloc(len);
	snprintf(e->line[e->n], len, "Task %d: %s", id, what);
	e->n++;
}

static void expect_free(struct expect *e)
{
	for (int i = 0; i < e->n; i++)
		free(e->line[i]);
	free(e->line);
	free(e->seen);
}

/* "" when s holds every expected line exactly once and nothing else, else
 * what was wrong, in msg. */
static void expect_match(struct expect *e, const struct sink *s, char *msg, size_t cap)
{
	const char *p = s->buf, *end = s->buf + s->len;
	char q[160];
	int lineno = 0;

	msg[0] = '\0';
	memset(e->seen, 0, (size_t)e->n * sizeof(*e->seen));
	if (s->overflow) {
		snprintf(msg, cap, "the board wrote more than %d bytes", SINK_MAX);
		return;
	}
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		int k;

		lineno++;
		harness_quote(q, sizeof(q), p, n);
		if (nl == NULL) {
			snprintf(msg, cap, "torn line %s: no newline at the end of the output", q);
			return;
		}
		for (k = 0; k < e->n; k++)
			if (strlen(e->line[k]) == n && memcmp(e->line[k], p, n) == 0)
				break;
		if (k == e->n) {
			snprintf(msg, cap, "line %d is %s: no task said that on this board", lineno, q);
			return;
		}
		if (e->seen[k]++) {
			snprintf(msg, cap, "line %d, %s, came out twice", lineno, q);
			return;
		}
		p += n + 1;
	}
	for (int k = 0; k < e->n; k++) {
		if (!e->seen[k]) {
			harness_quote(q, sizeof(q), e->line[k], strlen(e->line[k]));
			snprintf(msg, cap, "the line %s never came out", q);
			return;
		}
	}
}

/* ---- threads released together ---- */

static void barrier_wait(pthread_barrier_t *b)
{
	int rc = pthread_barrier_wait(b);

	if (rc != 0 && rc != PTHREAD_BARRIER_SERIAL_THREAD)
		posix_error(rc, "pthread_barrier_wait");
}

static void barrier_init(pthread_barrier_t *b, unsigned n)
{
	int rc = pthread_barrier_init(b, NULL, n);

	if (rc != 0)
		posix_error(rc, "pthread_barrier_init");
}

static void setup(void)
{
	chaos_init();
}

/* ---- long words and extreme ids ---- */

#define WORDS_LINES 64		/* lines per round */
#define WORDS_ROUNDS 2

static const int extreme_ids[] = { INT_MIN, INT_MAX, -1, -42, -1000000, 1000000000,
				   INT_MIN + 1, INT_MAX - 1, 0, -7 };
#define NEXTREME ((int)(sizeof(extreme_ids) / sizeof(extreme_ids[0])))

/* Line k: an id (the extreme ones first) and a word of one letter, long
 * enough to cross the 64-byte buffer 0 to 4 times. */
static int words_id(int k)
{
	return k < NEXTREME ? extreme_ids[k] : (k % 2 ? -k : k * 1000);
}

static char *words_word(int k)
{
	int len = 1 + (k * 37) % 300;
	char *w = Malloc((size_t)len + 1);

	memset(w, 'a' + k % 26, (size_t)len);
	w[len] = '\0';
	return w;
}

struct words {
	struct board *b;
	pthread_barrier_t start;
	char *word[WORDS_LINES];
};

struct words_worker {
	struct words *w;
	int t;
};

static void *words_main(void *p)
{
	struct words_worker *ww = p;

	barrier_wait(&ww->w->start);
	for (int k = ww->t; k < WORDS_LINES; k += NTHREADS)
		board_say(ww->w->b, words_id(k), ww->w->word[k]);
	return NULL;
}

START_TEST(test_hidden_long_words_ids)
{
	pthread_t tids[NTHREADS];
	struct words_worker workers[NTHREADS];
	struct words w;
	struct expect e;
	struct sink s;
	char msg[256];

	expect_init(&e, WORDS_LINES);
	for (int k = 0; k < WORDS_LINES; k++) {
		w.word[k] = words_word(k);
		expect_add(&e, words_id(k), w.word[k]);
	}
	for (int round = 1; round <= WORDS_ROUNDS; round++) {
		sink_open(&s);
		w.b = board_new(s.wfd);
		barrier_init(&w.start, NTHREADS);
		for (int t = 0; t < NTHREADS; t++) {
			workers[t] = (struct words_worker){ &w, t };
			Pthread_create(&tids[t], NULL, words_main, &workers[t]);
		}
		for (int t = 0; t < NTHREADS; t++)
			Pthread_join(tids[t], NULL);
		board_free(w.b);
		pthread_barrier_destroy(&w.start);
		sink_close(&s);
		expect_match(&e, &s, msg, sizeof(msg));
		free(s.buf);
		ck_assert_msg(msg[0] == '\0', "%s (round %d of %d, %d threads saying words of up "
			      "to 300 letters with ids such as INT_MIN)", msg, round, WORDS_ROUNDS,
			      NTHREADS);
	}
	for (int k = 0; k < WORDS_LINES; k++)
		free(w.word[k]);
	expect_free(&e);
}
END_TEST

/* ---- many boards at once ---- */

#define NBOARDS 4
#define BOARD_TASKS 32		/* tasks per board per round */
#define BOARDS_ROUNDS 2

struct boards {
	struct board *b[NBOARDS];
	pthread_barrier_t start;
};

struct boards_worker {
	struct boards *all;
	int t;			/* board t % NBOARDS, its tasks t / NBOARDS + k * (NTHREADS / NBOARDS) */
};

static int board_task_id(int board, int i)
{
	return board * 100 + i;
}

static void *boards_main(void *p)
{
	struct boards_worker *bw = p;
	int board = bw->t % NBOARDS, per = NTHREADS / NBOARDS;

	barrier_wait(&bw->all->start);
	for (int i = bw->t / NBOARDS; i < BOARD_TASKS; i += per)
		task_run(bw->all->b[board], board_task_id(board, i), 0);
	return NULL;
}

START_TEST(test_hidden_many_boards)
{
	pthread_t tids[NTHREADS];
	struct boards_worker workers[NTHREADS];
	struct sink s[NBOARDS];
	struct expect e[NBOARDS];
	struct boards all;
	int finished[NBOARDS];
	char msg[256];

	for (int k = 0; k < NBOARDS; k++) {
		expect_init(&e[k], 2 * BOARD_TASKS);
		for (int i = 0; i < BOARD_TASKS; i++) {
			expect_add(&e[k], board_task_id(k, i), "starting");
			expect_add(&e[k], board_task_id(k, i), "finishing");
		}
	}
	for (int round = 1; round <= BOARDS_ROUNDS; round++) {
		for (int k = 0; k < NBOARDS; k++) {
			sink_open(&s[k]);
			all.b[k] = board_new(s[k].wfd);
		}
		barrier_init(&all.start, NTHREADS);
		for (int t = 0; t < NTHREADS; t++) {
			workers[t] = (struct boards_worker){ &all, t };
			Pthread_create(&tids[t], NULL, boards_main, &workers[t]);
		}
		for (int t = 0; t < NTHREADS; t++)
			Pthread_join(tids[t], NULL);
		for (int k = 0; k < NBOARDS; k++) {
			finished[k] = board_finished(all.b[k]);
			board_free(all.b[k]);
			sink_close(&s[k]);
		}
		pthread_barrier_destroy(&all.start);
		for (int k = 0; k < NBOARDS; k++) {
			expect_match(&e[k], &s[k], msg, sizeof(msg));
			free(s[k].buf);
			ck_assert_msg(msg[0] == '\0', "board %d of %d (its tasks have ids %d to %d): "
				      "%s (round %d of %d, %d boards used at once, %d threads each)",
				      k + 1, NBOARDS, board_task_id(k, 0),
				      board_task_id(k, BOARD_TASKS - 1), msg, round, BOARDS_ROUNDS,
				      NBOARDS, NTHREADS / NBOARDS);
			ck_assert_msg(finished[k] == BOARD_TASKS, "board %d of %d: board_finished() "
				      "is %d, expected %d: each board counts its own tasks (round %d "
				      "of %d, %d boards used at once)", k + 1, NBOARDS, finished[k],
				      BOARD_TASKS, round, BOARDS_ROUNDS, NBOARDS);
		}
	}
	for (int k = 0; k < NBOARDS; k++)
		expect_free(&e[k]);
}
END_TEST

/* ---- boards are independent ---- */

#define STALL_WAIT_MS 1000	/* how long the free board may take to say a line */

struct stalled {
	struct board *b;
	pid_t tid;		/* the thread, for /proc */
	volatile int done;
};

static void *stalled_main(void *p)
{
	struct stalled *st = p;

	st->tid = (pid_t)syscall(SYS_gettid);
	board_say(st->b, 1, "stalled");
	__atomic_store_n(&st->done, 1, __ATOMIC_SEQ_CST);
	return NULL;
}

static void *free_main(void *p)
{
	struct stalled *st = p;

	board_say(st->b, 2, "free");
	__atomic_store_n(&st->done, 1, __ATOMIC_SEQ_CST);
	return NULL;
}

/* Fills the pipe of wfd until one more byte would block. */
static void fill_pipe(int wfd)
{
	static const char page[4096];
	int flags = fcntl(wfd, F_GETFL);

	if (flags < 0 || fcntl(wfd, F_SETFL, flags | O_NONBLOCK) < 0)
		unix_error("fcntl");
	while (write(wfd, page, sizeof(page)) > 0)
		;
	while (write(wfd, page, 1) > 0)
		;
	if (errno != EAGAIN)
		unix_error("fill_pipe: write");
	if (fcntl(wfd, F_SETFL, flags) < 0)
		unix_error("fcntl");
}

/* Whether thread tid is blocked in write(2) on fd: /proc shows the system
 * call a sleeping thread is in. -1 when /proc cannot tell. */
static int blocked_in_write(pid_t tid, int fd)
{
	char path[64], buf[128];
	long nr, arg0;
	FILE *f;
	int rc = -1;

	snprintf(path, sizeof(path), "/proc/self/task/%d/syscall", (int)tid);
	f = fopen(path, "r");
	if (f == NULL)
		return -1;
	if (fgets(buf, sizeof(buf), f) != NULL && sscanf(buf, "%ld %lx", &nr, &arg0) == 2)
		rc = nr == SYS_write && arg0 == fd;
	fclose(f);
	return rc;
}

static int wait_done(struct stalled *st, int ms)
{
	for (int i = 0; i < ms && !__atomic_load_n(&st->done, __ATOMIC_SEQ_CST); i++)
		pause_us(1000);
	return __atomic_load_n(&st->done, __ATOMIC_SEQ_CST);
}

START_TEST(test_hidden_boards_independent)
{
	struct stalled a = { 0 }, b = { 0 };
	pthread_t ta, tb;
	char drain[4096];
	int fds[2], devnull = harness_devnull(), free_done;

	Pipe(fds);
	(void)fcntl(fds[1], F_SETPIPE_SZ, SINK_PIPE_SIZE);
	fill_pipe(fds[1]);
	a.b = board_new(fds[1]);
	b.b = board_new(devnull);
	/* Board a's writer blocks in write, inside board_say, its fd full. */
	Pthread_create(&ta, NULL, stalled_main, &a);
	for (int i = 0; i < 2000; i++) {
		pid_t tid = __atomic_load_n(&a.tid, __ATOMIC_SEQ_CST);
		int in_write = tid ? blocked_in_write(tid, fds[1]) : 0;

		if (in_write == 1)
			break;
		if (in_write < 0) {
			pause_us(200000); /* /proc cannot tell: give it time */
			break;
		}
		pause_us(1000);
	}
	ck_assert_msg(!wait_done(&a, 0), "board_say returned although its fd could take no "
		      "byte: the line was not written (the writer should wait for the reader)");
	/* Board b, a different board on a free fd, must not wait for board a. */
	Pthread_create(&tb, NULL, free_main, &b);
	free_done = wait_done(&b, STALL_WAIT_MS);
	/* Now let board a go: drain its pipe until its writer is through. */
	if (fcntl(fds[0], F_SETFL, O_NONBLOCK) < 0)
		unix_error("fcntl");
	while (!wait_done(&a, 0) || !wait_done(&b, 0)) {
		if (read(fds[0], drain, sizeof(drain)) < 0 && errno != EAGAIN && errno != EINTR)
			unix_error("read");
		pause_us(1000);
	}
	Pthread_join(ta, NULL);
	Pthread_join(tb, NULL);
	board_free(a.b);
	board_free(b.b);
	Close(fds[1]);
	Close(fds[0]);
	Close(devnull);
	ck_assert_msg(free_done, "board_say on one board waited %d ms for another board whose "
		      "writer was blocked on its full fd: boards must be independent (does "
		      "something of yours belong to every board at once?)", STALL_WAIT_MS);
}
END_TEST

int main(void)
{
	const TTest *const tests[] = {
		test_hidden_long_words_ids,
		test_hidden_many_boards,
		test_hidden_boards_independent,
		NULL
	};

	return check_main(check_suite("hidden", setup, tests));
}
