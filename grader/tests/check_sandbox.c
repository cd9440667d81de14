/* check_sandbox.c - the sandbox's own tests: each runs a small program (a
 * shell line or a fixture from sandbox_fixtures/) through sbx_run and checks
 * the outcome. Runs as root (uid drop, cgroup) and as a normal user, with
 * and without bubblewrap (GRADER_NO_BWRAP=1). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "sandbox.h"
#include "selftest.h"

static char fixtures[1024];     /* absolute path of sandbox_fixtures/ */
static char top[64];            /* holds every test's base; removed by main */
static char base[256];           /* per test: a 0755 folder holding scratch */
static char scratch[512];

/* ---- helpers ---- */

static void setup(void)
{
	sbx_init();
	snprintf(base, sizeof base, "%s/t.XXXXXX", top);
	ck_assert_ptr_nonnull(mkdtemp(base));
	/* The unprivileged sandbox user must reach scratch through base. */
	ck_assert_int_eq(chmod(base, 0755), 0);
	snprintf(scratch, sizeof scratch, "%s/scratch", base);
	ck_assert_int_eq(mkdir(scratch, 0755), 0);
}

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/* A failed test skips its teardown: main removes top, which holds them all. */
static void teardown(void)
{
	nftw(base, remove_one, 32, FTW_DEPTH | FTW_PHYS);
}

static bool bwrap_on(void)
{
	return strncmp(sbx_protections(), "sandbox: bubblewrap", 19) == 0;
}

/* Compiles sandbox_fixtures/NAME.c into scratch/sbx_NAME; returns that path. */
static char *fixture(const char *name)
{
	static char out[PATH_MAX];
	char cmd[3 * PATH_MAX];
	snprintf(out, sizeof out, "%s/sbx_%s", scratch, name);
	snprintf(cmd, sizeof cmd, "cc -g -O0 -pthread -o %s %s/%s.c", out, fixtures, name);
	ck_assert_msg(system(cmd) == 0, "could not compile %s", cmd);
	return out;
}

static int run(char *const *argv, double timeout_s, struct sbx_result *r)
{
	struct sbx_opts o = { .argv = argv, .scratch = scratch, .timeout_s = timeout_s };
	return sbx_run(&o, r);
}

static int run_sh(const char *line, double timeout_s, struct sbx_result *r)
{
	char *argv[] = { "sh", "-c", (char *)line, NULL };
	return run(argv, timeout_s, r);
}

/* Live processes whose name starts with prefix, anywhere on the machine. */
static int count_named(const char *prefix)
{
	char path[300], comm[64];
	struct dirent *e;
	int n = 0;
	DIR *d = opendir("/proc");
	while (d && (e = readdir(d))) {
		snprintf(path, sizeof path, "/proc/%s/comm", e->d_name);
		FILE *f = fopen(path, "r");
		if (f && fgets(comm, sizeof comm, f) && !strncmp(comm, prefix, strlen(prefix)))
			n++;
		if (f)
			fclose(f);
	}
	if (d)
		closedir(d);
	return n;
}

static int count_fds(void)
{
	int n = 0;
	DIR *d = opendir("/proc/self/fd");
	while (d && readdir(d))
		n++;
	if (d)
		closedir(d);
	return n;
}

/* ---- Core ---- */

START_TEST(test_sandbox_output_and_exit_0)
{
	struct sbx_result r;
	ck_assert_int_eq(run_sh("echo out; echo err >&2; echo out2", 10, &r), 0);
	ck_assert_int_eq(r.exit_code, 0);
	ck_assert_int_eq(r.term_signal, 0);
	ck_assert_str_eq(r.output, "out\nerr\nout2\n");
	ck_assert(!r.timed_out && !r.output_truncated && !r.flooded);
	ck_assert_ptr_null(r.diagnosis);
	sbx_result_free(&r);
}
END_TEST

