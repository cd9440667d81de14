/* san_read.c - the memory check's reader of sanitizer logs: each report of
 * AddressSanitizer or UndefinedBehaviorSanitizer read as text (they write no
 * XML) and shown from the student's side, like the races check: the kind, the
 * first frame in a student file, the thread, and where the memory was
 * allocated and freed. LeakSanitizer's records go to san_leaks.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "san.h"

/* ---- reading one log ----
 *
 * A report is a block of lines: a headline ("==12==ERROR: AddressSanitizer:
 * heap-use-after-free on ..." or "tasks.c:9:28: runtime error: ..."), stacks
 * of "    #N 0xPC in fn file:line" lines under section lines ("freed by
 * thread T1 here:"), and for ASan a SUMMARY line. A log cut short (a process
 * killed while writing) still gives what it holds. */

static const char *skip_pid(const char *line)
{
	if (strncmp(line, "==", 2) == 0) {
		const char *end = strstr(line + 2, "==");
		if (end)
			return end + 2;
	}
	return line;
}

void san_copy(char *dst, size_t cap, const char *src, size_t len)
{
	if (len >= cap)
		len = cap - 1;
	memcpy(dst, src, len);
	dst[len] = '\0';
}

/* "file:line" or "file:line:col" into f; false for "(module+0x12)". */
static bool parse_location(const char *loc, size_t len, struct frame *f)
{
	char buf[300], *colon;
	san_copy(buf, sizeof buf, loc, len);
	if (buf[0] == '(')
		return false;
	/* A column comes last, if at all: the line is the number before it. */
	for (int i = 0; i < 2 && (colon = strrchr(buf, ':')) && colon[1] &&
	     strspn(colon + 1, "0123456789") == strlen(colon + 1); i++) {
		f->line = atoi(colon + 1);
		*colon = '\0';
	}
	san_copy(f->path, sizeof f->path, buf, strlen(buf));
	return f->line > 0;
}

/* "    #2 0x5604ff0adc52 in board_say /scratch/labs/01/tasks.c:79" */
static bool parse_frame(const char *line, size_t len, struct frame *f)
{
	const char *p = line, *end = line + len;
	memset(f, 0, sizeof *f);
	while (p < end && *p == ' ')
		p++;
	if (p == end || *p != '#')
		return false;
	p = memchr(p, ' ', end - p);            /* past "#N" */
	p = p ? memchr(p + 1, ' ', end - p - 1) : NULL; /* past the pc */
	if (!p)
		return true; /* a frame with nothing to show */
	p++;
	if (end - p > 3 && strncmp(p, "in ", 3) == 0) {
		const char *fn = p + 3, *sp = memchr(fn, ' ', end - fn);
		san_copy(f->fn, sizeof f->fn, fn, sp ? (size_t)(sp - fn) : (size_t)(end - fn));
		p = sp ? sp + 1 : end;
	}
	parse_location(p, end - p, f);
	return true;
}

bool san_is_student(const struct san_place *pl, const struct frame *f)
{
	size_t i, dl = strlen(pl->labdir);
	json_t *file;
	if (!f->line)
		return false;
	const char *rel = f->path;
	if (strncmp(rel, pl->labdir, dl) == 0 && rel[dl] == '/')
		rel += dl + 1;
	else if (rel[0] == '/')
		return false;
	json_array_foreach(pl->files, i, file)
		if (strcmp(rel, json_string_value(file)) == 0)
			return true;
	return false;
}

/* common/'s CS:APP wrappers and its synchronisation layer: frames between
 * the student's call and the C library, which nobody acts on. */
bool san_wrapper_frame(const char *path)
{
	static const char *const wrappers[] = { "/common/sync.c", "/common/sys.c",
	                                        "/common/schedule.c", NULL };
	for (const char *const *w = wrappers; *w; w++) {
		size_t n = strlen(path), k = strlen(*w);
		if (n >= k && strcmp(path + n - k, *w) == 0)
			return true;
	}
	return false;
}

/* Frames a person can act on: the lab's and common/'s, but not
 * common/'s wrappers. The symbolizer names some of the lab's
 * files relative to the lab (tests/check_tasks.c) and glibc's relative to
 * its own build (nptl/pthread_create.c), so a relative path counts when the
 * lab has that file. */
