/* check_tasks.c - lab 01's Check tests: every line whole, each task's
 * starting line before its finishing line, an exact finished counter, and a
 * counter that can be read while tasks finish, under seeded chaos
 * (CHAOS_SEED=N replays a run).
 *
 * The boards of the line tests write into a pipe in packet mode (O_DIRECT)
 * of one page, drained by a slow reader thread: each write(2) waits until
 * the reader has taken the previous one, and the waiting writers go in turn.
 * A thread that writes one line in two pieces is then overtaken by every
 * other thread between its pieces, so a line not written whole gets torn
 * even when the submission never reaches a chaos point. */
#define _GNU_SOURCE /* F_SETPIPE_SZ, O_DIRECT, pipe2, memfd_create */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "check_main.h"
#include "common.h"
#include "harness.h"
#include "tasks.h"

#define NTHREADS 16		/* threads released together by a barrier */
#define LINE_TASKS 64		/* tasks per round of the line tests */
#define COUNTER_TASKS 128	/* tasks per round of the counter test */
#define WHOLE_ROUNDS 3		/* rounds of each test: a fresh board each round */
#define ORDER_ROUNDS 2
#define COUNTER_ROUNDS 2
#define WATCH_TASKS 64		/* tasks per round of the watched counter test */
#define WATCH_ROUNDS 2
#define WATCH_MAX_NS 1000000000ULL	/* the watcher gives up after 1 s: a hung
					 * round then shows blocked threads only */
#define SINK_PIPE_SIZE 4096	/* one page: one packet waits at a time */
#define SINK_MAX (1 << 20)	/* bytes kept from a board; more is a failure */

/* ---- the sink: a pipe drained by a reader thread ---- */

struct sink {
	int rfd, wfd;		/* the board writes to wfd */
	int slow;		/* packet mode, one write at a time, pauses */
	int in_file;		/* a file in memory, read back at the end */
	pthread_t reader;
	char *buf;		/* what was read: the reader's until it is joined */
	size_t len;
	int overflow;		/* more than SINK_MAX bytes arrived */
};

static void pause_us(long us)
{
	struct timespec ts = { 0, us * 1000L };

	nanosleep(&ts, NULL);
}

static void *sink_reader(void *p)
{
	struct sink *s = p;
	char chunk[PIPE_BUF]; /* a packet is at most PIPE_BUF: never cut one */

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
		if (s->slow) {
			chaos_point();
			pause_us(20);
		}
	}
}

/* Under a controlled schedule (SCHEDULE=) a reader blocked in read(2)
 * would keep the only turn, and the schedule, not a slow pipe, chooses
 * who writes when: the board writes into a file in memory instead, read
 * back once the tasks are joined. */
static void sink_open_file(struct sink *s)
{
	s->wfd = memfd_create("sink", MFD_CLOEXEC);
	if (s->wfd < 0)
		unix_error("sink: memfd_create");
	s->rfd = dup(s->wfd);	/* ours, should the board close its fd */
	if (s->rfd < 0)
		unix_error("sink: dup");
	s->in_file = 1;
	s->buf = Malloc(SINK_MAX);
}

static void sink_close_file(struct sink *s)
{
	ssize_t r;

	close(s->wfd); /* not Close(): an EBADF here is the board's doing */
	while ((r = pread(s->rfd, s->buf + s->len, SINK_MAX - s->len, (off_t)s->len)) > 0)
		s->len += (size_t)r;
	if (r < 0)
		unix_error("sink: read");
	s->overflow = s->len == SINK_MAX;
	Close(s->rfd);
}

static void sink_open(struct sink *s, int slow)
{
	int fds[2];

	memset(s, 0, sizeof(*s));
	if (schedule_on()) {
		sink_open_file(s);
		return;
	}
	/* Best effort: without packet mode or a small size, a plain pipe. */
	if (!slow || pipe2(fds, O_DIRECT) < 0)
		Pipe(fds);
	s->rfd = fds[0];
	s->wfd = fds[1];
	s->slow = slow;
	if (slow)
		(void)fcntl(s->wfd, F_SETPIPE_SZ, SINK_PIPE_SIZE);
	s->buf = Malloc(SINK_MAX);
	Pthread_create(&s->reader, NULL, sink_reader, s);
}

