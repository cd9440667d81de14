/* tasks.c - the tasks every lab 04 program hands to the pool: sleep-bound
 * (simulated I/O) and CPU-bound (simulated computation), the sequential
 * loop that is the speedup baseline, and for the tests the watched task and
 * the gated one. The cost and the watch's settings are written before any
 * task runs and only read while tasks run; what tasks record goes through
 * atomics. */
#include "harness.h"

#include <errno.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"

#define ATOM __ATOMIC_SEQ_CST

static int task_cost;

void *task_input(int i)
{
	return (void *)(intptr_t)i;
}

void *task_answer(int i)
{
	return (void *)(intptr_t)(1000003L * i + 7);
}

static int task_index(void *input)
{
	return (int)(intptr_t)input;
}

void *task_sleep(void *input)
{
	work_sleep_ms(task_cost);
	return task_answer(task_index(input));
}

void *task_spin(void *input)
{
	(void)work_spin((uint64_t)task_cost);
	return task_answer(task_index(input));
}

void task_set_cost(int cost)
{
	task_cost = cost;
}

void task_run_sequential(task_fn fn, void **inputs, void **outputs, int count)
{
	for (int i = 0; i < count; i++)
		outputs[i] = fn(inputs[i]);
}

#define BENCH_USAGE "usage: PROGRAM sleep|spin WORKERS TASKS COST (1 <= WORKERS <= 256, " \
	"1 <= TASKS <= 4096, 0 <= COST <= 100000: ms of sleep or units of spin)"

void task_bench_args(struct bench *b, int argc, char **argv)
{
	if (argc != 5 || (strcmp(argv[1], "sleep") != 0 && strcmp(argv[1], "spin") != 0))
		app_error(BENCH_USAGE);
	b->fn = strcmp(argv[1], "sleep") == 0 ? task_sleep : task_spin;
	b->workers = arg_int(argv[2], 1, 256, BENCH_USAGE);
	b->count = arg_int(argv[3], 1, TASKS_MAX, BENCH_USAGE);
	task_set_cost(arg_int(argv[4], 0, 100000, BENCH_USAGE));
	unsetenv("CHAOS_SEED");
	chaos_init();
	for (int i = 0; i < b->count; i++)
		b->inputs[i] = task_input(i);
}

void task_bench_verify(const struct bench *b, const char *program)
{
	for (int i = 0; i < b->count; i++)
		if (b->outputs[i] != task_answer(i)) {
			fprintf(stderr, "%s: outputs[%d] is not the result of inputs[%d]\n",
				program, i, i);
			return;
		}
}

/* ---- the watch ---- */

static struct {
	int count;
	bool sample_threads;
	int meet;		/* task_watch_meet's n, 0 none */
	uint64_t meet_until;	/* and when the calls stop waiting for it */
	pid_t watcher;
	int ms[TASKS_MAX];
	int calls[TASKS_MAX];	/* atomics from here on */
	pid_t tid[TASKS_MAX];
	int started, returned, max_threads;
} watch;

void task_watch_start(int count, const int *ms, bool sample_threads)
{
	if (count > TASKS_MAX)
		app_error("task_watch_start: too many tasks");
	memset(&watch, 0, sizeof(watch));
	watch.count = count;
	watch.sample_threads = sample_threads;
	watch.watcher = harness_tid();
	for (int i = 0; ms != NULL && i < count; i++)
		watch.ms[i] = ms[i];
	trace_reset();
}

void task_watch_meet(int n)
{
	watch.meet = n;
	watch.meet_until = clock_now_ns() + MEET_MS * 1000000ull;
}

static void max_store(int *at, int v)
{
	int old = __atomic_load_n(at, ATOM);

	while (v > old && !__atomic_compare_exchange_n(at, &old, v, false, ATOM, ATOM))
		;
}

void *task_watched(void *input)
{
	int i = task_index(input);

	chaos_point();
	__atomic_add_fetch(&watch.started, 1, ATOM);
	if (i >= 0 && i < watch.count) {
		__atomic_add_fetch(&watch.calls[i], 1, ATOM);
		__atomic_store_n(&watch.tid[i], harness_tid(), ATOM);
	}
	if (watch.sample_threads)
		max_store(&watch.max_threads, harness_threads_now());
	work_sleep_ms(i >= 0 && i < watch.count ? watch.ms[i] : 0);
	while (watch.meet > 0 && trace_read().max_inflight < watch.meet &&
	       clock_now_ns() < watch.meet_until)
		work_sleep_ms(1);	/* still in flight, for the next worker to find */
	chaos_point();
	__atomic_add_fetch(&watch.returned, 1, ATOM);
	return task_answer(i);
}

static int cmp_pid(const void *a, const void *b)
{
	pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;

	return (x > y) - (x < y);
}

struct watch_report task_watch_stop(void)
{
	static pid_t tids[TASKS_MAX];
	struct watch_report r = { .count = watch.count, .first_twice = -1, .first_never = -1 };
	int n = 0;

	r.calls = __atomic_load_n(&watch.started, ATOM);
	r.returned = __atomic_load_n(&watch.returned, ATOM);
	r.max_threads_alive = __atomic_load_n(&watch.max_threads, ATOM);
	for (int i = 0; i < watch.count; i++) {
		pid_t tid = __atomic_load_n(&watch.tid[i], ATOM);

		int calls = __atomic_load_n(&watch.calls[i], ATOM);

		if (calls > 1 && r.calls_twice++ == 0)
			r.first_twice = i;
		if (calls == 0 && r.calls_never++ == 0)
			r.first_never = i;
		if (tid != 0)
			tids[n++] = tid;
		r.on_watcher |= tid == watch.watcher;
	}
	qsort(tids, (size_t)n, sizeof(tids[0]), cmp_pid);
	for (int i = 0; i < n; i++)
		r.threads += i == 0 || tids[i] != tids[i - 1];
	return r;
}

/* ---- the gate: a pipe whose write end the test closes to open it ---- */

static int gate[2] = { -1, -1 };
static int gate_entered;	/* atomic */

void task_gate_reset(void)
{
	task_gate_open();
	if (gate[0] >= 0)
		Close(gate[0]);
	Pipe(gate);
	__atomic_store_n(&gate_entered, 0, ATOM);
}

void task_gate_open(void)
{
	if (gate[1] >= 0)
		Close(gate[1]);
	gate[1] = -1;
}

int task_gate_entered(void)
{
	return __atomic_load_n(&gate_entered, ATOM);
}

void *task_gated(void *input)
{
	struct pollfd pfd = { .fd = gate[0], .events = POLLIN };
	/* Under a controlled schedule (SCHEDULE=) a thread blocked where the
	 * scheduler cannot see would keep the only turn: it polls and yields. */
	int wait_ms = schedule_on() ? 0 : -1;
	int r;

	__atomic_add_fetch(&gate_entered, 1, ATOM);
	/* POLLHUP once the write end is closed */
	while ((r = poll(&pfd, 1, wait_ms)) <= 0) {
		if (r < 0 && errno != EINTR)
			unix_error("task_gated: poll");
		if (r == 0)
			sched_yield();
	}
	return task_answer(task_index(input));
}
