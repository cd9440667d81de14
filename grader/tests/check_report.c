/* check_report.c - every report of a run, fed rows of each verdict whose
 * output is as hostile as student output gets, must parse back with the
 * reader its consumer uses and say the same thing as the rows. */
#include <check.h>
#include <jansson.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "report.h"
#include "selftest.h"

/* '<', '&', a CDATA end, quotes, C0 controls, an ESC colour code, CRLF and
 * bytes that are not UTF-8 at all. */
#define NASTY "expected <line> & \"quotes\" ]]> \x01 bell\x07 " \
              "esc\033[31m red \xff\xfe end\r\nsecond line\n"

static struct results rs;
static char dir[64];
static char *json_path, *junit_path, *tap_path;

static struct result *row(const char *lab, const char *name, double score,
                          double max, enum verdict v, const char *output)
{
	struct result *r = results_add(&rs, lab, "unit", name, max);
	free(r->id); /* an id of its own, as a planned row has */
	r->id = xstrdup(name);
	r->score = score;
	r->verdict = v;
	free(r->output); /* results_add's "grader stopped" placeholder */
	r->output = output ? xstrdup(output) : NULL;
	r->seconds = 1.25;
	return r;
}

/* Two labs, every verdict, 22.5 of 125 points. */
static void setup(void)
{
	memset(&rs, 0, sizeof rs);
	row("01-stdout-race", "unit: lines stay whole", 15, 15, V_PASS, NULL);
	struct result *r = row("01-stdout-race", "unit: no lost lines", 0, 15, V_FAIL, NASTY);
	r->replay = xstrdup("make grade LAB=01 CHECK=unit SEED=3");
	row("01-stdout-race", "races", 0, 30, V_INCONCLUSIVE,
	    "Helgrind could not run here\nnot your fault");
	row("01-stdout-race", "speedup #2", 7.5, 15, V_FAIL, "speedup 2.1x, target 4x");
	row("02-bank", "unit: transfers", 0, 25, V_NOT_SUBMITTED, "bank.c is missing");
	r = row("02-bank", "races", 0, 25, V_ERROR, "valgrind crashed");
	r->raw = xstrdup("==123== <error> & " NASTY);
	results_note(&rs, "chaos: on");
	results_note(&rs, "cpus: 4");
	snprintf(dir, sizeof dir, "/tmp/check_report.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	json_path = xasprintf("%s/results.json", dir);
	junit_path = xasprintf("%s/junit.xml", dir);
	tap_path = xasprintf("%s/results.tap", dir);
}

static void teardown(void)
{
	unlink(json_path);
	unlink(junit_path);
	unlink(tap_path);
	rmdir(dir);
	free(json_path);
	free(junit_path);
	free(tap_path);
	results_free(&rs);
}

static char *text_report(bool color, int flags)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	ck_assert_ptr_nonnull(f);
	report_text(f, &rs, color, flags);
	fclose(f);
	return buf;
}

static char *slurp(const char *path)
{
	char *text = file_text(path);
	ck_assert_msg(text != NULL, "%s cannot be read", path);
	return text;
}

/* ---- text ----------------------------------------------------------- */

START_TEST(test_report_text_plain_has_no_escapes)
{
	char *out = text_report(false, false);
	ck_assert_ptr_null(strchr(out, '\033'));
	ck_assert_ptr_null(strchr(out, '\x01'));
	ck_assert_ptr_null(strchr(out, '\r'));
	ck_assert_ptr_null(strchr(out, '\xff'));
	ck_assert_ptr_nonnull(strstr(out, "red \xef\xbf\xbd\xef\xbf\xbd end\n"));
	free(out);
}
END_TEST

