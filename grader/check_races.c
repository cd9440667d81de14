/* check_races.c - the "races" check: a lab's race scenario under Helgrind.
 *
 * Helgrind's XML gives each error's kind and stacks; its text log is the raw
 * report and the only place that says which locks were held, so a failing
 * run is repeated once in text mode for those. Errors are shown from the
 * student's side: the first frame in a student file. */
#include <dirent.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "checks.h"

#define HG_EXIT 99     /* --error-exitcode: tells errors from the program's own codes */
#define SHOW_ERRORS 3  /* the first few errors teach; fifty bury the lesson */

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

/* "task_run (tasks.c:41)" for the first frame of the stack in a student file. */
static char *student_frame(xmlNode *stack, const char *scratch, json_t *files)
{
	for (xmlNode *f = stack ? stack->children : NULL; f; f = f->next) {
		const char *dir = text_of(child(f, "dir")), *file = text_of(child(f, "file"));
		if (f->type == XML_ELEMENT_NODE && strncmp(dir, scratch, strlen(scratch)) == 0 &&
		    is_student_file(files, file))
			return xasprintf("%s (%s:%s)", text_of(child(f, "fn")), file,
			                 text_of(child(f, "line")));
	}
	return NULL;
}

/* The error's headline: <what> or <xwhat><text>. */
static const char *headline(xmlNode *err)
{
	xmlNode *w = child(err, "what");
	return w ? text_of(w) : text_of(child(child(err, "xwhat"), "text"));
}

static const char *kind_words(const char *kind)
{
	if (strcmp(kind, "Race") == 0)
		return "Data race";
	if (strcmp(kind, "LockOrder") == 0)
		return "Lock order violated (two locks taken in both orders: a deadlock waiting to happen)";
	return "Misuse of the pthreads API";
}

/* The "Locks held: ..." words of the text report for the access whose stack
 * reaches `frame` ("put_str (tasks.c:67)"). In the text log each access is
 * "Locks held: none" followed by its stack, one "at 0x..:"/"by 0x..:" line
 * per frame. */
static char *locks_at(const char *log, const char *frame)
{
	for (const char *p = log; (p = strstr(p, "Locks held:")); p++) {
		const char *eol = strchr(p, '\n');
		for (const char *line = eol; line && line[1]; line = strchr(line + 1, '\n')) {
			const char *next = strchr(line + 1, '\n');
			size_t len = next ? (size_t)(next - line) : strlen(line);
			if (!memmem(line, len, " at 0x", 6) && !memmem(line, len, " by 0x", 6))
				break; /* end of this access's stack */
			if (memmem(line, len, frame, strlen(frame)))
				return xasprintf("%.*s", (int)(eol - p), p);
		}
	}
	return NULL;
}

/* Describes one error; NULL when no frame of it lies in a student file. */
static char *describe_error(xmlNode *err, const char *scratch, json_t *files, const char *log)
{
	xmlNode *first = child(err, "stack"), *second = NULL;
	for (xmlNode *c = first ? first->next : NULL; c && !second; c = c->next)
		if (c->type == XML_ELEMENT_NODE && strcmp((const char *)c->name, "stack") == 0)
			second = c;
	char *here = student_frame(first, scratch, files);
	char *there = student_frame(second, scratch, files);
	if (!here && !there)
		return NULL;
	char *held_here = here ? locks_at(log, here) : NULL;
	char *held_there = there ? locks_at(log, there) : NULL;
	char *s = xasprintf("%s in %s\n  %s%s%s%s\n", kind_words(text_of(child(err, "kind"))),
	                    here ? here : there, headline(err), held_here ? " (" : "",
	                    held_here ? held_here : "", held_here ? ")" : "");
	xmlNode *aux = child(child(err, "xauxwhat"), "text");
	if (aux)
		strappend(&s, "  %s%s%s%s%s%s\n", text_of(aux), there ? ", in " : "", there ? there : "",
		          held_there ? " (" : "", held_there ? held_there : "", held_there ? ")" : "");
	free(held_here);
	free(held_there);
	xmlNode *addr = child(err, "auxwhat");
	if (addr)
		strappend(&s, "  %s\n", text_of(addr));
	free(here);
	free(there);
	return s;
}

