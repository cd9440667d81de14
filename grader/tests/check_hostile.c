/* check_hostile.c - the hostile corpus (grader/tests/hostile/, its table
 * expect.json): submissions that break the build, crash, hang, flood, lie
 * about their results or attack the machine, each graded by the real grader
 * with the verdict and message it deserves, and checked to end in time with
 * a complete results file and to leave nothing behind: no process, no
 * scratch folder, no file outside scratch, no connection made. */
#include <check.h>
#include <stdbool.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <glob.h>
#include <grp.h>
#include <jansson.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "grader.h"
#include "selftest.h"

extern char **environ;

/* ---- the hostile corpus: grader/tests/hostile/expect.json ----
 *
 * Each entry names a patch that turns lab 01's reference into a submission
 * with one hostile part, the checks to run (and optionally one seed, to stay fast), the
 * verdict each row deserves, a message the failing rows must show, the
 * grader's exit code and how long the grade may take. Optional: canaries
 * (files the submission tries to write outside scratch: absolute, or
 * relative to the project), listen (loopback listeners nobody may reach),
 * batch (a folder outside /tmp graded as a batch: the submission sits next to
 * a classmate's, "bob"). Every entry is graded with its own TMPDIR, so its
 * scratch folders and the processes run there can be told from any other
 * grader running on the machine. */

#define HOSTILE_DIR "grader/tests/hostile"
#define HOSTILE_LAB "01-stdout-race"
#define NOBODY_UID 65534

static json_t *hostile;   /* the table, an array */
static int nhostile;      /* entries to run: chosen[0..nhostile) */
static int *chosen;

/* HOSTILE=09,12 runs only the entries whose file starts with one of these. */
static bool wanted(const char *file)
{
	const char *only = getenv("HOSTILE");
	if (!only || !*only)
		return true;
	for (const char *p = only; p; p = strchr(p, ','), p = p ? p + 1 : NULL) {
		size_t len = strcspn(p, ",");
		if (len && !strncmp(file, p, len))
			return true;
	}
	return false;
}

static void load_hostile(void)
{
	json_error_t err;
	hostile = json_load_file(HOSTILE_DIR "/expect.json", 0, &err);
	if (!hostile)
		fprintf(stderr, "selftest: %s/expect.json: line %d: %s\n", HOSTILE_DIR, err.line,
		        err.text);
	size_t n = json_is_array(hostile) ? json_array_size(hostile) : 0, i;
	chosen = calloc(n + 1, sizeof *chosen);
	for (i = 0; i < n; i++)
		if (wanted(json_string_value(json_object_get(json_array_get(hostile, i), "file"))))
			chosen[nhostile++] = (int)i;
}

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *f)
{
	(void)st; (void)flag; (void)f;
	return remove(path);
}

