/* check_schedules.c - a unit check's controlled schedules (common/schedule.c).
 *
 * Before the chaos seeds, the tests the spec names run under "count"
 * schedules of one strategy, all in one run of the test program, which
 * stops at the first schedule under which a test failed (a deadlock is
 * named there in milliseconds, where a seed would wait for it to freeze);
 * the seeds then run the tests no schedule failed. A schedule
 * replays exactly, so a test that failed is run once more, alone, under
 * it: that run prints the steps that led to the failure, and the row shows
 * them with the command that replays them. SCHEDULE= on the command line
 * replays one schedule instead of the seeds.
 *
 *   "schedules": { "strategy": "pct", "depth": 3, "count": 20,
 *                  "tests": ["test_bank_transfers_conserve_money", ...] }
 */
#include <stdlib.h>
#include <string.h>
#include "checks.h"
#include "common.h"

/* "test_a,test_b": the spec's tests, or NULL (every test). */
static char *tests_of(json_t *sched)
{
	char *list = NULL;
	size_t i;
	json_t *t;
	json_array_foreach(json_object_get(sched, "tests"), i, t)
		strappend(&list, "%s%s", list ? "," : "", json_string_value(t));
	return list;
}

/* "pct:3:1-20" or "random:1-20". */
static char *range_of(json_t *sched)
{
	const char *strategy = spec_str(sched, "strategy", "pct");
	long count = (long)spec_num(sched, "count", 20);
	if (strcmp(strategy, "random") == 0)
		return xasprintf("random:1-%ld", count);
	return xasprintf("pct:%ld:1-%ld", (long)spec_num(sched, "depth", 3), count);
}

/* The steps a schedule's run printed: the lines after its "SCHEDULE="
 * line that start "  step". */
static char *steps_of(const char *output)
{
	const char *p = output, *end;
	while (p && *p && strncmp(p, "SCHEDULE=", 9) != 0) {
		p = strchr(p, '\n');
		p = p ? p + 1 : NULL;
	}
	if (!p || !*p || !(p = strchr(p, '\n')))
		return NULL;
	for (end = ++p; strncmp(end, "  step ", 7) == 0;)
		end = strchr(end, '\n') ? strchr(end, '\n') + 1 : end + strlen(end);
	while (end > p && end[-1] == '\n')
		end--;
	return end > p ? xasprintf("%.*s", (int)(end - p), p) : NULL;
}

/* Each row this schedule failed (and no run before it) gets the steps. */
static void add_steps(struct lab_ctx *ctx, json_t *check, const struct unit_run *u,
                      struct result *rows, size_t n, const enum verdict *before)
{
	for (size_t i = 0; i < n && u->ran[0]; i++) {
		if (before[i] == V_FAIL || rows[i].verdict != V_FAIL)
			continue;
		char *out = NULL, *steps;
		struct unit_run one = { .seed = -1, .schedule = u->ran,
		                        .tests = strchr(rows[i].id, '/') + 1, .output_to = &out };
		unit_run_suite(ctx, check, &one, rows, n); /* the row keeps its failure */
		if ((steps = steps_of(out)) != NULL)
			strappend(&rows[i].output, "\nThe last steps of the threads under %s, oldest "
			          "first (the same every time it runs):\n%s", u->ran, steps);
		free(steps);
		free(out);
	}
}

static void run_schedules(struct lab_ctx *ctx, json_t *check, const char *schedule,
                          const char *tests, struct result *rows, size_t n)
{
	enum verdict *before = calloc(n, sizeof *before);
	struct unit_run u = { .seed = -1, .schedule = schedule, .tests = tests };
	for (size_t i = 0; i < n; i++)
		before[i] = rows[i].verdict;
	unit_run_suite(ctx, check, &u, rows, n);
	add_steps(ctx, check, &u, rows, n, before);
	free(before);
}

bool unit_listed(const char *list, const char *test)
{
	return list == NULL || comma_list_has(list, test);
}

/* The tests to explore: the spec's (or all) that nothing failed yet. */
static char *still_passing(json_t *sched, const struct result *rows, size_t n)
{
	char *spec = tests_of(sched), *left = NULL;
	for (size_t i = 0; i < n; i++) {
		const char *test = strchr(rows[i].id, '/') + 1;
		if (rows[i].verdict != V_FAIL && unit_listed(spec, test))
			strappend(&left, "%s%s", left ? "," : "", test);
	}
	free(spec);
	return left;
}

void unit_schedules(struct lab_ctx *ctx, json_t *check, struct result *rows, size_t n)
{
	json_t *sched = json_object_get(check, "schedules");
	/* SEED= replays that seed: the schedules could fail a test before it. */
	if (!json_is_object(sched) || ctx->hung || ctx->opt->seed >= 0)
		return;
	char *tests = still_passing(sched, rows, n), *range = range_of(sched);
	if (tests) /* a test already failed has its verdict */
		run_schedules(ctx, check, range, tests, rows, n);
	free(range);
	free(tests);
}

bool unit_schedule_replay(struct lab_ctx *ctx, json_t *check, struct result *rows, size_t n)
{
	if (!ctx->opt->schedule)
		return false;
	char *tests = tests_of(json_object_get(check, "schedules"));
	for (size_t i = 0; tests && i < n; i++)
		if (!unit_listed(tests, strchr(rows[i].id, '/') + 1))
			row_set(&rows[i], V_INCONCLUSIVE, xasprintf("Not run: SCHEDULE=%s replays "
			        "only the tests this check explores under schedules.", ctx->opt->schedule));
	run_schedules(ctx, check, ctx->opt->schedule, tests, rows, n);
	free(tests);
	return true;
}