START_TEST(test_sandbox_exit_code_3)
{
	struct sbx_result r;
	ck_assert_int_eq(run_sh("exit 3", 10, &r), 0);
	ck_assert_int_eq(r.exit_code, 3);
	ck_assert_int_eq(r.term_signal, 0);
	sbx_result_free(&r);
}
END_TEST

START_TEST(test_sandbox_segfault_signal_11)
{
	struct sbx_result r;
	ck_assert_int_eq(run_sh("kill -SEGV $$", 10, &r), 0);
	ck_assert_int_eq(r.exit_code, -1);
	ck_assert_int_eq(r.term_signal, 11);
	sbx_result_free(&r);
}
END_TEST

START_TEST(test_sandbox_stdin_is_eof)
{
	struct sbx_result r;
	ck_assert_int_eq(run_sh("if read x; then echo got; else echo eof; fi", 10, &r), 0);
	ck_assert_str_eq(r.output, "eof\n");
	sbx_result_free(&r);
}
END_TEST

START_TEST(test_sandbox_env_exactly_given)
{
	char *argv[] = { "/usr/bin/env", NULL };
	char *env[] = { "A=1", "B=two words", "PATH=/usr/bin:/bin", NULL };
	struct sbx_opts o = { .argv = argv, .env = env, .scratch = scratch, .timeout_s = 10 };
	struct sbx_result r;
	ck_assert_int_eq(sbx_run(&o, &r), 0);
	ck_assert_str_eq(r.output, "A=1\nB=two words\nPATH=/usr/bin:/bin\n");
	sbx_result_free(&r);
	o.env = NULL;
	ck_assert_int_eq(sbx_run(&o, &r), 0);
	ck_assert_str_eq(r.output, "PATH=/usr/bin:/bin\n");
	sbx_result_free(&r);
}
END_TEST

START_TEST(test_sandbox_cwd_and_scratch_writable)
{
	char line[PATH_MAX + 64], path[PATH_MAX + 16];
	struct sbx_result r;
	snprintf(line, sizeof line, "pwd; echo hi > inside && cat %s/inside", scratch);
	ck_assert_int_eq(run_sh(line, 10, &r), 0);
	snprintf(path, sizeof path, "%s\nhi\n", scratch);
	ck_assert_str_eq(r.output, path);
	ck_assert_int_eq(r.exit_code, 0);
	sbx_result_free(&r);
}
END_TEST

START_TEST(test_sandbox_relative_program_from_cwd)
{
	char path[600];
	snprintf(path, sizeof path, "%s/rel.sh", scratch);
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs("#!/bin/sh\necho \"rel $1\"\n", f);
	fclose(f);
	ck_assert_int_eq(chmod(path, 0755), 0);
	char *argv[] = { "./rel.sh", "arg", NULL };
	struct sbx_result r;
	ck_assert_int_eq(run(argv, 10, &r), 0);
	ck_assert_str_eq(r.output, "rel arg\n");
	sbx_result_free(&r);
}
END_TEST

START_TEST(test_sandbox_missing_program_is_grader_error)
{
	char *argv[] = { "no-such-program-xyz", NULL };
	struct sbx_result r;
	ck_assert_int_eq(run(argv, 10, &r), -1);
	ck_assert_ptr_nonnull(strstr(r.output, "not found"));
	sbx_result_free(&r);
}
END_TEST

START_TEST(test_sandbox_closed_stdout_still_waited)
{
	struct sbx_result r;
	ck_assert_int_eq(run_sh("echo before; exec >&- 2>&-; sleep 1; exit 4", 10, &r), 0);
	ck_assert_int_eq(r.exit_code, 4);
	ck_assert(!r.timed_out);
	ck_assert(r.wall_s >= 0.9);
	ck_assert_str_eq(r.output, "before\n");
	sbx_result_free(&r);
}
END_TEST

