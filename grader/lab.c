/* lab.c - the first stages of grading one lab: plan the rows from the spec,
 * stage the pristine lab with only the student files copied in, run its
 * programs inside the sandbox, and the hidden checks' own stage. Building is
 * lab_build.c's. */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "checks.h"
#include "objcache.h"
#include "progress.h"

#define BUILT_FILE_MAX (256 << 20) /* a built program (the sanitizers' are big) */

/* ---- the check kinds a spec may name ---- */

static check_fn check_hidden;

/* "hidden" is the grader's own: lab_plan wraps each check of hidden.json in it. */
/* timed: the check measures time, so it runs alone (scheduler.h). */
static const struct { const char *kind; check_fn *fn; bool timed; } kinds[] = {
	{ "unit", check_unit, false }, { "races", check_races, false },
	{ "speedup", check_speedup, true }, { "memory", check_memory, false },
	{ "hidden", check_hidden, false },
};

bool check_alone(json_t *check)
{
	const char *kind = spec_str(check, "kind", "");
	if (strcmp(kind, "hidden") == 0)
		kind = spec_str(check, "hidden_kind", "");
	if (json_is_true(json_object_get(check, "alone")))
		return true;
	for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
		if (strcmp(kinds[i].kind, kind) == 0)
			return kinds[i].timed;
	return false;
}

check_fn *check_kind(const char *kind)
{
	for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
		if (strcmp(kinds[i].kind, kind) == 0)
			return kinds[i].fn;
	return NULL;
}

/* ---- spec access ---- */

const char *spec_str(json_t *obj, const char *key, const char *dflt)
{
	const char *s = json_string_value(json_object_get(obj, key));
	return s ? s : dflt;
}

double spec_num(json_t *obj, const char *key, double dflt)
{
	json_t *v = json_object_get(obj, key);
	return json_is_number(v) ? json_number_value(v) : dflt;
}

double time_scale(void)
{
	const char *env = getenv("GRADER_TIME_SCALE");
	char *end;
	double s = env ? strtod(env, &end) : 1;
	return env && *env && !*end && s >= 1 && s <= 10 ? s : 1;
}

double spec_secs(json_t *obj, const char *key, double dflt)
{
	return spec_num(obj, key, dflt) * time_scale();
}

/* --check takes one name or a comma-separated list. */
static bool check_selected(struct lab_ctx *ctx, json_t *check)
{
	const char *only = ctx->opt->only_check, *name = spec_str(check, "name", "");
	size_t len = strlen(name);
	for (const char *p = only; p; p = strchr(p, ','), p = p ? p + 1 : NULL)
		if (strncmp(p, name, len) == 0 && (p[len] == ',' || p[len] == '\0'))
			return true;
	return !only;
}

/* Whether --check names this check itself, not just every check. */
static bool check_named(struct lab_ctx *ctx, json_t *check)
{
	return ctx->opt->only_check && check_selected(ctx, check);
}

/* A hidden check's kind is "hidden"; the kind it runs as, in "hidden_kind". */
static bool kind_ok(json_t *check)
{
	const char *kind = spec_str(check, "kind", "");
	if (strcmp(kind, "hidden") != 0)
		return check_kind(kind) != NULL;
	kind = spec_str(check, "hidden_kind", "hidden");
	return strcmp(kind, "hidden") != 0 && check_kind(kind) != NULL;
}

/* One row per test of a check that lists tests, else one row per check.
 * The rows of a hidden check are hidden, but for a replay that names it:
 * that is the instructor's, who wants to read them. */
static int plan_check(struct lab_ctx *ctx, json_t *check)
{
	const char *name = spec_str(check, "name", NULL);
	json_t *tests = json_object_get(check, "tests");
	bool hidden = strcmp(spec_str(check, "kind", ""), "hidden") == 0 &&
	              !check_named(ctx, check);
	if (!name || !kind_ok(check) || (tests && !json_is_object(tests)))
		return -1;
	if (!tests) {
		results_add(ctx->rs, ctx->lab, name, spec_str(check, "title", name),
		            spec_num(check, "points", 0))->hidden = hidden;
		return 0;
	}
	const char *test;
	json_t *t;
	json_object_foreach(tests, test, t) {
		char *title = xasprintf("%s: %s", name, spec_str(t, "title", test));
		struct result *r = results_add(ctx->rs, ctx->lab, name, title,
		                               spec_num(t, "points", 0));
		free(r->id);
		r->id = xasprintf("%s/%s", name, test);
		r->hidden = hidden;
		free(title);
	}
	return 0;
}

