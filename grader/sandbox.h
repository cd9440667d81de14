/* sandbox.h - runs one student command under every protection this machine
 * offers, with a wall deadline, an output cap and nothing left behind.
 *
 * Interface:
 *   sbx_init()          once at start: detect bwrap, become child subreaper,
 *                       decide the uid student code runs as. sbx_run calls it
 *                       if nobody did.
 *   sbx_protections()   one line saying which protections are in force.
 *   sbx_no_bwrap_why()  why bubblewrap does not start here, or NULL.
 *   sbx_set_worker(k)   in a task graded beside others (scheduler.h): run student
 *                       code as uid SBX_WORKER_UID_BASE + k, not `nobody`.
 *   sbx_worker_uids()   a clause for the report saying so ("" unless root).
 *   sbx_can_trace_own() whether a run may be let ptrace its own processes
 *                       (bwrap's pid namespace keeps every other one out of reach).
 *   sbx_run(o, r)       runs o->argv; 0 = it ran (whatever the outcome),
 *                       -1 = the grader could not run it (r->output says why).
 *   sbx_result_free(r)  frees what sbx_run put in r.
 *
 * Protections: bubblewrap when it starts here (read-only root, writable
 * scratch, private /tmp and /dev/shm, no network, own pid and ipc
 * namespaces); rlimits (CPU, address space, 64 MiB files, 256 open files, no
 * core, RLIMIT_NPROC); a pids cgroup when the grader may make one (root);
 * stdin /dev/null; own session. GRADER_NO_BWRAP=1 forces the fallback without
 * bwrap, GRADER_NO_CGROUP=1 the one without a cgroup (both for tests).
 *
 * When the grader runs as root, student code runs as `nobody` (so that
 * RLIMIT_NPROC binds) and sbx_run chowns the scratch folder to that user;
 * every folder above scratch must be searchable by it (mode o+x).
 * Under bwrap the program must live in scratch or outside /tmp: the sandbox's
 * /tmp is empty. bwrap reports death by signal N as exit 128+N, so under it
 * an exit status of 129..159 reads as a signal.
 * sbx_run assumes the grader starts no other child while it runs: every
 * process descending from the grader and started during the run is killed.
 *
 * Stuck processes (stuck_s): a test runner such as Check's forks each test
 * and kills it at its own timeout, so a hung test never reaches the wall
 * deadline. With stuck_s > 0, a process forked by the program's first process
 * (the first one that is not bwrap: Check's runner, so the forked one is a
 * test) that has lived stuck_s seconds is diagnosed while the run goes on, as
 * on a timeout (thread states, gdb, the student's frames), and left running.
 * gdb holds it stopped for at most 0.7 stuck_s and then detaches, so with
 * stuck_s at half the runner's timeout the runner still sees its test time
 * out on time. Blocks come in the order the processes were diagnosed.
 *
 * Frozen processes (frozen_s): a tree in which no thread has run at all for
 * frozen_s seconds (every thread asleep, none runnable, no CPU time used)
 * waits for something that will not come: a hang, for sure. With stuck_s,
 * such a forked process is diagnosed at once and killed by the sandbox,
 * not left to its runner; and once a hang is known (o->hung, or a test of
 * this run hung: it was stopped, or was still alive near hang_s), so is
 * every forked process still running after cut_s. A whole run that is
 * frozen is stopped as on a timeout (r->frozen) when it is a program (no
 * stuck_s), or with hung. Time spent diagnosing does not count as frozen
 * time.
 *
 * Files: sandbox.c runs (output, deadline, kill); sandbox_watch.c watches
 * stuck and frozen processes meanwhile; sandbox_setup.c decides the
 * protections once and prepares each run (program, bwrap's command line,
 * cgroup); sandbox_child.c goes from fork to exec (session, rlimits, uid
 * drop, stdio); sandbox_proc.c reads /proc; diagnose.c and diagnose_gdb.c
 * explain a hung process. sandbox_int.h is their shared inside.
 */
#ifndef SANDBOX_H
#define SANDBOX_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* Every block of sbx_result.stuck starts with this, then " after N.N s.". */
#define SBX_STUCK_HEAD "A test process was still running"
#define SBX_STUCK_MAX 16

