/* check_classroom.c - the GitHub Classroom template (make classroom,
 * grader/classroom.sh), built once into a temporary folder with LABS=1
 * THRESHOLD=50, and the CI scripts its workflow runs. GitHub is not
 * reachable from here, so the workflow's own steps are run here instead.
 *
 * What is checked, one test each:
 *   - the template is the release plus its own files: README, RELEASE,
 *     labs, .gitignore, .github/workflows/grade.yml, .github/grading.env
 *     with the LABS and THRESHOLD asked; no solutions, self-test or
 *     instructor's script; the README is the release's;
 *   - the workflow passes yamllint (strict), which rejects a broken copy;
 *   - the workflow has what the issue asks: a cache of the packages, a
 *     timeout, a concurrency group, the step summary, grading.env, and the
 *     comment that it is feedback only;
 *   - .gitignore leaves out build/, editor files and the reports, never a
 *     student file or the workflow;
 *   - the workflow's run steps (grade, threshold, summary), taken from the
 *     YAML and run in the template as Actions would: only LABS is graded,
 *     the skeleton is below the threshold (exit 1), the summary has the
 *     rows, and a lab's own lower threshold passes;
 *   - threshold.sh per lab and over the total, on a made-up results file;
 *   - the instructor's grading of clones for credit: a JSON list of them
 *     made as README.md says, graded with the hidden tests. */
#include <check.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "grader.h"
#include "selftest.h"

static char tmp[] = "/tmp/check_classroom.XXXXXX";
static char *tpl;		/* tmp/template */
static char *workflow;		/* its .github/workflows/grade.yml */
static int built_rc = -1;

/* yamllint's rules, less two that do not fit a GitHub workflow: `on:` is a
 * key there (YAML 1.1 reads it as true), and no "---" starts the file. */
#define YAMLLINT "yamllint --strict -d \"{extends: default, rules: {document-start: disable, " \
                 "line-length: {max: 100}, truthy: {check-keys: false}}}\""

/* A shell command from the project folder, make's variables dropped (this
 * suite runs under make test); its exit code. No single quote in it. */