/* Closes the board's end and waits until the reader has read everything. */
static void sink_close(struct sink *s)
{
	if (s->in_file) {
		sink_close_file(s);
		return;
	}
	close(s->wfd); /* not Close(): an EBADF here is the board's doing */
	Pthread_join(s->reader, NULL);
	Close(s->rfd);
}

static void sink_free(struct sink *s)
{
	free(s->buf);
}

/* ---- running many tasks at once ---- */

/* A thread that keeps calling board_finished() while the tasks run and
 * notes the first value that cannot be true: one below an earlier value, or
 * above the number of tasks started so far. */
struct watch {
	struct board *b;
	pthread_barrier_t *start;	/* the round's: released with the workers */
	const int *started;	/* the round's count, atomic */
	int done;		/* atomic: every task is joined */
	char wrong[256];	/* the first impossible value, or "": the
				 * watcher's until it is joined */
};

struct round {
	struct board *b;
	pthread_barrier_t start;
	int ntasks;
	int work_ms;
	int started;		/* task_run calls begun, atomic */
};

struct worker {
	struct round *r;
	int t;			/* runs tasks t, t + NTHREADS, t + 2 * NTHREADS... */
};

static void barrier_wait(pthread_barrier_t *barrier)
{
	int rc = pthread_barrier_wait(barrier);

	if (rc != 0 && rc != PTHREAD_BARRIER_SERIAL_THREAD)
		posix_error(rc, "pthread_barrier_wait");
}

static void *worker_main(void *p)
{
	struct worker *w = p;

	barrier_wait(&w->r->start);
	for (int id = w->t; id < w->r->ntasks; id += NTHREADS) {
		__atomic_fetch_add(&w->r->started, 1, __ATOMIC_SEQ_CST);
		task_run(w->r->b, id, w->r->work_ms);
	}
	return NULL;
}

/* The started count is read after board_finished() returns: every task
 * counted by then had started before it. */
static void *watch_main(void *p)
{
	struct watch *w = p;
	uint64_t start;
	int prev = 0;

	barrier_wait(w->start);
	start = clock_now_ns();
	while (!__atomic_load_n(&w->done, __ATOMIC_SEQ_CST) && w->wrong[0] == '\0' &&
	       clock_now_ns() - start < WATCH_MAX_NS) {
		int n = board_finished(w->b);
		int started = __atomic_load_n(w->started, __ATOMIC_SEQ_CST);

		if (n < prev)
			snprintf(w->wrong, sizeof(w->wrong), "board_finished() returned %d "
				 "after it had returned %d: a count of finished tasks never "
				 "goes down", n, prev);
		else if (n > started)
			snprintf(w->wrong, sizeof(w->wrong), "board_finished() returned %d "
				 "when only %d tasks had started", n, started);
		prev = n;
		sched_yield();
	}
	return NULL;
}

/* Runs tasks 0..ntasks-1 on a fresh board writing to fd, NTHREADS threads
 * released together, while w (NULL: none) watches the counter; returns
 * board_finished() once all are joined. */
static int run_round(int fd, int ntasks, int work_ms, struct watch *w)
{
	pthread_t tids[NTHREADS], wtid;
	struct worker workers[NTHREADS];
	struct round r = { .ntasks = ntasks, .work_ms = work_ms };
	int rc, finished;

	r.b = board_new(fd);
	rc = pthread_barrier_init(&r.start, NULL, NTHREADS + (w != NULL));
	if (rc != 0)
		posix_error(rc, "pthread_barrier_init");
	if (w) {
		*w = (struct watch){ .b = r.b, .start = &r.start, .started = &r.started };
		Pthread_create(&wtid, NULL, watch_main, w);
	}
	for (int t = 0; t < NTHREADS; t++) {
		workers[t] = (struct worker){ &r, t };
		Pthread_create(&tids[t], NULL, worker_main, &workers[t]);
	}
	for (int t = 0; t < NTHREADS; t++)
		Pthread_join(tids[t], NULL);
	if (w) {
		__atomic_store_n(&w->done, 1, __ATOMIC_SEQ_CST);
		Pthread_join(wtid, NULL);
	}
	finished = board_finished(r.b);
	board_free(r.b);
	pthread_barrier_destroy(&r.start);
	return finished;
}

/* One round on a slow pipe; the caller frees s. */
static void run_round_into(struct sink *s, int work_ms)
{
	sink_open(s, 1);
	run_round(s->wfd, LINE_TASKS, work_ms, NULL);
	sink_close(s);
}

