/* sandbox.c - runs student code: inside bubblewrap when it works here, else
 * with rlimits in its own session; as an unprivileged uid when the grader is
 * root; under a wall deadline and an output cap; then kills the whole tree. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <math.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "grader.h"
#include "sandbox.h"

#define FLOOD_BYTES (16L << 20)   /* more output than this stops the run */
#define FSIZE_BYTES (64L << 20)
#define NOFILE_MAX 256
#define BWRAP_PROCS 4             /* bwrap's own processes, on top of max_procs */
#define KILL_ROUNDS 1000          /* 10 ms each: give up on unkillable processes after 10 s */
#define SBX_TMPFS_BYTES "268435456" /* bwrap's /tmp and /dev/shm: 256 MiB each */

/* Decided once by sbx_init. */
static struct {
	const char *bwrap;        /* path of a bwrap that works here, or NULL */
	bool bwrap_extras;        /* it takes --size and --disable-userns (bwrap >= 0.8) */
	bool drop;                /* the grader is root: student code runs as uid/gid */
	uid_t uid;
	gid_t gid;
	bool subreaper;
	bool ready;               /* sbx_init ran */
	char cg_parent[PATH_MAX]; /* a pids cgroup we may create children in, or "" */
	char line[1024];          /* sbx_protections() */
} S;

/* One run, from spawn to the last kill. */
struct run {
	const struct sbx_opts *o;
	const char *prog;         /* the student's program, resolved */
	char **argv;              /* what is exec'd (bwrap's command line, or o->argv) */
	char *const *env;
	const char *cwd;
	long cpu_s, mem_mb, nproc;
	char *cg;                 /* this run's cgroup folder, or NULL */
	char *cg_procs;           /* its cgroup.procs */
	struct sbx_result *r;
	pid_t parent, child;
	int pidfd, out_fd;
	int status;
	bool reaped;
	unsigned long long since; /* the child's start time: older processes are not ours */
	char *buf;
	size_t cap, len;
	long total;
	double t0, deadline;
};

enum step { ST_SESSION, ST_CGROUP, ST_LIMITS, ST_UID, ST_CWD, ST_STDIO, ST_EXEC };
static const char *const step_names[] = {
	"start a session", "join the pids cgroup", "set resource limits",
	"switch to the unprivileged user", "enter the working folder (is every folder above it "
	"searchable by that user?)", "set up stdin and stdout", "execute the program",
};
struct child_failure { int step, err; };

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t n = write(fd, text, strlen(text));
	close(fd);
	return n == (ssize_t)strlen(text) ? 0 : -1;
}

/* ---- in the child, between fork and exec: async-signal-safe calls only ---- */

static void utoa(unsigned long v, char *out)
{
	char tmp[24];
	int n = 0;
	do
		tmp[n++] = (char)('0' + v % 10);
	while (v /= 10);
	while (n)
		*out++ = tmp[--n];
	*out = 0;
}

static int limit(int res, rlim_t want)
{
	struct rlimit rl;
	if (getrlimit(res, &rl) < 0)
		return -1;
	/* An unprivileged grader cannot raise a hard limit: stay under it. */
	rl.rlim_cur = want < rl.rlim_max ? want : rl.rlim_max;
	rl.rlim_max = res == RLIMIT_CPU && rl.rlim_cur < rl.rlim_max ? rl.rlim_cur + 1 : rl.rlim_cur;
	return setrlimit(res, &rl);
}

static int set_limits(const struct run *run)
{
	/* CPU: SIGXCPU at the soft limit, SIGKILL one second later. */
	return limit(RLIMIT_CPU, (rlim_t)run->cpu_s) | limit(RLIMIT_AS, (rlim_t)run->mem_mb << 20) |
	       limit(RLIMIT_FSIZE, FSIZE_BYTES) | limit(RLIMIT_NOFILE, NOFILE_MAX) |
	       limit(RLIMIT_CORE, 0) | limit(RLIMIT_NPROC, (rlim_t)run->nproc);
}

