/* san_leaks.c - LeakSanitizer's reports, from the student's side. A record
 * ("Direct leak of 2080 byte(s) in 130 object(s) allocated from:" and its
 * stack) is kept by the line that allocated its blocks: the first frame past
 * the allocator (malloc, calloc...) and common/sys.c's wrappers (Malloc,
 * Calloc). Only a line of a student file counts. Blocks that the harness, a
 * test or a library allocated (glibc's for a thread, for stdio, for
 * posix_spawn's file actions) are never the student's, even when the
 * student's code made the call.
 *
 * A direct leak is a block nothing points to any more; an indirect one is
 * pointed to only by leaked blocks: it is lost with them, and never counts
 * by itself (what held it may be the lab's). Each test is a process and
 * writes its own log; the same line leaking in several tests is one place,
 * its blocks and bytes added up. A record whose stack names no test (blocks
 * allocated on a thread the test started) takes the test another record of
 * its log names, if any. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "san.h"

/* One line of a student file whose blocks were never freed. */
struct leak_site {
	char *where;    /* "pipeline.c:31 in chunk_cut" */
	char *fn;       /* "chunk_cut", or "" */
	char *caller;   /* "pipeline_run (pipeline.c:94)" when a student line called it, or NULL */
	char *test;     /* the first test named where it leaked, or NULL */
	bool direct;
	long blocks, bytes;
	int ntests;     /* test processes it leaked in (one log each) */
	int last_log;   /* the log that last counted in ntests */
};

struct san_leaks {
	struct leak_site *site;  /* every place so far, in the order first met */
	size_t nsite;
	struct leak_site *log;   /* the records of the log being read */
	size_t nlog;
	char *log_test;          /* the first test a record of that log names */
	int nlogs;               /* logs read to their end */
};

/* Frame 0 is the allocator itself; a frame with no source line right after
 * it is more of the allocator (an interceptor calling its twin). */
static int site_index(const struct report *r)
{
	const struct frame *st = r->st[SEC_ALLOC];
	int n = r->n[SEC_ALLOC], i = 1;
	while (i < n && !st[i].line && strncmp(st[i].fn, "__interceptor_", 14) == 0)
		i++;
	while (i < n && san_wrapper_frame(st[i].path))
		i++;
	return i < n ? i : -1;
}

static char *site_words(const struct san_place *pl, const struct frame *f)
{
	if (!f->fn[0])
		return xasprintf("%s:%d", san_short_path(pl, f->path), f->line);
	return xasprintf("%s:%d in %s", san_short_path(pl, f->path), f->line, f->fn);
}

void san_leak_add(const struct san_place *pl, const struct report *r, struct san_tally *t)
{
	const struct frame *st = r->st[SEC_ALLOC];
	int i = site_index(r);
	if (i < 0 || !san_is_student(pl, &st[i])) {
		t->leak_other += r->leak == LEAK_DIRECT;
		return;
	}
	if (!t->leaks)
		t->leaks = calloc(1, sizeof *t->leaks);
	struct san_leaks *l = t->leaks;
	l->log = realloc(l->log, (l->nlog + 1) * sizeof *l->log);
	struct leak_site *s = &l->log[l->nlog++];
	memset(s, 0, sizeof *s);
	s->where = site_words(pl, &st[i]);
	s->fn = xstrdup(st[i].fn);
	if (i + 1 < r->n[SEC_ALLOC] && san_is_student(pl, &st[i + 1]))
		s->caller = san_frame_words(pl, &st[i + 1]);
	s->test = san_test_name(pl, r);
	s->direct = r->leak == LEAK_DIRECT;
	s->blocks = r->blocks;
	s->bytes = r->bytes;
	if (!l->log_test && s->test)
		l->log_test = xstrdup(s->test);
}