/* ---- reading the output back ---- */

enum { STARTING, FINISHING, NKINDS };
static const char *const kind_word[NKINDS] = { "starting", "finishing" };

/* Reads "Task <id>: starting" or "Task <id>: finishing", exactly, from a line
 * without its newline; returns the kind, or -1 for anything else. */
static int parse_line(const char *s, size_t n, long *id)
{
	size_t i = 5;
	long v = 0;

	if (n < i || memcmp(s, "Task ", i) != 0)
		return -1;
	if (i >= n || s[i] < '0' || s[i] > '9' || (s[i] == '0' && i + 1 < n &&
	    s[i + 1] >= '0' && s[i + 1] <= '9'))
		return -1;
	for (; i < n && s[i] >= '0' && s[i] <= '9' && v < 1000000; i++)
		v = v * 10 + (s[i] - '0');
	if (n - i < 2 || memcmp(s + i, ": ", 2) != 0)
		return -1;
	i += 2;
	for (int k = 0; k < NKINDS; k++) {
		if (n - i == strlen(kind_word[k]) &&
		    memcmp(s + i, kind_word[k], n - i) == 0) {
			*id = v;
			return k;
		}
	}
	return -1;
}

/* What one round printed: for each task and kind, how often and where. */
struct lines {
	int count[LINE_TASKS][NKINDS];
	int first[LINE_TASKS][NKINDS];	/* line number (from 1) of the first one */
	char torn[256];			/* the first bad line, or "" */
};

static void scan_lines(const struct sink *s, struct lines *L)
{
	const char *p = s->buf, *end = s->buf + s->len;
	char q[160];
	int lineno = 0;

	memset(L, 0, sizeof(*L));
	while (p < end && L->torn[0] == '\0') {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		long id;
		int k = parse_line(p, n, &id);

		lineno++;
		harness_quote(q, sizeof(q), p, n);
		if (nl == NULL)
			snprintf(L->torn, sizeof(L->torn),
				 "torn line %s: no newline at the end of the output", q);
		else if (k < 0)
			snprintf(L->torn, sizeof(L->torn), "torn line %s (line %d)", q, lineno);
		else if (id >= LINE_TASKS)
			snprintf(L->torn, sizeof(L->torn),
				 "line %s (line %d): no task has that id, ids go from 0 to %d",
				 q, lineno, LINE_TASKS - 1);
		else if (L->count[id][k]++ == 0)
			L->first[id][k] = lineno;
		p += n + 1;
	}
	if (s->overflow)
		snprintf(L->torn, sizeof(L->torn),
			 "the board wrote more than %d bytes for %d tasks", SINK_MAX, LINE_TASKS);
}

/* ---- tests ---- */

static void setup(void)
{
	chaos_init();
}

START_TEST(test_tasks_say_whole_line)
{
	static const char expect[] = "Task 3: hello\n";
	char word[101], want[160], q[160];
	struct board *b;
	struct sink s;

	memset(word, 'x', sizeof(word) - 1);
	word[sizeof(word) - 1] = '\0';
	sink_open(&s, 0);
	b = board_new(s.wfd);
	board_say(b, 3, "hello");
	board_say(b, 12, word);
	board_free(b);
	sink_close(&s);

	harness_quote(q, sizeof(q), s.buf, s.len);
	ck_assert_msg(s.len >= strlen(expect) && memcmp(s.buf, expect, strlen(expect)) == 0,
		      "board_say(b, 3, \"hello\") wrote %s, expected \"Task 3: hello\\n\"", q);
	snprintf(want, sizeof(want), "Task 12: %s\n", word);
	harness_quote(q, sizeof(q), s.buf + strlen(expect), s.len - strlen(expect));
	ck_assert_msg(s.len == strlen(expect) + strlen(want) &&
		      memcmp(s.buf + strlen(expect), want, strlen(want)) == 0,
		      "board_say(b, 12, <a 100-letter word>) wrote %s, expected "
		      "\"Task 12: xxx...x\\n\": a long line must come out whole too", q);
	sink_free(&s);
}
END_TEST

