/* check_races.c - the "races" check: a lab's race scenario under Helgrind.
 *
 * The scenario first runs natively under a short deadline: a hang shows
 * there in seconds, with real stacks (gdb sees only Valgrind's frames under
 * Helgrind), and Helgrind's own long deadline is then never waited out.
 * Helgrind runs the scenario to judge it only when it finished natively; for
 * a deadlock it is also run until it blocks too, because it reports a lock
 * taken again by its holder before the thread blocks.
 *
 * Helgrind's XML gives each error's kind and stacks; its text log is the raw
 * report and the only place that says which locks were held and where each
 * lock lives, so a failing run is repeated once in text mode for those. That
 * is another run, with its own thread numbers and addresses: an error takes
 * its headline, conflicting access and lock words from the one error of the
 * text log that matches it, and none when none does.
 * Errors are shown from the student's side: the first frame in a student
 * file. A racing address inside a heap block is named as a field of the
 * struct allocated there when the debug info shows which one (gdb, in the
 * sandbox). */
#include <dirent.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include "checks.h"

#define HG_EXIT 99     /* --error-exitcode: tells errors from the program's own codes */
#define SHOW_ERRORS 3  /* the first few errors teach; fifty bury the lesson */
#define NATIVE_S 5     /* default native_timeout_s: the scenario is sized for Helgrind */
#define HARVEST_S 3    /* Helgrind on a scenario that blocks: time to report, then block */
#define FIELD_MARK '\001' /* brackets a field query in a summary until gdb answers it */
/* With misuse alone, no race: what POSIX forbids, instead of the lab's hint. */
#define MISUSE_HINT "Helgrind saw no data race, only a call POSIX does not allow, at the line " \
	"shown: unlocking a lock this thread does not hold, destroying a lock or condition " \
	"variable still in use, or waiting on a condition variable without holding its mutex."

static xmlNode *child(xmlNode *n, const char *name)
{
	for (xmlNode *c = n ? n->children : NULL; c; c = c->next)
		if (c->type == XML_ELEMENT_NODE && strcmp((const char *)c->name, name) == 0)
			return c;
	return NULL;
}

static const char *text_of(xmlNode *n)
{
	return n && n->children && n->children->content ? (const char *)n->children->content : "";
}

static bool is_student_file(json_t *files, const char *file)
{
	size_t i;
	json_t *f;
	json_array_foreach(files, i, f)
		if (strcmp(json_string_value(f), file) == 0)
			return true;
	return false;
}

/* The first frame of the stack in a student file, or NULL. */
static xmlNode *student_xframe(xmlNode *stack, const char *scratch, json_t *files)
{
	for (xmlNode *f = stack ? stack->children : NULL; f; f = f->next) {
		const char *dir = text_of(child(f, "dir")), *file = text_of(child(f, "file"));
		if (f->type == XML_ELEMENT_NODE && strncmp(dir, scratch, strlen(scratch)) == 0 &&
		    is_student_file(files, file))
			return f;
	}
	return NULL;
}

/* "task_run (tasks.c:41)" for the first frame of the stack in a student file. */
static char *student_frame(xmlNode *stack, const char *scratch, json_t *files)
{
	xmlNode *f = student_xframe(stack, scratch, files);
	return f ? xasprintf("%s (%s:%s)", text_of(child(f, "fn")), text_of(child(f, "file")),
	                     text_of(child(f, "line"))) : NULL;
}

/* The error's headline: <what> or <xwhat><text>. */
static const char *headline(xmlNode *err)
{
	xmlNode *w = child(err, "what");
	return w ? text_of(w) : text_of(child(child(err, "xwhat"), "text"));
}

/* Helgrind's reports of calls that POSIX allows: a condition variable
 * signalled by a thread that does not hold its mutex (after unlocking it,
 * or while another thread holds it). Helgrind calls the first "dubious";
 * both are safe when the waiter's condition changed with the lock held,
 * and a race is reported on its own when it did not. Notes, never errors
 * (SPEC.md, "races"). Real misuse (unlocking a lock not held, waiting
 * without the mutex, destroying a locked one) has other words and fails. */
static const char *const posix_allows[] = {
	"pthread_cond_{signal,broadcast}: dubious: associated lock is not held by any thread",
	"pthread_cond_{signal,broadcast}: associated lock is not held by calling thread",
};

static const char *headline(xmlNode *err);

static bool is_note(xmlNode *err)
{
	xmlNode *kind = NULL;
	for (xmlNode *c = err->children; c && !kind; c = c->next)
		if (c->type == XML_ELEMENT_NODE && strcmp((const char *)c->name, "kind") == 0)
			kind = c;
	if (!kind || !kind->children || strcmp((const char *)kind->children->content, "Misc"))
		return false;
	for (size_t i = 0; i < sizeof posix_allows / sizeof *posix_allows; i++)
		if (strstr(headline(err), posix_allows[i]))
			return true;
	return false;
}

static const char *kind_words(const char *kind)
{
	if (strcmp(kind, "Race") == 0)
		return "Data race";
	if (strcmp(kind, "LockOrder") == 0)
		return "Lock order violated (two locks taken in both orders: a deadlock waiting to happen)";
	return "Misuse of the pthreads API";
}

/* ---- the text log: locks held, and where each lock lives ---- */

/* The text log is another run than the XML's: its thread numbers and
 * addresses are its own. So it is read as whole errors (blocks), and an XML
 * error takes its lock words only from one block that matches it, every
 * one of them from that block, so that they agree with each other. */

/* One line of an error block: the headline or an auxiliary line, the
 * "Locks held: ..." line that follows it, if any, and the first frame of its
 * stack in a student file ("put_str (tasks.c:67)"). */
struct hg_item {
	char *what, *held, *frame;
};

