/* check_unit.c - the "unit" check: a lab's Check suite, once per chaos seed.
 *
 * Verdicts come from Check's own XML log, never from what the program prints,
 * and the suite must have run exactly the tests the spec lists: Check exits 0
 * having run nothing when a suite or case name is wrong (TOOLCHAIN.md). */
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "checks.h"
#include "common.h"
#include "lab_jobs.h"

/* What one run's log says about one test. */
struct outcome {
	bool seen;
	bool passed;
	char *message; /* Check's message, with its file:line */
	int timeout;   /* k: the k-th test of the log that timed out or was killed; 0: neither */
	bool killed;   /* by SIGKILL: the grader stopped it if a stopped block is its */
	bool gave_up;  /* a schedule could not explore it (SCHEDULE_GAVE_UP_EXIT) */
};

static const char *child_text(xmlNode *n, const char *name)
{
	for (xmlNode *c = n->children; c; c = c->next)
		if (c->type == XML_ELEMENT_NODE && strcmp((const char *)c->name, name) == 0)
			return c->children ? (const char *)c->children->content : "";
	return NULL;
}

/* Finds the row index of a test id ("check/test"), or -1. */
static long row_of(struct result *rows, size_t n, const char *check, const char *test)
{
	for (size_t i = 0; i < n; i++)
		if (strncmp(rows[i].id, check, strlen(check)) == 0 &&
		    rows[i].id[strlen(check)] == '/' &&
		    strcmp(rows[i].id + strlen(check) + 1, test) == 0)
			return (long)i;
	return -1;
}

static void read_test(xmlNode *t, const char *check, struct result *rows, size_t n,
                      struct outcome *out, long *unknown)
{
	const char *id = child_text(t, "id");
	long i = id ? row_of(rows, n, check, id) : -1;
	xmlChar *result = xmlGetProp(t, (const xmlChar *)"result");
	if (i < 0 || out[i].seen) {
		(*unknown)++;
	} else {
		out[i].seen = true;
		out[i].passed = result && strcmp((const char *)result, "success") == 0;
		const char *fn = child_text(t, "fn"), *msg = child_text(t, "message");
		/* Check takes any exit 0 of a forked test for a pass, but only a test
		 * that reached its end sends its duration: without one (-1), the
		 * process ended in the middle of the test. */
		const char *duration = child_text(t, "duration");
		if (out[i].passed && (!duration || duration[0] == '-')) {
			out[i].passed = false;
			msg = "The test process ended with exit code 0 before the test reached its end, "
			      "so the test checked nothing: the code under test ended the process "
			      "(exit(), _exit(), or a signal handler that exits). Your functions must "
			      "return to their caller, never end the process.";
		}
		out[i].message = xasprintf("%s%s%s", msg ? msg : "no message",
		                           fn ? " (at " : "", fn ? fn : "");
		out[i].killed = msg && !strncmp(msg, "Received signal 9 ", 18);
		out[i].gave_up = msg && strcmp(msg, SCHEDULE_GAVE_UP_SAYS) == 0;
		if (msg && (strstr(msg, "Test timeout expired") || out[i].killed)) {
			out[i].timeout = 1; /* its rank among the log's timeouts */
			for (size_t j = 0; j < n; j++)
				out[i].timeout += j != (size_t)i && out[j].timeout > 0;
		}
		if (fn)
			strappend(&out[i].message, ")");
	}
	xmlFree(result);
}

