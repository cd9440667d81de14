/* check_schedule.c - unit tests for common/'s controlled scheduler. Each
 * test runs a scenario in this same program, started again with SCHEDULE
 * in its environment (a schedule is chosen once a process, so a forked
 * child cannot start one), and reads what it printed. */
#include "common.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define OUT_CAP 65536
#define ROUNDS 3

/* ---- the scenarios, run with --scenario NAME ---- */

static pthread_mutex_t a = PTHREAD_MUTEX_INITIALIZER, b = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int ready, counter, in_order[64], steps;

static void *a_then_b(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&a);
	pthread_mutex_lock(&b);
	pthread_mutex_unlock(&b);
	pthread_mutex_unlock(&a);
	return NULL;
}

static void *b_then_a(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&b);
	pthread_mutex_lock(&a);
	pthread_mutex_unlock(&a);
	pthread_mutex_unlock(&b);
	return NULL;
}

static void *a_then_b_too(void *arg)
{
	(void)arg;
	Pthread_mutex_lock(&a);
	Pthread_mutex_lock(&b);
	Pthread_mutex_unlock(&b);
	Pthread_mutex_unlock(&a);
	return NULL;
}

static void run_two(void *(*f)(void *), void *(*g)(void *))
{
	pthread_t t1, t2;

	pthread_create(&t1, NULL, f, NULL);
	pthread_create(&t2, NULL, g, NULL);
	pthread_join(t1, NULL);
	pthread_join(t2, NULL);
}

static void *relock(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&a);
	pthread_mutex_lock(&a);
	return NULL;
}

/* The lost wake-up: the flag read before the lock is taken, so the
 * signal can come between the read and the wait. */
static void *careful_signaller(void *arg);

static void *careless_waiter(void *arg)
{
	(void)arg;
	if (!ready) {
		pthread_mutex_lock(&a);
		pthread_cond_wait(&cv, &a);
		pthread_mutex_unlock(&a);
	}
	return NULL;
}

/* Correct: the flag under the lock, the wait in a while loop. */
static void *careful_waiter(void *arg)
{
	(void)arg;
	Pthread_mutex_lock(&a);
	while (!ready)
		Pthread_cond_wait(&cv, &a);
	Pthread_mutex_unlock(&a);
	return NULL;
}

static void *careful_signaller(void *arg)
{
	(void)arg;
	Pthread_mutex_lock(&a);
	ready = 1;
	Pthread_cond_signal(&cv);
	Pthread_mutex_unlock(&a);
	return NULL;
}

/* A lost update between a read and a write, with a switch point between. */
static void *increment(void *arg)
{
	(void)arg;
	for (int i = 0; i < 3; i++) {
		int t = counter;

		sched_yield();
		counter = t + 1;
		pthread_mutex_lock(&b);
		in_order[steps++ % 64] = (int)(intptr_t)arg;
		pthread_mutex_unlock(&b);
	}
	return NULL;
}

static void *sleepy(void *arg)
{
	(void)arg;
	work_sleep_ms(10000);
	return NULL;
}

/* A spin lock of one's own, correct on real threads: under a schedule the
 * spinner can keep the turn that the holder needs. */
static char spin;

static void *spin_then_lock(void *arg)
{
	(void)arg;
	while (__atomic_test_and_set(&spin, __ATOMIC_ACQUIRE))
		;
	pthread_mutex_lock(&b);	/* a switch point, the spin lock held */
	pthread_mutex_unlock(&b);
	__atomic_clear(&spin, __ATOMIC_RELEASE);
	return NULL;
}

/* Two threads that yield to each other for ever: every turn is taken, and
 * none brings the end. */
static void *polite(void *arg)
{
	(void)arg;
	for (;;)
		sched_yield();
	return NULL;
}

