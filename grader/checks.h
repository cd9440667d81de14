/* checks.h - the pipeline's stages and the check kinds a spec may name.
 *
 * Interface:
 *   lab_plan      one row per graded thing of the spec, before anything runs,
 *                 so every check is present in the results whatever happens.
 *   lab_stage     scratch copy of the pristine lab plus the student files
 *                 (lab_submit.c: which of them, and a missing one's skeleton).
 *   lab_build     the lab's own Makefile, in the sandbox (lab_build.c);
 *                 lab_build_parts, each part alone when the whole failed.
 *   check_kind    finds the runner for a spec's "kind"; check_alone, whether
 *                 it must run with nothing else beside it.
 *   lab_run       sandbox_run with the lab's scrubbed environment.
 *   lab_score     the score step, after the checks: "requires" (score.c).
 *   san_read      the memory check's reader of sanitizer reports.
 *   races_read    the races check's reader of Helgrind's reports.
 */
#ifndef CHECKS_H
#define CHECKS_H

#include <sys/types.h>
#include "grader.h"
#include "sandbox.h"

/* A runner fills rows[0..nrows) (made by lab_plan from the check's spec). */
typedef void check_fn(struct lab_ctx *ctx, json_t *check,
                      struct result *rows, size_t nrows);

check_fn *check_kind(const char *kind);
/* Whether a check must have the machine to itself when labs are graded at
 * once: a timing kind (speedup), or "alone": true in its spec. */
bool check_alone(json_t *check);
check_fn check_unit, check_races, check_speedup;

/* One run of a unit check's suite (check_unit.c): under a chaos seed, or
 * under controlled schedules (check_schedules.c) of some of its tests. */
struct unit_run {
	long seed;             /* CHAOS_SEED; under a schedule, -1 */
	const char *schedule;  /* SCHEDULE: one, or a range FIRST-LAST; NULL: a seed */
	const char *tests;     /* CHECK_TESTS (comma-separated); NULL: every test */
	char **output_to;      /* if set, gets what the program printed */
	char ran[64];          /* out: the schedule its log is of ("pct:3:7") */
};
enum seed_end { SEED_DONE, SEED_HUNG, SEED_FAULT, SEED_MISMATCH };
/* Runs the suite as u says, judges the rows it ran by its log (a row
 * keeps an earlier run's failure) and says how the run ended. */
enum seed_end unit_run_suite(struct lab_ctx *ctx, json_t *check, struct unit_run *u,
                             struct result *rows, size_t n);
/* Whether a comma-separated list of tests (CHECK_TESTS) holds test; a
 * NULL list holds every test. */
bool unit_listed(const char *list, const char *test);
/* check_schedules.c: before the seeds, the spec's "schedules"; or, with
 * SCHEDULE= given, that one schedule instead of the seeds (true then). */
void unit_schedules(struct lab_ctx *ctx, json_t *check, struct result *rows, size_t n);
bool unit_schedule_replay(struct lab_ctx *ctx, json_t *check, struct result *rows, size_t n);
check_fn check_memory;

int lab_plan(struct lab_ctx *ctx);
/* Appends the checks of labs/<lab>/hidden/hidden.json to spec (once); 0, or -1
 * when hidden.json is no valid spec. lab_plan calls it; so may the command
 * line, to know the hidden checks' names. */
int spec_add_hidden(const char *root, const char *lab, json_t *spec);   /* 0, or -1 with the spec's fault in a row */
/* 0; 1 not submitted; -1 grader fault. *why says what, for a person. */
int lab_stage(struct lab_ctx *ctx, const char *subdir, char **why);
/* The student files of subdir into the staged lab: none there is 1 (not
 * submitted); a missing one, when others are there, is the skeleton's, said
 * in the run's notes. 0; 1 with *why; -1 grader fault. */
int lab_stage_student_files(struct lab_ctx *ctx, const char *subdir, char **why);
#define LAB_STUDENT_FILE_MAX (1 << 20) /* a bigger "source file" is not source */
void lab_unstage(struct lab_ctx *ctx);
/* 0 built; 1 the student's code did not build; -1 grader fault. *why as above. */
int lab_build(struct lab_ctx *ctx, char **why);
/* After lab_build returned 1 in a lab whose spec lists "build" "parts":
 * builds each part's make target alone. Returns the names of the checks of
 * the parts that built (a new array), or NULL when none did or the spec has
 * no parts; when one part built and another did not, *why is replaced by
 * the failed part's compiler words. */
