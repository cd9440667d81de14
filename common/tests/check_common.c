/* check_common.c - unit tests for common/: wrappers, clock, simulated work,
 * chaos points and the trace recorder. Anything that must exit or read the
 * environment once per process runs in a forked child. */
#include "common.h"
#include "chaos.h"

#include <check.h>
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* ---- helpers ---- */

#define OUT_CAP 65536

static uint64_t cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Runs fn in a child whose stdout and stderr go to `out` (NUL-terminated);
 * returns the child's wait status. The child exits 0 if fn returns. */
static int run_child(void (*fn)(void), char *out, size_t cap)
{
	int fds[2], status;
	size_t len = 0;
	ssize_t n;
	pid_t pid;

	fflush(NULL); /* the child must not flush our buffered output again */
	Pipe(fds);
	pid = Fork();
	if (pid == 0) {
		dup2(fds[1], STDOUT_FILENO);
		dup2(fds[1], STDERR_FILENO);
		Close(fds[0]);
		Close(fds[1]);
		fn();
		exit(EXIT_SUCCESS); /* not _exit: gcov writes the child's coverage at exit */
	}
	Close(fds[1]);
	while ((n = read(fds[0], out + len, cap - 1 - len)) > 0)
		len += (size_t)n;
	out[len] = '\0';
	Close(fds[0]);
	Waitpid(pid, &status, 0);
	return status;
}

/* Asserts the child exited with EXIT_FAILURE and printed `needle`. */
static void expect_failure(void (*fn)(void), const char *needle)
{
	static char out[OUT_CAP];
	int status = run_child(fn, out, sizeof(out));

	ck_assert_msg(WIFEXITED(status), "child did not exit normally");
	ck_assert_int_eq(WEXITSTATUS(status), EXIT_FAILURE);
	ck_assert_msg(strstr(out, needle) != NULL,
		      "expected \"%s\" in \"%s\"", needle, out);
}

/* Asserts the child exited 0 and returns its output. */
static const char *expect_success(void (*fn)(void))
{
	static char out[OUT_CAP];
	int status = run_child(fn, out, sizeof(out));

	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		      "child failed (status %d): %s", status, out);
	return out;
}

/* ---- errors: each child below must die through a wrapper ---- */

/* An error-checking mutex reports misuse instead of leaving it undefined. */
static void init_errorcheck(pthread_mutex_t *m)
{
	pthread_mutexattr_t a;

	pthread_mutexattr_init(&a);
	pthread_mutexattr_settype(&a, PTHREAD_MUTEX_ERRORCHECK);
	Pthread_mutex_init(m, &a);
	pthread_mutexattr_destroy(&a);
}

static void unlock_unheld_errorcheck_mutex(void)
{
	pthread_mutex_t m;

	init_errorcheck(&m);
	Pthread_mutex_unlock(&m); /* not held: EPERM */
}

static void lock_errorcheck_mutex_twice(void)
{
	pthread_mutex_t m;

	init_errorcheck(&m);
	Pthread_mutex_lock(&m);
	Pthread_mutex_lock(&m); /* relock by owner: EDEADLK */
}

static void destroy_locked_mutex(void)
{
	pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;

	Pthread_mutex_lock(&m);
	Pthread_mutex_destroy(&m); /* still locked: EBUSY */
}

static void cond_wait_without_the_lock(void)
{
	pthread_cond_t c = PTHREAD_COND_INITIALIZER;
	pthread_mutex_t m;

	init_errorcheck(&m);

	Pthread_cond_wait(&c, &m); /* m not held: EPERM */
}

static void *never_runs(void *arg) { return arg; }

static void create_thread_with_huge_stack(void)
{
	pthread_attr_t a;
	pthread_t tid;

	pthread_attr_init(&a);
	pthread_attr_setstacksize(&a, (size_t)1 << 62); /* beyond any address space */
	Pthread_create(&tid, &a, never_runs, NULL);
}

static void close_bad_fd(void) { Close(-1); }
static void join_self(void) { Pthread_join(pthread_self(), NULL); }
static void waitpid_without_children(void) { Waitpid(-1, NULL, 0); }
static void malloc_huge(void) { Malloc(SIZE_MAX); }
static void calloc_overflow(void) { Calloc(SIZE_MAX / 2, 4); }
static void app_error_message(void) { app_error("lab 03: queue corrupted"); }

static void spawn_missing_program(void)
{
	char *argv[] = { "no-such-program", NULL };
	pid_t pid;

	Posix_spawn(&pid, "/nonexistent/no-such-program", NULL, NULL, argv, NULL);
}

static void pipe_without_descriptors(void)
{
	struct rlimit rl = { 3, 3 }; /* stdin, stdout, stderr and nothing else */

	setrlimit(RLIMIT_NOFILE, &rl);
	Pipe((int[2]){ 0, 0 });
}

static void write_to_pipe_without_reader(void)
{
	int fds[2];

	signal(SIGPIPE, SIG_IGN);
	Pipe(fds);
	Close(fds[0]);
	Write(fds[1], "x", 1); /* EPIPE */
}

static void wrlock_rwlock_twice(void)
{
	pthread_rwlock_t l;

	Pthread_rwlock_init(&l, NULL);
	Pthread_rwlock_wrlock(&l);
	Pthread_rwlock_wrlock(&l); /* relock by the writer: EDEADLK */
}

/* A forked child whose wrapper fails: the line its parent printed but had
 * not flushed must come out once (the parent's flush), not once more from
 * the child's copy of the buffer. */
