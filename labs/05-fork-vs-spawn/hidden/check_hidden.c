/* check_hidden.c - lab 05's hidden tests (instructor-only, left out of the
 * student release): many tiny tasks ending at once, a failure at the very
 * end with others alive, and the extremes of nprocs; both ways. */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "check_main.h"
#include "common.h"
#include "harness.h"
#include "procs.h"

static int64_t in[TASKS_MAX], out[TASKS_MAX];

static void setup(void)
{
	chaos_init();
}

static int run_way(int spawn, int count, int nprocs)
{
	return spawn ? run_spawned(task_worker_path(), in, out, count, nprocs) :
		run_forked(in, out, count, nprocs);
}

static const char *way(int spawn)
{
	return spawn ? "run_spawned" : "run_forked";
}

/* Runs the way; the parent must be left clean. */
static int run_clean(int spawn, int count, int nprocs)
{
	int fds = harness_open_fds(), rc = run_way(spawn, count, nprocs);
	int left = harness_children_left();

	ck_assert_msg(left == 0, "%s of %d tasks on %d processes left %d children not reaped",
		      way(spawn), count, nprocs, left);
	ck_assert_msg(harness_open_fds() == fds, "%s of %d tasks on %d processes left %d "
		      "descriptors open", way(spawn), count, nprocs, harness_open_fds() - fds);
	return rc;
}

START_TEST(test_hidden_many_tiny_tasks)
{
	static const int nprocs[] = { 1, 16 };

	for (int spawn = 0; spawn < 2; spawn++)
		for (int k = 0; k < 2; k++) {
			for (int i = 0; i < 200; i++) {
				in[i] = i % 7;	/* tiny, and results differ */
				out[i] = -1;
			}
			ck_assert_msg(run_clean(spawn, 200, nprocs[k]) == 0, "%s of 200 tiny tasks "
				      "on %d processes did not return 0", way(spawn), nprocs[k]);
			for (int i = 0; i < 200; i++)
				ck_assert_msg(out[i] == task_compute(in[i]), "%s of 200 tiny tasks on "
					      "%d processes: results[%d] is wrong", way(spawn),
					      nprocs[k], i);
		}
}
END_TEST

START_TEST(test_hidden_last_task_fails)
{
	for (int spawn = 0; spawn < 2; spawn++) {
		for (int i = 0; i < 20; i++)
			in[i] = i == 19 ? TASK_FAIL : task_input(i, 1);
		ck_assert_msg(run_clean(spawn, 20, 4) == -1, "%s of 20 tasks whose last exits "
			      "with 3 did not return -1", way(spawn));
	}
}
END_TEST

START_TEST(test_hidden_one_task_many_procs)
{
	for (int spawn = 0; spawn < 2; spawn++) {
		in[0] = task_input(0, 1);
		task_watch_start();
		ck_assert_msg(run_clean(spawn, 1, 64) == 0, "%s of 1 task with nprocs 64 did not "
			      "return 0", way(spawn));
		ck_assert_msg(task_watch_stop().tasks == 1, "%s of 1 task with nprocs 64 computed "
			      "it more than once", way(spawn));
		ck_assert_msg(out[0] == task_compute(in[0]), "%s of 1 task: wrong result",
			      way(spawn));
		in[0] = TASK_CRASH;
		in[1] = task_input(1, 1);
		task_watch_start();
		ck_assert_msg(run_clean(spawn, 2, 1) == -1, "%s of 2 tasks on 1 process, the first "
			      "crashing, did not return -1", way(spawn));
		ck_assert_msg(task_watch_stop().tasks == 0, "%s of 2 tasks on 1 process: the "
			      "first crashed, and the second was still started", way(spawn));
	}
}
END_TEST

int main(void)
{
	const TTest *const tests[] = {
		test_hidden_many_tiny_tasks,
		test_hidden_last_task_fails,
		test_hidden_one_task_many_procs,
		NULL
	};

	return check_main(check_suite("hidden", setup, tests));
}
