/* diagnose.c - says why a run hangs (it timed out, or a test is stuck): picks
 * the processes to look at, tells blocked threads from running ones, and
 * names the student's frames in each thread's backtrace (taken with gdb) so
 * the student knows where to look. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
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
#include "sandbox_int.h"

#define GDB_TIMEOUT_S 10
#define GDB_OUTPUT_MAX (256 * 1024)
#define MAX_TARGETS 3
#define MAX_LINES 12              /* thread lines in one diagnosis */
#define MAX_THREADS 256           /* threads read from one backtrace */
#define GROWING_BYTES (4 << 20)   /* resident memory grown in 0.2 s: still at work */

/* ---- which processes to look at, and are they blocked ---- */

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
		if (ps->p[i].ppid == pid && !sbx_is_wrapper(&ps->p[i]))
			return true;
	return false;
}

/* Leaves first: a test runner waiting for its child is not where the bug is. */
static size_t pick_targets(const struct sbx_procs *ps, struct sbx_proc *out)
{
	size_t n = 0;
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < ps->n && n < MAX_TARGETS; i++)
			if (!sbx_is_wrapper(&ps->p[i]) && has_child(ps, ps->p[i].pid) == (pass == 1))
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
		sbx_procs_read_dir(dir, &one);
		for (size_t j = 0; j < one.n; j++)
			sbx_procs_push(out, &one.p[j]);
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