static bool is_shown(const struct san_place *pl, const struct frame *f)
{
	size_t sl = strlen(pl->scratch);
	if (!f->line || san_wrapper_frame(f->path))
		return false;
	if (f->path[0] == '/')
		return strncmp(f->path, pl->scratch, sl) == 0 && f->path[sl] == '/';
	if (strncmp(f->path, "../", 3) == 0 || strncmp(f->path, "./", 2) == 0)
		return false;
	char *path = xasprintf("%s/%s", pl->labdir, f->path);
	bool there = access(path, F_OK) == 0;
	free(path);
	return there;
}

/* The path as the student knows it: relative to the lab, or common/x.c. */
const char *san_short_path(const struct san_place *pl, const char *path)
{
	size_t dl = strlen(pl->labdir), sl = strlen(pl->scratch);
	if (strncmp(path, pl->labdir, dl) == 0 && path[dl] == '/')
		return path + dl + 1;
	if (strncmp(path, pl->scratch, sl) == 0 && path[sl] == '/')
		return path + sl + 1;
	if (path[0] != '/')
		return path; /* already relative to the lab */
	return strrchr(path, '/') + 1;
}

/* "board_say (tasks.c:79)" */
char *san_frame_words(const struct san_place *pl, const struct frame *f)
{
	if (!f->fn[0])
		return xasprintf("%s:%d", san_short_path(pl, f->path), f->line);
	return xasprintf("%s (%s:%d)", f->fn, san_short_path(pl, f->path), f->line);
}

/* Index of the first student frame of a stack, or -1. */
static int first_student(const struct san_place *pl, const struct frame *st, int n)
{
	for (int i = 0; i < n; i++)
		if (san_is_student(pl, &st[i]))
			return i;
	return -1;
}

/* Where a stack comes from, for a person: the student's frame, else the
 * lab's first frame ("the lab's sink_open (tests/check_tasks.c:95)"). */
static char *origin(const struct san_place *pl, const struct frame *st, int n)
{
	int i = first_student(pl, st, n);
	if (i >= 0)
		return san_frame_words(pl, &st[i]);
	for (i = 0; i < n; i++) {
		if (is_shown(pl, &st[i])) {
			char *f = san_frame_words(pl, &st[i]), *s = xasprintf("the lab's %s", f);
			free(f);
			return s;
		}
	}
	return NULL;
}

/* ---- the lines of a report ---- */

/* "T3" from "... thread T3" or "... thread T3:" or "... T0)" */
static void take_thread(char *dst, const char *line, size_t len, const char *after)
{
	const char *t = memmem(line, len, after, strlen(after));
	if (!t)
		return;
	t += strlen(after);
	size_t n = strspn(t, "T0123456789");
	if (n > 1 && n < 16)
		san_copy(dst, 16, t, n);
}

/* "0 bytes to the right of global variable 'gbuf' defined in 'tasks.c:14:6'
 * (0x55792c26f3a0) of size 16" */
static void take_global(struct report *r, const char *p)
{
	char side[8], name[64], at[128];
	long off = 0, size = 0;
	if (sscanf(p, "%ld bytes to the %7s of global variable '%63[^']' defined in '%127[^']' "
	           "(%*[^)]) of size %ld", &off, side, name, at, &size) != 5)
		return;
	bool right = strcmp(side, "right") == 0;
	char gap[32] = "just";
	if (off > 0)
		snprintf(gap, sizeof gap, "%ld byte%s", off, off == 1 ? "" : "s");
	snprintf(r->where, sizeof r->where, "%s %s the global variable '%s' (%s, %ld bytes)", gap,
	         right ? "past the end of" : "before the start of", name, at, size);
}

/* "0x60200000037e is located 0 bytes to the right of 14-byte region [..)"
 * in a student's words. */