static void child_fails_with_parent_text_buffered(void)
{
	int status;
	pid_t pid;

	printf("printed once, before the fork\n"); /* stdout is a pipe: buffered */
	pid = Fork();
	if (pid == 0)
		Close(-1);
	Waitpid(pid, &status, 0);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != EXIT_FAILURE)
		app_error("the failing child did not exit with EXIT_FAILURE");
}

START_TEST(test_errors_mutex_unlock_not_held_exits_failure)
{
	expect_failure(unlock_unheld_errorcheck_mutex,
		       "Pthread_mutex_unlock: Operation not permitted");
}
END_TEST

START_TEST(test_errors_mutex_relock_exits_failure)
{
	expect_failure(lock_errorcheck_mutex_twice,
		       "Pthread_mutex_lock: Resource deadlock avoided");
}
END_TEST

START_TEST(test_errors_destroy_locked_mutex_exits_failure)
{
	expect_failure(destroy_locked_mutex,
		       "Pthread_mutex_destroy: Device or resource busy");
}
END_TEST

START_TEST(test_errors_cond_wait_without_lock_exits_failure)
{
	expect_failure(cond_wait_without_the_lock,
		       "Pthread_cond_wait: Operation not permitted");
}
END_TEST

START_TEST(test_errors_thread_creation_failure_exits_failure)
{
	expect_failure(create_thread_with_huge_stack,
		       "Pthread_create: Resource temporarily unavailable");
}
END_TEST

START_TEST(test_errors_close_bad_fd_exits_failure_naming_close)
{
	expect_failure(close_bad_fd, "Close: Bad file descriptor");
}
END_TEST

START_TEST(test_errors_join_self_exits_failure)
{
	expect_failure(join_self, "Pthread_join: Resource deadlock avoided");
}
END_TEST

START_TEST(test_errors_waitpid_without_children_exits_failure)
{
	expect_failure(waitpid_without_children, "Waitpid: No child processes");
}
END_TEST

START_TEST(test_errors_posix_spawn_missing_program_exits_failure)
{
	expect_failure(spawn_missing_program,
		       "Posix_spawn: No such file or directory");
}
END_TEST

START_TEST(test_errors_app_error_prints_message_and_exits_failure)
{
	expect_failure(app_error_message, "lab 03: queue corrupted\n");
}
END_TEST

START_TEST(test_errors_write_to_closed_pipe_exits_failure)
{
	expect_failure(write_to_pipe_without_reader, "Write: Broken pipe");
}
END_TEST

START_TEST(test_errors_rwlock_relock_exits_failure)
{
	expect_failure(wrlock_rwlock_twice, "Pthread_rwlock_wrlock: Resource deadlock avoided");
}
END_TEST

START_TEST(test_errors_in_forked_child_flush_nothing_of_the_parent)
{
	const char *out = expect_success(child_fails_with_parent_text_buffered);
	const char *first = strstr(out, "printed once");

	ck_assert_msg(strstr(out, "Close: Bad file descriptor") != NULL, "no message: %s", out);
	ck_assert_msg(first != NULL && strstr(first + 1, "printed once") == NULL,
		      "the parent's buffered line came out %s: %s",
		      first ? "twice" : "never", out);
}
END_TEST

START_TEST(test_errors_malloc_too_large_exits_failure)
{
	expect_failure(malloc_huge, "Malloc: Cannot allocate memory");
}
END_TEST

START_TEST(test_errors_calloc_overflow_exits_failure)
{
	expect_failure(calloc_overflow, "Calloc: Cannot allocate memory");
}
END_TEST

START_TEST(test_errors_pipe_without_free_descriptors_exits_failure)
{
	expect_failure(pipe_without_descriptors, "Pipe: Too many open files");
}
END_TEST

/* ---- errors: the wrappers pass results through when nothing fails ---- */

struct handoff {
	pthread_mutex_t lock;
	/* lock must be held when using these: */
	int ready;
	pthread_cond_t changed; /* waited on with lock held */
};

static void *set_ready(void *arg)
{
	struct handoff *h = arg;

	Pthread_mutex_lock(&h->lock);
	h->ready = 1;
	Pthread_cond_broadcast(&h->changed);
	Pthread_cond_signal(&h->changed);
	Pthread_mutex_unlock(&h->lock);
	return (void *)42;
}

START_TEST(test_errors_thread_wrappers_succeed_silently)
{
	struct handoff h = { .ready = 0 };
	pthread_t tid;
	void *ret;

	Pthread_mutex_init(&h.lock, NULL);
	Pthread_cond_init(&h.changed, NULL);
	Pthread_create(&tid, NULL, set_ready, &h);
	Pthread_mutex_lock(&h.lock);
	while (!h.ready) /* h.lock is held here. */
		Pthread_cond_wait(&h.changed, &h.lock);
	Pthread_mutex_unlock(&h.lock);
	Pthread_join(tid, &ret);
	ck_assert_ptr_eq(ret, (void *)42);
	Pthread_cond_destroy(&h.changed);
	Pthread_mutex_destroy(&h.lock);
}
END_TEST

struct readers {
	pthread_rwlock_t lock;
	int inside;		/* readers holding lock now; seq_cst atomics only */
	int saw_both;		/* readers that saw the other inside too; likewise */
};

