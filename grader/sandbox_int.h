/* sandbox_int.h - the inside of the sandbox, shared by its files and by
 * nothing else (the rest of the grader includes sandbox.h):
 *   sandbox.c        one run: output, deadline, kill, result
 *   sandbox_watch.c  while it goes on: stuck and frozen processes
 *   sandbox_setup.c  once at start (sbx_init, protections), preparing a run
 *   sandbox_child.c  from fork to exec
 *   sandbox_proc.c   the process tree, from /proc
 *   diagnose.c       why a process hangs: thread states, what each thread does
 *   diagnose_gdb.c   a process's threads as gdb's backtraces show them
 */
#ifndef SANDBOX_INT_H
#define SANDBOX_INT_H

#include <limits.h>
#include "sandbox.h"

#define SBX_FSIZE_BYTES (64L << 20) /* RLIMIT_FSIZE */
#define SBX_WATCH_MAX 64            /* test processes watched at once */
#define SBX_SCAN_S 0.1              /* how often a watched run is looked at */
#define SBX_NOFILE_MAX 256          /* RLIMIT_NOFILE */

/* Decided once by sbx_init. */
struct sbx_state {
	const char *bwrap;        /* path of a bwrap that works here, or NULL */
	bool bwrap_extras;        /* it takes --size and --disable-userns (bwrap >= 0.8) */
	bool drop;                /* the grader is root: student code runs as uid/gid */
	uid_t uid;
	gid_t gid;
	bool subreaper;
	bool ready;               /* sbx_init ran */
	char cg_parent[PATH_MAX]; /* a pids cgroup we may create children in, or "" */
	char line[1024];          /* sbx_protections() */
	char why[200];            /* sbx_no_bwrap_why() */
};
extern struct sbx_state sbx_state;

/* One run, from spawn to the last kill. */
struct run {
	const struct sbx_opts *o;
	const char *prog;         /* the student's program, resolved */
	char **argv;              /* what is exec'd (bwrap's command line, or o->argv) */
	char *const *env;
	const char *cwd;
	long cpu_s, mem_mb, nproc;
	bool trace_own;           /* o->trace_own, granted: bwrap's pid namespace is there */
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
	struct sbx_watch {        /* a test process (or the whole run) watched (sandbox_watch.c) */
		pid_t pid;            /* 0: a free slot */
		unsigned long long start;  /* with pid: this process, not a later one with its pid */
		unsigned long long cpu_ns; /* its tree's CPU time at the last look */
		double still_since;   /* since when that has not changed, nothing in it awake */
		bool seen;            /* alive at the last look */
		bool diagnosed;
		int block;            /* its block in r->blocks, or -1 */
	} watch[SBX_WATCH_MAX], whole;
	int nwatch;
	bool hung;                /* a hang is known: o->hung, or one of this run's tests hung */
	bool frozen;              /* the whole run is frozen (o->hung): stop it as on a timeout */
	double next_scan;         /* when to look again */
};

double sbx_now(void);         /* CLOCK_MONOTONIC, in seconds */
/* Waits ms milliseconds, taking the run's output meanwhile (ctx: the run). */
void sbx_drain_for(void *ctx, int ms);

/* sandbox_watch.c: whether the run is watched while it goes on, and one
 * look (at most every 0.1 s): stuck and frozen test processes are
 * diagnosed (and stopped), run->frozen is set for a frozen run. */
bool sbx_watching(const struct run *run);
void sbx_watch_scan(struct run *run);

/* sandbox_setup.c: whether runs go through bwrap (runs sbx_init if nobody
 * did); resolves the program, builds what is exec'd, makes the cgroup and
 * the output buffer: 0, or -1 with *why; undoes it after the run. */
bool sbx_use_bwrap(void);
int sbx_prepare(struct run *run, bool use_bwrap, char **why);
void sbx_unprepare(struct run *run);

/* sandbox_child.c: forks the child, which sets itself up and execs run->argv;
 * 0 once the exec worked, or -1 with *why (the step that failed). */
int sbx_spawn(struct run *run, char **why);
/* Writes text to an existing file (async-signal-safe); 0 or -1. */
int sbx_write_file(const char *path, const char *text);

/* ---- sandbox_proc.c ---- */

/* One process (or thread) seen in /proc. */
struct sbx_proc {
	pid_t pid, ppid;
	char state;                   /* R, S, D, Z, T... */
	char comm[32];
	unsigned long long cpu;       /* user+system clock ticks */
	unsigned long long cpu_ns;    /* the same in ns, finer (sbx_threads_read only) */
	unsigned long long start;     /* clock ticks after boot */
};

struct sbx_procs {
	struct sbx_proc *p;
	size_t n, cap;
};

/* Parses a /proc/.../stat file; 0 on success. */
int sbx_proc_read(const char *statpath, struct sbx_proc *p);
void sbx_procs_push(struct sbx_procs *ps, const struct sbx_proc *p);
/* Reads every entry of dir (/proc or /proc/PID/task) into out. */
void sbx_procs_read_dir(const char *dir, struct sbx_procs *out);