static int scenario(const char *name)
{
	if (strcmp(name, "abba") == 0) {
		run_two(a_then_b, b_then_a);
	} else if (strcmp(name, "ordered") == 0) {
		run_two(a_then_b, a_then_b_too);
	} else if (strcmp(name, "relock") == 0) {
		run_two(relock, a_then_b_too);
	} else if (strcmp(name, "lost-wakeup") == 0) {
		run_two(careless_waiter, careful_signaller);
	} else if (strcmp(name, "spin") == 0) {
		run_two(spin_then_lock, spin_then_lock);
	} else if (strcmp(name, "livelock") == 0) {
		run_two(polite, polite);
	} else if (strcmp(name, "careful") == 0) {
		run_two(careful_waiter, careful_signaller);
	} else if (strcmp(name, "counter") == 0) {
		pthread_t t[3];

		for (intptr_t i = 0; i < 3; i++)
			pthread_create(&t[i], NULL, increment, (void *)i);
		for (int i = 0; i < 3; i++)
			pthread_join(t[i], NULL);
		printf("counter %d order", counter);
		for (int i = 0; i < steps; i++)
			printf(" %d", in_order[i]);
		printf("\n");
	} else if (strcmp(name, "sleep") == 0) {
		uint64_t start = clock_now_ns();

		run_two(sleepy, sleepy);
		printf("slept %llu ms\n", (unsigned long long)((clock_now_ns() - start) / 1000000));
	} else {
		return 2;
	}
	return 0;
}

/* ---- running one ---- */

/* Runs this program's scenario under SCHEDULE=schedule; returns its wait
 * status, its output (stdout then stderr) in out. */
static int run(const char *name, const char *schedule, char *out)
{
	char cmd[512];
	FILE *p;
	size_t len;
	int status;

	snprintf(cmd, sizeof(cmd), "SCHEDULE='%s' /proc/%d/exe --scenario %s 2>&1", schedule,
		 (int)getpid(), name);
	p = popen(cmd, "r");
	ck_assert_ptr_nonnull(p);
	len = fread(out, 1, OUT_CAP - 1, p);
	out[len] = '\0';
	status = pclose(p);
	return status;
}

static char out[OUT_CAP], again[OUT_CAP];

/* The first of seeds 1..n whose run of name exits non-zero, or 0. */
static int first_failing(const char *name, const char *strategy, int n)
{
	char schedule[64];

	for (int seed = 1; seed <= n; seed++) {
		snprintf(schedule, sizeof(schedule), "%s%d", strategy, seed);
		if (run(name, schedule, out) != 0)
			return seed;
	}
	return 0;
}

START_TEST(test_schedule_finds_abba_with_its_cycle)
{
	int seed = first_failing("abba", "random:", 50);

	ck_assert_msg(seed > 0, "50 random schedules of an ABBA pair never deadlocked");
	ck_assert_msg(strstr(out, "Deadlock under SCHEDULE=random:") != NULL, "%s", out);
	ck_assert_msg(strstr(out, "a cycle of 2 threads") != NULL, "%s", out);
	ck_assert_msg(strstr(out, "check_schedule.c") != NULL && strstr(out, "a_then_b") &&
		      strstr(out, "b_then_a"), "the cycle names neither line: %s", out);
}
END_TEST

START_TEST(test_schedule_pct_finds_abba)
{
	ck_assert_msg(first_failing("abba", "pct:2:", 50) > 0,
		      "50 PCT schedules of depth 2 never deadlocked an ABBA pair");
}
END_TEST

START_TEST(test_schedule_never_fails_correct_code)
{
	static const char *const names[] = { "ordered", "careful" };

	for (int i = 0; i < 2; i++) {
		int seed = first_failing(names[i], "random:", 100);

		ck_assert_msg(seed == 0, "%s failed under random:%d: %s", names[i], seed, out);
		seed = first_failing(names[i], "pct:3:", 100);
		ck_assert_msg(seed == 0, "%s failed under pct:3:%d: %s", names[i], seed, out);
	}
}
END_TEST

START_TEST(test_schedule_gives_up_a_spin_it_cannot_explore)
{
	char schedule[64];
	bool gave_up = false;

	for (int seed = 1; seed <= 10 && !gave_up; seed++) {
		snprintf(schedule, sizeof(schedule), "random:%d", seed);
		int status = run("spin", schedule, out);

		gave_up = WIFEXITED(status) && WEXITSTATUS(status) == SCHEDULE_GAVE_UP_EXIT;
		ck_assert_msg(status == 0 || gave_up, "a correct spin lock failed under %s: %s",
			      schedule, out);
		ck_assert_msg(!gave_up || strstr(out, "gives this test up: thread"), "%s", out);
	}
	ck_assert_msg(gave_up, "no schedule of 10 said it gave a spinning thread up: %s", out);
	ck_assert_msg(strstr(out, "check_schedule.c") != NULL, "the spinner's last line is "
		      "not named: %s", out);
}
END_TEST