/* Holds the lock for reading until the other reader is in too (or 2 s). */
static void *read_together(void *arg)
{
	struct readers *r = arg;
	uint64_t give_up = clock_now_ns() + 2000000000ull;

	Pthread_rwlock_rdlock(&r->lock);
	__atomic_add_fetch(&r->inside, 1, __ATOMIC_SEQ_CST);
	while (__atomic_load_n(&r->inside, __ATOMIC_SEQ_CST) < 2 && clock_now_ns() < give_up)
		sched_yield();
	if (__atomic_load_n(&r->inside, __ATOMIC_SEQ_CST) == 2)
		__atomic_add_fetch(&r->saw_both, 1, __ATOMIC_SEQ_CST);
	Pthread_rwlock_unlock(&r->lock);
	return NULL;
}

START_TEST(test_errors_rwlock_wrappers_share_reads)
{
	struct readers r = { .inside = 0, .saw_both = 0 };
	pthread_t a, b;

	Pthread_rwlock_init(&r.lock, NULL);
	Pthread_create(&a, NULL, read_together, &r);
	Pthread_create(&b, NULL, read_together, &r);
	Pthread_join(a, NULL);
	Pthread_join(b, NULL);
	ck_assert_int_eq(r.saw_both, 2);	/* both read at once */
	Pthread_rwlock_wrlock(&r.lock);	/* free again: the writer gets it */
	Pthread_rwlock_unlock(&r.lock);
	Pthread_rwlock_destroy(&r.lock);
}
END_TEST

START_TEST(test_errors_process_wrappers_pass_results_through)
{
	char *argv[] = { "true", NULL };
	unsigned char *zeros = Calloc(1000, 1);
	int *ints = Malloc(10 * sizeof(int));
	int status;
	pid_t pid;

	for (int i = 0; i < 1000; i++)
		ck_assert_int_eq(zeros[i], 0);
	ints[9] = 7; /* writable */
	free(ints);
	free(zeros);
	pid = Fork();
	if (pid == 0)
		_exit(5);
	ck_assert_int_eq(Waitpid(pid, &status, 0), pid);
	ck_assert_int_eq(WEXITSTATUS(status), 5);
	Posix_spawn(&pid, "/bin/true", NULL, NULL, argv, NULL);
	ck_assert_int_eq(Waitpid(pid, &status, 0), pid);
	ck_assert_int_eq(WEXITSTATUS(status), 0);
}
END_TEST

static void on_alarm(int sig) { (void)sig; }

/* ---- Write ---- */

struct drain {
	int fd;
	unsigned char *buf;
	size_t len;
};