json_t *lab_build_parts(struct lab_ctx *ctx, char **why);
/* Whether the spec's "build" "parts", if any, are well formed: each a make
 * target and names of lab.json's own checks. */
bool lab_parts_valid(json_t *spec);

/* Runs argv in the lab folder under the sandbox. extra_env: NULL-terminated
 * "NAME=value" entries added to the lab's scrubbed environment. A run that
 * times out, or one of whose tests hung (ctx->stuck_s), marks the lab hung
 * (ctx->hung); once it is, every later run gets at most HUNG_CAP_S, and a
 * run cut says so in its diagnosis. A program (no ctx->stuck_s), or a test
 * of a runner (ctx->stuck_s), in which nothing has run for HUNG_FROZEN_S is
 * stopped at once, hung or not; once the lab is hung, so is a whole runner. */
int lab_run(struct lab_ctx *ctx, char *const *argv, char *const *extra_env,
            double timeout_s, struct sbx_result *r);
/* The same for a build step (make): never cut or stopped frozen, never marks
 * the lab hung. */
int lab_run_build(struct lab_ctx *ctx, char *const *argv, double timeout_s,
                  struct sbx_result *r);
/* make target in the staged lab, as lab_run_build runs it: every build of
 * the grader goes through here. Its debug information names the staged
 * copy's files under LAB_DEBUG_ROOT, not under the scratch folder, so that
 * what is compiled in one folder can be used in another (objcache.h,
 * lab_snapshot). lab_realias: text (a tool's report) with those paths read
 * as the scratch's own, a new string. */
#define LAB_DEBUG_ROOT "/grade"
int lab_make(struct lab_ctx *ctx, const char *target, double timeout_s, struct sbx_result *r);
char *lab_realias(const struct lab_ctx *ctx, const char *text);
/* A scratch folder with the pristine lab (with_hidden: its hidden/ too) and
 * common/, no student file: the cache's. 0, or -1 with *why. */
int lab_stage_pristine(struct lab_ctx *ctx, bool with_hidden, char **why);
/* A copy of the built scratch, made before any student code ran there, into
 * a new folder *to (which lab_unstage removes when it is ctx->snapshot). */
int lab_snapshot(struct lab_ctx *ctx, char **to);
/* Removes a folder and everything under it (links are not followed). */
void lab_remove_tree(const char *path);
/* Copies a regular file of at most max bytes (no link); 0 or -1.
 * lab_copy_file_as with keep_time: with src's modification time. */
int lab_copy_file(const char *src, const char *dst, off_t max);
int lab_copy_file_as(const char *src, const char *dst, off_t max, bool keep_time);
#define HUNG_CAP_S 2.0
/* A process in which no thread has run at all for this long (every one
 * asleep, none runnable) waits for what will not come: it has hung. The
 * labs' tests and programs never sleep this long with nothing else running. */
#define HUNG_FROZEN_S 0.5
/* What a lab whose threads wait for ever may take to grade, every check and
 * diagnosis included (check_hang grades lab 03's worst such hang within it;
 * threads that spin take longer: SPEC.md, Hangs). */
#define HANG_BUDGET_S 30
/* The deadline lab_run will really give a run asked for timeout_s. */
double lab_deadline(const struct lab_ctx *ctx, double timeout_s);
/* Hints (test may be NULL: a check without tests). lab_hang_hint: the
 * first hint_hang of test, check and the lab's spec, or NULL. lab_hint: what
 * a failing row shows: with hang, lab_hang_hint where there is one, else the
 * test's hint (a test's row) or the check's; NULL when there is none. */
const char *lab_hang_hint(const struct lab_ctx *ctx, json_t *check, json_t *test);
const char *lab_hint(const struct lab_ctx *ctx, json_t *check, json_t *test, bool hang);

/* Spec access with defaults; a missing required field is a spec fault. */
const char *spec_str(json_t *obj, const char *key, const char *dflt);
double spec_num(json_t *obj, const char *key, double dflt);
/* A deadline of the spec's (or the default), in seconds, times the time
 * scale: GRADER_TIME_SCALE, 1 to 10 (a slow grading machine), else 1. */