static void take_where(struct report *r, const char *line)
{
	long off = 0, size = 0;
	const char *p = strstr(line, " is located ");
	if (!p)
		return;
	p += strlen(" is located ");
	if (sscanf(p, "%ld bytes to the right of %ld-byte region", &off, &size) == 2 && off == 0)
		snprintf(r->where, sizeof r->where, "just past the end of a %ld-byte block", size);
	else if (sscanf(p, "%ld bytes to the right of %ld-byte region", &off, &size) == 2)
		snprintf(r->where, sizeof r->where, "%ld byte%s past the end of a %ld-byte block",
		         off, off == 1 ? "" : "s", size);
	else if (sscanf(p, "%ld bytes to the left of %ld-byte region", &off, &size) == 2)
		snprintf(r->where, sizeof r->where, "%ld byte%s before the start of a %ld-byte block",
		         off, off == 1 ? "" : "s", size);
	else if (sscanf(p, "%ld bytes inside of %ld-byte region", &off, &size) == 2 && off == 0)
		snprintf(r->where, sizeof r->where, "at the start of a %ld-byte block", size);
	else if (sscanf(p, "%ld bytes inside of %ld-byte region", &off, &size) == 2)
		snprintf(r->where, sizeof r->where, "%ld byte%s into a %ld-byte block",
		         off, off == 1 ? "" : "s", size);
	else if (strncmp(p, "in stack of thread", 18) == 0)
		snprintf(r->where, sizeof r->where, "a local variable");
	else
		take_global(r, p);
}

/* "    [32, 35) 'num' (line 10) <== Memory access at offset 35 overflows this variable" */
static void take_variable(struct report *r, const char *line, size_t len)
{
	const char *q = memchr(line, '\'', len), *q2 = q ? memchr(q + 1, '\'', len - (q + 1 - line)) : NULL;
	const char *verb = memmem(line, len, "<== Memory access at offset", 27);
	const char *decl = q2 ? strstr(q2, "(line ") : NULL;
	if (!q || !q2 || !verb)
		return;
	const char *how = strstr(verb, " overflows") ? "past the end of" :
	                  strstr(verb, " underflows") ? "before the start of" : "in";
	snprintf(r->where, sizeof r->where, "%s the local variable %.*s%s%.*s", how,
	         (int)(q2 - q + 1), q, decl && decl < verb ? ", declared at " : "",
	         decl && decl < verb ? (int)strcspn(decl + 1, ")") : 0, decl ? decl + 1 : "");
}

/* "WRITE of size 15 at 0x... thread T0" */
static void take_access(struct report *r, const char *line, size_t len)
{
	long size = 0;
	char rw[8];
	if (sscanf(line, "%7s of size %ld", rw, &size) == 2)
		snprintf(r->what, sizeof r->what, "a %s of %ld byte%s", strcmp(rw, "READ") == 0 ?
		         "read" : "write", size, size == 1 ? "" : "s");
	take_thread(r->thread, line, len, "thread ");
}

/* The ERROR headline of an ASan report. */
static void take_asan_headline(struct report *r, const char *p, size_t len)
{
	const char *k = p + strlen("ERROR: AddressSanitizer: ");
	size_t n = len - (k - p);
	r->asan = true;
	if (strncmp(k, "attempting ", 11) == 0)
		k += 11, n -= 11;
	san_copy(r->kind, sizeof r->kind, k, strcspn(k, " :\n") < n ? strcspn(k, " :\n") : n);
	r->budget = memmem(p, len, "out of memory", 13) != NULL;
	if (strcmp(r->kind, "SEGV") == 0) {
		const char *a = memmem(p, len, "unknown address ", 16);
		if (a)
			snprintf(r->where, sizeof r->where, "at address %.*s", (int)strcspn(a + 16, " \n"),
			         a + 16);
		const char *sp = memmem(p, len, " sp 0x", 6); /* "(pc 0x.. bp 0x.. sp 0x.. T0)" */
		const char *t = sp ? memmem(sp + 1, len - (sp + 1 - p), " T", 2) : NULL;
		if (t)
			take_thread(r->thread, t, len - (t - p), " ");
	}
	const char *big = memmem(p, len, "requested allocation size 0x", 28);
	if (big) {
		static const char *const units[] = { "bytes", "KiB", "MiB", "GiB", "TiB", "PiB" };
		double bytes = (double)strtoull(big + 26, NULL, 16);
		size_t u = 0;
		for (; u + 1 < sizeof units / sizeof units[0] && bytes >= 1024; u++)
			bytes /= 1024;
		const char *unit = units[u];
		snprintf(r->what, sizeof r->what, "an allocation of %.0f %s, more than any block "
		         "may have", bytes, unit);
	}
	take_thread(r->thread, p, len, "in thread ");
	take_thread(r->thread, p, len, "(thread ");
}