static struct leak_site *site_of(struct san_leaks *l, const struct leak_site *rec)
{
	for (size_t i = 0; i < l->nsite; i++)
		if (l->site[i].direct == rec->direct && strcmp(l->site[i].where, rec->where) == 0)
			return &l->site[i];
	l->site = realloc(l->site, (l->nsite + 1) * sizeof *l->site);
	struct leak_site *s = &l->site[l->nsite++];
	memset(s, 0, sizeof *s);
	s->where = xstrdup(rec->where);
	s->fn = xstrdup(rec->fn);
	s->direct = rec->direct;
	return s;
}

static void site_free(struct leak_site *s)
{
	free(s->where);
	free(s->fn);
	free(s->caller);
	free(s->test);
}

/* Adds the log's records to the places: one more test for each place. */
void san_leak_end_log(struct san_tally *t)
{
	struct san_leaks *l = t->leaks;
	if (!l)
		return;
	l->nlogs++;
	for (size_t i = 0; i < l->nlog; i++) {
		struct leak_site *rec = &l->log[i], *s = site_of(l, rec);
		const char *test = rec->test ? rec->test : l->log_test;
		s->blocks += rec->blocks;
		s->bytes += rec->bytes;
		if (s->last_log != l->nlogs)
			s->ntests++;
		s->last_log = l->nlogs;
		if (!s->test && test)
			s->test = xstrdup(test);
		if (!s->caller && rec->caller) /* a student line that called it says the most */
			s->caller = xstrdup(rec->caller);
		site_free(rec);
	}
	l->nlog = 0;
	free(l->log_test);
	l->log_test = NULL;
	t->leaks_found = 0;
	for (size_t i = 0; i < l->nsite; i++)
		t->leaks_found += l->site[i].direct;
}

void san_leaks_free(struct san_leaks *l)
{
	if (!l)
		return;
	for (size_t i = 0; i < l->nsite; i++)
		site_free(&l->site[i]);
	for (size_t i = 0; i < l->nlog; i++)
		site_free(&l->log[i]);
	free(l->site);
	free(l->log);
	free(l->log_test);
	free(l);
}

/* ---- in the student's words ---- */

/* "130 blocks (2080 bytes)" */
static char *amount(const struct leak_site *s)
{
	return xasprintf("%ld block%s (%ld byte%s)", s->blocks, s->blocks == 1 ? "" : "s",
	                 s->bytes, s->bytes == 1 ? "" : "s");
}

static void say_direct(char **out, const struct leak_site *s)
{
	char *n = amount(s);
	strappend(out, "%s allocated at %s %s never freed\n", n, s->where,
	          s->blocks == 1 ? "was" : "were");
	if (s->caller)
		strappend(out, "  %s was called from %s\n", s->fn[0] ? s->fn : "it", s->caller);
	if (s->ntests == 1 && s->test)
		strappend(out, "  during the test %s\n", s->test);
	else if (s->ntests > 1)
		strappend(out, "  in %d tests%s%s%s\n", s->ntests, s->test ? ", " : "",
		          s->test ? s->test : "", s->test ? " among them" : "");
	free(n);
}

char *san_leak_summary(const struct san_tally *t)
{
	const struct san_leaks *l = t->leaks;
	char *out = NULL;
	int shown = 0;
	if (!l || t->leaks_found == 0)
		return NULL;
	for (size_t i = 0; i < l->nsite; i++)
		if (l->site[i].direct && shown++ < SHOW_REPORTS)
			say_direct(&out, &l->site[i]);
	if (shown > SHOW_REPORTS)
		strappend(&out, "and %d more lines whose blocks were never freed\n",
		          shown - SHOW_REPORTS);
	shown = 0;
	for (size_t i = 0; i < l->nsite; i++) {
		if (l->site[i].direct || shown++ >= SHOW_REPORTS)
			continue;
		char *n = amount(&l->site[i]);
		strappend(&out, "%s  %s allocated at %s\n", shown == 1 ? "Lost with them (reachable "
		          "only through blocks never freed):\n" : "", n, l->site[i].where);
		free(n);
	}
	return out;
}
