/* check_secrecy.c - hidden tests stay hidden: what students get may say how
 * many points a lab's hidden tests carry, never what they test.
 *
 * The student release is built (make release) into a temporary folder and
 * every file of it read, as a student could. One test each:
 *   - no file names a hidden test: no key of a labs/NN/hidden/hidden.json
 *     (a test's name, a check's other than "hidden") and no START_TEST
 *     function of its check_*.c appears anywhere;
 *   - no file describes one: no hidden test's title, whole or any clause of
 *     it of four words or more (the title cut at , ; :), and no hint whole,
 *     appears anywhere, case, blanks and markup (` * # / > |) aside;
 *   - each lab publishes its hidden points and the figure is true: lab.json's
 *     hidden_points is the sum of hidden.json's points (0 or absent without
 *     hidden/), the handout has a line saying "hidden" with that figure, and
 *     the syllabus's section of the lab says "(V visible points, H hidden)".
 * check_release.c checks the rest of the release (no hidden/ folder, no copy
 * of a hidden file) and what the release's report and CHECK= listing say. */
#include <check.h>
#include <ctype.h>
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
#include "checks.h"
#include "selftest.h"

#define TOP "concurrency-labs"

static char tmp[] = "/tmp/check_secrecy.XXXXXX";
static char *rel;
static char *built;
static int built_rc = -1;

/* ---- the release's files, each read once, normalised ---- */

struct file {
	char *rel;
	char *words;	/* normalise()d */
};

static struct file files[4096];
static size_t nfiles;

/* Lower case, markup and comment leaders dropped, every run of blanks one
 * space: a title wrapped over two comment lines or quoted in a Markdown
 * table still matches. */
static char *normalise(const char *text)
{
	char *s = calloc(1, strlen(text) + 1), *w = s;
	for (const char *p = text; *p; p++) {
		bool blank = isspace((unsigned char)*p) || strchr("`*#/>|", *p);
		if (!blank)
			*w++ = (char)tolower((unsigned char)*p);
		else if (w > s && w[-1] != ' ')
			*w++ = ' ';
	}
	if (w > s && w[-1] == ' ')
		w[-1] = '\0';
	return s;
}

static int add_file(const char *path, const struct stat *st, int type, struct FTW *f)
{
	(void)st;
	(void)f;
	if (type != FTW_F || nfiles == sizeof files / sizeof files[0])
		return 0;
	char *text = file_text(path);
	if (!text)
		return 0;
	files[nfiles].rel = xstrdup(path + strlen(rel) + 1);
	files[nfiles++].words = normalise(text);
	free(text);
	return 0;
}

/* A file of the release whose words hold what's words, or NULL. */
static const char *file_saying(const char *what)
{
	char *w = normalise(what);
	const char *found = NULL;
	for (size_t i = 0; i < nfiles && !found; i++)
		if (strstr(files[i].words, w))
			found = files[i].rel;
	free(w);
	return found;
}

static size_t word_count(const char *s)
{
	size_t n = 0;
	for (const char *p = s; *p; p++)
		n += !isspace((unsigned char)*p) && (p == s || isspace((unsigned char)p[-1]));
	return n;
}

/* ---- what the hidden tests are ---- */

static json_t *hidden_json(const char *lab_dir)
{
	char *path = xasprintf("%s/hidden/hidden.json", lab_dir);
	json_t *spec = json_load_file(path, 0, NULL);
	free(path);
	return spec;
}

/* The points of a spec's checks: lab.json's, or hidden.json's. */
static double points_of(json_t *spec)
{
	double sum = 0;
	size_t i;
	json_t *check, *test;
	const char *name;
	json_array_foreach(json_object_get(spec, "checks"), i, check) {
		if (!json_object_get(check, "tests"))
			sum += json_number_value(json_object_get(check, "points"));
		json_object_foreach(json_object_get(check, "tests"), name, test)
			sum += json_number_value(json_object_get(test, "points"));
	}
	return sum;
}