double spec_secs(json_t *obj, const char *key, double dflt);
double time_scale(void);
/* text with the scratch copy's paths read as the student's own (labs/<lab>). */
char *lab_unscratch(struct lab_ctx *ctx, const char *text);
/* Path of a built program: outdir/name. */
char *lab_program(struct lab_ctx *ctx, const char *name);
/* The command that replays this check (NULL: the whole lab); seed < 0 for none. */
char *lab_replay(struct lab_ctx *ctx, const char *check, long seed);
/* The same with var ("SEED=3", "SCHEDULE=pct:3:7", NULL: none) said. */
char *lab_replay_with(struct lab_ctx *ctx, const char *check, const char *var);
/* Where Valgrind is missing, the races check runs ThreadSanitizer instead. */
bool valgrind_available(void);
void races_tsan(struct lab_ctx *ctx, json_t *check, struct result *row);
/* The memory check's reader of sanitizer logs (ASan, UBSan, LeakSanitizer):
 * one log's reports are added to the tally, each shown from the student's
 * side. labdir and scratch are the paths the log names; files the student
 * files of the spec. A log is one process's: san_read takes each whole. */
struct san_leaks;
struct san_tally {
	int found;          /* distinct reports reaching a student file */
	int reports;        /* every report reaching one, repeats included */
	int shown;
	char *summary;      /* the first few distinct ones, for the student */
	char *seen;         /* the first line of each distinct one */
	int other;          /* reports reaching no student file */
	char *first_other;  /* the first of those, in a line */
	bool budget;        /* a process ran out of its memory budget */
	bool broken;        /* a sanitizer failed by itself */
	struct san_leaks *leaks; /* LeakSanitizer's records, by the line that allocated */
	int leaks_found;    /* distinct lines of student files whose blocks nothing freed */
	int leak_other;     /* leaks of blocks no student line allocated: never counted */
	int leak_procs;     /* processes whose log held a leak report (each exited with it) */
	bool leak_broken;   /* LeakSanitizer failed by itself (ptrace refused) */
};
void san_read(const char *log, const char *labdir, const char *scratch, json_t *files,
              struct san_tally *t);
void san_tally_free(struct san_tally *t);
/* The leaks of student lines, for the student: "12 blocks (768 bytes)
 * allocated at pipeline.c:88 in run_pipeline were never freed", the first
 * few, and what was lost with them; NULL when leaks_found is 0. */
char *san_leak_summary(const struct san_tally *t);
/* The races check's reader of Helgrind's reports: every hg.<pid>.xml in dir.
 * Each error reaching a student file counts in errors and is shown from the
 * student's side, the first few distinct ones in summary (shown counts
 * them); an error reaching none counts in elsewhere; a call POSIX allows
 * that Helgrind reports (a condition variable signalled without its lock)
 * counts in noted, never as an error, and shows in notes. The locks held
 * come from text_log (the text-mode run; "" for none), from the one error
 * there that matches each XML error. scratch: the path the XML names. */
struct hg_tally {
	char *summary, *notes;
	int shown, notes_shown;
	int errors, elsewhere, noted;
	int races;      /* errors that are data races or lock-order violations */
};
void races_read(const char *dir, const char *scratch, json_t *files, const char *text_log,
                struct hg_tally *t);
void hg_tally_free(struct hg_tally *t);
/* Fails every row with the same message. */
void rows_fail(struct result *rows, size_t n, enum verdict v, const char *msg);
/* Sets a row's verdict and score (full on pass, none otherwise). */
void row_set(struct result *r, enum verdict v, char *output);

/* The score step (score.c): rows[0..n) are one lab's rows, after its checks
 * ran. Each row of a check with "requires" whose required rows did not all
 * pass scores 0 (FAIL; INCONCLUSIVE when they could not be judged) and says
 * "not scored until <names> pass"; when a required row did not run (a
 * replay) nothing is gated and the row says so. */
void lab_score(struct lab_ctx *ctx, struct result *rows, size_t n);
/* Then what each inconclusive row scores, as the options say (score.c):
 * excluded (score 0 of 0: its points leave the maximum), awarded (its full
 * points) or zero; a distrusted row always scores 0 of its points. The row
 * says which. */
void lab_price_doubts(struct lab_ctx *ctx, struct result *rows, size_t n);
/* "unit and races pass" when the check's requirements failed among rows so
 * far (for progress lines), else NULL. A fresh string. */
char *requires_unmet(json_t *spec, json_t *check, const struct result *rows, size_t n);

#endif /* CHECKS_H */
