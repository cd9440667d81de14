/* check_main.h - the main() every Check program of the labs shares: runs
 * one suite in Check's normal mode (fork mode, per-test timeouts, the log
 * the grader reads) and exits non-zero when a test failed. For test
 * programs only: they link Check; common/'s library does not. */
#ifndef CHECK_MAIN_H
#define CHECK_MAIN_H

#include <check.h>
#include <stdlib.h>

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
