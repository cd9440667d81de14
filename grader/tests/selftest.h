/* selftest.h - runs the real grader binary for the grader's self-tests and
 * reads what it wrote.
 *
 * Interface:
 *   grader_bin    the grader to run ($GRADER, else build/grader/grader).
 *   grade_with    one grader run with options; its exit code and results.json.
 *   grade         the same with no options.
 *   row_matches   whether a results row is the row (or check) an id names.
 *   file_text     a whole file as a string.
 *   first_row     a results file's first row: its verdict and output.
 *   assert_rows   every row an id list names has the given status (NULL: is there).
 *   now_s         a monotonic clock in seconds.
 *   suite_passes  every grader suite's main: run, count, judge.
 *   grader_suite  the suite of a program's tests, in one test case.
 */
#ifndef SELFTEST_H
#define SELFTEST_H

#include <jansson.h>
#include <stdbool.h>

extern const char *grader_bin;

/* How one grader run is asked for: seed (NULL = the spec's seeds) and tmpdir
 * (the grader's TMPDIR, where it makes its scratch folders; NULL = inherited). */
struct grade_opts {
	const char *seed, *tmpdir;
	const char *root; /* the project to grade with; NULL: "." */
	double seconds; /* out: wall time of the run */
	int status;     /* out: the raw wait status */
};

double now_s(void);
int grade_with(const char *lab, const char *submission, const char *checks,
               struct grade_opts *go, json_t **results);
int grade(const char *lab, const char *submission, const char *checks, json_t **results);
bool row_matches(json_t *t, const char *lab, const char *id);
/* The whole file as a string (free it), or NULL when it cannot be read. */
char *file_text(const char *path);
/* The verdict (a static buffer) of the first row of results file json,
 * its output into *output (free it); the test fails with no such file. */
const char *first_row(const char *json, char **output);
void assert_rows(json_t *results, const char *lab, json_t *ids, const char *status);

/* Runs a suite in fork mode: true when no test failed and at least min_ran
 * ran (Check runs none, and exits 0, when a name is wrong). */
#include <check.h>
bool suite_passes(Suite *s, int min_ran);
/* A suite of one test case: the tests (NULL-terminated), each given
 * timeout_s seconds. */
Suite *grader_suite(const char *name, double timeout_s, const TTest *const *tests);

#endif /* SELFTEST_H */
