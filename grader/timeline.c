/* timeline.c - a benchmark run's timeline: read, drawn, exported. See timeline.h. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "grader.h"
#include "timeline.h"

#define SPANS_MAX 50000 /* read at most: common/trace.c writes 20000 a process */
#define LANES_SHOWN 12

struct span {
	long pid, tid;
	char what[16];
	unsigned long long start, end;
};

struct trace {
	struct span *v;
	size_t n, cap;
	long run_pid, run_tid;
	unsigned long long run_start, run_end;
	bool have_run;
	size_t dropped;
};

static void trace_parse_line(struct trace *t, const char *line)
{
	struct span s = { 0 };
	if (sscanf(line, "SPAN %ld %ld %15s %llu %llu", &s.pid, &s.tid, s.what, &s.start,
	           &s.end) == 5 && s.end >= s.start) {
		if (t->n == SPANS_MAX) {
			t->dropped++;
			return;
		}
		if (t->n == t->cap) {
			t->cap = t->cap ? 2 * t->cap : 256;
			t->v = realloc(t->v, t->cap * sizeof *t->v);
		}
		t->v[t->n++] = s;
	} else if (sscanf(line, "RUN %ld %ld %llu %llu", &t->run_pid, &t->run_tid, &t->run_start,
	                  &t->run_end) == 4 && t->run_end > t->run_start) {
		t->have_run = true; /* the last one counts */
	} else {
		t->dropped++;
	}
}

/* Lane of (pid, tid): main first, then in the order they first appear. */
struct lane {
	long pid, tid;
	double first;
	json_t *spans;
};

static size_t lane_of(struct lane **lanes, size_t *n, long pid, long tid, double start)
{
	for (size_t i = 0; i < *n; i++)
		if ((*lanes)[i].pid == pid && (*lanes)[i].tid == tid) {
			if (start < (*lanes)[i].first)
				(*lanes)[i].first = start;
			return i;
		}
	*lanes = realloc(*lanes, (*n + 1) * sizeof **lanes);
	(*lanes)[*n] = (struct lane){ pid, tid, start, json_array() };
	return (*n)++;
}

static int by_first(const void *a, const void *b)
{
	const struct lane *x = a, *y = b;
	return (x->first > y->first) - (x->first < y->first);
}

static json_t *lanes_json(const struct trace *t)
{
	struct lane *lanes = NULL;
	size_t n = 0;
	double elapsed = (t->run_end - t->run_start) / 1e9;
	lane_of(&lanes, &n, t->run_pid, t->run_tid, -1); /* main, always first */
	for (size_t i = 0; i < t->n; i++) {
		const struct span *s = &t->v[i];
		double a = ((double)s->start - (double)t->run_start) / 1e9;
		double b = ((double)s->end - (double)t->run_start) / 1e9;
		if (b <= 0 || a >= elapsed)
			continue; /* before or after the timed run */
		a = a < 0 ? 0 : a;
		b = b > elapsed ? elapsed : b;
		size_t k = lane_of(&lanes, &n, s->pid, s->tid, a);
		json_array_append_new(lanes[k].spans, json_pack("[s,f,f]", s->what, a, b));
	}
	qsort(lanes + 1, n - 1, sizeof *lanes, by_first);
	json_t *out = json_array();
	size_t threads = 0, procs = 0;
	for (size_t i = 0; i < n; i++) {
		char *name = i == 0 ? xstrdup("main")
		             : lanes[i].pid == t->run_pid ? xasprintf("thread %zu", ++threads)
		             : xasprintf("process %zu", ++procs);
		json_array_append_new(out, json_pack("{s:s, s:o}", "name", name, "spans",
		                                     lanes[i].spans));
		free(name);
	}
	free(lanes);
	return out;
}

json_t *timeline_read(const char *path, const char *label)
{
	struct trace t = { 0 };
	char line[256];
	FILE *f = fopen(path, "r");
	while (f && fgets(line, sizeof line, f))
		trace_parse_line(&t, line);
	if (f)
		fclose(f);
	json_t *run = NULL;
	if (t.have_run)
		run = json_pack("{s:s, s:f, s:I, s:o}", "label", label, "elapsed_s",
		                (t.run_end - t.run_start) / 1e9, "dropped", (json_int_t)t.dropped,
		                "lanes", lanes_json(&t));
	free(t.v);
	return run;
}

/* ---- the terminal Gantt ---- */

static bool is_wait(const char *what)
{
	return strcmp(what, "wait") == 0 || strcmp(what, "lock") == 0;
}

/* One lane's bar: per column, the time spent waiting and in the task that
 * filled it most. Tasks alternate two shades, so one after another show. */
static int lane_bar(char **out, json_t *spans, double elapsed, int width)
{
	double *work = calloc((size_t)width, sizeof *work), *wait = calloc((size_t)width, sizeof *wait);
	size_t *task = calloc((size_t)width, sizeof *task), tasks = 0, i;
	double dt = elapsed / width;
	json_t *s;
	json_array_foreach(spans, i, s) {
		double a = json_number_value(json_array_get(s, 1)), b = json_number_value(json_array_get(s, 2));
		bool waiting = is_wait(json_string_value(json_array_get(s, 0)));
		tasks += !waiting;
		for (int c = (int)(a / dt); c < width && c * dt < b; c++) {
			double lo = c * dt > a ? c * dt : a, hi = (c + 1) * dt < b ? (c + 1) * dt : b;
			double part = hi > lo ? hi - lo : 0;
			if (waiting) {
				wait[c] += part;
			} else if (part > work[c]) {
				work[c] = part;
				task[c] = tasks;
			}
		}
	}
	int drawn = 0;
	strappend(out, "|");
	for (int c = 0; c < width; c++) {
		const char *glyph = work[c] >= wait[c] && work[c] >= dt / 4
		                    ? (task[c] % 2 ? "\u2588" : "\u2593")
		                    : wait[c] >= dt / 4 ? "\u2591" : " ";
		drawn += *glyph != ' ';
		strappend(out, "%s", glyph);
	}
	strappend(out, "|\n");
	free(work);
	free(wait);
	free(task);
	return drawn;
}

