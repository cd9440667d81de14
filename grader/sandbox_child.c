/* sandbox_child.c - from fork to exec: the child starts its own session,
 * joins the run's pids cgroup, takes its rlimits, drops to the unprivileged
 * uid, enters the working folder, gets /dev/null as stdin and the output pipe
 * as stdout and stderr, and execs; a step that fails is reported to the
 * grader through a close-on-exec pipe, so the grader knows the exec worked. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <sys/syscall.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include "grader.h"
#include "sandbox_int.h"

enum step { ST_SESSION, ST_CGROUP, ST_LIMITS, ST_UID, ST_CWD, ST_STDIO, ST_EXEC };
static const char *const step_names[] = {
	"start a session", "join the pids cgroup", "set resource limits",
	"switch to the unprivileged user", "enter the working folder (is every folder above it "
	"searchable by that user?)", "set up stdin and stdout", "execute the program",
};
struct child_failure { int step, err; };

int sbx_write_file(const char *path, const char *text)
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
	return limit(RLIMIT_CPU, (rlim_t)run->cpu_s) | limit(RLIMIT_AS, run->mem_mb < 0 ? RLIM_INFINITY : (rlim_t)run->mem_mb << 20) |
	       limit(RLIMIT_FSIZE, SBX_FSIZE_BYTES) | limit(RLIMIT_NOFILE, SBX_NOFILE_MAX) |
	       limit(RLIMIT_CORE, 0) | limit(RLIMIT_NPROC, (rlim_t)run->nproc);
}

static int drop_uid(void)
{
	/* Raw syscalls: glibc's wrappers would signal threads that no longer exist. */
	if (syscall(SYS_setgroups, 0, NULL) < 0 ||
	    syscall(SYS_setresgid, sbx_state.gid, sbx_state.gid, sbx_state.gid) < 0)
		return -1;
	return (int)syscall(SYS_setresuid, sbx_state.uid, sbx_state.uid, sbx_state.uid);
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

/* Student code may not ptrace: inside the sandbox it could stop the pid
 * namespace's init, which runs as the same user, and hang the run for good.
 * A classic BPF filter: ptrace fails with EPERM, every other call is allowed;
 * a call from another architecture's table is refused outright. gdb's own
 * attach comes from outside the sandbox and is not filtered.
 *
 * A run that traces its own processes (run->trace_own: LeakSanitizer stops
 * every thread of a process with ptrace before it looks for leaks) may
 * ptrace any pid but 1, the init, and never PTRACE_TRACEME (which would make
 * that init a tracer). Only the low 32 bits of an argument count: the
 * kernel reads the pid as a pid_t. */
#if defined(__x86_64__)
#define SBX_AUDIT_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define SBX_AUDIT_ARCH AUDIT_ARCH_AARCH64
#endif
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define ARG_LOW(i) (offsetof(struct seccomp_data, args[i]) + 4)
#else
#define ARG_LOW(i) offsetof(struct seccomp_data, args[i])
#endif

static int deny_ptrace(bool own)
{
#ifndef SBX_AUDIT_ARCH
	(void)own;
	return 0; /* an architecture this filter was not written for: no filter */
#else
	struct sock_filter code[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SBX_AUDIT_ARCH, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_ptrace, 0, 6),       /* else: allow */
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARG_LOW(0)),                /* the request */
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, PTRACE_TRACEME, 3, 0),     /* deny */
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARG_LOW(1)),                /* the pid */
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 1, 1, 0),                  /* init: deny */
		BPF_STMT(BPF_RET | BPF_K, own ? SECCOMP_RET_ALLOW : SECCOMP_RET_ERRNO | EPERM),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { .len = sizeof code / sizeof code[0], .filter = code };
	return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0);
#endif
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
	if (run->cg_procs && sbx_write_file(run->cg_procs, pid) < 0)
		goto fail;
	f.step = ST_LIMITS;
	if (set_limits(run) < 0)
		goto fail;
	f.step = ST_UID;
	if (sbx_state.drop && drop_uid() < 0)
		goto fail;
	/* After the uid change, which clears it; then check the grader still lives. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != run->parent)
		_exit(127);
	prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
	prctl(PR_SET_PTRACER, PR_SET_PTRACER_ANY, 0, 0, 0); /* lets gdb attach under Yama */
	f.step = ST_LIMITS;
	if (deny_ptrace(run->trace_own) < 0)
		goto fail;
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

/* ---- in the grader ---- */

static int above_stdio(int fd)
{
	if (fd >= 0 && fd < 3) {
		int moved = fcntl(fd, F_DUPFD_CLOEXEC, 3);
		close(fd);
		return moved;
	}
	return fd;
}

int sbx_spawn(struct run *run, char **why)
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
	run->t0 = sbx_now();
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
