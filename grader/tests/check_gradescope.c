/* check_gradescope.c - a lab's Gradescope autograder as Gradescope runs it:
 * make gradescope LAB=NN builds the zip, which is unpacked into a folder
 * laid out like /autograder (source, submission, results; AUTOGRADER_DIR),
 * setup.sh runs there once, then run_autograder once per upload. The zip
 * holds that lab, with its hidden tests, and nothing it must not, and
 * setup.sh leaves it readable to the grader's user alone; an upload
 * is graded as that lab only, whatever else it holds; of two copies of a
 * file the nearest the top wins and the other is named; two equally near
 * are refused, both named; a lab of two files uploaded with one is graded
 * with the skeleton for the other, and says so; replays name no folder of
 * the machine. And where containers run it, as a user who may not make
 * user namespaces (so bubblewrap cannot start): no student code runs
 * unless the instructor packed the zip with SANDBOX=off-ok. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <grp.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "grader.h"
#include "selftest.h"

static char project[PATH_MAX];
static char *ag;          /* the /autograder of the test case's lab */
static char *setup_error; /* what went wrong building or setting it up, or NULL */

static int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int sh(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *cmd = NULL;
	if (vasprintf(&cmd, fmt, ap) < 0)
		abort();
	va_end(ap);
	int rc = system(cmd);
	free(cmd);
	return rc;
}

/* A lab's zip, unpacked into a fresh /autograder and set up as Gradescope
 * does (unchecked fixture: once for the test case). */
static void autograder_for(const char *lab)
{
	char tmpl[] = "/tmp/autograder.XXXXXX";
	free(setup_error);
	setup_error = NULL;
	if (!getcwd(project, sizeof project) || !mkdtemp(tmpl)) {
		setup_error = xstrdup("no temporary folder");
		return;
	}
	ag = xstrdup(tmpl);
	if (sh("make --no-print-directory gradescope LAB=%s OUT=%s/autograder.zip > %s/make.log "
	       "2>&1", lab, ag, ag) != 0)
		setup_error = xasprintf("make gradescope LAB=%s failed: see %s/make.log", lab, ag);
	else if (sh("mkdir %s/source %s/submission && cd %s/source && unzip -q ../autograder.zip",
	            ag, ag, ag) != 0)
		setup_error = xasprintf("%s/autograder.zip does not unzip", ag);
	else if (sh("AUTOGRADER_DIR=%s sh %s/source/setup.sh > %s/setup.log 2>&1", ag, ag, ag))
		setup_error = xasprintf("setup.sh failed: see %s/setup.log", ag);
}

static void lab04(void) { autograder_for("04"); }
static void lab02(void) { autograder_for("02"); }

static void autograder_free(void)
{
	if (ag && !setup_error)
		sh("rm -rf %s", ag);
	free(ag);
	ag = NULL;
}

/* A new upload made by cmd (run in the empty submission folder, $P the
 * project), graded by the run_autograder setup.sh put in place. */
static json_t *grade_upload(const char *cmd)
{
	ck_assert_msg(setup_error == NULL, "%s", setup_error);
	ck_assert_int_eq(sh("rm -rf %s/submission %s/results && mkdir %s/submission && cd "
	                    "%s/submission && P=%s && %s", ag, ag, ag, ag, project, cmd), 0);
	ck_assert_msg(sh("AUTOGRADER_DIR=%s %s/run_autograder > %s/log 2>&1", ag, ag, ag) == 0,
	              "run_autograder exited non-zero: see %s/log", ag);
	char *path = xasprintf("%s/results/results.json", ag);
	json_error_t err;
	json_t *res = json_load_file(path, 0, &err);
	ck_assert_msg(res != NULL, "%s is not valid JSON: %s", path, err.text);
	free(path);
	return res;
}

static const char *output_of(json_t *res)
{
	const char *out = json_string_value(json_object_get(res, "output"));
	ck_assert_ptr_nonnull(out);
	return out;
}

/* Every row is lab's; returns the upload's score over its maximum. */
static double rows_all_of(json_t *res, const char *lab, double *max)
{
	size_t i;
	json_t *t;
	*max = 0;
	ck_assert_msg(json_array_size(json_object_get(res, "tests")) > 0, "no rows: %s",
	              output_of(res));
	json_array_foreach(json_object_get(res, "tests"), i, t) {
		const char *l = json_string_value(json_object_get(json_object_get(t, "extra_data"), "lab"));
		ck_assert_msg(l && strcmp(l, lab) == 0, "a row of another lab: %s", l);
		*max += json_number_value(json_object_get(t, "max_score"));
	}
	return json_number_value(json_object_get(res, "score"));
}

/* No replay line of the results names a folder: each reads as typed in a
 * student's own copy. Returns how many there are. */
