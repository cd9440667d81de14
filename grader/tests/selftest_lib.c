/* selftest_lib.c - what the self-test suites share: running the real grader
 * binary on a submission and reading its results.json. */
#include <check.h>
#include <stdbool.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <glob.h>
#include <jansson.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "grader.h"
#include "selftest.h"

extern char **environ;

extern char **environ;

const char *grader_bin = "build/grader/grader";

double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}


/* Runs the grader; returns its exit code (-1 if it did not exit) and the
 * parsed results.json. */
int grade_with(const char *lab, const char *submission, const char *checks,
                      struct grade_opts *go, json_t **results)
{
	char json[] = "/tmp/selftest.XXXXXX";
	int fd = mkstemp(json);
	close(fd);
	char *argv[] = { (char *)grader_bin, "--root", (char *)(go->root ? go->root : "."),
	                 "--lab", (char *)lab,
	                 "--color", "never", "--progress", "none", "--json", json,
	                 submission ? "--submission" : NULL, (char *)submission,
	                 checks ? "--check" : NULL, (char *)checks,
	                 go->seed ? "--seed" : NULL, (char *)go->seed, NULL };
	/* drop the NULL gaps left by absent options */
	char *args[20];
	int n = 0;
	for (size_t i = 0; i < sizeof argv / sizeof *argv - 1; i++)
		if (argv[i] || (i > 0 && argv[i - 1]))
			if (argv[i])
				args[n++] = argv[i];
	args[n] = NULL;
	/* the environment, with TMPDIR replaced when asked */
	char **env = calloc(512, sizeof *env);
	size_t k = 0;
	for (char **e = environ; *e && k < 510; e++)
		if (!go->tmpdir || strncmp(*e, "TMPDIR=", 7) != 0)
			env[k++] = *e;
	char *tmpvar = go->tmpdir ? xasprintf("TMPDIR=%s", go->tmpdir) : NULL;
	if (tmpvar)
		env[k++] = tmpvar;
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	pid_t pid;
	int status = -1;
	double t0 = now_s();
	ck_assert_int_eq(posix_spawn(&pid, grader_bin, &fa, NULL, args, env), 0);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	go->seconds = now_s() - t0;
	go->status = status;
	posix_spawn_file_actions_destroy(&fa);
	free(tmpvar);
	free(env);
	*results = json_load_file(json, 0, NULL);
	unlink(json);
	ck_assert_msg(*results, "the grader wrote no readable results file for %s", lab);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* Runs the grader; returns its exit code and the parsed results.json. */
int grade(const char *lab, const char *submission, const char *checks, json_t **results)
{
	struct grade_opts go = { 0 };
	return grade_with(lab, submission, checks, &go, results);
}

/* Whether a results row belongs to an id of the table: "races" names the
 * row of that check, "unit" every row of the check, "unit/test_x" one row. */
bool row_matches(json_t *t, const char *lab, const char *id)
{
	json_t *extra = json_object_get(t, "extra_data");
	const char *row_id = json_string_value(json_object_get(extra, "id"));
	const char *row_lab = json_string_value(json_object_get(extra, "lab"));
	size_t len = strlen(id);
	return row_id && row_lab && strcmp(row_lab, lab) == 0 && strncmp(row_id, id, len) == 0 &&
	       (row_id[len] == '\0' || row_id[len] == '/');
}

void assert_rows(json_t *results, const char *lab, json_t *ids, const char *status)
{
	size_t i, k;
	json_t *id, *t;
	json_array_foreach(ids, i, id) {
		int found = 0;
		json_array_foreach(json_object_get(results, "tests"), k, t) {
			if (!row_matches(t, lab, json_string_value(id)))
				continue;
			found++;
			const char *got = json_string_value(json_object_get(t, "status"));
			ck_assert_msg(!status || strcmp(got, status) == 0, "%s: %s should have %s but %s:\n%s",
			              lab, json_string_value(json_object_get(t, "name")), status, got,
			              json_string_value(json_object_get(t, "output")));
		}
		ck_assert_msg(found, "%s: no row %s in the results", lab, json_string_value(id));
	}
}

Suite *grader_suite(const char *name, double timeout_s, const TTest *const *tests)
{
	Suite *s = suite_create(name);
	TCase *tc = tcase_create("Core");
	tcase_set_timeout(tc, timeout_s);
	for (; *tests; tests++)
		tcase_add_test(tc, *tests);
	suite_add_tcase(s, tc);
	return s;
}

bool suite_passes(Suite *s, int min_ran)
{
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr), ran = srunner_ntests_run(sr);
	srunner_free(sr);
	return failed == 0 && ran >= min_ran;
}

char *file_text(const char *path)
{
	char *text = NULL;
	size_t cap = 0;
	FILE *f = fopen(path, "r");
	if (f && getdelim(&text, &cap, '\0', f) < 0) {
		free(text);
		text = NULL;
	}
	if (f)
		fclose(f);
	return text;
}

const char *first_row(const char *json, char **output)
{
	json_t *res = json_load_file(json, 0, NULL);
	ck_assert_msg(res != NULL, "no results file %s", json);
	json_t *row = json_array_get(json_object_get(res, "tests"), 0);
	static char verdict[32];
	snprintf(verdict, sizeof verdict, "%s", json_string_value(json_object_get(
	         json_object_get(row, "extra_data"), "verdict")));
	*output = xstrdup(json_string_value(json_object_get(row, "output")));
	json_decref(res);
	return verdict;
}
