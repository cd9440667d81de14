/* util.c - small helpers every grader module uses: heap strings and the
 * results table. Out of memory is fatal: a grader that cannot allocate
 * cannot grade, and says so rather than guessing. */
#include <stdarg.h>
#include <stdio.h>
#include <time.h>
#include <stdlib.h>
#include <string.h>
#include "grader.h"

static void *check_alloc(void *p)
{
	if (!p) {
		fputs("grader: out of memory\n", stderr);
		exit(4);
	}
	return p;
}

static char *vxasprintf(const char *fmt, va_list ap)
{
	char *s = NULL;
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	return check_alloc(s);
}

char *xasprintf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *s = vxasprintf(fmt, ap);
	va_end(ap);
	return s;
}

double clock_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

char *xstrdup(const char *s)
{
	return check_alloc(strdup(s ? s : ""));
}

void strappend(char **s, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *more = vxasprintf(fmt, ap);
	va_end(ap);
	if (!*s) {
		*s = more;
		return;
	}
	char *both = xasprintf("%s%s", *s, more);
	free(*s);
	free(more);
	*s = both;
}

const char *verdict_name(enum verdict v)
{
	static const char *const names[] = {
		[V_PASS] = "passed", [V_FAIL] = "failed",
		[V_INCONCLUSIVE] = "inconclusive", [V_NOT_SUBMITTED] = "not submitted",
		[V_ERROR] = "grader error",
	};
	return names[v];
}

struct result *results_add(struct results *rs, const char *lab, const char *check,
                           const char *name, double max_score)
{
	if (rs->n == rs->cap) {
		rs->cap = rs->cap ? 2 * rs->cap : 16;
		rs->rows = check_alloc(realloc(rs->rows, rs->cap * sizeof *rs->rows));
	}
	struct result *r = &rs->rows[rs->n++];
	memset(r, 0, sizeof *r);
	r->lab = xstrdup(lab);
	r->check = xstrdup(check);
	r->id = xstrdup(check);
	r->name = xstrdup(name);
	r->max_score = max_score;
	/* A row nobody finished is a grader fault, never a silent pass. */
	r->verdict = V_ERROR;
	r->output = xstrdup("The grader stopped before it finished this check.");
	return r;
}

void results_note(struct results *rs, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *line = vxasprintf(fmt, ap);
	va_end(ap);
	strappend(&rs->notes, "%s\n", line);
	free(line);
}

void results_free(struct results *rs)
{
	for (size_t i = 0; i < rs->n; i++) {
		struct result *r = &rs->rows[i];
		free(r->lab); free(r->check); free(r->id); free(r->name);
		free(r->output); free(r->replay); free(r->raw);
		json_decref(r->timeline);
	}
	free(rs->rows);
	free(rs->notes);
	json_decref(rs->hidden_points);
	memset(rs, 0, sizeof *rs);
}

double results_score(const struct results *rs)
{
	double s = 0;
	for (size_t i = 0; i < rs->n; i++)
		s += rs->rows[i].score;
	return s;
}

double results_max(const struct results *rs)
{
	double s = 0;
	for (size_t i = 0; i < rs->n; i++)
		s += rs->rows[i].max_score;
	return s;
}
