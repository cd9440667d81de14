/* report_files.c - the reports machines read: Gradescope's results.json,
 * JUnit XML, TAP and Autolab's score line. Student output can hold any byte,
 * so every string is made valid UTF-8 without control characters before a
 * library serialises it, and files are replaced atomically so a reader never
 * sees half a report. */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <libxml/xmlwriter.h>
#include "report.h"
#include "timeline.h"

/* ---- text hygiene ---------------------------------------------------- */

/* Length of the well-formed UTF-8 sequence at s, its code point in *cp, or 0
 * when s starts an invalid one (overlong, surrogate, beyond U+10FFFF). */
static size_t utf8_seq(const unsigned char *s, uint32_t *cp)
{
	static const uint32_t least[] = { 0, 0, 0x80, 0x800, 0x10000 };
	size_t n;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if ((s[0] & 0xe0) == 0xc0)
		n = 2;
	else if ((s[0] & 0xf0) == 0xe0)
		n = 3;
	else if ((s[0] & 0xf8) == 0xf0)
		n = 4;
	else
		return 0;
	*cp = s[0] & (0x7f >> n); /* the lead byte's payload bits */
	/* The NUL terminator is no continuation byte, so this stops at it. */
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		*cp = (*cp << 6) | (s[i] & 0x3f);
	}
	if (*cp < least[n] || *cp > 0x10ffff || (*cp >= 0xd800 && *cp <= 0xdfff))
		return 0;
	return n;
}

/* XML 1.0's Char production, narrowed: no C0 or C1 controls but tab and
 * newline, no DEL (an ESC or a DEL is never what a student meant to show). */
static bool char_ok(uint32_t cp)
{
	if (cp == '\t' || cp == '\n')
		return true;
	if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0))
		return false;
	return cp <= 0xd7ff || (cp >= 0xe000 && cp <= 0xfffd) || cp >= 0x10000;
}

/* A fresh copy of s that JSON, XML, YAML and a terminal all accept: each
 * invalid byte or unwanted character becomes U+FFFD. CRLF becomes LF, the
 * one control character students print innocently. report_text.c uses it
 * too, so every report shows the same characters. */
char *report_clean(const char *s)
{
	const unsigned char *in = (const unsigned char *)(s ? s : "");
	char *out = malloc(3 * strlen((const char *)in) + 1), *o = out;

	if (!out) {
		fputs("grader: out of memory\n", stderr);
		exit(4);
	}
	while (*in) {
		uint32_t cp;
		size_t n = utf8_seq(in, &cp);
		if (in[0] == '\r' && in[1] == '\n') {
			in++;
		} else if (n && char_ok(cp)) {
			memcpy(o, in, n);
			o += n, in += n;
		} else {
			memcpy(o, "\xef\xbf\xbd", 3); /* U+FFFD */
			o += 3, in++;
		}
	}
	*o = '\0';
	return out;
}

static char *first_line(const char *s)
{
	return xasprintf("%.*s", (int)strcspn(s, "\n"), s);
}

/* ---- atomic files ---------------------------------------------------- */

static int write_all(int fd, const char *data, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, data, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		data += n, len -= (size_t)n;
	}
	return 0;
}

/* Writes path.tmp, syncs it and renames it over path: a crash leaves the old
 * file or the new one, never a truncated report for a grading server. */
static int write_atomic(const char *path, const char *data, size_t len)
{
	char *tmp = xasprintf("%s.tmp", path);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	int err;

	if (fd < 0)
		goto out_fail;
	if (write_all(fd, data, len) < 0 || fsync(fd) < 0) {
		err = errno;
		close(fd);
		errno = err;
		goto out_unlink;
	}
	if (close(fd) < 0 || rename(tmp, path) < 0)
		goto out_unlink;
	free(tmp);
	return 0;
out_unlink:
	err = errno;
	unlink(tmp);
	errno = err;
out_fail:
	fprintf(stderr, "grader: cannot write %s: %s\n", path, strerror(errno));
	free(tmp);
	return -1;
}

/* ---- what every report says about a row ------------------------------ */

/* "01-stdout-race unit: lines stay whole": unique across labs. */
static char *row_title(const struct result *r)
{
	char *raw = xasprintf("%s %s", r->lab ? r->lab : "", r->name ? r->name : "");
	char *title = report_clean(raw);
	free(raw);
	return title;
}