static int drop_uid(void)
{
	/* Raw syscalls: glibc's wrappers would signal threads that no longer exist. */
	if (syscall(SYS_setgroups, 0, NULL) < 0 ||
	    syscall(SYS_setresgid, S.gid, S.gid, S.gid) < 0)
		return -1;
	return (int)syscall(SYS_setresuid, S.uid, S.uid, S.uid);
}

static int setup_stdio(int out_w, int err_w, int null)
{
	if (dup2(null, 0) < 0 || dup2(out_w, 1) < 0 || dup2(out_w, 2) < 0 || dup2(err_w, 3) < 0)
		return -1;
	fcntl(3, F_SETFD, FD_CLOEXEC);
	/* No descriptor of the grader (sockets, files) reaches student code. */
	return close_range(4, ~0U, 0);
}

static void reset_signals(void)
{
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	for (int s = 1; s < NSIG; s++) /* ignored signals stay ignored across exec */
		signal(s, SIG_DFL);
}

static __attribute__((noreturn)) void child(const struct run *run, int out_w, int err_w, int null)
{
	struct child_failure f = { ST_SESSION, 0 };
	char pid[24];
	int efd = err_w;
	utoa((unsigned long)getpid(), pid);
	if (setsid() < 0)
		goto fail;
	f.step = ST_CGROUP;
	if (run->cg_procs && write_file(run->cg_procs, pid) < 0)
		goto fail;
	f.step = ST_LIMITS;
	if (set_limits(run) < 0)
		goto fail;
	f.step = ST_UID;
	if (S.drop && drop_uid() < 0)
		goto fail;
	/* After the uid change, which clears it; then check the grader still lives. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != run->parent)
		_exit(127);
	prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
	prctl(PR_SET_PTRACER, PR_SET_PTRACER_ANY, 0, 0, 0); /* lets gdb attach under Yama */
	f.step = ST_CWD;
	if (chdir(run->cwd) < 0)
		goto fail;
	f.step = ST_STDIO;
	if (setup_stdio(out_w, err_w, null) < 0)
		goto fail;
	efd = 3;
	reset_signals();
	f.step = ST_EXEC;
	if (access(run->prog, X_OK) == 0) /* as the student's uid, before bwrap hides why */
		execve(run->argv[0], run->argv, run->env);
fail:
	f.err = errno;
	if (write(efd, &f, sizeof f) < 0)
		_exit(126);
	_exit(127);
}

/* ---- preparing a run ---- */

static char *find_in_path(const char *name, char *const *env, const char *cwd)
{
	const char *path = "/usr/bin:/bin";
	if (strchr(name, '/')) { /* a relative path counts from the run's folder, as after cd */
		char *full = name[0] == '/' ? xstrdup(name) : xasprintf("%s/%s", cwd, name);
		if (access(full, F_OK) == 0)
			return full;
		free(full);
		return NULL;
	}
	for (size_t i = 0; env && env[i]; i++)
		if (!strncmp(env[i], "PATH=", 5))
			path = env[i] + 5;
	for (const char *p = path; *p;) {
		size_t len = strcspn(p, ":");
		char *cand = xasprintf("%.*s/%s", (int)len, len ? p : ".", name);
		if (access(cand, X_OK) == 0)
			return cand;
		free(cand);
		p += len + (p[len] == ':');
	}
	return NULL;
}

static void strv_push(char ***v, size_t *n, const char *s)
{
	*v = realloc(*v, (*n + 2) * sizeof **v);
	if (!*v)
		abort();
	(*v)[(*n)++] = xstrdup(s);
	(*v)[*n] = NULL;
}