START_TEST(test_sandbox_protections_line)
{
	const char *no = getenv("GRADER_NO_BWRAP");
	const char *line = sbx_protections();
	ck_assert_ptr_nonnull(strstr(line, "rlimits"));
	if (no && !strcmp(no, "1"))
		ck_assert_ptr_nonnull(strstr(line, "NO bubblewrap (GRADER_NO_BWRAP=1)"));
	if (geteuid() == 0)
		ck_assert_ptr_nonnull(strstr(line, "uid nobody"));
	fprintf(stderr, "# %s\n", line);
}
END_TEST

/* ---- Limits ---- */

START_TEST(test_sandbox_sleep_forever_times_out)
{
	char *argv[] = { "sleep", "1000", NULL };
	struct sbx_result r;
	ck_assert_int_eq(run(argv, 1, &r), 0);
	ck_assert(r.timed_out);
	ck_assert(r.wall_s >= 1 && r.wall_s < 3);
	ck_assert_int_eq(r.exit_code, -1);
	ck_assert_int_eq(r.term_signal, 9);
	sbx_result_free(&r);
}
END_TEST

START_TEST(test_sandbox_sigterm_ignored_still_ends)
{
	struct sbx_result r;
	ck_assert_int_eq(run_sh("trap '' TERM; while :; do sleep 1; done", 1, &r), 0);
	ck_assert(r.timed_out);
	ck_assert(r.wall_s < 3);
	ck_assert_int_eq(r.term_signal, 9);
	sbx_result_free(&r);
}
END_TEST

START_TEST(test_sandbox_cpu_limit_signal)
{
	char *argv[] = { "sh", "-c", "while :; do :; done", NULL };
	struct sbx_opts o = { .argv = argv, .scratch = scratch, .timeout_s = 10, .cpu_s = 1 };
	struct sbx_result r;
	ck_assert_int_eq(sbx_run(&o, &r), 0);
	ck_assert_int_eq(r.term_signal, SIGXCPU);
	ck_assert(!r.timed_out && r.wall_s < 4);
	sbx_result_free(&r);
}
END_TEST

START_TEST(test_sandbox_file_size_limit_signal)
{
	char big[600];
	struct stat st;
	struct sbx_result r;
	ck_assert_int_eq(run_sh("exec head -c 70000000 /dev/zero > big", 20, &r), 0);
	ck_assert_int_eq(r.term_signal, SIGXFSZ);
	snprintf(big, sizeof big, "%s/big", scratch);
	ck_assert_int_eq(stat(big, &st), 0);
	ck_assert_int_eq(st.st_size, 64L << 20);
	sbx_result_free(&r);
}
END_TEST

START_TEST(test_sandbox_memory_limit)
{
	char *argv[] = { fixture("alloc"), "256", NULL };
	struct sbx_opts o = { .argv = argv, .scratch = scratch, .timeout_s = 10, .mem_mb = 64 };
	struct sbx_result r;
	ck_assert_int_eq(sbx_run(&o, &r), 0);
	ck_assert_str_eq(r.output, "malloc failed\n");
	sbx_result_free(&r);
	o.mem_mb = 1024;
	ck_assert_int_eq(sbx_run(&o, &r), 0);
	ck_assert_str_eq(r.output, "allocated\n");
	sbx_result_free(&r);
}
END_TEST

static struct sbx_result diagnosed(const char *name, const char *file)
{
	char *argv[] = { fixture(name), NULL };
	const char *files[] = { file, NULL };
	/* The fixtures' folder plays the lab's: its other files are the harness. */
	struct sbx_opts o = { .argv = argv, .scratch = scratch, .timeout_s = 2,
	                      .student_files = files, .lab_dir = fixtures, .diagnose = true };
	struct sbx_result r;
	ck_assert_int_eq(sbx_run(&o, &r), 0);
	ck_assert(r.timed_out);
	ck_assert_ptr_nonnull(r.diagnosis);
	fprintf(stderr, "# %s (%.1f s):\n%s", name, r.wall_s, r.diagnosis);
	return r;
}

