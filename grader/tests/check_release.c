/* check_release.c - the student release (make release, grader/release.sh)
 * built into a temporary folder, unpacked, and checked: it holds what a
 * student needs and nothing of the instructor's, and it grades.
 *
 * What is checked, one test each:
 *   - what students need is there: the top Makefile, README.md, syllabus.md,
 *     the RELEASE marker, common/, the grader's sources, each lab's spec,
 *     handout, skeleton and visible tests;
 *   - no solutions/ folder;
 *   - no mutant: no mutants/ folder, no .patch file;
 *   - no expect.json anywhere;
 *   - no hidden/ folder and no hidden.json in any lab;
 *   - no hostile corpus and no self-test: no grader/tests/, no file that
 *     says HOSTILE;
 *   - no file with a solution marker line (a line skeleton.awk takes for
 *     "// BEGIN SOLUTION", "// END SOLUTION" or "//@ skeleton text");
 *   - no file byte-identical to a file of solutions/, to the solution view
 *     of a reference (what a student who solved it hands in), or to a file
 *     of a lab's hidden/;
 *   - `make grade LAB=01` inside the release builds the grader, grades the
 *     skeleton as expect.json says it must be graded (it fails what the
 *     skeleton must fail), plans no hidden row, and says once the points
 *     the hidden tests carry (lab.json's hidden_points);
 *   - a CHECK= it refuses lists the checks and says those points, and
 *     names no hidden test;
 *   - `make test` there says it is not part of the release, and fails.
 * The release is built once, before the tests run; each test reads it.
 * check_secrecy.c reads every file of it for a hidden test's name or title. */
#include <check.h>
#include <errno.h>
#include <ftw.h>
#include <glob.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "grader.h"
#include "selftest.h"

#define TOP "concurrency-labs"	/* the folder the archive unpacks into */
#define LAB "01-stdout-race"

static char tmp[] = "/tmp/check_release.XXXXXX";
static char *rel;		/* tmp/TOP: the unpacked release */
static char *built;		/* what make release said, and whether it worked */
static int built_rc = -1;

/* ---- the release's files ---- */

struct file {
	char *rel;		/* path inside the release */
	char *data;
	size_t len;
	bool dir;
};

static struct file files[4096];
static size_t nfiles;

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *data = NULL;
	size_t cap = 0;
	*len = 0;
	if (!f)
		return NULL;
	for (int c; (c = fgetc(f)) != EOF;) {
		if (*len + 1 >= cap)
			data = realloc(data, cap = cap ? 2 * cap : 4096);
		data[(*len)++] = (char)c;
	}
	fclose(f);
	if (!data)
		data = calloc(1, 1);
	data[*len] = '\0';
	return data;
}

static int add_file(const char *path, const struct stat *st, int type, struct FTW *f)
{
	(void)st;
	if (f->level == 0 || nfiles == sizeof files / sizeof files[0])
		return 0;
	struct file *e = &files[nfiles++];
	e->rel = xstrdup(path + strlen(rel) + 1);
	e->dir = type == FTW_D;
	e->data = e->dir ? NULL : slurp(path, &e->len);
	return 0;
}

static void list_release(void)
{
	nftw(rel, add_file, 32, FTW_PHYS);
}

static bool base_is(const struct file *e, const char *name)
{
	const char *slash = strrchr(e->rel, '/');
	return strcmp(slash ? slash + 1 : e->rel, name) == 0;
}

static bool ends_with(const char *s, const char *tail)
{
	size_t n = strlen(s), m = strlen(tail);
	return n >= m && strcmp(s + n - m, tail) == 0;
}

/* The shell, from the project folder, with make's own variables dropped
 * (this suite runs under `make test`). */
