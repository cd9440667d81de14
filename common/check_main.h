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

/* One suite, one test case: the tests (a NULL-terminated list, run in
 * that order), each with setup run first in its own process. */
static inline Suite *check_suite(const char *name, void (*setup)(void),
				 const TTest *const *tests)
{
	Suite *s = suite_create(name);
	TCase *tc = tcase_create("Core");

	tcase_add_checked_fixture(tc, setup, NULL);
	for (; *tests != NULL; tests++)
		tcase_add_test(tc, *tests);
	suite_add_tcase(s, tc);
	return s;
}

static inline int check_main(Suite *s)
{
	SRunner *sr = srunner_create(s);
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

#endif /* CHECK_MAIN_H */