/* Reads every hg.<pid>.xml of the run: Valgrind follows fork, one file each. */
static int read_reports(const char *dir, const char *scratch, json_t *files,
                        const char *log, char **summary, int *shown)
{
	int errors = 0;
	DIR *d = opendir(dir);
	struct dirent *e;
	while (d && (e = readdir(d))) {
		if (strncmp(e->d_name, "hg.", 3) != 0 || !strstr(e->d_name, ".xml"))
			continue;
		char *path = xasprintf("%s/%s", dir, e->d_name);
		xmlDoc *doc = xmlReadFile(path, NULL, XML_PARSE_RECOVER | XML_PARSE_NONET |
		                          XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
		xmlNode *root = doc ? xmlDocGetRootElement(doc) : NULL;
		for (xmlNode *n = root ? root->children : NULL; n; n = n->next) {
			if (n->type != XML_ELEMENT_NODE || strcmp((const char *)n->name, "error"))
				continue;
			char *what = describe_error(n, scratch, files, log);
			errors += what != NULL;
			/* The same access reported again teaches nothing new. */
			char *first_line = what ? xasprintf("%.*s", (int)strcspn(what, "\n"), what) : NULL;
			if (what && *shown < SHOW_ERRORS && !(*summary && strstr(*summary, first_line))) {
				strappend(summary, "%s", what);
				(*shown)++;
			}
			free(first_line);
			free(what);
		}
		xmlFreeDoc(doc);
		free(path);
	}
	if (d)
		closedir(d);
	return errors;
}

static int helgrind(struct lab_ctx *ctx, json_t *check, bool xml, struct sbx_result *r)
{
	char *prog = lab_program(ctx, spec_str(check, "program", ""));
	char *supp = xasprintf("--suppressions=%s/grader/helgrind.supp", ctx->scratch);
	char *xmlfile = xasprintf("--xml-file=%s/hg.%%p.xml", ctx->scratch);
	char *argv[32] = { "valgrind", "-q", "--tool=helgrind", "--error-exitcode=99",
	                   "--num-callers=20", supp, xml ? "--xml=yes" : "--xml=no",
	                   xml ? xmlfile : "--error-limit=yes", prog };
	size_t i = 9;
	json_t *a, *args = json_object_get(check, "args");
	size_t k;
	json_array_foreach(args, k, a)
		if (i < 31)
			argv[i++] = (char *)json_string_value(a);
	char *env[] = { "CK_FORK=yes", NULL };
	int rc = lab_run(ctx, argv, env, spec_num(check, "timeout_s", 120), r);
	free(prog); free(supp); free(xmlfile);
	return rc;
}

void check_races(struct lab_ctx *ctx, json_t *check, struct result *rows, size_t n)
{
	struct sbx_result r, text = { 0 };
	char *summary = NULL;
	int shown = 0, errors = 0;
	(void)n;
	if (!valgrind_available()) {
		races_tsan(ctx, check, rows);
		if (rows->verdict != V_PASS)
			rows->replay = lab_replay(ctx, spec_str(check, "name", "races"), -1);
		return;
	}
	if (helgrind(ctx, check, true, &r) < 0) {
		row_set(rows, V_ERROR, xasprintf("Could not run Helgrind: %s", r.output));
		sbx_result_free(&r);
		return;
	}
	if (r.exit_code == HG_EXIT) /* the text run says which locks were held */
		helgrind(ctx, check, false, &text);
	errors = read_reports(ctx->scratch, ctx->scratch, json_object_get(ctx->spec, "student_files"),
	                      text.output ? text.output : "", &summary, &shown);
	const char *hint = spec_str(check, "hint", NULL);
	if (r.timed_out) {
		row_set(rows, V_FAIL, xasprintf("The race scenario did not finish under Helgrind "
		        "within %.0f s. %s", spec_num(check, "timeout_s", 120),
		        r.diagnosis ? r.diagnosis : ""));
	} else if (errors > 0) {
		row_set(rows, V_FAIL, xasprintf("Helgrind found %d error%s in your code%s:\n%s%s%s",
		        errors, errors == 1 ? "" : "s", errors > shown ? " (the first distinct ones below)" : "",
		        summary, hint ? "Hint: " : "", hint ? hint : ""));
	} else if (r.exit_code == HG_EXIT) {
		row_set(rows, V_FAIL, xstrdup("Helgrind reported errors, but none of their stacks "
		        "reaches your files, so it cannot point at a line: see the raw report "
		        "(RAW=1)."));
	} else if (r.exit_code != 0 || r.term_signal) {
		row_set(rows, V_FAIL, xasprintf("The race scenario failed under Helgrind "
		        "(exit code %d, signal %d) before it could be checked:\n%s",
		        r.exit_code, r.term_signal, r.output ? r.output : ""));
	} else {
		row_set(rows, V_PASS, xstrdup("Helgrind found no races, lock-order violations or "
		                              "misuse in your code."));
	}
	if (text.output)
		rows->raw = xstrdup(text.output);
	if (rows->verdict != V_PASS)
		rows->replay = lab_replay(ctx, spec_str(check, "name", "races"), -1);
	free(summary);
	sbx_result_free(&r);
	sbx_result_free(&text);
}
