/* check_memory.c - the "memory" check: the lab's unit-test program built with
 * AddressSanitizer and UndefinedBehaviorSanitizer (common.mk's asan/%), run
 * once, chaos seed 1, Check in fork mode.
 *
 * Helgrind sees races, not an overflow or a use after free; these do. The
 * verdict comes from the sanitizers' own log files only (san_read.c reads
 * them): a test assertion that fails is the unit check's business.
 *
 * Leaks: LeakSanitizer looks at the exit of the test program and of each
 * test process, when the spec's "leaks" is not "ignore" (SPEC.md); only
 * blocks a student line allocated count (san_leaks.c).
 *
 * Memory: ASan reserves terabytes of shadow and cannot start under
 * RLIMIT_AS, so the run has none. hard_rss_limit_mb bounds the runner only
 * (its watcher thread does not survive fork); mmap_limit_mb, a counter in
 * the allocator, bounds every test process. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "checks.h"

#define SAN_EXIT 86      /* exitcode=: tells a report from the program's own codes */
#define MEMORY_MB 2048   /* per process, redzones and quarantine included */
#define RAW_MAX (64 << 10)

/* ---- building and running ---- */

static int build_asan(struct lab_ctx *ctx, const char *program, struct sbx_result *r)
{
	char *target = xasprintf("asan/%s", program);
	json_t *build = json_object_get(ctx->spec, "build");
	int rc = lab_make(ctx, target, spec_secs(build, "timeout_s", 120), r);
	free(target);
	return rc < 0 ? -1 : (r->exit_code != 0 || r->timed_out) ? 1 : 0;
}

static int by_pid(const struct dirent **a, const struct dirent **b)
{
	return atol(strrchr((*a)->d_name, '.') + 1) - atol(strrchr((*b)->d_name, '.') + 1);
}

static int is_log(const struct dirent *e)
{
	return strncmp(e->d_name, "asan.", 5) == 0;
}

/* Every asan.<pid> of the run, oldest process first: one file per process
 * that reported, the runner's and each test's. */
static void read_logs(struct lab_ctx *ctx, struct san_tally *t, char **raw)
{
	struct dirent **names;
	int n = scandir(ctx->scratch, &names, is_log, by_pid);
	for (int i = 0; i < n; i++) {
		char *path = xasprintf("%s/%s", ctx->scratch, names[i]->d_name), *text = NULL;
		FILE *f = fopen(path, "r");
		size_t cap = 0;
		if (f && getdelim(&text, &cap, '\0', f) > 0) {
			char *real = lab_realias(ctx, text); /* the debug paths as the scratch's */
			san_read(real, ctx->labdir, ctx->scratch,
			         json_object_get(ctx->spec, "student_files"), t);
			if (!*raw || strlen(*raw) < RAW_MAX)
				strappend(raw, "%.*s", RAW_MAX, real);
			free(real);
		}
		if (f)
			fclose(f);
		free(text);
		free(path);
		free(names[i]);
	}
	if (n >= 0)
		free(names);
}

/* How often Check's log says a test timed out, or ended with the sanitizers'
 * exit code (its report must then be in a log file). */
static int count_in_file(const char *path, const char *what)
{
	FILE *f = fopen(path, "r");
	char *text = NULL;
	size_t cap = 0;
	int n = 0;
	if (f && getdelim(&text, &cap, '\0', f) > 0)
		for (const char *p = text; (p = strstr(p, what)); p++)
			n++;
	if (f)
		fclose(f);
	free(text);
	return n;
}

/* A hang gets the spec's words for hangs (the check's, else the lab's), or
 * none: the check's own hint speaks of memory, not of waiting threads. */
static char *hint_of(struct lab_ctx *ctx, json_t *check, bool hang)
{
	const char *h = hang ? spec_str(check, "hint_hang", spec_str(ctx->spec, "hint_hang", NULL))
	                     : spec_str(check, "hint", NULL);
	return h ? xasprintf("\nHint: %s", h) : xstrdup("");
}

/* What leaks cost (the spec's "leaks"): a failed check, a word on a pass,
 * or nothing, not even a look. */
