/* check_selftest.c - the grader graded: a table of submissions and the
 * verdicts they deserve (solutions/NN-topic/expect.json), in the manner of
 * Check's own check_check_master.c. Every reference must get full marks,
 * every skeleton less and fail what it must, every mutant be caught by the
 * check named for it. Runs the real grader binary on real submissions. */
#include <check.h>
#include <glob.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "grader.h"
#include "selftest.h"

/* One row of the table: a lab and, for mutants, the mutant's entry. */
struct row {
	char lab[128];
	json_t *expect;  /* the lab's expect.json */
	json_t *mutant;  /* NULL for the reference and skeleton rows */
	char name[32];   /* its submission's name in the batch (mutants and variants) */
};

static struct row rows[256];
static int table_result(const char *kind, const char *name, json_t **res);
static int nlabs, nmutants, nvariants, nextra; /* rows[64 + nextra]: mutants and variants */
static struct row *mutants[128], *variants[64];

static void load_table(void)
{
	glob_t g;
	if (glob("solutions/*/expect.json", 0, NULL, &g) != 0)
		return;
	const char *only = getenv("SELFTEST_LAB"); /* e.g. 03: one lab's rows */
	for (size_t i = 0; i < g.gl_pathc && nlabs < 64; i++) {
		char lab[128];
		sscanf(g.gl_pathv[i], "solutions/%127[^/]", lab);
		if (only && strncmp(lab, only, strlen(only)) != 0)
			continue;
		struct row *r = &rows[nlabs++];
		snprintf(r->lab, sizeof r->lab, "%s", lab);
		r->expect = json_load_file(g.gl_pathv[i], 0, NULL);
		size_t k;
		json_t *m;
		json_array_foreach(json_object_get(r->expect, "mutants"), k, m) {
			struct row *mr = &rows[64 + nextra++];
			*mr = *r;
			mr->mutant = m;
			mutants[nmutants++] = mr;
		}
		/* Accepted variants: correct submissions in other styles (the blind
		 * ones among them), which must pass what they list. */
		json_array_foreach(json_object_get(r->expect, "variants"), k, m) {
			struct row *vr = &rows[64 + nextra++];
			*vr = *r;
			vr->mutant = m;
			variants[nvariants++] = vr;
		}
	}
	globfree(&g);
}

/* Whether a row of lab is a timing row: of a check of kind speedup. */
static bool timing_row(const char *lab, json_t *t)
{
	char *path = xasprintf("labs/%s/lab.json", lab);
	json_t *spec = json_load_file(path, 0, NULL), *c;
	const char *id = json_string_value(json_object_get(json_object_get(t, "extra_data"), "id"));
	bool timing = false;
	size_t i;
	json_array_foreach(json_object_get(spec, "checks"), i, c)
		if (id && strcmp(json_string_value(json_object_get(c, "name")), id) == 0)
			timing = strcmp(json_string_value(json_object_get(c, "kind")), "speedup") == 0;
	json_decref(spec);
	free(path);
	return timing;
}

/* Correct code passes every row, but for a timing row the machine was too
 * busy to judge: INCONCLUSIVE is allowed there (said on stderr), never FAIL
 * (PRODUCT.md, "Trust"; grader/perf_replay.sh measures how often). Returns
 * how many rows were so excused; *points (if not NULL) gets the points they
 * still carry in the maximum (none when INCONCLUSIVE=excluded). */
static int assert_correct(json_t *res, const char *lab, const char *what, double *points)
{
	int excused = 0;
	double carried = 0;
	size_t i;
	json_t *t;
	json_array_foreach(json_object_get(res, "tests"), i, t) {
		const char *v = json_string_value(json_object_get(json_object_get(t, "extra_data"),
		                                                  "verdict"));
		const char *name = json_string_value(json_object_get(t, "name"));
		if (strcmp(v, "inconclusive") == 0 && timing_row(lab, t)) {
			fprintf(stderr, "selftest: %s: %s inconclusive (the machine was busy): "
			        "allowed, never FAIL\n", what, name);
			carried += json_number_value(json_object_get(t, "max_score"));
			excused++;
			continue;
		}
		ck_assert_msg(strcmp(json_string_value(json_object_get(t, "status")), "passed") == 0,
		              "%s failed %s:\n%s", what, name,
		              json_string_value(json_object_get(t, "output")));
	}
	if (points)
		*points = carried;
	return excused;
}

