/* lab_submit.c - what of a submission enters the scratch lab: only the
 * student files its spec lists. A lab with none of them is not submitted; a
 * lab with some of them is graded, each missing file replaced by the
 * skeleton, and the run's notes say so (SPEC.md, "Student files"). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "checks.h"

/* The submission's folder of this lab as its user knows it, for messages:
 * SUBMISSION= as given (or as --replay-as names it), else labs/. */
static char *shown_dir(struct lab_ctx *ctx)
{
	const char *sub = ctx->opt->submission_arg;
	return xasprintf("%s/%s", sub ? sub : "labs", ctx->lab);
}

/* "a.c", "a.c and b.c", "a.c, b.c and c.c". */
static char *names_and(json_t *files)
{
	char *s = xstrdup("");
	size_t i, n = json_array_size(files);
	json_t *f;
	json_array_foreach(files, i, f)
		strappend(&s, "%s%s", i == 0 ? "" : i + 1 == n ? " and " : ", ", json_string_value(f));
	return s;
}

/* How many of the lab's student files the submission holds. A link, or a
 * file that cannot be read, counts: staging then says what is wrong. */
static size_t files_present(json_t *files, const char *subdir)
{
	size_t i, n = 0;
	json_t *f;
	json_array_foreach(files, i, f) {
		char *src = xasprintf("%s/%s", subdir, json_string_value(f));
		struct stat st;
		n += lstat(src, &st) == 0;
		free(src);
	}
	return n;
}

/* A line of the run's notes, once: the hidden checks may stage the lab again. */
static void note_once(struct results *rs, const char *line)
{
	if (!(rs->notes && strstr(rs->notes, line)))
		results_note(rs, "%s", line);
}

/* A student file missing from a submission that holds others of the lab:
 * the pristine lab's own, the skeleton, is graded in its place. 0, or -1
 * (a grader fault) when it cannot be copied. */
static int stage_skeleton_file(struct lab_ctx *ctx, const char *name, char **why)
{
	char *src = xasprintf("%s/labs/%s/%s", ctx->opt->root, ctx->lab, name);
	char *dst = xasprintf("%s/%s", ctx->labdir, name);
	int rc = lab_copy_file(src, dst, LAB_STUDENT_FILE_MAX);
	if (rc < 0) {
		*why = xasprintf("could not copy the skeleton's %s: %s", name, strerror(errno));
	} else {
		char *note = xasprintf("%s: %s was not in your submission: the skeleton's %s was "
		                       "graded in its place, so its rows score what the untouched "
		                       "skeleton scores.", ctx->lab, name, name);
		note_once(ctx->rs, note);
		free(note);
	}
	free(src);
	free(dst);
	return rc;
}

/* One student file of the submission into the scratch lab: 0, or 1 with
 * *why when it cannot be taken (a link, not a regular file, too big). */
static int stage_own_file(struct lab_ctx *ctx, const char *subdir, const char *name, char **why)
{
	char *src = xasprintf("%s/%s", subdir, name);
	char *dst = xasprintf("%s/%s", ctx->labdir, name);
	int rc = lab_copy_file(src, dst, LAB_STUDENT_FILE_MAX) < 0 ? 1 : 0;
	if (rc) {
		char *shown = shown_dir(ctx);
		*why = xasprintf("%s/%s could not be read: it must be a regular file under 1 MiB, "
		                 "not a link.", shown, name);
		free(shown);
	}
	free(src);
	free(dst);
	return rc;
}

int lab_stage_student_files(struct lab_ctx *ctx, const char *subdir, char **why)
{
	json_t *files = json_object_get(ctx->spec, "student_files");
	size_t n = json_array_size(files);
	char *shown = shown_dir(ctx);
	int rc = 0;
	if (access(subdir, F_OK) != 0) {
		*why = xasprintf("The folder %s was not submitted.", shown);
		rc = 1;
	} else if (files_present(files, subdir) == 0) {
		char *names = names_and(files);
		*why = xasprintf("%s %s missing from %s.", names, n == 1 ? "is" : "are", shown);
		free(names);
		rc = 1;
	}
	for (size_t i = 0; rc == 0 && i < n; i++) {
		const char *name = json_string_value(json_array_get(files, i));
		char *src = xasprintf("%s/%s", subdir, name);
		struct stat st;
		rc = lstat(src, &st) < 0 ? stage_skeleton_file(ctx, name, why)
		     : stage_own_file(ctx, subdir, name, why);
		free(src);
	}
	free(shown);
	return rc;
}