START_TEST(test_sandbox_deadlock_diagnosed)
{
	struct sbx_result r = diagnosed("deadlock", "deadlock.c");
	ck_assert_ptr_nonnull(strstr(r.diagnosis, "Every thread is waiting: a deadlock or a lost wake-up."));
	ck_assert_ptr_nonnull(strstr(r.diagnosis, "pthread_mutex_lock, called from lock_both (deadlock.c:"));
	/* ABBA: each names the other as the holder of the lock it waits for. */
	ck_assert_ptr_nonnull(strstr(r.diagnosis, "; the lock is held by thread 2, which waits in "
	                             "pthread_mutex_lock, called from lock_both (deadlock.c:"));
	ck_assert_ptr_nonnull(strstr(r.diagnosis, "; the lock is held by thread 1, which waits in "
	                             "pthread_mutex_lock, called from lock_both (deadlock.c:"));
	ck_assert(r.blocked);
	ck_assert_str_eq(r.output, "starting\n");
	sbx_result_free(&r);
	ck_assert_int_eq(count_named("sbx_deadlock"), 0);
}
END_TEST

START_TEST(test_sandbox_relock_names_holder_and_harness)
{
	struct sbx_result r = diagnosed("relock", "relock.c");
	ck_assert_ptr_nonnull(strstr(r.diagnosis, "thread 1 waits in pthread_mutex_lock, called from "
	                             "lock_it (relock.c:15); the lock is held by thread 1 itself "
	                             "(lock_it was called from say (relock.c:20))"));
	ck_assert_ptr_nonnull(strstr(r.diagnosis, "thread 2 (harness) waits in read, called from "
	                             "reader (relock_harness.h:"));
	ck_assert(r.blocked);
	sbx_result_free(&r);
	ck_assert_int_eq(count_named("sbx_relock"), 0);
}
END_TEST

/* The same test in which nothing runs is stopped by the sandbox as soon as
 * frozen_s has shown it (its runner sees it killed), with its diagnosis. */
START_TEST(test_sandbox_frozen_test_stopped_at_once)
{
	char *argv[] = { fixture("stuck"), NULL };
	const char *files[] = { "stuck.c", NULL };
	struct sbx_opts o = { .argv = argv, .scratch = scratch, .timeout_s = 20,
	                      .student_files = files, .lab_dir = fixtures, .diagnose = true,
	                      .stuck_s = 2, .hang_s = 4, .frozen_s = 0.5 };
	struct sbx_result r;
	ck_assert_int_eq(sbx_run(&o, &r), 0);
	fprintf(stderr, "# frozen (%.1f s):\n%s", r.wall_s, r.stuck ? r.stuck : "(none)\n");
	ck_assert_int_eq(r.nblocks, 1);
	ck_assert(r.blocks[0].stopped && r.blocks[0].hung);
	ck_assert_msg(strstr(r.stuck, "nothing in it had run for 0.5 s: the grader stopped it") &&
	              strstr(r.stuck, "Every thread is waiting") &&
	              strstr(r.stuck, "pthread_mutex_lock, called from relock (stuck.c:20)"), "%s",
	              r.stuck);
	ck_assert_str_eq(r.output, "runner: starting the test\nrunner: the test ended by itself\n");
	ck_assert(!r.timed_out && r.wall_s < 2);
	sbx_result_free(&r);
	ck_assert_int_eq(count_named("sbx_stuck"), 0);
}
END_TEST

/* A harness thread that burns CPU while it polls for a result is not a
 * loop of the student's: the verdict is the student's threads', all
 * waiting, and the lines agree with it. */
