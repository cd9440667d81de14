/* score.c - the score step, after a lab's checks have run: a check whose spec
 * says "requires": [...] scores only when the rows it names passed. A speedup
 * of wrong code is no speedup, so the gated row keeps its figures but scores
 * 0. Generic: it reads only the spec and the rows, never a lab's names.
 *
 * An entry of "requires" is a row id ("unit/test_x") or a check name (every
 * row of that check). A required entry is
 *   met      when all its rows passed (and none was itself gated),
 *   failed   when the student's code failed one (FAIL, NOT SUBMITTED),
 *   unsure   when the machine or the grader could not judge one
 *            (INCONCLUSIVE, ERROR): the gated row is then inconclusive, not
 *            failed, since that is not the student's fault,
 *   not run  when no row of this run matches it (a CHECK= replay): then the
 *            row is not gated, and says so, unless another entry failed. */
#include <stdlib.h>
#include <string.h>
#include "checks.h"

#define REQUIRES_MAX 32

enum need { NEED_MET, NEED_NOT_RUN, NEED_UNSURE, NEED_FAILED };

/* What a check's requirements come to, given the rows' verdicts so far. */
struct needs {
	enum need state;     /* the worst entry; NOT_RUN beats UNSURE (no gating) */
	const char *unmet[REQUIRES_MAX], *not_run[REQUIRES_MAX];
	size_t nunmet, nnot_run;
	const char *bad;     /* an entry the spec does not know, or NULL */
};

static bool entry_matches(const char *entry, const struct result *r)
{
	return strcmp(entry, r->id) == 0 || strcmp(entry, r->check) == 0;
}

/* Whether an entry is the check itself or one of its tests. */
static bool entry_within(const char *entry, const char *check)
{
	size_t len = strlen(check);
	return strncmp(entry, check, len) == 0 && (entry[len] == '\0' || entry[len] == '/');
}

/* Whether an entry names a check of the spec or a test of one of its checks. */
static bool entry_known(json_t *spec, const char *entry)
{
	size_t i, len = strcspn(entry, "/");
	json_t *c;
	json_array_foreach(json_object_get(spec, "checks"), i, c) {
		const char *name = spec_str(c, "name", "");
		if (strcmp(name, entry) == 0)
			return true;
		if (strlen(name) == len && strncmp(name, entry, len) == 0 && entry[len] == '/' &&
		    json_object_get(json_object_get(c, "tests"), entry + len + 1))
			return true;
	}
	return false;
}

/* The worst state of the rows one entry names, by their effective verdicts. */
static enum need entry_need(const char *entry, const struct result *rows,
                            const enum verdict *eff, size_t n)
{
	enum need worst = NEED_NOT_RUN;
	for (size_t i = 0; i < n; i++) {
		if (!entry_matches(entry, &rows[i]))
			continue;
		enum need e = eff[i] == V_PASS ? NEED_MET
		              : eff[i] == V_FAIL || eff[i] == V_NOT_SUBMITTED ? NEED_FAILED
		              : NEED_UNSURE;
		worst = worst == NEED_NOT_RUN || e > worst ? e : worst;
	}
	return worst;
}

static struct needs check_needs(json_t *spec, json_t *check, const struct result *rows,
                                const enum verdict *eff, size_t n)
{
	struct needs nd = { .state = NEED_MET };
	json_t *req = json_object_get(check, "requires"), *e;
	const char *self = spec_str(check, "name", "");
	size_t i;
	bool failed = false, unsure = false;
	if (req && (!json_is_array(req) || json_array_size(req) > REQUIRES_MAX))
		nd.bad = "(not a list of at most 32 names)";
	json_array_foreach(req, i, e) {
		const char *entry = json_string_value(e);
		if (!entry || !entry_known(spec, entry) || entry_within(entry, self)) {
			nd.bad = nd.bad ? nd.bad : entry ? entry : "(not a string)";
			continue;
		}
		enum need s = entry_need(entry, rows, eff, n);
		if (s == NEED_NOT_RUN)
			nd.not_run[nd.nnot_run++] = entry;
		else if (s != NEED_MET)
			nd.unmet[nd.nunmet++] = entry;
		failed |= s == NEED_FAILED;
		unsure |= s == NEED_UNSURE;
	}
	/* A requirement that did not run leaves the verdict unknown: no gating,
	 * unless one that ran already failed, which settles it. */
	nd.state = failed ? NEED_FAILED : nd.nnot_run ? NEED_NOT_RUN
	           : unsure ? NEED_UNSURE : NEED_MET;
	return nd;
}

/* "a", "a and b", "a, b and c" */
static char *names_join(const char *const *names, size_t n)
{
	char *out = xstrdup("");
	for (size_t i = 0; i < n; i++)
		strappend(&out, "%s%s", i == 0 ? "" : i + 1 == n ? " and " : ", ", names[i]);
	return out;
}

/* "unit and races pass", "races passes" */
static char *names_pass(const struct needs *nd)
{
	char *names = names_join(nd->unmet, nd->nunmet);
	char *s = xasprintf("%s %s", names, nd->nunmet == 1 ? "passes" : "pass");
	free(names);
	return s;
}

char *requires_unmet(json_t *spec, json_t *check, const struct result *rows, size_t n)
{
	enum verdict *eff = calloc(n + 1, sizeof *eff);
	for (size_t i = 0; i < n; i++)
		eff[i] = rows[i].verdict;
	struct needs nd = check_needs(spec, check, rows, eff, n);
	free(eff);
	if (nd.bad || (nd.state != NEED_FAILED && nd.state != NEED_UNSURE))
		return NULL;
	return names_pass(&nd);
}

