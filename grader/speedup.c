/* speedup.c - statistics and verdicts of the speedup check (PRODUCT.md,
 * "Measuring speedup honestly"): medians of interleaved pairwise ratios,
 * targets that know the machine, and "inconclusive" when it cannot tell. */
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "speedup.h"

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

double median_of(const double *v, size_t n)
{
	double s[TRIALS_MAX];
	if (n == 0)
		return 0;
	if (n > TRIALS_MAX)
		n = TRIALS_MAX;
	memcpy(s, v, n * sizeof *v);
	qsort(s, n, sizeof *s, cmp_double);
	return n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

void min_max(const double *v, size_t n, double *lo, double *hi)
{
	*lo = *hi = n ? v[0] : 0;
	for (size_t i = 1; i < n; i++) {
		if (v[i] < *lo)
			*lo = v[i];
		if (v[i] > *hi)
			*hi = v[i];
	}
}

double spread_of(const double *v, size_t n)
{
	double lo, hi, med = median_of(v, n);
	min_max(v, n, &lo, &hi);
	return med > 0 ? (hi - lo) / med : 0;
}

/* The cgroup's quota in CPUs, or 0 when there is none. */
static double cgroup_cpus(void)
{
	char path[1024] = "", line[512];
	FILE *f = fopen("/proc/self/cgroup", "r");
	while (f && fgets(line, sizeof line, f))
		if (strncmp(line, "0::", 3) == 0) {
			line[strcspn(line, "\n")] = '\0';
			snprintf(path, sizeof path, "/sys/fs/cgroup%s/cpu.max", line + 3);
		}
	if (f)
		fclose(f);
	double quota = 0, period = 0;
	f = path[0] ? fopen(path, "r") : NULL;
	if (f && fscanf(f, "%lf %lf", &quota, &period) != 2)
		quota = 0; /* "max 100000": no quota */
	if (f)
		fclose(f);
	if (!(quota > 0 && period > 0)) {
		long q = -1, p = 0; /* cgroup v1 */
		FILE *fq = fopen("/sys/fs/cgroup/cpu/cpu.cfs_quota_us", "r");
		FILE *fp = fopen("/sys/fs/cgroup/cpu/cpu.cfs_period_us", "r");
		if (fq && fp && fscanf(fq, "%ld", &q) == 1 && fscanf(fp, "%ld", &p) == 1 && q > 0 && p > 0)
			quota = q, period = p;
		if (fq)
			fclose(fq);
		if (fp)
			fclose(fp);
	}
	return quota > 0 && period > 0 ? quota / period : 0;
}

double effective_cpus(void)
{
	cpu_set_t set;
	double cpus = 1;
	if (sched_getaffinity(0, sizeof set, &set) == 0)
		cpus = CPU_COUNT(&set);
	double quota = cgroup_cpus();
	return quota > 0 && quota < cpus ? quota : cpus;
}

static long median_inflight(const struct trials *t)
{
	double v[TRIALS_MAX];
	for (size_t i = 0; i < t->n; i++)
		v[i] = (double)t->inflight[i];
	return (long)median_of(v, t->n);
}

bool speedup_serialised(const struct trials *t, const struct speedup_target *g)
{
	return g->min_inflight > 0 && t->n > 0 && median_inflight(t) < g->min_inflight;
}

/* A fact of structure, not a timing: fewer tasks ran at once than must. */
static char *serialised_words(const struct trials *t, const struct speedup_target *g)
{
	long inflight = median_inflight(t);
	return xasprintf("At most %ld task%s ran at the same time (at least %ld must): the "
	                 "tasks were serialised, so the work did not overlap.", inflight,
	                 inflight == 1 ? "" : "s", g->min_inflight);
}

/* Whether every trial lies beyond the target by more than the margin for
 * noise: below it (higher_is_better) or above it. Only then may a ratio
 * fail a student: one trial near the target says the code can reach it. */
static bool all_clearly_off(const double *v, size_t n, double target, double margin,
                            bool higher_is_better)
{
	double lo, hi;
	min_max(v, n, &lo, &hi);
	return n > 0 && (higher_is_better ? hi < target * (1 - margin) : lo > target * (1 + margin));
}

/* Between the target and the margin: the machine's noise may explain it. */
static char *unsure_words(const char *what, double med, double best, double target,
                          double margin, const char *unit)
{
	return xasprintf("The median %s, %.3g%s, misses the target of %.3g%s, but not every trial "
	                 "was beyond it by the %.0f%% the grader allows for noise (the best trial: "
	                 "%.3g%s), so this run cannot tell. Grade again when the machine is "
	                 "quieter.", what, med, unit, target, unit, margin * 100, best, unit);
}

static enum verdict judge_sleep(const struct trials *t, const struct speedup_target *g,
                                double med, char **why)
{
	double lo, hi;
	long inflight = median_inflight(t);
	if (speedup_serialised(t, g)) {
		*why = serialised_words(t, g);
		return V_FAIL;
	}
	if (med >= g->target) {
		*why = xasprintf("Up to %ld tasks were in flight at once.", inflight);
		return V_PASS;
	}
	min_max(t->ratio, t->n, &lo, &hi);
	if (all_clearly_off(t->ratio, t->n, g->target, g->margin, true)) {
		*why = xasprintf("Up to %ld tasks were in flight at once, but every trial was more "
		                 "than %.0f%% below the target (the best: %.2fx): the whole run was "
		                 "still too slow.", inflight, g->margin * 100, hi);
		return V_FAIL;
	}
	*why = unsure_words("speedup", med, hi, g->target, g->margin, "x");
	return V_INCONCLUSIVE;
}

static enum verdict judge_cpu(const struct trials *t, const struct speedup_target *g,
                              char **why)
{
	double control = median_of(t->control, t->n);
	if (g->cpus < 1.5) {
		*why = xasprintf("Only %.2g CPU is available to the grader here, so no parallel "
		                 "speedup can show. Grade on a machine with 2 or more CPUs.", g->cpus);
		return V_INCONCLUSIVE;
	}
	if (speedup_serialised(t, g)) {
		*why = serialised_words(t, g);
		return V_FAIL;
	}
	if (control < g->min_control) {
		*why = xasprintf("The harness's own perfectly parallel kernel reached only %.2fx "
		                 "right now (needs %.2fx): the machine is too busy to judge. Re-run "
		                 "when it is quieter.", control, g->min_control);
		return V_INCONCLUSIVE;
	}
	/* Each pair is judged against the control of its own trial, so load that
	 * comes and goes between trials cancels out. */
	double rel[TRIALS_MAX], lo, hi;
	for (size_t i = 0; i < t->n; i++)
		rel[i] = t->control[i] > 0 ? t->ratio[i] / t->control[i] : 0;
	double share = median_of(rel, t->n);
	min_max(rel, t->n, &lo, &hi);
	char *said = xasprintf("Your speedup is %.1f%% of what the machine delivered to the "
	                       "harness's parallel kernel in the same trials (%.2fx on %.2g CPUs); "
	                       "the target is %.0f%%.", share * 100, control, g->cpus,
	                       g->target * 100);
	enum verdict v = share >= g->target ? V_PASS
	                 : all_clearly_off(rel, t->n, g->target, g->margin, true) ? V_FAIL
	                 : V_INCONCLUSIVE;
	if (v == V_FAIL)
		*why = xasprintf("%s Every trial was more than %.0f%% below it (the best: %.1f%%).",
		                 said, g->margin * 100, hi * 100);
	else if (v == V_INCONCLUSIVE)
		*why = xasprintf("%s Not every trial was beyond it by the %.0f%% the grader allows "
		                 "for noise (the best: %.1f%%), so this run cannot tell. Grade again "
		                 "when the machine is quieter.", said, g->margin * 100, hi * 100);
	else
		*why = xstrdup(said);
	free(said);
	return v;
}

void growth_of(const struct trials *t, double *growth)
{
	for (size_t i = 0; i < t->n; i++)
		growth[i] = t->ratio[i] > 0 ? 1 / t->ratio[i] : 1e9;
}

/* A cost that must stay flat: the candidate (the larger case) may take at
 * most target times the baseline (the smaller); the control, the same
 * pair measured another way, is shown beside it for comparison. */
static enum verdict judge_flat(const struct trials *t, const struct speedup_target *g,
                               char **why)
{
	double growth[TRIALS_MAX], control[TRIALS_MAX], lo, hi;
	growth_of(t, growth);
	for (size_t i = 0; i < t->n; i++)
		control[i] = t->control[i] > 0 ? 1 / t->control[i] : 0;
	double med = median_of(growth, t->n), ctl = median_of(control, t->n);
	min_max(growth, t->n, &lo, &hi);
	char *compare = ctl > 0 ? xasprintf("The control, the same two cases the other way, "
	                                    "grew %.2fx.", ctl) : xstrdup("");
	enum verdict v = med <= g->target ? V_PASS
	                 : all_clearly_off(growth, t->n, g->target, g->margin, false) ? V_FAIL
	                 : V_INCONCLUSIVE;
	if (v == V_FAIL)
		*why = xasprintf("It grew more than it may: every trial by more than %.0f%% over "
		                 "the limit (the least: %.2fx). %s", g->margin * 100, lo, compare);
	else if (v == V_INCONCLUSIVE)
		*why = xasprintf("%s %s", unsure_words("growth", med, lo, g->target, g->margin, "x"),
		                 compare);
	else
		*why = xstrdup(compare);
	free(compare);
	return v;
}

enum verdict speedup_judge(const struct trials *t, const struct speedup_target *g, char **why)
{
	if (t->n == 0) {
		*why = xstrdup("No trial completed.");
		return V_ERROR;
	}
	double med = median_of(t->ratio, t->n);
	if (g->flat)
		return judge_flat(t, g, why);
	return g->cpu_bound ? judge_cpu(t, g, why) : judge_sleep(t, g, med, why);
}
