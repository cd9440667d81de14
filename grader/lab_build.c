/* lab_build.c - building the staged lab with its own Makefile, in the
 * sandbox: the whole lab, and, when that fails in a lab in parts, each part
 * on its own, so that one part that does not compile costs only its own
 * checks (SPEC.md, "build" "parts"). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "checks.h"

#define BUILD_LOG_LINES 40 /* the first errors are the ones that matter */

/* Keeps the compiler's first lines (the first error is the cause), without
 * make's own "make: ***" lines, which name only scratch paths. */
static char *head_lines(const char *text, int lines)
{
	char *out = xstrdup("");
	const char *p = text;
	while (*p && lines > 0) {
		size_t len = strcspn(p, "\n");
		if (strncmp(p, "make", 4) != 0) {
			strappend(&out, "%.*s\n", (int)len, p);
			lines--;
		}
		p += len + (p[len] == '\n');
	}
	if (*p)
		strappend(&out, "[...]\n");
	return out;
}

/* make target in the staged lab. 0 built; 1 the code did not build, and
 * *said holds the compiler's first words (paths read as the student's),
 * *late whether the build ran out of time; -1 make could not run, *said
 * why. */
static int make_target(struct lab_ctx *ctx, const char *target, char **said, bool *late)
{
	struct sbx_result r;
	int rc = lab_make(ctx, target, spec_num(json_object_get(ctx->spec, "build"),
	                                        "timeout_s", 120), &r);
	*said = NULL;
	*late = false;
	if (rc < 0) {
		*said = xasprintf("could not run the build: %s", r.output ? r.output : "");
	} else if (r.exit_code != 0 || r.timed_out) {
		char *log = lab_unscratch(ctx, r.output ? r.output : "");
		*said = head_lines(log, BUILD_LOG_LINES);
		*late = r.timed_out;
		free(log);
		rc = 1;
	}
	sbx_result_free(&r);
	return rc;
}

int lab_build(struct lab_ctx *ctx, char **why)
{
	const char *target = spec_str(json_object_get(ctx->spec, "build"), "target", "all");
	char *said;
	bool late;
	int rc = make_target(ctx, target, &said, &late);
	*why = NULL;
	if (rc < 0)
		*why = said;
	else if (rc > 0) {
		*why = xasprintf("Your code did not compile%s, so no check could run. "
		                 "Warnings count as errors (-Werror). The compiler said:\n%s",
		                 late ? " in time" : "", said);
		free(said);
	}
	return rc;
}

/* "build": {"parts": [{"target": "part-queue", "checks": ["unit-queue", ...]}]}:
 * each part a make target and names of lab.json's own checks. */
bool lab_parts_valid(json_t *spec)
{
	json_t *parts = json_object_get(json_object_get(spec, "build"), "parts"), *part, *name;
	json_t *checks = json_object_get(spec, "checks");
	size_t i, j, k, own = (size_t)spec_num(spec, "own_checks", (double)json_array_size(checks));
	if (!parts)
		return true;
	if (!json_is_array(parts))
		return false;
	json_array_foreach(parts, i, part) {
		json_t *names = json_object_get(part, "checks");
		if (!json_is_string(json_object_get(part, "target")) || !json_is_array(names))
			return false;
		json_array_foreach(names, j, name) {
			for (k = 0; k < own && k < json_array_size(checks); k++)
				if (json_is_string(name) && strcmp(json_string_value(name),
				    spec_str(json_array_get(checks, k), "name", "")) == 0)
					break;
			if (k == own || k == json_array_size(checks))
				return false; /* not one of lab.json's checks: hidden ones need the whole build */
		}
	}
	return true;
}

json_t *lab_build_parts(struct lab_ctx *ctx, char **why)
{
	json_t *parts = json_object_get(json_object_get(ctx->spec, "build"), "parts"), *part;
	json_t *built = json_array();
	char *failed = NULL, *first_said = NULL;
	size_t i;
	json_array_foreach(parts, i, part) {
		const char *target = spec_str(part, "target", "");
		char *said;
		bool late;
		if (make_target(ctx, target, &said, &late) == 0) {
			json_array_extend(built, json_object_get(part, "checks"));
			continue;
		}
		strappend(&failed, "%s`make %s`", failed ? ", " : "", target);
		if (!first_said)
			first_said = said;
		else
			free(said);
	}
	if (json_array_size(built) == 0) {
		json_decref(built);
		built = NULL;
	} else if (first_said) { /* else every part built: the whole build's words stand */
		free(*why);
		*why = xasprintf("Part of your code did not compile, so the checks that need it "
		                 "could not run (%s in the lab's folder shows why); the checks of "
		                 "the parts that compiled ran as usual. Warnings count as errors "
		                 "(-Werror). The compiler said:\n%s", failed, first_said);
	}
	free(failed);
	free(first_said);
	return built;
}