static void assert_unnamed(const char *name, const char *where)
{
	const char *in = file_saying(name);
	ck_assert_msg(!in, "the release's %s names the hidden test %s (from %s)", in, name, where);
}

/* The title whole, then each clause of four words or more. */
static void assert_undescribed(const char *title, const char *where)
{
	const char *in = file_saying(title);
	ck_assert_msg(!in, "the release's %s gives the hidden title \"%s\" (%s)", in, title, where);
	char *copy = xstrdup(title), *save = NULL;
	for (char *c = strtok_r(copy, ",;:", &save); c; c = strtok_r(NULL, ",;:", &save)) {
		if (word_count(c) < 4)
			continue;
		in = file_saying(c);
		ck_assert_msg(!in, "the release's %s says \"%s\", a clause of the hidden title \"%s\" (%s)",
		              in, c, title, where);
	}
	free(copy);
}

/* ---- tests ---- */

START_TEST(test_secrecy_no_hidden_test_named)
{
	glob_t g;
	size_t names = 0;
	ck_assert_msg(built_rc == 0, "make release failed:\n%.1500s", built);
	ck_assert_uint_gt(nfiles, 50);
	ck_assert_int_eq(glob("labs/*/hidden/hidden.json", 0, NULL, &g), 0);
	for (size_t k = 0; k < g.gl_pathc; k++) {
		json_t *spec = json_load_file(g.gl_pathv[k], 0, NULL), *check, *test;
		size_t i;
		const char *name;
		ck_assert_msg(spec, "%s does not parse", g.gl_pathv[k]);
		json_array_foreach(json_object_get(spec, "checks"), i, check) {
			const char *check_name = spec_str(check, "name", "hidden");
			if (strcmp(check_name, "hidden") != 0)
				assert_unnamed(check_name, g.gl_pathv[k]);
			json_object_foreach(json_object_get(check, "tests"), name, test) {
				assert_unnamed(name, g.gl_pathv[k]);
				names++;
			}
		}
		json_decref(spec);
	}
	globfree(&g);
	/* and the test functions of their sources, helpers' names aside */
	ck_assert_int_eq(glob("labs/*/hidden/check_*.c", 0, NULL, &g), 0);
	for (size_t k = 0; k < g.gl_pathc; k++) {
		char *src = file_text(g.gl_pathv[k]);
		ck_assert_ptr_nonnull(src);
		for (const char *p = src; (p = strstr(p, "\nSTART_TEST(")); p++) {
			char fn[128];
			if (sscanf(p, "\nSTART_TEST(%127[A-Za-z0-9_])", fn) == 1) {
				assert_unnamed(fn, g.gl_pathv[k]);
				names++;
			}
		}
		free(src);
	}
	globfree(&g);
	ck_assert_uint_ge(names, 10); /* the labs' hidden tests were found */
}
END_TEST

START_TEST(test_secrecy_no_hidden_test_described)
{
	glob_t g;
	size_t titles = 0;
	ck_assert_msg(built_rc == 0, "make release failed:\n%.1500s", built);
	ck_assert_int_eq(glob("labs/*/hidden/hidden.json", 0, NULL, &g), 0);
	for (size_t k = 0; k < g.gl_pathc; k++) {
		json_t *spec = json_load_file(g.gl_pathv[k], 0, NULL), *check, *test;
		size_t i;
		const char *name;
		json_array_foreach(json_object_get(spec, "checks"), i, check) {
			if (json_object_get(check, "hint"))
				ck_assert_msg(!file_saying(spec_str(check, "hint", "")),
				              "a hint of %s is in the release", g.gl_pathv[k]);
			json_object_foreach(json_object_get(check, "tests"), name, test) {
				const char *title = spec_str(test, "title", "");
				if (*title)
					assert_undescribed(title, g.gl_pathv[k]), titles++;
				const char *hint = spec_str(test, "hint", "");
				ck_assert_msg(!*hint || !file_saying(hint),
				              "the hint of %s (%s) is in %s", name, g.gl_pathv[k],
				              file_saying(hint));
			}
		}
		json_decref(spec);
	}
	globfree(&g);
	ck_assert_uint_ge(titles, 10);
}
END_TEST