START_TEST(test_report_text_shows_labs_rows_and_total)
{
	char *out = text_report(false, false);
	ck_assert_ptr_nonnull(strstr(out, "== 01-stdout-race  22.5/75\n"));
	ck_assert_ptr_nonnull(strstr(out, "== 02-bank  0/50\n"));
	ck_assert_ptr_nonnull(strstr(out, "  PASS             15/15  unit: lines stay whole\n"));
	ck_assert_ptr_nonnull(strstr(out, "  NOT SUBMITTED     0/25  unit: transfers\n"));
	ck_assert_ptr_nonnull(strstr(out, "7.5/15"));
	ck_assert_ptr_null(strstr(out, ".00"));
	ck_assert_ptr_nonnull(strstr(out, "note: chaos: on\nnote: cpus: 4\n"));
	ck_assert_ptr_nonnull(strstr(out, "total: 22.5/125 (18.0%)\n"));
	free(out);
}
END_TEST

START_TEST(test_report_text_indents_failures_with_replay)
{
	char *out = text_report(false, false);
	ck_assert_ptr_nonnull(strstr(out, "\n    expected <line> & "));
	ck_assert_ptr_nonnull(strstr(out, "\n    second line\n"));
	ck_assert_ptr_nonnull(strstr(out, "\n    replay: make grade LAB=01 CHECK=unit SEED=3\n"));
	ck_assert_ptr_nonnull(strstr(out, "\n    not your fault\n"));
	free(out);
}
END_TEST

/* A hang fails every check after it with the same long hint: the text
 * report shows it once a lab; the JSON keeps every row whole. */
START_TEST(test_report_text_same_hint_once_a_lab)
{
	row("03-queue", "unit: a", 0, 5, V_FAIL, "stuck in put\nHint: LONG HANG HINT\n(CHAOS_SEED=1)");
	row("03-queue", "races", 0, 5, V_FAIL, "stuck again\nHint: LONG HANG HINT");
	row("03-queue", "speedup", 0, 5, V_FAIL, "slow\nHint: another hint");
	row("04-pool", "races", 0, 5, V_FAIL, "stuck\nHint: LONG HANG HINT");
	char *out = text_report(false, 0);
	const char *first = strstr(out, "Hint: LONG HANG HINT");
	ck_assert_ptr_nonnull(first);
	ck_assert_ptr_nonnull(strstr(out, "\n    (CHAOS_SEED=1)\n"));
	ck_assert_ptr_nonnull(strstr(out, "\n    stuck again\n    Hint: the same as above.\n"));
	ck_assert_ptr_nonnull(strstr(out, "Hint: another hint"));
	/* another lab is another block: its hint is shown again */
	ck_assert_ptr_nonnull(strstr(first + 1, "\n    stuck\n    Hint: LONG HANG HINT"));
	ck_assert_int_eq(report_json(json_path, &rs), 0);
	char *json = slurp(json_path);
	ck_assert_ptr_null(strstr(json, "the same as above"));
	free(json);
	free(out);
}
END_TEST

START_TEST(test_report_text_raw_only_when_asked)
{
	char *out = text_report(false, false);
	ck_assert_ptr_null(strstr(out, "raw report:"));
	free(out);
	out = text_report(false, true);
	ck_assert_ptr_nonnull(strstr(out, "\n    raw report:\n        ==123== <error>"));
	free(out);
}
END_TEST

START_TEST(test_report_text_color_uses_escapes)
{
	char *out = text_report(true, false);
	ck_assert_ptr_nonnull(strstr(out, "\033[32mPASS\033[0m"));
	ck_assert_ptr_nonnull(strstr(out, "\033[31mFAIL\033[0m"));
	ck_assert_ptr_nonnull(strstr(out, "\033[35mERROR\033[0m"));
	/* The student's own ESC is still scrubbed. */
	ck_assert_ptr_null(strstr(out, "esc\033"));
	free(out);
}
END_TEST

/* A one-check replay is labelled a replay, never a score. */
START_TEST(test_report_text_replay_is_not_a_score)
{
	rs.replay_of = "unit (seed 3)";
	rs.score_cmd = "make grade LAB=01";
	char *out = text_report(false, 0);
	ck_assert_ptr_nonnull(strstr(out, "\nreplay of unit (seed 3): 1 of 6 tests passed; not a "
	                                  "score, run make grade LAB=01 for the score\n"));
	ck_assert_ptr_null(strstr(out, "total:"));
	free(out);
}
END_TEST