/* Reads slowly, so the writer keeps finding the pipe full and blocks. */
static void *drain_pipe(void *arg)
{
	struct timespec pause = { 0, 20000 };
	struct drain *d = arg;
	ssize_t n;

	while ((n = read(d->fd, d->buf + d->len, 16384)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		ck_assert_int_gt(n, 0);
		d->len += (size_t)n;
		nanosleep(&pause, NULL);
	}
	return NULL;
}

/* Sends `size` patterned bytes through a pipe (far above its 64 KiB
 * capacity, so writes come back short) and checks every byte arrived. */
static void write_through_pipe(size_t size)
{
	unsigned char *src = Malloc(size);
	struct drain d = { .buf = Malloc(size + 65536), .len = 0 };
	pthread_t reader;
	int fds[2];

	for (size_t i = 0; i < size; i++)
		src[i] = (unsigned char)(i * 7 + (i >> 11));
	Pipe(fds);
	d.fd = fds[0];
	Pthread_create(&reader, NULL, drain_pipe, &d);
	Write(fds[1], src, size);
	Close(fds[1]);
	Pthread_join(reader, NULL);
	Close(fds[0]);
	ck_assert_uint_eq(d.len, size);
	ck_assert_int_eq(memcmp(src, d.buf, size), 0);
	free(d.buf);
	free(src);
}

START_TEST(test_write_sends_all_bytes_through_a_pipe)
{
	write_through_pipe(1 << 20);
}
END_TEST

START_TEST(test_write_zero_bytes_writes_nothing)
{
	int fds[2];
	char c;

	Pipe(fds);
	Write(fds[1], "unused", 0);
	Close(fds[1]);
	ck_assert_int_eq(read(fds[0], &c, 1), 0); /* EOF: nothing was sent */
	Close(fds[0]);
}
END_TEST

/* Delivers SIGALRM every `usec` without SA_RESTART, so blocking calls
 * return early (short count or EINTR); usec 0 stops it. */
static void interrupt_every(long usec)
{
	struct sigaction sa = { .sa_handler = on_alarm };
	struct itimerval it = { { 0, usec }, { 0, usec } };

	sigaction(SIGALRM, &sa, NULL);
	setitimer(ITIMER_REAL, &it, NULL);
}

START_TEST(test_write_survives_signal_interruptions)
{
	interrupt_every(200);
	write_through_pipe(4 << 20);
	interrupt_every(0);
}
END_TEST

/* ---- clock ---- */

START_TEST(test_clock_is_monotonic_and_advances)
{
	uint64_t first = clock_now_ns(), prev = first, now;

	for (int i = 0; i < 100000; i++) {
		now = clock_now_ns();
		ck_assert_uint_ge(now, prev);
		prev = now;
	}
	usleep(20000);
	now = clock_now_ns();
	ck_assert_uint_ge(now - first, 20000000ull);
	ck_assert_uint_lt(now - first, 2000000000ull);
}
END_TEST

START_TEST(test_clock_seconds_converts_nanoseconds)
{
	ck_assert_double_eq_tol(clock_seconds(1500000000ull), 1.5, 1e-12);
	ck_assert_double_eq_tol(clock_seconds(0), 0.0, 1e-12);
	ck_assert_double_eq_tol(clock_seconds(1), 1e-9, 1e-18);
}
END_TEST

/* ---- simulated work ---- */

START_TEST(test_work_sleep_ms_blocks_for_the_time_without_cpu)
{
	uint64_t cpu0 = cpu_ns(), t0 = clock_now_ns(), elapsed, cpu;

	work_sleep_ms(50);
	elapsed = clock_now_ns() - t0;
	cpu = cpu_ns() - cpu0;
	ck_assert_uint_ge(elapsed, 50000000ull);
	ck_assert_uint_lt(elapsed, 500000000ull);
	ck_assert_msg(cpu < 5000000ull, "sleep used %llu ns of CPU",
		      (unsigned long long)cpu);
}
END_TEST

START_TEST(test_work_sleep_ms_keeps_its_deadline_across_signals)
{
	uint64_t t0 = clock_now_ns();

	interrupt_every(1000);
	work_sleep_ms(50);
	interrupt_every(0);
	ck_assert_uint_ge(clock_now_ns() - t0, 50000000ull);
}
END_TEST

START_TEST(test_work_sleep_ms_zero_or_negative_returns_at_once)
{
	uint64_t t0 = clock_now_ns();

	trace_reset();
	work_sleep_ms(0);
	work_sleep_ms(-5);
	ck_assert_uint_lt(clock_now_ns() - t0, 50000000ull);
	ck_assert_int_eq(trace_read().work_done, 2);
}
END_TEST

START_TEST(test_work_spin_is_deterministic_per_units)
{
	uint64_t a = work_spin(1000), b = work_spin(1000);

	ck_assert_uint_eq(a, b);
	ck_assert_uint_ne(work_spin(1000), work_spin(1001));
	ck_assert_uint_ne(work_spin(1), work_spin(2));
	ck_assert_uint_eq(work_spin(0), work_spin(0));
}
END_TEST

/* One unit is documented as ~1 us here; allow a wide band for load,
 * -O0 coverage builds and slower machines. */
START_TEST(test_work_spin_burns_cpu_in_proportion_to_units)
{
	uint64_t c0 = cpu_ns(), c1, c2;

	work_spin(20000);
	c1 = cpu_ns();
	work_spin(80000);
	c2 = cpu_ns();
	ck_assert_uint_ge(c1 - c0, 20000ull * 200);   /* >= 0.2 us per unit */
	ck_assert_uint_le(c1 - c0, 20000ull * 20000); /* <= 20 us per unit */
	ck_assert_uint_gt(c2 - c1, 2 * (c1 - c0));    /* 4x the units */
}
END_TEST

/* ---- trace recorder ---- */

static pthread_barrier_t start_line;

static void *sleep_100ms_together(void *arg)
{
	(void)arg;
	pthread_barrier_wait(&start_line);
	work_sleep_ms(100);
	return NULL;
}

static void *spin_many(void *arg)
{
	(void)arg;
	pthread_barrier_wait(&start_line);
	for (int i = 0; i < 2000; i++)
		work_spin(1);
	return NULL;
}

/* Starts n threads running fn at the same moment and waits for them. */
static void run_together(int n, void *(*fn)(void *))
{
	pthread_t tids[16];

	pthread_barrier_init(&start_line, NULL, (unsigned)n);
	for (int i = 0; i < n; i++)
		Pthread_create(&tids[i], NULL, fn, NULL);
	for (int i = 0; i < n; i++)
		Pthread_join(tids[i], NULL);
	pthread_barrier_destroy(&start_line);
}

START_TEST(test_trace_counts_sequential_work_with_one_in_flight)
{
	trace_reset();
	work_sleep_ms(1);
	work_spin(10);
	work_sleep_ms(1);
	ck_assert_int_eq(trace_read().work_done, 3);
	ck_assert_int_eq(trace_read().max_inflight, 1);
}
END_TEST

START_TEST(test_trace_sees_concurrent_sleeps_in_flight)
{
	struct trace_stats s;

	trace_reset();
	run_together(4, sleep_100ms_together);
	s = trace_read();
	ck_assert_int_eq(s.work_done, 4);
	ck_assert_int_ge(s.max_inflight, 2);
	ck_assert_int_le(s.max_inflight, 4);
}
END_TEST

START_TEST(test_trace_reset_clears_counts)
{
	work_spin(1);
	trace_reset();
	ck_assert_int_eq(trace_read().work_done, 0);
	ck_assert_int_eq(trace_read().max_inflight, 0);
}
END_TEST

START_TEST(test_trace_manual_begin_end_nest)
{
	trace_reset();
	trace_work_begin();
	trace_work_begin();
	trace_work_end();
	trace_work_end();
	trace_work_begin(); /* in flight is back to 1, below the old maximum */
	trace_work_end();
	ck_assert_int_eq(trace_read().max_inflight, 2);
	ck_assert_int_eq(trace_read().work_done, 3);
}
END_TEST

START_TEST(test_trace_counts_every_item_under_contention)
{
	struct trace_stats s;

	trace_reset();
	run_together(8, spin_many);
	s = trace_read();
	ck_assert_int_eq(s.work_done, 8 * 2000);
	ck_assert_int_ge(s.max_inflight, 1);
	ck_assert_int_le(s.max_inflight, 8);
	trace_reset();
	work_spin(1); /* the in-flight count came back to zero */
	ck_assert_int_eq(trace_read().max_inflight, 1);
}
END_TEST

/* ---- bench_report ---- */

static int parse_bench(const char *line, unsigned long long *el,
		       unsigned long long *cpu, int *w, long *mi, long *wd)
{
	return sscanf(line, "BENCH elapsed_ns=%llu cpu_ns=%llu workers=%d "
		      "max_inflight=%ld work_done=%ld", el, cpu, w, mi, wd);
}

START_TEST(test_bench_report_appends_parsable_lines_to_bench_out)
{
	char path[] = "/tmp/check_common_benchXXXXXX", text[1024];
	unsigned long long el, cpu;
	long mi, wd;
	int w, fd = mkstemp(path);
	FILE *f;

	ck_assert_int_ge(fd, 0);
	Close(fd);
	setenv("BENCH_OUT", path, 1);
	trace_reset();
	work_spin(20000);
	bench_report(123456789ull, 3);
	bench_report(5, 1);
	unsetenv("BENCH_OUT");
	f = fopen(path, "r");
	ck_assert_ptr_nonnull(f);
	ck_assert_ptr_nonnull(fgets(text, sizeof(text), f));
	ck_assert_int_eq(parse_bench(text, &el, &cpu, &w, &mi, &wd), 5);
	ck_assert_uint_eq(el, 123456789ull);
	ck_assert_uint_gt(cpu, 1000000ull); /* the spin alone took milliseconds */
	ck_assert_int_eq(w, 3);
	ck_assert_int_eq(mi, 1);
	ck_assert_int_eq(wd, 1);
	ck_assert_ptr_nonnull(fgets(text, sizeof(text), f)); /* appended */
	ck_assert_int_eq(parse_bench(text, &el, &cpu, &w, &mi, &wd), 5);
	ck_assert_uint_eq(el, 5);
	ck_assert_ptr_null(fgets(text, sizeof(text), f));
	fclose(f);
	unlink(path);
}
END_TEST

static void bench_to_stdout(void)
{
	unsetenv("BENCH_OUT");
	printf("before\n"); /* buffered: must still come out first */
	trace_reset();
	work_sleep_ms(1);
	bench_report(42, 2);
}

START_TEST(test_bench_report_prints_to_stdout_without_bench_out)
{
	const char *out = expect_success(bench_to_stdout);
	unsigned long long el, cpu;
	long mi, wd;
	int w;

	ck_assert_msg(strncmp(out, "before\nBENCH ", 13) == 0, "got: %s", out);
	ck_assert_int_eq(parse_bench(out + 7, &el, &cpu, &w, &mi, &wd), 5);
	ck_assert_uint_eq(el, 42);
	ck_assert_int_eq(w, 2);
	ck_assert_int_eq(wd, 1);
}
END_TEST

static void bench_to_missing_dir(void)
{
	setenv("BENCH_OUT", "/nonexistent/dir/bench.txt", 1);
	bench_report(1, 1);
}

START_TEST(test_bench_report_unwritable_bench_out_exits_failure)
{
	expect_failure(bench_to_missing_dir, "BENCH_OUT");
}
END_TEST

/* ---- timeline ($TRACE_OUT): the child records, the test reads ---- */

static char trace_path[] = "/tmp/check_common_traceXXXXXX";
static pthread_mutex_t held = PTHREAD_MUTEX_INITIALIZER;

static void *hold_the_lock(void *arg)
{
	(void)arg;
	Pthread_mutex_lock(&held);
	work_sleep_ms(30);
	Pthread_mutex_unlock(&held);
	return NULL;
}

static pthread_cond_t signalled_cond = PTHREAD_COND_INITIALIZER;
static bool signalled;		/* guarded by held */

static void *signal_soon(void *arg)
{
	(void)arg;
	work_sleep_ms(5);
	Pthread_mutex_lock(&held);
	signalled = true;
	Pthread_cond_signal(&signalled_cond);
	Pthread_mutex_unlock(&held);
	return NULL;
}

/* A sleep and a computation, a lock taken free and one waited for, a
 * condition wait, then the run: what a benchmark with $TRACE_OUT records. */
static void traced_run(void)
{
	pthread_t holder, signaller;

	setenv("TRACE_OUT", trace_path, 1);
	setenv("BENCH_OUT", "/dev/null", 1);
	uint64_t start = clock_now_ns();
	work_sleep_ms(2);
	work_spin(100);
	Pthread_mutex_lock(&held);	/* free: no span */
	Pthread_mutex_unlock(&held);
	Pthread_create(&holder, NULL, hold_the_lock, NULL);
	work_sleep_ms(10);		/* the holder has it now, for 30 ms */
	Pthread_mutex_lock(&held);	/* waits about 20 ms: a span */
	Pthread_create(&signaller, NULL, signal_soon, NULL);
	while (!signalled)
		Pthread_cond_wait(&signalled_cond, &held);
	Pthread_mutex_unlock(&held);
	Pthread_join(holder, NULL);
	Pthread_join(signaller, NULL);
	bench_report(clock_now_ns() - start, 2);
}

START_TEST(test_trace_out_records_each_span_and_the_run)
{
	char line[256], what[16];
	long pid, tid, run_tid = 0;
	unsigned long long a, b, run_a = 0, run_b = 0;
	int spans[6] = { 0 }; /* sleep compute lock wait RUN, and locks waited 10 ms or more */
	int fd = mkstemp(trace_path);
	FILE *f;

	ck_assert_int_ge(fd, 0);
	Close(fd);
	expect_success(traced_run);
	f = fopen(trace_path, "r");
	ck_assert_ptr_nonnull(f);
	while (fgets(line, sizeof(line), f) != NULL) {
		if (sscanf(line, "SPAN %ld %ld %15s %llu %llu", &pid, &tid, what, &a, &b) == 5) {
			ck_assert_uint_le(a, b);
			spans[0] += strcmp(what, "sleep") == 0;
			spans[1] += strcmp(what, "compute") == 0;
			spans[2] += strcmp(what, "lock") == 0;
			spans[5] += strcmp(what, "lock") == 0 && b - a >= 10000000ull;
			spans[3] += strcmp(what, "wait") == 0;
		} else {
			ck_assert_int_eq(sscanf(line, "RUN %ld %ld %llu %llu", &pid, &run_tid, &run_a,
						&run_b), 4);
			spans[4]++;
		}
	}
	fclose(f);
	unlink(trace_path);
	ck_assert_int_eq(spans[0], 4);	/* two here, one in each thread */
	ck_assert_int_eq(spans[1], 1);
	ck_assert_int_eq(spans[2], 1);	/* the lock waited for, not the free ones */
	ck_assert_int_eq(spans[5], 1);
	ck_assert_int_ge(spans[3], 1);	/* more only if woken spuriously */
	ck_assert_int_eq(spans[4], 1);
	ck_assert_uint_gt(run_b - run_a, 30000000ull);
}
END_TEST

static pthread_rwlock_t written = PTHREAD_RWLOCK_INITIALIZER;

static void *write_a_while(void *arg)
{
	(void)arg;
	Pthread_rwlock_wrlock(&written);
	work_sleep_ms(30);
	Pthread_rwlock_unlock(&written);
	return NULL;
}

/* A read-write lock taken free, then waited for while a writer holds it. */
static void traced_rwlock_run(void)
{
	pthread_t writer;

	setenv("TRACE_OUT", trace_path, 1);
	Pthread_rwlock_rdlock(&written);	/* free: no span */
	Pthread_rwlock_unlock(&written);
	Pthread_create(&writer, NULL, write_a_while, NULL);
	work_sleep_ms(10);			/* the writer has it now, for 30 ms */
	Pthread_rwlock_rdlock(&written);	/* waits about 20 ms: a span */
	Pthread_rwlock_unlock(&written);
	Pthread_join(writer, NULL);
}

START_TEST(test_trace_out_records_a_wait_for_an_rwlock)
{
	char line[256], what[16];
	long pid, tid;
	unsigned long long a, b;
	int locks = 0, long_locks = 0;
	int fd = mkstemp(trace_path);
	FILE *f;

	ck_assert_int_ge(fd, 0);
	Close(fd);
	expect_success(traced_rwlock_run);
	f = fopen(trace_path, "r");
	ck_assert_ptr_nonnull(f);
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "SPAN %ld %ld %15s %llu %llu", &pid, &tid, what, &a, &b) == 5 &&
		    strcmp(what, "lock") == 0) {
			locks++;
			long_locks += b - a >= 10000000ull;
		}
	fclose(f);
	unlink(trace_path);
	strcpy(trace_path, "/tmp/check_common_traceXXXXXX");
	ck_assert_int_eq(locks, 1);	/* the read lock waited for, not the free one */
	ck_assert_int_eq(long_locks, 1);
}
END_TEST