static int replays_as_typed(json_t *res)
{
	size_t i;
	json_t *t;
	int n = 0;
	json_array_foreach(json_object_get(res, "tests"), i, t) {
		const char *out = json_string_value(json_object_get(t, "output"));
		for (const char *p = out ? strstr(out, "replay: ") : NULL; p; p = strstr(p + 1, "replay: ")) {
			size_t len = strcspn(p, "\n");
			ck_assert_msg(strncmp(p, "replay: make grade LAB=", 23) == 0 &&
			              !memmem(p, len, "SUBMISSION=", 11) && !memmem(p, len, "/", 1),
			              "a replay names a folder: %.*s", (int)len, p);
			n++;
		}
	}
	char *all = json_dumps(res, 0);
	ck_assert_msg(!strstr(all, ag), "the results name %s", ag);
	free(all);
	return n;
}

/* Whether the zip's listing (a path a line) holds path. */
static bool listed(const char *text, const char *path)
{
	size_t len = strlen(path);
	for (const char *line = text; *line; line += strcspn(line, "\n") + (line[strcspn(line, "\n")] != 0))
		if (strncmp(line, path, len) == 0 && (line[len] == '\n' || line[len] == '\0'))
			return true;
	return false;
}

START_TEST(test_gradescope_zip_holds_the_lab_and_nothing_else)
{
	ck_assert_msg(setup_error == NULL, "%s", setup_error);
	char *list = xasprintf("%s/list", ag);
	ck_assert_int_eq(sh("unzip -Z1 %s/autograder.zip > %s", ag, list), 0);
	char *text = file_text(list);
	static const char *const must[] = { "setup.sh", "run_autograder", "gradescope-lab",
		"gradescope-settings", "Makefile", "common/common.mk", "common/deps.sh", "grader/main.c",
		"grader/ci/collect.sh", "labs/04-pool-ordering/lab.json",
		"labs/04-pool-ordering/pool.c", "labs/04-pool-ordering/tests/check_map.c",
		"labs/04-pool-ordering/hidden/hidden.json", "labs/04-pool-ordering/hidden/check_hidden.c" };
	for (size_t i = 0; i < sizeof must / sizeof must[0]; i++)
		ck_assert_msg(listed(text, must[i]), "%s is not in the zip", must[i]);
	static const char *const never[] = { "solutions/", "build/", ".git", "grader/tests/",
		"labs/01-", "labs/02-", "labs/03-", "labs/05-" };
	for (const char *line = text; *line; line += strcspn(line, "\n") + 1)
		for (size_t i = 0; i < sizeof never / sizeof never[0]; i++)
			ck_assert_msg(strncmp(line, never[i], strlen(never[i])) != 0 &&
			              !strstr(line, "/build/") && !strstr(line, "/.git"),
			              "the zip holds %.*s", (int)strcspn(line, "\n"), line);
	/* The student file is the skeleton, never the reference. */
	ck_assert_int_eq(sh("cmp -s labs/04-pool-ordering/pool.c %s/source/labs/04-pool-ordering/pool.c",
	                    ag), 0);
	ck_assert_int_eq(sh("awk -v view=solution -f grader/skeleton.awk solutions/04-pool-ordering/"
	                    "pool.c | cmp -s - %s/source/labs/04-pool-ordering/pool.c", ag) == 0, 0);
	/* setup.sh left the source, hidden tests and all, to the grader's user alone. */
	ck_assert_msg(sh("test -z \"$(find %s/source -perm /077 | head -n 1)\"", ag) == 0,
	              "setup.sh left part of %s/source readable to student code", ag);
	free(list);
	free(text);
}
END_TEST

/* Lab 04 alone, the harness's tasks.c beside pool.c (once graded as lab 01
 * too), and a deeper copy: the reference, which would score full marks. */
START_TEST(test_gradescope_one_lab_graded_nearest_copy_wins)
{
	json_t *res = grade_upload("cp $P/labs/04-pool-ordering/pool.c $P/labs/04-pool-ordering/tasks.c "
	                           ". && mkdir backup && awk -v view=solution -f $P/grader/skeleton.awk "
	                           "$P/solutions/04-pool-ordering/pool.c > backup/pool.c");
	double max, score = rows_all_of(res, "04-pool-ordering", &max);
	const char *out = output_of(res);
	ck_assert_msg(max == 100 && score < max, "the skeleton at the top was not the one graded "
	              "(%g of %g):\n%s", score, max, out);
	ck_assert_msg(strstr(out, "04-pool-ordering/pool.c: graded pool.c\n") &&
	              strstr(out, "ignored backup/pool.c, another copy deeper in the folders") &&
	              strstr(out, "of no use to this lab: tasks.c"), "output:\n%s", out);
	ck_assert_msg(replays_as_typed(res) > 0, "no replay line to look at");
	char *all = json_dumps(res, 0);
	ck_assert_msg(strstr(all, "replay: make grade LAB=04-pool-ordering CHECK=unit-map SEED=") ||
	              strstr(all, "replay: make grade LAB=04-pool-ordering CHECK=unit-map SCHEDULE="),
	              "no unit-map replay with its seed or schedule");
	free(all);
	json_decref(res);
}
END_TEST