static void rm_rf(const char *path)
{
	nftw(path, remove_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* Makes dir/01-stdout-race/tasks.c, readable by anyone (only the sandbox may
 * keep student code from reading it): the reference as a student would hand
 * it in (skeleton.awk's solution view) with the patch src applied (NULL:
 * none), like the mutants. A patch names the project it attacks as
 * @PROJECT@: the folder of this clone, wherever it is, is put in its place. */
static void make_submission(const char *dir, const char *src)
{
	char *lab = xasprintf("%s/%s", dir, HOSTILE_LAB), *dst = xasprintf("%s/tasks.c", lab);
	ck_assert_msg((mkdir(dir, 0755) == 0 || errno == EEXIST) && chmod(dir, 0755) == 0 &&
	              mkdir(lab, 0755) == 0, "could not make %s: %s", lab, strerror(errno));
	char *cwd = getcwd(NULL, 0);
	char *cmd = xasprintf("awk -v view=solution -f grader/skeleton.awk "
	                      "solutions/" HOSTILE_LAB "/tasks.c > '%3$s' && %4$s '%3$s' < '%2$s' && "
	                      "sed -i 's|@PROJECT@|%1$s|g' '%3$s' && chmod 0644 '%3$s'",
	                      cwd, src ? src : "/dev/null", dst, src ? "patch -s" : "true");
	ck_assert_int_eq(system(cmd), 0);
	free(cwd);
	free(cmd);
	free(lab);
	free(dst);
}

/* Clock ticks since boot, the unit of a process's start time in /proc. */
static unsigned long long boot_ticks(void)
{
	double up = 0;
	FILE *f = fopen("/proc/uptime", "r");
	if (f && fscanf(f, "%lf", &up) != 1)
		up = 0;
	if (f)
		fclose(f);
	return (unsigned long long)(up * sysconf(_SC_CLK_TCK));
}

/* A /proc file, NULs turned to spaces; NULL if unreadable. */
static char *proc_text(pid_t pid, const char *name)
{
	char path[64], buf[8192];
	snprintf(path, sizeof path, "/proc/%d/%s", (int)pid, name);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	ssize_t n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n < 0)
		return NULL;
	for (ssize_t i = 0; i < n; i++)
		buf[i] = buf[i] ? buf[i] : ' ';
	buf[n] = '\0';
	return xstrdup(buf);
}

/* Processes a grade left behind: orphans that came to this process (a child
 * subreaper), anything that runs from or names the run's TMPDIR, and any
 * process of the sandbox's user started during the grade that only init
 * still holds. Each is listed, then killed. */
static char *leftovers(const char *tmpdir, unsigned long long since)
{
	char *found = NULL;
	pid_t me = getpid();
	DIR *d = opendir("/proc");
	struct dirent *e;
	while (d && (e = readdir(d))) {
		pid_t pid = (pid_t)atoi(e->d_name);
		if (pid <= 0 || pid == me)
			continue;
		char *stat = proc_text(pid, "stat"), *status = proc_text(pid, "status");
		char *cmd = proc_text(pid, "cmdline"), *env = proc_text(pid, "environ");
		char *paren = stat ? strrchr(stat, ')') : NULL, state = 0;
		int ppid = 0;
		unsigned long long start = 0;
		unsigned uid = 0;
		const char *u = status ? strstr(status, "\nUid:") : NULL;
		if (paren)
			sscanf(paren + 1, " %c %d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d"
			       " %*d %*d %*d %*d %llu", &state, &ppid, &start);
		if (u)
			sscanf(u, "\nUid: %u", &uid);
		bool ours = ppid == me || (cmd && strstr(cmd, tmpdir)) || (env && strstr(env, tmpdir)) ||
		            (uid == NOBODY_UID && ppid == 1 && start >= since);
		if (ours && state == 'Z' && ppid == me)
			waitpid(pid, NULL, WNOHANG); /* an orphan that died: not a survivor */
		else if (ours && state && state != 'Z') {
			strappend(&found, "  pid %d (uid %u, state %c): %s\n", (int)pid, uid, state,
			          cmd && *cmd ? cmd : "?");
			kill(pid, SIGKILL);
		}
		free(stat); free(status); free(cmd); free(env);
	}
	if (d)
		closedir(d);
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
	return found;
}

/* Loopback listeners (TCP on 127.0.0.1 and ::1, an abstract Unix socket)
 * that no sandboxed code may reach; -1 where this machine has no such thing. */
static void listen_on(json_t *spec, int fds[3])
{
	int port = (int)json_integer_value(json_object_get(spec, "port"));
	const char *abstract = json_string_value(json_object_get(spec, "abstract"));
	int one = 1;
	struct sockaddr_in v4 = { .sin_family = AF_INET, .sin_port = htons(port),
	                          .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	struct sockaddr_in6 v6 = { .sin6_family = AF_INET6, .sin6_port = htons(port),
	                           .sin6_addr = IN6ADDR_LOOPBACK_INIT };
	struct sockaddr_un un = { .sun_family = AF_UNIX };
	socklen_t unlen = 0;
	fds[0] = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	setsockopt(fds[0], SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	ck_assert_msg(fds[0] >= 0 && bind(fds[0], (struct sockaddr *)&v4, sizeof v4) == 0 &&
	              listen(fds[0], 16) == 0, "cannot listen on 127.0.0.1:%d: %s", port,
	              strerror(errno));
	fds[1] = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	setsockopt(fds[1], SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	setsockopt(fds[1], IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
	if (fds[1] >= 0 && (bind(fds[1], (struct sockaddr *)&v6, sizeof v6) < 0 ||
	                    listen(fds[1], 16) < 0)) {
		close(fds[1]); /* no IPv6 loopback here */
		fds[1] = -1;
	}
	fds[2] = -1;
	if (abstract) {
		snprintf(un.sun_path + 1, sizeof un.sun_path - 1, "%s", abstract);
		unlen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + strlen(abstract));
		fds[2] = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
		ck_assert_msg(fds[2] >= 0 && bind(fds[2], (struct sockaddr *)&un, unlen) == 0 &&
		              listen(fds[2], 16) == 0, "cannot listen on @%s: %s", abstract,
		              strerror(errno));
	}
}

/* How many connections reached the listeners; closes them. */
static int accepted(int fds[3])
{
	int n = 0;
	for (int i = 0; i < 3; i++) {
		int c;
		while (fds[i] >= 0 && (c = accept(fds[i], NULL, NULL)) >= 0) {
			n++;
			close(c);
		}
		if (fds[i] >= 0)
			close(fds[i]);
	}
	return n;
}

/* Rows the lab's spec plans for a check: one per test, or one. */
static size_t planned_rows(json_t *spec, const char *check)
{
	size_t i;
	json_t *c;
	json_array_foreach(json_object_get(spec, "checks"), i, c)
		if (strcmp(json_string_value(json_object_get(c, "name")), check) == 0)
			return json_object_get(c, "tests") ? json_object_size(json_object_get(c, "tests")) : 1;
	return 0;
}

/* Whether s holds a control character other than newline and tab. */
static bool has_control(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if ((*p < 0x20 && *p != '\n' && *p != '\t') || *p == 0x7f)
			return true;
	return false;
}

/* Every row of the checks asked for is there, once, with a status, a verdict
 * and clean text. */
static void assert_complete(const char *file, json_t *res, const char *checks)
{
	json_t *spec = json_load_file("labs/" HOSTILE_LAB "/lab.json", 0, NULL);
	json_t *hidden = json_load_file("labs/" HOSTILE_LAB "/hidden/hidden.json", 0, NULL);
	char *list = xstrdup(checks), *save = NULL;
	ck_assert_ptr_nonnull(spec);
	json_array_extend(json_object_get(spec, "checks"), json_object_get(hidden, "checks"));
	json_decref(hidden);
	for (char *c = strtok_r(list, ",", &save); c; c = strtok_r(NULL, ",", &save)) {
		size_t want = planned_rows(spec, c), got = 0, i;
		json_t *t;
		json_array_foreach(json_object_get(res, "tests"), i, t) {
			if (!row_matches(t, HOSTILE_LAB, c))
				continue;
			got++;
			const char *st = json_string_value(json_object_get(t, "status"));
			const char *v = json_string_value(json_object_get(json_object_get(t, "extra_data"),
			                                                  "verdict"));
			const char *out = json_string_value(json_object_get(t, "output"));
			ck_assert_msg(st && (!strcmp(st, "passed") || !strcmp(st, "failed")) && v && *v,
			              "%s: row %s has no status or verdict", file,
			              json_string_value(json_object_get(t, "name")));
			ck_assert_msg(out && !has_control(out), "%s: row %s has control characters in "
			              "its output", file, json_string_value(json_object_get(t, "name")));
		}
		ck_assert_msg(want > 0 && got == want, "%s: %zu rows of check %s in the results, "
		              "the spec plans %zu", file, got, c, want);
	}
	free(list);
	json_decref(spec);
}

/* Each expected verdict ("failed", "passed", "grader error"...) holds for
 * every row its id names. */
static void assert_verdicts(const char *file, json_t *res, json_t *expect)
{
	const char *id;
	json_t *want, *t;
	json_object_foreach(expect, id, want) {
		const char *w = json_string_value(want);
		size_t i, found = 0;
		json_array_foreach(json_object_get(res, "tests"), i, t) {
			if (!row_matches(t, HOSTILE_LAB, id))
				continue;
			found++;
			const char *v = json_string_value(json_object_get(json_object_get(t, "extra_data"),
			                                                  "verdict"));
			const char *st = json_string_value(json_object_get(t, "status"));
			ck_assert_msg(!strcmp(v, w) || !strcmp(st, w), "%s: %s should be %s but is %s:\n%s",
			              file, json_string_value(json_object_get(t, "name")), w, v,
			              json_string_value(json_object_get(t, "output")));
		}
		ck_assert_msg(found, "%s: no row %s in the results", file, id);
	}
}

/* Every row id names says each of msgs (a string or an array of them). */
static void assert_says(const char *file, json_t *res, const char *id, json_t *msgs)
{
	size_t i, k;
	json_t *t, *m, *list = json_is_array(msgs) ? json_incref(msgs) : json_pack("[O]", msgs);
	json_array_foreach(json_object_get(res, "tests"), i, t) {
		const char *out = json_string_value(json_object_get(t, "output"));
		if (row_matches(t, HOSTILE_LAB, id))
			json_array_foreach(list, k, m)
				ck_assert_msg(strstr(out, json_string_value(m)), "%s: %s does not say "
				              "\"%s\":\n%s", file, json_string_value(json_object_get(t, "name")),
				              json_string_value(m), out);
	}
	json_decref(list);
}

/* The message: an object names the rows ({"unit/test_x": "...", "races":
 * [...]}); a string or an array is for every row expected not to pass, or
 * for every expected row when all should pass. */
static void assert_messages(const char *file, json_t *res, json_t *expect, json_t *message)
{
	const char *id;
	json_t *v;
	bool all_pass = true;
	if (json_is_object(message)) {
		json_object_foreach(message, id, v)
			assert_says(file, res, id, v);
		return;
	}
	json_object_foreach(expect, id, v)
		all_pass &= strcmp(json_string_value(v), "passed") == 0;
	json_object_foreach(expect, id, v)
		if (all_pass || strcmp(json_string_value(v), "passed") != 0)
			assert_says(file, res, id, message);
}

/* Grades entry e of the corpus and asserts all it expects. */
static void grade_entry(json_t *e, int index)
{
	json_t *res;
	const char *file = json_string_value(json_object_get(e, "file"));
	const char *checks = json_string_value(json_object_get(e, "checks"));
	const char *batch = json_string_value(json_object_get(e, "batch"));
	json_t *seed = json_object_get(e, "seed"), *listen = json_object_get(e, "listen");
	json_t *canaries = json_object_get(e, "canaries");
	double max_s = json_number_value(json_object_get(e, "max_seconds"));
	int want_exit = (int)json_integer_value(json_object_get(e, "exit"));
	ck_assert_msg(file && checks && max_s > 0 && json_object_size(json_object_get(e, "expect")) &&
	              json_object_get(e, "message") && json_is_integer(json_object_get(e, "exit")),
	              "hostile entry %d needs file, checks, expect, message, exit, max_seconds", index);
	/* Orphans of the grade come here, not to init. */
	ck_assert_int_eq(prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0), 0);
	char *src = xasprintf("%s/%s", HOSTILE_DIR, file);
	ck_assert_msg(access(src, R_OK) == 0, "%s is missing", src);
	size_t i;
	json_t *c;
	json_array_foreach(canaries, i, c)
		unlink(json_string_value(c)); /* left by an earlier run: this run must not make it */

	/* The submission: alone in /tmp, or in a batch folder next to bob's. */
	char tmp_sub[] = "/tmp/hostile.XXXXXX", tmpdir[] = "/tmp/hostile-scratch.XXXXXX";
	char *stem = xasprintf("%.*s", (int)strcspn(file, "."), file), *sub;
	if (batch) {
		char *bob = xasprintf("%s/bob", batch);
		rm_rf(batch);
		ck_assert_msg(mkdir(batch, 0755) == 0 && chmod(batch, 0755) == 0,
		              "cannot make %s: %s", batch, strerror(errno));
		make_submission(bob, NULL); /* the reference itself */
		sub = xasprintf("%s/%s", batch, stem);
		free(bob);
	} else {
		ck_assert_ptr_nonnull(mkdtemp(tmp_sub));
		sub = xasprintf("%s/sub", tmp_sub);
	}
	make_submission(sub, src);
	/* Its own TMPDIR, searchable by the sandbox's user. */
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
	ck_assert_int_eq(chmod(tmpdir, 0711), 0);
	int fds[3] = { -1, -1, -1 };
	if (listen)
		listen_on(listen, fds);

	char seedbuf[32];
	if (json_is_integer(seed))
		snprintf(seedbuf, sizeof seedbuf, "%lld", (long long)json_integer_value(seed));
	struct grade_opts go = { .seed = json_is_integer(seed) ? seedbuf : NULL, .tmpdir = tmpdir };
	unsigned long long since = boot_ticks();
	int code = grade_with(HOSTILE_LAB, sub, checks, &go, &res);

	/* What the grade left, measured first and cleaned up before any assertion. */
	char *left = leftovers(tmpdir, since > 100 ? since - 100 : 0);
	int reached = listen ? accepted(fds) : 0;
	char *escaped = NULL;
	json_array_foreach(canaries, i, c) {
		struct stat st;
		if (lstat(json_string_value(c), &st) == 0) {
			strappend(&escaped, " %s", json_string_value(c));
			unlink(json_string_value(c));
		}
	}
	char *scratch = NULL;
	DIR *d = opendir(tmpdir);
	struct dirent *de;
	while (d && (de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			strappend(&scratch, " %s/%s", tmpdir, de->d_name);
	if (d)
		closedir(d);
	rm_rf(tmpdir);
	rm_rf(batch ? batch : tmp_sub);

	ck_assert_msg(WIFEXITED(go.status), "%s: the grader itself did not exit (status 0x%x)",
	              file, go.status);
	ck_assert_msg(code == want_exit, "%s: the grader exited %d, expected %d", file, code,
	              want_exit);
	assert_complete(file, res, checks);
	assert_verdicts(file, res, json_object_get(e, "expect"));
	assert_messages(file, res, json_object_get(e, "expect"), json_object_get(e, "message"));
	bool full = true; /* every row passed, or was not judged (its points excluded) */
	json_t *t;
	json_array_foreach(json_object_get(res, "tests"), i, t)
		full &= !strcmp(json_string_value(json_object_get(t, "status")), "passed") ||
		        json_number_value(json_object_get(t, "max_score")) == 0;
	double score = json_number_value(json_object_get(res, "score")), max = 0;
	json_array_foreach(json_object_get(res, "tests"), i, t)
		max += json_number_value(json_object_get(t, "max_score"));
	ck_assert_msg(full ? score == max : score < max, "%s: score %g of %g", file, score, max);
	ck_assert_msg(go.seconds <= max_s, "%s: the grade took %.1f s, at most %g allowed", file,
	              go.seconds, max_s);
	ck_assert_msg(!left, "%s: processes survived the grade:\n%s", file, left);
	ck_assert_msg(!scratch, "%s: scratch left behind:%s", file, scratch);
	ck_assert_msg(!escaped, "%s: files written outside scratch:%s", file, escaped);
	ck_assert_msg(reached == 0, "%s: %d connection(s) reached the self-test's listeners",
	              file, reached);
	free(src); free(stem); free(sub);
	json_decref(res);
}

START_TEST(test_selftest_hostile_verdict)
{
	grade_entry(json_array_get(hostile, chosen[_i]), chosen[_i]);
}
END_TEST

/* ---- the corpus with a piece of the sandbox missing ----
 * An entry's "missing" names pieces a platform may lack, each with what the
 * entry then expects ({} when nothing changes; else fields that replace the
 * entry's): the entry is graded again without that piece, as the grader
 * would grade there. Simulated here:
 *   bubblewrap  it cannot start (GRADER_NO_BWRAP), so student code runs as
 *               another uid only, in a copy of the project closed to other
 *               users (chmod 700), as fail-closed grading demands;
 *   ptrace      gdb cannot attach (a gdb first on PATH that fails as the
 *               real one does where ptrace is denied);
 *   root        the grader runs as a user of no privilege (nobody), in a
 *               copy of the project that user owns, as a student's own
 *               make grade does: one uid for grader and code, no cgroup. */

struct piece_run { int entry; const char *piece; };
static struct piece_run *piece_runs;
static int npiece_runs;
static char closed_copy[] = "/var/tmp/hostile-closed.XXXXXX", fake_bin[] = "/tmp/hostile-bin.XXXXXX";
static char own_copy[] = "/var/tmp/hostile-own.XXXXXX";

static void load_missing(void)
{
	size_t n = 1;
	for (int i = 0; i < nhostile; i++)
		n += json_object_size(json_object_get(json_array_get(hostile, chosen[i]), "missing"));
	piece_runs = calloc(n, sizeof *piece_runs);
	for (int i = 0; i < nhostile; i++) {
		const char *piece;
		json_t *v;
		json_object_foreach(json_object_get(json_array_get(hostile, chosen[i]), "missing"), piece, v)
			piece_runs[npiece_runs++] = (struct piece_run){ chosen[i], piece };
	}
}

/* The project's parts grading lab 01 needs, and the secrets a hostile
 * submission looks for, in a folder closed to other users, and in one of
 * nobody's own; the failing gdb. */
static bool make_copies(void)
{
	if (!mkdtemp(closed_copy) || !mkdtemp(fake_bin) || !mkdtemp(own_copy))
		return false;
	char *cmd = xasprintf("set -e; c=%1$s; mkdir -p $c/labs $c/solutions $c/grader/tests $c/build; "
	                      "cp -r common $c/; cp -r labs/" HOSTILE_LAB " $c/labs/; "
	                      "cp -r solutions/" HOSTILE_LAB " $c/solutions/; cp grader/*.h "
	                      "grader/skeleton.awk grader/helgrind.supp $c/grader/; "
	                      "cp -r " HOSTILE_DIR " $c/grader/tests/; chmod 700 $c; "
	                      "printf '#!/bin/sh\\necho \"ptrace: Operation not permitted.\"\\nexit 1\\n' "
	                      "> %2$s/gdb; chmod 755 %2$s %2$s/gdb; cp -a $c/. %3$s/; "
	                      "[ %4$d = 0 ] || exit 0; chown -R %5$d:%5$d %3$s; chmod 755 %3$s",
	                      closed_copy, fake_bin, own_copy, (int)geteuid(), NOBODY_UID);
	bool ok = system(cmd) == 0;
	free(cmd);
	return ok;
}

/* Takes piece away from this test's own process (Check forked it): false
 * when it cannot be taken here. Without root, no other uid keeps code from
 * the project, and there is none to drop to: only ptrace can be taken. */
static bool take_away(const char *piece)
{
	if (geteuid() != 0 && strcmp(piece, "ptrace") != 0)
		return false;
	if (strcmp(piece, "ptrace") == 0) {
		setenv("PATH", xasprintf("%s:%s", fake_bin, getenv("PATH")), 1);
		return true;
	}
	const char *copy = strcmp(piece, "bubblewrap") == 0 ? closed_copy : own_copy;
	char *bin = realpath(grader_bin, NULL);
	ck_assert_msg(bin && chdir(copy) == 0, "no copy %s", copy);
	grader_bin = bin;
	if (strcmp(piece, "bubblewrap") == 0)
		setenv("GRADER_NO_BWRAP", "1", 1);
	else if (strcmp(piece, "root") == 0)
		ck_assert_msg(setgroups(0, NULL) == 0 && setgid(NOBODY_UID) == 0 &&
		              setuid(NOBODY_UID) == 0, "cannot become nobody: %s", strerror(errno));
	else
		ck_abort_msg("no way to take away %s", piece);
	return true;
}

START_TEST(test_selftest_hostile_without_a_piece)
{
	struct piece_run *p = &piece_runs[_i];
	json_t *e = json_deep_copy(json_array_get(hostile, p->entry));
	const char *file = json_string_value(json_object_get(e, "file"));
	json_object_update(e, json_object_get(json_object_get(e, "missing"), p->piece));
	if (take_away(p->piece)) {
		fprintf(stderr, "hostile: %s without %s\n", file, p->piece);
		grade_entry(e, p->entry);
	} else
		fprintf(stderr, "hostile: not root: %s without %s skipped\n", file, p->piece);
	json_decref(e);
}
END_TEST

int main(void)
{
	if (getenv("GRADER"))
		grader_bin = getenv("GRADER");
	load_hostile();
	Suite *s = suite_create("hostile");
	/* One entry at a time, each with its own deadline: the longest hang
	 * the table expects is a few tens of seconds. */
	TCase *hostile_tc = tcase_create("Hostile");
	tcase_set_timeout(hostile_tc, 120);
	tcase_add_loop_test(hostile_tc, test_selftest_hostile_verdict, 0, nhostile);
	suite_add_tcase(s, hostile_tc);
	load_missing();
	bool copied = npiece_runs == 0 || make_copies();
	if (copied) {
		TCase *missing_tc = tcase_create("Missing");
		tcase_set_timeout(missing_tc, 120);
		tcase_add_loop_test(missing_tc, test_selftest_hostile_without_a_piece, 0, npiece_runs);
		suite_add_tcase(s, missing_tc);
	} else
		fprintf(stderr, "hostile: cannot make %s\n", closed_copy);
	bool passed = suite_passes(s, 1) && copied;
	rm_rf(closed_copy);
	rm_rf(own_copy);
	rm_rf(fake_bin);
	if (nhostile == 0)
		fprintf(stderr, "hostile: no entries in %s/expect.json%s\n", HOSTILE_DIR,
		        getenv("HOSTILE") ? " match $HOSTILE" : "");
	json_decref(hostile);
	free(chosen);
	return passed && nhostile > 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