/* bwrap always sets PWD; env(1) restores exactly the environment given. */
static void push_env_shim(const struct run *run, char ***v, size_t *n)
{
	const char *pwd = NULL;
	for (size_t i = 0; run->env[i]; i++)
		if (!strncmp(run->env[i], "PWD=", 4))
			pwd = run->env[i];
	if (access("/usr/bin/env", X_OK) < 0 || strchr(run->prog, '='))
		return;
	const char *shim[] = { "/usr/bin/env", "-u", "PWD", "--", pwd };
	for (size_t i = 0; i < 5 && shim[i]; i++)
		strv_push(v, n, shim[i]);
}

/* bwrap's command line. Order matters: the tmpfs on /tmp comes before the
 * scratch bind, or a scratch under /tmp would be hidden; hidden folders come
 * before it too, so that a scratch inside one stays visible. */
static char **bwrap_argv(const struct run *run)
{
	static const char *const fixed[] = {
		"--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc",
		"--unshare-net", "--unshare-pid", "--unshare-ipc", "--die-with-parent", "--new-session", NULL };
	/* bwrap 0.8: tmpfs sizes (RAM is not for filling) and no nested user namespaces. */
	static const char *const extras[] = { "--size", SBX_TMPFS_BYTES, "--tmpfs", "/dev/shm",
		"--unshare-user", "--disable-userns", "--size", SBX_TMPFS_BYTES, NULL };
	const char *const *hidden = run->o->hidden;
	char **v = NULL;
	size_t n = 0;
	strv_push(&v, &n, S.bwrap);
	for (size_t i = 0; fixed[i]; i++)
		strv_push(&v, &n, fixed[i]);
	for (size_t i = 0; S.bwrap_extras && extras[i]; i++)
		strv_push(&v, &n, extras[i]);
	strv_push(&v, &n, "--tmpfs");
	strv_push(&v, &n, "/tmp");
	for (size_t i = 0; hidden && hidden[i]; i++) {
		struct stat st; /* bwrap cannot make a missing folder in a read-only root */
		if (stat(hidden[i], &st) == 0 && S_ISDIR(st.st_mode)) {
			strv_push(&v, &n, "--tmpfs");
			strv_push(&v, &n, hidden[i]);
		}
	}
	if (run->o->scratch) {
		const char *bind[] = { "--bind", run->o->scratch, run->o->scratch };
		for (size_t i = 0; i < 3; i++)
			strv_push(&v, &n, bind[i]);
	}
	strv_push(&v, &n, "--chdir");
	strv_push(&v, &n, run->cwd);
	strv_push(&v, &n, "--");
	push_env_shim(run, &v, &n);
	strv_push(&v, &n, run->prog);
	for (size_t i = 1; run->o->argv[i]; i++)
		strv_push(&v, &n, run->o->argv[i]);
	return v;
}

static int chown_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)flag;
	(void)ftw;
	/* A hard link may be a student's trap to own a system file (no
	 * protected_hardlinks): leave it, and never follow a symlink (FTW_PHYS). */
	if ((st->st_uid == S.uid && st->st_gid == S.gid) || (S_ISREG(st->st_mode) && st->st_nlink > 1))
		return 0;
	return lchown(path, S.uid, S.gid);
}

/* A pids cgroup for this run: a second fork-bomb fence, and a list of every
 * process in it even if one escapes the process tree. */
static char *make_cgroup(long max)
{
	static unsigned seq;
	char num[24];
	if (!S.cg_parent[0])
		return NULL;
	char *dir = xasprintf("%s/grader-sbx-%d-%u", S.cg_parent, getpid(), seq++);
	char *file = xasprintf("%s/pids.max", dir);
	snprintf(num, sizeof num, "%ld", max);
	if (mkdir(dir, 0755) < 0 || write_file(file, num) < 0) {
		rmdir(dir);
		free(dir);
		dir = NULL;
	}
	free(file);
	return dir;
}

