/* sandbox_proc.c - the process tree from /proc: which processes descend
 * from the grader, how many tasks a uid runs, which process a test runner
 * forked and how long it has lived. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "grader.h"
#include "sandbox_int.h"

/* ---- reading /proc ---- */

int sbx_proc_read(const char *statpath, struct sbx_proc *p)
{
	char buf[1024];
	unsigned long ut, st;
	int fd = open(statpath, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t n = read(fd, buf, sizeof buf - 1);
	close(fd);
	/* comm may hold spaces and parentheses: it ends at the last ')'. */
	char *open_paren = n > 0 ? (buf[n] = 0, strchr(buf, '(')) : NULL;
	char *close_paren = open_paren ? strrchr(open_paren, ')') : NULL;
	if (!close_paren)
		return -1;
	p->pid = atoi(buf);
	snprintf(p->comm, sizeof p->comm, "%.*s", (int)(close_paren - open_paren - 1), open_paren + 1);
	if (sscanf(close_paren + 1, " %c %d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu"
	           " %*d %*d %*d %*d %*d %*d %llu", &p->state, &p->ppid, &ut, &st, &p->start) != 5)
		return -1;
	p->cpu = (unsigned long long)ut + st;
	p->cpu_ns = 0;
	return 0;
}

void sbx_procs_push(struct sbx_procs *ps, const struct sbx_proc *p)
{
	if (ps->n == ps->cap) {
		ps->cap = ps->cap ? 2 * ps->cap : 64;
		ps->p = realloc(ps->p, ps->cap * sizeof *ps->p);
		if (!ps->p)
			abort();
	}
	ps->p[ps->n++] = *p;
}

void sbx_procs_read_dir(const char *dir, struct sbx_procs *out)
{
	char path[300];
	struct sbx_proc p;
	struct dirent *e;
	DIR *d = opendir(dir);
	out->n = 0;
	while (d && (e = readdir(d))) {
		if (e->d_name[0] < '0' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof path, "%s/%s/stat", dir, e->d_name);
		if (sbx_proc_read(path, &p) == 0)
			sbx_procs_push(out, &p);
	}
	if (d)
		closedir(d);
}

/* CPU time a thread has used, in ns: its schedstat, else its ticks. */
static unsigned long long thread_cpu_ns(pid_t pid, const struct sbx_proc *t)
{
	char path[96];
	unsigned long long ns = 0;
	snprintf(path, sizeof path, "/proc/%d/task/%d/schedstat", pid, t->pid);
	FILE *f = fopen(path, "re");
	bool ok = f && fscanf(f, "%llu", &ns) == 1;
	if (f)
		fclose(f);
	return ok ? ns : t->cpu * (1000000000ull / (unsigned long long)sysconf(_SC_CLK_TCK));
}

void sbx_threads_read(pid_t pid, struct sbx_procs *out)
{
	char dir[64];
	snprintf(dir, sizeof dir, "/proc/%d/task", pid);
	sbx_procs_read_dir(dir, out);
	for (size_t i = 0; i < out->n; i++)
		out->p[i].cpu_ns = thread_cpu_ns(pid, &out->p[i]);
}

unsigned long long sbx_tree_cpu(const struct sbx_procs *tree, bool *busy)
{
	struct sbx_procs threads = { 0 };
	unsigned long long sum = 0;
	*busy = false;
	for (size_t i = 0; i < tree->n; i++) {
		if (tree->p[i].state == 'Z')
			continue; /* ended: nothing left to run */
		sbx_threads_read(tree->p[i].pid, &threads);
		for (size_t j = 0; j < threads.n; j++) {
			sum += threads.p[j].cpu_ns;
			*busy |= threads.p[j].state != 'S' && threads.p[j].state != 'Z';
		}
	}
	free(threads.p);
	return sum;
}

static int by_pid(const void *a, const void *b)
{
	pid_t x = ((const struct sbx_proc *)a)->pid, y = ((const struct sbx_proc *)b)->pid;
	return (x > y) - (x < y);
}

static long index_of(const struct sbx_procs *all, pid_t pid)
{
	struct sbx_proc key = { .pid = pid };
	const struct sbx_proc *hit = bsearch(&key, all->p, all->n, sizeof key, by_pid);
	return hit ? hit - all->p : -1;
}

enum { UNKNOWN, OURS, NOT_OURS };

/* Walks up the ppid chain from i until an answer, then writes that answer
 * along the chain: each process is visited a bounded number of times, so a
 * fork bomb's deep chain on a busy machine stays cheap. */
static char settle(const struct sbx_procs *all, char *mark, size_t i, pid_t self)
{
	long j = (long)i;
	char v = UNKNOWN;
	for (size_t steps = 0; mark[j] == UNKNOWN && v == UNKNOWN; steps++) {
		long up = all->p[j].ppid == self ? -1 : index_of(all, all->p[j].ppid);
		if (all->p[j].ppid == self)
			v = OURS;
		else if (up < 0 || steps > all->n) /* gone, or init: or a loop from pid reuse */
			v = NOT_OURS;
		else
			j = up;
	}
	v = v ? v : mark[j];
	for (j = (long)i; j >= 0 && mark[j] == UNKNOWN;) {
		mark[j] = v;
		/* Stop below the grader: it and its ancestors are never ours. */
		j = all->p[j].ppid == self ? -1 : index_of(all, all->p[j].ppid);
	}
	return v;
}

size_t sbx_descendants(unsigned long long since, struct sbx_procs *out)
{
	struct sbx_procs all = { 0 };
	pid_t self = getpid();
	sbx_procs_read_dir("/proc", &all);
	qsort(all.p, all.n, sizeof *all.p, by_pid);
	char *mark = calloc(all.n + 1, 1);
	out->n = 0;
	for (size_t i = 0; mark && i < all.n; i++)
		if (settle(&all, mark, i, self) == OURS && all.p[i].start >= since)
			sbx_procs_push(out, &all.p[i]);
	free(mark);
	free(all.p);
	return out->n;
}

/* Tasks (threads included) that uid runs now: RLIMIT_NPROC counts them all. */
long sbx_count_tasks(uid_t uid)
{
	long total = 0;
	char path[300], buf[2048];
	struct dirent *e;
	DIR *d = opendir("/proc");
	while (d && (e = readdir(d))) {
		snprintf(path, sizeof path, "/proc/%s/status", e->d_name);
		int fd = e->d_name[0] >= '1' && e->d_name[0] <= '9' ? open(path, O_RDONLY | O_CLOEXEC) : -1;
		ssize_t n = fd >= 0 ? read(fd, buf, sizeof buf - 1) : -1;
		if (fd >= 0)
			close(fd);
		buf[n > 0 ? n : 0] = 0;
		const char *u = strstr(buf, "\nUid:"), *t = strstr(buf, "\nThreads:");
		if (u && t && (uid_t)atol(u + 5) == uid)
			total += atol(t + 9);
	}
	if (d)
		closedir(d);
	return total;
}

/* ---- the shape of a run's tree ---- */

bool sbx_is_wrapper(const struct sbx_proc *p)
{
	return !strcmp(p->comm, "bwrap") || p->state == 'Z';
}

static const struct sbx_proc *parent_in(const struct sbx_procs *ps, const struct sbx_proc *p)
{
	for (size_t i = 0; i < ps->n; i++)
		if (ps->p[i].pid == p->ppid)
			return &ps->p[i];
	return NULL;
}

/* The program's first process: not a wrapper, and no parent of the run but a wrapper. */
static bool is_first(const struct sbx_procs *ps, const struct sbx_proc *p)
{
	const struct sbx_proc *up = parent_in(ps, p);
	return !sbx_is_wrapper(p) && (!up || sbx_is_wrapper(up));
}

bool sbx_is_forked(const struct sbx_procs *ps, size_t i)
{
	const struct sbx_proc *up = parent_in(ps, &ps->p[i]);
	return !sbx_is_wrapper(&ps->p[i]) && up && is_first(ps, up);
}

void sbx_subtree(const struct sbx_procs *ps, pid_t root, struct sbx_procs *out)
{
	char *in = calloc(ps->n + 1, 1);
	out->n = 0;
	for (bool grew = true; in && grew;) { /* parents usually come first: few passes */
		grew = false;
		for (size_t i = 0; i < ps->n; i++) {
			const struct sbx_proc *up = parent_in(ps, &ps->p[i]);
			if (!in[i] && (ps->p[i].pid == root || (up && in[up - ps->p]))) {
				in[i] = grew = true;
				sbx_procs_push(out, &ps->p[i]);
			}
		}
	}
	free(in);
}

double sbx_age_s(unsigned long long start)
{
	struct timespec ts; /* /proc's start times count from boot, suspend included */
	clock_gettime(CLOCK_BOOTTIME, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9 - (double)start / sysconf(_SC_CLK_TCK);
}