/* The sandbox's long note closes every run: one short line in the text, the
 * whole note with VERBOSE=1 (and in results.json, unchanged). */
#define LONG_NOTE "sandbox: bubblewrap (read-only filesystem but the scratch folder, " \
                  "private /tmp); runs as uid nobody; rlimits on CPU; leftover processes killed"

START_TEST(test_report_text_long_note_is_one_short_line)
{
	results_note(&rs, LONG_NOTE);
	char *out = text_report(false, 0);
	ck_assert_ptr_nonnull(strstr(out, "\nnote: sandbox: bubblewrap ... (VERBOSE=1 shows the "
	                                  "whole note)\n"));
	ck_assert_ptr_nonnull(strstr(out, "note: chaos: on\n")); /* a short note stays whole */
	free(out);
	out = text_report(false, REPORT_VERBOSE);
	ck_assert_ptr_nonnull(strstr(out, "\nnote: " LONG_NOTE "\n"));
	free(out);
	ck_assert_int_eq(report_json(json_path, &rs), 0);
	json_t *root = json_load_file(json_path, 0, NULL);
	ck_assert_str_eq(json_string_value(json_object_get(root, "output")),
	                 "chaos: on\ncpus: 4\n" LONG_NOTE "\n");
	json_decref(root);
}
END_TEST

/* ---- Gradescope JSON ------------------------------------------------- */

START_TEST(test_report_json_parses_and_sums)
{
	ck_assert_int_eq(report_json(json_path, &rs), 0);
	json_error_t err;
	json_t *root = json_load_file(json_path, 0, &err);
	ck_assert_msg(root != NULL, "results.json: %s", err.text);
	ck_assert(json_real_value(json_object_get(root, "score")) == results_score(&rs));
	ck_assert_str_eq(json_string_value(json_object_get(root, "output")),
	                 "chaos: on\ncpus: 4\n");
	ck_assert_int_eq(json_integer_value(json_object_get(root, "execution_time")),
	                 (json_int_t)lround(rs.n * 1.25));
	ck_assert_str_eq(json_string_value(json_object_get(root, "output_format")), "text");
	json_t *tests = json_object_get(root, "tests");
	ck_assert_uint_eq(json_array_size(tests), rs.n);
	for (size_t i = 0; i < rs.n; i++) {
		json_t *t = json_array_get(tests, i);
		char *name = xasprintf("%s %s", rs.rows[i].lab, rs.rows[i].name);
		ck_assert_str_eq(json_string_value(json_object_get(t, "name")), name);
		ck_assert(json_number_value(json_object_get(t, "score")) == rs.rows[i].score);
		ck_assert(json_number_value(json_object_get(t, "max_score")) == rs.rows[i].max_score);
		ck_assert_str_eq(json_string_value(json_object_get(t, "status")),
		                 rs.rows[i].verdict == V_PASS ? "passed" : "failed");
		ck_assert_str_eq(json_string_value(json_object_get(t, "visibility")), "visible");
		free(name);
	}
	json_decref(root);
}
END_TEST

static const char *json_output(json_t *root, size_t i)
{
	return json_string_value(json_object_get(
		json_array_get(json_object_get(root, "tests"), i), "output"));
}

START_TEST(test_report_json_output_names_the_verdict)
{
	ck_assert_int_eq(report_json(json_path, &rs), 0);
	json_t *root = json_load_file(json_path, 0, NULL);
	ck_assert_ptr_nonnull(root);
	const char *fail = json_output(root, 1);
	ck_assert(strncmp(fail, "expected <line> & \"quotes\" ]]> ", 31) == 0);
	ck_assert_ptr_nonnull(strstr(fail, " end\nsecond line\nreplay: make grade"));
	ck_assert_ptr_null(strchr(fail, '\033'));
	ck_assert(strncmp(json_output(root, 2), "INCONCLUSIVE: Helgrind", 22) == 0);
	ck_assert(strncmp(json_output(root, 4), "NOT SUBMITTED: bank.c", 21) == 0);
	ck_assert(strncmp(json_output(root, 5), "GRADER ERROR: valgrind", 22) == 0);
	json_decref(root);
}
END_TEST

