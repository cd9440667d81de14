/* check_skeletons.c - no command of the project loses a student's edits.
 * Each test works in a fresh copy of the project (its Makefile, grader/'s
 * skeleton scripts, solutions/ and labs/), as a student or an instructor
 * would meet it:
 *   - an untouched copy is in sync, and make skeletons writes nothing;
 *   - a student's edit in labs/: make skeletons refuses, names the file and
 *     FORCE=1, and writes nothing at all, the edit kept;
 *   - make skeletons FORCE=1 keeps the edit as FILE.backup-DATE, says where,
 *     and then labs/ is in sync;
 *   - make test and make release in a student's copy say that they are the
 *     instructor's, and that make grade grades the work; every command they
 *     name that would replace the edit says so; the edit is kept;
 *   - the instructor's flow: after a solution changed, check-skeletons says
 *     to run make skeletons, which replaces the untouched older skeleton
 *     without a question and records it;
 *   - with no record at all, an edited file is still refused. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "grader.h"
#include "selftest.h"

#define EDITED "labs/03-producer-consumer/queue.c"
#define EDITED_SRC "solutions/03-producer-consumer/queue.c"
#define WORK "\n/* my work: a student's edit */\n"

/* Each test's copy is a folder of base's, so that main removes whatever a
 * failed test left behind. */
static char base[] = "/tmp/check_skeletons.XXXXXX";
static char *dir;

/* Runs cmd in the copy, make's own variables dropped (this suite runs
 * under make test); its output, stdout and stderr, into *out. */