/* ---- hidden tests (SPEC.md): labs/NN-topic/hidden/hidden.json ---- */

/* Whether checks holds a check of this name. */
static bool has_check(json_t *checks, const char *name)
{
	size_t i;
	json_t *check;
	json_array_foreach(checks, i, check)
		if (strcmp(spec_str(check, "name", ""), name) == 0)
			return true;
	return false;
}

/* Appends the checks of hidden.json to the spec's, so they run last, each
 * wrapped in the "hidden" kind (check_hidden). No hidden folder, no change:
 * the student release has none. 0, or -1 when hidden.json is no spec (a
 * name already taken would merge the rows of two checks). */
int spec_add_hidden(const char *root, const char *lab, json_t *lab_spec)
{
	if (json_object_get(lab_spec, "own_checks"))
		return 0; /* the command line already added them, to check CHECK= names */
	json_int_t own = (json_int_t)json_array_size(json_object_get(lab_spec, "checks"));
	char *path = xasprintf("%s/labs/%s/hidden/hidden.json", root, lab);
	json_t *spec = access(path, F_OK) == 0 ? json_load_file(path, 0, NULL) : NULL;
	json_t *hidden = json_object_get(spec, "checks");
	json_t *checks = json_object_get(lab_spec, "checks"), *check;
	size_t i;
	int rc = access(path, F_OK) == 0 && !json_is_array(hidden) ? -1 : 0;
	json_array_foreach(hidden, i, check) {
		const char *kind = spec_str(check, "kind", "hidden");
		if (rc < 0 || !json_is_object(check) || strcmp(kind, "hidden") == 0 || !check_kind(kind) ||
		    has_check(checks, spec_str(check, "name", ""))) {
			rc = -1;
			break;
		}
		json_t *copy = json_deep_copy(check);
		json_object_set_new(copy, "hidden_kind", json_string(kind));
		json_object_set_new(copy, "kind", json_string("hidden"));
		json_array_append_new(checks, copy);
	}
	if (rc == 0) /* lab.json's own come first: lab_plan checks only those */
		json_object_set_new(lab_spec, "own_checks", json_integer(own));
	json_decref(spec);
	free(path);
	return rc;
}

static int plan_hidden(struct lab_ctx *ctx)
{
	return spec_add_hidden(ctx->opt->root, ctx->lab, ctx->spec);
}

static void spec_fault(struct lab_ctx *ctx, const char *file)
{
	struct result *r = results_add(ctx->rs, ctx->lab, "spec", file, 0);
	free(r->output);
	r->output = xasprintf(
		"labs/%s/%s is not a valid spec (see grader/SPEC.md): it needs "
		"student_files and checks, each check a name and a known kind.", ctx->lab, file);
}

/* A release has no hidden/, so no hidden row says that the lab has hidden
 * tests: its report says their points instead, from lab.json. */
static void note_hidden_points(struct lab_ctx *ctx)
{
	double points = spec_num(ctx->spec, "hidden_points", 0);
	if (!ctx->rs->release || !(points > 0))
		return;
	if (!ctx->rs->hidden_points)
		ctx->rs->hidden_points = json_object();
	json_object_set_new(ctx->rs->hidden_points, ctx->lab, json_real(points));
}