/* ---- chaos points: the seed is read once per process, so each case forks ---- */

#define DRAWS 256

/* Writes DRAWS actions of the calling thread to stdout, raw. */
static void draw_sequence(void)
{
	struct chaos_action a[DRAWS];

	for (int i = 0; i < DRAWS; i++)
		a[i] = chaos_next();
	Write(STDOUT_FILENO, a, sizeof(a));
}

static void draw_seed_42(void) { setenv("CHAOS_SEED", "42", 1); draw_sequence(); }
static void draw_seed_43(void) { setenv("CHAOS_SEED", "43", 1); draw_sequence(); }

static void unseeded_is_noop(void)
{
	uint64_t t0;

	unsetenv("CHAOS_SEED");
	chaos_init();
	if (chaos_seed() != 0)
		app_error("unseeded: chaos_seed() != 0");
	for (int i = 0; i < 1000; i++)
		if (chaos_next().kind != CHAOS_NOTHING)
			app_error("unseeded: drew an action");
	t0 = clock_now_ns();
	for (int i = 0; i < 1000000; i++)
		chaos_point();
	if (clock_now_ns() - t0 > 200000000ull)
		app_error("unseeded: 1e6 chaos points took over 200 ms");
}

static void seed_zero_is_noop(void)
{
	setenv("CHAOS_SEED", "0", 1);
	if (chaos_seed() != 0 || chaos_next().kind != CHAOS_NOTHING)
		app_error("CHAOS_SEED=0 is not off");
}