/* One error of the text log: its lines (without "==PID== " and the indent)
 * as text, for the "Lock at ADDR was first observed" descriptions, and its
 * items in order, the headline first. */
struct hg_block {
	char *pid, *text;
	bool open;
	struct hg_item *items;
	size_t n;
};

struct hg_log {
	struct hg_block *b;
	size_t n;
};

static void *xgrow(void *p, size_t n, size_t size)
{
	p = realloc(p, n * size);
	if (!p)
		abort();
	return p;
}

/* The text log's line at p, without Valgrind's "==PID== " and the indent;
 * *pid gets the "==PID==" prefix (NULL for the program's own output). */
static char *log_line_pid(const char *p, char **pid)
{
	size_t len = strcspn(p, "\n");
	size_t digits = p[0] == '=' && p[1] == '=' ? strspn(p + 2, "0123456789") : 0;
	const char *s = p, *end = p + len;
	*pid = NULL;
	if (digits && len >= digits + 4 && !strncmp(p + 2 + digits, "==", 2)) {
		*pid = xasprintf("%.*s", (int)(digits + 4), p);
		s = p + digits + 4;
	}
	while (s < end && *s == ' ')
		s++;
	return xasprintf("%.*s", (int)(end - s), s);
}

static char *log_line(const char *p)
{
	char *pid, *line = log_line_pid(p, &pid);
	free(pid);
	return line;
}

static bool frame_line(const char *line)
{
	return !strncmp(line, "at 0x", 5) || !strncmp(line, "by 0x", 5);
}

/* "put_str (tasks.c:67)" of "at 0x109579: put_str (tasks.c:67)" when its
 * file is a student's, else NULL. */
static char *text_student_frame(const char *line, json_t *files)
{
	const char *fn = strstr(line, ": "), *open = strrchr(line, '(');
	const char *colon = open ? strchr(open, ':') : NULL;
	if (!fn || !open || !colon || open < fn)
		return NULL;
	char *file = xasprintf("%.*s", (int)(colon - open - 1), open + 1);
	bool student = is_student_file(files, file);
	free(file);
	return student ? xstrdup(fn + 2) : NULL;
}

/* Splits one block's lines into items. A "Lock at ... was first observed"
 * description (up to the next blank line) is no item: lock_place reads it. */
static void block_items(struct hg_block *b, json_t *files)
{
	bool desc = false;
	struct hg_item *cur = NULL;
	for (const char *p = b->text; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
		char *line = xasprintf("%.*s", (int)strcspn(p, "\n"), p);
		if (!*line)
			desc = false;
		else if (!strncmp(line, "Lock at ", 8) && strstr(line, " was first observed"))
			desc = true;
		else if (desc)
			; /* lock_place's business */
		else if (frame_line(line)) {
			if (cur && !cur->frame)
				cur->frame = text_student_frame(line, files);
		} else if (!strncmp(line, "Locks held:", 11)) {
			if (cur && !cur->held)
				cur->held = xstrdup(line);
		} else {
			b->items = xgrow(b->items, b->n + 1, sizeof *b->items);
			cur = &b->items[b->n++];
			*cur = (struct hg_item){ xstrdup(line), NULL, NULL };
		}
		free(line);
	}
}

/* The text log cut into its errors: Valgrind starts each with a line of
 * dashes; a process's lines (its "==PID==") make its own blocks, since
 * processes of one run may write in turn. */
static struct hg_log *hg_log_read(const char *log, json_t *files)
{
	struct hg_log *L = calloc(1, sizeof *L);
	if (!L)
		abort();
	for (const char *p = log; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
		char *pid, *line = log_line_pid(p, &pid);
		struct hg_block *b = NULL;
		for (size_t i = L->n; pid && i-- > 0;)
			if (!strcmp(L->b[i].pid, pid)) {
				b = L->b[i].open ? &L->b[i] : NULL;
				break;
			}
		if (!pid)
			; /* the program's own output */
		else if (!strncmp(line, "---", 3)) {
			if (b)
				b->open = false;
		} else if (b) {
			strappend(&b->text, "%s\n", line);
		} else if (*line) {
			L->b = xgrow(L->b, L->n + 1, sizeof *L->b);
			L->b[L->n++] = (struct hg_block){ xstrdup(pid), xasprintf("%s\n", line), true,
			                                  NULL, 0 };
		}
		free(line);
		free(pid);
	}
	for (size_t i = 0; i < L->n; i++)
		block_items(&L->b[i], files);
	return L;
}

static void hg_log_free(struct hg_log *L)
{
	for (size_t i = 0; L && i < L->n; i++) {
		for (size_t j = 0; j < L->b[i].n; j++) {
			free(L->b[i].items[j].what);
			free(L->b[i].items[j].held);
			free(L->b[i].items[j].frame);
		}
		free(L->b[i].items);
		free(L->b[i].pid);
		free(L->b[i].text);
	}
	if (L)
		free(L->b);
	free(L);
}

/* The words with every thread number and address left out, for telling
 * the same error in two runs: "...write of size 1 at 0x by thread #". */
static bool same_but_numbers(const char *a, const char *b)
{
	while (*a && *b) {
		if (*a == '#' && *b == '#') {
			a++, b++;
			a += strspn(a, "0123456789");
			b += strspn(b, "0123456789");
		} else if (!strncasecmp(a, "0x", 2) && !strncasecmp(b, "0x", 2)) {
			a += 2 + strspn(a + 2, "0123456789abcdefABCDEF");
			b += 2 + strspn(b + 2, "0123456789abcdefABCDEF");
		} else if (*a++ != *b++) {
			return false;
		}
	}
	return !*a && !*b;
}

static bool same_frame(const char *a, const char *b)
{
	return a && b ? !strcmp(a, b) : !a && !b;
}

