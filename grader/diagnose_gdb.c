/* diagnose_gdb.c - a hung process's threads as gdb sees them: every
 * thread's backtrace (gdb in batch mode, under a deadline), read into the
 * frames that matter to a student (the innermost one, the student's, the
 * harness's) and, for a thread waiting for a mutex, the thread holding it. */
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
#define MAX_THREADS 256           /* threads read from one backtrace */

/* ---- running gdb ---- */


/* Reads fd until EOF or the deadline; true on EOF. */
static bool read_until(int fd, char *buf, size_t cap, double deadline)
{
	size_t len = 0;
	char chunk[4096];
	for (;;) {
		struct pollfd pf = { fd, POLLIN, 0 };
		double left = deadline - clock_s();
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
	double start = clock_s(), end = deadline > 0 ? deadline : start + GDB_TIMEOUT_S;
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

static bool parse_frame(const char *line, struct sbx_frame *f)
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

static bool is_student(const struct sbx_frame *f, const char *const *files, const char *raw)
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
const char *sbx_api_name(const char *fn)
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
	char **functions;    /* " f g ": the lab's functions seen so far, once each */
};

/* Notes a function of the lab's files (a test's, the harness's, the
 * student's) on some stack, once: what the process was running. */
static void note_function(const struct bt_in *in, const struct sbx_frame *f, const char *raw)
{
	char key[sizeof f->fn + 2];
	snprintf(key, sizeof key, " %s ", f->fn);
	if (in_lab(raw, in->lab_dir) && !strstr(*in->functions, key))
		strappend(in->functions, "%s ", f->fn);
}

static void parse_lock(const char *one, struct sbx_thread *t, size_t n)
{
	int lwp = 0, owner = 0;
	if (sscanf(one, "grader-lock %d %d", &lwp, &owner) != 2)
		return;
	for (size_t i = 0; i < n; i++)
		if (t[i].lwp == lwp)
			t[i].holder = owner;
}

static void parse_line(const char *one, const struct bt_in *in, struct sbx_thread *t,
                       size_t *n, size_t max)
{
	struct sbx_frame f;
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
	struct sbx_thread *cur = &t[*n - 1];
	note_function(in, &f, one);
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

static size_t parse_bt(const char *text, const struct bt_in *in, struct sbx_thread *t, size_t max)
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

void sbx_gdb_take(pid_t pid, const char *const *files, const char *lab_dir, double deadline,
                  struct sbx_gdb *out)
{
	char *text = run_gdb(pid, deadline);
	*out = (struct sbx_gdb){ .t = calloc(MAX_THREADS, sizeof *out->t), .functions = xstrdup(" ") };
	struct bt_in in = { files, lab_dir, &out->functions };
	out->n = text && out->t ? parse_bt(text, &in, out->t, MAX_THREADS) : 0;
	for (size_t i = 0; i < out->n; i++)
		out->t[i].nstid = ns_tid(pid, out->t[i].lwp);
	if (out->n == 0)
		out->why = gdb_failure(text ? text : "");
	free(text);
}

void sbx_gdb_free(struct sbx_gdb *g)
{
	free(g->t);
	free(g->why);
	free(g->functions);
	*g = (struct sbx_gdb){ 0 };
}
