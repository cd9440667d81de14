/* tasks.c - lab 05's harness: the CPU-bound task, the watch it reports
 * to from every process that runs it, and the tests' probes of the parent
 * (open descriptors, children left, stderr captured). */
#include "harness.h"

#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common.h"

#define REPORT_ENV "TASK_REPORT"
/* task_compute's rounds in about 1 ms: 1,100,000 measured on a 2-vCPU EPYC,
 * 900,000 on a 2-vCPU Xeon (CPU time of task_compute(110000000), gcc 12, -O2) */
#define ITERS_PER_MS 1100000
#define FDS_MAX 64
#define LINE_MAX_ 512

/* The descriptors open now, but skip (the report's own), into fds. */
static int fds_open(int *fds, int max, int skip)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	if (d == NULL)
		unix_error("opendir /proc/self/fd");
	while ((e = readdir(d)) != NULL)
		if (e->d_name[0] != '.' && atoi(e->d_name) != dirfd(d) &&
		    atoi(e->d_name) != skip && n < max)
			fds[n++] = atoi(e->d_name);
	closedir(d);
	return n;
}

/* The running program's file name: task_worker in a spawned worker. */
static const char *program_name(void)
{
	static char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	const char *slash;

	if (n < 0)
		return "?";
	exe[n] = '\0';
	slash = strrchr(exe, '/');
	return slash ? slash + 1 : exe;
}

/* One line of the watch: pid, program, start, end, then the open descriptors. */
static void task_report(uint64_t start, uint64_t end)
{
	const char *path = getenv(REPORT_ENV);
	char line[LINE_MAX_];
	int fds[FDS_MAX], n, len, fd;

	if (path == NULL || *path == '\0')
		return;
	fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC);
	if (fd < 0)
		return;	/* the watch is over */
	n = fds_open(fds, FDS_MAX, fd);
	len = snprintf(line, sizeof(line), "%ld %s %" PRIu64 " %" PRIu64, (long)getpid(),
		       program_name(), start, end);
	for (int i = 0; i < n && len < (int)sizeof(line) - 16; i++)
		len += snprintf(line + len, sizeof(line) - (size_t)len, " %d", fds[i]);
	line[len++] = '\n';
	Write(fd, line, (size_t)len);	/* one write: O_APPEND keeps lines whole */
	close(fd);
}

int64_t task_compute(int64_t input)
{
	uint64_t acc = 0, start = clock_now_ns(), end;

	if (input == TASK_CRASH)
		abort();
	if (input == TASK_FAIL)
		_exit(3);
	/* The seed's sum of squares, folded so that no compiler finds a
	 * closed form: each round depends on the one before. */
	for (uint64_t i = 0; i < (uint64_t)input; i++)
		acc = acc * 31 + i * i;
	end = clock_now_ns();
	task_report(start, end);
	trace_span("compute", start, end);
	return (int64_t)acc;
}

int64_t task_input(int i, int cost)
{
	return (int64_t)cost * ITERS_PER_MS + i;
}

void task_run_sequential(const int64_t *inputs, int64_t *results, int count)
{
	for (int i = 0; i < count; i++)
		results[i] = task_compute(inputs[i]);
}

/* task_compute's loop is a linear recurrence on (acc, i*i, i, 1):
 *   acc' = 31 acc + i*i,  (i+1)^2 = i*i + 2 i + 1,  i' = i + 1,
 * so input rounds are the matrix below raised to the power input, found by
 * squaring (64 squarings at most). Arithmetic wraps modulo 2^64 as the
 * loop's does. */
typedef uint64_t mat4[4][4];

static void mat4_mul(mat4 r, mat4 a, mat4 b)
{
	mat4 t = { { 0 } };

	for (int i = 0; i < 4; i++)
		for (int k = 0; k < 4; k++)
			for (int j = 0; j < 4; j++)
				t[i][j] += a[i][k] * b[k][j];
	memcpy(r, t, sizeof(t));
}

int64_t task_expected(int64_t input)
{
	mat4 step = { { 31, 1, 0, 0 }, { 0, 1, 2, 1 }, { 0, 0, 1, 1 }, { 0, 0, 0, 1 } };
	mat4 power = { { 1, 0, 0, 0 }, { 0, 1, 0, 0 }, { 0, 0, 1, 0 }, { 0, 0, 0, 1 } };

	for (uint64_t n = (uint64_t)input; n > 0; n >>= 1) {
		if (n & 1)
			mat4_mul(power, power, step);
		mat4_mul(step, step, step);
	}
	/* The state starts at (0, 0, 0, 1): acc is power's top right. */
	return (int64_t)power[0][3];
}

#define BENCH_USAGE "usage: PROGRAM fork|spawn NPROCS COUNT MS (1 <= NPROCS <= 64, " \
	"1 <= COUNT <= 1024, 0 <= MS <= 1000)"

void task_bench_args(struct bench *b, int argc, char **argv)
{
	int ms;

	if (argc != 5 || (strcmp(argv[1], "fork") != 0 && strcmp(argv[1], "spawn") != 0))
		app_error(BENCH_USAGE);
	b->spawn = strcmp(argv[1], "spawn") == 0;
	b->nprocs = arg_int(argv[2], 1, 64, BENCH_USAGE);
	b->count = arg_int(argv[3], 1, TASKS_MAX, BENCH_USAGE);
	ms = arg_int(argv[4], 0, 1000, BENCH_USAGE);
	for (int i = 0; i < b->count; i++)
		b->inputs[i] = task_input(i, ms);
}

