/* diagnose.c - says why a run timed out: reads the process tree from /proc,
 * tells blocked threads from running ones, and names the student's frames in
 * each thread's backtrace (taken with gdb) so the student knows where to look. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "grader.h"
#include "sandbox.h"

#define GDB_TIMEOUT_S 10
#define GDB_OUTPUT_MAX (256 * 1024)
#define MAX_TARGETS 3
#define MAX_LINES 12

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
	return 0;
}

static void procs_push(struct sbx_procs *ps, const struct sbx_proc *p)
{
	if (ps->n == ps->cap) {
		ps->cap = ps->cap ? 2 * ps->cap : 64;
		ps->p = realloc(ps->p, ps->cap * sizeof *ps->p);
		if (!ps->p)
			abort();
	}
	ps->p[ps->n++] = *p;
}

/* Reads every entry of dir (/proc or /proc/PID/task) into out. */
static void read_all(const char *dir, struct sbx_procs *out)
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
			procs_push(out, &p);
	}
	if (d)
		closedir(d);
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
	read_all("/proc", &all);
	qsort(all.p, all.n, sizeof *all.p, by_pid);
	char *mark = calloc(all.n + 1, 1);
	out->n = 0;
	for (size_t i = 0; mark && i < all.n; i++)
		if (settle(&all, mark, i, self) == OURS && all.p[i].start >= since)
			procs_push(out, &all.p[i]);
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

/* ---- which processes to look at, and are they blocked ---- */

static bool is_wrapper(const struct sbx_proc *p)
{
	return !strcmp(p->comm, "bwrap") || p->state == 'Z';
}

/* Valgrind runs the program inside its own process ("helgrind-amd64-"):
 * its thread states are the program's, but gdb sees only Valgrind's frames. */
static bool is_valgrind(const struct sbx_proc *p)
{
	return strstr(p->comm, "valgrind") || strstr(p->comm, "-amd64-") ||
	       strstr(p->comm, "-x86-") || strstr(p->comm, "-arm64-");
}

static bool has_child(const struct sbx_procs *ps, pid_t pid)
{
	for (size_t i = 0; i < ps->n; i++)
		if (ps->p[i].ppid == pid && !is_wrapper(&ps->p[i]))
			return true;
	return false;
}

/* Leaves first: a test runner waiting for its child is not where the bug is. */
static size_t pick_targets(const struct sbx_procs *ps, struct sbx_proc *out)
{
	size_t n = 0;
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < ps->n && n < MAX_TARGETS; i++)
			if (!is_wrapper(&ps->p[i]) && has_child(ps, ps->p[i].pid) == (pass == 1))
				out[n++] = ps->p[i];
	return n;
}

static void sample_threads(const struct sbx_proc *procs, size_t n, struct sbx_procs *out)
{
	struct sbx_procs one = { 0 };
	char dir[64];
	out->n = 0;
	for (size_t i = 0; i < n; i++) {
		snprintf(dir, sizeof dir, "/proc/%d/task", procs[i].pid);
		read_all(dir, &one);
		for (size_t j = 0; j < one.n; j++)
			procs_push(out, &one.p[j]);
	}
	free(one.p);
}

static unsigned long long total_cpu(const struct sbx_procs *t)
{
	unsigned long long sum = 0;
	for (size_t i = 0; i < t->n; i++)
		sum += t->p[i].cpu;
	return sum;
}

static char thread_state(const struct sbx_procs *t, pid_t tid)
{
	for (size_t i = 0; i < t->n; i++)
		if (t->p[i].pid == tid)
			return t->p[i].state;
	return '?';
}

/* ---- gdb ---- */

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Reads fd until EOF or the deadline; true on EOF. */
static bool read_until(int fd, char *buf, size_t cap, double deadline)
{
	size_t len = 0;
	char chunk[4096];
	for (;;) {
		struct pollfd pf = { fd, POLLIN, 0 };
		double left = deadline - now_s();
		int ready = left > 0 ? poll(&pf, 1, (int)(left * 1000) + 1) : 0;
		if (ready < 0 && errno == EINTR)
			continue;
		if (ready == 0)
			return false;
		ssize_t n = read(fd, chunk, sizeof chunk);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return true;
		size_t keep = (size_t)n < cap - 1 - len ? (size_t)n : cap - 1 - len;
		memcpy(buf + len, chunk, keep);
		buf[len += keep] = 0;
	}
}