struct sbx_opts {
	char *const *argv;        /* argv[0]: absolute path or found in PATH */
	const char *cwd;          /* working folder (inside scratch); NULL = scratch */
	char *const *env;         /* the whole environment given to the process (already
	                             scrubbed by caller); NULL = {"PATH=/usr/bin:/bin", NULL} */
	const char *scratch;      /* the only folder the process may write; must exist */
	double timeout_s;         /* wall deadline; on expiry: diagnose, then kill the tree */
	size_t output_cap;        /* bytes of stdout+stderr kept (combined, in order); 0 = 64 KiB */
	long cpu_s;               /* RLIMIT_CPU, 0 = (timeout_s+10) x the CPUs (at least 2) */
	long mem_mb;              /* RLIMIT_AS in MiB, 0 = 4096, < 0 = none (ThreadSanitizer maps terabytes) */
	long max_procs;           /* processes/threads allowed (pids), 0 = 256 */
	const char *const *student_files; /* basenames ("tasks.c") whose frames the timeout
	                                     diagnosis shows; may be NULL */
	const char *lab_dir;      /* frames in files under it that are not student files are
	                             the harness's: the diagnosis labels such threads; may be NULL */
	bool diagnose;            /* on timeout, capture every thread's backtrace with gdb first */
	double stuck_s;           /* 0 = off; else a forked process (see below) still running
	                             after stuck_s is diagnosed once, not killed, into stuck */
	double hang_s;            /* with stuck_s: the runner's own timeout for each test, or 0 */
	double frozen_s;          /* 0 = off; else see "Frozen processes" below */
	double cut_s;             /* with stuck_s, once a hang is known: how long a forked process
	                             may run before it is stopped (0, or more than stuck_s: stuck_s) */
	bool hung;                /* a hang was already found in this code (an earlier run) */
	const char *const *hidden; /* folders shown empty under bwrap (solutions/...); may be NULL */
	bool trace_own;           /* the run's processes may ptrace each other (LeakSanitizer
	                             stops the world with it); granted only where
	                             sbx_can_trace_own(), never of pid 1, never PTRACE_TRACEME */
};

struct sbx_result {
	int exit_code;          /* exit status, or -1 when killed by a signal */
	int term_signal;        /* the signal, or 0 */
	bool timed_out;
	bool output_truncated;  /* more output than output_cap arrived */
	bool flooded;           /* so much output that the run was stopped */
	char *output;           /* captured stdout+stderr, NUL-terminated, at most output_cap bytes */
	char *diagnosis;        /* on timeout with diagnose: student-facing text, else NULL */
	char *functions;        /* with it: " f g ", every function of lab_dir's files on the
	                           stacks it shows (which test was running), or NULL */
	bool blocked;           /* on timeout with diagnose: every thread was blocked (a
	                           deadlock, say), none running */
	bool growing;           /* on timeout with diagnose: it was still taking memory, so
	                           it may be slow rather than stuck */
	bool unread;            /* a diagnosis (on timeout, or of a stuck process) could not
	                           read some process's stacks: gdb failed or ran out of time */
	char *stuck;            /* with stuck_s: one block per stuck process (at most
	                           SBX_STUCK_MAX), each starting with SBX_STUCK_HEAD; else NULL */
	struct sbx_stuck {      /* the same blocks one by one, in the same order */
		char *text;
		char *functions; /* " f g ": every function of lab_dir's files on its stacks
		                    (a test runner's test function among them), "" if unknown */
		bool stopped;    /* the sandbox killed it (its runner sees a SIGKILL) */
		bool hung;       /* stopped, or alive near its runner's timeout (hang_s) */
	} blocks[SBX_STUCK_MAX];
	int nblocks;
	bool frozen;            /* with hung and frozen_s: stopped before its deadline, nothing in
	                           it having run for frozen_s; timed_out is set too */
	double wall_s;
};

#define SBX_WORKER_UID_BASE 64200 /* the first; a uid some user has is skipped */
void sbx_set_worker(int worker);
const char *sbx_worker_uids(void);

void sbx_init(void);
const char *sbx_protections(void);
/* Why bubblewrap does not start here ("bwrap is not installed", ...), or
 * NULL when it does. */
const char *sbx_no_bwrap_why(void);
bool sbx_can_trace_own(void);
int sbx_run(const struct sbx_opts *o, struct sbx_result *r);
void sbx_result_free(struct sbx_result *r);

#endif /* SANDBOX_H */