/* Who is at fault when it is not a plain failure: a student reading
 * "failed" for a grader error would chase a bug they do not have. */
static const char *verdict_prefix(enum verdict v)
{
	switch (v) {
	case V_INCONCLUSIVE:  return "INCONCLUSIVE";
	case V_NOT_SUBMITTED: return "NOT SUBMITTED";
	case V_ERROR:         return "GRADER ERROR";
	default:              return NULL;
	}
}

/* The row's output and replay command, cleaned; `prefixed` puts the
 * verdict in front for readers that show no verdict of their own. */
static char *row_message(const struct result *r, bool prefixed)
{
	const char *prefix = prefixed ? verdict_prefix(r->verdict) : NULL;
	bool has_output = r->output && *r->output;
	char *msg = NULL;

	if (prefix)
		strappend(&msg, "%s%s", prefix, has_output ? ": " : "\n");
	if (has_output)
		strappend(&msg, "%s%s", r->output,
		          r->output[strlen(r->output) - 1] == '\n' ? "" : "\n");
	char *gantt = timeline_gantt(json_array_get(r->timeline, 0), GANTT_WIDTH);
	if (gantt) /* the speedup check's picture, as under the verdict in the text report */
		strappend(&msg, "%s\n", gantt);
	free(gantt);
	if (r->replay && r->verdict != V_PASS)
		strappend(&msg, "replay: %s\n", r->replay);
	char *clean = report_clean(msg);
	free(msg);
	return clean;
}

/* Hidden tests (SPEC.md) are the instructor's: every results file calls
 * them "hidden test N" of their lab and gives only their verdict and score,
 * since students read them all (Gradescope's once grades are published).
 * Their count and points may be published, never what they test. NULL for
 * a row that is not hidden. */
static char *hidden_title(const struct results *rs, size_t i)
{
	const struct result *r = &rs->rows[i];
	size_t n = 0;

	if (!r->hidden)
		return NULL;
	for (size_t j = 0; j <= i; j++)
		n += rs->rows[j].hidden &&
		     strcmp(rs->rows[j].lab ? rs->rows[j].lab : "", r->lab ? r->lab : "") == 0;
	return xasprintf("hidden test %zu", n);
}

/* ---- Gradescope results.json ----------------------------------------- */

static json_t *json_row(const struct results *rs, size_t i)
{
	const struct result *r = &rs->rows[i];
	char *hidden = hidden_title(rs, i);
	char *name = hidden ? xasprintf("%s %s", r->lab ? r->lab : "", hidden) : row_title(r);
	char *output = hidden ? xasprintf("%s (what a hidden test tests is not shown)\n",
	                                  verdict_name(r->verdict))
	                      : row_message(r, true);
	free(hidden);
	char *id = report_clean(r->id);
	/* json_pack fails on a NaN score: better no file than a wrong grade. */
	json_t *t = json_pack("{s:s, s:f, s:f, s:s, s:s, s:s, s:{s:s, s:s, s:s}}",
	                      "name", name, "score", r->score,
	                      "max_score", r->max_score,
	                      "status", r->verdict == V_PASS ? "passed" : "failed",
	                      "output", output,
	                      "visibility", r->hidden ? "after_published" : "visible",
	                      "extra_data", "verdict", verdict_name(r->verdict),
	                      "id", id, "lab", r->lab);
	if (t && r->replay) /* the command that grades this row again (a batch's summary) */
		json_object_set_new(json_object_get(t, "extra_data"), "replay",
		                    json_string(r->replay));
	free(name);
	free(output);
	free(id);
	return t;
}

static double total_seconds(const struct results *rs)
{
	double s = 0;
	for (size_t i = 0; i < rs->n; i++)
		if (isfinite(rs->rows[i].seconds))
			s += rs->rows[i].seconds;
	return s;
}

static json_t *json_results(const struct results *rs)
{
	json_t *tests = json_array();
	for (size_t i = 0; i < rs->n; i++)
		if (json_array_append_new(tests, json_row(rs, i)) < 0)
			goto out_fail;
	char *notes = report_clean(rs->notes);
	/* "text": student output holding '<' or '*' must show as typed, not
	 * as HTML or Markdown (Gradescope's default is simple_format). */
	json_t *root = json_pack("{s:f, s:s, s:s, s:s, s:s, s:I}",
	                         "score", results_score(rs), "output", notes,
	                         "output_format", "text",
	                         "test_output_format", "text",
	                         "test_name_format", "text",
	                         "execution_time", (json_int_t)lround(total_seconds(rs)));
	free(notes);
	if (!root)
		goto out_fail;
	/* json_object_set_new takes `tests` even when it fails. */
	if (json_object_set_new(root, "tests", tests) == 0)
		return root;
	json_decref(root);
	return NULL;
out_fail:
	json_decref(tests);
	return NULL;
}