START_TEST(test_chaos_point_is_noop_without_seed)
{
	expect_success(unseeded_is_noop);
	expect_success(seed_zero_is_noop);
}
END_TEST

static void print_seed(void)
{
	setenv("CHAOS_SEED", "0x3039", 1); /* strtoul base 0: hex is accepted */
	printf("%u\n", chaos_seed());
	setenv("CHAOS_SEED", "99", 1); /* too late: the seed was read already */
	chaos_point();
	printf("%u\n", chaos_seed());
}

START_TEST(test_chaos_seed_reads_the_environment_once)
{
	ck_assert_str_eq(expect_success(print_seed), "12345\n12345\n");
}
END_TEST

START_TEST(test_chaos_same_seed_replays_the_same_sequence)
{
	static struct chaos_action a[DRAWS], b[DRAWS], c[DRAWS];
	int seen[3] = { 0, 0, 0 };

	memcpy(a, expect_success(draw_seed_42), sizeof(a));
	memcpy(b, expect_success(draw_seed_42), sizeof(b));
	memcpy(c, expect_success(draw_seed_43), sizeof(c));
	ck_assert_int_eq(memcmp(a, b, sizeof(a)), 0);
	ck_assert_int_ne(memcmp(a, c, sizeof(a)), 0);
	for (int i = 0; i < DRAWS; i++) {
		ck_assert_int_le(a[i].kind, CHAOS_SLEEP);
		seen[a[i].kind]++;
		if (a[i].kind == CHAOS_SLEEP) {
			ck_assert_uint_ge(a[i].usec, 1);
			ck_assert_uint_le(a[i].usec, 200);
		} else {
			ck_assert_uint_eq(a[i].usec, 0);
		}
	}
	for (int k = 0; k < 3; k++) /* every kind of action gets drawn */
		ck_assert_int_gt(seen[k], DRAWS / 8);
}
END_TEST