char *timeline_gantt(json_t *run, int width)
{
	json_t *lanes = json_object_get(run, "lanes"), *lane;
	double elapsed = json_number_value(json_object_get(run, "elapsed_s"));
	size_t i, shown = 0;
	int name_w = 4, drawn = 0;
	if (!run || !(elapsed > 0) || width < 1)
		return NULL;
	json_array_foreach(lanes, i, lane) {
		int len = (int)strlen(json_string_value(json_object_get(lane, "name")));
		name_w = len > name_w ? len : name_w;
	}
	char *out = xasprintf("Timeline of %s, %.1f ms, one column = %.2f ms:\n",
	                      json_string_value(json_object_get(run, "label")), elapsed * 1e3,
	                      elapsed * 1e3 / width);
	json_array_foreach(lanes, i, lane) {
		if (shown++ == LANES_SHOWN)
			break;
		strappend(&out, "  %-*s ", name_w, json_string_value(json_object_get(lane, "name")));
		drawn += lane_bar(&out, json_object_get(lane, "spans"), elapsed, width);
	}
	if (json_array_size(lanes) > LANES_SHOWN)
		strappend(&out, "  (%zu more not drawn)\n", json_array_size(lanes) - LANES_SHOWN);
	strappend(&out, "  \u2588\u2593 a task running (one task, the next)   \u2591 waiting for a "
	          "lock or a condition variable");
	if (drawn == 0) { /* tasks too short to see: starting processes, say */
		free(out);
		return NULL;
	}
	return out;
}

/* ---- Chrome's trace-event format ---- */

static json_t *meta(const char *what, int pid, int tid, const char *key, json_t *value)
{
	json_t *e = json_pack("{s:s, s:s, s:i, s:{s:o}}", "name", what, "ph", "M", "pid", pid,
	                      "args", key, value);
	if (tid > 0)
		json_object_set_new(e, "tid", json_integer(tid));
	return e;
}

static const char *span_name(const char *what)
{
	return strcmp(what, "wait") == 0 ? "wait for a condition variable"
	       : strcmp(what, "lock") == 0 ? "wait for a lock" : what;
}

static void run_events(json_t *events, json_t *run, const char *title, int pid)
{
	json_t *lane, *s;
	size_t l, i;
	json_array_append_new(events, meta("process_name", pid, 0, "name", json_string(title)));
	json_array_append_new(events, meta("process_sort_index", pid, 0, "sort_index",
	                                   json_integer(pid)));
	json_array_foreach(json_object_get(run, "lanes"), l, lane) {
		int tid = (int)l + 1;
		json_array_append_new(events, meta("thread_name", pid, tid, "name",
		                      json_copy(json_object_get(lane, "name"))));
		json_array_append_new(events, meta("thread_sort_index", pid, tid, "sort_index",
		                                   json_integer(tid)));
		json_array_foreach(json_object_get(lane, "spans"), i, s) {
			const char *what = json_string_value(json_array_get(s, 0));
			double a = json_number_value(json_array_get(s, 1)) * 1e6;
			double b = json_number_value(json_array_get(s, 2)) * 1e6;
			json_array_append_new(events, json_pack("{s:s, s:s, s:s, s:f, s:f, s:i, s:i}",
			                      "name", span_name(what), "cat", what, "ph", "X", "ts", a,
			                      "dur", b - a, "pid", pid, "tid", tid));
		}
	}
}

int timeline_write_chrome(const char *path, const struct results *rs)
{
	json_t *events = json_array(), *run;
	int pid = 0;
	for (size_t k = 0; k < rs->n; k++) {
		const struct result *r = &rs->rows[k];
		size_t i;
		json_array_foreach(r->hidden ? NULL : r->timeline, i, run) {
			char *title = xasprintf("%s %s: %s, %s", r->lab, r->check,
			                        i == 0 ? "your code" : "the baseline",
			                        json_string_value(json_object_get(run, "label")));
			run_events(events, run, title, ++pid);
			free(title);
		}
	}
	json_t *root = json_pack("{s:o, s:s}", "traceEvents", events, "displayTimeUnit", "ms");
	int rc = json_dump_file(root, path, JSON_COMPACT);
	json_decref(root);
	return rc == 0 ? 0 : -1;
}

void timeline_say_written(FILE *out, const char *path, const struct results *rs,
                          bool written)
{
	size_t runs = 0;
	if (!written) {
		fprintf(out, "trace: %s could not be written (is its folder there?).\n", path);
		return;
	}
	for (size_t k = 0; k < rs->n; k++)
		if (!rs->rows[k].hidden)
			runs += json_array_size(rs->rows[k].timeline);
	if (runs == 0)
		fprintf(out, "trace: %s holds no timeline: only a speedup check that measured records "
		        "one, and none did here.\n", path);
	else
		fprintf(out, "trace: %s holds the timelines of %zu runs (your code's and the baseline's "
		        "of each speedup check): open it in Perfetto (ui.perfetto.dev) or in Chromium's "
		        "chrome://tracing.\n", path, runs);
}