static int sh(const char *fmt, ...)
{
	va_list ap;
	char *cmd;
	va_start(ap, fmt);
	if (vasprintf(&cmd, fmt, ap) < 0)
		abort();
	va_end(ap);
	char *full = xasprintf("env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL sh -c '%s'", cmd);
	int status = system(full);
	free(cmd);
	free(full);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static char *tmp_text(const char *name)
{
	char *path = xasprintf("%s/%s", tmp, name), *text = file_text(path);
	free(path);
	return text ? text : xstrdup("");
}

START_TEST(test_classroom_template_is_the_release_and_its_files)
{
	static const char *const need[] = {
		"README.md", "RELEASE", "Makefile", "syllabus.md", "labs/01-stdout-race/tasks.c",
		"grader/ci/threshold.sh", "grader/ci/summary.sh", ".gitignore",
		".github/workflows/grade.yml", ".github/grading.env",
	};
	static const char *const never[] = {
		"solutions", "grader/tests", "grader/classroom.sh", "grader/release.sh",
		"labs/01-stdout-race/hidden", ".git",
	};
	ck_assert_msg(built_rc == 0, "make classroom failed:\n%s", tmp_text("built.txt"));
	for (size_t i = 0; i < sizeof need / sizeof *need; i++)
		ck_assert_msg(sh("test -f %s/%s", tpl, need[i]) == 0, "the template has no %s", need[i]);
	for (size_t i = 0; i < sizeof never / sizeof *never; i++)
		ck_assert_msg(sh("test ! -e %s/%s", tpl, never[i]) == 0, "the template has %s", never[i]);
	ck_assert_int_eq(sh("tar -xzOf %1$s/release.tar.gz concurrency-labs/README.md | "
	                    "cmp -s - %1$s/template/README.md", tmp), 0);
	ck_assert_int_eq(sh("grep -qx LABS=1 %1$s/.github/grading.env && "
	                    "grep -qx THRESHOLD=50 %1$s/.github/grading.env", tpl), 0);
	/* a template it built is replaced; any other folder is refused */
	ck_assert_int_eq(sh("sh grader/classroom.sh %1$s/release.tar.gz %1$s/template 1 50 >/dev/null", tmp), 0);
	ck_assert_int_eq(sh("grep -qx LABS=1 %1$s/.github/grading.env", tpl), 0);
	ck_assert_int_eq(sh("sh grader/classroom.sh %1$s/release.tar.gz %1$s 2>/dev/null", tmp), 2);
}
END_TEST

START_TEST(test_classroom_workflow_passes_yamllint)
{
	ck_assert_msg(built_rc == 0, "make classroom failed");
	ck_assert_int_eq(sh(YAMLLINT " %s/.github/workflows/grade.yml", tpl), 0);
	/* yamllint really reads it: a key given twice is refused */
	ck_assert_int_ne(sh("{ cat %1$s/.github/workflows/grade.yml; echo \"name: again\"; } > %2$s/bad.yml"
	                    " && " YAMLLINT " %2$s/bad.yml >/dev/null", tpl, tmp), 0);
}
END_TEST

START_TEST(test_classroom_workflow_says_what_it_does)
{
	static const char *const need[] = {
		"FEEDBACK ONLY", "hidden test", "timeout-minutes:", "concurrency:",
		"cancel-in-progress: true", "uses: actions/cache@", "/var/cache/apt/archives",
		"docker-clean", "hashFiles('common/deps.sh')", "GITHUB_STEP_SUMMARY",
		". ./.github/grading.env", "JSON=results.json", "LAB=\"$LABS\"",
		"threshold.sh results.json \"$THRESHOLD\" \"$LABS\"",
	};
	ck_assert_ptr_nonnull(workflow);
	for (size_t i = 0; i < sizeof need / sizeof *need; i++)
		ck_assert_msg(strstr(workflow, need[i]), "the workflow lacks \"%s\"", need[i]);
}
END_TEST

/* Whether git, with the template's .gitignore, leaves path out. */
static bool ignored(const char *path)
{
	return sh("git --git-dir=%1$s/git --work-tree=%2$s check-ignore -q --no-index %3$s",
	          tmp, tpl, path) == 0;
}

START_TEST(test_classroom_gitignore)
{
	static const char *const out[] = {
		"build/grader/grader", "labs/01-stdout-race/tasks.c~", "labs/01-stdout-race/.tasks.c.swp",
		"results.json", "junit.xml", "report.txt", "t.json", ".vscode/settings.json",
		".DS_Store", "labs/04-pool-ordering/curve.svg",
	};
	static const char *const in[] = {
		"labs/01-stdout-race/tasks.c", "labs/01-stdout-race/lab.json", "Makefile", "README.md",
		".github/workflows/grade.yml", ".github/grading.env", "grader/ci/threshold.sh",
	};
	ck_assert_int_eq(sh("git init -q --bare %s/git", tmp), 0);
	for (size_t i = 0; i < sizeof out / sizeof *out; i++)
		ck_assert_msg(ignored(out[i]), ".gitignore keeps %s", out[i]);
	for (size_t i = 0; i < sizeof in / sizeof *in; i++)
		ck_assert_msg(!ignored(in[i]), ".gitignore leaves out %s", in[i]);
}
END_TEST

/* The run: of the workflow's step named name, without its indentation, or
 * NULL. A step ends at the next line indented less than its keys. */
static char *step_run(const char *name)
{
	char *want = xasprintf("- name: %s\n", name);
	const char *at = strstr(workflow, want), *bol = at;
	free(want);
	if (!at)
		return NULL;
	while (bol > workflow && bol[-1] != '\n')
		bol--;
	size_t key = (size_t)(at - bol) + 2;	/* the column of the step's keys */
	size_t block = 0;			/* a "run: |" block's, once in it */
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	for (const char *line = strchr(at, '\n') + 1; *line;) {
		size_t n = strcspn(line, "\n"), indent = strspn(line, " ");
		bool blank = indent == n;
		if (!blank && indent < (block ? block : key))
			break;
		if (block)
			fprintf(f, "%.*s\n", blank ? 0 : (int)(n - block), line + (blank ? n : block));
		else if (indent == key && strncmp(line + key, "run: |", 6) == 0)
			block = key + 2;
		else if (indent == key && strncmp(line + key, "run: ", 5) == 0) {
			fprintf(f, "%.*s\n", (int)(n - key - 5), line + key + 5);
			break;
		}
		line += n + (line[n] == '\n');
	}
	fclose(f);
	return out;
}

/* The step's run: lines, run in the template as Actions runs them (sh -e,
 * GITHUB_STEP_SUMMARY set); its exit code, its output in tmp/step.txt. */
static int run_step(const char *name)
{
	char *script = step_run(name), *path = xasprintf("%s/step.sh", tmp);
	ck_assert_msg(script && *script, "the workflow has no step \"%s\" with a run:", name);
	FILE *f = fopen(path, "w");
	fputs(script, f);
	fclose(f);
	int code = sh("cd %1$s && GITHUB_STEP_SUMMARY=%2$s/summary.md sh -e %2$s/step.sh "
	              "> %2$s/step.txt 2>&1", tpl, tmp);
	free(script);
	free(path);
	return code;
}

START_TEST(test_classroom_workflow_steps_run_here)
{
	ck_assert_msg(built_rc == 0, "make classroom failed");
	ck_assert_int_eq(run_step("grade"), 0);
	char *path = xasprintf("%s/results.json", tpl);
	json_t *res = json_load_file(path, 0, NULL), *t;
	ck_assert_msg(res, "the grade step wrote no results.json:\n%s", tmp_text("step.txt"));
	size_t i, rows = 0;
	json_array_foreach(json_object_get(res, "tests"), i, t) {
		const char *lab = json_string_value(json_object_get(json_object_get(t, "extra_data"), "lab"));
		ck_assert_msg(lab && strcmp(lab, "01-stdout-race") == 0, "LABS=1 graded %s", lab);
		rows++;
	}
	ck_assert_uint_gt(rows, 3);
	/* the skeleton is below 50 %: the run fails, and says so */
	ck_assert_int_eq(run_step("fail below the threshold"), 1);
	char *said = tmp_text("step.txt");
	ck_assert_msg(strstr(said, "01-stdout-race: ") && strstr(said, "below it"), "%s", said);
	ck_assert_int_eq(run_step("summary"), 0);
	char *summary = tmp_text("summary.md");
	ck_assert_msg(strstr(summary, "## Grade") && strstr(summary, "| 01-stdout-race unit: ") &&
	              strstr(summary, "below it") && strstr(summary, "The full report"),
	              "the summary:\n%.2000s", summary);
	/* a lab's own threshold, which the skeleton reaches */
	ck_assert_int_eq(sh("sed -i s/^THRESHOLD=.*/THRESHOLD=60,01:1/ %s/.github/grading.env", tpl), 0);
	ck_assert_int_eq(run_step("fail below the threshold"), 0);
	json_decref(res);
	free(path); free(said); free(summary);
}
END_TEST

/* Two labs: 8/10 and 5/20, 13/30 in all. */
static const char two_labs[] = "{\"score\": 13, \"tests\": ["
	"{\"score\": 8, \"max_score\": 10, \"extra_data\": {\"lab\": \"01-stdout-race\"}},"
	"{\"score\": 2, \"max_score\": 10, \"extra_data\": {\"lab\": \"02-lock-granularity\"}},"
	"{\"score\": 3, \"max_score\": 10, \"extra_data\": {\"lab\": \"02-lock-granularity\"}}]}";

START_TEST(test_classroom_threshold_per_lab)
{
	static const struct { const char *args; int code; } cases[] = {
		{ "60", 1 }, { "40", 0 },			/* the total, 43 % */
		{ "60 01", 0 }, { "60 1", 0 }, { "60 01-stdout-race", 0 }, /* lab 01 alone, 80 % */
		{ "60 01,02", 1 }, { "60,02:20 01,02", 0 }, { "60,02:20 1,2", 0 }, { "02:30", 1 },
		{ "02:20", 0 },
		{ "60 03", 2 }, { "abc", 2 }, { "60,70 01", 2 }, { "02:20 01", 2 },
	};
	char *path = xasprintf("%s/two.json", tmp);
	FILE *f = fopen(path, "w");
	fputs(two_labs, f);
	fclose(f);
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
		ck_assert_msg(sh("sh grader/ci/threshold.sh %s %s >/dev/null 2>&1", path, cases[i].args)
		              == cases[i].code, "threshold.sh two.json %s should exit %d",
		              cases[i].args, cases[i].code);
	ck_assert_int_eq(sh("sh grader/ci/threshold.sh %s/none.json 60 01 2>/dev/null", tmp), 2);
	free(path);
}
END_TEST

/* The instructor's side: clones in class/NAME/ (alice solved lab 01, bob
 * did not), listed as README.md says, graded for credit with the hidden
 * tests, which the template does not have. */
START_TEST(test_classroom_instructor_grades_clones_with_hidden_tests)
{
	ck_assert_msg(built_rc == 0, "make classroom failed");
	ck_assert_int_eq(sh("set -e; for s in alice bob; do mkdir -p %1$s/class/$s; "
	                    "cp -r %2$s/labs %1$s/class/$s/; done; "
	                    "awk -v view=solution -f grader/skeleton.awk solutions/01-stdout-race/tasks.c "
	                    "> %1$s/class/alice/labs/01-stdout-race/tasks.c", tmp, tpl), 0);
	ck_assert_int_eq(sh("for d in %1$s/class/*/; do "
	                    "jq -n --arg name \"$(basename \"$d\")\" --arg dir \"${d}labs\" "
	                    "\"{name: \\$name, submission: \\$dir}\"; done | jq -s . > %1$s/class.json && "
	                    "make -s grade-batch SUBMISSIONS=%1$s/class.json OUT=%1$s/grades LAB=01 "
	                    "PROGRESS=none > %1$s/batch.txt 2>&1; test -f %1$s/grades/bob.json",
	                    tmp), 0);
	double score[2];
	static const char *const who[] = { "alice", "bob" };
	for (int k = 0; k < 2; k++) {
		char *path = xasprintf("%s/grades/%s.json", tmp, who[k]);
		json_t *res = json_load_file(path, 0, NULL), *t;
		ck_assert_msg(res, "no %s:\n%s", path, tmp_text("batch.txt"));
		size_t i, hidden = 0;
		json_array_foreach(json_object_get(res, "tests"), i, t) {
			const char *lab = json_string_value(json_object_get(json_object_get(t, "extra_data"), "lab"));
			ck_assert_msg(lab && strcmp(lab, "01-stdout-race") == 0, "LAB=01 graded %s", lab);
			hidden += strcmp(json_string_value(json_object_get(t, "visibility")),
			                 "after_published") == 0;
		}
		ck_assert_msg(hidden > 0, "%s was graded without the hidden tests", who[k]);
		score[k] = json_number_value(json_object_get(res, "score"));
		json_decref(res);
		free(path);
	}
	ck_assert_msg(score[0] > score[1], "alice %g, bob %g", score[0], score[1]);
}
END_TEST

/* ---- the template, built once ---- */

static void build_template(void)
{
	if (!mkdtemp(tmp) || chmod(tmp, 0755) != 0)
		return;
	tpl = xasprintf("%s/template", tmp);
	built_rc = sh("make -s classroom RELEASE=%1$s/release.tar.gz TEMPLATE=%1$s/template "
	              "LABS=1 THRESHOLD=50 > %1$s/built.txt 2>&1", tmp);
	char *path = xasprintf("%s/.github/workflows/grade.yml", tpl);
	workflow = file_text(path);
	free(path);
}

int main(void)
{
	if (getenv("GRADER"))
		grader_bin = getenv("GRADER");
	build_template();
	Suite *s = grader_suite("classroom", 300, (const TTest *const[]){
		test_classroom_template_is_the_release_and_its_files,
		test_classroom_workflow_passes_yamllint, test_classroom_workflow_says_what_it_does,
		test_classroom_gitignore, test_classroom_workflow_steps_run_here,
		test_classroom_threshold_per_lab,
		test_classroom_instructor_grades_clones_with_hidden_tests, NULL });
	bool passed = suite_passes(s, 7);
	if (!getenv("CLASSROOM_KEEP") && sh("rm -rf %s", tmp) != 0)
		passed = false;
	return passed ? EXIT_SUCCESS : EXIT_FAILURE;
}