static void *draw_into(void *arg)
{
	struct chaos_action *a = arg;

	for (int i = 0; i < DRAWS; i++)
		a[i] = chaos_next();
	return NULL;
}

static void threads_draw_apart(void)
{
	static struct chaos_action a[DRAWS], b[DRAWS];
	pthread_t ta, tb;

	setenv("CHAOS_SEED", "42", 1);
	Pthread_create(&ta, NULL, draw_into, a);
	Pthread_join(ta, NULL);
	Pthread_create(&tb, NULL, draw_into, b);
	Pthread_join(tb, NULL);
	if (memcmp(a, b, sizeof(a)) == 0)
		app_error("two threads drew the same sequence");
}

/* Seeded, a thread's first wait returns with no signal, holding the mutex
 * again; and every call is counted for the lab harnesses. */
static void wait_alone_seeded(void)
{
	pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
	pthread_cond_t c = PTHREAD_COND_INITIALIZER;

	setenv("CHAOS_SEED", "7", 1);
	trace_reset();
	Pthread_mutex_lock(&m);
	Pthread_cond_wait(&c, &m); /* nobody signals: only a spurious return ends it */
	if (pthread_mutex_trylock(&m) != EBUSY)
		app_error("the mutex was not held after the wait returned");
	Pthread_mutex_unlock(&m);
	printf("%ld\n", trace_read().cond_waits);
}

START_TEST(test_chaos_first_cond_wait_wakes_spuriously)
{
	ck_assert_str_eq(expect_success(wait_alone_seeded), "1\n");
}
END_TEST

/* Unseeded, a wait returns only when signalled: a waiter with nobody to
 * signal it is still waiting 100 ms later. */
static void *wait_for_ever(void *arg)
{
	struct handoff *h = arg;

	Pthread_mutex_lock(&h->lock);
	while (!h->ready)
		Pthread_cond_wait(&h->changed, &h->lock);
	Pthread_mutex_unlock(&h->lock);
	return NULL;
}

START_TEST(test_chaos_unseeded_cond_wait_never_wakes_alone)
{
	static struct handoff h = { .ready = 0 };
	pthread_t tid;

	unsetenv("CHAOS_SEED");
	trace_reset();
	Pthread_mutex_init(&h.lock, NULL);
	Pthread_cond_init(&h.changed, NULL);
	Pthread_create(&tid, NULL, wait_for_ever, &h);
	work_sleep_ms(100);
	ck_assert_int_eq(trace_read().cond_waits, 1); /* once: no spurious return */
	Pthread_mutex_lock(&h.lock);
	h.ready = 1;
	Pthread_cond_signal(&h.changed);
	Pthread_mutex_unlock(&h.lock);
	Pthread_join(tid, NULL);
}
END_TEST

START_TEST(test_chaos_threads_draw_different_sequences)
{
	expect_success(threads_draw_apart);
}
END_TEST

#define TIMED_POINTS 200

static void sum_drawn_sleeps(void)
{
	unsigned long long usec = 0;

	setenv("CHAOS_SEED", "7", 1);
	for (int i = 0; i < TIMED_POINTS; i++)
		usec += chaos_next().usec;
	printf("%llu\n", usec);
}

static void time_chaos_points(void)
{
	uint64_t t0;

	setenv("CHAOS_SEED", "7", 1);
	t0 = clock_now_ns();
	for (int i = 0; i < TIMED_POINTS; i++)
		chaos_point();
	printf("%llu\n", (unsigned long long)(clock_now_ns() - t0));
}

/* chaos_point() performs exactly what chaos_next() would have drawn, so the
 * run takes at least the sum of its drawn sleeps. */
START_TEST(test_chaos_point_sleeps_at_least_the_drawn_time)
{
	unsigned long long usec = strtoull(expect_success(sum_drawn_sleeps), NULL, 10);
	unsigned long long ns = strtoull(expect_success(time_chaos_points), NULL, 10);

	ck_assert_uint_gt(usec, 1000); /* ~50 sleeps of ~100 us were drawn */
	ck_assert_uint_ge(ns, usec * 1000);
	ck_assert_uint_lt(ns, 2000000000ull);
}
END_TEST