enum leaks { LEAKS_FAIL, LEAKS_WARN, LEAKS_IGNORE, LEAKS_BAD };

static enum leaks leaks_of(json_t *check)
{
	static const char *const names[] = { "fail", "warn", "ignore" };
	const char *v = spec_str(check, "leaks", "warn");
	for (int i = 0; i < LEAKS_BAD; i++)
		if (strcmp(v, names[i]) == 0)
			return (enum leaks)i;
	return LEAKS_BAD;
}

#define LEAK_HINT "Python frees an object once nothing refers to it any more; C never " \
	"does: each block from malloc or calloc needs one free() once its last user is done " \
	"with it. Follow each block named above to where it is last used, on every path " \
	"(a block replaced, a structure taken apart, an early return), and free it there."

/* The row of a run that found nothing against the student; leaks as the
 * spec says (leaks: what LeakSanitizer found, or NULL). */
static void pass(struct result *row, enum leaks mode, bool looked, bool leak_broken,
                 const char *leaks)
{
	const char *clean = "AddressSanitizer and UndefinedBehaviorSanitizer found no memory "
	                    "errors or undefined behaviour in your code.";
	if (mode == LEAKS_IGNORE)
		row_set(row, V_PASS, xstrdup(clean));
	else if (!looked || leak_broken)
		row_set(row, V_PASS, xasprintf("%s\nLeaks were not looked for: LeakSanitizer %s.",
		        clean, looked ? "failed by itself (see the raw report, RAW=1)" : "must stop "
		        "the tests' threads with ptrace, which the sandbox allows only under bubblewrap, "
		        "missing here"));
	else if (leaks)
		row_set(row, V_PASS, xasprintf("%s\nLeakSanitizer found blocks your code never freed, "
		        "which this lab does not grade:\n%s", clean, leaks));
	else
		row_set(row, V_PASS, xstrdup("AddressSanitizer, UndefinedBehaviorSanitizer and "
		        "LeakSanitizer found no memory errors, undefined behaviour or leaks in your "
		        "code."));
	row->show_on_pass = mode != LEAKS_IGNORE && (!looked || leak_broken || leaks); /* shown on a pass */
}

/* The tests the grader stopped as hung (Check saw them killed). */
static int stopped_tests(const struct sbx_result *r)
{
	int n = 0;
	for (int b = 0; b < r->nblocks; b++)
		n += r->blocks[b].stopped;
	return n;
}

/* The stuck blocks of the tests that hung, not of those that were only
 * slow (they ended by themselves): all of them when none is known hung. */
static char *hung_blocks(const struct sbx_result *r)
{
	char *text = xstrdup("");
	for (int b = 0; b < r->nblocks; b++)
		if (r->blocks[b].hung)
			strappend(&text, "%s", r->blocks[b].text);
	if (!text[0])
		strappend(&text, "%s", r->stuck ? r->stuck : "");
	return text;
}

/* A run in which tests hung, or that was stopped: the hung tests' threads,
 * then the threads of the test the stop found running, if it found one (a
 * stop between two tests finds only the runner, whose threads teach nothing). */
static char *hang_words(const struct sbx_result *r, int timeouts, const char *blocks,
                        const char *hint)
{
	bool shows_a_test = r->functions && strstr(r->functions, "_fn ");
	char *text = timeouts > 0 ? xasprintf("%d test%s hung under the sanitizers, so your code "
	             "could not be checked to the end.\n%s", timeouts, timeouts == 1 ? "" : "s",
	             blocks) : xstrdup("");
	if (r->timed_out && timeouts > 0 && !shows_a_test)
		strappend(&text, "The test program was then stopped after %.1f s, before its other "
		          "tests ran.\n", r->wall_s);
	else if (r->timed_out)
		strappend(&text, "%s%s", timeouts > 0 ? "Then the test program was stopped: it " :
		          "The tests did not finish in time under the sanitizers, so your code could "
		          "not be checked to the end: ", r->diagnosis ? r->diagnosis : "it was stopped.");
	strappend(&text, "%s", hint);
	return text;
}