START_TEST(test_selftest_reference_full_marks)
{
	struct row *r = &rows[_i];
	json_t *res;
	int code = table_result("ref", r->lab, &res);
	char *what = xasprintf("reference %s", r->lab);
	double carried;
	int excused = assert_correct(res, r->lab, what, &carried);
	double score = json_number_value(json_object_get(res, "score"));
	double max = 0;
	size_t i;
	json_t *t;
	json_array_foreach(json_object_get(res, "tests"), i, t)
		max += json_number_value(json_object_get(t, "max_score"));
	ck_assert_msg(max > 0 && score == max - carried, "reference %s scored %g of %g", r->lab,
	              score, max);
	ck_assert_msg(code == 0 || (code == 3 && excused > 0), "reference %s: grader exit %d",
	              r->lab, code);
	free(what);
	json_decref(res);
}
END_TEST

START_TEST(test_selftest_skeleton_fails_what_it_must)
{
	struct row *r = &rows[_i];
	json_t *res, *sk = json_object_get(r->expect, "skeleton");
	int code = table_result("skel", r->lab, &res);
	ck_assert_int_eq(code, 1);
	assert_rows(res, r->lab, json_object_get(sk, "must_fail"), "failed");
	assert_rows(res, r->lab, json_object_get(sk, "must_pass"), "passed");
	json_decref(res);
}
END_TEST

/* The checks a mutant's expected failures belong to: "unit,races". */
static char *checks_of(json_t *fail, json_t *pass)
{
	char *list = NULL;
	size_t i;
	json_t *id, *ids = json_array();
	json_array_extend(ids, fail);
	json_array_extend(ids, pass);
	json_array_foreach(ids, i, id) {
		char check[64];
		sscanf(json_string_value(id), "%63[^/]", check);
		/* Whole names only: "table" is not in "speedup-table". */
		char *padded = xasprintf(",%s,", list ? list : ""), *key = xasprintf(",%s,", check);
		if (!strstr(padded, key))
			strappend(&list, "%s%s", list ? "," : "", check);
		free(padded);
		free(key);
	}
	json_decref(ids);
	return list;
}

/* What the row's entry is called: its patch, or its folder of files. */
static const char *entry_name(const struct row *r)
{
	json_t *p = json_object_get(r->mutant, "patch");
	return json_string_value(p ? p : json_object_get(r->mutant, "files"));
}

/* The row's submission in dir/<lab>/: the reference with its "patch"
 * applied, or, for a whole-file submission (a blind one, kept as written),
 * the files of its "files" folder over the reference's. */
static bool stage_patched(const struct row *r, const char *dir)
{
	const char *patch = json_string_value(json_object_get(r->mutant, "patch"));
	const char *files = json_string_value(json_object_get(r->mutant, "files"));
	char *cmd = patch ? xasprintf("mkdir -p %s/%s && cp solutions/%s/*.c %s/%s/ && "
	                              "patch -s -d %s/%s < solutions/%s/%s", dir, r->lab, r->lab,
	                              dir, r->lab, dir, r->lab, r->lab, patch)
	                  : xasprintf("mkdir -p %s/%s && cp solutions/%s/*.c %s/%s/ && "
	                              "cp solutions/%s/%s/*.c %s/%s/", dir, r->lab, r->lab, dir,
	                              r->lab, r->lab, files ? files : "(none)", dir, r->lab);
	bool ok = system(cmd) == 0;
	if (!ok)
		fprintf(stderr, "selftest: %s does not apply: %s\n", patch ? patch : files, cmd);
	free(cmd);
	return ok;
}

/* ---- the table, graded in one batch ----
 * Every row is graded before any test reads it, by one `grader --batch`:
 * its scheduler grades rows at once and runs each timing check alone, as a
 * class is graded. A row's exit code is what the grader would have exited
 * with for it alone (main.c's codes), read off its verdicts. */

static char table_dir[] = "/tmp/selftest_table.XXXXXX";

static void table_add(json_t *list, const char *name, const char *lab, const char *sub,
                      const char *checks)
{
	json_t *e = json_pack("{s:s, s:s, s:s}", "name", name, "lab", lab, "submission", sub);
	if (checks)
		json_object_set_new(e, "check", json_string(checks));
	json_array_append_new(list, e);
}

static char *checks_of(json_t *fail, json_t *pass);

