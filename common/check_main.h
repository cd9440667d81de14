/* check_main.h - what every Check program of the labs shares: check_suite()
 * makes the suite of a program's tests, check_main() runs it in Check's
 * normal mode (fork mode, per-test timeouts, the log the grader reads) and
 * exits non-zero when a test failed; struct
 * failure keeps the first thing a worker thread saw go wrong, since only
 * the test's own thread may call ck_assert. For test programs only: they
 * link Check; common/'s library does not. */
#ifndef CHECK_MAIN_H
#define CHECK_MAIN_H

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"

/* The first failure any thread saw, kept for the test to report. */
struct failure {
	pthread_mutex_t lock;
	char what[256];		/* "" until a thread fails */
};

static inline void failure_init(struct failure *f)
{
	Pthread_mutex_init(&f->lock, NULL);
	f->what[0] = '\0';
}

static inline void failure_set(struct failure *f, const char *what)
{
	Pthread_mutex_lock(&f->lock);
	if (f->what[0] == '\0')
		snprintf(f->what, sizeof(f->what), "%s", what);
	Pthread_mutex_unlock(&f->lock);
}

/* A deadlock found under a controlled schedule (common/schedule.c) fails
 * the running test with the scheduler's words. */
static inline void check_schedule_fail(const char *msg)
{
	ck_abort_msg("%s", msg);
}

/* Whether CHECK_TESTS (test names, comma-separated) names the test; unset
 * or empty names every test. */
static inline bool check_selected(const char *test)
{
	const char *list = getenv("CHECK_TESTS");

	return list == NULL || *list == '\0' || comma_list_has(list, test);
}

/* Each test runs through check_run_test, which tells the scheduler its
 * name first: a test a schedule gave up is not tried again under the next
 * schedules (schedule_test_begins). */
#define CHECK_TESTS_MAX 64
static const TTest *check_tests[CHECK_TESTS_MAX];
static TTest check_runs[CHECK_TESTS_MAX];

static void check_run_test(int i)
{
	schedule_test_begins(check_tests[i]->name);
	check_tests[i]->fn(0);
}

/* One suite, one test case: the tests (a NULL-terminated list, run in
 * that order, or those CHECK_TESTS names), each with setup run first in
 * its own process. */
static inline Suite *check_suite(const char *name, void (*setup)(void),
				 const TTest *const *tests)
{
	Suite *s = suite_create(name);
	TCase *tc = tcase_create("Core");

	schedule_set_fail(check_schedule_fail);
	tcase_add_checked_fixture(tc, setup, NULL);
	for (int i = 0; tests[i] != NULL; i++) {
		if (i == CHECK_TESTS_MAX)
			app_error("check_suite: more than CHECK_TESTS_MAX tests");
		if (!check_selected(tests[i]->name))
			continue;
		check_tests[i] = tests[i];
		check_runs[i] = *tests[i];
		check_runs[i].fn = check_run_test;
		tcase_add_loop_test(tc, &check_runs[i], i, i + 1);	/* fn(i) */
	}
	suite_add_tcase(s, tc);
	return s;
}

/* Which schedule the log's run was under, for the grader: the log's name
 * with .schedule after it. */
static inline void check_note_schedule(const char *name)
{
	const char *log = getenv("CK_XML_LOG_FILE_NAME");
	char path[4096];
	FILE *f;

	if (name == NULL || log == NULL || *log == '\0')
		return;
	snprintf(path, sizeof(path), "%s.schedule", log);
	if ((f = fopen(path, "w")) != NULL) {
		fprintf(f, "%s\n", name);
		fclose(f);
	}
}

/* The tests that failed, but for those a schedule gave up. */
static inline int check_failed(SRunner *sr)
{
	TestResult **tr = srunner_failures(sr);
	int n = srunner_ntests_failed(sr), failed = 0;

	for (int i = 0; i < n; i++)
		failed += !schedule_on() || strcmp(tr_msg(tr[i]), SCHEDULE_GAVE_UP_SAYS) != 0;
	free(tr);
	return failed;
}

/* Under a range of schedules (SCHEDULE=pct:3:1-20) the tests run under
 * each in turn, up to the first under which a test failed: the log then
 * holds that schedule's run. */
static inline int check_main(Suite *s)
{
	SRunner *sr = srunner_create(s);
	int failed = 0, n = schedule_count();

	for (int k = 0; k < n && failed == 0; k++) {
		const char *name = schedule_select(k);

		srunner_run_all(sr, CK_NORMAL);
		failed = check_failed(sr);
		check_note_schedule(name);
	}
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

#endif /* CHECK_MAIN_H */
