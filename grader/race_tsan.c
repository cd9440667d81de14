/* race_tsan.c - the races check where Valgrind is missing: the same race
 * scenario built with ThreadSanitizer. TSan writes text reports only, one
 * block per warning; each is shown from the student's side, like Helgrind's. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "checks.h"

#define TSAN_EXIT 66   /* exitcode=: tells reports from the program's own codes */
#define SHOW_WARNINGS 3

bool valgrind_available(void)
{
	if (getenv("GRADER_NO_VALGRIND")) /* lets the self-test take this path */
		return false;
	return access("/usr/bin/valgrind", X_OK) == 0 || access("/usr/local/bin/valgrind", X_OK) == 0;
}

/* "put_str (tasks.c:67)" for the first frame of `block` in a student file. */
static char *student_frame(const char *block, const char *end, json_t *files)
{
	for (const char *p = block; (p = strstr(p, "    #")) && p < end; p++) {
		char fn[128], path[512];
		int line;
		if (sscanf(p, " #%*d %127s %511[^:]:%d", fn, path, &line) != 3)
			continue;
		const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
		size_t i;
		json_t *f;
		json_array_foreach(files, i, f)
			if (strcmp(json_string_value(f), base) == 0)
				return xasprintf("%s (%s:%d)", fn, base, line);
	}
	return NULL;
}

/* The line at p without its indentation, its trailing ':' or " (pid=N)". */
static char *line_at(const char *p)
{
	p += strspn(p, " ");
	int len = (int)strcspn(p, "\n");
	const char *pid = memmem(p, len, " (pid=", 6);
	if (pid)
		len = (int)(pid - p);
	while (len > 0 && p[len - 1] == ':')
		len--;
	return xasprintf("%.*s", len, p);
}

/* One warning block [p, end): NULL when no frame lies in a student file. */
static char *describe(const char *p, const char *end, json_t *files)
{
	const char *second = strstr(p, "\n  Previous ");
	if (second && second > end)
		second = NULL;
	char *here = student_frame(p, second ? second : end, files);
	char *there = second ? student_frame(second, end, files) : NULL;
	char *kind = line_at(p + strlen("WARNING: ThreadSanitizer: "));
	char *first = line_at(strchr(p, '\n') + 1), *prev = second ? line_at(second + 1) : NULL;
	char *s = NULL;
	if (here || there) {
		s = xasprintf("%s in %s\n  %s\n", kind, here ? here : there, first);
		if (prev)
			strappend(&s, "  %s%s%s\n", prev, there ? ", in " : "", there ? there : "");
	}
	free(here); free(there); free(kind); free(first); free(prev);
	return s;
}

static int read_tsan_logs(const char *dir, json_t *files, char **summary, char **raw)
{
	int found = 0, shown = 0;
	DIR *d = opendir(dir);
	struct dirent *e;
	while (d && (e = readdir(d))) {
		if (strncmp(e->d_name, "tsan.", 5) != 0)
			continue;
		char *path = xasprintf("%s/%s", dir, e->d_name), *text = NULL;
		FILE *f = fopen(path, "r");
		size_t len = 0;
		if (f && getdelim(&text, &len, '\0', f) > 0) {
			strappend(raw, "%s", text);
			for (char *p = text; (p = strstr(p, "WARNING: ThreadSanitizer: ")); p++) {
				char *end = strstr(p + 1, "WARNING: ThreadSanitizer: ");
				char *what = describe(p, end ? end : p + strlen(p), files);
				found += what != NULL;
				if (what && shown++ < SHOW_WARNINGS)
					strappend(summary, "%s", what);
				free(what);
			}
		}
		if (f)
			fclose(f);
		free(text);
		free(path);
	}
	if (d)
		closedir(d);
	return found;
}

static int build_tsan(struct lab_ctx *ctx, const char *program, struct sbx_result *r)
{
	char *target = xasprintf("tsan/%s", program);
	int rc = lab_make(ctx, target, 120, r);
	free(target);
	return rc < 0 || r->exit_code != 0 ? -1 : 0;
}

void races_tsan(struct lab_ctx *ctx, json_t *check, struct result *row)
{
	const char *program = spec_str(check, "program", "");
	const char *note = "Valgrind is not installed here, so this check used ThreadSanitizer "
	                   "instead of Helgrind: the verdict is the same kind, the report differs.";
	struct sbx_result b, r = { 0 };
	if (build_tsan(ctx, program, &b) < 0) {
		row_set(row, V_ERROR, xasprintf("%s\nThe ThreadSanitizer build failed:\n%s", note,
		                                b.output ? b.output : ""));
		sbx_result_free(&b);
		return;
	}
	char *prog = xasprintf("%s/build/tsan/labs/%s/%s", ctx->scratch, ctx->lab, program);
	char *opts = xasprintf("TSAN_OPTIONS=exitcode=%d log_path=%s/tsan halt_on_error=0",
	                       TSAN_EXIT, ctx->scratch);
	char *argv[32] = { prog };
	size_t i = 1, k;
	json_t *a;
	json_array_foreach(json_object_get(check, "args"), k, a)
		if (i < 31)
			argv[i++] = (char *)json_string_value(a);
	char *env[] = { opts, NULL };
	char *summary = NULL;
	ctx->mem_mb = -1; /* TSan reserves terabytes of address space it never uses */
	int rc = lab_run(ctx, argv, env, spec_secs(check, "timeout_s", 120), &r);
	ctx->mem_mb = 0;
	int found = rc < 0 ? 0 : read_tsan_logs(ctx->scratch, json_object_get(ctx->spec, "student_files"),
	                                        &summary, &row->raw);
	if (rc < 0 || r.timed_out)
		row_set(row, rc < 0 ? V_ERROR : V_FAIL, xasprintf("%s\nThe race scenario %s.", note,
		        rc < 0 ? "could not be run" : "did not finish in time"));
	else if (found > 0)
		row_set(row, V_FAIL, xasprintf("%s\nThreadSanitizer found %d error%s in your code:\n%s",
		        note, found, found == 1 ? "" : "s", summary));
	else if (r.exit_code != 0)
		row_set(row, V_FAIL, xasprintf("%s\nThe race scenario failed (exit code %d, signal %d):\n%s",
		        note, r.exit_code, r.term_signal, r.output ? r.output : ""));
	else
		row_set(row, V_PASS, xasprintf("%s\nNo races found in your code.", note));
	free(prog); free(opts); free(summary);
	sbx_result_free(&b);
	sbx_result_free(&r);
}
