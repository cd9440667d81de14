/* check_release_readme.c - the README of the student release (make
 * release) is the students' part of README.md, made by grader/release.sh
 * from the instructors' markers (README.md, "The release's README").
 *
 * What is checked, one test each:
 *   - no instructors' section: none of their headings (named below, each
 *     also checked to be a heading of README.md, so a renamed one is said);
 *   - no word of README.md's note on forging Check's log: no run of five
 *     words of its sentence, no "forg", no hostile corpus;
 *   - nothing of how the hidden tests work (their folder, file, replay);
 *   - what a student needs: make grade LAB=NN, the exit codes 0 to 4 and
 *     make grade's own, that CI in their repository is feedback only;
 *   - every link leads somewhere in the release (no section that is gone);
 *   - the markers themselves, on a made-up project: each kind kept or left
 *     out as it says, and a block left open, a nested one or a misspelt
 *     marker stops the release. */
#include <check.h>
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "grader.h"
#include "selftest.h"

static char tmp[] = "/tmp/check_release_readme.XXXXXX";
static char *rel;		/* tmp/concurrency-labs: the unpacked release */
static char *readme;		/* its README.md */
static char *project;		/* the project's README.md */
static char cwd[4096];		/* the project folder */

/* The instructors' headings: none may be in the release's README. */
static const char *const instructor_headings[] = {
	"For instructors and TAs", "Hidden tests and the student release", "A class at a time",
	"Writing a lab", "For CI", "GitHub Classroom",
};

/* A shell command from the project folder, make's variables dropped (this
 * suite runs under make test); its exit code. */