/* The item of b from `from` on whose words are what's but for numbers;
 * 0 when none (item 0, the headline, is never an auxiliary line). */
static size_t find_item(const struct hg_block *b, size_t from, const char *what)
{
	for (size_t j = from ? from : 1; j < b->n; j++)
		if (same_but_numbers(b->items[j].what, what))
			return j;
	return 0;
}

/* The block of the text log that is this XML error: the same headline but
 * for thread numbers and addresses (so the same kind and access, "write of
 * size 1"), the same student frame in its stack, and the same conflicting
 * access (xconflict, with its student frame `there`) if the error has one.
 * A block with the very same words is preferred. *conflict gets the
 * conflicting access's item, or 0. NULL when none matches. */
static const struct hg_block *match_block(const struct hg_log *L, const char *head,
                                          const char *here, const char *xconflict,
                                          const char *there, size_t *conflict)
{
	for (int exact = 1; L && exact >= 0; exact--)
		for (size_t i = 0; i < L->n; i++) {
			const struct hg_block *b = &L->b[i];
			if (!b->n || !same_but_numbers(b->items[0].what, head) ||
			    !same_frame(b->items[0].frame, here) ||
			    (exact && strcmp(b->items[0].what, head)))
				continue;
			size_t c = xconflict ? find_item(b, 1, xconflict) : 0;
			if (xconflict && (!c || !same_frame(b->items[c].frame, there) ||
			                  (exact && strcmp(b->items[c].what, xconflict))))
				continue;
			*conflict = c;
			return b;
		}
	*conflict = 0;
	return NULL;
}

/* Helgrind describes a stack address by the frame that holds it when it
 * reports, which for a lock whose function has returned is whatever runs
 * there now (clock_nanosleep...): the frame is kept only when it is the
 * student's own. */
static void drop_foreign_frame(char *place, json_t *files)
{
	char *frame = strstr(place, " in frame #"), *open = strrchr(place, '(');
	char *colon = open ? strchr(open, ':') : NULL;
	if (!frame)
		return;
	char *file = colon ? xasprintf("%.*s", (int)(colon - open - 1), open + 1) : NULL;
	if (!file || !is_student_file(files, file))
		*frame = '\0';
	free(file);
}

/* Helgrind's words on where the lock at addr lives ("is on thread #3's stack
 * in frame #1, created by board_say (tasks.c:88)"): the lines after its
 * stack in the "Lock at ADDR was first observed" description of the error's
 * own block, or NULL. */
static char *lock_place(const char *block, const char *addr, json_t *files)
{
	char *key = xasprintf("Lock at %s was first observed", addr), *place = NULL;
	const char *p = strstr(block, key);
	free(key);
	for (p = p ? strchr(p, '\n') : NULL; p && p[1]; p = strchr(p + 1, '\n')) {
		char *line = log_line(p + 1);
		bool frame = frame_line(line);
		bool end = !*line || !strncmp(line, "Lock at", 7) || !strncmp(line, "---", 3);
		if (!frame && !end) /* "Address 0x5e4bde0 is on ..." and what follows */
			strappend(&place, "%s%s", place ? " " : "",
			          !strncmp(line, "Address ", 8) && strstr(line, " is ") ?
			          strstr(line, " is ") + 4 : line);
		free(line);
		if (end)
			break;
	}
	if (place)
		drop_foreign_frame(place, files);
	return place;
}

/* The number of locks a "Locks held: ..." line counts (0 for none). */
static long locks_count(const char *held)
{
	return held ? strtol(held + strlen("Locks held:"), NULL, 10) : 0;
}

/* "Locks held: 1, at address 0x5E4BDE0" plus where each lock lives, from
 * the error's own block. Helgrind gives no address for a lock it no longer
 * knows ("at addresses  (and 1 that can't be shown)"): that is said in
 * words. */
static char *held_words(const char *block, const char *held, json_t *files)
{
	long n = locks_count(held), hidden = 0;
	const char *more = strstr(held, "(and ");
	if (n <= 0)
		return xstrdup(held);
	if (more)
		hidden = strtol(more + 5, NULL, 10);
	char *out = NULL, *places = NULL;
	int shown = 0;
	for (const char *p = strstr(held, "0x"); p && (!more || p < more); p = strstr(p + 2, "0x")) {
		char *addr = xasprintf("%.*s", (int)strspn(p, "0123456789abcdefABCDEFx"), p);
		char *place = lock_place(block, addr, files);
		strappend(&out, "%s%s", shown++ ? " " : "", addr);
		if (place)
			strappend(&places, "; the lock at %s is %s", addr, place);
		free(place);
		free(addr);
	}
	char *words;
	if (!shown)
		words = xasprintf("Locks held: %ld, at %s Helgrind could not say", n,
		                  n == 1 ? "an address" : "addresses");
	else
		words = xasprintf("Locks held: %ld, at address%s %s", n, shown > 1 ? "es" : "", out);
	if (shown && hidden)
		strappend(&words, " and %ld more whose address%s Helgrind could not say", hidden,
		          hidden == 1 ? "" : "es");
	strappend(&words, "%s", places ? places : "");
	free(out);
	free(places);
	return words;
}

/* Both accesses held locks, but none in common: a lock each. (Two
 * accesses under one common lock are no race, so any race where both held
 * some lock is this; the addresses are compared all the same.) */
static bool disjoint_locks(const char *a, const char *b)
{
	if (locks_count(a) <= 0 || locks_count(b) <= 0)
		return false;
	for (const char *p = strstr(a, "0x"); p; p = strstr(p + 2, "0x")) {
		size_t len = strspn(p, "0123456789abcdefABCDEFx");
		for (const char *q = strstr(b, "0x"); q; q = strstr(q + 2, "0x"))
			if (strspn(q, "0123456789abcdefABCDEFx") == len && !strncasecmp(p, q, len))
				return false;
	}
	return true;
}