START_TEST(test_gradescope_equally_near_copies_refused)
{
	json_t *res = grade_upload("mkdir final draft && cp $P/labs/04-pool-ordering/pool.c final/ && "
	                           "cp final/pool.c draft/");
	const char *out = output_of(res);
	ck_assert(json_number_value(json_object_get(res, "score")) == 0);
	ck_assert_msg(strstr(out, "draft/pool.c and final/pool.c are equally near the top of your "
	                     "upload, so neither was graded. Upload one."), "output:\n%s", out);
	json_decref(res);
}
END_TEST

START_TEST(test_gradescope_upload_without_the_labs_file)
{
	json_t *res = grade_upload("echo hello > notes.txt");
	const char *out = output_of(res);
	ck_assert(json_number_value(json_object_get(res, "score")) == 0);
	ck_assert_msg(strstr(out, "No file of 04-pool-ordering was graded: upload pool.c") &&
	              strstr(out, "of no use to this lab: notes.txt") && !strstr(out, "tasks.c"),
	              "output:\n%s", out);
	json_decref(res);
}
END_TEST

/* Lab 02 with table.c alone: graded, bank.c the skeleton's, and said. */
START_TEST(test_gradescope_part_of_a_lab_graded_with_the_skeleton)
{
	json_t *res = grade_upload("awk -v view=solution -f $P/grader/skeleton.awk "
	                           "$P/solutions/02-lock-granularity/table.c > table.c");
	double max, score = rows_all_of(res, "02-lock-granularity", &max);
	const char *out = output_of(res);
	size_t i;
	json_t *t;
	json_array_foreach(json_object_get(res, "tests"), i, t) {
		const char *v = json_string_value(json_object_get(json_object_get(t, "extra_data"), "verdict"));
		const char *name = json_string_value(json_object_get(t, "name"));
		ck_assert_msg(strcmp(v, "not submitted") != 0, "%s: not submitted", name);
		ck_assert_msg(!strstr(name, "unit-table") || strcmp(v, "passed") == 0, "%s: %s", name, v);
	}
	ck_assert_msg(score < max, "%g of %g", score, max);
	ck_assert_msg(strstr(out, "02-lock-granularity/table.c: graded table.c\n") &&
	              strstr(out, "02-lock-granularity/bank.c: not in your upload\n") &&
	              strstr(out, "02-lock-granularity: bank.c was not in your submission: the "
	                     "skeleton's bank.c was graded in its place"), "output:\n%s", out);
	replays_as_typed(res);
	json_decref(res);
}
END_TEST

/* Writes text to a file of /proc (a user namespace's maps and limits). */
static bool write_proc(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY);
	bool ok = fd >= 0 && write(fd, text, strlen(text)) == (ssize_t)strlen(text);
	if (fd >= 0)
		close(fd);
	return ok;
}

/* Runs cmd with sh as uid (and gid) inside a user namespace that may make
 * no user namespace of its own: bubblewrap, run by that user, then fails
 * to start, as in a container with unprivileged user namespaces off. The
 * namespace maps root and uid alone, so cmd's files keep their owners.
 * Needs root. Returns sh's exit status, or -1. */