/* Whether one line says "idden" with the figure as a word of its own. */
static bool says_figure(const char *line, const char *figure)
{
	size_t len = strlen(figure);
	if (!strstr(line, "idden"))
		return false;
	for (const char *p = line; (p = strstr(p, figure)); p++)
		if ((p == line || !isalnum((unsigned char)p[-1])) &&
		    !isalnum((unsigned char)p[len]) && p[len] != '.')
			return true;
	return false;
}

/* Whether some line of text says "idden" with the points as a word. */
static bool line_with_figure(const char *text, double points)
{
	char figure[32];
	snprintf(figure, sizeof figure, "%g", points);
	for (const char *line = text; *line;) {
		size_t n = strcspn(line, "\n");
		char *one = strndup(line, n);
		bool said = says_figure(one, figure);
		free(one);
		if (said)
			return true;
		line += n + (line[n] == '\n');
	}
	return false;
}

START_TEST(test_secrecy_hidden_points_published_and_true)
{
	glob_t g;
	char *syllabus = file_text("syllabus.md");
	ck_assert_ptr_nonnull(syllabus);
	ck_assert_int_eq(glob("labs/*/lab.json", 0, NULL, &g), 0);
	for (size_t k = 0; k < g.gl_pathc; k++) {
		char *dir = strndup(g.gl_pathv[k], strlen(g.gl_pathv[k]) - strlen("/lab.json"));
		const char *lab = dir + strlen("labs/");
		json_t *spec = json_load_file(g.gl_pathv[k], 0, NULL), *hidden = hidden_json(dir);
		double said = json_number_value(json_object_get(spec, "hidden_points"));
		double real = hidden ? points_of(hidden) : 0;
		ck_assert_msg(said == real, "%s: hidden_points is %g, hidden/hidden.json's points add "
		              "up to %g", g.gl_pathv[k], said, real);
		if (real > 0) {
			char *readme = xasprintf("%s/README.md", dir), *text = file_text(readme);
			ck_assert_msg(text && line_with_figure(text, real),
			              "%s has no line saying the %g hidden points", readme, real);
			char *head = xasprintf("### %s", lab);
			char *want = xasprintf("(%g visible points, %g hidden)", points_of(spec), real);
			const char *section = strstr(syllabus, head);
			const char *next = section ? strstr(section + 1, "\n### ") : NULL;
			const char *at = section ? strstr(section, want) : NULL;
			ck_assert_msg(at && (!next || at < next), "syllabus.md's %s does not say %s",
			              head, want);
			free(readme); free(text); free(head); free(want);
		}
		json_decref(spec);
		json_decref(hidden);
		free(dir);
	}
	globfree(&g);
	free(syllabus);
}
END_TEST

/* ---- the release, built once ---- */

static void build_release(void)
{
	if (!mkdtemp(tmp)) {
		built = xasprintf("mkdtemp: %s", strerror(errno));
		return;
	}
	rel = xasprintf("%s/" TOP, tmp);
	char *cmd = xasprintf("env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s release "
	                      "RELEASE=%1$s/release.tar.gz > %1$s/release.txt 2>&1 && "
	                      "tar -xzf %1$s/release.tar.gz -C %1$s", tmp);
	int status = system(cmd);
	built_rc = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
	char *log = xasprintf("%s/release.txt", tmp);
	built = file_text(log);
	if (built_rc == 0)
		nftw(rel, add_file, 32, FTW_PHYS);
	free(cmd);
	free(log);
}

int main(void)
{
	build_release();
	Suite *s = grader_suite("secrecy", 60, (const TTest *const[]){
		test_secrecy_no_hidden_test_named,
		test_secrecy_no_hidden_test_described,
		test_secrecy_hidden_points_published_and_true, NULL });
	bool passed = suite_passes(s, 3);
	char *rm = xasprintf("rm -rf %s", tmp);
	passed &= system(rm) == 0;
	free(rm);
	return passed ? EXIT_SUCCESS : EXIT_FAILURE;
}