/* ---- one error, from the student's side ---- */

/* "Address 0x4a4b0b0 is 112 bytes inside a block of size 128 alloc'd" with
 * its allocation stack: a field query for gdb, bracketed by FIELD_MARK:
 * "tasks.c:33 128 112". */
static void field_query(char **s, const char *what, xmlNode *alloc)
{
	unsigned long off, size;
	const char *in = strstr(what, " is ");
	if (!alloc || !in ||
	    sscanf(in, " is %lu bytes inside a block of size %lu", &off, &size) != 2)
		return;
	strappend(s, "%c%s:%s %lu %lu%c", FIELD_MARK, text_of(child(alloc, "file")),
	          text_of(child(alloc, "line")), size, off, FIELD_MARK);
}

/* The stack element right after c, or NULL. */
static xmlNode *stack_after(xmlNode *c)
{
	xmlNode *st = c->next;
	while (st && st->type != XML_ELEMENT_NODE)
		st = st->next;
	return st && !strcmp((const char *)st->name, "stack") ? st : NULL;
}

/* The error's first <xauxwhat>, the conflicting access of a race. */
static xmlNode *first_xaux(xmlNode *first)
{
	for (xmlNode *c = first ? first->next : NULL; c; c = c->next)
		if (c->type == XML_ELEMENT_NODE && !strcmp((const char *)c->name, "xauxwhat"))
			return c;
	return NULL;
}

/* The lines after the headline: each <auxwhat> or <xauxwhat> in order,
 * with the student's frame of the stack that follows it ("Lock was
 * previously acquired, in task_run (tasks.c:117)"); the conflicting access
 * (the first xauxwhat) with the locks it held. With the error's block of
 * the text log, each line is the block's own words where it has that line,
 * so its thread numbers and addresses are those of the locks' run. */
/* Helgrind's XML gives a lock-order error's "Lock at ADDR was first
 * observed" lines an address of its own bookkeeping, not the lock's; they
 * come in the order of the headline's 'lock order "A before B"', so the
 * k-th takes the headline's k-th address. The caller frees the result. */
static char *first_observed(const char *what, const char *head, int k)
{
	const char *p = strstr(head, "lock order \"");
	if (strncmp(what, "Lock at 0x", 10) || !strstr(what, " was first observed") || !p)
		return NULL;
	for (p = strstr(p, "0x"); p && k > 0; k--)
		p = strstr(p + 2, "0x");
	if (!p)
		return NULL;
	return xasprintf("Lock at %.*s%s", (int)strspn(p, "0123456789abcdefABCDEFx"), p,
	                 strstr(what, " was first observed"));
}

static void describe_aux(char **s, xmlNode *first, const char *scratch, json_t *files,
                         const struct hg_block *b, const char *held_there, const char *head)
{
	bool conflict = true;
	size_t from = 1;
	int observed = 0;
	for (xmlNode *c = first ? first->next : NULL; c; c = c->next) {
		if (c->type != XML_ELEMENT_NODE)
			continue;
		bool x = !strcmp((const char *)c->name, "xauxwhat");
		if (!x && strcmp((const char *)c->name, "auxwhat"))
			continue;
		const char *what = x ? text_of(child(c, "text")) : text_of(c);
		size_t j = b ? find_item(b, from, what) : 0;
		if (j) {
			what = b->items[j].what;
			from = j + 1;
		}
		xmlNode *f = student_xframe(stack_after(c), scratch, files);
		char *lock = j ? NULL : first_observed(what, head, observed);
		observed += lock != NULL;
		strappend(s, "  %s", lock ? lock : what);
		free(lock);
		if (f)
			strappend(s, ", in %s (%s:%s)", text_of(child(f, "fn")),
			          text_of(child(f, "file")), text_of(child(f, "line")));
		if (x && conflict && held_there)
			strappend(s, " (%s)", held_there);
		conflict = conflict && !x;
		field_query(s, what, f);
		strappend(s, "\n");
	}
}

/* Describes one error; NULL when no frame of it lies in a student file.
 * The locks held come from the text log's block of the same error, or are
 * left out when no block matches: words of two runs are never mixed. */
static char *describe_error(xmlNode *err, const char *scratch, json_t *files,
                            const struct hg_log *log)
{
	xmlNode *first = child(err, "stack"), *second = NULL;
	for (xmlNode *c = first ? first->next : NULL; c && !second; c = c->next)
		if (c->type == XML_ELEMENT_NODE && strcmp((const char *)c->name, "stack") == 0)
			second = c;
	char *here = student_frame(first, scratch, files);
	char *there = student_frame(second, scratch, files);
	if (!here && !there) {
		free(there);
		return NULL;
	}
	xmlNode *xconflict = first_xaux(first);
	char *conflict_there = xconflict ? student_frame(stack_after(xconflict), scratch, files) : NULL;
	size_t c;
	const struct hg_block *b = match_block(log, headline(err), here,
	                                       xconflict ? text_of(child(xconflict, "text")) : NULL,
	                                       conflict_there, &c);
	const char *raw_here = b ? b->items[0].held : NULL;
	const char *raw_there = b && c ? b->items[c].held : NULL;
	char *held_here = raw_here ? held_words(b->text, raw_here, files) : NULL;
	char *held_there = raw_there ? held_words(b->text, raw_there, files) : NULL;
	char *s = xasprintf("%s in %s\n  %s%s%s%s\n", kind_words(text_of(child(err, "kind"))),
	                    here ? here : there, b ? b->items[0].what : headline(err),
	                    held_here ? " (" : "", held_here ? held_here : "", held_here ? ")" : "");
	describe_aux(&s, first, scratch, files, b, held_there,
	             b ? b->items[0].what : headline(err));
	if (disjoint_locks(raw_here, raw_there))
		strappend(&s, "  The two threads held different locks, so neither lock kept the "
		          "other thread out.\n");
	if ((held_here && strstr(held_here, "'s stack")) ||
	    (held_there && strstr(held_there, "'s stack")))
		strappend(&s, "  A lock on a thread's stack is a local variable: each call of its "
		          "function makes a new lock, which no other thread ever sees.\n");
	free(held_here); free(held_there);
	free(here); free(there); free(conflict_there);
	return s;
}