/* The threads of process pid, each with its CPU time in ns. */
void sbx_threads_read(pid_t pid, struct sbx_procs *out);
/* The CPU time every thread of the processes in tree has used, in ns; *busy
 * when one of them is not asleep (running, runnable, in an uninterruptible
 * wait, stopped): a tree whose total stays the same while it is never busy
 * is frozen, waiting for something that will not come. */
unsigned long long sbx_tree_cpu(const struct sbx_procs *tree, bool *busy);

/* Every process descending from the grader that started at or after `since`
 * (clock ticks after boot), by pid. Returns the count; out is reused between calls. */
size_t sbx_descendants(unsigned long long since, struct sbx_procs *out);

/* Tasks (threads included) that uid runs now, machine-wide: what RLIMIT_NPROC counts. */
long sbx_count_tasks(uid_t uid);

/* bwrap's own processes and zombies: never where a bug is. */
bool sbx_is_wrapper(const struct sbx_proc *p);
/* Whether ps->p[i] was forked by the program's first process (the first that
 * is not a wrapper): a test that Check's runner forked. */
bool sbx_is_forked(const struct sbx_procs *ps, size_t i);
/* The process root and its descendants in ps, into out. */
void sbx_subtree(const struct sbx_procs *ps, pid_t root, struct sbx_procs *out);
/* Seconds since a process started (its start in clock ticks after boot). */
double sbx_age_s(unsigned long long start);

/* ---- diagnose_gdb.c: a process's threads as gdb sees them ---- */

struct sbx_frame {
	char fn[96];
	char file[96];   /* basename */
	int line;        /* 0 when gdb shows no source */
};

struct sbx_thread {
	int num;
	pid_t lwp;               /* as the grader sees it */
	pid_t nstid;             /* as the process sees it (its pid namespace), 0 if unknown */
	pid_t holder;            /* nstid of the thread holding the mutex it waits for, or 0 */
	int depth;               /* frames seen */
	struct sbx_frame inner;  /* frame #0 */
	struct sbx_frame prev;   /* the frame inside `mine`: the call it waits in */
	struct sbx_frame mine;   /* the innermost student frame */
	struct sbx_frame outer;  /* the student frame that called `mine` */
	bool has_mine, has_outer;
	struct sbx_frame lab;    /* the innermost harness frame (a lab file, not the student's) */
	struct sbx_frame lab_prev;
	bool has_lab;
	enum sbx_pace {          /* diagnose.c: what it did while watched */
		SBX_WAITS,       /* it slept */
		SBX_WAKES,       /* it used the CPU, but gdb found it in a wait: wakes, looks, waits */
		SBX_RUNS,        /* it used the CPU, and is not in a wait */
	} pace;
};

struct sbx_gdb {
	struct sbx_thread *t;    /* gdb's threads, newest first */
	size_t n;
	char *why;               /* with no thread: one line on why gdb gave none */
	char *functions;         /* " f g ": every function of the lab's files on its stacks, once */
};

/* gdb's backtrace of every thread of pid, read: student frames are those in
 * files (basenames; NULL: any absolute source path), harness frames those
 * under lab_dir. gdb is killed at deadline (sbx_now's clock; 0 = 10 s from
 * now) and the process let run on. */
void sbx_gdb_take(pid_t pid, const char *const *files, const char *lab_dir, double deadline,
                  struct sbx_gdb *out);
void sbx_gdb_free(struct sbx_gdb *g);
/* "___pthread_mutex_lock" -> "pthread_mutex_lock", "__GI___libc_write" -> "write". */
const char *sbx_api_name(const char *fn);

/* ---- diagnose.c ---- */

/* Student-facing text on a hung run: headline, verdict, then each thread.
 * wait_ms(ctx, ms) must return after ms milliseconds; it drains the output
 * meanwhile so that a writer blocked on a full pipe is not taken for a
 * deadlock. gdb is given gdb_s seconds (0 = 10) before it is killed and the
 * process resumed. */
struct sbx_diag_in {
	const struct sbx_procs *procs;
	const char *const *student_files;
	const char *lab_dir;          /* other files under it are the harness's; may be NULL */
	const char *headline;         /* "timed out after 2.0 s." */
	bool still;                   /* already seen frozen: its threads need no watching */
	bool runner;                  /* the program's first process runs tests it forks: while
	                                 one is there, the runner's own threads are not shown */
	double gdb_s;
	void (*wait_ms)(void *ctx, int ms);
	void *ctx;
};
/* What the diagnosis saw, besides its text (out may be NULL). */
struct sbx_diag_out {
	bool blocked;                 /* every thread looked blocked, none running */
	bool growing;                 /* its memory grew while it was watched */
	char *functions;              /* " f g ": the lab's functions on its stacks (sbx_gdb),
	                                 to tell which test it ran; the caller frees it */
	bool unread;                  /* gdb read no stack of some process of the student's */
};
char *sbx_diagnose(const struct sbx_diag_in *in, struct sbx_diag_out *out);

#endif /* SANDBOX_INT_H */