int report_json(const char *path, const struct results *rs)
{
	json_t *root = json_results(rs);
	char *text = root ? json_dumps(root, JSON_INDENT(2)) : NULL;

	json_decref(root);
	if (!text) {
		fprintf(stderr, "grader: cannot build %s: jansson refused a value "
		        "(a score that is not a number?)\n", path);
		return -1;
	}
	char *line = xasprintf("%s\n", text);
	int rc = write_atomic(path, line, strlen(line));
	free(line);
	free(text);
	return rc;
}

/* ---- JUnit XML ------------------------------------------------------- */

struct tally {
	int tests, failures, errors, skipped;
	double seconds;
};

static void tally_rows(const struct results *rs, size_t from, size_t to,
                       struct tally *t)
{
	memset(t, 0, sizeof *t);
	for (size_t i = from; i < to; i++) {
		const struct result *r = &rs->rows[i];
		t->tests++;
		t->failures += r->verdict == V_FAIL || r->verdict == V_NOT_SUBMITTED;
		t->errors += r->verdict == V_ERROR;
		t->skipped += r->verdict == V_INCONCLUSIVE;
		if (isfinite(r->seconds))
			t->seconds += r->seconds;
	}
}

/* Thin wrappers: libxml2 wants xmlChar, and the callers only need to know
 * whether anything failed (each returns < 0 then). */
static int x_start(xmlTextWriterPtr w, const char *name)
{
	return xmlTextWriterStartElement(w, BAD_CAST name);
}

static int x_attr(xmlTextWriterPtr w, const char *name, const char *value)
{
	char *clean = report_clean(value);
	int rc = xmlTextWriterWriteAttribute(w, BAD_CAST name, BAD_CAST clean);
	free(clean);
	return rc;
}

static int x_counts(xmlTextWriterPtr w, const struct tally *t)
{
	int bad = 0;
	bad |= xmlTextWriterWriteFormatAttribute(w, BAD_CAST "tests", "%d", t->tests) < 0;
	bad |= xmlTextWriterWriteFormatAttribute(w, BAD_CAST "failures", "%d", t->failures) < 0;
	bad |= xmlTextWriterWriteFormatAttribute(w, BAD_CAST "errors", "%d", t->errors) < 0;
	bad |= xmlTextWriterWriteFormatAttribute(w, BAD_CAST "skipped", "%d", t->skipped) < 0;
	bad |= xmlTextWriterWriteFormatAttribute(w, BAD_CAST "time", "%.3f", t->seconds) < 0;
	return bad ? -1 : 0;
}

/* <failure>, <error> or <skipped>, holding the full text (a hidden row's:
 * none); nothing on a pass. */
static int x_outcome(xmlTextWriterPtr w, const struct result *r)
{
	static const char *const tags[] = {
		[V_FAIL] = "failure", [V_NOT_SUBMITTED] = "failure",
		[V_ERROR] = "error", [V_INCONCLUSIVE] = "skipped",
	};
	if (r->verdict == V_PASS)
		return 0;
	char *body = r->hidden ? xstrdup("") : row_message(r, false);
	char *message = first_line(*body ? body : verdict_name(r->verdict));
	int bad = x_start(w, tags[r->verdict]) < 0;
	bad |= x_attr(w, "message", message) < 0;
	bad |= x_attr(w, "type", verdict_name(r->verdict)) < 0;
	bad |= xmlTextWriterWriteString(w, BAD_CAST body) < 0;
	bad |= xmlTextWriterEndElement(w) < 0;
	free(message);
	free(body);
	return bad ? -1 : 0;
}