/* "SUMMARY: AddressSanitizer: allocation-size-too-big ...": the kind, in one
 * word, where the headline has none ("requested allocation size ..."). */
static void take_summary(struct report *r, const char *p)
{
	size_t n = strcspn(p, " ");
	if (r->open && r->asan && n > 0 && strcmp(r->kind, "SEGV") != 0)
		san_copy(r->kind, sizeof r->kind, p, n);
	r->budget |= strncmp(p, "out-of-memory", 13) == 0 || strncmp(p, "rss-limit", 9) == 0;
}

/* "tasks.c:9:28: runtime error: signed integer overflow: 2147483647 + 1 ..." */
static void take_ubsan_headline(struct report *r, const char *line, size_t len)
{
	const char *rt = memmem(line, len, " runtime error: ", 16);
	const char *msg = rt + 16, *end = line + len;
	const char *colon = memmem(msg, end - msg, ": ", 2);
	parse_location(line, rt - 1 - line, &r->head);
	snprintf(r->kind, sizeof r->kind, "runtime error: %.*s",
	         (int)((colon ? colon : end) - msg), msg);
	if (colon)
		san_copy(r->what, sizeof r->what, colon + 2, end - colon - 2);
}

/* A section line: which stack the next frames belong to. */
static bool take_section(struct report *r, const char *line, size_t len)
{
	if (memmem(line, len, "freed by thread ", 16) && !memmem(line, len, "allocated", 9)) {
		r->sec = SEC_FREE;
		take_thread(r->free_thread, line, len, "thread ");
	} else if (memmem(line, len, "allocated by thread ", 20)) {
		r->sec = SEC_ALLOC;
		take_thread(r->alloc_thread, line, len, "thread ");
	} else if (memmem(line, len, " created by ", 12)) {
		char t[16] = "";
		take_thread(t, line, len, "Thread ");
		r->sec = r->thread[0] && strcmp(t, r->thread) == 0 ? SEC_THREAD : SEC_SKIP;
	} else if (memmem(line, len, "is located in stack of thread", 29) ||
	           memmem(line, len, "This frame has", 14) || memmem(line, len, "Shadow bytes", 12)) {
		r->sec = SEC_SKIP; /* the frame of a stack variable: the access names it */
		take_where(r, line);
	} else {
		return false;
	}
	return true;
}

/* ---- a report, from the student's side ---- */

/* The Check test the report came from: START_TEST(name) makes name_fn. */
char *san_test_name(const struct san_place *pl, const struct report *r)
{
	static const enum section order[] = { SEC_ACCESS, SEC_THREAD, SEC_ALLOC };
	for (size_t k = 0; k < sizeof order / sizeof order[0]; k++) {
		const struct frame *st = r->st[order[k]];
		for (int i = 0; i < r->n[order[k]]; i++) {
			size_t len = strlen(st[i].fn);
			if (len > 3 && strcmp(st[i].fn + len - 3, "_fn") == 0 && is_shown(pl, &st[i]) &&
			    !san_is_student(pl, &st[i]))
				return xasprintf("%.*s", (int)(len - 3), st[i].fn);
		}
	}
	return NULL;
}

/* "by thread T3"; "" for no thread, or the same one as `same` (said already). */
static char *thread_words(const char *t, const char *same)
{
	if (!t[0] || strcmp(t, same) == 0)
		return xstrdup("");
	if (strcmp(t, "T0") == 0)
		return xstrdup("by the main thread (T0)");
	return xasprintf("by thread %s", t);
}

/* What the student reads about one report; NULL if no frame of it lies in a
 * student file. */