START_TEST(test_schedule_gives_up_a_livelock)
{
	int status = run("livelock", "random:1", out);

	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == SCHEDULE_GAVE_UP_EXIT, "%s", out);
	ck_assert_msg(strstr(out, "gives this test up: it has run for") &&
		      strstr(out, "taking turns without end"), "%s", out);
}
END_TEST

START_TEST(test_schedule_relock_is_a_deadlock_of_one)
{
	int seed = first_failing("relock", "random:", 5);

	ck_assert_msg(seed == 1, "a relock did not deadlock at once");
	ck_assert_msg(strstr(out, "locks again") != NULL, "%s", out);
}
END_TEST

START_TEST(test_schedule_lost_wakeup_everyone_waits)
{
	int seed = first_failing("lost-wakeup", "random:", 50);

	ck_assert_msg(seed > 0, "50 random schedules never lost the wake-up");
	ck_assert_msg(strstr(out, "every thread waits") != NULL &&
		      strstr(out, "waits on a condition variable") != NULL &&
		      strstr(out, "to join thread") != NULL, "%s", out);
}
END_TEST

/* One schedule, one interleaving: the same output every time; other
 * seeds give other interleavings, some of them losing updates. */
START_TEST(test_schedule_replays_exactly)
{
	char schedule[64];
	int lost = 0;

	for (int seed = 1; seed <= 20; seed++) {
		snprintf(schedule, sizeof(schedule), "random:%d", seed);
		ck_assert_int_eq(run("counter", schedule, out), 0);
		for (int r = 0; r < ROUNDS; r++) {
			ck_assert_int_eq(run("counter", schedule, again), 0);
			ck_assert_msg(strcmp(out, again) == 0, "%s replayed differently:\n%s\n%s",
				      schedule, out, again);
		}
		lost += strncmp(out, "counter 9 ", 10) != 0;
	}
	ck_assert_msg(lost > 0, "20 schedules never lost an update: %s", out);
}
END_TEST

START_TEST(test_schedule_sleeps_in_virtual_time)
{
	uint64_t start = clock_now_ns();

	ck_assert_int_eq(run("sleep", "random:1", out), 0);
	ck_assert_msg(strncmp(out, "slept 100", 9) == 0, "two 10 s sleeps at once: %s", out);
	ck_assert_msg(clock_now_ns() - start < 2000000000ull, "the virtual sleep took real time");
}
END_TEST

START_TEST(test_schedule_rejects_a_bad_schedule)
{
	ck_assert_int_ne(run("counter", "pct:0:5", out), 0);
	ck_assert_msg(strstr(out, "expected random:SEED or pct:DEPTH:SEED") != NULL, "%s", out);
}
END_TEST

int main(int argc, char **argv)
{
	Suite *s;
	TCase *tc;
	SRunner *sr;
	int failed;

	if (argc == 3 && strcmp(argv[1], "--scenario") == 0)
		return scenario(argv[2]);
	s = suite_create("schedule");
	tc = tcase_create("Core");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_schedule_finds_abba_with_its_cycle);
	tcase_add_test(tc, test_schedule_pct_finds_abba);
	tcase_add_test(tc, test_schedule_never_fails_correct_code);
	tcase_add_test(tc, test_schedule_relock_is_a_deadlock_of_one);
	tcase_add_test(tc, test_schedule_gives_up_a_spin_it_cannot_explore);
	tcase_add_test(tc, test_schedule_gives_up_a_livelock);
	tcase_add_test(tc, test_schedule_lost_wakeup_everyone_waits);
	tcase_add_test(tc, test_schedule_replays_exactly);
	tcase_add_test(tc, test_schedule_sleeps_in_virtual_time);
	tcase_add_test(tc, test_schedule_rejects_a_bad_schedule);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