static int x_testcase(xmlTextWriterPtr w, const struct results *rs, size_t i)
{
	const struct result *r = &rs->rows[i];
	char *hidden = hidden_title(rs, i);
	int bad = x_start(w, "testcase") < 0;
	bad |= x_attr(w, "classname", r->lab) < 0;
	bad |= x_attr(w, "name", hidden ? hidden : r->name) < 0;
	free(hidden);
	bad |= xmlTextWriterWriteFormatAttribute(w, BAD_CAST "time", "%.3f",
	                                         isfinite(r->seconds) ? r->seconds : 0) < 0;
	bad |= x_outcome(w, r) < 0;
	if (r->raw && *r->raw && !r->hidden) {
		char *raw = report_clean(r->raw);
		bad |= xmlTextWriterWriteElement(w, BAD_CAST "system-out", BAD_CAST raw) < 0;
		free(raw);
	}
	bad |= xmlTextWriterEndElement(w) < 0;
	return bad ? -1 : 0;
}

/* One <testsuite> for rows[from, to), which share a lab. */
static int x_suite(xmlTextWriterPtr w, const struct results *rs, size_t from, size_t to)
{
	struct tally t;
	tally_rows(rs, from, to, &t);
	int bad = x_start(w, "testsuite") < 0;
	bad |= x_attr(w, "name", rs->rows[from].lab) < 0;
	bad |= x_counts(w, &t) < 0;
	for (size_t i = from; i < to; i++)
		bad |= x_testcase(w, rs, i) < 0;
	bad |= xmlTextWriterEndElement(w) < 0;
	return bad ? -1 : 0;
}

static bool same_lab(const struct result *a, const struct result *b)
{
	return strcmp(a->lab ? a->lab : "", b->lab ? b->lab : "") == 0;
}

static int x_document(xmlTextWriterPtr w, const struct results *rs)
{
	struct tally all;
	tally_rows(rs, 0, rs->n, &all);
	int bad = xmlTextWriterSetIndent(w, 1) < 0;
	bad |= xmlTextWriterStartDocument(w, NULL, "UTF-8", NULL) < 0;
	bad |= x_start(w, "testsuites") < 0;
	bad |= x_attr(w, "name", "grader") < 0;
	bad |= x_counts(w, &all) < 0;
	/* Rows arrive in lab order, so a lab is a run of equal lab names. */
	for (size_t from = 0, to; from < rs->n; from = to) {
		for (to = from + 1; to < rs->n && same_lab(&rs->rows[from], &rs->rows[to]); to++)
			;
		bad |= x_suite(w, rs, from, to) < 0;
	}
	bad |= xmlTextWriterEndDocument(w) < 0;
	return bad ? -1 : 0;
}

int report_junit(const char *path, const struct results *rs)
{
	xmlBufferPtr buf = xmlBufferCreate();
	xmlTextWriterPtr w = buf ? xmlNewTextWriterMemory(buf, 0) : NULL;
	int rc = -1;

	if (!w) {
		fprintf(stderr, "grader: cannot build %s: libxml2 failed\n", path);
		goto out_free;
	}
	rc = x_document(w, rs);
	xmlFreeTextWriter(w); /* flushes into buf */
	if (rc < 0)
		fprintf(stderr, "grader: cannot build %s: libxml2 failed\n", path);
	else
		rc = write_atomic(path, (const char *)xmlBufferContent(buf),
		                  (size_t)xmlBufferLength(buf));
out_free:
	if (buf)
		xmlBufferFree(buf);
	return rc;
}

/* ---- TAP version 13 -------------------------------------------------- */

/* A test line's description: one line, and '#' escaped, since an
 * unescaped '#' would start a directive (TAP 13). */
static void tap_describe(FILE *f, const struct results *rs, size_t i)
{
	char *title = row_title(&rs->rows[i]), *hidden = hidden_title(rs, i);
	if (hidden) { /* "01-stdout-race hidden test 2" */
		title[strcspn(title, " ")] = '\0';
		strappend(&title, " %s", hidden);
	}
	free(hidden);
	for (const char *p = title; *p; p++) {
		if (*p == '#')
			fputc('\\', f);
		fputc(*p == '\n' || *p == '\t' ? ' ' : *p, f);
	}
	free(title);
}

/* The YAML diagnostic block under a row that did not pass. The message is
 * one double-quoted scalar: block scalars (|) trip Test::Harness's YAMLish
 * reader and break on output whose first line starts with spaces. */
static void tap_yaml(FILE *f, const struct result *r)
{
	char *msg = r->hidden ? xstrdup(verdict_name(r->verdict)) : row_message(r, true);
	fprintf(f, "  ---\n  verdict: %s\n  score: %.15g\n  max_score: %.15g\n"
	        "  message: \"", verdict_name(r->verdict), r->score, r->max_score);
	/* report_clean left no control character but newline and tab. */
	for (const char *p = msg; *p; p++) {
		if (*p == '\n')
			fputs("\\n", f);
		else if (*p == '\t')
			fputs("\\t", f);
		else if (*p == '"' || *p == '\\')
			fprintf(f, "\\%c", *p);
		else
			fputc(*p, f);
	}
	fputs("\"\n  ...\n", f);
	free(msg);
}