/* The verdict, from the logs first and then from how the run ended. */
static void judge(struct lab_ctx *ctx, json_t *check, struct result *row,
                  const struct sbx_result *r, const struct san_tally *t, const char *xml,
                  bool looked)
{
	enum leaks mode = leaks_of(check);
	int timeouts = count_in_file(xml, "Test timeout expired") + stopped_tests(r);
	char *blocks = hung_blocks(r);
	char *early = xasprintf("Early exit with return value %d", SAN_EXIT);
	/* A test that leaked ends with the sanitizers' code too, its report in its log. */
	int unexplained = count_in_file(xml, early) + (r->exit_code == SAN_EXIT) - t->leak_procs;
	bool hang = r->timed_out || timeouts > 0;
	char *hint = hint_of(ctx, check, hang && !t->found);
	char *leaks = san_leak_summary(t);
	free(early);
	if (t->broken && !t->found)
		row_set(row, V_ERROR, xstrdup("A sanitizer failed by itself (\"Sanitizer has "
		        "encountered a fatal error\") before it could check your code: see the raw "
		        "report (RAW=1). This is the grader's fault, not yours."));
	else if (t->found > 0) /* the summary ends its last line */
		row_set(row, V_FAIL, xasprintf("AddressSanitizer and UndefinedBehaviorSanitizer found "
		        "%d error%s in your code%s:\n%s%s%s%s%s", t->found, t->found == 1 ? "" : "s",
		        t->found > t->shown ? " (the first distinct ones below)" : "", t->summary,
		        leaks ? "LeakSanitizer also found blocks your code never freed" : "",
		        leaks ? (mode == LEAKS_FAIL ? ":\n" : ", which this lab does not grade:\n") : "",
		        leaks ? leaks : "", hint[0] ? hint + 1 : ""));
	else if (leaks && mode == LEAKS_FAIL)
		row_set(row, V_FAIL, xasprintf("LeakSanitizer found blocks your code allocated and "
		        "never freed (in this lab a leak fails the memory check):\n%sHint: " LEAK_HINT,
		        leaks));
	else if (r->timed_out || timeouts > 0)
		row_set(row, V_FAIL, hang_words(r, timeouts, blocks, hint));
	else if (t->budget)
		row_set(row, V_FAIL, xasprintf("A process of the test program used more than %ld MiB "
		        "of memory under AddressSanitizer and was stopped: does your code allocate "
		        "without end?%s",
		        (long)spec_num(check, "mem_mb", MEMORY_MB), hint));
	else if (t->other > 0)
		row_set(row, V_FAIL, xasprintf("The sanitizers found %d error%s in the lab's own code, "
		        "none reaching your files: the first, %s, was most likely caused by what your "
		        "code handed it. See the raw report (RAW=1).%s", t->other,
		        t->other == 1 ? "" : "s", t->first_other, hint));
	else if (unexplained > 0)
		row_set(row, V_FAIL, xasprintf("A test process ended with the sanitizers' exit code "
		        "(%d), but no report of theirs was found: did your code close or remove "
		        "their log, or exit with that code itself?%s", SAN_EXIT, hint));
	else if (r->flooded || r->term_signal)
		row_set(row, V_FAIL, xasprintf("The test program %s before the tests ended, so your "
		        "code could not be checked to the end.%s", r->flooded ? "printed so much that "
		        "the grader stopped it" : "was killed by a signal", hint));
	else if (t->leak_broken && mode == LEAKS_FAIL)
		row_set(row, V_ERROR, xstrdup("LeakSanitizer failed by itself (\"LeakSanitizer has "
		        "encountered a fatal error\"), so leaks, which this lab grades, could not be "
		        "looked for: see the raw report (RAW=1). This is the grader's fault, not yours."));
	else
		pass(row, mode, looked, t->leak_broken, leaks);
	free(leaks);
	free(hint);
	free(blocks);
}