/* Calls fn for each <error> of every hg.<pid>.xml in dir: Valgrind follows
 * fork, one file each. Tolerant: a run stopped at its deadline leaves
 * truncated XML. */
static void each_hg_error(const char *dir, void (*fn)(xmlNode *err, void *arg), void *arg)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	while (d && (e = readdir(d))) {
		if (strncmp(e->d_name, "hg.", 3) != 0 || !strstr(e->d_name, ".xml"))
			continue;
		char *path = xasprintf("%s/%s", dir, e->d_name);
		xmlDoc *doc = xmlReadFile(path, NULL, XML_PARSE_RECOVER | XML_PARSE_NONET |
		                          XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
		xmlNode *root = doc ? xmlDocGetRootElement(doc) : NULL;
		for (xmlNode *n = root ? root->children : NULL; n; n = n->next)
			if (n->type == XML_ELEMENT_NODE && !strcmp((const char *)n->name, "error"))
				fn(n, arg);
		xmlFreeDoc(doc);
		free(path);
	}
	if (d)
		closedir(d);
}

struct summary_ctx {
	const char *scratch;
	json_t *files;
	struct hg_log *log;
	struct hg_tally *t;
};

/* Appends what to *list unless an entry with its first line is there. */
static void add_distinct(char **list, int *shown, const char *what)
{
	char *first_line = xasprintf("%.*s", (int)strcspn(what, "\n"), what);
	if (*shown < SHOW_ERRORS && !(*list && strstr(*list, first_line))) {
		strappend(list, "%s", what);
		(*shown)++;
	}
	free(first_line);
}

/* A note is shown as where it happened: "queue_put (queue.c:123)". */
static void add_note(struct hg_tally *t, xmlNode *err, const char *scratch, json_t *files)
{
	char *here = student_frame(child(err, "stack"), scratch, files);
	if (here && t->notes_shown < SHOW_ERRORS && !(t->notes && strstr(t->notes, here))) {
		strappend(&t->notes, "%s%s", t->notes ? ", " : "", here);
		t->notes_shown++;
	}
	free(here);
}

static void summarise_error(xmlNode *n, void *arg)
{
	struct summary_ctx *c = arg;
	struct hg_tally *t = c->t;
	if (is_note(n)) {
		t->noted++;
		add_note(t, n, c->scratch, c->files);
		return;
	}
	char *what = describe_error(n, c->scratch, c->files, c->log);
	const char *kind = text_of(child(n, "kind"));
	if (what) {
		t->errors++;
		t->races += !strcmp(kind, "Race") || !strcmp(kind, "LockOrder");
		add_distinct(&t->summary, &t->shown, what);
	} else {
		t->elsewhere++;
	}
	free(what);
}

/* Reads every error of the run into t (the first distinct ones as text). */
void races_read(const char *dir, const char *scratch, json_t *files, const char *text_log,
                struct hg_tally *t)
{
	struct summary_ctx c = { scratch, files, hg_log_read(text_log ? text_log : "", files), t };
	each_hg_error(dir, summarise_error, &c);
	hg_log_free(c.log);
}

void hg_tally_free(struct hg_tally *t)
{
	free(t->summary);
	free(t->notes);
	*t = (struct hg_tally){ 0 };
}

/* Removes the XML of an earlier run, so that reports are this run's only. */
static void remove_reports(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	while (d && (e = readdir(d))) {
		if (strncmp(e->d_name, "hg.", 3) || !strstr(e->d_name, ".xml"))
			continue;
		char *path = xasprintf("%s/%s", dir, e->d_name);
		unlink(path);
		free(path);
	}
	if (d)
		closedir(d);
}

/* ---- field names, from the debug info ---- */

/* gdb, in the sandbox, on the program: for each query "file:line size off"
 * of $GRADER_FIELDS (';'-separated), the struct type that a pointer variable
 * in scope at file:line points to (or a pointer field of such a struct
 * does: b->accounts), when exactly one such type has the block's size, or
 * else exactly one divides it (an array of them), and its field at off.
 * Prints "grader-field QUERY: struct board, field len". */
