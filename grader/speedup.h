/* speedup.h - the statistics behind the speedup check, apart from any
 * process running so they can be tested on made-up numbers.
 *
 * Interface:
 *   median_of       median of n values (sorts a copy).
 *   spread_of       (max - min) / median: how much the trials disagree.
 *   effective_cpus  CPUs this process may use now: affinity mask, then the
 *                   cgroup's CPU quota (v2 cpu.max, v1 cfs quota).
 *   speedup_judge   the verdict from the trials, the target and the machine:
 *                   FAIL only on a fact of structure (speedup_serialised) or
 *                   when every trial lies beyond the target by the margin;
 *                   a median short of it otherwise is INCONCLUSIVE.
 *   speedup_serialised  fewer tasks in flight than the spec's min_inflight.
 *   growth_of       candidate over baseline per pair (a flat check's figure).
 *   min_max         the least and the greatest of n values.
 */
#ifndef SPEEDUP_H
#define SPEEDUP_H

#include <stddef.h>
#include "grader.h"

#define TRIALS_MAX 64

struct trials {
	size_t n;
	double ratio[TRIALS_MAX];    /* baseline / candidate, per interleaved pair */
	double control[TRIALS_MAX];  /* control seq / control par, per pair (cpu) */
	long inflight[TRIALS_MAX];   /* candidate's max tasks in flight, per run */
	double gap_base[TRIALS_MAX]; /* the grader's wall time less the reported time, */
	double gap_cand[TRIALS_MAX]; /* per run: start-up, exit, anything untimed */
};

struct speedup_target {
	bool cpu_bound;
	bool flat;            /* a cost that must not grow: target is the most the
	                         candidate may take, as a multiple of the baseline */
	double target;        /* sleep: the speedup; cpu: fraction of the control's */
	long min_inflight;    /* tasks that must have run at once (0: not judged) */
	double margin;        /* the share of the target allowed for noise: a ratio
	                         fails only when every trial misses by more */
	double cpus;          /* effective CPUs (cpu-bound only) */
	double min_control;   /* below it the machine cannot show parallelism now */
};

double median_of(const double *v, size_t n);
double spread_of(const double *v, size_t n);
double effective_cpus(void);
/* Sets *why (a heap string for the student) and returns the verdict. */
void growth_of(const struct trials *t, double *growth);
void min_max(const double *v, size_t n, double *lo, double *hi);
bool speedup_serialised(const struct trials *t, const struct speedup_target *g);
enum verdict speedup_judge(const struct trials *t, const struct speedup_target *g, char **why);

#endif /* SPEEDUP_H */
