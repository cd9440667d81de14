/* check_handouts.c - a lab's handout quotes the figures its tools use, and
 * names the files to upload on Gradescope as its lab.json does. The
 * per-test timeout is lab.json's test_timeout_s, which the grader gives
 * Check and the lab's make test reads too: the handout must state it ("a
 * test that does not finish within 3 s is stopped"), and the samples of a
 * hung test it shows must agree with it (threads shown halfway there). */
#include <check.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "checks.h"
#include "grader.h"
#include "selftest.h"

/* The one test_timeout_s of the lab's unit checks (0: none). */
static double unit_timeout(const char *lab, json_t *spec)
{
	double limit = 0;
	size_t i;
	json_t *c;
	json_array_foreach(json_object_get(spec, "checks"), i, c) {
		if (strcmp(json_string_value(json_object_get(c, "kind")), "unit") != 0)
			continue;
		double t = json_number_value(json_object_get(c, "test_timeout_s"));
		ck_assert_msg(t > 0, "%s: unit check %s has no test_timeout_s", lab,
		              json_string_value(json_object_get(c, "name")));
		ck_assert_msg(limit == 0 || t == limit, "%s: its unit checks' test_timeout_s differ "
		              "(%g and %g), but the handout quotes one", lab, limit, t);
		limit = t;
	}
	return limit;
}

/* Each "<phrase>N s" of text quotes a figure in [lo, hi]; returns how many. */
static int figures_within(const char *lab, const char *text, const char *phrase, double lo,
                          double hi)
{
	int found = 0;
	for (const char *p = strstr(text, phrase); p; p = strstr(p + 1, phrase)) {
		char *end;
		double n = strtod(p + strlen(phrase), &end);
		if (end == p + strlen(phrase) || strncmp(end, " s", 2) != 0)
			continue; /* not a figure in seconds */
		char *want = lo == hi ? xasprintf("%g s", lo) : xasprintf("%g to %g s", lo, hi);
		ck_assert_msg(n >= lo - 1e-9 && n <= hi + 1e-9, "%s/README.md says \"%.*s\": by its "
		              "lab.json it is %s", lab, (int)(end - p) + 2, p, want);
		free(want);
		found++;
	}
	return found;
}

/* The handout says what to upload where the course grades on Gradescope:
 * exactly lab.json's student files, in its order. */
static void says_what_to_upload(const char *lab)
{
	char *path = xasprintf("labs/%s/lab.json", lab);
	json_t *spec = json_load_file(path, 0, NULL);
	ck_assert_msg(spec != NULL, "%s cannot be read", path);
	free(path);
	path = xasprintf("labs/%s/README.md", lab);
	char *text = file_text(path);
	ck_assert_msg(text != NULL, "%s cannot be read", path);
	json_t *files = json_object_get(spec, "student_files");
	size_t n = json_array_size(files);
	char *want = xstrdup("If your course grades on Gradescope, upload ");
	for (size_t i = 0; i < n; i++)
		strappend(&want, "%s`%s`", i == 0 ? "" : i + 1 == n ? " and " : ", ",
		          json_string_value(json_array_get(files, i)));
	strappend(&want, " there:");
	char *flat = xstrdup(text); /* the sentence may wrap */
	for (char *p = flat; *p; p++)
		if (*p == '\n')
			*p = ' ';
	ck_assert_msg(strstr(flat, want) != NULL, "%s never says \"%s\" (its lab.json's "
	              "student_files)", path, want);
	free(flat);
	free(want);
	free(text);
	free(path);
	json_decref(spec);
}

static void check_handout(const char *lab)
{
	char *path = xasprintf("labs/%s/lab.json", lab);
	json_t *spec = json_load_file(path, 0, NULL);
	ck_assert_msg(spec != NULL, "%s cannot be read", path);
	double limit = unit_timeout(lab, spec);
	free(path);
	path = xasprintf("labs/%s/README.md", lab);
	char *text = file_text(path);
	ck_assert_msg(text != NULL, "%s cannot be read", path);
	if (limit > 0)
		ck_assert_msg(figures_within(lab, text, "finish within ", limit, limit) > 0,
		              "%s never says a test that does not finish within %g s is stopped",
		              path, limit);
	figures_within(lab, text, "stopped at ", limit, limit);
	figures_within(lab, text, "has not finished after ", limit / 2, limit / 2);
	/* the grader's sample: the age at which it took the stacks, from a test
	 * frozen for HUNG_FROZEN_S (stopped at once) to one still running */
	figures_within(lab, text, "still running after ", HUNG_FROZEN_S, limit - 0.1);
	free(text);
	free(path);
	json_decref(spec);
}

/* Calls check on every lab folder (one with a lab.json); at least 5. */
static void each_lab(void (*check)(const char *lab))
{
	DIR *d = opendir("labs");
	ck_assert_ptr_nonnull(d);
	struct dirent *e;
	int labs = 0;
	while ((e = readdir(d)) != NULL) {
		char *spec = xasprintf("labs/%s/lab.json", e->d_name);
		if (e->d_name[0] != '.' && access(spec, R_OK) == 0) {
			check(e->d_name);
			labs++;
		}
		free(spec);
	}
	closedir(d);
	ck_assert_int_ge(labs, 5);
}

START_TEST(test_handouts_quote_their_lab_json_test_timeout)
{
	each_lab(check_handout);
}
END_TEST

START_TEST(test_handouts_name_the_files_to_upload)
{
	each_lab(says_what_to_upload);
}
END_TEST

/* make test in each lab folder gives Check each unit check's limit. */
START_TEST(test_make_test_takes_lab_json_test_timeout)
{
	DIR *d = opendir("labs");
	ck_assert_ptr_nonnull(d);
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		char *path = xasprintf("labs/%s/lab.json", e->d_name);
		json_t *spec = e->d_name[0] != '.' ? json_load_file(path, 0, NULL) : NULL;
		size_t i;
		json_t *c;
		json_array_foreach(spec ? json_object_get(spec, "checks") : NULL, i, c) {
			if (strcmp(json_string_value(json_object_get(c, "kind")), "unit") != 0)
				continue;
			const char *prog = json_string_value(json_object_get(c, "program"));
			/* Without the environment's CK_DEFAULT_TIMEOUT, which make test would take. */
			char *cmd = xasprintf("env -u CK_DEFAULT_TIMEOUT make -s -n -C labs/%s test "
			                      "TEST_PROGRAM=%s 2>&1", e->d_name,
			                      prog);
			char *want = xasprintf("CK_DEFAULT_TIMEOUT=%g ",
			                       json_number_value(json_object_get(c, "test_timeout_s")));
			FILE *p = popen(cmd, "r");
			static char out[1 << 16]; /* -n lists the whole build first */
			size_t len = fread(out, 1, sizeof out - 1, p);
			out[len] = '\0';
			pclose(p);
			ck_assert_msg(strstr(out, want) != NULL, "%s does not run %s with %s:\n%s", cmd,
			              prog, want, out);
			free(cmd);
			free(want);
		}
		json_decref(spec);
		free(path);
	}
	closedir(d);
}
END_TEST

int main(void)
{
	Suite *s = grader_suite("handouts", 60, (const TTest *const[]){
		test_handouts_quote_their_lab_json_test_timeout,
		test_handouts_name_the_files_to_upload,
		test_make_test_takes_lab_json_test_timeout, NULL });
	return suite_passes(s, 3) ? EXIT_SUCCESS : EXIT_FAILURE;
}