static const char field_py[] =
	"import gdb, os\\n"
	"C = gdb\\n"
	"def field(t, off):\\n"
	"  for f in t.fields():\\n"
	"    if not hasattr(f, 'bitpos') or f.name is None: continue\\n"
	"    lo = f.bitpos // 8; ft = f.type.strip_typedefs(); n = ft.sizeof\\n"
	"    if lo <= off < lo + n:\\n"
	"      if ft.code == C.TYPE_CODE_ARRAY and ft.target().sizeof > 0:\\n"
	"        return '%s[%d]' % (f.name, (off - lo) // ft.target().sizeof)\\n"
	"      if ft.code in (C.TYPE_CODE_STRUCT, C.TYPE_CODE_UNION):\\n"
	"        sub = field(ft, off - lo)\\n"
	"        return f.name + ('.' + sub if sub else '')\\n"
	"      return f.name\\n"
	"  return None\\n"
	"def ask(q):\\n"
	"  loc, size, off = q.split(); size = int(size); off = int(off)\\n"
	"  b = gdb.block_for_pc(gdb.decode_line(loc)[1][0].pc)\\n"
	"  found = {}\\n"
	"  def note(t):\\n"
	"    t = t.target().strip_typedefs()\\n"
	"    if t.code == C.TYPE_CODE_STRUCT and t.sizeof > 0 and size % t.sizeof == 0:\\n"
	"      found[str(t)] = t\\n"
	"    return t\\n"
	"  while b is not None and not b.is_global and not b.is_static:\\n"
	"    for s in b:\\n"
	"      t = s.type.strip_typedefs() if s.type else None\\n"
	"      if t is None or t.code != C.TYPE_CODE_PTR: continue\\n"
	"      t = note(t)\\n"
	"      if t.code != C.TYPE_CODE_STRUCT: continue\\n"
	"      for f in t.fields():\\n"
	"        ft = f.type.strip_typedefs()\\n"
	"        if ft.code == C.TYPE_CODE_PTR: note(ft)\\n"
	"    b = b.superblock\\n"
	"  exact = [t for t in found.values() if t.sizeof == size]\\n"
	"  many = exact or list(found.values())\\n"
	"  if len(many) != 1: return\\n"
	"  t = many[0]; f = field(t, off % t.sizeof); n = str(t)\\n"
	"  if t.sizeof != size: n = 'element %d of an array of %s' % (off // t.sizeof, n)\\n"
	"  if f: print('grader-field %s: %s, field %s' % (q, n, f))\\n"
	"for q in os.environ.get('GRADER_FIELDS', '').split(';'):\\n"
	"  try:\\n"
	"    if q: ask(q)\\n"
	"  except Exception:\\n"
	"    pass\\n";

/* Replaces each bracketed query of *summary by ": the field len of struct
 * board" where gdb could tell, or by nothing. */
static void resolve_fields(struct lab_ctx *ctx, json_t *check, char **summary)
{
	char *queries = NULL;
	for (const char *p = *summary ? strchr(*summary, FIELD_MARK) : NULL; p;
	     p = strchr(strchr(p + 1, FIELD_MARK) + 1, FIELD_MARK)) {
		const char *end = strchr(p + 1, FIELD_MARK);
		strappend(&queries, "%s%.*s", queries ? ";" : "", (int)(end - p - 1), p + 1);
	}
	if (!queries)
		return;
	char *prog = lab_program(ctx, spec_str(check, "program", ""));
	char *script = xasprintf("python exec(\"%s\")", field_py);
	char *argv[] = { "gdb", "-batch", "-nx", "-iex", "set auto-load off", "-iex",
	                 "set debuginfod enabled off", "-ex", script, prog, NULL };
	char *env[] = { xasprintf("GRADER_FIELDS=%s", queries), NULL };
	struct sbx_result r;
	bool hung = ctx->hung; /* gdb too slow is not the student's hang */
	bool ran = lab_run(ctx, argv, env, 10, &r) == 0 && !r.timed_out && r.output;
	ctx->hung = hung;
	char *out = NULL;
	for (const char *p = *summary; *p;) {
		const char *mark = strchr(p, FIELD_MARK);
		if (!mark) {
			strappend(&out, "%s", p);
			break;
		}
		const char *end = strchr(mark + 1, FIELD_MARK);
		char *key = xasprintf("grader-field %.*s: ", (int)(end - mark - 1), mark + 1);
		const char *hit = ran ? strstr(r.output, key) : NULL;
		strappend(&out, "%.*s", (int)(mark - p), p);
		if (hit) { /* "struct board, field len" */
			const char *t = hit + strlen(key), *comma = strstr(t, ", field ");
			if (comma && comma < t + strcspn(t, "\n"))
				strappend(&out, ": the field %.*s of %.*s", (int)strcspn(comma + 8, "\n"),
				          comma + 8, (int)(comma - t), t);
		}
		free(key);
		p = end + 1;
	}
	free(*summary);
	*summary = out;
	sbx_result_free(&r);
	free(env[0]); free(script); free(prog); free(queries);
}

/* ---- runs ---- */

static size_t scenario_args(json_t *check, char **argv, size_t i, size_t max)
{
	json_t *a, *args = json_object_get(check, "args");
	size_t k;
	json_array_foreach(args, k, a)
		if (i < max - 1)
			argv[i++] = (char *)json_string_value(a);
	argv[i] = NULL;
	return i;
}

static int helgrind(struct lab_ctx *ctx, json_t *check, bool xml, double timeout_s,
                    struct sbx_result *r)
{
	char *prog = lab_program(ctx, spec_str(check, "program", ""));
	char *supp = xasprintf("--suppressions=%s/grader/helgrind.supp", ctx->scratch);
	char *xmlfile = xasprintf("--xml-file=%s/hg.%%p.xml", ctx->scratch);
	char *argv[32] = { "valgrind", "-q", "--tool=helgrind", "--error-exitcode=99",
	                   "--num-callers=20", supp, xml ? "--xml=yes" : "--xml=no",
	                   xml ? xmlfile : "--error-limit=yes", prog };
	scenario_args(check, argv, 9, 32);
	char *env[] = { "CK_FORK=yes", NULL };
	int rc = lab_run(ctx, argv, env, timeout_s, r);
	free(prog); free(supp); free(xmlfile);
	return rc;
}

/* The scenario without Helgrind, under a short deadline. */
static int native(struct lab_ctx *ctx, json_t *check, struct sbx_result *r)
{
	char *argv[32] = { lab_program(ctx, spec_str(check, "program", "")) };
	scenario_args(check, argv, 1, 32);
	char *env[] = { "CK_FORK=yes", NULL };
	int rc = lab_run(ctx, argv, env, spec_secs(check, "native_timeout_s", NATIVE_S), r);
	free(argv[0]);
	return rc;
}