static void table_add_patched(json_t *list, struct row *r, const char *kind, int i)
{
	snprintf(r->name, sizeof r->name, "%s-%d", kind, i);
	char *dir = xasprintf("%s/%s", table_dir, r->name);
	char *checks = strcmp(kind, "mutant") == 0
	               ? checks_of(json_object_get(r->mutant, "must_fail"),
	                           json_object_get(r->mutant, "must_pass")) : NULL;
	if (stage_patched(r, dir)) /* else its results file is missing: the test says so */
		table_add(list, r->name, r->lab, dir, checks);
	free(dir);
	free(checks);
}

static void grade_table(void)
{
	if (!mkdtemp(table_dir) || chmod(table_dir, 0755) < 0)
		return;
	json_t *list = json_array();
	for (int i = 0; i < nlabs; i++) {
		char *ref = xasprintf("ref-%s", rows[i].lab), *skel = xasprintf("skel-%s", rows[i].lab);
		table_add(list, ref, rows[i].lab, "solutions", NULL);
		table_add(list, skel, rows[i].lab, "labs", NULL);
		free(ref);
		free(skel);
	}
	for (int i = 0; i < nmutants; i++)
		table_add_patched(list, mutants[i], "mutant", i);
	for (int i = 0; i < nvariants; i++)
		table_add_patched(list, variants[i], "variant", i);
	char *path = xasprintf("%s/table.json", table_dir);
	json_dump_file(list, path, JSON_INDENT(1));
	double t0 = now_s();
	/* Four labs a CPU at once: the table's tests mostly wait (measured: the
	 * whole table kept 1.3 of 2 CPUs busy at four at once, and took 25% less
	 * time for lab 03 alone at four a CPU than at two), and its timing checks
	 * still run alone. Correct code must keep full marks, and every mutant be
	 * caught, under that load too. */
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	char *cmd = xasprintf("GRADER_JOBS=%ld %s --root . --batch %s --out %s/out --progress %s "
	                      ">/dev/null", 4 * (cpus > 0 ? cpus : 1), grader_bin, path, table_dir,
	                      isatty(2) ? "auto" : "none");
	int status = system(cmd);
	fprintf(stderr, "selftest: %zu submissions graded in one batch in %.0f s (exit %d)\n",
	        json_array_size(list), now_s() - t0, WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	json_decref(list);
	free(path);
	free(cmd);
}

/* The results of the table's submission kind-lab ("ref", "skel"), or of a
 * mutant or variant by its name; the exit code they deserve. */
static int table_result(const char *kind, const char *name, json_t **res)
{
	char *path = xasprintf("%s/out/%s%s%s.json", table_dir, kind, *kind ? "-" : "", name);
	*res = json_load_file(path, 0, NULL);
	ck_assert_msg(*res, "the batch left no results file %s", path);
	free(path);
	bool fail = false, doubt = false, error = false;
	size_t i;
	json_t *t;
	json_array_foreach(json_object_get(*res, "tests"), i, t) {
		const char *v = json_string_value(json_object_get(json_object_get(t, "extra_data"),
		                                                  "verdict"));
		error |= strcmp(v, "grader error") == 0;
		fail |= strcmp(v, "failed") == 0 || strcmp(v, "not submitted") == 0;
		doubt |= strcmp(v, "inconclusive") == 0;
	}
	return error ? 4 : fail ? 1 : doubt ? 3 : 0;
}

START_TEST(test_selftest_variant_accepted)
{
	struct row *r = variants[_i];
	json_t *res;
	int code = table_result("", r->name, &res);
	char *what = xasprintf("variant %s", entry_name(r));
	int excused = assert_correct(res, r->lab, what, NULL);
	assert_rows(res, r->lab, json_object_get(r->mutant, "must_pass"), excused ? NULL : "passed");
	ck_assert_msg(code == 0 || (code == 3 && excused > 0), "%s: grader exit %d, not full marks",
	              what, code);
	free(what);
	json_decref(res);
}
END_TEST

START_TEST(test_selftest_mutant_caught)
{
	struct row *r = mutants[_i];
	json_t *res, *must_fail = json_object_get(r->mutant, "must_fail");
	json_t *must_pass = json_object_get(r->mutant, "must_pass");
	int code = table_result("", r->name, &res);
	assert_rows(res, r->lab, must_fail, "failed");
	assert_rows(res, r->lab, must_pass, "passed");
	ck_assert_msg(code == 1, "mutant %s: grader exit %d, not 1",
	              entry_name(r), code);
	json_decref(res);
}

/* Rows a lab's spec plans, its hidden checks' included: one per test of a
 * check that lists tests, else one. */
static size_t spec_rows(const char *lab)
{
	static const char *const files[] = { "lab.json", "hidden/hidden.json" };
	size_t rows = 0, i;
	json_t *c;
	for (size_t f = 0; f < sizeof files / sizeof files[0]; f++) {
		char *path = xasprintf("labs/%s/%s", lab, files[f]);
		json_t *spec = json_load_file(path, 0, NULL);
		json_array_foreach(json_object_get(spec, "checks"), i, c) {
			json_t *tests = json_object_get(c, "tests");
			rows += tests ? json_object_size(tests) : 1;
		}
		json_decref(spec);
		free(path);
	}
	return rows;
}

/* ---- the table's budget ----
 * What `make test` may spend on one lab's rows, so that it stays near ten
 * minutes as labs are added: counted in checks graded (a reference, a
 * skeleton or a variant grades every check of its lab, a mutant only those
 * its entry names), not in seconds, so that it holds on any machine; the
 * seconds the rows took are printed beside the count. A lab over budget
 * keeps fewer mutants, or names fewer checks per mutant. */
#define SELFTEST_CHECKS_PER_LAB 120

static size_t spec_checks(const char *lab)
{
	static const char *const files[] = { "lab.json", "hidden/hidden.json" };
	size_t n = 0;
	for (size_t f = 0; f < sizeof files / sizeof files[0]; f++) {
		char *path = xasprintf("labs/%s/%s", lab, files[f]);
		json_t *spec = json_load_file(path, 0, NULL);
		n += json_array_size(json_object_get(spec, "checks"));
		json_decref(spec);
		free(path);
	}
	return n;
}

/* The seconds the table's grade of one submission took ("" kind: by name). */
static double table_seconds(const char *kind, const char *name)
{
	char *path = xasprintf("%s/out/%s%s%s.json", table_dir, kind, *kind ? "-" : "", name);
	json_t *res = json_load_file(path, 0, NULL);
	double s = json_number_value(json_object_get(res, "execution_time"));
	json_decref(res);
	free(path);
	return s;
}

START_TEST(test_selftest_lab_within_budget)
{
	struct row *r = &rows[_i];
	size_t all = spec_checks(r->lab), checks = 2 * all;
	double seconds = table_seconds("ref", r->lab) + table_seconds("skel", r->lab);
	for (int i = 0; i < nmutants; i++) {
		if (strcmp(mutants[i]->lab, r->lab) != 0)
			continue;
		char *list = checks_of(json_object_get(mutants[i]->mutant, "must_fail"),
		                       json_object_get(mutants[i]->mutant, "must_pass"));
		for (const char *p = list; p; p = strchr(p + 1, ','))
			checks++;
		seconds += table_seconds("", mutants[i]->name);
		free(list);
	}
	for (int i = 0; i < nvariants; i++)
		if (strcmp(variants[i]->lab, r->lab) == 0) {
			checks += all;
			seconds += table_seconds("", variants[i]->name);
		}
	fprintf(stderr, "selftest: %s: %zu checks graded in the table (budget %d), %.0f s of "
	        "grading\n", r->lab, checks, SELFTEST_CHECKS_PER_LAB, seconds);
	ck_assert_msg(checks <= SELFTEST_CHECKS_PER_LAB, "%s: the table grades %zu checks, over "
	              "its budget of %d: keep fewer mutants, or name fewer checks per mutant",
	              r->lab, checks, SELFTEST_CHECKS_PER_LAB);
}
END_TEST

/* A grader killed in the middle still leaves a results file, written before
 * grading began, in which every check unfinished is a grader error: never a
 * pass, never the student's fault. */
START_TEST(test_selftest_killed_grader_leaves_results)
{
	char tmp[] = "/tmp/selftest_kill.XXXXXX";
	ck_assert_ptr_nonnull(mkdtemp(tmp));
	ck_assert_int_eq(chmod(tmp, 0755), 0); /* student code runs as another user */
	char *json = xasprintf("%s/results.json", tmp);
	char *cmd = xasprintf("TMPDIR=%s %s --root . --lab 01 --submission solutions --json %s "
	                      ">/dev/null 2>&1 & sleep 1.5; kill -9 $!; wait $!", tmp,
	                      grader_bin, json);
	ck_assert_int_ne(system(cmd), -1);
	json_t *res = json_load_file(json, 0, NULL);
	ck_assert_msg(res, "a killed grader left no results file");
	size_t i, errors = 0;
	json_t *t;
	double max = 0;
	json_array_foreach(json_object_get(res, "tests"), i, t) {
		const char *v = json_string_value(json_object_get(json_object_get(t, "extra_data"),
		                                                  "verdict"));
		errors += strcmp(v, "grader error") == 0;
		max += json_number_value(json_object_get(t, "max_score"));
	}
	ck_assert_uint_eq(json_array_size(json_object_get(res, "tests")),
	                  spec_rows("01-stdout-race"));
	ck_assert_uint_gt(errors, 0);
	ck_assert(json_number_value(json_object_get(res, "score")) < max);
	json_decref(res);
	char *rm = xasprintf("rm -rf %s", tmp);
	ck_assert_int_eq(system(rm), 0);
	free(json); free(cmd); free(rm);
}
END_TEST

/* A class graded in one go: a gradebook row per student, each scored as its
 * own grade would be, ranked, a summary of what failed, and the worst exit
 * code. */
START_TEST(test_selftest_batch_gradebook)
{
	char dir[] = "/tmp/selftest_batch.XXXXXX";
	ck_assert_ptr_nonnull(mkdtemp(dir));
	ck_assert_int_eq(chmod(dir, 0755), 0);
	char *cmd = xasprintf("set -e; mkdir -p %1$s/class/alice/01-stdout-race "
	                      "%1$s/class/bob/01-stdout-race; "
	                      "cp solutions/01-stdout-race/tasks.c %1$s/class/alice/01-stdout-race/; "
	                      "cp labs/01-stdout-race/tasks.c %1$s/class/bob/01-stdout-race/; "
	                      "%2$s --root . --batch %1$s/class --out %1$s/out --gradebook "
	                      "%1$s/book.csv --lab 01 --check races --progress none >/dev/null",
	                      dir, grader_bin);
	int status = system(cmd);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 1); /* bob failed */
	char *book = xasprintf("%s/book.csv", dir), line[3][256] = { "", "", "" };
	FILE *f = fopen(book, "r");
	ck_assert_ptr_nonnull(f);
	for (int i = 0; i < 3 && fgets(line[i], sizeof line[i], f); i++)
		;
	fclose(f);
	ck_assert_str_eq(line[0], "name,01-stdout-race,total,max,rank\n");
	ck_assert_str_eq(line[1], "alice,25,25,25,1\n");
	ck_assert_str_eq(line[2], "bob,0,0,25,2\n");
	char *summary = xasprintf("%s/out/summary.txt", dir), text[512] = "";
	f = fopen(summary, "r");
	ck_assert_ptr_nonnull(f);
	text[fread(text, 1, sizeof text - 1, f)] = '\0';
	fclose(f);
	ck_assert_msg(strstr(text, "2 submissions graded: 1 with full marks") &&
	              strstr(text, "01-stdout-race races") && strstr(text, "failed by 1 of 2"),
	              "summary:\n%s", text);
	free(summary);
	char *rm = xasprintf("rm -rf %s", dir);
	ck_assert_int_eq(system(rm), 0);
	free(cmd); free(book); free(rm);
}
END_TEST

