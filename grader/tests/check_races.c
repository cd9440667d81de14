/* check_races.c - the races check's reader of Helgrind's reports, fed a pair
 * the real check wrote (grader/tests/fixtures/races/: the XML run's
 * hg.<pid>.xml, the scratch folder's path replaced by @SCRATCH@, and the text
 * run's log). The two are separate runs with their own thread numbers and
 * addresses: every line of one error must come from one of them and agree
 * with the rest (no thread holding a lock on another thread's stack), and an
 * error the text log does not have is shown without lock words, never with
 * another error's. */
#include <check.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "checks.h"
#include "selftest.h"

#define FIXTURES "grader/tests/fixtures/races"

static char scratch[] = "/tmp/check_races.XXXXXX";
static json_t *files;
static struct hg_tally t;
static char *summary;
static int shown, errors;

static void setup(void)
{
	ck_assert_ptr_nonnull(mkdtemp(scratch));
	files = json_pack("[s]", "tasks.c");
	summary = NULL;
	shown = errors = 0;
	t = (struct hg_tally){ 0 };
}

static void teardown(void)
{
	char *cmd = xasprintf("rm -rf %s", scratch);
	ck_assert_int_eq(system(cmd), 0);
	free(cmd);
	strcpy(scratch, "/tmp/check_races.XXXXXX");
	json_decref(files);
	hg_tally_free(&t);
}

static char *slurp(const char *name)
{
	char *path = xasprintf("%s/%s", FIXTURES, name), *text = NULL;
	FILE *f = fopen(path, "r");
	size_t cap = 0;
	ck_assert_msg(f != NULL, "no fixture %s", path);
	ck_assert_int_gt(getdelim(&text, &cap, '\0', f), 0);
	fclose(f);
	free(path);
	return text;
}

/* Every occurrence of from in *s replaced by to. */
static void replace(char **s, const char *from, const char *to)
{
	char *out = NULL;
	const char *p = *s, *hit;
	while ((hit = strstr(p, from))) {
		strappend(&out, "%.*s%s", (int)(hit - p), p, to);
		p = hit + strlen(from);
	}
	strappend(&out, "%s", p);
	free(*s);
	*s = out;
}

/* The fixture's XML as this test's scratch folder's hg.2.xml, then the
 * reader on it with the text log given. */
static void read_pair(const char *xml, const char *log)
{
	char *text = slurp(xml), *path = xasprintf("%s/hg.2.xml", scratch);
	replace(&text, "@SCRATCH@", scratch);
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
	races_read(scratch, scratch, files, log, &t);
	summary = t.summary;
	shown = t.shown;
	errors = t.errors;
	free(text);
	free(path);
}

static void assert_says(const char *what)
{
	ck_assert_msg(summary && strstr(summary, what), "the report does not say \"%s\":\n%s",
	              what, summary ? summary : "(nothing)");
}

/* A line "... by thread #N (Locks held: ...; the lock at X is on thread #M's
 * stack ...)" must have M == N, and each lock it places must be one it
 * holds: the words of one run. */
static void assert_agrees(void)
{
	for (const char *p = summary; p && *p; p += strcspn(p, "\n") + (p[strcspn(p, "\n")] != 0)) {
		char *line = xasprintf("%.*s", (int)strcspn(p, "\n"), p);
		const char *by = strstr(line, " by thread #"), *on = strstr(line, " is on thread #");
		ck_assert_msg(!strstr(line, "at addresses  (") && !strstr(line, "can't be shown"),
		              "garbled lock words: %s", line);
		if (by && on)
			ck_assert_msg(atoi(by + 12) == atoi(on + 15),
			              "thread #%d holds a lock on thread #%d's stack: %s", atoi(by + 12),
			              atoi(on + 15), line);
		const char *locks = strstr(line, "Locks held:");
		char *held = locks ? xasprintf("%.*s", (int)strcspn(locks, ";)"), locks) : NULL;
		for (const char *l = strstr(line, "the lock at 0x"); l; l = strstr(l + 1, "the lock at 0x")) {
			char *addr = xasprintf("%.*s", (int)strcspn(l + 12, " "), l + 12);
			ck_assert_msg(held && strstr(held, addr), "the lock at %s is placed but not "
			              "held: %s", addr, line);
			free(addr);
		}
		free(held);
		free(line);
	}
}

/* The local-lock submission: each thread locks a mutex of its own stack. */
START_TEST(test_races_local_lock_agrees)
{
	char *log = slurp("b2-local-lock.text.log");
	read_pair("b2-local-lock.hg.xml", log);
	free(log);
	ck_assert_int_eq(errors, 17);
	ck_assert_int_eq(t.races, 17);
	ck_assert_int_eq(shown, 3);
	assert_agrees();
	assert_says("Data race in put_str (tasks.c:67)\n"
	            "  Possible data race during write of size 1 at 0x4A4B044 by thread #4 "
	            "(Locks held: 1, at address 0x664CDB0; the lock at 0x664CDB0 is on thread #4's "
	            "stack in frame #1, created by board_say (tasks.c:75))\n"
	            "  This conflicts with a previous write of size 1 by thread #3, in put_str "
	            "(tasks.c:67) (Locks held: 1, at an address Helgrind could not say)\n");
	assert_says("Data race in put_str (tasks.c:68)\n"
	            "  Possible data race during write of size 8 at 0x4A4B088 by thread #4 "
	            "(Locks held: 1, at address 0x664CDB0; the lock at 0x664CDB0 is on thread #4's "
	            "stack in frame #1, created by board_say (tasks.c:75))\n");
	assert_says("  The two threads held different locks, so neither lock kept the other "
	            "thread out.\n");
	assert_says("  A lock on a thread's stack is a local variable");
}
END_TEST