/* "   at board_say (tasks.c:96)", or the object for a frame without source. */
static void raw_frame(char **raw, xmlNode *f, bool first)
{
	const char *fn = text_of(child(f, "fn")), *file = text_of(child(f, "file"));
	const char *line = text_of(child(f, "line"));
	strappend(raw, "   %s %s (%s%s%s)\n", first ? "at" : "by", *fn ? fn : "???",
	          *file ? file : text_of(child(f, "obj")), *line ? ":" : "", line);
}

/* Helgrind's errors as text for RAW=1, where only its XML exists: each
 * error's headline, its auxiliary lines and every stack's frames. */
static void raw_error(xmlNode *n, void *arg)
{
	char **raw = arg;
	strappend(raw, "%s\n", headline(n));
	for (xmlNode *c = n->children; c; c = c->next) {
		const char *name = (const char *)c->name;
		if (c->type != XML_ELEMENT_NODE)
			continue;
		if (!strcmp(name, "auxwhat"))
			strappend(raw, " %s\n", text_of(c));
		else if (!strcmp(name, "xauxwhat"))
			strappend(raw, " %s\n", text_of(child(c, "text")));
		int k = 0;
		xmlNode *f = strcmp(name, "stack") ? NULL : c->children;
		for (; f; f = f->next)
			if (f->type == XML_ELEMENT_NODE)
				raw_frame(raw, f, k++ == 0);
	}
	strappend(raw, "\n");
}

static void raw_from_xml(const char *dir, char **raw)
{
	each_hg_error(dir, raw_error, raw);
}

/* Whether a thread of a diagnosis waits for a mutex: Helgrind may have
 * reported why (a lock re-locked by its holder) before it blocked too. A
 * wait on a condition variable, a join or a pipe leaves it nothing to say. */
static bool waits_for_a_lock(const char *diagnosis)
{
	return diagnosis && (strstr(diagnosis, "mutex_lock") || strstr(diagnosis, "lll_lock_wait"));
}

/* The scenario hangs natively: the row shows the threads' real stacks and,
 * for a deadlock on locks, what Helgrind reported before it blocked too. */
static void hung_natively(struct lab_ctx *ctx, json_t *check, struct result *row,
                          const struct sbx_result *nat)
{
	char *text = xasprintf("The race scenario hangs, so it could not be checked for races. "
	                       "Run without Helgrind, it %s", nat->diagnosis ? nat->diagnosis :
	                       "timed out.\n");
	struct sbx_result hg = { 0 };
	if (nat->blocked && waits_for_a_lock(nat->diagnosis) && valgrind_available()) {
		struct hg_tally t = { 0 };
		remove_reports(ctx->scratch);
		/* A short run of its own: long enough for Valgrind to start and
		 * report, then it blocks like the native run did. */
		ctx->hung = false;
		int rc = helgrind(ctx, check, true, HARVEST_S, &hg);
		ctx->hung = true;
		if (rc == 0)
			races_read(ctx->scratch, LAB_DEBUG_ROOT, json_object_get(ctx->spec, "student_files"),
			           "", &t);
		if (t.errors > 0) {
			resolve_fields(ctx, check, &t.summary);
			strappend(&text, "Run under Helgrind until it blocked too, Helgrind had "
			          "already reported:\n%s", t.summary);
		}
		raw_from_xml(ctx->scratch, &row->raw);
		hg_tally_free(&t);
	}
	const char *hint = lab_hint(ctx, check, NULL, true);
	if (hint)
		strappend(&text, "Hint: %s", hint);
	row_set(row, V_FAIL, text);
	sbx_result_free(&hg);
}

/* "Note: ...": the calls POSIX allows, where they happened, explained. */
static char *notes_words(const struct hg_tally *t)
{
	if (!t->notes)
		return xstrdup("");
	return xasprintf("\nNote, not counted: Helgrind saw %d signal%s of a condition variable "
	                 "sent without holding its lock, in %s. POSIX allows this, and signalling "
	                 "just after unlocking is a common choice. Helgrind calls it \"dubious\" "
	                 "because it is safe only when the waiter's condition was changed with the "
	                 "lock held; a change without the lock would have been reported as a race.",
	                 t->noted, t->noted == 1 ? "" : "s", t->notes);
}

/* Errors reported outside the student's files, or an error exit whose
 * report could not be read: nothing a student did, unless it repeats. */
static bool unexplained(const struct sbx_result *r, const struct hg_tally *t)
{
	return t->elsewhere > 0 || (r->exit_code == HG_EXIT && t->errors == 0 && t->noted == 0);
}

/* The verdict of a Helgrind run that ended, from what it reported. */
static void helgrind_verdict(struct result *rows, const struct sbx_result *r,
                             const struct hg_tally *t, bool again, const char *hint)
{
	char *notes = notes_words(t);
	/* The lab's hint speaks of races: shown only when there is one. */
	if (t->errors > 0 && t->races == 0)
		hint = MISUSE_HINT;
	if (t->errors > 0)
		row_set(rows, V_FAIL, xasprintf("Helgrind found %d error%s in your code%s:\n%s%s%s",
		        t->errors, t->errors == 1 ? "" : "s",
		        t->errors > t->shown ? " (the first distinct ones below)" : "", t->summary,
		        hint ? "Hint: " : "", hint ? hint : ""));
	else if (unexplained(r, t) && again)
		row_set(rows, V_INCONCLUSIVE, xstrdup("Helgrind reported errors, twice, but none of "
		        "their stacks reaches your files: they are in the lab's harness or the C "
		        "library, so they say nothing about your code and are not your fault. "
		        "Grade again; if it repeats, show your instructor the raw report (RAW=1)."));
	else if (r->exit_code != 0 && r->exit_code != HG_EXIT)
		row_set(rows, V_FAIL, xasprintf("The race scenario failed under Helgrind "
		        "(exit code %d, signal %d) before it could be checked:\n%s",
		        r->exit_code, r->term_signal, r->output ? r->output : ""));
	else if (r->term_signal)
		row_set(rows, V_FAIL, xasprintf("The race scenario was killed by signal %d under "
		        "Helgrind before it could be checked:\n%s", r->term_signal,
		        r->output ? r->output : ""));
	else
		/* Errors outside the student's files once, then a clean run: a rare
		 * report in the harness or the C library, never the student's. */
		row_set(rows, V_PASS, xasprintf("Helgrind found no races, lock-order violations or "
		        "misuse in your code%s.%s", again ? " (a first run reported errors only "
		        "outside your files; a second run was clean)" : "", notes));
	rows->show_on_pass = t->notes != NULL;
	free(notes);
}