/* Walks the log tolerantly: a run cut short leaves truncated XML. */
static long read_log(const char *path, const char *check, struct result *rows,
                     size_t n, struct outcome *out)
{
	long unknown = 0;
	xmlDoc *doc = xmlReadFile(path, NULL, XML_PARSE_RECOVER | XML_PARSE_NONET |
	                          XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	if (!doc)
		return 0;
	for (xmlNode *s = xmlDocGetRootElement(doc)->children; s; s = s->next)
		for (xmlNode *t = s->children; s->type == XML_ELEMENT_NODE && t; t = t->next)
			if (t->type == XML_ELEMENT_NODE && strcmp((const char *)t->name, "test") == 0)
				read_test(t, check, rows, n, out, &unknown);
	xmlFreeDoc(doc);
	return unknown;
}

static const char *test_of(const struct result *row)
{
	return strchr(row->id, '/') + 1;
}

/* The stuck block whose stacks hold the test's own function (Check names
 * it NAME_fn), or -1. The lines shown name only the innermost frames (a
 * helper the test called), so the match is on every function gdb saw. */
static int own_block(const struct sbx_result *r, const char *test)
{
	char *key = xasprintf(" %s_fn ", test);
	int hit = -1;
	for (int b = 0; b < r->nblocks && hit < 0; b++)
		if (strstr(r->blocks[b].functions, key))
			hit = b;
	free(key);
	return hit;
}

/* A block that holds no test function of this check at all (gdb could not
 * read its stacks, say). */
static bool anonymous(const struct sbx_result *r, int b, const struct result *rows, size_t n)
{
	for (size_t j = 0; j < n; j++) {
		char *key = xasprintf(" %s_fn ", test_of(&rows[j]));
		bool named = strstr(r->blocks[b].functions, key) != NULL;
		free(key);
		if (named)
			return false;
	}
	return true;
}

/* The stuck block that belongs to failed test i, or -1: the one whose
 * stacks hold its own function, else, when it timed out or was killed, the
 * next anonymous block, in the order of such tests that have no block of
 * their own. A block is never handed to another test: one that ran long
 * and then failed its assertion keeps its own, and an earlier test's
 * leftovers are never shown as a hung test's threads. */
static int stuck_block(const struct sbx_result *r, const struct result *rows,
                       const struct outcome *out, size_t n, size_t i)
{
	int pick = own_block(r, test_of(&rows[i])), k = 0;
	for (size_t j = 0; pick < 0 && out[i].timeout > 0 && j < n; j++)
		k += out[j].timeout > 0 && out[j].timeout <= out[i].timeout &&
		     own_block(r, test_of(&rows[j])) < 0;
	for (int b = 0; pick < 0 && k >= 1 && b < r->nblocks; b++)
		if (anonymous(r, b, rows, n) && --k == 0)
			pick = b;
	return pick;
}

/* A failed test's message with its stuck block; true when it hung: Check
 * timed it out, or the grader stopped it (Check saw it killed: the words
 * are the block's, not Check's "Received signal 9"). */
static bool add_stuck(char **message, const struct sbx_result *r, const struct result *rows,
                      const struct outcome *out, size_t n, size_t i)
{
	int b = stuck_block(r, rows, out, n, i);
	bool stopped = b >= 0 && r->blocks[b].stopped;
	if (out[i].killed && stopped) {
		const char *at = strstr(*message, " (at ");
		char *words = xasprintf("The test never finished%s", at ? at : ".");
		free(*message);
		*message = words;
	}
	if (b >= 0) {
		const char *text = r->blocks[b].text;
		int len = (int)strlen(text);
		while (len > 0 && text[len - 1] == '\n')
			len--;
		strappend(message, "\n%.*s", len, text);
	}
	return out[i].timeout > 0 && (!out[i].killed || stopped);
}

/* The last lines the program printed, for a run that ended without its
 * tests: the cause (an error message, a crash report) is usually there.
 * Output past the sandbox's cap was not kept: then the kept part's last
 * whole lines. */
static char *output_tail(const struct sbx_result *r)
{
	const char *out = r->output ? r->output : "", *p = out + strlen(out);
	if (r->output_truncated)
		while (p > out && p[-1] != '\n')
			p--; /* a line cut by the cap */
	while (p > out && p[-1] == '\n')
		p--;
	const char *end = p;
	for (int lines = 0; p > out && lines < 8 && end - p < 600; p--)
		lines += p[-1] == '\n';
	while (p < end && *p == '\n')
		p++;
	if (p == end)
		return xstrdup("");
	return xasprintf("\n%s\n%.*s", r->output_truncated ? "The part of the test program's "
	                 "output the grader kept ended with:" : "The test program's output ended "
	                 "with:", (int)(end - p), p);
}

/* Why the tests the log does not mention did not report. */
static char *missing_reason(const struct sbx_result *r)
{
	char *tail = output_tail(r), *why;
	if (r->timed_out) /* the diagnosis starts "timed out after N s." */
		why = xasprintf("The test program was stopped without finishing: it %s",
		                r->diagnosis ? r->diagnosis : "timed out.");
	else if (r->flooded)
		why = xasprintf("The test program printed so much output (many megabytes) that the "
		                "grader stopped it before this test reported. Your code must write "
		                "only the lines it is asked for, to the fd it is given.%s", tail);
	else if (r->term_signal)
		why = xasprintf("The test program itself was killed by signal %d (%s) before "
		                "this test reported.%s", r->term_signal, strsignal(r->term_signal),
		                tail);
	else
		why = xasprintf("This test never reported: the test program ended early (exit code "
		                "%d) without running it. Does your code call exit() or close the "
		                "output?%s", r->exit_code, tail);
	free(tail);
	return why;
}

/* The test that was running when the run was stopped (its function is on
 * the stacks its diagnosis shows), or -1. */
static long running_when_stopped(const struct sbx_result *r, const struct result *rows, size_t n)
{
	for (size_t i = 0; r->timed_out && r->functions && i < n; i++) {
		char *key = xasprintf(" %s_fn ", test_of(&rows[i]));
		bool on = strstr(r->functions, key) != NULL;
		free(key);
		if (on)
			return (long)i;
	}
	return -1;
}

/* Why a test the log does not mention never ran, when that is known: the
 * run was stopped while another test hung, or between two tests once its
 * deadline was cut; NULL otherwise (missing_reason says what is known). */
static char *never_ran(const struct sbx_result *r, const struct result *rows, size_t n,
                       size_t i, bool cut)
{
	long running = running_when_stopped(r, rows, n);
	if (!r->timed_out || running == (long)i || (running < 0 && !cut))
		return NULL;
	if (running >= 0)
		return xasprintf("This test never ran: the test program was stopped while an earlier "
		                 "test hung (%s).", rows[running].name);
	return xstrdup("This test never ran: the test program was stopped before it came to this "
	               "test, because an earlier check of this lab hung (its deadline was cut).");
}

/* A hang gets the spec's words for hangs (hint_hang), not the assertion's.
 * The run (NULL: none) says what replays it: its seed or its schedule. */
static void fail_row(struct lab_ctx *ctx, struct result *row, json_t *check,
                     json_t *test, const struct unit_run *u, const char *what, bool hang)
{
	const char *hint = lab_hint(ctx, check, test, hang);
	int len = (int)strlen(what);
	while (len > 0 && what[len - 1] == '\n')
		len--;
	char *text = xasprintf("%.*s%s%s", len, what, hint ? "\nHint: " : "", hint ? hint : "");
	char *var = !u ? NULL : u->ran[0] ? xasprintf("SCHEDULE=%s", u->ran)
	            : u->seed >= 0 ? xasprintf("SEED=%ld", u->seed) : NULL;
	if (u && u->ran[0])
		strappend(&text, "\n(SCHEDULE=%s)", u->ran);
	else if (u && u->seed >= 0)
		strappend(&text, "\n(CHAOS_SEED=%ld)", u->seed);
	row_set(row, V_FAIL, text);
	free(row->replay);
	row->replay = lab_replay_with(ctx, spec_str(check, "name", "unit"), var);
	free(var);
}

/* Whether the run ran this row's test: CHECK_TESTS names it, or is unset. */
static bool in_run(const struct unit_run *u, const struct result *row)
{
	return unit_listed(u->tests, strchr(row->id, '/') + 1);
}

/* The log passed every test of the run, but the program then failed: Check's
 * own exit code disagrees, so something ran after the tests (a destructor,
 * atexit). */
static bool exit_disagrees(const struct unit_run *u, const struct result *rows,
                           const struct sbx_result *r, const struct outcome *out, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (in_run(u, &rows[i]) && (!out[i].seen || !out[i].passed))
			return false;
	return r->exit_code != 0 || r->term_signal != 0;
}

/* Check says only "Test timeout expired". The limit is said too, so that the
 * stacks taken halfway ("still running after 1.5 s") are not read as it. */
static void say_limit(char **message, json_t *check)
{
	static const char expired[] = "Test timeout expired";
	size_t len = sizeof expired - 1;
	if (strncmp(*message, expired, len) != 0)
		return;
	char *said = xasprintf("%s: the test did not finish within %g s%s", expired,
	                       spec_secs(check, "test_timeout_s", 5), *message + len);
	free(*message);
	*message = said;
}

/* What a row that passed this run says. The schedules run first: a seed
 * that passed a row the schedules passed says both, and one that passed a
 * row the schedules could not explore keeps their note. The row's words
 * are read back because they are all that travels with it from a seed run
 * at once (rows_save). */
#define NOT_EXPLORED "Not explored under the schedule"
#define EXPLORED "the schedules "

static char *passed_text(const struct unit_run *u, const char *before)
{
	const char *explored = before ? strstr(before, EXPLORED) : NULL;
	const char *note = before ? strstr(before, NOT_EXPLORED) : NULL;
	if (u->schedule)
		return xasprintf("passed " EXPLORED "%s", u->schedule);
	if (note)
		return xasprintf("passed under every seed up to %ld\n%s", u->seed, note);
	if (explored)
		return xasprintf("passed under every seed up to %ld and %s", u->seed, explored);
	return xasprintf("passed under every seed up to %ld", u->seed);
}

/* Fails the rows this run's log fails; a row passes only while no run failed it. */
static void judge_seed(struct lab_ctx *ctx, json_t *check, const struct unit_run *u,
                       struct result *rows, size_t n, struct outcome *out,
                       const struct sbx_result *r, bool cut)
{
	json_t *tests = json_object_get(check, "tests");
	char *missing = missing_reason(r);
	char *late = exit_disagrees(u, rows, r, out, n) ? xasprintf("Every test passed, then the test "
		"program failed (exit code %d, signal %d): something in your code ran after the "
		"tests and broke, or tried to end the run early.", r->exit_code, r->term_signal) : NULL;
	for (size_t i = 0; i < n; i++) {
		json_t *test = json_object_get(tests, strchr(rows[i].id, '/') + 1);
		if (rows[i].verdict == V_FAIL || !in_run(u, &rows[i]))
			continue; /* an earlier seed already failed it, or this run did not run it */
		char *not_run = out[i].seen ? NULL : never_ran(r, rows, n, i, cut);
		if (not_run) { /* not a hang of its own: neither its hint nor the hang's */
			fail_row(ctx, &rows[i], check, NULL, u, not_run, false);
			free(not_run);
		} else if (!out[i].seen) {
			fail_row(ctx, &rows[i], check, test, u, missing, r->timed_out);
		} else if (!out[i].passed && out[i].gave_up && u->schedule) {
			strappend(&rows[i].output, "%s" NOT_EXPLORED " %s: a thread of "
			          "this test ran %g s without a synchronisation call (a loop on a plain "
			          "or atomic variable, or a blocking call), its threads took turns for "
			          "as long without end (a livelock, or a wait that yields), or the test "
			          "started more threads than a schedule keeps. Its verdict is the seeds'.",
			          rows[i].output && *rows[i].output ? "\n" : "", u->ran[0] ? u->ran :
			          u->schedule, SCHEDULE_STALL_MS / 1000.0);
		} else if (!out[i].passed) {
			if (out[i].timeout > 0)
				say_limit(&out[i].message, check);
			bool hung = add_stuck(&out[i].message, r, rows, out, n, i) ||
			            strncmp(out[i].message, SCHEDULE_DEADLOCK_SAYS,
			                    strlen(SCHEDULE_DEADLOCK_SAYS)) == 0;
			if (strncmp(out[i].message, "Early exit", 10) == 0) { /* why is in the output */
				char *tail = output_tail(r);
				strappend(&out[i].message, "%s", tail);
				free(tail);
			}
			fail_row(ctx, &rows[i], check, test, u, out[i].message, hung);
		} else if (late) {
			fail_row(ctx, &rows[i], check, test, u, late, false);
		} else {
			row_set(&rows[i], V_PASS, passed_text(u, rows[i].output));
		}
	}
	free(missing);
	free(late);
}

static bool any_timeout(const struct outcome *out, size_t n, const struct sbx_result *r)
{
	for (size_t i = 0; i < n; i++)
		if (out[i].timeout > 0 && !out[i].killed)
			return true;
	for (int b = 0; b < r->nblocks; b++)
		if (r->blocks[b].stopped)
			return true;
	return r->timed_out;
}

/* The schedule a run's log is of (the program wrote it beside the log). */
static void read_ran(const char *log, struct unit_run *u)
{
	char *path = xasprintf("%s.schedule", log);
	FILE *f = fopen(path, "re");
	u->ran[0] = '\0';
	if (f && fgets(u->ran, sizeof(u->ran), f))
		u->ran[strcspn(u->ran, "\n")] = '\0';
	if (f)
		fclose(f);
	free(path);
}

/* Runs the suite as u says and judges the rows it ran by its log. */
enum seed_end unit_run_suite(struct lab_ctx *ctx, json_t *check, struct unit_run *u,
                             struct result *rows, size_t n)
{
	static unsigned runs;
	char *log = xasprintf("%s/unit.%ld.%u.xml", ctx->scratch, u->seed,
	                      __atomic_add_fetch(&runs, 1, __ATOMIC_SEQ_CST));
	char *env[] = {
		u->schedule ? xasprintf("SCHEDULE=%s", u->schedule) : xasprintf("CHAOS_SEED=%ld",
		                                                                 u->seed),
		xstrdup("CK_FORK=yes"),
		xasprintf("CK_DEFAULT_TIMEOUT=%g", spec_secs(check, "test_timeout_s", 5)),
		xstrdup("CK_TIMEOUT_MULTIPLIER=1"), xasprintf("CK_XML_LOG_FILE_NAME=%s", log),
		xstrdup("CK_VERBOSITY=silent"), u->tests ? xasprintf("CHECK_TESTS=%s", u->tests) : NULL,
		NULL };
	char *prog = lab_program(ctx, spec_str(check, "program", ""));
	char *argv[] = { prog, NULL };
	struct sbx_result r;
	struct outcome *out = calloc(n, sizeof *out);
	enum seed_end end = SEED_FAULT;
	/* A hung test is diagnosed before Check kills it; gdb leaves it in time. */
	ctx->test_timeout_s = spec_secs(check, "test_timeout_s", 5);
	ctx->stuck_s = 0.5 * ctx->test_timeout_s;
	bool cut = ctx->hung; /* lab_run cuts the deadline */
	int rc = lab_run(ctx, argv, env, spec_secs(check, "timeout_s", 60), &r);
	ctx->stuck_s = 0;
	if (u->schedule)
		read_ran(log, u);
	if (rc == 0 && read_log(log, spec_str(check, "name", "unit"), rows, n, out) > 0) {
		end = SEED_MISMATCH;
	} else if (rc == 0) {
		judge_seed(ctx, check, u, rows, n, out, &r, cut);
		end = any_timeout(out, n, &r) ? SEED_HUNG : SEED_DONE;
	}
	if (u->output_to)
		*u->output_to = xstrdup(r.output ? r.output : "");
	for (size_t i = 0; i < n; i++)
		free(out[i].message);
	for (char **e = env; *e; e++)
		free(*e);
	free(out); free(log); free(prog);
	sbx_result_free(&r);
	return end;
}

/* One seed, on the tests named (NULL: every test). */
static enum seed_end run_seed(struct lab_ctx *ctx, json_t *check, long seed, const char *tests,
                              struct result *rows, size_t n)
{
	struct unit_run u = { .seed = seed, .tests = tests };
	return unit_run_suite(ctx, check, &u, rows, n);
}

/* Rows still passing when a hang cut the seeds short say how far they got. */
static void note_skipped(struct result *rows, size_t n, long seed)
{
	for (size_t i = 0; i < n; i++)
		if (rows[i].verdict == V_PASS)
			strappend(&rows[i].output, "; later seeds were skipped after seed %ld hung", seed);
}

/* A program that hangs before its first test (an endless loop in a
 * constructor, say) would be waited for until the suite's whole deadline.
 * So it is first run with no test selected (Check runs none when no suite
 * has the name asked for, and exits) under one test's deadline; true, with
 * every row failed, when even that did not end. One still taking memory
 * then may be slow rather than stuck: the seeds, with the suite's deadline,
 * judge it. */
static bool hangs_without_tests(struct lab_ctx *ctx, json_t *check, struct result *rows,
                                size_t n)
{
	char *env[] = { "CK_RUN_SUITE=grader start-up probe: no such suite", "CK_FORK=yes",
	                "CK_VERBOSITY=silent", NULL };
	char *prog = lab_program(ctx, spec_str(check, "program", ""));
	char *argv[] = { prog, NULL };
	struct sbx_result r;
	bool was_hung = ctx->hung;
	int rc = lab_run(ctx, argv, env, spec_secs(check, "test_timeout_s", 5), &r);
	bool hung = rc == 0 && r.timed_out && !r.growing;
	if (rc == 0 && r.timed_out && r.growing)
		ctx->hung = was_hung; /* not known to hang: keep the seeds' full deadline */
	if (hung) {
		char *what = xasprintf("The test program hangs outside its tests: code that runs "
		                       "before main (a constructor) or at its exit never ends. Run "
		                       "with no test selected, it %s", r.diagnosis ? r.diagnosis :
		                       "timed out.");
		json_t *tests = json_object_get(check, "tests");
		for (size_t i = 0; i < n; i++)
			fail_row(ctx, &rows[i], check, json_object_get(tests, strchr(rows[i].id, '/') + 1),
			         NULL, what, true);
		free(what);
	}
	free(prog);
	sbx_result_free(&r);
	return hung;
}

/* Takes one seed's end as the seeds one after the other would have: false
 * when no later seed counts. */
static bool seed_ended(struct lab_ctx *ctx, enum seed_end end, long s, bool last,
                       struct result *rows, size_t n)
{
	if (end == SEED_FAULT)
		rows_fail(rows, n, V_ERROR, "The grader could not run the test program.");
	if (end == SEED_MISMATCH) /* only harness code names tests: the lab's fault */
		rows_fail(rows, n, V_ERROR, "The test program ran tests the lab's spec does "
		          "not list: the spec and the tests disagree.");
	if (end == SEED_HUNG)
		ctx->hung = true; /* a test's own timeout is a hang too */
	/* A hang repeats under every seed: waiting for it again teaches nothing. */
	if (end == SEED_HUNG && !last)
		note_skipped(rows, n, s);
	return end == SEED_DONE;
}

/* ---- the seeds at once (lab_parts_run): each judged alone, then taken in
 * order as if one after the other: a row keeps the first seed that failed
 * it, a passing row the last seed's words, and nothing after a seed that
 * hung or could not run counts. ---- */

struct seeds_at_once {
	json_t *check, *seeds;
	const char *tests;
	struct result *rows;
	size_t row, n;
	bool over;
};

/* The seeds after the first, whose rows every later seed merges into. */
static long later_seed(const struct seeds_at_once *S, size_t i)
{
	return (long)json_integer_value(json_array_get(S->seeds, i + 1));
}

static int seed_part(struct lab_ctx *ctx, size_t i, void *arg)
{
	struct seeds_at_once *S = arg;
	long s = later_seed(S, i);
	return run_seed(ctx, S->check, s, S->tests, &ctx->rs->rows[S->row], S->n);
}

static void take_row(struct result *to, struct result *from)
{
	char *output = to->output, *replay = to->replay, *raw = to->raw;
	json_t *timeline = to->timeline;
	to->output = from->output, to->replay = from->replay, to->raw = from->raw;
	to->timeline = from->timeline;
	from->output = output, from->replay = replay, from->raw = raw;
	from->timeline = timeline;
	to->verdict = from->verdict;
	to->score = from->score;
	to->show_on_pass = from->show_on_pass;
}

static void seed_back(struct lab_ctx *ctx, size_t i, struct result *got, int end, void *arg)
{
	struct seeds_at_once *S = arg;
	if (S->over)
		return;
	long s = later_seed(S, i);
	for (size_t k = 0; got && k < S->n; k++)
		if (S->rows[k].verdict != V_FAIL) /* else an earlier seed failed it */
			take_row(&S->rows[k], &got[k]);
	S->over = !seed_ended(ctx, got ? (enum seed_end)end : SEED_FAULT, s,
	                      i + 2 == json_array_size(S->seeds), S->rows, S->n);
}

static void run_seeds(struct lab_ctx *ctx, json_t *check, struct result *rows, size_t n);

/* The schedules first: a deadlock they reach is named in milliseconds,
 * where a seed would hang; the seeds then run the tests no schedule failed. */
void check_unit(struct lab_ctx *ctx, json_t *check, struct result *rows, size_t n)
{
	if (unit_schedule_replay(ctx, check, rows, n))
		return;
	/* In a lab that hung, the seeds' cut deadline finds such a hang as fast. */
	if (!ctx->hung && hangs_without_tests(ctx, check, rows, n))
		return;
	unit_schedules(ctx, check, rows, n);
	run_seeds(ctx, check, rows, n);
}

/* The tests no schedule failed, comma-separated; NULL when that is every
 * test, "" when none is left. */
static char *seeds_tests(const struct result *rows, size_t n)
{
	char *left = xstrdup("");
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		if (rows[i].verdict != V_FAIL)
			strappend(&left, "%s%s", k++ ? "," : "", strchr(rows[i].id, '/') + 1);
	if (k == n) {
		free(left);
		return NULL;
	}
	return left;
}

static void run_seeds(struct lab_ctx *ctx, json_t *check, struct result *rows, size_t n)
{
	json_t *seeds = json_object_get(check, "seeds");
	json_t *one = NULL;
	if (ctx->opt->seed >= 0 || !json_array_size(seeds))
		seeds = one = json_pack("[I]", (json_int_t)(ctx->opt->seed >= 0 ? ctx->opt->seed : 1));
	size_t i;
	json_t *seed;
	char *tests = seeds_tests(rows, n);
	if (tests && !*tests) { /* the schedules failed every test */
		free(tests);
		json_decref(one);
		return;
	}
	/* The first seed alone: a hang repeats under every seed, and shows its
	 * threads best with nothing else spinning beside it. Then the others at
	 * once where the lab's checks may run at once: tests mostly wait, so up
	 * to twice the CPUs; a lab whose tests compute ("tests_compute") keeps
	 * them one after the other. */
	size_t nseeds = json_array_size(seeds);
	int at_once = ctx->slots > 1 ? (int)(nseeds - 1 < 2u * ctx->slots ? nseeds - 1
	                                                                  : 2u * ctx->slots) : 1;
	if (json_is_true(json_object_get(ctx->spec, "tests_compute")))
		at_once = 1;
	if (at_once > 1 && nseeds > 2) {
		long s = (long)json_integer_value(json_array_get(seeds, 0));
		struct seeds_at_once S = { check, seeds, tests, rows, (size_t)(rows - ctx->rs->rows), n,
		                           false };
		if (seed_ended(ctx, run_seed(ctx, check, s, tests, rows, n), s, false, rows, n) &&
		    !lab_parts_run(ctx, nseeds - 1, at_once, S.row, n, seed_part, seed_back, &S)) {
			for (size_t k = 0; k + 1 < nseeds; k++) { /* no folder to work in: in turn */
				long t = later_seed(&S, k);
				if (!seed_ended(ctx, run_seed(ctx, check, t, tests, rows, n), t, k + 2 == nseeds,
				                rows, n))
					break;
			}
		}
		free(tests);
		json_decref(one);
		return;
	}
	json_array_foreach(seeds, i, seed) {
		long s = (long)json_integer_value(seed);
		enum seed_end end = run_seed(ctx, check, s, tests, rows, n);
		if (!seed_ended(ctx, end, s, i + 1 == json_array_size(seeds), rows, n))
			break;
	}
	free(tests);
	json_decref(one);
}