START_TEST(test_sandbox_lost_wakeup_not_called_a_loop)
{
	struct sbx_result r = diagnosed("lostwake", "lostwake.c");
	ck_assert_ptr_nonnull(strstr(r.diagnosis, "Every thread of yours is waiting: a deadlock or a "
	                             "lost wake-up"));
	ck_assert_ptr_null(strstr(r.diagnosis, "loop"));
	ck_assert_ptr_nonnull(strstr(r.diagnosis, "thread 1 waits in pthread_cond_wait, called from "
	                             "wait_ready (lostwake.c:"));
	ck_assert_ptr_nonnull(strstr(r.diagnosis, "thread 2 (harness) "));
	ck_assert(r.blocked);
	sbx_result_free(&r);
	ck_assert_int_eq(count_named("sbx_lostwake"), 0);
}
END_TEST

START_TEST(test_sandbox_spin_diagnosed_as_loop)
{
	struct sbx_result r = diagnosed("spin", "spin.c");
	ck_assert_ptr_nonnull(strstr(r.diagnosis, "infinite loop"));
	ck_assert_ptr_nonnull(strstr(r.diagnosis, "running"));
	ck_assert_ptr_nonnull(strstr(r.diagnosis, "spin_forever (spin.c:"));
	ck_assert(!r.blocked);
	sbx_result_free(&r);
	ck_assert_int_eq(count_named("sbx_spin"), 0);
}
END_TEST

START_TEST(test_sandbox_growing_memory_is_not_called_stuck)
{
	struct sbx_result r = diagnosed("grow", "grow.c");
	ck_assert(r.growing);
	ck_assert_ptr_nonnull(strstr(r.diagnosis, "still taking memory"));
	ck_assert_ptr_null(strstr(r.diagnosis, "deadlock"));
	sbx_result_free(&r);
	r = diagnosed("spin", "spin.c");
	ck_assert(!r.growing);
	sbx_result_free(&r);
}
END_TEST

START_TEST(test_sandbox_stuck_test_diagnosed_before_its_kill)
{
	char *argv[] = { fixture("stuck"), NULL };
	const char *files[] = { "stuck.c", NULL };
	struct sbx_opts o = { .argv = argv, .scratch = scratch, .timeout_s = 20,
	                      .student_files = files, .lab_dir = fixtures, .diagnose = true,
	                      .stuck_s = 2 };
	struct sbx_result r;
	ck_assert_int_eq(sbx_run(&o, &r), 0);
	fprintf(stderr, "# stuck (%.1f s):\n%s", r.wall_s, r.stuck ? r.stuck : "(none)\n");
	ck_assert_ptr_nonnull(r.stuck);
	ck_assert_ptr_eq(strstr(r.stuck, SBX_STUCK_HEAD " after 2."), r.stuck);
	ck_assert_ptr_null(strstr(r.stuck + 1, SBX_STUCK_HEAD)); /* the test only, once */
	/* The block alone, with every function of the lab's files on its
	 * stacks, outer ones (main) included: which test it ran shows there
	 * even when the lines name only the helpers it called. */
	ck_assert_int_eq(r.nblocks, 1);
	ck_assert_str_eq(r.blocks[0].text, r.stuck);
	ck_assert_msg(strstr(r.blocks[0].functions, " run_test ") &&
	              strstr(r.blocks[0].functions, " relock ") &&
	              strstr(r.blocks[0].functions, " main "), "%s", r.blocks[0].functions);
	ck_assert_ptr_nonnull(strstr(r.stuck, "Every thread is waiting: a deadlock or a lost wake-up."));
	ck_assert_ptr_nonnull(strstr(r.stuck, "pthread_mutex_lock, called from relock (stuck.c:20)"));
	/* Left running, and killed by its runner's own timer, not the deadline. */
	ck_assert_str_eq(r.output, "runner: starting the test\nrunner: Test timeout expired\n");
	ck_assert(!r.timed_out && r.exit_code == 0);
	ck_assert_ptr_null(r.diagnosis);
	ck_assert(r.wall_s > 3.9 && r.wall_s < 5);
	sbx_result_free(&r);
	ck_assert_int_eq(count_named("sbx_stuck"), 0);
	/* Off by default: the same run gives no text. */
	o.stuck_s = 0;
	ck_assert_int_eq(sbx_run(&o, &r), 0);
	ck_assert_ptr_null(r.stuck);
	sbx_result_free(&r);
}
END_TEST