/* The scenario ended natively but not under Helgrind within its deadline.
 * What Helgrind reported before the deadline still counts, and so does a
 * scenario in which nothing ran any more (every thread waiting: a hang in
 * Helgrind's schedule). A scenario still running is no evidence: Helgrind
 * runs it 20 to 100 times slower, more on a slow or crowded machine. */
static void helgrind_timed_out(struct result *rows, const struct sbx_result *r,
                               const struct hg_tally *t, double deadline, const char *hint)
{
	bool evidence = t->errors > 0 || r->blocked;
	/* The diagnosis names a cause (a loop, a livelock): shown with evidence only. */
	char *text = xasprintf("The race scenario finished without Helgrind but did not finish "
	        "under it within %.0f s. %s%s%s", deadline, evidence && r->diagnosis ?
	        r->diagnosis : "", t->errors ? "Before the deadline, Helgrind had reported:\n" : "",
	        t->errors ? t->summary : "");
	if (evidence)
		strappend(&text, "%s%s%s", r->blocked && !t->errors ? "Helgrind runs one thread at "
		          "a time, so a wait that depends on timing can last forever there: nothing "
		          "in your program ran any more. " : "", hint ? "Hint: " : "", hint ? hint : "");
	else
		strappend(&text, "It was still running, so this says nothing of your code: Helgrind "
		          "is slow, and this machine may be slower still. Nothing was reported before "
		          "the deadline. Run `make grade` again on a quieter machine (as the replay "
		          "line shows).\n");
	row_set(rows, evidence ? V_FAIL : V_INCONCLUSIVE, text);
}

/* The scenario under Helgrind (or ThreadSanitizer where Valgrind is missing).
 * Errors in the student's files are run again in text mode, for the locks
 * held; errors only elsewhere are run again to see whether they repeat. */
static void check_helgrind(struct lab_ctx *ctx, json_t *check, struct result *rows)
{
	struct sbx_result r, text = { 0 };
	struct hg_tally t = { 0 };
	bool again = false;
	if (!valgrind_available()) {
		races_tsan(ctx, check, rows);
		if (rows->verdict != V_PASS)
			rows->replay = lab_replay(ctx, spec_str(check, "name", "races"), -1);
		return;
	}
	double deadline = lab_deadline(ctx, spec_secs(check, "timeout_s", 120));
	if (helgrind(ctx, check, true, deadline, &r) < 0) {
		row_set(rows, V_ERROR, xasprintf("Could not run Helgrind: %s", r.output));
		sbx_result_free(&r);
		return;
	}
	json_t *files = json_object_get(ctx->spec, "student_files");
	races_read(ctx->scratch, LAB_DEBUG_ROOT, files, "", &t);
	if (!r.timed_out && t.errors > 0) { /* the text run says which locks were held */
		helgrind(ctx, check, false, deadline, &text);
		hg_tally_free(&t);
		races_read(ctx->scratch, LAB_DEBUG_ROOT, files, text.output ? text.output : "", &t);
	} else if (!r.timed_out && unexplained(&r, &t)) {
		sbx_result_free(&r);
		remove_reports(ctx->scratch);
		hg_tally_free(&t);
		again = true;
		if (helgrind(ctx, check, true, deadline, &r) == 0)
			races_read(ctx->scratch, LAB_DEBUG_ROOT, files, "", &t);
	}
	resolve_fields(ctx, check, &t.summary);
	const char *hint = lab_hint(ctx, check, NULL, r.timed_out);
	if (r.timed_out) {
		helgrind_timed_out(rows, &r, &t, deadline, hint);
	} else {
		helgrind_verdict(rows, &r, &t, again, hint);
	}
	if (text.output)
		rows->raw = xstrdup(text.output);
	else
		raw_from_xml(ctx->scratch, &rows->raw);
	if (rows->verdict != V_PASS)
		rows->replay = lab_replay(ctx, spec_str(check, "name", "races"), -1);
	hg_tally_free(&t);
	sbx_result_free(&r);
	sbx_result_free(&text);
}

void check_races(struct lab_ctx *ctx, json_t *check, struct result *rows, size_t n)
{
	struct sbx_result nat;
	(void)n;
	if (native(ctx, check, &nat) == 0 && nat.timed_out) {
		hung_natively(ctx, check, rows, &nat);
		rows->replay = lab_replay(ctx, spec_str(check, "name", "races"), -1);
		sbx_result_free(&nat);
		return;
	}
	sbx_result_free(&nat);
	/* It ended natively: Helgrind's slowdown is not a hang, so an earlier
	 * check's hang does not cut Helgrind's deadline. */
	bool hung = ctx->hung;
	ctx->hung = false;
	check_helgrind(ctx, check, rows);
	ctx->hung = ctx->hung || hung;
}