static int sh(const char *fmt, ...)
{
	va_list ap;
	char *cmd, *full;
	va_start(ap, fmt);
	if (vasprintf(&cmd, fmt, ap) < 0)
		abort();
	va_end(ap);
	full = xasprintf("env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL sh -c '%s'", cmd);
	int status = system(full);
	free(cmd);
	free(full);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* Whether text has a Markdown heading line whose title is name. */
static bool has_heading(const char *text, const char *name)
{
	for (const char *line = text; *line; line += strcspn(line, "\n") + (line[strcspn(line, "\n")] != 0)) {
		if (*line != '#')
			continue;
		const char *title = line + strspn(line, "#");
		title += strspn(title, " ");
		size_t len = strcspn(title, "\n");
		if (len == strlen(name) && strncmp(title, name, len) == 0)
			return true;
	}
	return false;
}

static bool has_ci(const char *text, const char *what)
{
	return strcasestr(text, what) != NULL;
}

START_TEST(test_readme_has_no_instructors_heading)
{
	for (size_t i = 0; i < sizeof instructor_headings / sizeof *instructor_headings; i++) {
		const char *h = instructor_headings[i];
		ck_assert_msg(has_heading(project, h), "README.md has no heading \"%s\": rename it here", h);
		ck_assert_msg(!has_heading(readme, h), "the release's README has the instructors' \"%s\"", h);
	}
	ck_assert_msg(has_heading(readme, "For students"), "the release's README has no \"For students\"");
}
END_TEST

/* text with every run of white space made one space (a copy). */
static char *squeeze(const char *text)
{
	char *out = xstrdup(text), *o = out;
	for (const char *p = text; *p; p++)
		if (!isspace((unsigned char)*p))
			*o++ = *p;
		else if (o > out && o[-1] != ' ')
			*o++ = ' ';
	*o = '\0';
	return out;
}

/* The sentence of README.md that says code may forge Check's log, squeezed,
 * without the instructors' markers around it. */
static char *forging_sentence(void)
{
	char *all = squeeze(project), *at = strstr(all, "forges Check's log");
	ck_assert_msg(at, "README.md no longer says code may forge Check's log: update this test");
	char *start = at, *end = strstr(at, ". ");
	while (start > all && !(start[-1] == ' ' && (start[-2] == '.' || start[-2] == '>')))
		start--;
	ck_assert_ptr_nonnull(end);
	char *sentence = strndup(start, (size_t)(end + 1 - start));
	free(all);
	return sentence;
}

/* No run of SPAN words of the sentence is in the release. */
#define SPAN 5
START_TEST(test_readme_has_no_forging_recipe)
{
	char *sentence = forging_sentence(), *rd = squeeze(readme), *save = NULL;
	char *copy = xstrdup(sentence), *word[256];
	size_t n = 0, runs = 0;
	for (char *w = strtok_r(copy, " ", &save); w && n < 256; w = strtok_r(NULL, " ", &save))
		word[n++] = w;
	for (size_t i = 0; i + SPAN <= n; i++, runs++) {
		char *run = xasprintf("%s %s %s %s %s", word[i], word[i + 1], word[i + 2],
		                      word[i + 3], word[i + 4]);
		ck_assert_msg(!strstr(rd, run), "the release's README says \"%s\"", run);
		free(run);
	}
	ck_assert_msg(runs > 20, "the forging sentence found is too short: %s", sentence);
	static const char *const words[] = { "forg", "hostile", "not caught" };
	for (size_t i = 0; i < sizeof words / sizeof *words; i++)
		ck_assert_msg(!has_ci(readme, words[i]), "the release's README says \"%s\"", words[i]);
	free(sentence);
	free(copy);
	free(rd);
}
END_TEST

START_TEST(test_readme_has_no_hidden_test_internals)
{
	static const char *const words[] = {
		"hidden.json", "hidden/", "CHECK=hidden", "after_published", "hidden_points",
		"hidden test N",
	};
	for (size_t i = 0; i < sizeof words / sizeof *words; i++)
		ck_assert_msg(!strstr(readme, words[i]), "the release's README says \"%s\"", words[i]);
}
END_TEST

START_TEST(test_readme_has_what_students_need)
{
	static const char *const need[] = {
		"make grade LAB=01", "### Exit codes", "| 0 | every check passed", "| 1 |", "| 2 |",
		"| 3 |", "| 4 |", "`make grade` exits **0**", "grader/grade.sh LAB=01",
		"**That run is feedback", "for credit", "syllabus.md",
	};
	for (size_t i = 0; i < sizeof need / sizeof *need; i++)
		ck_assert_msg(strstr(readme, need[i]), "the release's README lacks \"%s\"", need[i]);
}
END_TEST

/* GitHub's anchor of a heading: lower case, spaces to '-', punctuation gone. */
static bool anchor_exists(const char *anchor)
{
	for (const char *line = readme; *line; line += strcspn(line, "\n") + (line[strcspn(line, "\n")] != 0)) {
		if (*line != '#')
			continue;
		char slug[256];
		size_t k = 0;
		const char *t = line + strspn(line, "# ");
		for (; *t && *t != '\n' && k < sizeof slug - 1; t++)
			if (isalnum((unsigned char)*t) || *t == '-' || *t == '_')
				slug[k++] = (char)tolower((unsigned char)*t);
			else if (*t == ' ')
				slug[k++] = '-';
		slug[k] = '\0';
		if (strcmp(slug, anchor) == 0)
			return true;
	}
	return false;
}

START_TEST(test_readme_links_lead_somewhere)
{
	size_t links = 0;
	for (const char *p = readme; (p = strstr(p, "](")); p += 2) {
		char *target = strndup(p + 2, strcspn(p + 2, ") \n"));
		links++;
		if (strncmp(target, "http", 4) == 0) {
			free(target);
			continue;
		}
		char *hash = strchr(target, '#');
		if (hash == target)
			ck_assert_msg(anchor_exists(target + 1), "the release's README links to "
			              "%s, a section it does not have", target);
		if (hash)
			*hash = '\0';
		char *path = xasprintf("%s/%s", rel, target);
		ck_assert_msg(!*target || access(path, F_OK) == 0,
		              "the release's README links to %s, which the release has not", target);
		free(path);
		free(target);
	}
	ck_assert_uint_gt(links, 0);
}
END_TEST

/* A made-up project (tmp/p) whose README.md is text, released by release.sh:
 * its exit code; the README it released is left in tmp/p.md. */
static int release_of(const char *text)
{
	char *dir = xasprintf("%s/p", tmp), *path = xasprintf("%s/README.md", dir);
	ck_assert_int_eq(sh("rm -rf %1$s && mkdir -p %1$s/common %1$s/labs %1$s/grader && "
	                    "touch %1$s/Makefile %1$s/syllabus.md %1$s/common/c %1$s/labs/l %1$s/grader/g",
	                    dir), 0);
	FILE *f = fopen(path, "w");
	fputs(text, f);
	fclose(f);
	int code = sh("cd %1$s && sh %2$s/grader/release.sh r.tar.gz >../p.log 2>&1 && "
	              "tar -xzOf r.tar.gz concurrency-labs/README.md > ../p.md", dir, cwd);
	free(dir);
	free(path);
	return code;
}

START_TEST(test_readme_markers_do_what_they_say)
{
	ck_assert_int_eq(release_of("# T\nintro\n\n<!-- instructors: from here -->\nSECRET1\n"
	                            "<!-- instructors: to here -->\n<!-- students:\nSTUDENTS\n-->\n"
	                            "SECRET2 <!-- instructors: this line -->\nend\n"), 0);
	char *path = xasprintf("%s/p.md", tmp), *out = file_text(path);
	ck_assert_ptr_nonnull(out);
	ck_assert_str_eq(out, "# T\nintro\n\nSTUDENTS\nend\n");
	free(out);
	static const char *const broken[] = {
		"a\n<!-- instructors: from here -->\nSECRET\n",			/* never closed */
		"a\n<!-- students:\nb\n",					/* never closed */
		"a\n<!-- instructors: to here -->\n",				/* never opened */
		"<!-- instructors: from here -->\n<!-- instructors: from here -->\n"
		"<!-- instructors: to here -->\n",				/* nested */
		"<!-- instructor: from here -->\nSECRET\n<!-- instructor: to here -->\n", /* misspelt */
	};
	for (size_t i = 0; i < sizeof broken / sizeof *broken; i++) {
		ck_assert_msg(release_of(broken[i]) != 0, "release.sh released:\n%s", broken[i]);
		char *log = xasprintf("%s/p.log", tmp), *said = file_text(log);
		ck_assert_msg(said && strstr(said, "README.md line"), "release.sh said: %s", said);
		free(log);
		free(said);
	}
	free(path);
}
END_TEST

int main(void)
{
	if (!mkdtemp(tmp) || chmod(tmp, 0755) != 0 || !getcwd(cwd, sizeof cwd))
		return EXIT_FAILURE;
	rel = xasprintf("%s/concurrency-labs", tmp);
	char *readme_path = xasprintf("%s/README.md", rel);
	if (sh("sh grader/release.sh %1$s/release.tar.gz && tar -xzf %1$s/release.tar.gz -C %1$s",
	       tmp) != 0)
		fprintf(stderr, "release.sh failed\n");
	readme = file_text(readme_path);
	project = file_text("README.md");
	if (!readme || !project) {
		fprintf(stderr, "no README.md in the release, or none in the project\n");
		readme = project = "";
	}
	Suite *s = grader_suite("release_readme", 60, (const TTest *const[]){
		test_readme_has_no_instructors_heading, test_readme_has_no_forging_recipe,
		test_readme_has_no_hidden_test_internals, test_readme_has_what_students_need,
		test_readme_links_lead_somewhere, test_readme_markers_do_what_they_say, NULL });
	bool passed = suite_passes(s, 6);
	if (sh("rm -rf %s", tmp) != 0)
		passed = false;
	free(readme_path);
	return passed ? EXIT_SUCCESS : EXIT_FAILURE;
}