static char *describe(const struct san_place *pl, const struct report *r)
{
	const struct frame *acc = r->st[SEC_ACCESS];
	int n = r->n[SEC_ACCESS], i = first_student(pl, acc, n);
	char *alloc = origin(pl, r->st[SEC_ALLOC], r->n[SEC_ALLOC]);
	char *freed = origin(pl, r->st[SEC_FREE], r->n[SEC_FREE]);
	char *here = NULL, *s = NULL;
	bool mine = i >= 0 || first_student(pl, r->st[SEC_ALLOC], r->n[SEC_ALLOC]) >= 0 ||
	            first_student(pl, r->st[SEC_FREE], r->n[SEC_FREE]) >= 0 ||
	            (n == 0 && san_is_student(pl, &r->head));
	if (!mine)
		goto out;
	here = i >= 0 ? san_frame_words(pl, &acc[i]) : n == 0 ? san_frame_words(pl, &r->head) :
	       origin(pl, acc, n);
	s = xasprintf("%s in %s", strcmp(r->kind, "SEGV") == 0 ? "SEGV (a read or write through "
	              "a pointer to no memory)" : r->kind, here ? here : "the lab's code");
	/* The call the student made that did the access: sprintf, memcpy... */
	if (i > 0 && acc[i - 1].fn[0]) {
		const char *callee = acc[i - 1].fn;
		if (strncmp(callee, "__interceptor_", 14) == 0)
			callee += 14;
		strappend(&s, ", in the call to %.*s", (int)strcspn(callee, "."), callee);
	}
	strappend(&s, "\n");
	char *by = thread_words(r->thread, "");
	if (r->what[0] || r->where[0] || by[0])
		strappend(&s, "  %s%s%s%s%s\n", r->what, r->what[0] && r->where[0] ? ", " : "",
		          r->where, (r->what[0] || r->where[0]) && by[0] ? ", " : "", by);
	free(by);
	if (alloc) {
		by = thread_words(r->alloc_thread, r->thread);
		strappend(&s, "  the block was allocated in %s%s%s\n", alloc, by[0] ? ", " : "", by);
		free(by);
	}
	if (freed) {
		by = thread_words(r->free_thread, r->thread);
		strappend(&s, "  and %sfreed in %s%s%s\n", strcmp(r->kind, "double-free") == 0 ?
		          "first " : "", freed, by[0] ? ", " : "", by);
		free(by);
	}
	char *started = origin(pl, r->st[SEC_THREAD], r->n[SEC_THREAD]);
	if (started)
		strappend(&s, "  thread %s was started in %s\n", r->thread, started);
	free(started);
	char *test = san_test_name(pl, r);
	if (test)
		strappend(&s, "  during the test %s\n", test);
	free(test);
out:
	free(alloc);
	free(freed);
	free(here);
	return s;
}

/* Adds a finished report to the tally: distinct ones, the first few shown. */
static void tally_report(const struct san_place *pl, struct report *r, struct san_tally *t)
{
	if (!r->open)
		return;
	r->open = false;
	if (r->leak) {
		san_leak_add(pl, r, t);
		return;
	}
	if (r->budget) {
		t->budget = true;
		return;
	}
	char *what = describe(pl, r);
	if (!what) {
		t->other++;
		if (!t->first_other) {
			char *at = origin(pl, r->st[SEC_ACCESS], r->n[SEC_ACCESS]);
			t->first_other = xasprintf("%s in %s", r->kind, at ? at : "a library");
			free(at);
		}
		return;
	}
	t->reports++;
	/* The same bug in five test processes is one bug. */
	char *key = xasprintf("%.*s\n", (int)strcspn(what, "\n"), what);
	if (!t->seen || !strstr(t->seen, key)) {
		strappend(&t->seen, "%s", key);
		t->found++;
		if (t->shown < SHOW_REPORTS) {
			strappend(&t->summary, "%s", what);
			t->shown++;
		}
	}
	free(key);
	free(what);
}

static void start_report(const struct san_place *pl, struct report *r, struct san_tally *t)
{
	tally_report(pl, r, t);
	memset(r, 0, sizeof *r);
	r->open = true;
}

/* "Direct leak of 2080 byte(s) in 130 object(s) allocated from:" starts a
 * leak record, its stack to come. */
static bool take_leak_headline(struct report *r, const char *p)
{
	char how[16];
	long bytes, blocks;
	if (sscanf(p, "%15s leak of %ld byte(s) in %ld object(s)", how, &bytes, &blocks) != 3 ||
	    (strcmp(how, "Direct") != 0 && strcmp(how, "Indirect") != 0))
		return false;
	r->leak = strcmp(how, "Direct") == 0 ? LEAK_DIRECT : LEAK_INDIRECT;
	r->bytes = bytes;
	r->blocks = blocks;
	r->sec = SEC_ALLOC;
	return true;
}