int lab_plan(struct lab_ctx *ctx)
{
	json_t *checks = json_object_get(ctx->spec, "checks");
	size_t i;
	json_t *check;
	/* A release (the RELEASE file at its top) says so in its report. */
	char *marker = xasprintf("%s/RELEASE", ctx->opt->root);
	ctx->rs->release = access(marker, F_OK) == 0;
	free(marker);
	note_hidden_points(ctx);
	if (!json_is_array(checks) || !json_is_array(json_object_get(ctx->spec, "student_files")))
		goto bad_spec;
	json_array_foreach(checks, i, check) { /* lab.json's own: no hidden kind there */
		if (strcmp(spec_str(check, "kind", ""), "hidden") == 0 &&
		    i < (size_t)spec_num(ctx->spec, "own_checks", (double)json_array_size(checks)))
			goto bad_spec;
	}
	if (!lab_parts_valid(ctx->spec))
		goto bad_spec;
	if (plan_hidden(ctx) < 0) {
		spec_fault(ctx, "hidden/hidden.json");
		return -1;
	}
	json_array_foreach(checks, i, check) {
		if (check_selected(ctx, check) && plan_check(ctx, check) < 0)
			goto bad_spec;
	}
	return 0;
bad_spec:
	spec_fault(ctx, "lab.json");
	return -1;
}

/* ---- staging ---- */

static const char *copy_from, *copy_to;
static json_t *copy_skip; /* the student files: never taken from the pristine lab */

static bool is_student_file(const char *rel)
{
	size_t i;
	json_t *f;
	json_array_foreach(copy_skip, i, f)
		if (strcmp(rel, json_string_value(f)) == 0)
			return true;
	return false;
}

/* Copies one regular file of at most max bytes, refusing links; an
 * executable stays executable. A copy that failed half way is removed. */
int lab_copy_file(const char *src, const char *dst, off_t max)
{
	return lab_copy_file_as(src, dst, max, false);
}

/* The same; keep_time: with src's modification time, so that a copy of a
 * built folder is as up to date for make as the folder was. */