START_TEST(test_sandbox_output_cap_truncates)
{
	char *argv[] = { "sh", "-c", "printf '0123456789abcdef'", NULL };
	struct sbx_opts o = { .argv = argv, .scratch = scratch, .timeout_s = 10, .output_cap = 10 };
	struct sbx_result r;
	ck_assert_int_eq(sbx_run(&o, &r), 0);
	ck_assert_str_eq(r.output, "0123456789");
	ck_assert(r.output_truncated && !r.flooded);
	ck_assert_int_eq(r.exit_code, 0);
	sbx_result_free(&r);
}
END_TEST

START_TEST(test_sandbox_output_flood_stopped)
{
	char *argv[] = { "yes", "flood", NULL };
	struct sbx_result r;
	ck_assert_int_eq(run(argv, 30, &r), 0);
	ck_assert(r.flooded && r.output_truncated && !r.timed_out);
	ck_assert_uint_eq(strlen(r.output), 64 * 1024);
	ck_assert(r.wall_s < 5);
	fprintf(stderr, "# flood stopped after %.2f s\n", r.wall_s);
	sbx_result_free(&r);
}
END_TEST

START_TEST(test_sandbox_write_outside_scratch_fails)
{
	char line[4 * PATH_MAX], escape[PATH_MAX + 16], project[PATH_MAX + 16], cwd[PATH_MAX];
	struct sbx_result r;
	ck_assert_ptr_nonnull(getcwd(cwd, sizeof cwd));
	snprintf(escape, sizeof escape, "%s/escape", base);
	snprintf(project, sizeof project, "%s/sbx_escape", cwd); /* the real filesystem */
	snprintf(line, sizeof line, "echo x > %s; echo x > %s; echo x > inside", escape, project);
	ck_assert_int_eq(run_sh(line, 10, &r), 0);
	fprintf(stderr, "# write outside: %s", r.output);
	if (bwrap_on() || geteuid() == 0) {
		ck_assert_int_ne(access(escape, F_OK), 0);
		ck_assert_int_ne(access(project, F_OK), 0);
	} else {
		fprintf(stderr, "# no bubblewrap, normal user: the filesystem is not isolated\n");
	}
	unlink(escape);
	sbx_result_free(&r);
}
END_TEST

START_TEST(test_sandbox_network_blocked)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof sa;
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	char port[16];
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sa, sizeof sa), 0);
	ck_assert_int_eq(listen(fd, 4), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
	snprintf(port, sizeof port, "%d", ntohs(sa.sin_port));
	char *argv[] = { fixture("connect"), port, NULL };
	struct sbx_result r;
	ck_assert_int_eq(run(argv, 10, &r), 0);
	fprintf(stderr, "# connect: %s", r.output);
	ck_assert_int_eq(r.exit_code, bwrap_on() ? 1 : 0);
	sbx_result_free(&r);
	close(fd);
}
END_TEST

START_TEST(test_sandbox_setsid_daemon_killed)
{
	char *argv[] = { fixture("daemon"), NULL };
	struct sbx_result r;
	ck_assert_int_eq(run(argv, 20, &r), 0);
	ck_assert_int_eq(r.exit_code, 0);
	ck_assert(!r.timed_out && r.wall_s < 3);
	ck_assert_int_eq(count_named("sbx_daemon"), 0);
	sbx_result_free(&r);
}
END_TEST