static int prepare(struct run *run, bool use_bwrap, char **why)
{
	static char *const default_env[] = { "PATH=/usr/bin:/bin", NULL };
	const struct sbx_opts *o = run->o;
	struct stat st;
	run->env = o->env ? o->env : default_env;
	run->cwd = o->cwd ? o->cwd : o->scratch ? o->scratch : "/";
	if (!o->argv || !o->argv[0])
		return *why = xstrdup("no command to run"), -1;
	if (!(run->prog = find_in_path(o->argv[0], run->env, run->cwd)))
		return *why = xasprintf("%s: command not found", o->argv[0]), -1;
	if (o->scratch && stat(o->scratch, &st) < 0)
		return *why = xasprintf("scratch folder %s: %s", o->scratch, strerror(errno)), -1;
	if (o->scratch && !S_ISDIR(st.st_mode))
		return *why = xasprintf("scratch folder %s is not a folder", o->scratch), -1;
	if (S.drop && o->scratch && nftw(o->scratch, chown_one, 32, FTW_PHYS) != 0)
		return *why = xasprintf("could not give %s to uid %u: %s", o->scratch,
		                        (unsigned)S.uid, strerror(errno)), -1;
	long procs = (o->max_procs > 0 ? o->max_procs : 256) + (use_bwrap ? BWRAP_PROCS : 0);
	run->cpu_s = o->cpu_s > 0 ? o->cpu_s : (long)ceil(o->timeout_s * 2 + 1);
	run->mem_mb = o->mem_mb > 0 ? o->mem_mb : 4096;
	run->nproc = sbx_count_tasks(S.drop ? S.uid : getuid()) + procs;
	if ((run->cg = make_cgroup(procs)))
		run->cg_procs = xasprintf("%s/cgroup.procs", run->cg);
	run->argv = use_bwrap ? bwrap_argv(run) : NULL;
	for (size_t i = 0, n = 0; !use_bwrap && o->argv[i]; i++)
		strv_push(&run->argv, &n, i ? o->argv[i] : run->prog);
	run->cap = o->output_cap ? o->output_cap : 64 * 1024;
	run->buf = malloc(run->cap + 1);
	return run->buf ? 0 : (*why = xstrdup("out of memory"), -1);
}

/* ---- running ---- */

static int above_stdio(int fd)
{
	if (fd >= 0 && fd < 3) {
		int moved = fcntl(fd, F_DUPFD_CLOEXEC, 3);
		close(fd);
		return moved;
	}
	return fd;
}

static int spawn(struct run *run, char **why)
{
	int out[2] = { -1, -1 }, err[2] = { -1, -1 }, null = open("/dev/null", O_RDWR | O_CLOEXEC);
	struct child_failure f;
	char stat_path[64];
	struct sbx_proc p;
	if (null < 0 || pipe2(out, O_CLOEXEC) < 0 || pipe2(err, O_CLOEXEC) < 0) {
		int fds[] = { null, out[0], out[1], err[0] };
		*why = xasprintf("pipe: %s", strerror(errno));
		for (int i = 0; i < 4; i++)
			if (fds[i] >= 0)
				close(fds[i]);
		return -1;
	}
	/* The child dup2s these onto 0..3: none may already sit there. */
	out[1] = above_stdio(out[1]);
	err[1] = above_stdio(err[1]);
	null = above_stdio(null);
	run->parent = getpid();
	run->t0 = now_s();
	run->child = fork();
	if (run->child == 0)
		child(run, out[1], err[1], null);
	close(out[1]);
	close(err[1]);
	close(null);
	run->out_fd = out[0];
	ssize_t n;
	do /* EOF: exec worked */
		n = run->child < 0 ? -1 : read(err[0], &f, sizeof f);
	while (n < 0 && errno == EINTR);
	close(err[0]);
	if (run->child < 0 || n == (ssize_t)sizeof f) {
		if (run->child > 0 && waitpid(run->child, &run->status, 0) > 0)
			run->reaped = true;
		*why = run->child < 0 ? xasprintf("fork: %s", strerror(errno)) :
		       xasprintf("could not %s for %s: %s", step_names[f.step], run->prog, strerror(f.err));
		return -1;
	}
	run->pidfd = (int)syscall(SYS_pidfd_open, run->child, 0);
	snprintf(stat_path, sizeof stat_path, "/proc/%d/stat", run->child);
	run->since = sbx_proc_read(stat_path, &p) == 0 ? p.start : 0;
	return 0;
}

