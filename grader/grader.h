/* grader.h - the autograder's shared types.
 *
 * Data flows one way: submission -> stage -> build -> checks -> score -> reports.
 * A lab is data (its lab.json spec) plus its harness; nothing here knows a lab.
 *
 * Interface:
 *   struct result    one graded row: a check, or one test of a unit check.
 *   struct results   every row of a run, in order, plus notes on the run.
 *   struct lab_ctx   what a check needs: the spec, the scratch folder, options.
 *   check kinds      unit, races, speedup: see checks.h.
 *   reports          text, Gradescope JSON, JUnit XML, TAP: see report.h.
 */
#ifndef GRADER_H
#define GRADER_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

enum verdict {
	V_PASS,          /* the check passed */
	V_FAIL,          /* the submission failed the check */
	V_INCONCLUSIVE,  /* the machine could not show the effect: not the student's fault */
	V_NOT_SUBMITTED, /* the lab folder or a student file is missing */
	V_ERROR,         /* the grader itself failed: never the student's fault, never a pass */
};

const char *verdict_name(enum verdict v);

struct result {
	char *lab;      /* "01-stdout-race" */
	char *check;    /* the spec's check name: "unit", "races", "speedup" */
	char *id;       /* stable id: "races", or "unit/test_tasks_whole_lines" */
	char *name;     /* shown name: "unit: lines stay whole under chaos" */
	double score;
	double max_score;
	enum verdict verdict;
	char *output;   /* what the student reads: what went wrong and what to do */
	char *replay;   /* the one command that replays a failure, or NULL */
	char *raw;      /* raw tool output (Helgrind report...), shown with RAW=1 */
	double seconds; /* wall time the check took */
	bool show_on_pass; /* output worth reading on a pass too (figures, notes): the text report shows it */
	bool hidden;    /* an instructor's hidden test (SPEC.md): reports show no name or output */
	bool distrusted; /* inconclusive because of what the code itself did (a trust rule):
	                    it scores 0 whatever INCONCLUSIVE says */
	json_t *timeline; /* a speedup check's runs, yours first (timeline.h), or NULL */
};

struct results {
	struct result *rows;
	size_t n, cap;
	char *notes;    /* run-wide notes: protections in force, machine facts */
	bool release;   /* graded in the student release: its hidden tests are not here */
	/* In a release: lab -> the points its hidden tests carry (lab.json's
	 * hidden_points), which the report says, since it has no hidden row. */
	json_t *hidden_points;
	/* A replay (CHECK= or SEED=) is not a score: what it replayed, "unit
	 * (seed 3)", and the command that grades for the score. NULL on a full
	 * grade. Not owned: they outlive the results (main.c). */
	const char *replay_of, *score_cmd;
};

struct result *results_add(struct results *rs, const char *lab, const char *check,
                           const char *name, double max_score);
void results_note(struct results *rs, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void results_free(struct results *rs);
double results_score(const struct results *rs);
double results_max(const struct results *rs);

/* printf into a fresh heap string; never NULL (out of memory aborts). */
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *xstrdup(const char *s);
/* Seconds on the monotonic clock: for durations. */
double clock_s(void);
/* Appends printf output to *s (which may be NULL). */
void strappend(char **s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

struct options {
	const char *root;        /* the project folder: labs/, common/, grader/ */
	const char *submission;  /* folder laid out like labs/ */
	const char *submission_arg; /* as the user gave it, for replay commands; NULL = labs/ */
	const char *replay_as;   /* --replay-as: the name replays give the submission instead */
	const char *only_check;  /* grade just this check (replay), or NULL */
	long seed;               /* CHAOS_SEED override, or -1 */
	const char *schedule;    /* SCHEDULE to replay (unit checks), or NULL */
	bool raw;                /* attach raw tool reports to the text output */
	bool verbose;
	bool sandbox_required;   /* student code never runs without bubblewrap (--sandbox) */
	enum inconclusive_cost { COST_EXCLUDED, COST_AWARDED, COST_ZERO } inconclusive;
	                         /* what a row the machine could not judge scores (--inconclusive) */
};

struct lab_ctx {
	const struct options *opt;
	const char *lab;         /* folder name */
	json_t *spec;            /* parsed lab.json */
	char *scratch;           /* absolute: the staged copy */
	char *labdir;            /* scratch/labs/<lab> */
	char *outdir;            /* scratch/build/labs/<lab>: built programs */
	double stuck_s;          /* lab_run diagnoses a test still running after this (0 = off) */
	double test_timeout_s;   /* with stuck_s: the test runner's own timeout for each test */
	long mem_mb;             /* lab_run's address-space limit: 0 = the spec's, < 0 = none */
	bool trace_own;          /* lab_run lets the run's processes ptrace each other (sandbox.h) */
	bool hung;               /* a check of this lab saw a hang: lab_run cuts later deadlines */
	bool unread;             /* a diagnosis of lab_run's could not read a process's stacks */
	int hidden_stage;        /* the hidden checks' own scratch: see check_hidden in lab.c */
	const char *cache;       /* the objects compiled once (objcache.h), or NULL */
	int slots;               /* runs of one check that may go at once (a unit check's
	                            seeds: lab_jobs.h); 0 or 1: one after the other */
	char *snapshot;          /* a copy of the scratch as built, before any student code
	                            ran: the hidden checks' start (lab_snapshot), or NULL */
	struct results *rs;
};

#endif /* GRADER_H */