static int run(const char *cmd)
{
	char *full = xasprintf("env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL sh -c '%s'", cmd);
	int status = system(full);
	free(full);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* ---- tests ---- */

START_TEST(test_release_has_what_students_need)
{
	static const char *const need[] = {
		"Makefile", "README.md", "syllabus.md", "RELEASE", "common/common.h",
		"common/common.mk", "common/deps.sh", "grader/main.c", "grader/lab.c",
		"grader/SPEC.md", "grader/helgrind.supp",
		"labs/" LAB "/lab.json", "labs/" LAB "/README.md", "labs/" LAB "/Makefile",
		"labs/" LAB "/tasks.c", "labs/" LAB "/tasks.h", "labs/" LAB "/tests/check_tasks.c",
	};
	ck_assert_msg(built_rc == 0, "make release failed:\n%.1500s", built);
	for (size_t i = 0; i < sizeof need / sizeof need[0]; i++) {
		char *path = xasprintf("%s/%s", rel, need[i]);
		ck_assert_msg(access(path, R_OK) == 0, "the release has no %s", need[i]);
		free(path);
	}
	/* every lab of the project, each with its spec */
	glob_t g;
	ck_assert_int_eq(glob("labs/*/lab.json", 0, NULL, &g), 0);
	for (size_t i = 0; i < g.gl_pathc; i++) {
		char *path = xasprintf("%s/%s", rel, g.gl_pathv[i]);
		ck_assert_msg(access(path, R_OK) == 0, "the release has no %s", g.gl_pathv[i]);
		free(path);
	}
	globfree(&g);
}
END_TEST

START_TEST(test_release_no_solutions_folder)
{
	ck_assert_uint_gt(nfiles, 0);
	for (size_t i = 0; i < nfiles; i++)
		ck_assert_msg(strncmp(files[i].rel, "solutions", 9) != 0 &&
		              !base_is(&files[i], "solutions"), "the release holds %s", files[i].rel);
}
END_TEST

START_TEST(test_release_no_mutants)
{
	ck_assert_uint_gt(nfiles, 0);
	for (size_t i = 0; i < nfiles; i++)
		ck_assert_msg(!base_is(&files[i], "mutants") && !ends_with(files[i].rel, ".patch"),
		              "the release holds a mutant: %s", files[i].rel);
}
END_TEST

START_TEST(test_release_no_expect_json)
{
	ck_assert_uint_gt(nfiles, 0);
	for (size_t i = 0; i < nfiles; i++)
		ck_assert_msg(!base_is(&files[i], "expect.json"), "the release holds %s", files[i].rel);
}
END_TEST

START_TEST(test_release_no_hidden_folder)
{
	ck_assert_uint_gt(nfiles, 0);
	for (size_t i = 0; i < nfiles; i++)
		ck_assert_msg(!base_is(&files[i], "hidden") && !base_is(&files[i], "hidden.json"),
		              "the release holds hidden tests: %s", files[i].rel);
}
END_TEST

START_TEST(test_release_no_hostile_corpus)
{
	ck_assert_uint_gt(nfiles, 0);
	for (size_t i = 0; i < nfiles; i++) {
		const struct file *e = &files[i];
		ck_assert_msg(strncmp(e->rel, "grader/tests", 12) != 0,
		              "the release holds the self-test: %s", e->rel);
		ck_assert_msg(e->dir || !strstr(e->data, "HOSTILE"),
		              "the release holds a hostile submission: %s", e->rel);
	}
}
END_TEST

/* Whether the line at p (up to its newline) is one skeleton.awk takes for
 * a marker: only a reference has them. */
static bool is_marker(const char *p)
{
	p += strspn(p, " \t");
	size_t len = strcspn(p, "\n");
	while (len > 0 && (p[len - 1] == ' ' || p[len - 1] == '\t'))
		len--;
	if (strncmp(p, "//@", 3) == 0 && (len == 3 || p[3] == ' '))
		return true;
	return (len == 17 && strncmp(p, "// BEGIN SOLUTION", len) == 0) ||
	       (len == 15 && strncmp(p, "// END SOLUTION", len) == 0);
}

static bool marker_line(const char *data)
{
	for (const char *line = data; *line;) {
		size_t len = strcspn(line, "\n");
		if (is_marker(line))
			return true;
		line += len + (line[len] == '\n');
	}
	return false;
}

START_TEST(test_release_no_solution_marker)
{
	ck_assert_uint_gt(nfiles, 0);
	for (size_t i = 0; i < nfiles; i++)
		ck_assert_msg(files[i].dir || !marker_line(files[i].data),
		              "%s has a solution marker line: it is a reference", files[i].rel);
}
END_TEST

/* Every file of the project that must not be in the release, and the
 * solution view of every reference. */
static void secret_files(glob_t *g)
{
	int rc = glob("solutions/*/*", 0, NULL, g);
	ck_assert_int_eq(rc, 0);
	glob("solutions/*/mutants/*", GLOB_APPEND, NULL, g);
	glob("labs/*/hidden/*", GLOB_APPEND | GLOB_NOCHECK, NULL, g);
}

static void assert_not_in_release(const char *what, const char *data, size_t len)
{
	for (size_t i = 0; i < nfiles; i++)
		ck_assert_msg(files[i].dir || files[i].len != len ||
		              memcmp(files[i].data, data, len) != 0,
		              "%s is byte-identical to %s", files[i].rel, what);
}

START_TEST(test_release_no_copy_of_a_secret_file)
{
	glob_t g;
	size_t checked = 0;
	ck_assert_uint_gt(nfiles, 0);
	secret_files(&g);
	for (size_t k = 0; k < g.gl_pathc; k++) {
		size_t len;
		char *data = slurp(g.gl_pathv[k], &len);
		struct stat st;
		if (!data || stat(g.gl_pathv[k], &st) != 0 || !S_ISREG(st.st_mode)) {
			free(data);
			continue;
		}
		assert_not_in_release(g.gl_pathv[k], data, len);
		free(data);
		checked++;
		if (!ends_with(g.gl_pathv[k], ".c"))
			continue;
		/* the reference as a student who solved the lab would hand it in */
		char *view = xasprintf("%s/view.c", tmp);
		char *cmd = xasprintf("awk -v view=solution -f grader/skeleton.awk %s > %s",
		                      g.gl_pathv[k], view);
		ck_assert_int_eq(run(cmd), 0);
		data = slurp(view, &len);
		ck_assert_ptr_nonnull(data);
		char *what = xasprintf("the solution view of %s", g.gl_pathv[k]);
		assert_not_in_release(what, data, len);
		unlink(view);
		free(data); free(view); free(cmd); free(what);
	}
	globfree(&g);
	ck_assert_uint_gt(checked, 3); /* the references, expect files, mutants, hidden tests */
}
END_TEST

/* "hidden tests: 10 more points", with lab.json's hidden_points */
static char *hidden_points_line(void)
{
	json_t *spec = json_load_file("labs/" LAB "/lab.json", 0, NULL);
	double points = json_number_value(json_object_get(spec, "hidden_points"));
	json_decref(spec);
	ck_assert_msg(points > 0, "labs/" LAB "/lab.json says no hidden_points");
	return xasprintf("hidden tests: %g more points", points);
}

static size_t count(const char *text, const char *what)
{
	size_t n = 0;
	for (const char *p = text; (p = strstr(p, what)); p += strlen(what))
		n++;
	return n;
}

/* Inside the release, as a student: make grade builds the grader (after
 * common/deps.sh) and grades the skeleton as the instructor's copy does. */
START_TEST(test_release_grades_the_skeleton)
{
	char *json = xasprintf("%s/results.json", tmp), *out = xasprintf("%s/grade.txt", tmp);
	char *cmd = xasprintf("cd %s && NO_COLOR=1 make grade LAB=01 JSON=%s > %s 2>&1", rel,
	                      json, out);
	size_t len;
	ck_assert_msg(built_rc == 0, "make release failed:\n%.1500s", built);
	int code = run(cmd);
	char *text = slurp(out, &len);
	ck_assert_ptr_nonnull(text);
	ck_assert_msg(code != 0, "make grade of the skeleton succeeded:\n%.1500s", text);
	json_t *res = json_load_file(json, 0, NULL);
	ck_assert_msg(res, "make grade in the release wrote no results:\n%.1500s", text);
	json_t *expect = json_load_file("solutions/" LAB "/expect.json", 0, NULL);
	json_t *sk = json_object_get(expect, "skeleton");
	ck_assert_ptr_nonnull(sk);
	assert_rows(res, LAB, json_object_get(sk, "must_fail"), "failed");
	assert_rows(res, LAB, json_object_get(sk, "must_pass"), "passed");
	size_t i;
	json_t *t;
	json_array_foreach(json_object_get(res, "tests"), i, t)
		ck_assert_str_eq(json_string_value(json_object_get(t, "visibility")), "visible");
	char *points = hidden_points_line();
	ck_assert_msg(count(text, points) == 1,
	              "the release's report does not say once \"%s\":\n%.1500s", points, text);
	ck_assert_msg(!strstr(text, "test_hidden"), "the release's report names a hidden test");
	json_decref(res);
	json_decref(expect);
	free(json); free(out); free(cmd); free(text); free(points);
}
END_TEST

/* A CHECK= that names nothing is refused with the valid names: in the
 * release, the lab's hidden tests are its points, never a name. */
START_TEST(test_release_check_listing_says_hidden_points_only)
{
	char *out = xasprintf("%s/check.txt", tmp);
	char *cmd = xasprintf("cd %s && make grade LAB=01 CHECK=nothing_by_this_name > %s 2>&1",
	                      rel, out);
	size_t len;
	ck_assert_msg(built_rc == 0, "make release failed:\n%.1500s", built);
	ck_assert_int_ne(run(cmd), 0);
	char *text = slurp(out, &len), *points = hidden_points_line();
	ck_assert_ptr_nonnull(text);
	ck_assert_msg(strstr(text, "The checks of " LAB) && strstr(text, points),
	              "the release's CHECK= listing says:\n%.1500s", text);
	ck_assert_msg(!strstr(text, "test_hidden"), "the listing names a hidden test:\n%s", text);
	free(out); free(cmd); free(text); free(points);
}
END_TEST

START_TEST(test_release_make_test_is_not_part_of_it)
{
	char *out = xasprintf("%s/test.txt", tmp);
	char *cmd = xasprintf("cd %s && make test > %s 2>&1", rel, out);
	size_t len;
	ck_assert_msg(built_rc == 0, "make release failed:\n%.1500s", built);
	int code = run(cmd);
	char *text = slurp(out, &len);
	ck_assert_int_ne(code, 0);
	ck_assert_msg(text && strstr(text, "not part of the student release"),
	              "make test in the release says:\n%.1500s", text);
	free(out); free(cmd); free(text);
}
END_TEST

/* ---- the release, built once ---- */

static void build_release(void)
{
	if (!mkdtemp(tmp) || chmod(tmp, 0755) != 0) {
		built = xasprintf("mkdtemp: %s", strerror(errno));
		return;
	}
	rel = xasprintf("%s/" TOP, tmp);
	char *cmd = xasprintf("make -s release RELEASE=%1$s/release.tar.gz > %1$s/release.txt 2>&1 "
	                      "&& tar -xzf %1$s/release.tar.gz -C %1$s", tmp);
	built_rc = run(cmd);
	char *log = xasprintf("%s/release.txt", tmp);
	size_t len;
	built = slurp(log, &len);
	printf("%s", built ? built : "");
	if (built_rc == 0)
		list_release();
	free(cmd);
	free(log);
}

int main(void)
{
	if (getenv("GRADER"))
		grader_bin = getenv("GRADER");
	build_release();
	Suite *s = suite_create("release");
	TCase *tc = tcase_create("Release");
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, test_release_has_what_students_need);
	tcase_add_test(tc, test_release_no_solutions_folder);
	tcase_add_test(tc, test_release_no_mutants);
	tcase_add_test(tc, test_release_no_expect_json);
	tcase_add_test(tc, test_release_no_hidden_folder);
	tcase_add_test(tc, test_release_no_hostile_corpus);
	tcase_add_test(tc, test_release_no_solution_marker);
	tcase_add_test(tc, test_release_no_copy_of_a_secret_file);
	tcase_add_test(tc, test_release_grades_the_skeleton);
	tcase_add_test(tc, test_release_check_listing_says_hidden_points_only);
	tcase_add_test(tc, test_release_make_test_is_not_part_of_it);
	suite_add_tcase(s, tc);
	bool passed = suite_passes(s, 11);
	char *rm = xasprintf("rm -rf %s", tmp);
	if (!getenv("RELEASE_KEEP") && system(rm) != 0)
		passed = false;
	free(rm);
	return passed ? EXIT_SUCCESS : EXIT_FAILURE;
}
