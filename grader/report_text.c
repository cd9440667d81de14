/* report_text.c - the report a student reads in the terminal: a block per
 * lab, a line per row, what went wrong and the command that replays it.
 * Student output is printed cleaned of control characters and invalid
 * UTF-8, so a program that prints escape codes cannot colour, move or clear
 * the report. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "report.h"
#include "timeline.h"

#define C_RESET   "\033[0m"
#define C_BOLD    "\033[1m"
#define MARK_WIDTH 13 /* strlen("NOT SUBMITTED"): keeps the points aligned */
#define NOTE_BRIEF 80 /* a longer note shows its first clause, unless verbose */


static const char *or_empty(const char *s)
{
	return s ? s : "";
}

static const char *mark_of(enum verdict v)
{
	static const char *const marks[] = {
		[V_PASS] = "PASS", [V_FAIL] = "FAIL",
		[V_INCONCLUSIVE] = "INCONCLUSIVE", [V_NOT_SUBMITTED] = "NOT SUBMITTED",
		[V_ERROR] = "ERROR",
	};
	return marks[v];
}

static const char *colour_of(enum verdict v)
{
	static const char *const colours[] = {
		[V_PASS] = "\033[32m", [V_FAIL] = "\033[31m",
		[V_INCONCLUSIVE] = "\033[33m", [V_NOT_SUBMITTED] = "\033[90m",
		[V_ERROR] = "\033[35m",
	};
	return colours[v];
}

/* "15", "7.5", "7.25": points as a person writes them. Rounded to hundredths
 * first, so 0.1 + 0.2 prints 0.3 and a tiny negative prints 0, not -0. */
static void points_str(char *buf, size_t size, double x)
{
	if (!isfinite(x)) {
		snprintf(buf, size, "?");
		return;
	}
	x = round(x * 100) / 100;
	if (x == 0)
		x = 0; /* folds -0 into 0 */
	snprintf(buf, size, "%.2f", x);
	char *end = buf + strlen(buf) - 1;
	while (*end == '0')
		*end-- = '\0';
	if (*end == '.')
		*end = '\0';
}

/* "72/100" */
static void score_str(char *buf, size_t size, double score, double max)
{
	char s[32], m[32];
	points_str(s, sizeof s, score);
	points_str(m, sizeof m, max);
	snprintf(buf, size, "%s/%s", s, m);
}

/* Student or tool text, cleaned. */
static void put_clean(FILE *f, const char *s)
{
	char *clean = report_clean(s);
	fputs(clean, f);
	free(clean);
}

/* Every line of text behind `indent` spaces; blank lines stay blank so the
 * report carries no trailing whitespace. */
static void put_indented(FILE *f, const char *text, int indent)
{
	char *clean = report_clean(text);
	for (const char *line = clean; *line;) {
		size_t len = strcspn(line, "\n");
		if (len > 0)
			fprintf(f, "%*s%.*s", indent, "", (int)len, line);
		fputc('\n', f);
		line += len + (line[len] == '\n');
	}
	free(clean);
}

/* The row's "Hint: ..." line (up to its newline), or NULL. */
static const char *hint_line(const char *output, size_t *len)
{
	const char *h = output ? strstr(output, "Hint: ") : NULL;
	while (h && h != output && h[-1] != '\n')
		h = strstr(h + 1, "Hint: ");
	if (h)
		*len = strcspn(h, "\n");
	return h;
}

/* Whether a row before rows[i] of its lab printed the same hint: a hang
 * shows in every check after it, and its long hint once is enough. */
static bool hint_shown(const struct results *rs, size_t from, size_t i)
{
	size_t len, other;
	const char *h = hint_line(rs->rows[i].output, &len);
	for (size_t j = from; h && j < i; j++) {
		const char *o = hint_line(rs->rows[j].output, &other);
		if (o && !rs->rows[j].hidden && rs->rows[j].verdict != V_PASS &&
		    other == len && strncmp(o, h, len) == 0)
			return true;
	}
	return false;
}

/* The output with its hint line cut to a pointer at the first one. */
static char *without_hint(const char *output)
{
	size_t len;
	const char *h = hint_line(output, &len);
	return xasprintf("%.*sHint: the same as above.%s", (int)(h - output), output, h + len);
}

static void put_row(FILE *f, const struct result *r, bool color, bool raw, bool hint_seen)
{
	char pts[80];
	score_str(pts, sizeof pts, r->score, r->max_score);
	/* The padding sits outside the colour codes so columns line up. */
	fprintf(f, "  %s%s%s%*s  %7s  ", color ? colour_of(r->verdict) : "",
	        mark_of(r->verdict), color ? C_RESET : "",
	        MARK_WIDTH - (int)strlen(mark_of(r->verdict)), "", pts);
	put_clean(f, r->name);
	fputc('\n', f);
	if (r->verdict == V_PASS && r->show_on_pass && r->output)
		put_indented(f, r->output, 4); /* a measurement is worth seeing on a pass too */
	if (r->verdict != V_PASS && r->output) {
		char *short_output = hint_seen ? without_hint(r->output) : NULL;
		put_indented(f, short_output ? short_output : r->output, 4);
		free(short_output);
	}
	json_t *mine = json_array_get(r->timeline, 0);
	if (mine && !r->hidden) {
		char *gantt = timeline_gantt(mine, GANTT_WIDTH);
		if (gantt)
			put_indented(f, gantt, 4);
		free(gantt);
	}
	if (r->verdict != V_PASS) {
		if (r->replay) {
			fputs("    replay: ", f);
			put_clean(f, r->replay);
			fputc('\n', f);
		}
	}
	if (raw && r->raw && *r->raw) {
		fputs("    raw report:\n", f);
		put_indented(f, r->raw, 8);
	}
}

