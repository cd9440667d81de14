/* grade.h - grading submissions: each lab planned, then graded, then its
 * results files rewritten. One submission (make grade) or a class (a batch)
 * goes through the same path; with more than one CPU the labs are graded at
 * once by scheduler.c, each in its own process, and every timing check alone.
 *
 * Interface:
 *   grading_init   one submission to grade: the labs, their specs read, and
 *                  where its results files go. -1 with *why: a usage error.
 *   grading_plan   a row for everything that will be graded, written to the
 *                  results files before anything runs (a killed grader
 *                  leaves a file in which every row is a grader error).
 *   grade_all      grades every planned lab of gs[0..n); `slots` shared
 *                  turns, labs at once (1 = in this process, one lab
 *                  after the other, with a progress line per step); `cpus`
 *                  for a lab's own checks and seeds at once (1: none).
 *   grading_code   the exit code its results deserve (main.c lists them).
 *   grading_free   everything init and grading made.
 */
#ifndef GRADE_H
#define GRADE_H

#include "grader.h"
#include "progress.h"

struct grading {
	struct options opt;         /* this submission's; only_check resolved */
	const char *name;           /* shown in progress lines; the batch's folder name */
	char **labs;                /* not owned */
	size_t nlabs;
	json_t **specs;
	char **errs;                /* errs[i]: why specs[i] did not parse */
	size_t *first;              /* labs[i]'s first row */
	bool *planned;
	struct results rs;
	const char *json, *junit, *tap; /* results files, or NULL */
	const char *trace;          /* Chrome trace of the speedup runs (timeline.h), or NULL */
	bool write_failed;          /* a results file could not be written */
	bool trace_failed;          /* the trace could not be written */
	double seconds;             /* wall time of its grading, in all */
	char *checks, *said, *replay_of, *score_cmd;
};

int grading_init(struct grading *g, const struct options *opt, char **labs, size_t nlabs,
                 char **why);
void grading_plan(struct grading *g);
void grade_all(struct grading *gs, size_t n, int slots, int cpus, enum progress_mode progress);
int grading_code(const struct grading *g);
void grading_free(struct grading *g);

enum { EXIT_ALL_PASS, EXIT_SOME_FAIL, EXIT_USAGE, EXIT_INCONCLUSIVE, EXIT_GRADER_ERROR };

#endif /* GRADE_H */