/* gdb's backtrace of every thread of pid, under its own deadline. */
static char *run_gdb(pid_t pid)
{
	char pidarg[16], *out = calloc(1, GDB_OUTPUT_MAX);
	char *argv[] = { "gdb", "-p", pidarg, "-batch", "-nx",
	                 /* Read files from our side: the sandbox shows the same paths, and a
	                  * normal user may not enter its mount namespace ("target:"). */
	                 "-iex", "set sysroot /", "-iex", "set debuginfod enabled off",
	                 "-ex", "set pagination off", "-ex", "set print frame-arguments none",
	                 "-ex", "thread apply all bt", NULL };
	int fds[2];
	snprintf(pidarg, sizeof pidarg, "%d", pid);
	if (!out || pipe2(fds, O_CLOEXEC) < 0)
		return out;
	pid_t g = fork();
	if (g == 0) {
		int null = open("/dev/null", O_RDONLY);
		dup2(null, 0);
		dup2(fds[1], 1);
		dup2(fds[1], 2);
		execvp(argv[0], argv);
		_exit(127);
	}
	close(fds[1]);
	if (g > 0 && !read_until(fds[0], out, GDB_OUTPUT_MAX, now_s() + GDB_TIMEOUT_S)) {
		kill(g, SIGKILL);
		strappend(&out, "\ngdb took more than %d s\n", GDB_TIMEOUT_S);
	}
	close(fds[0]);
	if (g > 0)
		waitpid(g, NULL, 0);
	return out;
}

/* ---- reading backtraces ---- */

struct frame {
	char fn[96];
	char file[96];   /* basename */
	int line;        /* 0 when gdb shows no source */
};

struct thread_bt {
	int num;
	pid_t lwp;
	int depth;           /* frames seen */
	struct frame inner;  /* frame #0 */
	struct frame prev;   /* the frame inside `mine`: the call it waits in */
	struct frame mine;   /* the innermost student frame */
	bool has_mine;
};

static bool parse_frame(const char *line, struct frame *f)
{
	const char *p = line + 1 + strspn(line + 1, "0123456789");
	p += strspn(p, " ");
	const char *in = strstr(p, " in ");
	if (!strncmp(p, "0x", 2) && in)
		p = in + 4;
	snprintf(f->fn, sizeof f->fn, "%.*s", (int)strcspn(p, " ("), p);
	f->file[0] = 0;
	f->line = 0;
	const char *at = NULL;
	for (const char *s = strstr(line, " at "); s; s = strstr(s + 1, " at "))
		at = s;
	const char *colon = at ? strrchr(at, ':') : NULL;
	if (colon) {
		const char *base = memrchr(at + 4, '/', colon - at - 4);
		base = base ? base + 1 : at + 4;
		snprintf(f->file, sizeof f->file, "%.*s", (int)(colon - base), base);
		f->line = atoi(colon + 1);
	}
	return f->fn[0] != 0;
}

static bool is_student(const struct frame *f, const char *const *files, const char *raw)
{
	if (!f->file[0])
		return false;
	if (!files) /* glibc's frames have relative source paths; the student's are absolute */
		return strstr(raw, " at /") != NULL;
	for (size_t i = 0; files[i]; i++)
		if (!strcmp(files[i], f->file))
			return true;
	return false;
}

/* "___pthread_mutex_lock" -> "pthread_mutex_lock", "__GI___libc_write" -> "write". */
static const char *api_name(const char *fn)
{
	if (!strncmp(fn, "__GI_", 5))
		fn += 5;
	fn += strspn(fn, "_");
	if (!strncmp(fn, "libc_", 5))
		fn += 5;
	return fn;
}

static void parse_line(const char *one, const char *const *files, struct thread_bt *t,
                       size_t *n, size_t max)
{
	struct frame f;
	if (!strncmp(one, "Thread ", 7) && *n < max) {
		const char *lwp = strstr(one, "(LWP "), *proc = strstr(one, "(process ");
		memset(&t[*n], 0, sizeof t[*n]);
		t[*n].num = atoi(one + 7);
		t[(*n)++].lwp = lwp ? atoi(lwp + 5) : proc ? atoi(proc + 9) : 0;
		return;
	}
	if (one[0] != '#' || *n == 0 || !parse_frame(one, &f))
		return;
	struct thread_bt *cur = &t[*n - 1];
	if (cur->depth++ == 0)
		cur->inner = f;
	if (cur->has_mine)
		return;
	if (is_student(&f, files, one)) {
		cur->has_mine = true;
		cur->mine = f;
	} else {
		cur->prev = f;
	}
}

