/* progress.h - what the grader is doing while it grades, on stderr, so a
 * student is not left in silence until the report: a line per step (build,
 * each check) as it finishes, with its time. On a terminal a status line
 * also says, after a few seconds, that a step is still running and how long
 * the program it waits for has left before its deadline. The report on
 * stdout, and every results file, are the same with or without it.
 *
 * Interface:
 *   progress_start  the mode: live (a terminal), lines (logs, CI), none.
 *   progress_lab    a lab's header line.
 *   progress_step   a step begins ("build", "unit").
 *   progress_done   the step ended: one line with its time and summary.
 *   progress_ran    the line of a step that ran beside others (a lab's
 *                   checks at once), with the time it took.
 *   progress_run    a sandboxed program starts with a deadline (lab_run),
 *                   or ended (timeout_s < 0).
 *   progress_stop   no more progress: the report follows.
 * Several labs at once (grade.c, scheduler.c):
 *   progress_start_tasks  the mode, without per-step lines or a ticker.
 *   progress_status       live mode only: redraws the one status line.
 *   progress_line         a line above it (a lab or a submission done).
 */
#ifndef PROGRESS_H
#define PROGRESS_H

enum progress_mode { PROGRESS_NONE, PROGRESS_LINES, PROGRESS_LIVE };

void progress_start(enum progress_mode mode);
void progress_lab(const char *lab);
void progress_step(const char *name);
void progress_done(const char *summary);
void progress_ran(const char *name, double seconds, const char *summary);
void progress_run(double timeout_s);
void progress_stop(void);
void progress_start_tasks(enum progress_mode mode);
void progress_status(const char *line);
void progress_line(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif /* PROGRESS_H */