/* The fixtures folder stands for solutions/: outside /tmp, readable by all. */
START_TEST(test_sandbox_hidden_folder_empty)
{
	char line[2 * PATH_MAX];
	snprintf(line, sizeof line, "ls %s; cat %s/deadlock.c | head -1", fixtures, fixtures);
	char *argv[] = { "sh", "-c", line, NULL };
	const char *hidden[] = { fixtures, "/no/such/folder", NULL };
	struct sbx_opts o = { .argv = argv, .scratch = scratch, .timeout_s = 10, .hidden = hidden };
	struct sbx_result r;
	ck_assert_int_eq(sbx_run(&o, &r), 0);
	fprintf(stderr, "# hidden: %s", r.output);
	if (bwrap_on()) {
		ck_assert_ptr_null(strstr(r.output, "deadlock.c\n"));
		ck_assert_ptr_null(strstr(r.output, "/* deadlock.c"));
	}
	sbx_result_free(&r);
}
END_TEST

/* ptrace is denied, but for a run that traces its own processes
 * (LeakSanitizer), and only where bubblewrap gives it a pid namespace; the
 * sandbox's init and PTRACE_TRACEME stay out of reach either way. */
START_TEST(test_sandbox_ptrace_only_own_processes)
{
	char *argv[] = { fixture("ptrace"), NULL };
	const char *const deny = "init:EPERM init64:EPERM traceme:EPERM\n";
	for (int own = 0; own <= 1; own++) {
		struct sbx_opts o = { .argv = argv, .scratch = scratch, .timeout_s = 10,
		                      .trace_own = own };
		struct sbx_result r;
		ck_assert_int_eq(sbx_run(&o, &r), 0);
		fprintf(stderr, "# ptrace, trace_own %d: %s", own, r.output);
		ck_assert_int_eq(r.exit_code, 0);
		ck_assert_msg(strstr(r.output, own && bwrap_on() ? "child:ok " : "child:EPERM "),
		              "trace_own %d: %s", own, r.output);
		ck_assert_msg(strstr(r.output, deny), "trace_own %d: %s", own, r.output);
		ck_assert_int_eq(sbx_can_trace_own(), bwrap_on());
		sbx_result_free(&r);
	}
}
END_TEST

/* ---- Stress ---- */

static volatile bool ticking;
static double worst_gap;

/* Measures how late a 50 ms sleep wakes while the fork bomb runs. */
static void *ticker(void *arg)
{
	(void)arg;
	for (double last = now_s(); ticking;) {
		usleep(50000);
		double t = now_s();
		worst_gap = t - last > worst_gap ? t - last : worst_gap;
		last = t;
	}
	return NULL;
}

START_TEST(test_sandbox_fork_bomb_contained)
{
	char *argv[] = { fixture("forkbomb"), NULL };
	struct sbx_opts o = { .argv = argv, .scratch = scratch, .timeout_s = 3, .diagnose = true };
	struct sbx_result r;
	pthread_t t;
	ticking = true;
	pthread_create(&t, NULL, ticker, NULL);
	ck_assert_int_eq(sbx_run(&o, &r), 0);
	ticking = false;
	pthread_join(t, NULL);
	fprintf(stderr, "# fork bomb: ended after %.2f s, worst tick gap %.3f s, survivors %d\n%s",
	        r.wall_s, worst_gap, count_named("sbx_forkbomb"), r.diagnosis ? r.diagnosis : "");
	ck_assert(r.timed_out);
	ck_assert(r.wall_s < 3 + 10);
	ck_assert(worst_gap < 1.0);
	ck_assert_int_eq(count_named("sbx_forkbomb"), 0);
	sbx_result_free(&r);
}
END_TEST

START_TEST(test_sandbox_many_runs_leak_nothing)
{
	struct sbx_result r;
	int fds = count_fds();
	for (int i = 0; i < 40; i++) {
		ck_assert_int_eq(run_sh("echo $$", 10, &r), 0);
		ck_assert_int_eq(r.exit_code, 0);
		sbx_result_free(&r);
	}
	ck_assert_int_eq(count_fds(), fds);
}
END_TEST

/* ---- runner ---- */

struct entry {
	const char *tcase;
	const TTest *test;
};

