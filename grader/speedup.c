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

static enum verdict judge_sleep(const struct trials *t, const struct speedup_target *g,
                                double med, char **why)
{
	long inflight = median_inflight(t);
	if (inflight < g->min_inflight) {
		*why = xasprintf("At most %ld task%s ran at the same time (at least %ld must): the "
		                 "tasks were serialised, so the work did not overlap.", inflight,
		                 inflight == 1 ? "" : "s", g->min_inflight);
		return V_FAIL;
	}
	if (med < g->target) {
		*why = xasprintf("Up to %ld tasks were in flight at once, but the whole run was "
		                 "still too slow.", inflight);
		return V_FAIL;
	}
	*why = xasprintf("Up to %ld tasks were in flight at once.", inflight);
	return V_PASS;
}

static enum verdict judge_cpu(const struct trials *t, const struct speedup_target *g,
                              double med, char **why)
{
	double control = median_of(t->control, t->n);
	if (g->cpus < 1.5) {
		*why = xasprintf("Only %.2g CPU is available to the grader here, so no parallel "
		                 "speedup can show. Grade on a machine with 2 or more CPUs.", g->cpus);
		return V_INCONCLUSIVE;
	}
	if (control < g->min_control) {
		*why = xasprintf("The harness's own perfectly parallel kernel reached only %.2fx "
		                 "right now (needs %.2fx): the machine is too busy to judge. Re-run "
		                 "when it is quieter.", control, g->min_control);
		return V_INCONCLUSIVE;
	}
	/* Each pair is judged against the control of its own trial, so load that
	 * comes and goes between trials cancels out. */
	double rel[TRIALS_MAX];
	for (size_t i = 0; i < t->n; i++)
		rel[i] = t->control[i] > 0 ? t->ratio[i] / t->control[i] : 0;
	double share = median_of(rel, t->n);
	(void)med;
	*why = xasprintf("Your speedup is %.0f%% of what the machine delivered to the harness's "
	                 "parallel kernel in the same trials (%.2fx on %.2g CPUs); the target is "
	                 "%.0f%%.", share * 100, control, g->cpus, g->target * 100);
	return share >= g->target ? V_PASS : V_FAIL;
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
	double growth[TRIALS_MAX], control[TRIALS_MAX];
	growth_of(t, growth);
	for (size_t i = 0; i < t->n; i++)
		control[i] = t->control[i] > 0 ? 1 / t->control[i] : 0;
	double med = median_of(growth, t->n), ctl = median_of(control, t->n);
	char *compare = ctl > 0 ? xasprintf("The control, the same two cases the other way, "
	                                    "grew %.2fx.", ctl) : xstrdup("");
	*why = xasprintf("%s%s", med <= g->target ? "" : "It grew more than it may. ", compare);
	free(compare);
	return med <= g->target ? V_PASS : V_FAIL;
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
	return g->cpu_bound ? judge_cpu(t, g, med, why) : judge_sleep(t, g, med, why);
}
