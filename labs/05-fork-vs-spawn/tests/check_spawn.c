/* check_spawn.c - part B's Check tests: run_spawned runs every task in
 * the task_worker program, gives every result in its own slot, keeps
 * nprocs alive and never more, starts each worker without fork, hands each worker no descriptor but its
 * stdout pipe, reports a crashed or failing worker promptly, and leaves no
 * zombie and no descriptor behind. */
#include <stdlib.h>

#define METHOD "run_spawned"
#define NAME(x) test_spawn_##x

static int run_method(const int64_t *in, int64_t *out, int count, int nprocs);

#include "procs_tests.h"

static int run_method(const int64_t *in, int64_t *out, int count, int nprocs)
{
	return run_spawned(task_worker_path(), in, out, count, nprocs);
}

static void setup(void)
{
	chaos_init();
}

TEST(NAME(runs_the_worker))
{
	static const struct shape s = { 6, 3, FLAT, 2 };
	struct watch_report r = run_shape(&s);

	ck_assert_msg(r.in_worker == s.count, "run_spawned of 6 tasks: %d of them ran in the "
		      "task_worker program: posix_spawn the program at the path given (a fork "
		      "without exec computes in a copy of the parent, which is part A), with "
		      "environ as its environment", r.in_worker);
}
END_TEST

TEST(NAME(never_forks))
{
	static const struct shape s = { 6, 3, FLAT, 2 };
	int before = harness_forks(), forks;

	run_shape(&s);
	forks = harness_forks() - before;
	ck_assert_msg(forks == 0, "run_spawned of 6 tasks called fork() %d time%s: a worker "
		      "started by fork (then exec) pays what fork pays, a copy of the parent's "
		      "page tables; start every worker with posix_spawn", forks,
		      forks == 1 ? "" : "s");
}
END_TEST

TEST(NAME(worker_gets_only_its_pipe))
{
	static const struct shape s = { 12, 4, FLAT, 10 };
	struct watch_report r = run_shape(&s);

	ck_assert_msg(r.leaky == 0, "run_spawned of 12 tasks with nprocs = 4: %d of the "
		      "workers had descriptors of the parent open besides 0, 1 and 2 (fd %d "
		      "first, %d in one worker): open every pipe with pipe2(fds, O_CLOEXEC), so "
		      "that a worker keeps only the fd 1 its file action gives it, not its "
		      "siblings' pipes", r.leaky, r.leaked_fd, r.leaked_total);
}
END_TEST

int main(void)
{
	const TTest *const tests[] = {
		test_spawn_results_in_order,
		test_spawn_at_most_nprocs,
		test_spawn_failed_worker_reported,
		test_spawn_runs_the_worker,
		test_spawn_never_forks,
		test_spawn_worker_gets_only_its_pipe,
		NULL
	};

	return check_main(check_suite("spawn", setup, tests));
}