static void read_line(const struct san_place *pl, struct report *r, struct san_tally *t,
                      const char *line, size_t len)
{
	const char *p = skip_pid(line);
	len -= p - line;
	struct frame f;
	if (memmem(p, len, "LeakSanitizer has encountered a fatal error", 43)) {
		t->leak_broken = true; /* it could not stop the threads: the sandbox, not the code */
	} else if (memmem(p, len, "Sanitizer has encountered a fatal error", 39)) {
		t->broken = true; /* the tool, not the code under test */
	} else if (strncmp(p, "ERROR: LeakSanitizer:", 21) == 0) {
		tally_report(pl, r, t);
		t->leak_procs++; /* its one report at exit: the process ends with SAN_EXIT */
	} else if (strncmp(p, "Direct leak of ", 15) == 0 || strncmp(p, "Indirect leak of ", 17) == 0) {
		start_report(pl, r, t);
		if (!take_leak_headline(r, p))
			r->open = false; /* a line cut short: nothing to go by */
	} else if (memmem(p, len, "mmap_limit_mb", 13) || memmem(p, len, "hard rss limit", 14)) {
		tally_report(pl, r, t);
		t->budget = true; /* a bare RAW_CHECK line, or the RSS watcher's */
	} else if (strncmp(p, "ERROR: AddressSanitizer: ", 25) == 0) {
		start_report(pl, r, t);
		take_asan_headline(r, p, len);
	} else if (memmem(p, len, " runtime error: ", 16)) {
		start_report(pl, r, t);
		take_ubsan_headline(r, p, len);
	} else if (strncmp(p, "SUMMARY: AddressSanitizer: ", 27) == 0) {
		take_summary(r, p + 27);
		tally_report(pl, r, t);
	} else if (strncmp(p, "ERROR: ", 7) == 0 || strncmp(p, "SUMMARY: ", 9) == 0) {
		tally_report(pl, r, t); /* another tool's report: not ours to read */
	} else if (!r->open) {
		return;
	} else if (parse_frame(p, len, &f)) {
		if (r->sec != SEC_SKIP && r->n[r->sec] < FRAMES_MAX)
			r->st[r->sec][r->n[r->sec]++] = f;
	} else if (strncmp(p, "READ of size", 12) == 0 || strncmp(p, "WRITE of size", 13) == 0) {
		take_access(r, p, len);
	} else if (strncmp(p, "The signal is caused by a ", 26) == 0) {
		bool rd = memmem(p, len, "READ", 4) != NULL, wr = memmem(p, len, "WRITE", 5) != NULL;
		snprintf(r->what, sizeof r->what, "%s", rd ? "a read" : wr ? "a write" :
		         "a read or write");
	} else if (strncmp(p, "Hint: address points to the zero page", 37) == 0) {
		strncat(r->where, " (near 0: a NULL pointer, or a field of one)",
		        sizeof r->where - strlen(r->where) - 1);
	} else if (memmem(p, len, "<== Memory access", 17)) {
		take_variable(r, p, len);
	} else if (!take_section(r, p, len) && memmem(p, len, " is located ", 12)) {
		take_where(r, p);
	}
}

void san_read(const char *log, const char *labdir, const char *scratch, json_t *files,
              struct san_tally *t)
{
	struct san_place pl = { labdir, scratch, files };
	struct report *r = calloc(1, sizeof *r);
	for (const char *p = log; r && *p; ) {
		size_t len = strcspn(p, "\n");
		char *line = xasprintf("%.*s", (int)len, p); /* every search ends with the line */
		read_line(&pl, r, t, line, len);
		free(line);
		p += len + (p[len] == '\n');
	}
	if (r)
		tally_report(&pl, r, t);
	san_leak_end_log(t);
	free(r);
}

void san_tally_free(struct san_tally *t)
{
	free(t->summary);
	free(t->seen);
	free(t->first_other);
	san_leaks_free(t->leaks);
	memset(t, 0, sizeof *t);
}