static void take_output(struct run *run)
{
	char chunk[64 * 1024];
	ssize_t n = read(run->out_fd, chunk, sizeof chunk);
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0) { /* every writer is gone, or the pipe broke */
		close(run->out_fd);
		run->out_fd = -1;
		return;
	}
	size_t keep = (size_t)n < run->cap - run->len ? (size_t)n : run->cap - run->len;
	memcpy(run->buf + run->len, chunk, keep);
	run->len += keep;
	run->total += n;
	if ((size_t)run->total > run->cap)
		run->r->output_truncated = true;
}

static void reap(struct run *run, pid_t pid)
{
	if (pid != run->child)
		waitpid(pid, NULL, WNOHANG);
	else if (!run->reaped && waitpid(pid, &run->status, WNOHANG) == pid)
		run->reaped = true;
}

/* Waits ms milliseconds, draining the output meanwhile (diagnosis callback). */
static void drain_for(void *ctx, int ms)
{
	struct run *run = ctx;
	double end = now_s() + ms / 1000.0, left;
	while ((left = end - now_s()) > 0) {
		struct pollfd pf = { run->out_fd, POLLIN, 0 };
		if (poll(&pf, 1, (int)ceil(left * 1000)) > 0)
			take_output(run);
	}
}

static void on_timeout(struct run *run)
{
	struct sbx_procs ps = { 0 };
	run->r->timed_out = true;
	if (!run->o->diagnose)
		return;
	sbx_descendants(run->since, &ps);
	struct sbx_diag_in in = { &ps, run->o->student_files, run->o->timeout_s, drain_for, run };
	run->r->diagnosis = sbx_diagnose(&in);
	free(ps.p);
}

/* Collects output until the main process ends, the deadline passes or the
 * output floods. A process that closed its stdout is still waited for. */
static void pump(struct run *run)
{
	while (!run->reaped && run->total <= FLOOD_BYTES) {
		double left = run->deadline - now_s();
		if (left <= 0) {
			on_timeout(run);
			return;
		}
		struct pollfd pf[2] = { { run->out_fd, POLLIN, 0 }, { run->pidfd, POLLIN, 0 } };
		int ms = (int)ceil(left * 1000);
		if (run->pidfd < 0 && ms > 20) /* no pidfd: notice the exit by polling */
			ms = 20;
		if (poll(pf, 2, ms) > 0 && pf[0].revents)
			take_output(run);
		reap(run, run->child);
	}
	if (run->total > FLOOD_BYTES)
		run->r->flooded = true;
}

/* ---- nothing left behind ---- */

static size_t kill_cgroup(const struct run *run)
{
	size_t n = 0;
	long pid;
	FILE *f = run->cg_procs ? fopen(run->cg_procs, "re") : NULL;
	while (f && fscanf(f, "%ld", &pid) == 1 && ++n)
		kill((pid_t)pid, SIGKILL);
	if (f)
		fclose(f);
	return n;
}

static size_t kill_listed(struct run *run, struct sbx_procs *ps)
{
	size_t n = sbx_descendants(run->since, ps);
	for (size_t i = 0; i < n; i++) {
		if (ps->p[i].state != 'Z')
			kill(ps->p[i].pid, SIGKILL);
		/* Orphans come to us (subreaper): their zombies are ours to reap. */
		if (ps->p[i].ppid == run->parent)
			reap(run, ps->p[i].pid);
	}
	return n;
}

/* SIGKILL (a student may ignore SIGTERM) to the session, the cgroup and every
 * descendant, until none is left: daemons and double forks included. */