/* Gating only ever lowers an effective verdict (PASS > INCONCLUSIVE > FAIL),
 * so going over the checks until nothing changes ends, and a chain (speedup
 * requires races, races requires unit) comes out the same in any order. */
static void settle(json_t *spec, const struct result *rows, enum verdict *eff, size_t n)
{
	for (bool changed = true; changed;) {
		changed = false;
		size_t c;
		json_t *check;
		json_array_foreach(json_object_get(spec, "checks"), c, check) {
			struct needs nd = check_needs(spec, check, rows, eff, n);
			if (nd.bad || (nd.state != NEED_FAILED && nd.state != NEED_UNSURE))
				continue;
			enum verdict to = nd.state == NEED_FAILED ? V_FAIL : V_INCONCLUSIVE;
			for (size_t i = 0; i < n; i++) {
				bool lower = eff[i] == V_PASS || (to == V_FAIL && eff[i] == V_INCONCLUSIVE);
				if (strcmp(rows[i].check, spec_str(check, "name", "")) == 0 && lower) {
					eff[i] = to;
					changed = true;
				}
			}
		}
	}
}

static void prepend(struct result *r, char *line)
{
	char *out = r->output && *r->output ? xasprintf("%s\n%s", line, r->output) : xstrdup(line);
	free(r->output);
	free(line);
	r->output = out;
}

static void gate_row(struct lab_ctx *ctx, struct result *r, const struct needs *nd)
{
	if (nd->bad) {
		row_set(r, V_ERROR, xasprintf("labs/%s/lab.json: %s requires \"%s\", which names no "
		        "other check or test of this lab (see grader/SPEC.md).", ctx->lab, r->check,
		        nd->bad));
		return;
	}
	if (r->verdict == V_ERROR || r->verdict == V_NOT_SUBMITTED)
		return; /* the grader's own fault, or nothing to score: said already */
	char *pass = nd->nunmet ? names_pass(nd) : NULL;
	if (nd->state == NEED_NOT_RUN && r->verdict == V_PASS) {
		/* Only a pass needs the warning: it would not count in a full grade. */
		char *names = names_join(nd->not_run, nd->nnot_run), *cmd = lab_replay(ctx, NULL, -1);
		prepend(r, xasprintf("not gated in this replay: %s counts only when %s %s, and %s "
		        "did not run here (`%s` grades them all)", r->check, names,
		        nd->nnot_run == 1 ? "passes" : "pass", nd->nnot_run == 1 ? "it" : "they", cmd));
		free(names);
		free(cmd);
	} else if (nd->state == NEED_FAILED) {
		r->verdict = V_FAIL;
		r->score = 0;
		char *more = nd->nnot_run ? names_join(nd->not_run, nd->nnot_run) : NULL;
		prepend(r, xasprintf("not scored until %s%s%s%s", pass,
		        more ? " (it also requires " : "", more ? more : "",
		        more ? ", which did not run here)" : ""));
		free(more);
	} else if (nd->state == NEED_UNSURE) {
		if (r->verdict == V_PASS)
			r->verdict = V_INCONCLUSIVE;
		r->score = 0;
		prepend(r, xasprintf("not scored until %s: it could not be judged here (not your "
		        "code's fault), so this row cannot count either", pass));
	}
	free(pass);
}

void lab_price_doubts(struct lab_ctx *ctx, struct result *rows, size_t n)
{
	static const char *const how[] = {
		[COST_EXCLUDED] = "its %g points are left out of the maximum, so it counts "
		                  "neither for nor against you (INCONCLUSIVE=excluded)",
		[COST_AWARDED] = "its %g points are given, since the machine, not your code, "
		                 "stood in the way (INCONCLUSIVE=awarded); your instructor may "
		                 "regrade it",
		[COST_ZERO] = "it scores 0 of its %g points (INCONCLUSIVE=zero)",
	};
	enum inconclusive_cost cost = ctx->opt->inconclusive;
	for (size_t i = 0; i < n; i++) {
		struct result *r = &rows[i];
		if (r->verdict != V_INCONCLUSIVE || r->distrusted || r->max_score <= 0)
			continue;
		char *fmt = xasprintf("Not judged here: %s.", how[cost]);
		prepend(r, xasprintf(fmt, r->max_score));
		free(fmt);
		r->score = cost == COST_AWARDED ? r->max_score : 0;
		r->max_score = cost == COST_EXCLUDED ? 0 : r->max_score;
	}
}

void lab_score(struct lab_ctx *ctx, struct result *rows, size_t n)
{
	enum verdict *eff = calloc(n + 1, sizeof *eff);
	for (size_t i = 0; i < n; i++)
		eff[i] = rows[i].verdict;
	settle(ctx->spec, rows, eff, n);
	size_t c;
	json_t *check;
	json_array_foreach(json_object_get(ctx->spec, "checks"), c, check) {
		/* The message names what the settled verdicts say is missing. */
		struct needs nd = check_needs(ctx->spec, check, rows, eff, n);
		if (nd.state == NEED_MET && !nd.bad)
			continue;
		for (size_t i = 0; i < n; i++)
			if (strcmp(rows[i].check, spec_str(check, "name", "")) == 0)
				gate_row(ctx, &rows[i], &nd);
	}
	free(eff);
}