int lab_copy_file_as(const char *src, const char *dst, off_t max, bool keep_time)
{
	char buf[65536];
	int in = open(src, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	struct stat st;
	if (in < 0)
		return -1;
	if (fstat(in, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size > max) {
		close(in);
		errno = EINVAL;
		return -1;
	}
	int out = open(dst, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, st.st_mode & 0111 ? 0755 : 0644);
	ssize_t n = 0;
	while (out >= 0 && (n = read(in, buf, sizeof buf)) > 0)
		if (write(out, buf, n) != n)
			n = -1;
	close(in);
	struct timespec times[2] = { st.st_atim, st.st_mtim };
	if (out >= 0 && n >= 0 && keep_time)
		futimens(out, times);
	if (out >= 0)
		close(out);
	if (out >= 0 && n < 0)
		unlink(dst);
	return (out < 0 || n < 0) ? -1 : 0;
}

static int copy_file(const char *src, const char *dst)
{
	return lab_copy_file(src, dst, LAB_STUDENT_FILE_MAX);
}

static bool copy_hidden; /* with copy_skip: take hidden/ too (the cache's pristine copy) */

static int copy_entry(const char *path, const struct stat *st, int type, struct FTW *f)
{
	(void)st;
	const char *rel = path + strlen(copy_from);
	rel += (*rel == '/');
	if (f->level == 1 && is_student_file(rel))
		return 0;
	/* The lab's copy (the one with student files) never takes hidden/:
	 * check_hidden stages it, later and on its own. */
	if (copy_skip && !copy_hidden && strncmp(rel, "hidden", 6) == 0 &&
	    (rel[6] == '/' || rel[6] == '\0'))
		return 0;
	char *dst = xasprintf("%s/%s", copy_to, rel);
	int rc = 0;
	if (type == FTW_D)
		rc = (mkdir(dst, 0755) < 0 && errno != EEXIST) ? -1 : 0;
	else if (type == FTW_F && copy_skip)
		rc = copy_file(path, dst);
	else if (type == FTW_F) /* a built scratch: programs, and make's view of what is built */
		rc = lab_copy_file_as(path, dst, BUILT_FILE_MAX, true);
	free(dst);
	return rc;
}

static int copy_tree(const char *from, const char *to, json_t *skip)
{
	copy_from = from;
	copy_to = to;
	copy_skip = skip;
	return nftw(from, copy_entry, 16, FTW_PHYS);
}

static int remove_entry(const char *path, const struct stat *st, int type, struct FTW *f)
{
	(void)st; (void)type; (void)f;
	remove(path);
	return 0;
}

void lab_remove_tree(const char *path)
{
	nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

void lab_unstage(struct lab_ctx *ctx)
{
	if (ctx->scratch && !getenv("GRADER_KEEP"))
		lab_remove_tree(ctx->scratch);
	if (ctx->snapshot)
		lab_remove_tree(ctx->snapshot);
	free(ctx->snapshot);
	ctx->snapshot = NULL;
}

int lab_snapshot(struct lab_ctx *ctx, char **to)
{
	const char *tmp = getenv("TMPDIR");
	*to = xasprintf("%s/grader-built.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (mkdtemp(*to) && copy_tree(ctx->scratch, *to, NULL) == 0)
		return 0;
	lab_remove_tree(*to);
	free(*to);
	*to = NULL;
	return -1;
}

static int stage_pristine(struct lab_ctx *ctx, bool with_hidden)
{
	const char *root = ctx->opt->root;
	char *pristine = xasprintf("%s/labs/%s", root, ctx->lab);
	char *common = xasprintf("%s/common", root);
	char *labs = xasprintf("%s/labs", ctx->scratch);
	char *common_to = xasprintf("%s/common", ctx->scratch);
	char *gdir = xasprintf("%s/grader", ctx->scratch);
	char *supp = xasprintf("%s/grader/helgrind.supp", root);
	char *supp_to = xasprintf("%s/helgrind.supp", gdir);
	copy_hidden = with_hidden;
	int rc = (mkdir(labs, 0755) || mkdir(gdir, 0755) || mkdir(common_to, 0755) ||
	          copy_tree(pristine, ctx->labdir, json_object_get(ctx->spec, "student_files")) ||
	          copy_tree(common, common_to, NULL) ||
	          copy_file(supp, supp_to)) ? -1 : 0;
	free(pristine); free(common); free(labs); free(common_to);
	copy_hidden = false;
	free(gdir); free(supp); free(supp_to);
	return rc;
}

/* A new scratch folder for ctx: its paths set, nothing in it. */
static int new_scratch(struct lab_ctx *ctx, char **why)
{
	const char *tmp = getenv("TMPDIR");
	ctx->scratch = xasprintf("%s/grader.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(ctx->scratch)) {
		*why = xasprintf("could not make a scratch folder: %s", strerror(errno));
		return -1;
	}
	ctx->labdir = xasprintf("%s/labs/%s", ctx->scratch, ctx->lab);
	ctx->outdir = xasprintf("%s/build/labs/%s", ctx->scratch, ctx->lab);
	return 0;
}

int lab_stage_pristine(struct lab_ctx *ctx, bool with_hidden, char **why)
{
	*why = NULL;
	if (new_scratch(ctx, why) < 0)
		return -1;
	if (stage_pristine(ctx, with_hidden) < 0) {
		*why = xasprintf("could not copy the pristine lab: %s", strerror(errno));
		return -1;
	}
	return 0;
}

int lab_stage(struct lab_ctx *ctx, const char *subdir, char **why)
{
	if (lab_stage_pristine(ctx, false, why) < 0)
		return -1;
	if (ctx->cache)
		objcache_seed(ctx->cache, ctx->scratch, ctx->lab, false);
	return lab_stage_student_files(ctx, subdir, why);
}

/* ---- running and building ---- */

/* The whole environment a student process sees: nothing of the grader's. */
static char **lab_env(struct lab_ctx *ctx, char *const *extra)
{
	size_t n = 0;
	while (extra && extra[n])
		n++;
	char **env = calloc(n + 8, sizeof *env);
	size_t i = 0;
	env[i++] = xstrdup("PATH=/usr/local/bin:/usr/bin:/bin");
	env[i++] = xasprintf("HOME=%s", ctx->scratch);
	env[i++] = xstrdup("TMPDIR=/tmp");
	env[i++] = xstrdup("LC_ALL=C");
	env[i++] = xstrdup("TERM=dumb");
	for (size_t j = 0; j < n; j++)
		env[i++] = xstrdup(extra[j]);
	return env;
}

static void strv_free(char **v)
{
	for (size_t i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}

/* lab_run, and for a build (never frozen, never cut) lab_run_build. */
static int run_staged(struct lab_ctx *ctx, char *const *argv, char *const *extra_env,
                      double timeout_s, struct sbx_result *r, bool build)
{
	bool was_hung = ctx->hung;
	char **env = lab_env(ctx, extra_env);
	json_t *files = json_object_get(ctx->spec, "student_files");
	const char *names[16] = { 0 };
	for (size_t i = 0; i < json_array_size(files) && i < 15; i++)
		names[i] = json_string_value(json_array_get(files, i));
	/* The project (solutions, hidden tests) and every submission of a batch
	 * are out of sight: the staged copy holds all the student code may read. */
	char *batch = xstrdup(ctx->opt->submission), *slash = strrchr(batch, '/');
	if (slash)
		*slash = '\0'; /* the folder of all submissions, in batch grading */
	bool hide_batch = slash && slash != batch &&
	                  strncmp(ctx->scratch, batch, strlen(batch)) != 0;
	const char *hidden[] = { ctx->opt->root, ctx->opt->submission,
	                         hide_batch ? batch : NULL, NULL };
	char *debug_labdir = xasprintf(LAB_DEBUG_ROOT "/labs/%s", ctx->lab); /* gdb's paths */
	struct sbx_opts o = {
		.argv = argv, .cwd = ctx->labdir, .env = env, .scratch = ctx->scratch,
		.hidden = hidden, .timeout_s = lab_deadline(ctx, timeout_s),
		.mem_mb = ctx->mem_mb ? ctx->mem_mb : (long)spec_num(ctx->spec, "mem_mb", 0),
		.student_files = names, .lab_dir = debug_labdir, .diagnose = true,
		.stuck_s = ctx->stuck_s, .trace_own = ctx->trace_own,
		.hang_s = ctx->stuck_s > 0 ? ctx->test_timeout_s : 0,
		.frozen_s = build ? 0 : HUNG_FROZEN_S, .hung = ctx->hung, .cut_s = HUNG_CAP_S / 2,
	};
	progress_run(o.timeout_s); /* a terminal's status line counts down its deadline */
	int rc = sbx_run(&o, r);
	progress_run(-1);
	if (rc == 0 && r->frozen && was_hung)
		strappend(&r->diagnosis, "  (An earlier check of this lab hung, so this run was "
		          "stopped as soon as nothing in it ran: fix that hang first.)\n");
	else if (rc == 0 && r->timed_out && o.timeout_s < timeout_s)
		strappend(&r->diagnosis, "  (This run's deadline was cut from %.0f s to %.0f s "
		          "because an earlier check of this lab hung: fix that hang first.)\n",
		          timeout_s, o.timeout_s);
	for (int i = 0; rc == 0 && i < r->nblocks; i++)
		ctx->hung |= r->blocks[i].hung;
	if (rc == 0 && r->timed_out)
		ctx->hung = true;
	ctx->unread |= rc == 0 && r->unread;
	strv_free(env);
	free(batch);
	free(debug_labdir);
	return rc;
}

int lab_run(struct lab_ctx *ctx, char *const *argv, char *const *extra_env,
            double timeout_s, struct sbx_result *r)
{
	return run_staged(ctx, argv, extra_env, timeout_s, r, false);
}

/* make TARGET in the staged lab, as every build of the grader runs it: its
 * output in the scratch's build/, its debug paths under LAB_DEBUG_ROOT. */
int lab_make(struct lab_ctx *ctx, const char *target, double timeout_s, struct sbx_result *r)
{
	char *buildvar = xasprintf("BUILD=%s/build", ctx->scratch);
	char *argv[] = { "make", "--silent", "--no-print-directory", buildvar,
	                 "DEBUG_ROOT=" LAB_DEBUG_ROOT, (char *)target, NULL };
	int rc = lab_run_build(ctx, argv, timeout_s, r);
	free(buildvar);
	return rc;
}

char *lab_realias(const struct lab_ctx *ctx, const char *text)
{
	char *out = NULL;
	const char *p = text, *hit;
	size_t len = strlen(LAB_DEBUG_ROOT "/");
	while ((hit = strstr(p, LAB_DEBUG_ROOT "/"))) {
		strappend(&out, "%.*s%s/", (int)(hit - p), p, ctx->scratch);
		p = hit + len;
	}
	strappend(&out, "%s", p);
	return out;
}

/* A build compiles; it is not the student's program hanging: its deadline is
 * never cut and its timing out does not mark the lab hung. */
int lab_run_build(struct lab_ctx *ctx, char *const *argv, double timeout_s,
                  struct sbx_result *r)
{
	bool hung = ctx->hung;
	ctx->hung = false;
	int rc = run_staged(ctx, argv, NULL, timeout_s, r, true);
	ctx->hung = hung;
	return rc;
}

/* ---- hangs ---- */

/* One hang is enough to teach: a lab that hung once is graded in seconds,
 * not by waiting out every later check's full deadline. */
double lab_deadline(const struct lab_ctx *ctx, double timeout_s)
{
	return ctx->hung && timeout_s > HUNG_CAP_S ? HUNG_CAP_S : timeout_s;
}

const char *lab_hang_hint(const struct lab_ctx *ctx, json_t *check, json_t *test)
{
	return spec_str(test, "hint_hang", spec_str(check, "hint_hang",
	                spec_str(ctx->spec, "hint_hang", NULL)));
}

const char *lab_hint(const struct lab_ctx *ctx, json_t *check, json_t *test, bool hang)
{
	const char *h = hang ? lab_hang_hint(ctx, check, test) : NULL;
	return h ? h : spec_str(test, "hint", test ? NULL : spec_str(check, "hint", NULL));
}

char *lab_program(struct lab_ctx *ctx, const char *name)
{
	return xasprintf("%s/%s", ctx->outdir, name);
}

char *lab_replay_with(struct lab_ctx *ctx, const char *check, const char *var)
{
	const char *sub = ctx->opt->submission_arg;
	char *cmd = xasprintf("make grade LAB=%s", ctx->lab);
	if (check)
		strappend(&cmd, " CHECK=%s", check);
	if (var)
		strappend(&cmd, " %s", var);
	if (sub)
		strappend(&cmd, " SUBMISSION=%s", sub);
	return cmd;
}

char *lab_replay(struct lab_ctx *ctx, const char *check, long seed)
{
	char *var = seed >= 0 ? xasprintf("SEED=%ld", seed) : NULL;
	char *cmd = lab_replay_with(ctx, check, var);
	free(var);
	return cmd;
}

void row_set(struct result *r, enum verdict v, char *output)
{
	r->verdict = v;
	r->score = (v == V_PASS) ? r->max_score : 0;
	free(r->output);
	r->output = output;
}

void rows_fail(struct result *rows, size_t n, enum verdict v, const char *msg)
{
	for (size_t i = 0; i < n; i++)
		row_set(&rows[i], v, xstrdup(msg));
}

/* Makes scratch paths in compiler messages read as the student's own paths. */
char *lab_unscratch(struct lab_ctx *ctx, const char *text)
{
	char *out = NULL;
	size_t len = strlen(ctx->labdir);
	const char *p = text, *hit;
	while ((hit = strstr(p, ctx->labdir))) {
		strappend(&out, "%.*s%s/%s", (int)(hit - p), p, "labs", ctx->lab);
		p = hit + len;
	}
	strappend(&out, "%s", p);
	return out;
}

/* ---- running the hidden checks ---- */

enum { HIDDEN_UNSTAGED, HIDDEN_READY, HIDDEN_CODE_FAILED, HIDDEN_GRADER_FAILED };

/* Builds the hidden programs beside the student's objects, already built
 * without them, then deletes the hidden sources and objects. The compiler's
 * words name hidden code, so they go only into the raw report. */
static int build_hidden(struct lab_ctx *ctx, struct result *row, char **why)
{
	char *from = xasprintf("%s/labs/%s/hidden", ctx->opt->root, ctx->lab);
	char *to = xasprintf("%s/hidden", ctx->labdir);
	char *objs = xasprintf("%s/hidden", ctx->outdir);
	struct sbx_result r = { 0 };
	int rc = copy_tree(from, to, NULL) ? -1 : 0;
	if (rc == 0 && ctx->cache) /* after the sources: the objects are the newer */
		objcache_seed(ctx->cache, ctx->scratch, ctx->lab, true);
	if (rc < 0)
		*why = xasprintf("could not copy the hidden tests: %s", strerror(errno));
	else if ((rc = lab_make(ctx, "hidden",
	                        spec_secs(json_object_get(ctx->spec, "build"), "timeout_s", 120),
	                        &r)) < 0)
		*why = xasprintf("could not run the build: %s", r.output ? r.output : "");
	else if (r.exit_code != 0 || r.timed_out) {
		*why = xstrdup("The hidden tests did not build with your code, so they score 0. "
		               "Your code built alone: a name it makes global may clash with one "
		               "of the tests' (keep your helpers static).");
		row->raw = lab_unscratch(ctx, r.output ? r.output : "");
		rc = 1;
	}
	lab_remove_tree(to);
	lab_remove_tree(objs);
	if (rc == 0 && (access(to, F_OK) == 0 || access(objs, F_OK) == 0)) {
		*why = xasprintf("could not delete the staged hidden sources");
		rc = -1;
	}
	sbx_result_free(&r);
	free(from); free(to); free(objs);
	return rc;
}

/* The scratch the visible checks ran in is dropped (student code has run
 * there and may have changed anything in it) and the lab staged afresh: the
 * student's code built alone, then the hidden programs, then the hidden
 * sources deleted. So the student's code is never compiled beside the
 * hidden sources, and no student process runs while they are on disk.
 * Returns the stage the hidden checks are in. */
static int stage_hidden(struct lab_ctx *ctx, struct result *rows, size_t n)
{
	char *subdir = xasprintf("%s/%s", ctx->opt->submission, ctx->lab);
	char *why = NULL;
	char *snapshot = ctx->snapshot;
	ctx->snapshot = NULL; /* the new scratch is made from it, and takes it along */
	lab_unstage(ctx);
	free(ctx->scratch); free(ctx->labdir); free(ctx->outdir);
	ctx->scratch = ctx->labdir = ctx->outdir = NULL;
	int rc;
	if (snapshot) { /* the student's code as built, before any of it ran */
		rc = new_scratch(ctx, &why);
		if (rc == 0 && copy_tree(snapshot, ctx->scratch, NULL) != 0) {
			why = xasprintf("could not copy the built lab: %s", strerror(errno));
			rc = -1;
		}
		lab_remove_tree(snapshot);
		free(snapshot);
	} else {
		rc = lab_stage(ctx, subdir, &why);
		if (rc == 0) {
			free(why);
			rc = lab_build(ctx, &why);
		}
	}
	if (rc == 0) {
		free(why);
		why = NULL;
		rc = build_hidden(ctx, &rows[0], &why);
	}
	if (rc != 0)
		rows_fail(rows, n, rc < 0 ? V_ERROR : V_FAIL, why);
	free(subdir);
	free(why);
	return rc == 0 ? HIDDEN_READY : rc < 0 ? HIDDEN_GRADER_FAILED : HIDDEN_CODE_FAILED;
}

/* The runner of the "hidden" kind: stages the hidden checks on the first
 * one (they come last), then runs each as its own kind. */
static void check_hidden(struct lab_ctx *ctx, json_t *check, struct result *rows, size_t n)
{
	if (ctx->hidden_stage == HIDDEN_UNSTAGED) {
		ctx->hidden_stage = stage_hidden(ctx, rows, n);
		if (ctx->hidden_stage != HIDDEN_READY)
			return;
	}
	if (ctx->hidden_stage != HIDDEN_READY) {
		rows_fail(rows, n, ctx->hidden_stage == HIDDEN_GRADER_FAILED ? V_ERROR : V_FAIL,
		          "The hidden tests could not run: see the first hidden test of this lab.");
		return;
	}
	check_kind(spec_str(check, "hidden_kind", ""))(ctx, check, rows, n);
}