START_TEST(test_report_json_leaves_no_temporary)
{
	ck_assert_int_eq(report_json(json_path, &rs), 0);
	char *tmp = xasprintf("%s.tmp", json_path);
	ck_assert_int_ne(access(tmp, F_OK), 0);
	free(tmp);
}
END_TEST

START_TEST(test_report_json_refuses_nan_score)
{
	rs.rows[0].score = NAN;
	ck_assert_int_eq(report_json(json_path, &rs), -1);
	ck_assert_int_ne(access(json_path, F_OK), 0);
}
END_TEST

/* ---- JUnit ----------------------------------------------------------- */

static int count_tag(xmlNode *n, const char *tag)
{
	int c = 0;
	for (; n; n = n->next)
		if (n->type == XML_ELEMENT_NODE)
			c += !strcmp((const char *)n->name, tag) + count_tag(n->children, tag);
	return c;
}

static int int_attr(xmlNode *n, const char *name)
{
	xmlChar *v = xmlGetProp(n, BAD_CAST name);
	ck_assert_ptr_nonnull(v);
	int i = atoi((const char *)v);
	xmlFree(v);
	return i;
}

START_TEST(test_report_junit_well_formed_and_counts)
{
	ck_assert_int_eq(report_junit(junit_path, &rs), 0);
	xmlResetLastError();
	xmlDoc *doc = xmlReadFile(junit_path, NULL, XML_PARSE_NONET);
	ck_assert_ptr_nonnull(doc);
	ck_assert_ptr_null(xmlGetLastError());
	xmlNode *root = xmlDocGetRootElement(doc);
	ck_assert_str_eq((const char *)root->name, "testsuites");
	ck_assert_int_eq(count_tag(root, "testsuite"), 2);
	ck_assert_int_eq(count_tag(root, "testcase"), (int)rs.n);
	ck_assert_int_eq(count_tag(root, "failure"), 3);
	ck_assert_int_eq(count_tag(root, "error"), 1);
	ck_assert_int_eq(count_tag(root, "skipped"), 1);
	ck_assert_int_eq(count_tag(root, "system-out"), 1);
	ck_assert_int_eq(int_attr(root, "tests"), (int)rs.n);
	ck_assert_int_eq(int_attr(root, "failures"), 3);
	xmlNode *suite = xmlFirstElementChild(root);
	ck_assert_int_eq(int_attr(suite, "tests"), 4);
	ck_assert_int_eq(int_attr(suite, "failures"), 2);
	ck_assert_int_eq(int_attr(suite, "skipped"), 1);
	xmlFreeDoc(doc);
}
END_TEST

START_TEST(test_report_junit_keeps_text_literal)
{
	ck_assert_int_eq(report_junit(junit_path, &rs), 0);
	xmlDoc *doc = xmlReadFile(junit_path, NULL, XML_PARSE_NONET);
	ck_assert_ptr_nonnull(doc);
	/* Second testcase of the first suite: the nasty failure. */
	xmlNode *tc = xmlNextElementSibling(xmlFirstElementChild(
		xmlFirstElementChild(xmlDocGetRootElement(doc))));
	xmlNode *failure = xmlFirstElementChild(tc);
	ck_assert_str_eq((const char *)failure->name, "failure");
	xmlChar *msg = xmlGetProp(failure, BAD_CAST "message");
	ck_assert(strncmp((const char *)msg, "expected <line> & \"quotes\" ]]> ", 31) == 0);
	ck_assert_ptr_null(strchr((const char *)msg, '\n'));
	xmlChar *body = xmlNodeGetContent(failure);
	ck_assert_ptr_nonnull(strstr((const char *)body, "\nreplay: make grade"));
	xmlFree(msg);
	xmlFree(body);
	xmlFreeDoc(doc);
}
END_TEST

/* ---- TAP ------------------------------------------------------------- */