static void kill_tree(struct run *run)
{
	struct sbx_procs ps = { 0 };
	for (int round = 0; round < KILL_ROUNDS; round++) {
		if (!run->reaped) /* the session's group id is the child's pid while it lives */
			kill(-run->child, SIGKILL);
		size_t left = kill_cgroup(run) + kill_listed(run, &ps);
		reap(run, run->child);
		if (left == 0 && run->reaped)
			break;
		usleep(round < 20 ? 1000 : 10000);
	}
	free(ps.p);
	/* Writers are dead: what is left in the pipe comes quickly. */
	for (double end = now_s() + 1; run->out_fd >= 0 && now_s() < end;) {
		struct pollfd pf = { run->out_fd, POLLIN, 0 };
		if (poll(&pf, 1, 100) > 0)
			take_output(run);
	}
}

static void finish(struct run *run, bool use_bwrap)
{
	struct sbx_result *r = run->r;
	int st = run->status;
	r->wall_s = now_s() - run->t0;
	r->exit_code = -1;
	if (!run->reaped) {
		r->term_signal = SIGKILL;
		strappend(&r->output, "\n[sandbox: some processes could not be killed]\n");
	} else if (WIFSIGNALED(st)) {
		r->term_signal = WTERMSIG(st);
	} else if (use_bwrap && WEXITSTATUS(st) > 128 && WEXITSTATUS(st) < 128 + 32) {
		/* bwrap reports a child killed by signal N as exit 128+N. */
		r->term_signal = WEXITSTATUS(st) - 128;
	} else {
		r->exit_code = WEXITSTATUS(st);
	}
}

static void run_free(struct run *run)
{
	for (size_t i = 0; run->argv && run->argv[i]; i++)
		free(run->argv[i]);
	free(run->argv);
	free((char *)run->prog);
	if (run->pidfd >= 0)
		close(run->pidfd);
	if (run->out_fd >= 0)
		close(run->out_fd);
	/* The kernel frees a cgroup's last task a moment after its exit. */
	for (int i = 0; run->cg && rmdir(run->cg) < 0 && errno == EBUSY && i < 100; i++)
		usleep(1000);
	free(run->cg);
	free(run->cg_procs);
}

static int run_with(struct run *run, bool use_bwrap)
{
	char *why = NULL;
	struct sbx_result *r = run->r;
	int rc = prepare(run, use_bwrap, &why);
	if (rc == 0) {
		run->deadline = now_s() + run->o->timeout_s;
		rc = spawn(run, &why);
	}
	if (rc == 0) {
		pump(run);
		kill_tree(run);
		run->buf[run->len] = 0;
		r->output = run->buf;
		finish(run, use_bwrap);
	} else {
		free(run->buf);
		r->output = why;
		r->exit_code = -1;
	}
	run_free(run);
	return rc;
}

int sbx_run(const struct sbx_opts *o, struct sbx_result *r)
{
	struct run run = { .o = o, .r = r, .pidfd = -1, .out_fd = -1 };
	memset(r, 0, sizeof *r);
	if (!S.ready) /* never run student code as root unprotected */
		sbx_init();
	return run_with(&run, S.bwrap != NULL);
}

void sbx_result_free(struct sbx_result *r)
{
	free(r->output);
	free(r->diagnosis);
	r->output = r->diagnosis = NULL;
}

/* ---- once at start ---- */

static bool cgroup_usable(const char *base)
{
	char *dir = xasprintf("%s/grader-probe-%d", base, getpid());
	char *max = xasprintf("%s/pids.max", dir);
	bool ok = mkdir(dir, 0755) == 0 && access(max, W_OK) == 0;
	rmdir(dir);
	free(dir);
	free(max);
	return ok;
}