/* An error the text run did not have keeps its XML words and no lock
 * words, rather than borrow another error's; the others keep theirs. */
START_TEST(test_races_unmatched_error_has_no_lock_words)
{
	char *log = slurp("b2-local-lock.text.log");
	replace(&log, "(tasks.c:67)", "(tasks.c:670)");
	read_pair("b2-local-lock.hg.xml", log);
	free(log);
	assert_agrees();
	assert_says("Data race in put_str (tasks.c:67)\n"
	            "  Possible data race during write of size 1 at 0x4A4B044 by thread #4\n"
	            "  This conflicts with a previous write of size 1 by thread #3, in put_str "
	            "(tasks.c:67)\n");
	assert_says("Data race in put_str (tasks.c:61)\n"
	            "  Possible data race during read of size 8 at 0x4A4B088 by thread #4 (Locks "
	            "held: 1, at address 0x664CDB0;");
	const char *e = strstr(summary, "Data race in put_str (tasks.c:67)");
	const char *next = strstr(e + 1, "Data race in");
	char *one = xasprintf("%.*s", next ? (int)(next - e) : (int)strlen(e), e);
	ck_assert_msg(!strstr(one, "Locks held") && !strstr(one, "different locks") &&
	              !strstr(one, "'s stack"), "lock words of another error:\n%s", one);
	free(one);
}
END_TEST

/* The text run's own thread numbers and addresses: a block that matches
 * but for them gives the headline, the conflicting access and the auxiliary
 * lines in its words, so that its locks agree with them. */
START_TEST(test_races_words_of_the_text_run)
{
	char *log = slurp("b2-local-lock.text.log");
	replace(&log, "thread #4", "thread #9");
	replace(&log, "0x664CDB0", "0x7770000");
	replace(&log, "0x664cdb0", "0x7770000");
	read_pair("b2-local-lock.hg.xml", log);
	free(log);
	assert_agrees();
	assert_says("  Possible data race during write of size 1 at 0x4A4B044 by thread #9 "
	            "(Locks held: 1, at address 0x7770000; the lock at 0x7770000 is on thread #9's "
	            "stack in frame #1, created by board_say (tasks.c:75))\n");
	ck_assert_ptr_null(strstr(summary, "thread #4"));
}
END_TEST

/* No text log (a run that hung, or none made): the XML alone, no locks. */
START_TEST(test_races_no_text_log)
{
	read_pair("b2-local-lock.hg.xml", "");
	ck_assert_int_eq(errors, 17);
	assert_agrees();
	ck_assert_ptr_null(strstr(summary, "Locks held"));
	assert_says("Data race in put_str (tasks.c:61)\n"
	            "  Possible data race during read of size 8 at 0x4A4B088 by thread #4\n");
}
END_TEST

/* Signalling after unlocking, which POSIX allows: notes, shown from the
 * student's side and explained, never counted as errors. */
START_TEST(test_races_signal_after_unlock_is_a_note)
{
	json_decref(files);
	files = json_pack("[s,s]", "queue.c", "pipeline.c");
	read_pair("l03-signal-after-unlock.hg.xml", "");
	ck_assert_int_eq(errors, 0);
	ck_assert_int_eq(t.elsewhere, 0);
	ck_assert_int_eq(t.noted, 7);
	ck_assert_ptr_null(summary);
	ck_assert_str_eq(t.notes, "queue_put (queue.c:123), queue_get (queue.c:150), "
	                 "queue_close (queue.c:165)");
}
END_TEST

/* Real misuse beside the notes still counts: a lock unlocked by a thread
 * that does not hold it, and the destroy that then fails. */
START_TEST(test_races_misuse_still_fails)
{
	json_decref(files);
	files = json_pack("[s,s]", "queue.c", "pipeline.c");
	read_pair("l03-unlock-not-held.hg.xml", "");
	ck_assert_int_eq(errors, 2);
	ck_assert_int_eq(t.races, 0);
	ck_assert_int_gt(t.noted, 0);
	assert_says("Misuse of the pthreads API in queue_free (queue.c:66)\n");
	ck_assert_ptr_null(strstr(summary, "dubious"));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("races");
	TCase *core = tcase_create("Core");
	tcase_add_checked_fixture(core, setup, teardown);
	tcase_add_test(core, test_races_local_lock_agrees);
	tcase_add_test(core, test_races_unmatched_error_has_no_lock_words);
	tcase_add_test(core, test_races_words_of_the_text_run);
	tcase_add_test(core, test_races_no_text_log);
	tcase_add_test(core, test_races_signal_after_unlock_is_a_note);
	tcase_add_test(core, test_races_misuse_still_fails);
	suite_add_tcase(s, core);
	return suite_passes(s, 6) ? EXIT_SUCCESS : EXIT_FAILURE;
}