/* Resident memory of the processes, in bytes. */
static unsigned long long resident(const struct sbx_proc *procs, size_t n)
{
	unsigned long long sum = 0, pages;
	char path[64];
	for (size_t i = 0; i < n; i++) {
		snprintf(path, sizeof path, "/proc/%d/statm", procs[i].pid);
		FILE *f = fopen(path, "re");
		if (f && fscanf(f, "%*u %llu", &pages) == 1)
			sum += pages * (unsigned long long)sysconf(_SC_PAGESIZE);
		if (f)
			fclose(f);
	}
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

/* After the backtraces, one line per thread that waits for a mutex:
 * "grader-lock LWP OWNER", OWNER being the mutex's __owner (the holder's
 * thread id, as the process itself sees it: in its pid namespace). The
 * mutex is the one pthread_mutex_t * argument of a frame near the lock call
 * that has debug info (a wrapper such as common/'s Pthread_mutex_lock(m), or
 * glibc's own with its debug symbols); failing that on x86-64, the futex
 * word the thread sleeps on ($rdi of the futex call, the mutex's first
 * word), believed only when its owner field names a live thread. */
static const char lock_py[] =
	"import gdb\\n"
	"def arg(fr):\\n"
	"  try: b = fr.block()\\n"
	"  except RuntimeError: return None\\n"
	"  got = []\\n"
	"  while b is not None:\\n"
	"    for s in b:\\n"
	"      t = s.type\\n"
	"      if s.is_argument and t is not None and t.strip_typedefs().code == gdb.TYPE_CODE_PTR"
	" and str(t.strip_typedefs().target().unqualified()) == 'pthread_mutex_t':\\n"
	"        got.append(s)\\n"
	"    if b.function is not None: break\\n"
	"    b = b.superblock\\n"
	"  return int(got[0].value(fr).dereference()['__data']['__owner']) if len(got) == 1 else None\\n"
	"def word(a):\\n"
	"  return int.from_bytes(gdb.selected_inferior().read_memory(a, 4).tobytes(), 'little', signed=True)\\n"
	"inf = gdb.selected_inferior()\\n"
	"for t in inf.threads():\\n"
	"  try:\\n"
	"    t.switch(); fr = gdb.newest_frame(); k = 0; near = None\\n"
	"    while fr is not None and k < 64:\\n"
	"      n = fr.name() or ''\\n"
	"      if 'mutex_lock' in n or 'mutex_timedlock' in n or 'lll_lock_wait' in n: near = fr; break\\n"
	"      fr = fr.older(); k += 1\\n"
	"    if near is None: continue\\n"
	"    owner = None; fr = near\\n"
	"    for i in range(4):\\n"
	"      if fr is None or owner is not None: break\\n"
	"      try: owner = arg(fr)\\n"
	"      except Exception: owner = None\\n"
	"      fr = fr.older()\\n"
	"    if owner is None and 'x86-64' in gdb.newest_frame().architecture().name():\\n"
	"      a = int(gdb.newest_frame().read_register('rdi'))\\n"
	"      if word(a) in (1, 2): owner = word(a + 8)\\n"
	"    if owner is not None and owner > 0: print('grader-lock %d %d' % (t.ptid[1], owner))\\n"
	"  except Exception:\\n"
	"    pass\\n";

/* gdb's backtrace of every thread of pid, then the lock lines above, under
 * its own deadline (an absolute sbx_now-style time, or 0 for GDB_TIMEOUT_S
 * from now). */
static char *run_gdb(pid_t pid, double deadline)
{
	char pidarg[16], *out = calloc(1, GDB_OUTPUT_MAX);
	char *locks = xasprintf("python exec(\"%s\")", lock_py);
	char *argv[] = { "gdb", "-p", pidarg, "-batch", "-nx",
	                 /* Read files from our side: the sandbox shows the same paths, and a
	                  * normal user may not enter its mount namespace ("target:"). */
	                 "-iex", "set sysroot /", "-iex", "set debuginfod enabled off",
	                 /* gdb runs outside the sandbox: no script a student's binary names */
	                 "-iex", "set auto-load off",
	                 "-ex", "set pagination off", "-ex", "set print frame-arguments none",
	                 /* full paths: a harness file is told from glibc's by its folder */
	                 "-ex", "set filename-display absolute",
	                 "-ex", "thread apply all bt", "-ex", locks, NULL };
	int fds[2];
	snprintf(pidarg, sizeof pidarg, "%d", pid);
	if (!out || pipe2(fds, O_CLOEXEC) < 0) {
		free(locks);
		return out;
	}
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
	double start = now_s(), end = deadline > 0 ? deadline : start + GDB_TIMEOUT_S;
	if (g > 0 && !read_until(fds[0], out, GDB_OUTPUT_MAX, end)) {
		kill(g, SIGKILL);
		/* A tracer's death may leave the process stopped: let it run on. */
		kill(pid, SIGCONT);
		strappend(&out, "\ngdb took more than %.3g s\n", end - start);
	}
	close(fds[0]);
	if (g > 0)
		waitpid(g, NULL, 0);
	free(locks);
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
	pid_t lwp;           /* as the grader sees it */
	pid_t nstid;         /* as the process sees it (its pid namespace), 0 if unknown */
	pid_t holder;        /* nstid of the thread holding the mutex it waits for, or 0 */
	int depth;           /* frames seen */
	struct frame inner;  /* frame #0 */
	struct frame prev;   /* the frame inside `mine`: the call it waits in */
	struct frame mine;   /* the innermost student frame */
	struct frame outer;  /* the student frame that called `mine` */
	bool has_mine, has_outer;
	struct frame lab;    /* the innermost harness frame (a lab file, not the student's) */
	struct frame lab_prev;
	bool has_lab;
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

/* The frame's source lies under the lab folder: "... at /scratch/labs/x/harness.c:9". */
static bool in_lab(const char *raw, const char *lab_dir)
{
	const char *at = NULL;
	for (const char *s = strstr(raw, " at "); s; s = strstr(s + 1, " at "))
		at = s;
	size_t len = lab_dir ? strlen(lab_dir) : 0;
	return at && len && !strncmp(at + 4, lab_dir, len) && at[4 + len] == '/';
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

struct bt_in {
	const char *const *files;
	const char *lab_dir;
};

static void parse_lock(const char *one, struct thread_bt *t, size_t n)
{
	int lwp = 0, owner = 0;
	if (sscanf(one, "grader-lock %d %d", &lwp, &owner) != 2)
		return;
	for (size_t i = 0; i < n; i++)
		if (t[i].lwp == lwp)
			t[i].holder = owner;
}

static void parse_line(const char *one, const struct bt_in *in, struct thread_bt *t,
                       size_t *n, size_t max)
{
	struct frame f;
	if (!strncmp(one, "grader-lock ", 12)) {
		parse_lock(one, t, *n);
		return;
	}
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
	if (cur->has_mine) {
		if (!cur->has_outer && is_student(&f, in->files, one)) {
			cur->has_outer = true;
			cur->outer = f;
		}
		return;
	}
	if (is_student(&f, in->files, one)) {
		cur->has_mine = true;
		cur->mine = f;
		return;
	}
	if (!cur->has_lab && in_lab(one, in->lab_dir)) {
		cur->has_lab = true;
		cur->lab = f;
		cur->lab_prev = cur->prev;
	}
	cur->prev = f;
}

static size_t parse_bt(const char *text, const struct bt_in *in, struct thread_bt *t, size_t max)
{
	size_t n = 0;
	char one[1024];
	for (const char *line = text; *line;) {
		size_t len = strcspn(line, "\n");
		snprintf(one, sizeof one, "%.*s", (int)len, line);
		parse_line(one, in, t, &n, max);
		line += len + (line[len] == '\n');
	}
	return n;
}

/* A thread's id in the process's own pid namespace: the last field of
 * NSpid in /proc/PID/task/TID/status (a mutex's owner is written in it). */
static pid_t ns_tid(pid_t pid, pid_t tid)
{
	char path[64], line[256];
	pid_t last = 0;
	snprintf(path, sizeof path, "/proc/%d/task/%d/status", pid, tid);
	FILE *f = fopen(path, "re");
	while (f && fgets(line, sizeof line, f)) {
		if (strncmp(line, "NSpid:", 6))
			continue;
		char *p = line + 6, *end;
		for (long v = strtol(p, &end, 10); end != p; v = strtol(p, &end, 10)) {
			last = (pid_t)v;
			p = end;
		}
	}
	if (f)
		fclose(f);
	return last;
}

/* ---- saying what each thread does ---- */

/* What a thread does, without its number: "waits in X, called from f (f.c:9)". */
static void doing(const struct thread_bt *t, char state, bool plural, char *out, size_t len)
{
	bool waits = state == 'S' || state == 'D';
	const char *verb = waits ? (plural ? "wait in" : "waits in") : (plural ? "are in" : "is in");
	bool harness = !t->has_mine && t->has_lab;
	const struct frame *m = harness ? &t->lab : &t->mine;
	const struct frame *prev = harness ? &t->lab_prev : &t->prev;
	if ((t->has_mine || harness) && !prev->fn[0])
		snprintf(out, len, "%s %s (%s:%d)", plural ? "run in" : "runs in", m->fn, m->file, m->line);
	else if (t->has_mine || harness)
		snprintf(out, len, "%s %s, called from %s (%s:%d)", verb, api_name(prev->fn),
		         m->fn, m->file, m->line);
	else if (strcmp(t->inner.fn, "??"))
		snprintf(out, len, "%s %s", verb, api_name(t->inner.fn));
	else
		snprintf(out, len, "%s code without debug symbols", verb);
}

static const char *tag(const struct thread_bt *t)
{
	return !t->has_mine && t->has_lab ? " (harness)" : "";
}

/* Who holds the mutex thread i waits for: "; the lock is held by thread 3
 * itself" or "; the lock is held by thread 2, which waits in ...". */
static void holder_words(const struct thread_bt *bt, size_t n, size_t i,
                         const struct sbx_procs *threads, bool all_known, char *out, size_t len)
{
	char what[400];
	out[0] = 0;
	if (!bt[i].holder)
		return;
	for (size_t j = 0; j < n; j++) {
		if (bt[j].nstid != bt[i].holder)
			continue;
		if (j == i) {
			int k = snprintf(out, len, "; the lock is held by thread %d itself", bt[i].num);
			if (bt[i].has_outer && k > 0 && (size_t)k < len) /* where it may have taken it */
				snprintf(out + k, len - k, " (%s was called from %s (%s:%d))", bt[i].mine.fn,
				         bt[i].outer.fn, bt[i].outer.file, bt[i].outer.line);
			return;
		}
		doing(&bt[j], thread_state(threads, bt[j].lwp), false, what, sizeof what);
		snprintf(out, len, "; the lock is held by thread %d%s, which %s", bt[j].num, tag(&bt[j]),
		         what);
		return;
	}
	if (all_known)
		snprintf(out, len, "; the lock is held by a thread that has ended without unlocking it");
}

/* "3, 7-13, 15": thread numbers, ascending. */
static char *ranges(const int *nums, size_t n)
{
	char *out = xstrdup("");
	for (size_t i = 0, j; i < n; i = j + 1) {
		for (j = i; j + 1 < n && nums[j + 1] == nums[j] + 1; j++)
			;
		if (j > i)
			strappend(&out, "%s%d-%d", i ? ", " : "", nums[i], nums[j]);
		else
			strappend(&out, "%s%d", i ? ", " : "", nums[i]);
	}
	return out;
}

struct line_of {
	char key[1000];   /* tag, singular words, holder: threads with the same key share a line */
	char plural[400];
	char holder[600];
};

/* One line per thing threads do, main first ("threads 2-9, 12 wait in ..."),
 * so that among many the one thread doing something else stands out. */
static int describe_threads(char **text, const struct thread_bt *bt, size_t n,
                            const struct sbx_procs *threads, int budget)
{
	bool *done = calloc(n + 1, 1), all_known = true;
	int *nums = calloc(n + 1, sizeof *nums), lines = 0;
	struct line_of *l = calloc(n + 1, sizeof *l);
	char one[400];
	for (size_t i = 0; i < n; i++)
		all_known = all_known && bt[i].nstid;
	for (size_t i = 0; l && i < n; i++) {
		char state = thread_state(threads, bt[i].lwp);
		doing(&bt[i], state, false, one, sizeof one);
		doing(&bt[i], state, true, l[i].plural, sizeof l[i].plural);
		holder_words(bt, n, i, threads, all_known, l[i].holder, sizeof l[i].holder);
		snprintf(l[i].key, sizeof l[i].key, "%s %s%s", tag(&bt[i]), one, l[i].holder);
	}
	/* gdb lists the newest thread first; students number threads from main. */
	for (size_t i = n; done && nums && l && i-- > 0 && lines < budget;) {
		size_t count = 0;
		if (done[i])
			continue;
		for (size_t j = i + 1; j-- > 0;) {
			if (!done[j] && !strcmp(l[i].key, l[j].key)) {
				done[j] = true;
				nums[count++] = bt[j].num;
			}
		}
		if (count == 1) {
			strappend(text, "  thread %d%s\n", nums[0], l[i].key);
		} else {
			char *which = ranges(nums, count);
			strappend(text, "  threads %s%s %s%s\n", which, tag(&bt[i]), l[i].plural,
			          l[i].holder);
			free(which);
		}
		lines++;
	}
	free(done);
	free(nums);
	free(l);
	return lines;
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
	if (!out[0])
		return xstrdup("gdb is missing or printed nothing");
	const char *end = out + strlen(out), *last;
	while (end > out && end[-1] == '\n')
		end--;
	for (last = end; last > out && last[-1] != '\n'; last--)
		;
	return xasprintf("gdb printed no thread; its last line: %.*s", (int)(end - last), last);
}

/* Appends the threads of one process; returns the lines added. */
static int describe_process(char **text, const struct sbx_proc *p, const struct sbx_diag_in *in,
                            const struct sbx_procs *threads, int budget, double gdb_end)
{
	if (is_valgrind(p)) {
		strappend(text, "  (it runs under Valgrind, so the threads' stacks are not shown: "
		          "run it without Valgrind to see them)\n");
		return 1;
	}
	char *out = run_gdb(p->pid, gdb_end);
	struct thread_bt *bt = calloc(MAX_THREADS, sizeof *bt);
	struct bt_in bin = { in->student_files, in->lab_dir };
	size_t n = out && bt ? parse_bt(out, &bin, bt, MAX_THREADS) : 0;
	int lines = 0;
	for (size_t i = 0; i < n; i++)
		bt[i].nstid = ns_tid(p->pid, bt[i].lwp);
	if (n == 0) {
		char *why = gdb_failure(out ? out : "");
		strappend(text, "  (the threads' stacks could not be read: %s)\n", why);
		free(why);
		lines = 1;
	}
	lines += describe_threads(text, bt, n, threads, budget - lines);
	free(bt);
	free(out);
	return lines;
}

char *sbx_diagnose(const struct sbx_diag_in *in, struct sbx_diag_out *out)
{
	struct sbx_proc targets[MAX_TARGETS];
	struct sbx_procs before = { 0 }, after = { 0 };
	struct sbx_diag_out none;
	size_t n = pick_targets(in->procs, targets);
	char *text = xstrdup(in->headline);
	out = out ? out : &none;
	*out = (struct sbx_diag_out){ 0 };
	if (n == 0) {
		strappend(&text, " No program of yours was still running.\n");
		return text;
	}
	sample_threads(targets, n, &before);
	unsigned long long mem = resident(targets, n);
	in->wait_ms(in->ctx, 200);
	sample_threads(targets, n, &after);
	unsigned long long grown = resident(targets, n);
	grown = grown > mem ? grown - mem : 0;
	bool running = total_cpu(&after) >= total_cpu(&before) + 2;
	for (size_t i = 0; i < after.n; i++)
		running = running || (after.p[i].state == 'R' && thread_state(&before, after.p[i].pid) == 'R');
	out->blocked = !running;
	out->growing = grown >= GROWING_BYTES;
	if (out->growing)
		strappend(&text, " It was still taking memory (%llu MiB more in 0.2 s): it may be slow "
		          "rather than stuck, or it takes memory without end.\n", grown >> 20);
	else
		strappend(&text, running
		          ? " It looks like an infinite loop or livelock: threads are running but never finish.\n"
		          : " It looks like a deadlock or a wait that is never signalled: every thread is blocked.\n");
	int lines = 0;
	double gdb_end = in->gdb_s > 0 ? now_s() + in->gdb_s : 0; /* one deadline for all */
	for (size_t i = 0; i < n && lines < MAX_LINES; i++) {
		if (n > 1)
			strappend(&text, "  process %d (%s):\n", targets[i].pid, targets[i].comm);
		lines += describe_process(&text, &targets[i], in, &after, MAX_LINES - lines, gdb_end);
	}
	free(before.p);
	free(after.p);
	return text;
}