int main(void)
{
	if (getenv("GRADER"))
		grader_bin = getenv("GRADER");
	load_table();
	grade_table();
	Suite *s = suite_create("selftest");
	TCase *core = tcase_create("Core");
	tcase_set_timeout(core, 600);
	tcase_add_loop_test(core, test_selftest_reference_full_marks, 0, nlabs);
	tcase_add_loop_test(core, test_selftest_skeleton_fails_what_it_must, 0, nlabs);
	tcase_add_loop_test(core, test_selftest_mutant_caught, 0, nmutants);
	tcase_add_loop_test(core, test_selftest_variant_accepted, 0, nvariants);
	tcase_add_loop_test(core, test_selftest_lab_within_budget, 0, nlabs);
	tcase_add_test(core, test_selftest_killed_grader_leaves_results);
	tcase_add_test(core, test_selftest_batch_gradebook);
	suite_add_tcase(s, core);
	bool passed = suite_passes(s, 1);
	char *rm = xasprintf("rm -rf %s", table_dir);
	if (system(rm) != 0)
		fprintf(stderr, "selftest: could not remove %s\n", table_dir);
	free(rm);
	if (nlabs == 0)
		fprintf(stderr, "selftest: no solutions/*/expect.json found\n");
	return passed ? EXIT_SUCCESS : EXIT_FAILURE;
}