static void run_asan(struct lab_ctx *ctx, json_t *check, struct result *row)
{
	/* LeakSanitizer stops every thread with ptrace before it looks, at the
	 * exit of the test program and of each test process: the sandbox must
	 * let the run trace its own processes, which only bwrap makes safe. */
	bool looked = leaks_of(check) != LEAKS_IGNORE && sbx_can_trace_own();
	const char *program = spec_str(check, "program", "");
	long mb = (long)spec_num(check, "mem_mb", MEMORY_MB);
	long seed = ctx->opt->seed >= 0 ? ctx->opt->seed : 1;
	char *xml = xasprintf("%s/memory.xml", ctx->scratch);
	char *env[] = {
		xasprintf("CHAOS_SEED=%ld", seed), xstrdup("CK_FORK=yes"),
		xasprintf("CK_DEFAULT_TIMEOUT=%g", spec_secs(check, "test_timeout_s", 10)),
		xstrdup("CK_TIMEOUT_MULTIPLIER=1"), xasprintf("CK_XML_LOG_FILE_NAME=%s", xml),
		xstrdup("CK_VERBOSITY=silent"),
		xasprintf("ASAN_OPTIONS=exitcode=%d:log_path=%s/asan:halt_on_error=1:detect_leaks=%d:"
		          "hard_rss_limit_mb=%ld:mmap_limit_mb=%ld:color=never", SAN_EXIT,
		          ctx->scratch, looked, mb, mb),
		xasprintf("UBSAN_OPTIONS=exitcode=%d:log_path=%s/asan:halt_on_error=1:"
		          "print_stacktrace=1:color=never", SAN_EXIT, ctx->scratch),
		NULL };
	char *prog = xasprintf("%s/build/asan/labs/%s/%s", ctx->scratch, ctx->lab, program);
	char *argv[] = { prog, NULL };
	struct sbx_result r = { 0 };
	struct san_tally t = { 0 };
	ctx->mem_mb = -1; /* ASan cannot start under RLIMIT_AS: its limits are the options */
	ctx->test_timeout_s = spec_secs(check, "test_timeout_s", 10);
	ctx->stuck_s = 0.6 * ctx->test_timeout_s;
	ctx->trace_own = looked;
	int rc = lab_run(ctx, argv, env, spec_secs(check, "timeout_s", 60), &r);
	ctx->trace_own = false;
	ctx->stuck_s = 0;
	ctx->mem_mb = 0;
	if (rc < 0) {
		row_set(row, V_ERROR, xasprintf("Could not run the sanitizer build: %s",
		                                r.output ? r.output : ""));
	} else {
		read_logs(ctx, &t, &row->raw);
		judge(ctx, check, row, &r, &t, xml, looked);
	}
	san_tally_free(&t);
	for (char **e = env; *e; e++)
		free(*e);
	free(prog);
	free(xml);
	sbx_result_free(&r);
}

void check_memory(struct lab_ctx *ctx, json_t *check, struct result *rows, size_t n)
{
	struct sbx_result b = { 0 };
	(void)n;
	if (leaks_of(check) == LEAKS_BAD) {
		row_set(rows, V_ERROR, xasprintf("The lab's spec is wrong: \"leaks\" must be \"fail\", "
		        "\"warn\" or \"ignore\", not \"%s\".", spec_str(check, "leaks", "")));
		return;
	}
	int rc = build_asan(ctx, spec_str(check, "program", ""), &b);
	if (rc < 0) {
		row_set(rows, V_ERROR, xasprintf("Could not run the sanitizer build: %s",
		                                 b.output ? b.output : ""));
	} else if (rc > 0) {
		/* It built with the lab's flags: what -O1 and the sanitizers see differs. */
		char *log = lab_unscratch(ctx, b.output ? b.output : "");
		row_set(rows, V_FAIL, xasprintf("Your code compiled for the other checks, but not "
		        "with -fsanitize=address,undefined -O1 (warnings still count as errors). The "
		        "compiler said:\n%.4000s", log));
		free(log);
	} else {
		run_asan(ctx, check, rows);
	}
	if (rows->verdict != V_PASS)
		rows->replay = lab_replay(ctx, spec_str(check, "name", "memory"), -1);
	sbx_result_free(&b);
}