static void bad_seed(void)
{
	setenv("CHAOS_SEED", "12abc", 1);
	chaos_point();
}

START_TEST(test_chaos_malformed_seed_exits_failure)
{
	expect_failure(bad_seed, "CHAOS_SEED");
}
END_TEST

static void *chaos_hammer(void *arg)
{
	long *counter = arg;

	for (int i = 0; i < 500; i++) {
		chaos_point();
		__atomic_fetch_add(counter, 1, __ATOMIC_SEQ_CST);
	}
	return NULL;
}

static void many_seeded_threads(void)
{
	pthread_t tids[8];
	long counter = 0;

	setenv("CHAOS_SEED", "99", 1);
	for (int i = 0; i < 8; i++)
		Pthread_create(&tids[i], NULL, chaos_hammer, &counter);
	for (int i = 0; i < 8; i++)
		Pthread_join(tids[i], NULL);
	if (counter != 8 * 500)
		app_error("lost chaos points");
}

START_TEST(test_chaos_many_seeded_threads_finish)
{
	expect_success(many_seeded_threads);
}
END_TEST

/* ---- suite ---- */

static Suite *common_suite(void)
{
	Suite *s = suite_create("common");
	TCase *core = tcase_create("Core");
	TCase *limits = tcase_create("Limits");
	TCase *stress = tcase_create("Stress");

	tcase_add_test(core, test_clock_is_monotonic_and_advances);
	tcase_add_test(core, test_clock_seconds_converts_nanoseconds);
	tcase_add_test(core, test_work_sleep_ms_blocks_for_the_time_without_cpu);
	tcase_add_test(core, test_work_spin_is_deterministic_per_units);
	tcase_add_test(core, test_trace_counts_sequential_work_with_one_in_flight);
	tcase_add_test(core, test_trace_sees_concurrent_sleeps_in_flight);
	tcase_add_test(core, test_trace_reset_clears_counts);
	tcase_add_test(core, test_trace_manual_begin_end_nest);
	tcase_add_test(core, test_bench_report_appends_parsable_lines_to_bench_out);
	tcase_add_test(core, test_bench_report_prints_to_stdout_without_bench_out);
	tcase_add_test(core, test_trace_out_records_each_span_and_the_run);
	tcase_add_test(core, test_write_sends_all_bytes_through_a_pipe);
	tcase_add_test(core, test_chaos_point_is_noop_without_seed);
	tcase_add_test(core, test_chaos_seed_reads_the_environment_once);
	tcase_add_test(core, test_chaos_same_seed_replays_the_same_sequence);
	tcase_add_test(core, test_chaos_threads_draw_different_sequences);
	tcase_add_test(core, test_chaos_first_cond_wait_wakes_spuriously);
	tcase_add_test(core, test_chaos_unseeded_cond_wait_never_wakes_alone);
	tcase_add_test(core, test_chaos_point_sleeps_at_least_the_drawn_time);
	tcase_add_test(core, test_errors_mutex_unlock_not_held_exits_failure);
	tcase_add_test(core, test_errors_mutex_relock_exits_failure);
	tcase_add_test(core, test_errors_destroy_locked_mutex_exits_failure);
	tcase_add_test(core, test_errors_cond_wait_without_lock_exits_failure);
	tcase_add_test(core, test_errors_close_bad_fd_exits_failure_naming_close);
	tcase_add_test(core, test_errors_join_self_exits_failure);
	tcase_add_test(core, test_errors_waitpid_without_children_exits_failure);
	tcase_add_test(core, test_errors_posix_spawn_missing_program_exits_failure);
	tcase_add_test(core, test_errors_app_error_prints_message_and_exits_failure);
	tcase_add_test(core, test_errors_thread_wrappers_succeed_silently);
	tcase_add_test(core, test_errors_process_wrappers_pass_results_through);
	tcase_add_test(core, test_errors_rwlock_wrappers_share_reads);
	tcase_add_test(core, test_errors_rwlock_relock_exits_failure);
	tcase_add_test(core, test_errors_in_forked_child_flush_nothing_of_the_parent);
	tcase_add_test(core, test_trace_out_records_a_wait_for_an_rwlock);
	suite_add_tcase(s, core);

	tcase_add_test(limits, test_work_sleep_ms_zero_or_negative_returns_at_once);
	tcase_add_test(limits, test_work_spin_burns_cpu_in_proportion_to_units);
	tcase_add_test(limits, test_write_zero_bytes_writes_nothing);
	tcase_add_test(limits, test_errors_write_to_closed_pipe_exits_failure);
	tcase_add_test(limits, test_errors_thread_creation_failure_exits_failure);
	tcase_add_test(limits, test_errors_malloc_too_large_exits_failure);
	tcase_add_test(limits, test_errors_calloc_overflow_exits_failure);
	tcase_add_test(limits, test_errors_pipe_without_free_descriptors_exits_failure);
	tcase_add_test(limits, test_bench_report_unwritable_bench_out_exits_failure);
	tcase_add_test(limits, test_chaos_malformed_seed_exits_failure);
	suite_add_tcase(s, limits);

	tcase_add_test(stress, test_trace_counts_every_item_under_contention);
	tcase_add_test(stress, test_write_survives_signal_interruptions);
	tcase_add_test(stress, test_work_sleep_ms_keeps_its_deadline_across_signals);
	tcase_add_test(stress, test_chaos_many_seeded_threads_finish);
	tcase_set_timeout(stress, 30);
	suite_add_tcase(s, stress);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(common_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