static void tap_row(FILE *f, const struct results *rs, size_t i)
{
	const struct result *r = &rs->rows[i];
	fprintf(f, "%s %zu - ", r->verdict == V_PASS || r->verdict == V_INCONCLUSIVE
	                        ? "ok" : "not ok", i + 1);
	tap_describe(f, rs, i);
	if (r->verdict == V_INCONCLUSIVE) {
		/* Not the student's fault, so not a failure: a skip with a reason. */
		char *body = report_clean(r->output && *r->output && !r->hidden ? r->output
		                          : "no reason given");
		char *reason = first_line(body);
		fprintf(f, " # SKIP inconclusive: %s", reason + strspn(reason, " \t"));
		free(reason);
		free(body);
	}
	fputc('\n', f);
	if (r->verdict != V_PASS)
		tap_yaml(f, r);
}

int report_tap(const char *path, const struct results *rs)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	if (!f) {
		fprintf(stderr, "grader: cannot build %s: %s\n", path, strerror(errno));
		return -1;
	}
	fprintf(f, "TAP version 13\n1..%zu\n", rs->n);
	for (size_t i = 0; i < rs->n; i++)
		tap_row(f, rs, i);
	if (fclose(f) != 0) {
		fprintf(stderr, "grader: cannot build %s: %s\n", path, strerror(errno));
		free(text);
		return -1;
	}
	int rc = write_atomic(path, text, len);
	free(text);
	return rc;
}

/* ---- Autolab --------------------------------------------------------- */

/* A row's Autolab problem name: its stable id under its lab's folder
 * ("01-stdout-race/unit/test_tasks_lines_whole"); the hidden rows of a lab
 * add up under one, named for no test ("01-stdout-race/hidden"). */
static char *autolab_key(const struct result *r)
{
	return xasprintf("%s/%s", r->lab, r->hidden ? "hidden" : r->id);
}

void report_autolab_problems(FILE *f, const struct results *rs)
{
	json_t *max = json_object(), *title = json_object();
	for (size_t i = 0; i < rs->n; i++) {
		const struct result *r = &rs->rows[i];
		char *key = autolab_key(r), *name = r->hidden ? xasprintf("%s hidden tests", r->lab)
		                                              : row_title(r);
		json_object_set_new(max, key, json_real(json_number_value(json_object_get(max, key)) +
		                                        r->max_score));
		json_object_set_new(title, key, json_string(name));
		free(key);
		free(name);
	}
	fputs("# Autolab's problems for this assessment (its .yml): a row of the grader each,\n"
	      "# named by its stable id; the scores line uses the same names.\nproblems:\n", f);
	const char *key;
	json_t *v;
	json_object_foreach(max, key, v) {
		char *desc = report_clean(json_string_value(json_object_get(title, key)));
		for (char *p = desc; *p; p++)
			*p = *p == '"' || *p == '\\' ? '\'' : *p;
		fprintf(f, "  - name: \"%s\"\n    description: \"%s\"\n    max_score: %g\n", key,
		        desc, json_number_value(v));
		free(desc);
	}
	json_decref(max);
	json_decref(title);
}

void report_autolab(FILE *f, const struct results *rs)
{
	json_t *scores = json_object();

	for (size_t i = 0; i < rs->n; i++) {
		const struct result *r = &rs->rows[i];
		char *key = autolab_key(r);
		/* Rows sharing a title add up rather than hide each other's points;
		 * a NaN (a grader bug) counts 0 so the line stays valid JSON. */
		double sum = json_number_value(json_object_get(scores, key));
		if (isfinite(r->score))
			sum += r->score;
		json_object_set_new(scores, key, json_real(sum));
		free(key);
	}
	json_t *root = json_pack("{s:o}", "scores", scores);
	char *line = root ? json_dumps(root, JSON_COMPACT) : NULL;
	if (line)
		fprintf(f, "%s\n", line);
	else
		fputs("grader: cannot build the Autolab score line\n", stderr);
	fflush(f);
	free(line);
	json_decref(root);
}
