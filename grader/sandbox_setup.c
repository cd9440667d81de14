/* sandbox_setup.c - what the sandbox can do here, decided once (sbx_init:
 * does bwrap start, may we make a pids cgroup, which uid runs student code),
 * and getting one run ready: the program's path, bwrap's command line, the
 * scratch folder given to that uid, the run's cgroup; undone after the run. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <ftw.h>
#include <math.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>
#include "grader.h"
#include "sandbox_int.h"

#define BWRAP_PROCS 4             /* bwrap's own processes, on top of max_procs */
#define SBX_TMPFS_BYTES "268435456" /* bwrap's /tmp and /dev/shm: 256 MiB each */

struct sbx_state sbx_state;
#define S sbx_state               /* this file's short name for it */

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
	if (mkdir(dir, 0755) < 0 || sbx_write_file(file, num) < 0) {
		rmdir(dir);
		free(dir);
		dir = NULL;
	}
	free(file);
	return dir;
}

int sbx_prepare(struct run *run, bool use_bwrap, char **why)
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
	/* A backstop behind the wall deadline, never before it: threads spinning
	 * on every CPU until the deadline, and the diagnosis after it, must not
	 * hit it (a process killed by SIGXCPU mid-diagnosis shows no stacks). */
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	run->cpu_s = o->cpu_s > 0 ? o->cpu_s
	             : (long)ceil((o->timeout_s + 10) * (ncpu > 2 ? ncpu : 2));
	run->mem_mb = o->mem_mb != 0 ? o->mem_mb : 4096;
	run->trace_own = o->trace_own && use_bwrap;
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

void sbx_unprepare(struct run *run)
{
	for (size_t i = 0; run->argv && run->argv[i]; i++)
		free(run->argv[i]);
	free(run->argv);
	free((char *)run->prog);
	/* The kernel frees a cgroup's last task a moment after its exit. */
	for (int i = 0; run->cg && rmdir(run->cg) < 0 && errno == EBUSY && i < 100; i++)
		usleep(1000);
	free(run->cg);
	free(run->cg_procs);
}

bool sbx_use_bwrap(void)
{
	if (!S.ready) /* never run student code as root unprotected */
		sbx_init();
	return S.bwrap != NULL;
}

/* Without a pid namespace of its own, a process allowed to ptrace could
 * reach every process of its uid on the machine. */
bool sbx_can_trace_own(void)
{
	return sbx_use_bwrap();
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
	snprintf(S.why, sizeof S.why, "%s", why);
	snprintf(S.line, sizeof S.line,
	         "sandbox: %s%s%s; runs as %s; process limit by RLIMIT_NPROC%s; rlimits on CPU, "
	         "address space, file size (%ld MiB), open files (%d), no core dumps; no ptrace%s; own session; "
	         "stdin /dev/null; wall deadline; output cap; leftover processes killed%s",
	         S.bwrap ? "bubblewrap (read-only filesystem but the scratch folder, private /tmp, "
	                   "no network, own pid and ipc namespaces)" : "NO bubblewrap (",
	         S.bwrap ? "" : why, S.bwrap ? "" : "): the filesystem and network are not isolated",
	         S.drop ? "uid nobody, not root" : "the grader's own user",
	         S.cg_parent[0] ? " and a pids cgroup" : "", SBX_FSIZE_BYTES >> 20, SBX_NOFILE_MAX,
	         S.bwrap ? " (but among a leak check's own processes, never of the sandbox's init)" : "",
	         S.subreaper ? "" : " (no subreaper: orphans may escape)");
}

/* Labs graded at once (scheduler.c) each run their code as a uid of their own:
 * RLIMIT_NPROC counts a uid's tasks machine-wide, so two labs sharing
 * `nobody` would each count the other's threads (and one's fork bomb would
 * starve the other). A uid someone already has is never borrowed. */
void sbx_set_worker(int worker)
{
	if (!S.drop || worker < 0)
		return;
	uid_t uid = SBX_WORKER_UID_BASE + (uid_t)worker;
	if (!getpwuid(uid))
		S.uid = uid;
}

const char *sbx_worker_uids(void)
{
	return S.drop ? "; each lab's code ran as a uid of its own (64200 and up), not root" : "";
}

const char *sbx_no_bwrap_why(void)
{
	return sbx_use_bwrap() ? NULL : S.why;
}

const char *sbx_protections(void)
{
	return S.line[0] ? S.line : "sandbox: not initialised (sbx_init was not called)";
}