static size_t parse_bt(const char *text, const char *const *files, struct thread_bt *t, size_t max)
{
	size_t n = 0;
	char one[1024];
	for (const char *line = text; *line;) {
		size_t len = strcspn(line, "\n");
		snprintf(one, sizeof one, "%.*s", (int)len, line);
		parse_line(one, files, t, &n, max);
		line += len + (line[len] == '\n');
	}
	return n;
}

static void describe_thread(char **text, const struct thread_bt *t, char state)
{
	bool waits = state == 'S' || state == 'D';
	const char *verb = waits ? "waits in" : "is in";
	const struct frame *m = &t->mine;
	if (t->has_mine && !t->prev.fn[0])
		strappend(text, "  thread %d runs in %s (%s:%d)\n", t->num, m->fn, m->file, m->line);
	else if (t->has_mine)
		strappend(text, "  thread %d %s %s, called from %s (%s:%d)\n", t->num, verb,
		          api_name(t->prev.fn), m->fn, m->file, m->line);
	else if (strcmp(t->inner.fn, "??"))
		strappend(text, "  thread %d %s %s\n", t->num, verb, api_name(t->inner.fn));
	else
		strappend(text, "  thread %d %s code without debug symbols\n", t->num, verb);
}

/* One line on why gdb gave no backtrace. */
static char *gdb_failure(const char *out)
{
	const char *keys[] = { "ptrace", "ould not attach", "not permitted", "took more than", NULL };
	for (size_t i = 0; keys[i]; i++) {
		const char *hit = strstr(out, keys[i]);
		if (hit) {
			while (hit > out && hit[-1] != '\n')
				hit--;
			return xasprintf("%.*s", (int)strcspn(hit, "\n"), hit);
		}
	}
	return xstrdup(out[0] ? "gdb printed no thread" : "gdb is missing or printed nothing");
}

/* Appends the threads of one process; returns the lines added. */
static int describe_process(char **text, const struct sbx_proc *p, const struct sbx_diag_in *in,
                            const struct sbx_procs *threads, int budget)
{
	struct thread_bt bt[MAX_LINES];
	if (is_valgrind(p)) {
		strappend(text, "  (it runs under Valgrind, so the threads' stacks are not shown: "
		          "run it without Valgrind to see them)\n");
		return 1;
	}
	char *out = run_gdb(p->pid);
	size_t n = out ? parse_bt(out, in->student_files, bt, MAX_LINES) : 0;
	int lines = 0;
	if (n == 0) {
		char *why = gdb_failure(out ? out : "");
		strappend(text, "  (the threads' stacks could not be read: %s)\n", why);
		free(why);
		lines = 1;
	}
	/* gdb lists the newest thread first; students number threads from main. */
	for (size_t i = n; i-- > 0 && lines < budget; lines++)
		describe_thread(text, &bt[i], thread_state(threads, bt[i].lwp));
	free(out);
	return lines;
}

char *sbx_diagnose(const struct sbx_diag_in *in)
{
	struct sbx_proc targets[MAX_TARGETS];
	struct sbx_procs before = { 0 }, after = { 0 };
	size_t n = pick_targets(in->procs, targets);
	char *text = xasprintf("timed out after %.1f s.", in->waited_s);
	if (n == 0) {
		strappend(&text, " No program of yours was still running.\n");
		return text;
	}
	sample_threads(targets, n, &before);
	in->wait_ms(in->ctx, 200);
	sample_threads(targets, n, &after);
	bool running = total_cpu(&after) >= total_cpu(&before) + 2;
	for (size_t i = 0; i < after.n; i++)
		running = running || (after.p[i].state == 'R' && thread_state(&before, after.p[i].pid) == 'R');
	strappend(&text, running
	          ? " It looks like an infinite loop or livelock: threads are running but never finish.\n"
	          : " It looks like a deadlock or a wait that is never signalled: every thread is blocked.\n");
	int lines = 0;
	for (size_t i = 0; i < n && lines < MAX_LINES; i++) {
		if (n > 1)
			strappend(&text, "  process %d (%s):\n", targets[i].pid, targets[i].comm);
		lines += describe_process(&text, &targets[i], in, &after, MAX_LINES - lines);
	}
	free(before.p);
	free(after.p);
	return text;
}
