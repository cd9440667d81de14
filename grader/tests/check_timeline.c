/* check_timeline.c - timelines of benchmark runs (grader/timeline.c): read
 * from the lines common/trace.c writes, drawn as a terminal Gantt, written
 * as Chrome trace events; and, end to end, lab 04's reference pool drawn
 * with 8 tasks at once where a pool that holds its lock around fn has 1. */
#include <check.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "grader.h"
#include "selftest.h"
#include "timeline.h"

#define BUSY_A "\u2588"
#define BUSY_B "\u2593"
#define WAITING "\u2591"

static char dir[] = "/tmp/timeline.XXXXXX";

static void make_dir(void)
{
	if (!mkdtemp(dir))
		exit(EXIT_FAILURE);
}

static void remove_dir(void)
{
	char *cmd = xasprintf("rm -rf %s", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "check_timeline: could not remove %s\n", dir);
	free(cmd);
}

static char *write_trace(const char *name, const char *text)
{
	char *path = xasprintf("%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
	return path;
}

/* Most lanes of a Gantt busy in the same column. */
static int most_busy_at_once(const char *gantt)
{
	int busy[256] = { 0 }, most = 0;
	for (const char *line = gantt; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
		const char *bar = strchr(line, '|');
		const char *eol = strchr(line, '\n');
		if (!bar || (eol && bar > eol) || strncmp(line, "  main", 6) == 0)
			continue;
		int c = 0;
		for (const char *p = bar + 1; *p && *p != '|' && *p != '\n' && c < 256; c++) {
			if (*p == ' ') {
				p++;
				continue;
			}
			busy[c] += strncmp(p, BUSY_A, 3) == 0 || strncmp(p, BUSY_B, 3) == 0;
			p += 3;
		}
	}
	for (int c = 0; c < 256; c++)
		most = busy[c] > most ? busy[c] : most;
	return most;
}

START_TEST(test_timeline_reads_lanes_main_first_and_clips_to_the_run)
{
	/* main (100/100) waits; thread 200 starts later than thread 300; a child
	 * process computes; one span starts before the run and is clipped, one
	 * is wholly after it and dropped; garbage lines are counted. */
	char *path = write_trace("t1", "RUN 100 100 1000000000 1100000000\n"
	                         "SPAN 100 200 sleep 1050000000 1090000000\n"
	                         "SPAN 100 300 compute 990000000 1020000000\n"
	                         "SPAN 100 100 wait 1000000000 1100000000\n"
	                         "SPAN 555 555 compute 1010000000 1030000000\n"
	                         "SPAN 100 300 sleep 1200000000 1300000000\n"
	                         "nonsense\nSPAN 1 2 three\n");
	json_t *run = timeline_read(path, "bench 2");
	ck_assert_ptr_nonnull(run);
	ck_assert_str_eq(json_string_value(json_object_get(run, "label")), "bench 2");
	ck_assert_double_eq_tol(json_number_value(json_object_get(run, "elapsed_s")), 0.1, 1e-9);
	ck_assert_int_eq(json_integer_value(json_object_get(run, "dropped")), 2);
	json_t *lanes = json_object_get(run, "lanes");
	ck_assert_int_eq(json_array_size(lanes), 4);
	const char *names[] = { "main", "thread 1", "process 1", "thread 2" };
	for (size_t i = 0; i < 4; i++)
		ck_assert_str_eq(json_string_value(json_object_get(json_array_get(lanes, i), "name")),
		                 names[i]);
	json_t *clipped = json_array_get(json_object_get(json_array_get(lanes, 1), "spans"), 0);
	ck_assert_str_eq(json_string_value(json_array_get(clipped, 0)), "compute");
	ck_assert_double_eq_tol(json_number_value(json_array_get(clipped, 1)), 0, 1e-9);
	ck_assert_double_eq_tol(json_number_value(json_array_get(clipped, 2)), 0.02, 1e-9);
	ck_assert_int_eq(json_array_size(json_object_get(json_array_get(lanes, 1), "spans")), 1);
	json_decref(run);
	free(path);
}
END_TEST

START_TEST(test_timeline_without_a_run_line_is_none)
{
	char *path = write_trace("t2", "SPAN 1 1 sleep 1 2\n");
	ck_assert_ptr_null(timeline_read(path, "x"));
	ck_assert_ptr_null(timeline_read("/nonexistent/trace", "x"));
	free(path);
}
END_TEST

/* Four threads, four tasks of 25 ms in a run of 100 ms: at once, or one
 * after the other while the rest wait for a lock. */
static char *four_tasks(bool serial)
{
	char *text = xstrdup("RUN 1 1 0 100000000\n");
	for (int t = 0; t < 4; t++) {
		long a = serial ? t * 25000000L : 0, b = a + 25000000L;
		strappend(&text, "SPAN 1 %d sleep %ld %ld\n", 10 + t, a, b);
		if (serial && a > 0)
			strappend(&text, "SPAN 1 %d lock 0 %ld\n", 10 + t, a);
	}
	return text;
}

START_TEST(test_gantt_shows_overlap_and_serialisation)
{
	char *text = four_tasks(false), *path = write_trace("par", text);
	json_t *run = timeline_read(path, "bench 4");
	char *gantt = timeline_gantt(run, 40);
	ck_assert_ptr_nonnull(strstr(gantt, "Timeline of bench 4, 100.0 ms, one column = 2.50 ms"));
	ck_assert_int_eq(most_busy_at_once(gantt), 4);
	json_decref(run);
	free(gantt); free(path); free(text);

	text = four_tasks(true), path = write_trace("ser", text);
	run = timeline_read(path, "bench 4");
	gantt = timeline_gantt(run, 40);
	ck_assert_int_eq(most_busy_at_once(gantt), 1);
	ck_assert_msg(strstr(gantt, "thread 4 |" WAITING WAITING) != NULL,
	              "the last thread waits for the lock from the start:\n%s", gantt);
	json_decref(run);
	free(gantt); free(path); free(text);
}
END_TEST

START_TEST(test_gantt_of_nothing_visible_is_none)
{
	char *path = write_trace("tiny", "RUN 1 1 0 100000000\nSPAN 1 2 compute 10 20\n");
	json_t *run = timeline_read(path, "bench_start");
	ck_assert_ptr_null(timeline_gantt(run, 60));
	json_decref(run);
	free(path);
}
END_TEST

START_TEST(test_chrome_trace_has_a_process_per_run_and_an_event_per_span)
{
	char *text = four_tasks(true), *path = write_trace("c", text);
	struct results rs = { 0 };
	struct result *r = results_add(&rs, "04-pool-ordering", "speedup-sleep", "speedup", 1);
	r->timeline = json_pack("[o,o]", timeline_read(path, "bench_map 4"),
	                        timeline_read(path, "bench_seq 4"));
	results_add(&rs, "04-pool-ordering", "races", "races", 1); /* no timeline */
	char *out = xasprintf("%s/trace.json", dir);
	ck_assert_int_eq(timeline_write_chrome(out, &rs), 0);
	json_t *root = json_load_file(out, 0, NULL), *e;
	ck_assert_ptr_nonnull(root);
	size_t i, spans = 0, procs = 0;
	json_array_foreach(json_object_get(root, "traceEvents"), i, e) {
		const char *ph = json_string_value(json_object_get(e, "ph"));
		if (strcmp(ph, "X") == 0) {
			spans++;
			ck_assert(json_number_value(json_object_get(e, "dur")) > 0);
		} else if (strcmp(json_string_value(json_object_get(e, "name")), "process_name") == 0) {
			const char *title = json_string_value(json_object_get(json_object_get(e, "args"),
			                                                       "name"));
			ck_assert_str_eq(title, procs++ == 0
			                 ? "04-pool-ordering speedup-sleep: your code, bench_map 4"
			                 : "04-pool-ordering speedup-sleep: the baseline, bench_seq 4");
		}
	}
	ck_assert_int_eq(procs, 2);
	ck_assert_int_eq(spans, 2 * 7); /* 4 tasks and 3 lock waits, twice */
	ck_assert_int_eq(timeline_write_chrome("/nonexistent/dir/t.json", &rs), -1);
	json_decref(root);
	/* what the report then says of it */
	char *said = NULL;
	size_t len;
	FILE *f = open_memstream(&said, &len);
	timeline_say_written(f, "t.json", &rs, true);
	timeline_say_written(f, "/nonexistent/dir/t.json", &rs, false);
	json_decref(r->timeline);
	r->timeline = NULL;
	timeline_say_written(f, "t.json", &rs, true);
	fclose(f);
	ck_assert_msg(strstr(said, "trace: t.json holds the timelines of 2 runs") &&
	              strstr(said, "open it in Perfetto (ui.perfetto.dev)") &&
	              strstr(said, "trace: /nonexistent/dir/t.json could not be written") &&
	              strstr(said, "trace: t.json holds no timeline"), "%s", said);
	free(said);
	results_free(&rs);
	free(out); free(path); free(text);
}
END_TEST

/* ---- end to end, on lab 04 ---- */

/* Grades lab 04's sleep-bound speedup of sub with --trace; returns the
 * text report and the most sleeps at once in "your code"'s trace. */
static char *grade_traced(const char *sub, int *most_in_trace)
{
	const char *grader = getenv("GRADER") ? getenv("GRADER") : "build/grader/grader";
	char *trace = xasprintf("%s/%s.trace.json", dir, strrchr(sub, '/') ? strrchr(sub, '/') + 1 : sub);
	char *text = xasprintf("%s.txt", trace);
	char *cmd = xasprintf("%s --root . --submission %s --lab 04 --check speedup-sleep --trace %s "
	                      "--json %s.json --color never --progress none > %s", grader, sub, trace,
	                      trace, text);
	ck_assert_int_ne(system(cmd), -1);
	json_t *root = json_load_file(trace, 0, NULL), *e;
	ck_assert_msg(root != NULL, "%s wrote no trace", cmd);
	int n = 0;
	long at[2][64]; /* each sleep's start and end, in microseconds */
	size_t i;
	json_array_foreach(json_object_get(root, "traceEvents"), i, e) {
		if (json_integer_value(json_object_get(e, "pid")) != 1 || n == 64 ||
		    strcmp(json_string_value(json_object_get(e, "name")), "sleep") != 0)
			continue;
		double ts = json_number_value(json_object_get(e, "ts"));
		at[0][n] = (long)ts, at[1][n] = (long)(ts + json_number_value(json_object_get(e, "dur")));
		n++;
	}
	*most_in_trace = 0;
	for (int k = 0; k < n; k++) { /* tasks running at the start of task k */
		int running = 0;
		for (int j = 0; j < n; j++)
			running += at[0][j] <= at[0][k] && at[1][j] > at[0][k];
		*most_in_trace = running > *most_in_trace ? running : *most_in_trace;
	}
	/* Gradescope's students see the picture too, under the row's verdict. */
	char *json = xasprintf("%s.json", trace);
	json_t *res = json_load_file(json, 0, NULL);
	const char *out = json_string_value(json_object_get(json_array_get(json_object_get(res,
	                                    "tests"), 0), "output"));
	ck_assert_msg(out && strstr(out, "Timeline of bench_map sleep 8 32 10"),
	              "results.json's speedup row has no timeline: %s", out ? out : "(none)");
	json_decref(res);
	free(json);
	FILE *f = fopen(text, "r");
	char *report = calloc(1, 1 << 16);
	ck_assert_ptr_nonnull(f);
	size_t len = fread(report, 1, (1 << 16) - 1, f);
	report[len] = '\0';
	fclose(f);
	json_decref(root);
	free(trace); free(text); free(cmd);
	return report;
}

START_TEST(test_lab04_reference_overlaps_and_a_lock_around_fn_does_not)
{
	int in_trace;
	char *report = grade_traced("solutions", &in_trace);
	ck_assert_msg(in_trace == 8, "the reference's trace had %d sleeps at once, not 8", in_trace);
	const char *gantt = strstr(report, "Timeline of bench_map sleep 8 32 10");
	ck_assert_msg(gantt != NULL, "no timeline under the verdict:\n%s", report);
	ck_assert_int_ge(most_busy_at_once(gantt), 7);

	char *cmd = xasprintf("set -e; mkdir -p %1$s/serial; cp -r solutions/04-pool-ordering "
	                      "%1$s/serial/; patch -s %1$s/serial/04-pool-ordering/pool.c "
	                      "< solutions/04-pool-ordering/mutants/lock-around-fn.patch", dir);
	ck_assert_int_eq(system(cmd), 0);
	char *serial = xasprintf("%s/serial", dir);
	free(report);
	report = grade_traced(serial, &in_trace);
	ck_assert_msg(in_trace == 1, "the serialised pool's trace had %d sleeps at once", in_trace);
	gantt = strstr(report, "Timeline of bench_map sleep 8 32 10");
	ck_assert_msg(gantt != NULL, "no timeline under the verdict:\n%s", report);
	ck_assert_int_eq(most_busy_at_once(gantt), 1);
	ck_assert_ptr_nonnull(strstr(gantt, WAITING));
	free(report); free(cmd); free(serial);
}
END_TEST

START_TEST(test_trace_of_a_batch_is_refused)
{
	const char *grader = getenv("GRADER") ? getenv("GRADER") : "build/grader/grader";
	char *cmd = xasprintf("%s --root . --batch %s --out %s/out --trace %s/t.json 2>&1",
	                      grader, dir, dir, dir);
	FILE *p = popen(cmd, "r");
	char said[512] = "";
	size_t len = fread(said, 1, sizeof said - 1, p);
	said[len] = '\0';
	int status = pclose(p);
	ck_assert_int_eq(WEXITSTATUS(status), 2);
	ck_assert_msg(strstr(said, "TRACE=F draws one submission's runs") != NULL, "%s", said);
	char *trace = xasprintf("%s/t.json", dir);
	ck_assert_int_ne(access(trace, F_OK), 0); /* refused before anything was written */
	free(trace);
	free(cmd);
}
END_TEST

int main(void)
{
	make_dir();
	Suite *s = grader_suite("timeline", 120, (const TTest *const[]){
		test_timeline_reads_lanes_main_first_and_clips_to_the_run,
		test_timeline_without_a_run_line_is_none,
		test_gantt_shows_overlap_and_serialisation,
		test_gantt_of_nothing_visible_is_none,
		test_chrome_trace_has_a_process_per_run_and_an_event_per_span,
		test_lab04_reference_overlaps_and_a_lock_around_fn_does_not,
		test_trace_of_a_batch_is_refused, NULL });
	bool ok = suite_passes(s, 7);
	remove_dir();
	return ok ? EXIT_SUCCESS : EXIT_FAILURE;
}
