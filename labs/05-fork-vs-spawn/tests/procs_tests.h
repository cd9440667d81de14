/* procs_tests.h - the tests both parts share, written once: check_fork.c
 * and check_spawn.c each define METHOD (what the messages call the
 * method), NAME(x) (test_fork_x or test_spawn_x) and run_method(), then
 * include this file. Every test checks what the watch (tasks.c) saw from
 * inside the children, and that the parent is left clean: every child
 * reaped, every descriptor closed. */
#ifndef PROCS_TESTS_H
#define PROCS_TESTS_H

#include <check.h>
#include <stdio.h>
#include <string.h>

#include "check_main.h"
#include "common.h"
#include "harness.h"
#include "procs.h"

#define TEST(name) START_TEST(name)
#define FAIL_MS 3000		/* a run with a failed worker returns well within this */

static int64_t inputs[TASKS_MAX], results[TASKS_MAX], want[TASKS_MAX];

/* A run: how many tasks, how many processes, and their costs in ms. */
struct shape {
	int count, nprocs;
	enum { FLAT, LATER_FIRST, SAWTOOTH } durations;
	int ms;
};

static void shape_inputs(const struct shape *s)
{
	for (int i = 0; i < s->count; i++) {
		int ms = s->durations == FLAT ? s->ms : s->durations == LATER_FIRST ?
			 s->ms * (s->count - i) / s->count : (s->count - i) % (s->ms + 1);

		inputs[i] = task_input(i, ms);
		results[i] = -1;
		want[i] = task_expected(inputs[i]);
	}
}

/* Runs the student's method on s under the watch; checks the parent is
 * left clean and every result is in its slot. */
static struct watch_report run_shape(const struct shape *s)
{
	int fds = harness_open_fds(), rc, left;
	struct watch_report r;

	shape_inputs(s);
	task_watch_start();
	rc = run_method(inputs, results, s->count, s->nprocs);
	r = task_watch_stop();
	left = harness_children_left();
	ck_assert_msg(rc == 0, "%s of %d tasks with nprocs = %d returned %d with no task "
		      "failing: it returns 0 when every task gave its result", METHOD, s->count,
		      s->nprocs, rc);
	ck_assert_msg(left == 0, "%s of %d tasks returned with %d child%s not reaped: "
		      "waitpid every child it started before returning (a child that has "
		      "exited but was not waited for stays a zombie)", METHOD, s->count, left,
		      left == 1 ? "" : "ren");
	ck_assert_msg(harness_open_fds() == fds, "%s of %d tasks returned with %d more "
		      "descriptors open than before: close both ends of every pipe (the write "
		      "end right after starting the child, the read end after reading)", METHOD,
		      s->count, harness_open_fds() - fds);
	for (int i = 0; i < s->count; i++)
		ck_assert_msg(results[i] == want[i], "%s of %d tasks with nprocs = %d: "
			      "results[%d] is not task_compute(inputs[%d])%s", METHOD, s->count,
			      s->nprocs, i, i, results[i] == -1 ? " (never written)" :
			      ": each result must go to the slot of its own task, whatever "
			      "order the children end in");
	return r;
}

static const struct shape shapes[] = {
	{ 1, 1, FLAT, 1 },
	{ 10, 3, LATER_FIRST, 4 },	/* later tasks end first */
	{ 24, 4, SAWTOOTH, 2 },
	{ 5, 8, FLAT, 1 },		/* more processes allowed than tasks */
};
#define NSHAPES (sizeof(shapes) / sizeof(shapes[0]))

TEST(NAME(results_in_order))
{
	for (size_t k = 0; k < NSHAPES; k++)
		(void)run_shape(&shapes[k]);
}
END_TEST

TEST(NAME(at_most_nprocs))
{
	static const struct shape runs[] = {
		{ 12, 3, FLAT, 8 }, { 8, 1, FLAT, 2 }, { 12, 6, FLAT, 16 },
	};

	for (size_t k = 0; k < sizeof(runs) / sizeof(runs[0]); k++) {
		const struct shape *s = &runs[k];
		struct watch_report r = run_shape(s);

		ck_assert_msg(r.tasks == s->count && !r.in_parent, "%s of %d tasks: %d "
			      "task_compute calls were seen in children%s: every task is computed "
			      "in a child process, never in the parent", METHOD, s->count,
			      r.tasks - r.in_parent, r.in_parent ? ", and some in the parent" : "");
		ck_assert_msg(r.max_alive <= s->nprocs, "%s of %d tasks of %d ms with nprocs = "
			      "%d had %d children computing at once: start a child only while "
			      "fewer than nprocs are alive", METHOD, s->count, s->ms, s->nprocs,
			      r.max_alive);
		ck_assert_msg(r.max_alive == s->nprocs, "%s of %d tasks of %d ms with nprocs = "
			      "%d had no more than %d computing at once: keep nprocs alive "
			      "while tasks remain (start the next as soon as one is reaped, "
			      "not after the whole group)", METHOD, s->count, s->ms, s->nprocs,
			      r.max_alive);
	}
}
END_TEST

/* ---- a worker that fails ---- */

struct failing {
	int count, nprocs;
	int rc;
	uint64_t ms;		/* how long the run took */
};

static int run_failing(void *arg)
{
	struct failing *f = arg;
	uint64_t start = clock_now_ns();

	f->rc = run_method(inputs, results, f->count, f->nprocs);
	f->ms = (clock_now_ns() - start) / 1000000u;
	return f->rc;
}

/* Task bad of 8 fails by input how; the others cost 2 ms. */
static void expect_failure(int bad, int64_t how, const char *what)
{
	struct failing f = { .count = 8, .nprocs = 2 };
	char err[2048], needle[32];
	int fds = harness_open_fds(), left;

	for (int i = 0; i < f.count; i++)
		inputs[i] = i == bad ? how : task_input(i, 2);
	(void)harness_capture_stderr(run_failing, &f, err, sizeof(err));
	left = harness_children_left();
	snprintf(needle, sizeof(needle), "task %d", bad);
	ck_assert_msg(f.rc == -1, "%s of 8 tasks, task %d's worker %s: it returned %d, not "
		      "-1: a child killed by a signal or exiting with a status other than 0 is a "
		      "failure (WIFSIGNALED, WEXITSTATUS)", METHOD, bad, what, f.rc);
	ck_assert_msg(f.ms <= FAIL_MS, "%s of 8 tasks, task %d's worker %s: it took %llu ms to "
		      "return -1: report the failure once the other children are reaped",
		      METHOD, bad, what, (unsigned long long)f.ms);
	ck_assert_msg(left == 0, "%s of 8 tasks, task %d's worker %s: it returned with %d "
		      "child%s not reaped: a failure must still wait for every child started",
		      METHOD, bad, what, left, left == 1 ? "" : "ren");
	ck_assert_msg(harness_open_fds() == fds, "%s of 8 tasks, task %d's worker %s: it "
		      "returned with %d more descriptors open than before", METHOD, bad, what,
		      harness_open_fds() - fds);
	ck_assert_msg(strstr(err, needle) != NULL, "%s of 8 tasks, task %d's worker %s: "
		      "stderr did not name \"%s\": say on stderr which task failed and how "
		      "(it said: \"%.200s\")", METHOD, bad, what, needle, err);
}

TEST(NAME(failed_worker_reported))
{
	expect_failure(2, TASK_CRASH, "was killed by SIGABRT");
	expect_failure(5, TASK_FAIL, "exited with status 3");
	expect_failure(0, TASK_CRASH, "was killed by SIGABRT");
}
END_TEST

#endif /* PROCS_TESTS_H */