static bool same_lab(const struct result *a, const struct result *b)
{
	return strcmp(or_empty(a->lab), or_empty(b->lab)) == 0;
}

/* Hidden tests (grader/SPEC.md) are the instructor's: rows[from, to) show
 * them as one line, never a name, an output or a hint. A student release
 * has none: it says under each lab the points its hidden tests carry
 * (lab.json's hidden_points), or, for labs that do not say, once under its
 * last lab that they exist. */
static void put_hidden(FILE *f, const struct results *rs, size_t from, size_t to)
{
	size_t n = 0, passed = 0;
	double score = 0, max = 0;
	for (size_t i = from; i < to; i++) {
		if (!rs->rows[i].hidden)
			continue;
		n++;
		passed += rs->rows[i].verdict == V_PASS;
		score += rs->rows[i].score;
		max += rs->rows[i].max_score;
	}
	char pts[80];
	score_str(pts, sizeof pts, score, max);
	/* The points, so the lab's total adds up from the lines shown. */
	if (n > 0)
		fprintf(f, "  hidden tests: %zu, %zu passed, %s points (their content is not "
		        "shown)\n", n, passed, pts);
	double release_points = json_number_value(json_object_get(rs->hidden_points,
	                                                           or_empty(rs->rows[from].lab)));
	if (rs->release && release_points > 0)
		fprintf(f, "  hidden tests: %g more points, not in this copy: they count when your "
		        "instructor grades\n", release_points);
	else if (rs->release && to == rs->n && !rs->hidden_points)
		fputs("  hidden tests: none in this copy; when your instructor grades, "
		      "hidden tests also count for credit\n", f);
}

/* Prints rows[from, to) under their lab's header. */
static void put_lab(FILE *f, const struct results *rs, size_t from, size_t to,
                    bool color, bool raw)
{
	double score = 0, max = 0;
	for (size_t i = from; i < to; i++) {
		score += rs->rows[i].score;
		max += rs->rows[i].max_score;
	}
	char pts[80];
	score_str(pts, sizeof pts, score, max);
	fprintf(f, "%s== ", color ? C_BOLD : "");
	put_clean(f, rs->rows[from].lab);
	fprintf(f, "  %s%s\n", pts, color ? C_RESET : "");
	for (size_t i = from; i < to; i++)
		if (!rs->rows[i].hidden)
			put_row(f, &rs->rows[i], color, raw, hint_shown(rs, from, i));
	put_hidden(f, rs, from, to);
	fputc('\n', f);
}

/* A note closes every run, so a long one (the sandbox's protections, some
 * 400 characters) shows as its first clause, up to " (" or ";", here; the
 * whole note is in results.json and in the text with VERBOSE=1. */
static void put_notes(FILE *f, const char *notes, bool verbose)
{
	char *clean = report_clean(notes);
	for (const char *line = clean; *line;) {
		size_t len = strcspn(line, "\n"), head = len;
		for (const char *p = line; !verbose && len > NOTE_BRIEF && p < line + len; p++)
			if (*p == ';' || (p[0] == ' ' && p[1] == '(')) {
				head = (size_t)(p - line);
				break;
			}
		fprintf(f, "note: %.*s%s\n", (int)head, line,
		        head < len ? " ... (VERBOSE=1 shows the whole note)" : "");
		line += len + (line[len] == '\n');
	}
	free(clean);
}

/* A replay ran some checks, or other seeds: its points are not a score. */
static void put_replay(FILE *f, const struct results *rs, bool color)
{
	size_t passed = 0;
	for (size_t i = 0; i < rs->n; i++)
		passed += rs->rows[i].verdict == V_PASS;
	fprintf(f, "%sreplay of ", color ? C_BOLD : "");
	put_clean(f, rs->replay_of);
	fprintf(f, ": %zu of %zu tests passed; not a score, run ", passed, rs->n);
	put_clean(f, rs->score_cmd ? rs->score_cmd : "make grade");
	fprintf(f, " for the score%s\n", color ? C_RESET : "");
}

static void put_total(FILE *f, const struct results *rs, bool color)
{
	if (rs->replay_of) {
		put_replay(f, rs, color);
		return;
	}
	double score = results_score(rs), max = results_max(rs);
	char pts[80];
	score_str(pts, sizeof pts, score, max);
	fprintf(f, "%stotal: %s", color ? C_BOLD : "", pts);
	/* No percentage of nothing: a run with no points has no ratio. */
	if (max > 0 && isfinite(score))
		fprintf(f, " (%.1f%%)", 100.0 * score / max);
	fprintf(f, "%s\n", color ? C_RESET : "");
}

void report_text(FILE *f, const struct results *rs, bool color, int flags)
{
	bool raw = flags & REPORT_RAW;
	size_t from = 0;
	/* Rows arrive in lab order, so a lab is a run of equal lab names. */
	while (from < rs->n) {
		size_t to = from + 1;
		while (to < rs->n && same_lab(&rs->rows[from], &rs->rows[to]))
			to++;
		put_lab(f, rs, from, to, color, raw);
		from = to;
	}
	put_notes(f, rs->notes, flags & (REPORT_VERBOSE | REPORT_RAW));
	put_total(f, rs, color);
	fflush(f);
}