static int sh_without_userns(uid_t uid, const char *cmd)
{
	int ready[2], go[2]; /* the child's namespace is made; its maps are written */
	if (pipe(ready) < 0 || pipe(go) < 0)
		return -1;
	pid_t pid = fork();
	if (pid == 0) {
		char c;
		close(ready[0]);
		close(go[1]);
		if (unshare(CLONE_NEWUSER) < 0 || write(ready[1], "r", 1) != 1 ||
		    read(go[0], &c, 1) != 1 ||
		    !write_proc("/proc/sys/user/max_user_namespaces", "0") ||
		    setgroups(0, NULL) < 0 || setgid(uid) < 0 || setuid(uid) < 0)
			_exit(126);
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	close(ready[1]);
	close(go[0]);
	char c, *map = xasprintf("0 0 1\n%u %u 1\n", (unsigned)uid, (unsigned)uid);
	char *uid_map = xasprintf("/proc/%d/uid_map", (int)pid);
	char *gid_map = xasprintf("/proc/%d/gid_map", (int)pid);
	bool mapped = pid > 0 && read(ready[0], &c, 1) == 1 && write_proc(uid_map, map) &&
	              write_proc(gid_map, map);
	if (pid > 0 && (!mapped || write(go[1], "g", 1) != 1))
		kill(pid, SIGKILL);
	close(ready[0]);
	close(go[1]);
	int status = -1;
	while (pid > 0 && waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	free(map); free(uid_map); free(gid_map);
	return mapped && WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* The autograder given to another user, run by that user without user
 * namespaces: with the zip's default SANDBOX=required every row says why
 * nothing was graded and scores 0; packed with SANDBOX=off-ok, it grades
 * the reference (full marks), and says what was not isolated. */
START_TEST(test_gradescope_without_user_namespaces_fails_closed)
{
	ck_assert_msg(setup_error == NULL, "%s", setup_error);
	if (geteuid() != 0) {
		fprintf(stderr, "gradescope: not root, so no user namespace to take away: skipped\n");
		return;
	}
	const uid_t nobody = 65534;
	ck_assert_int_eq(sh("rm -rf %1$s/submission %1$s/results && mkdir %1$s/submission && "
	                    "awk -v view=solution -f grader/skeleton.awk solutions/04-pool-ordering/pool.c > "
	                    "%1$s/submission/pool.c && chown -R %2$u:%2$u "
	                    "%1$s && chmod 755 %1$s", ag, (unsigned)nobody), 0);
	char *run = xasprintf("AUTOGRADER_DIR=%1$s %1$s/run_autograder > %1$s/log 2>&1", ag);
	ck_assert_int_eq(sh_without_userns(nobody, run), 0);
	char *results = xasprintf("%s/results/results.json", ag);
	json_t *res = json_load_file(results, 0, NULL);
	ck_assert_msg(res, "no results.json: see %s/log", ag);
	double max, score = rows_all_of(res, "04-pool-ordering", &max);
	ck_assert_msg(score == 0, "graded without a sandbox: %g of %g", score, max);
	size_t i;
	json_t *t;
	json_array_foreach(json_object_get(res, "tests"), i, t) { /* a hidden row says nothing */
		const char *out = json_string_value(json_object_get(t, "output"));
		const char *v = json_string_value(json_object_get(json_object_get(t, "extra_data"), "verdict"));
		ck_assert_str_eq(v, "grader error");
		ck_assert_msg(row_matches(t, "04-pool-ordering", "hidden") ||
		              (strstr(out, "Not graded: the sandbox (bubblewrap) cannot start") &&
		               strstr(out, "SANDBOX=off-ok")), "%s", out);
	}
	json_decref(res);
	/* The instructor accepts the risk when packing: graded, and said. */
	ck_assert_int_eq(sh("sed -i 's/^SANDBOX=.*/SANDBOX=off-ok/' %s/source/gradescope-settings",
	                    ag), 0);
	ck_assert_int_eq(sh_without_userns(nobody, run), 0);
	res = json_load_file(results, 0, NULL);
	ck_assert_msg(res, "no results.json: see %s/log", ag);
	score = rows_all_of(res, "04-pool-ordering", &max);
	json_array_foreach(json_object_get(res, "tests"), i, t) {
		const char *v = json_string_value(json_object_get(json_object_get(t, "extra_data"), "verdict"));
		ck_assert_msg(strcmp(v, "grader error") != 0, "%s: %s",
		              json_string_value(json_object_get(t, "name")),
		              json_string_value(json_object_get(t, "output")));
	}
	ck_assert_msg(score == max, "the reference scored %g of %g", score, max);
	ck_assert_msg(strstr(output_of(res), "NO bubblewrap"), "output:\n%s", output_of(res));
	ck_assert_int_eq(sh("chown -R 0:0 %s", ag), 0);
	free(run);
	free(results);
	json_decref(res);
}
END_TEST

static TCase *lab_case(const char *name, void (*setup)(void), const TTest *const *tests)
{
	TCase *tc = tcase_create(name);
	tcase_add_unchecked_fixture(tc, setup, autograder_free);
	for (size_t i = 0; tests[i]; i++)
		tcase_add_test(tc, tests[i]);
	tcase_set_timeout(tc, 120);
	return tc;
}

int main(void)
{
	Suite *s = suite_create("gradescope");
	suite_add_tcase(s, lab_case("lab04", lab04, (const TTest *const[]){
		test_gradescope_zip_holds_the_lab_and_nothing_else,
		test_gradescope_one_lab_graded_nearest_copy_wins,
		test_gradescope_equally_near_copies_refused,
		test_gradescope_upload_without_the_labs_file,
		test_gradescope_without_user_namespaces_fails_closed, NULL }));
	suite_add_tcase(s, lab_case("lab02", lab02, (const TTest *const[]){
		test_gradescope_part_of_a_lab_graded_with_the_skeleton, NULL }));
	return suite_passes(s, 5) ? EXIT_SUCCESS : EXIT_FAILURE;
}