START_TEST(test_report_tap_plan_matches)
{
	ck_assert_int_eq(report_tap(tap_path, &rs), 0);
	char *tap = slurp(tap_path);
	char *plan = xasprintf("TAP version 13\n1..%zu\n", rs.n);
	ck_assert(strncmp(tap, plan, strlen(plan)) == 0);
	size_t ok = 0, not_ok = 0;
	for (char *line = tap; line; line = strchr(line, '\n'), line = line ? line + 1 : NULL) {
		ok += strncmp(line, "ok ", 3) == 0;
		not_ok += strncmp(line, "not ok ", 7) == 0;
	}
	ck_assert_uint_eq(ok + not_ok, rs.n);
	ck_assert_uint_eq(not_ok, 4);
	ck_assert_ptr_nonnull(strstr(tap, "\nok 1 - 01-stdout-race unit: lines stay whole\n"));
	ck_assert_ptr_nonnull(strstr(tap, "\nok 3 - 01-stdout-race races # SKIP inconclusive: "
	                                  "Helgrind could not run here\n"));
	ck_assert_ptr_nonnull(strstr(tap, "\nnot ok 4 - 01-stdout-race speedup \\#2\n"));
	ck_assert_ptr_nonnull(strstr(tap, "  ---\n  verdict: failed\n  score: 0\n  max_score: 15\n"
	                                  "  message: \"expected <line> & \\\"quotes\\\" ]]> "));
	ck_assert_ptr_nonnull(strstr(tap, " end\\nsecond line\\nreplay: make grade LAB=01 "
	                                  "CHECK=unit SEED=3\\n\"\n  ...\n"));
	free(plan);
	free(tap);
}
END_TEST

/* ---- Autolab and failures ------------------------------------------- */

START_TEST(test_report_autolab_one_json_line)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	report_autolab(f, &rs);
	fclose(f);
	ck_assert_ptr_eq(strchr(buf, '\n'), buf + len - 1);
	json_t *root = json_loads(buf, 0, NULL);
	ck_assert_ptr_nonnull(root);
	json_t *scores = json_object_get(root, "scores");
	ck_assert_uint_eq(json_object_size(scores), rs.n);
	ck_assert(json_number_value(json_object_get(scores, "01-stdout-race/speedup #2")) == 7.5);
	json_decref(root);
	free(buf);
}
END_TEST

START_TEST(test_report_unwritable_path_fails)
{
	ck_assert_int_eq(report_json("/nonexistent-dir/results.json", &rs), -1);
	ck_assert_int_eq(report_junit("/nonexistent-dir/junit.xml", &rs), -1);
	ck_assert_int_eq(report_tap("/nonexistent-dir/results.tap", &rs), -1);
}
END_TEST

static Suite *report_suite(void)
{
	Suite *s = suite_create("report");
	TCase *tc = tcase_create("Core");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_report_text_plain_has_no_escapes);
	tcase_add_test(tc, test_report_text_shows_labs_rows_and_total);
	tcase_add_test(tc, test_report_text_indents_failures_with_replay);
	tcase_add_test(tc, test_report_text_same_hint_once_a_lab);
	tcase_add_test(tc, test_report_text_raw_only_when_asked);
	tcase_add_test(tc, test_report_text_color_uses_escapes);
	tcase_add_test(tc, test_report_text_replay_is_not_a_score);
	tcase_add_test(tc, test_report_text_long_note_is_one_short_line);
	tcase_add_test(tc, test_report_json_parses_and_sums);
	tcase_add_test(tc, test_report_json_output_names_the_verdict);
	tcase_add_test(tc, test_report_json_leaves_no_temporary);
	tcase_add_test(tc, test_report_json_refuses_nan_score);
	tcase_add_test(tc, test_report_junit_well_formed_and_counts);
	tcase_add_test(tc, test_report_junit_keeps_text_literal);
	tcase_add_test(tc, test_report_tap_plan_matches);
	tcase_add_test(tc, test_report_autolab_one_json_line);
	tcase_add_test(tc, test_report_unwritable_path_fails);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return suite_passes(report_suite(), 1) ? EXIT_SUCCESS : EXIT_FAILURE;
}
