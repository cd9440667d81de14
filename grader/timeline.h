/* timeline.h - what each thread of a benchmark run did, and when: read from
 * the lines common/trace.c appends to $TRACE_OUT, drawn as a terminal Gantt
 * under the speedup check's verdict, and written as Chrome trace events
 * (make grade TRACE=FILE, opened in Perfetto or chrome://tracing).
 *
 * A run is JSON, so that it travels with its row (rows_io.c):
 *   { "label": "bench_map sleep 8 32 10", "elapsed_s": 0.041, "dropped": 0,
 *     "lanes": [ { "name": "main", "spans": [ ["wait", 0.0001, 0.0409] ] },
 *                { "name": "thread 1", "spans": [ ["sleep", 0.0002, 0.0102], ... ] } ] }
 * Lanes come main first, then in the order they started; times are seconds
 * from the start of the timed run. A picture only: nothing is scored on it,
 * and a program could write anything to the file. */
#ifndef TIMELINE_H
#define TIMELINE_H

#include <jansson.h>
#include <stdio.h>
#include "grader.h"

/* The run recorded in path, or NULL when it holds no RUN line. */
json_t *timeline_read(const char *path, const char *label);

#define GANTT_WIDTH 60 /* the reports' width: a timeline fits an 80-column terminal */

/* The run drawn in `width` columns, a line per lane (at most 12), with a
 * heading and a legend; a fresh string, or NULL when nothing in it lasted
 * long enough to show. */
char *timeline_gantt(json_t *run, int width);

/* Every timeline of rs's rows as Chrome trace events, a process each:
 * "04-pool-ordering speedup-sleep: your code, bench_map sleep 8 32 10", then
 * its baseline. Returns 0, or -1 when path cannot be written. */
int timeline_write_chrome(const char *path, const struct results *rs);

/* Says where the trace went and how to open it, that it holds nothing (no
 * speedup check measured), or that it could not be written: a line on out,
 * after the report. */
void timeline_say_written(FILE *out, const char *path, const struct results *rs,
                          bool written);

#endif /* TIMELINE_H */
