/* check_unit.c - the "unit" check: a lab's Check suite, once per chaos seed.
 *
 * Verdicts come from Check's own XML log, never from what the program prints,
 * and the suite must have run exactly the tests the spec lists: Check exits 0
 * having run nothing when a suite or case name is wrong (TOOLCHAIN.md). */
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "checks.h"

/* What one seed's log says about one test. */
struct outcome {
	bool seen;
	bool passed;
	char *message; /* Check's message, with its file:line */
};

static const char *child_text(xmlNode *n, const char *name)
{
	for (xmlNode *c = n->children; c; c = c->next)
		if (c->type == XML_ELEMENT_NODE && strcmp((const char *)c->name, name) == 0)
			return c->children ? (const char *)c->children->content : "";
	return NULL;
}

/* Finds the row index of a test id ("check/test"), or -1. */
static long row_of(struct result *rows, size_t n, const char *check, const char *test)
{
	for (size_t i = 0; i < n; i++)
		if (strncmp(rows[i].id, check, strlen(check)) == 0 &&
		    rows[i].id[strlen(check)] == '/' &&
		    strcmp(rows[i].id + strlen(check) + 1, test) == 0)
			return (long)i;
	return -1;
}

static void read_test(xmlNode *t, const char *check, struct result *rows, size_t n,
                      struct outcome *out, long *unknown)
{
	const char *id = child_text(t, "id");
	long i = id ? row_of(rows, n, check, id) : -1;
	xmlChar *result = xmlGetProp(t, (const xmlChar *)"result");
	if (i < 0 || out[i].seen) {
		(*unknown)++;
	} else {
		out[i].seen = true;
		out[i].passed = result && strcmp((const char *)result, "success") == 0;
		const char *fn = child_text(t, "fn"), *msg = child_text(t, "message");
		out[i].message = xasprintf("%s%s%s", msg ? msg : "no message",
		                           fn ? " (at " : "", fn ? fn : "");
		if (fn)
			strappend(&out[i].message, ")");
	}
	xmlFree(result);
}

/* Walks the log tolerantly: a run cut short leaves truncated XML. */
static long read_log(const char *path, const char *check, struct result *rows,
                     size_t n, struct outcome *out)
{
	long unknown = 0;
	xmlDoc *doc = xmlReadFile(path, NULL, XML_PARSE_RECOVER | XML_PARSE_NONET |
	                          XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	if (!doc)
		return 0;
	for (xmlNode *s = xmlDocGetRootElement(doc)->children; s; s = s->next)
		for (xmlNode *t = s->children; s->type == XML_ELEMENT_NODE && t; t = t->next)
			if (t->type == XML_ELEMENT_NODE && strcmp((const char *)t->name, "test") == 0)
				read_test(t, check, rows, n, out, &unknown);
	xmlFreeDoc(doc);
	return unknown;
}

/* Why the tests the log does not mention did not report. */
static char *missing_reason(const struct sbx_result *r, double timeout_s)
{
	if (r->timed_out)
		return xasprintf("The test program was stopped after %.0f s without finishing. %s",
		                 timeout_s, r->diagnosis ? r->diagnosis : "");
	if (r->term_signal)
		return xasprintf("The test program itself was killed by signal %d (%s) before "
		                 "this test reported.", r->term_signal, strsignal(r->term_signal));
	return xasprintf("This test never reported: the test program ended early (exit code %d) "
	                 "without running it. Does your code call exit() or close the output?",
	                 r->exit_code);
}

static void fail_row(struct lab_ctx *ctx, struct result *row, const char *check,
                     json_t *test, long seed, const char *what)
{
	const char *hint = spec_str(test, "hint", NULL);
	char *text = xasprintf("%s%s%s", what, hint ? "\nHint: " : "", hint ? hint : "");
	if (seed >= 0)
		strappend(&text, "\n(CHAOS_SEED=%ld)", seed);
	row_set(row, V_FAIL, text);
	free(row->replay);
	row->replay = lab_replay(ctx, check, seed);
}

/* Runs the suite under one seed; fails the rows it sees fail. 0, or -1 fault. */
static int run_seed(struct lab_ctx *ctx, json_t *check, long seed,
                    struct result *rows, size_t n)
{
	const char *name = spec_str(check, "name", "unit");
	double timeout_s = spec_num(check, "timeout_s", 60);
	char *log = xasprintf("%s/unit.%ld.xml", ctx->scratch, seed);
	char *env[] = {
		xasprintf("CHAOS_SEED=%ld", seed), xstrdup("CK_FORK=yes"),
		xasprintf("CK_DEFAULT_TIMEOUT=%g", spec_num(check, "test_timeout_s", 5)),
		xstrdup("CK_TIMEOUT_MULTIPLIER=1"), xasprintf("CK_XML_LOG_FILE_NAME=%s", log),
		xstrdup("CK_VERBOSITY=silent"), NULL };
	char *prog = lab_program(ctx, spec_str(check, "program", ""));
	char *argv[] = { prog, NULL };
	struct sbx_result r;
	struct outcome *out = calloc(n, sizeof *out);
	int rc = lab_run(ctx, argv, env, timeout_s, &r);
	long unknown = rc < 0 ? 0 : read_log(log, name, rows, n, out);
	json_t *tests = json_object_get(check, "tests");
	char *missing = rc < 0 ? NULL : missing_reason(&r, timeout_s);

	for (size_t i = 0; rc == 0 && i < n; i++) {
		json_t *test = json_object_get(tests, strchr(rows[i].id, '/') + 1);
		if (rows[i].verdict == V_FAIL)
			continue; /* an earlier seed already failed it */
		if (!out[i].seen)
			fail_row(ctx, &rows[i], name, test, seed, missing);
		else if (!out[i].passed)
			fail_row(ctx, &rows[i], name, test, seed, out[i].message);
		else
			row_set(&rows[i], V_PASS, xstrdup("passed under every seed"));
	}
	if (rc == 0 && unknown > 0)
		rc = -2;
	for (size_t i = 0; i < n; i++)
		free(out[i].message);
	for (char **e = env; *e; e++)
		free(*e);
	free(out); free(missing); free(log); free(prog);
	sbx_result_free(&r);
	return rc;
}

void check_unit(struct lab_ctx *ctx, json_t *check, struct result *rows, size_t n)
{
	json_t *seeds = json_object_get(check, "seeds");
	json_t *one = NULL;
	if (ctx->opt->seed >= 0 || !json_array_size(seeds))
		seeds = one = json_pack("[I]", (json_int_t)(ctx->opt->seed >= 0 ? ctx->opt->seed : 1));
	size_t i;
	json_t *seed;
	json_array_foreach(seeds, i, seed) {
		int rc = run_seed(ctx, check, (long)json_integer_value(seed), rows, n);
		if (rc == -1) {
			rows_fail(rows, n, V_ERROR, "The grader could not run the test program.");
			break;
		}
		if (rc == -2) {
			/* Only harness code names tests: a mismatch is the lab's fault. */
			rows_fail(rows, n, V_ERROR, "The test program ran tests the lab's spec does "
			          "not list: the spec and the tests disagree.");
			break;
		}
	}
	json_decref(one);
}