int main(void)
{
	static const char *const names[] = { "Core", "Limits", "Stress" };
	static const double timeouts[] = { 60, 120, 180 };
	const struct entry tests[] = {
		{ "Core", test_sandbox_output_and_exit_0 },
		{ "Core", test_sandbox_exit_code_3 },
		{ "Core", test_sandbox_segfault_signal_11 },
		{ "Core", test_sandbox_stdin_is_eof },
		{ "Core", test_sandbox_env_exactly_given },
		{ "Core", test_sandbox_cwd_and_scratch_writable },
		{ "Core", test_sandbox_relative_program_from_cwd },
		{ "Core", test_sandbox_missing_program_is_grader_error },
		{ "Core", test_sandbox_closed_stdout_still_waited },
		{ "Core", test_sandbox_protections_line },
		{ "Limits", test_sandbox_sleep_forever_times_out },
		{ "Limits", test_sandbox_sigterm_ignored_still_ends },
		{ "Limits", test_sandbox_cpu_limit_signal },
		{ "Limits", test_sandbox_file_size_limit_signal },
		{ "Limits", test_sandbox_memory_limit },
		{ "Limits", test_sandbox_deadlock_diagnosed },
		{ "Limits", test_sandbox_relock_names_holder_and_harness },
		{ "Limits", test_sandbox_lost_wakeup_not_called_a_loop },
		{ "Limits", test_sandbox_spin_diagnosed_as_loop },
		{ "Limits", test_sandbox_growing_memory_is_not_called_stuck },
		{ "Limits", test_sandbox_stuck_test_diagnosed_before_its_kill },
		{ "Limits", test_sandbox_frozen_test_stopped_at_once },
		{ "Limits", test_sandbox_output_cap_truncates },
		{ "Limits", test_sandbox_output_flood_stopped },
		{ "Limits", test_sandbox_write_outside_scratch_fails },
		{ "Limits", test_sandbox_network_blocked },
		{ "Limits", test_sandbox_setsid_daemon_killed },
		{ "Limits", test_sandbox_hidden_folder_empty },
		{ "Limits", test_sandbox_ptrace_only_own_processes },
		{ "Stress", test_sandbox_fork_bomb_contained },
		{ "Stress", test_sandbox_many_runs_leak_nothing },
	};
	const size_t n = sizeof tests / sizeof tests[0];
	Suite *s = suite_create("sandbox");
	/* Fixtures sit beside this file; the build runs from the project root. */
	const char *dir = getenv("SBX_FIXTURES") ? getenv("SBX_FIXTURES") : "grader/tests/sandbox_fixtures";
	char *abs = realpath(dir, NULL);
	if (!abs || strlen(abs) >= sizeof fixtures) {
		fprintf(stderr, "check_sandbox: %s not found: run from the project root (or set SBX_FIXTURES)\n", dir);
		return EXIT_FAILURE;
	}
	snprintf(fixtures, sizeof fixtures, "%s", abs);
	free(abs);
	snprintf(top, sizeof top, "/tmp/check_sandbox.XXXXXX");
	if (!mkdtemp(top) || chmod(top, 0755) < 0) {
		perror("check_sandbox: mkdtemp");
		return EXIT_FAILURE;
	}
	for (size_t c = 0; c < 3; c++) {
		TCase *tc = tcase_create(names[c]);
		tcase_add_checked_fixture(tc, setup, teardown);
		tcase_set_timeout(tc, timeouts[c]);
		for (size_t i = 0; i < n; i++)
			if (!strcmp(tests[i].tcase, names[c]))
				tcase_add_test(tc, tests[i].test);
		suite_add_tcase(s, tc);
	}
	bool passed = suite_passes(s, (int)n); /* every test of the table ran */
	nftw(top, remove_one, 32, FTW_DEPTH | FTW_PHYS);
	return passed ? EXIT_SUCCESS : EXIT_FAILURE;
}