START_TEST(test_tasks_run_in_order)
{
	static const char expect[] = "Task 0: starting\nTask 0: finishing\n";
	struct board *b;
	struct sink s;
	char q[160];
	long work;
	int finished;

	trace_reset();
	sink_open(&s, 0);
	b = board_new(s.wfd);
	task_run(b, 0, 20);
	finished = board_finished(b);
	work = trace_read().work_done;
	board_free(b);
	sink_close(&s);

	harness_quote(q, sizeof(q), s.buf, s.len);
	ck_assert_msg(s.len == strlen(expect) && memcmp(s.buf, expect, s.len) == 0,
		      "task_run(b, 0, 20) wrote %s, expected "
		      "\"Task 0: starting\\nTask 0: finishing\\n\"", q);
	ck_assert_msg(work == 1, "task_run(b, 0, 20) called work_sleep_ms() %ld times, "
		      "expected exactly once", work);
	ck_assert_msg(finished == 1, "board_finished() is %d after one task_run, expected 1",
		      finished);
	sink_free(&s);
}
END_TEST

START_TEST(test_tasks_lines_whole)
{
	struct lines *L = Malloc(sizeof(*L));
	struct sink s;

	for (int round = 1; round <= WHOLE_ROUNDS; round++) {
		run_round_into(&s, 0);
		scan_lines(&s, L);
		sink_free(&s);
		ck_assert_msg(L->torn[0] == '\0', "%s, round %d of %d (%d threads at once)",
			      L->torn, round, WHOLE_ROUNDS, NTHREADS);
		for (int id = 0; id < LINE_TASKS; id++) {
			for (int k = 0; k < NKINDS; k++) {
				ck_assert_msg(L->count[id][k] == 1,
					      "line \"Task %d: %s\" appeared %d times, expected once "
					      "(round %d of %d)", id, kind_word[k], L->count[id][k],
					      round, WHOLE_ROUNDS);
			}
		}
	}
	free(L);
}
END_TEST

START_TEST(test_tasks_start_before_finish)
{
	struct lines *L = Malloc(sizeof(*L));
	struct sink s;

	for (int round = 1; round <= ORDER_ROUNDS; round++) {
		run_round_into(&s, 1);
		scan_lines(&s, L);
		sink_free(&s);
		/* Torn or missing lines are test_tasks_lines_whole's business:
		 * judge the order of the tasks whose two lines both came out. */
		for (int id = 0; id < LINE_TASKS; id++) {
			int st = L->first[id][STARTING], fin = L->first[id][FINISHING];

			ck_assert_msg(st == 0 || fin == 0 || st < fin,
				      "\"Task %d: finishing\" (line %d) came before "
				      "\"Task %d: starting\" (line %d), round %d of %d",
				      id, fin, id, st, round, ORDER_ROUNDS);
		}
	}
	free(L);
}
END_TEST

START_TEST(test_tasks_counter_exact)
{
	int fd = harness_devnull();

	for (int round = 1; round <= COUNTER_ROUNDS; round++) {
		int finished = run_round(fd, COUNTER_TASKS, 0, NULL);

		ck_assert_msg(finished == COUNTER_TASKS,
			      "finished counter is %d, expected %d: increments were lost "
			      "(round %d of %d, %d threads at once)",
			      finished, COUNTER_TASKS, round, COUNTER_ROUNDS, NTHREADS);
	}
	Close(fd);
}
END_TEST

START_TEST(test_tasks_finished_while_running)
{
	struct watch w;
	int fd = harness_devnull();

	for (int round = 1; round <= WATCH_ROUNDS; round++) {
		int finished = run_round(fd, WATCH_TASKS, 1, &w);

		ck_assert_msg(w.wrong[0] == '\0', "%s (another thread asked while %d "
			      "threads ran %d tasks, round %d of %d)", w.wrong, NTHREADS,
			      WATCH_TASKS, round, WATCH_ROUNDS);
		ck_assert_msg(finished == WATCH_TASKS, "board_finished() is %d once all %d "
			      "tasks are done, expected %d (round %d of %d)", finished,
			      WATCH_TASKS, WATCH_TASKS, round, WATCH_ROUNDS);
	}
	Close(fd);
}
END_TEST

int main(void)
{
	const TTest *const tests[] = {
		test_tasks_say_whole_line,
		test_tasks_run_in_order,
		test_tasks_lines_whole,
		test_tasks_start_before_finish,
		test_tasks_counter_exact,
		test_tasks_finished_while_running,
		NULL
	};

	return check_main(check_suite("tasks", setup, tests));
}