const char *task_worker_path(void)
{
	static char path[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", path, sizeof(path) - 1);
	char *slash;

	if (n < 0)
		unix_error("readlink /proc/self/exe");
	path[n] = '\0';
	slash = strrchr(path, '/');
	snprintf(slash + 1, sizeof(path) - (size_t)(slash + 1 - path), "task_worker");
	return path;
}

/* ---- forks counted ----
 * Every fork() of this program, the student's and common's Fork alike,
 * comes here before the C library's: how the workers were started is then
 * a count, not a timing. (posix_spawn does not call fork: glibc starts its
 * child with clone.) */
static int forks_made;

pid_t fork(void)
{
	static pid_t (*libc_fork)(void);

	if (libc_fork == NULL)
		libc_fork = (pid_t (*)(void))dlsym(RTLD_NEXT, "fork");
	if (libc_fork == NULL)
		app_error("the harness could not find fork in the C library");
	__atomic_add_fetch(&forks_made, 1, __ATOMIC_SEQ_CST);
	return libc_fork();
}

int harness_forks(void)
{
	return __atomic_load_n(&forks_made, __ATOMIC_SEQ_CST);
}

/* ---- the watch ---- */

static char report_path[PATH_MAX];
static int before[FDS_MAX], nbefore;

void task_watch_start(void)
{
	const char *dir = getenv("TMPDIR");
	int fd;

	snprintf(report_path, sizeof(report_path), "%s/watch.XXXXXX", dir && *dir ? dir : "/tmp");
	fd = mkstemp(report_path);
	if (fd < 0)
		unix_error("task_watch_start: mkstemp");
	close(fd);
	nbefore = fds_open(before, FDS_MAX, -1);
	if (setenv(REPORT_ENV, report_path, 1) < 0)
		unix_error("task_watch_start: setenv");
}

static bool had_before(int fd)
{
	for (int i = 0; i < nbefore; i++)
		if (before[i] == fd)
			return true;
	return fd <= 2;
}

/* Reads one line's descriptors: how many the parent did not have. */
static int leaks_of(char *fds, int *first)
{
	int leaks = 0;

	for (char *t = strtok(fds, " \n"); t != NULL; t = strtok(NULL, " \n"))
		if (!had_before(atoi(t)) && leaks++ == 0)
			*first = atoi(t);
	return leaks;
}

struct span {
	uint64_t start, end;
};

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

/* The most spans open at one moment: sweep the sorted starts and ends. */
static int max_overlap(const struct span *s, int n)
{
	static uint64_t starts[TASKS_MAX], ends[TASKS_MAX];
	int most = 0, open = 0;

	for (int i = 0; i < n; i++)
		starts[i] = s[i].start, ends[i] = s[i].end;
	qsort(starts, (size_t)n, sizeof(starts[0]), cmp_u64);
	qsort(ends, (size_t)n, sizeof(ends[0]), cmp_u64);
	for (int i = 0, j = 0; i < n;)
		if (starts[i] < ends[j]) {
			i++;
			most = ++open > most ? open : most;
		} else {
			j++, open--;
		}
	return most;
}

struct watch_report task_watch_stop(void)
{
	static struct span spans[TASKS_MAX];
	static long pids[TASKS_MAX];
	struct watch_report r = { .leaked_fd = -1 };
	char line[LINE_MAX_];
	FILE *f = fopen(report_path, "r");

	unsetenv(REPORT_ENV);
	if (f == NULL)
		unix_error("task_watch_stop: fopen");
	while (r.tasks < TASKS_MAX && fgets(line, sizeof(line), f) != NULL) {
		int used = 0, first = -1, leaks;
		char program[64];
		long pid;

		if (sscanf(line, "%ld %63s %" SCNu64 " %" SCNu64 "%n", &pid, program,
			   &spans[r.tasks].start, &spans[r.tasks].end, &used) != 4)
			continue;
		r.in_worker += strcmp(program, "task_worker") == 0;
		/* Only a worker must hold nothing more: a fork child inherits
		 * the parent's descriptors by design. */
		leaks = strcmp(program, "task_worker") == 0 ? leaks_of(line + used, &first) : 0;
		if (leaks > 0 && r.leaky++ == 0)
			r.leaked_fd = first;
		r.leaked_total = leaks > r.leaked_total ? leaks : r.leaked_total;
		r.in_parent |= pid == (long)getpid();
		r.processes += 1;
		for (int i = 0; i < r.tasks; i++)
			if (pids[i] == pid) {
				r.processes -= 1;
				break;
			}
		pids[r.tasks++] = pid;
	}
	fclose(f);
	unlink(report_path);
	r.max_alive = max_overlap(spans, r.tasks);
	return r;
}

/* ---- probes of the parent ---- */

int harness_open_fds(void)
{
	int fds[FDS_MAX];

	return fds_open(fds, FDS_MAX, -1);
}

int harness_children_left(void)
{
	int left = 0;

	for (int i = 0; i < 100; i++) {
		pid_t pid = waitpid(-1, NULL, WNOHANG);

		if (pid < 0)	/* ECHILD: none */
			return left;
		if (pid > 0)
			left++;
		else
			work_sleep_ms(10);	/* alive: give it time to end */
	}
	return left + 1;
}

int harness_capture_stderr(int (*fn)(void *arg), void *arg, char *buf, size_t n)
{
	char path[PATH_MAX];
	const char *dir = getenv("TMPDIR");
	int fd, saved, rc;
	ssize_t got;

	snprintf(path, sizeof(path), "%s/stderr.XXXXXX", dir && *dir ? dir : "/tmp");
	if ((fd = mkstemp(path)) < 0 || (saved = dup(2)) < 0 || dup2(fd, 2) < 0)
		unix_error("harness_capture_stderr");
	rc = fn(arg);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	got = pread(fd, buf, n - 1, 0);
	buf[got > 0 ? got : 0] = '\0';
	close(fd);
	unlink(path);
	return rc;
}