/* Our pids cgroup, v1 ("N:pids:/path") or v2 ("0::/path"), if we may make children in it. */
static void find_cgroup(void)
{
	char line[512], base[PATH_MAX];
	FILE *f = fopen("/proc/self/cgroup", "re");
	while (f && fgets(line, sizeof line, f)) {
		char *c1 = strchr(line, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
		if (!c2)
			continue;
		line[strcspn(line, "\n")] = 0;
		*c2 = 0;
		if (strstr(c1 + 1, "pids"))
			snprintf(base, sizeof base, "/sys/fs/cgroup/pids%s", c2 + 1);
		else if (c1[1] == 0)
			snprintf(base, sizeof base, "/sys/fs/cgroup%s", c2 + 1);
		else
			continue;
		if (cgroup_usable(base)) {
			snprintf(S.cg_parent, sizeof S.cg_parent, "%s", base);
			break;
		}
	}
	if (f)
		fclose(f);
}

static bool bwrap_starts(char *why, size_t len)
{
	char *argv[] = { "/bin/true", NULL };
	struct sbx_opts o = { .argv = argv, .timeout_s = 10 };
	struct sbx_result r;
	int rc = sbx_run(&o, &r);
	bool ok = rc == 0 && r.exit_code == 0;
	if (!ok)
		snprintf(why, len, "bwrap failed to start: %.*s", (int)strcspn(r.output, "\n"), r.output);
	sbx_result_free(&r);
	return ok;
}

/* bwrap counts only if a real sandbox starts here, as the uid we will use. */
static const char *probe_bwrap(char *why, size_t len)
{
	static const char *const paths[] = { "/usr/bin/bwrap", "/usr/local/bin/bwrap", "/bin/bwrap", NULL };
	const char *no = getenv("GRADER_NO_BWRAP");
	if (no && *no && strcmp(no, "0"))
		return snprintf(why, len, "GRADER_NO_BWRAP=%s", no), NULL;
	for (size_t i = 0; paths[i] && !S.bwrap; i++)
		if (access(paths[i], X_OK) == 0)
			S.bwrap = paths[i];
	if (!S.bwrap)
		return snprintf(why, len, "bwrap is not installed"), NULL;
	S.bwrap_extras = true;
	if (bwrap_starts(why, len))
		return S.bwrap;
	S.bwrap_extras = false; /* an older bwrap: the core flags may still work */
	return bwrap_starts(why, len) ? S.bwrap : NULL;
}

void sbx_init(void)
{
	char why[200] = "";
	const char *no_cg = getenv("GRADER_NO_CGROUP");
	signal(SIGPIPE, SIG_IGN); /* a student closing a pipe must not kill the grader */
	S.subreaper = prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0;
	S.drop = geteuid() == 0;
	struct passwd *pw = S.drop ? getpwnam("nobody") : NULL;
	S.uid = pw ? pw->pw_uid : 65534;
	S.gid = pw ? pw->pw_gid : 65534;
	S.bwrap = NULL;
	S.cg_parent[0] = 0;
	S.ready = true; /* the probe's sbx_run must not call sbx_init again */
	if (S.drop && !(no_cg && !strcmp(no_cg, "1")))
		find_cgroup();
	S.bwrap = probe_bwrap(why, sizeof why);
	snprintf(S.line, sizeof S.line,
	         "sandbox: %s%s%s; runs as %s; process limit by RLIMIT_NPROC%s; rlimits on CPU, "
	         "address space, file size (%ld MiB), open files (%d), no core dumps; own session; "
	         "stdin /dev/null; wall deadline; output cap; leftover processes killed%s",
	         S.bwrap ? "bubblewrap (read-only filesystem but the scratch folder, private /tmp, "
	                   "no network, own pid and ipc namespaces)" : "NO bubblewrap (",
	         S.bwrap ? "" : why, S.bwrap ? "" : "): the filesystem and network are not isolated",
	         S.drop ? "uid nobody, not root" : "the grader's own user",
	         S.cg_parent[0] ? " and a pids cgroup" : "", FSIZE_BYTES >> 20, NOFILE_MAX,
	         S.subreaper ? "" : " (no subreaper: orphans may escape)");
}

const char *sbx_protections(void)
{
	return S.line[0] ? S.line : "sandbox: not initialised (sbx_init was not called)";
}