static int run(const char *cmd, char **out)
{
	char *full = xasprintf("cd %s && env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL sh -c '%s' 2>&1",
	                       dir, cmd);
	FILE *p = popen(full, "r");
	ck_assert_ptr_nonnull(p);
	size_t cap = 1 << 16, len = fread(*out = calloc(1, cap), 1, cap - 1, p);
	(*out)[len] = '\0';
	int status = pclose(p);
	free(full);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

static char *text_of(const char *rel)
{
	char *path = xasprintf("%s/%s", dir, rel), *text = file_text(path);
	free(path);
	return text;
}

static void append(const char *rel, const char *text)
{
	char *path = xasprintf("%s/%s", dir, rel);
	FILE *f = fopen(path, "a");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
	free(path);
}

/* The skeleton the copy's reference makes now. */
static char *skeleton_of(const char *src)
{
	char *out, *cmd = xasprintf("awk -f grader/skeleton.awk %s", src);
	ck_assert_int_eq(run(cmd, &out), 0);
	free(cmd);
	return out;
}

static bool ends_with(const char *s, const char *tail)
{
	size_t n = strlen(s), m = strlen(tail);
	return n >= m && strcmp(s + n - m, tail) == 0;
}

/* text with every run of blanks and newlines made one space */
static char *squeeze(const char *text)
{
	char *s = calloc(1, strlen(text) + 1), *w = s;
	for (const char *p = text; *p; p++)
		if (!strchr(" \t\n", *p) || (w > s && w[-1] != ' '))
			*w++ = strchr(" \t\n", *p) ? ' ' : *p;
	return s;
}

static size_t count(const char *text, const char *what)
{
	size_t n = 0;
	for (const char *p = text; (p = strstr(p, what)); p += strlen(what))
		n++;
	return n;
}

static void setup(void)
{
	dir = xasprintf("%s/copy.%d", base, (int)getpid()); /* a test's own process */
	char *cmd = xasprintf("mkdir -p %1$s/grader && cp Makefile %1$s/ && "
	                      "cp grader/skeleton.awk grader/skeletons.sh %1$s/grader/ && "
	                      "cp -r labs solutions common %1$s/", dir);
	ck_assert_int_eq(system(cmd), 0);
	free(cmd);
}

static void teardown(void)
{
	char *cmd = xasprintf("rm -rf %s", dir);
	ck_assert_int_eq(system(cmd), 0);
	free(cmd);
	free(dir);
}

START_TEST(test_skeletons_untouched_copy_is_in_sync)
{
	char *out;
	ck_assert_msg(run("make -s check-skeletons", &out) == 0, "check-skeletons:\n%s", out);
	free(out);
	ck_assert_msg(run("make -s skeletons", &out) == 0, "make skeletons:\n%s", out);
	ck_assert_msg(strstr(out, ", 0 written,") && !strstr(out, "recorded"),
	              "make skeletons wrote into an untouched copy:\n%s", out);
	free(out);
}
END_TEST

START_TEST(test_skeletons_refuses_to_overwrite_an_edit)
{
	char *out, *before = text_of("labs/01-stdout-race/tasks.c");
	append(EDITED, WORK);
	/* a solution changed too: nothing at all is written while one file is refused */
	append("solutions/01-stdout-race/tasks.c", "/* a new line of the reference */\n");
	ck_assert_msg(run("make -s skeletons", &out) != 0, "make skeletons overwrote:\n%s", out);
	ck_assert_msg(strstr(out, EDITED) && strstr(out, "make skeletons FORCE=1") &&
	              strstr(out, "Nothing was written") && strstr(out, "backup"),
	              "make skeletons refused without saying what and how:\n%s", out);
	char *now = text_of(EDITED), *other = text_of("labs/01-stdout-race/tasks.c");
	ck_assert_msg(ends_with(now, WORK), "the student's edit is gone");
	ck_assert_str_eq(other, before);
	free(out); free(now); free(other); free(before);
}
END_TEST

START_TEST(test_skeletons_force_keeps_a_backup)
{
	char *out, *edited;
	append(EDITED, WORK);
	edited = text_of(EDITED);
	ck_assert_msg(run("make -s skeletons FORCE=1", &out) == 0, "FORCE=1 failed:\n%s", out);
	const char *kept = strstr(out, "kept as ");
	ck_assert_msg(kept, "make skeletons FORCE=1 does not say where the edit went:\n%s", out);
	char backup[256];
	ck_assert_int_eq(sscanf(kept, "kept as %255s", backup), 1);
	ck_assert_msg(strncmp(backup, EDITED ".backup-", strlen(EDITED ".backup-")) == 0,
	              "the backup %s is not beside the file", backup);
	char *saved = text_of(backup), *now = text_of(EDITED), *skeleton = skeleton_of(EDITED_SRC);
	ck_assert_msg(saved && strcmp(saved, edited) == 0, "the backup is not the edited file");
	ck_assert_str_eq(now, skeleton);
	free(out);
	ck_assert_msg(run("make -s check-skeletons", &out) == 0, "not in sync after FORCE:\n%s", out);
	free(out); free(edited); free(saved); free(now); free(skeleton);
}
END_TEST

/* make test and make release, in a copy whose labs/ holds work. */
static void assert_instructors_only(const char *target, const char *role)
{
	char *out, *cmd = xasprintf("make %s", target);
	append(EDITED, WORK);
	double t0 = now_s();
	ck_assert_msg(run(cmd, &out) != 0, "make %s passed with edited labs/:\n%s", target, out);
	ck_assert_msg(now_s() - t0 < 30, "make %s built before it said so", target);
	ck_assert_msg(strstr(out, EDITED) && strstr(out, role) &&
	              strstr(out, "make grade LAB=03"),
	              "make %s does not say whose it is and what to run instead:\n%s", target, out);
	/* The one command named that replaces the files says so, in its sentence. */
	char *words = squeeze(out);
	ck_assert_msg(strstr(words, "make skeletons FORCE=1 replaces the edited files with the "
	                     "skeletons, copying each first to FILE.backup-DATE"),
	              "FORCE=1 named without its cost:\n%s", out);
	ck_assert_uint_eq(count(words, "FORCE=1"), 1);
	free(words);
	ck_assert_msg(!strstr(out, "checkout") && !strstr(out, "git reset") && !strstr(out, "rm "),
	              "make %s suggests a command that loses edits:\n%s", target, out);
	char *now = text_of(EDITED);
	ck_assert_msg(ends_with(now, WORK), "make %s lost the edit", target);
	free(out); free(cmd); free(now);
}

START_TEST(test_skeletons_make_test_in_a_students_copy)
{
	assert_instructors_only("test", "make test is the instructor's proof");
}
END_TEST

START_TEST(test_skeletons_make_release_in_a_students_copy)
{
	assert_instructors_only("release", "make release builds the student release");
}
END_TEST

START_TEST(test_skeletons_follow_a_solution_edit)
{
	char *out;
	append(EDITED_SRC, "/* the reference changed */\n");
	ck_assert_msg(run("make -s check-skeletons", &out) != 0, "an older skeleton passed:\n%s", out);
	ck_assert_msg(strstr(out, EDITED) && strstr(out, "run make skeletons") &&
	              !strstr(out, "FORCE"), "check-skeletons after a solution edit says:\n%s", out);
	free(out);
	ck_assert_msg(run("make -s skeletons", &out) == 0, "make skeletons refused:\n%s", out);
	ck_assert_msg(strstr(out, "wrote " EDITED) && strstr(out, "recorded"), "%s", out);
	free(out);
	char *now = text_of(EDITED), *skeleton = skeleton_of(EDITED_SRC);
	ck_assert_str_eq(now, skeleton);
	ck_assert_msg(run("make -s check-skeletons", &out) == 0, "not in sync:\n%s", out);
	free(out);
	/* and again: the record follows, so the next solution edit works too */
	append(EDITED_SRC, "/* and again */\n");
	ck_assert_msg(run("make -s skeletons", &out) == 0, "the second time:\n%s", out);
	free(out); free(now); free(skeleton);
}
END_TEST

START_TEST(test_skeletons_no_record_still_refuses_an_edit)
{
	char *out;
	ck_assert_int_eq(run("rm solutions/skeletons.sha256", &out), 0);
	free(out);
	append(EDITED, WORK);
	ck_assert_msg(run("make -s skeletons", &out) != 0, "overwrote with no record:\n%s", out);
	free(out);
	char *now = text_of(EDITED);
	ck_assert_msg(ends_with(now, WORK), "the edit is gone");
	free(now);
}
END_TEST

int main(void)
{
	if (!mkdtemp(base))
		return EXIT_FAILURE;
	Suite *s = suite_create("skeletons");
	TCase *tc = tcase_create("Core");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_skeletons_untouched_copy_is_in_sync);
	tcase_add_test(tc, test_skeletons_refuses_to_overwrite_an_edit);
	tcase_add_test(tc, test_skeletons_force_keeps_a_backup);
	tcase_add_test(tc, test_skeletons_make_test_in_a_students_copy);
	tcase_add_test(tc, test_skeletons_make_release_in_a_students_copy);
	tcase_add_test(tc, test_skeletons_follow_a_solution_edit);
	tcase_add_test(tc, test_skeletons_no_record_still_refuses_an_edit);
	suite_add_tcase(s, tc);
	bool passed = suite_passes(s, 7);
	char *rm = xasprintf("rm -rf %s", base);
	passed &= system(rm) == 0;
	free(rm);
	return passed ? EXIT_SUCCESS : EXIT_FAILURE;
}
