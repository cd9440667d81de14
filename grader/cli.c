/* cli.c - the command line's names checked against the labs before anything
 * runs: a misspelt LAB, CHECK or SEED is a usage error that lists what is
 * valid, never a silent "total: 0/0". */
#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "checks.h"
#include "common.h"
#include "cli.h"

#define LABS_MAX 256

/* ---- LAB= ---- */

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* True when `want` ("01", "1" or "01-stdout-race") names the lab folder. */
static bool lab_matches(const char *want, const char *lab)
{
	char *end;
	long n = strtol(want, &end, 10);
	if (*end == '\0' && end != want)
		return strtol(lab, NULL, 10) == n && lab[strspn(lab, "0123456789")] == '-';
	return strcmp(want, lab) == 0;
}

static bool lab_wanted(const char *list, const char *lab)
{
	if (!list || !*list)
		return true;
	char *copy = xstrdup(list), *save = NULL;
	bool found = false;
	for (char *w = strtok_r(copy, ", ", &save); w && !found; w = strtok_r(NULL, ", ", &save))
		found = lab_matches(w, lab);
	free(copy);
	return found;
}

/* Every lab folder (one with a lab.json), sorted. */
static char **all_labs(const char *root, size_t *n)
{
	char *dir = xasprintf("%s/labs", root);
	DIR *d = opendir(dir);
	char **labs = calloc(LABS_MAX, sizeof *labs);
	struct dirent *e;
	*n = 0;
	while (d && (e = readdir(d)) && *n < LABS_MAX - 1) {
		char *spec = xasprintf("%s/%s/lab.json", dir, e->d_name);
		if (e->d_name[0] != '.' && access(spec, R_OK) == 0)
			labs[(*n)++] = xstrdup(e->d_name);
		free(spec);
	}
	if (d)
		closedir(d);
	free(dir);
	qsort(labs, *n, sizeof *labs, cmp_str);
	return labs;
}

static char *lab_list(char **labs, size_t n)
{
	char *s = xstrdup("");
	for (size_t i = 0; i < n; i++)
		strappend(&s, "%s%s (LAB=%.*s)", i ? ", " : "", labs[i],
		          (int)strspn(labs[i], "0123456789"), labs[i]);
	return s;
}

char **cli_labs(const char *root, const char *want, size_t *n, char **why)
{
	size_t all;
	char **labs = all_labs(root, &all);
	*why = NULL;
	if (all == 0) {
		*why = xasprintf("no lab here: labs are the folders of %s/labs with a lab.json", root);
		cli_labs_free(labs);
		return NULL;
	}
	/* Every word must name a lab: LAB=01,nope is a typo, not "just 01". */
	char *copy = xstrdup(want ? want : ""), *save = NULL;
	for (char *w = strtok_r(copy, ", ", &save); w && !*why; w = strtok_r(NULL, ", ", &save)) {
		bool found = false;
		for (size_t i = 0; i < all && !found; i++)
			found = lab_matches(w, labs[i]);
		if (!found) {
			char *list = lab_list(labs, all);
			*why = xasprintf("LAB=%s: no lab is called %s. The labs: %s.", want, w, list);
			free(list);
		}
	}
	free(copy);
	if (*why) {
		cli_labs_free(labs);
		return NULL;
	}
	char **chosen = calloc(all + 1, sizeof *chosen);
	*n = 0;
	for (size_t i = 0; i < all; i++) {
		if (lab_wanted(want, labs[i]))
			chosen[(*n)++] = labs[i];
		else
			free(labs[i]);
	}
	free(labs);
	return chosen;
}

void cli_labs_free(char **labs)
{
	for (size_t i = 0; labs && labs[i]; i++)
		free(labs[i]);
	free(labs);
}

/* ---- SEED= ---- */

int cli_seed(const char *arg, long *seed, char **why)
{
	char *end;
	errno = 0;
	long v = strtol(arg, &end, 10);
	*why = NULL;
	/* chaos.c takes an unsigned 32-bit seed; 0 turns chaos off. */
	if (end == arg || *end || errno || v < 0 || v > 4294967295L || arg[0] == '-' ||
	    arg[0] == '+' || arg[0] == ' ') {
		*why = xasprintf("SEED=%s: a chaos seed is a whole number from 0 to 4294967295, "
		                 "as a failing check prints it (SEED=3; 0 turns chaos off).", arg);
		return -1;
	}
	*seed = v;
	return 0;
}

/* ---- SCHEDULE= ---- */

int cli_schedule(const char *arg, char **why)
{
	struct schedule_spec sp;

	*why = NULL;
	if (schedule_parse(arg, &sp) && sp.first == sp.last)
		return 0;
	*why = xasprintf("SCHEDULE=%s: a schedule is random:SEED or pct:DEPTH:SEED (DEPTH 1 to "
	                 "%d), as a failing check prints it (SCHEDULE=pct:3:7).", arg,
	                 SCHEDULE_DEPTH_MAX);
	return -1;
}

/* ---- CHECK= ---- */

/* The check of spec that a name means: the check itself, a row id
 * ("unit/test_x") or a test of it ("test_x"); *how says which. */
static const char *check_named(json_t *spec, const char *name, int *how)
{
	size_t i;
	json_t *c;
	json_array_foreach(json_object_get(spec, "checks"), i, c) {
		const char *check = spec_str(c, "name", "");
		size_t len = strlen(check);
		json_t *tests = json_object_get(c, "tests");
		if (strcmp(check, name) == 0)
			return *how = 0, check;
		if (strncmp(check, name, len) == 0 && name[len] == '/' &&
		    json_object_get(tests, name + len + 1))
			return *how = 1, check;
		if (json_object_get(tests, name))
			return *how = 2, check;
	}
	return NULL;
}

/* Appends ", name" to *s, wrapping lines at a terminal's width. */
static void list_word(char **s, size_t *col, const char *name, bool first)
{
	if (!first && *col + strlen(name) + 2 > 88) {
		strappend(s, ",\n    ");
		*col = 4;
	} else if (!first) {
		strappend(s, ", ");
		*col += 2;
	}
	strappend(s, "%s", name);
	*col += strlen(name);
}

/* A lab whose hidden tests are not in this copy (the student release has
 * no hidden/) says their points, never their names: "  hidden tests: 10
 * more points, ...\n". */
static void list_hidden_points(char **s, json_t *spec)
{
	size_t i;
	json_t *c;
	double points = spec_num(spec, "hidden_points", 0);
	json_array_foreach(json_object_get(spec, "checks"), i, c)
		if (strcmp(spec_str(c, "kind", ""), "hidden") == 0)
			return; /* the instructor's copy: the hidden checks are listed */
	if (points > 0)
		strappend(s, "  hidden tests: %g more points, not in this copy: they run only when "
		          "your instructor grades\n", points);
}

/* "The checks of 01-stdout-race: unit, races, speedup\n  the tests of unit
 * (...): test_a, test_b\n" */
static char *valid_names(char **labs, json_t **specs)
{
	char *s = NULL;
	for (size_t l = 0; labs[l]; l++) {
		size_t i, col;
		json_t *c;
		strappend(&s, "The checks of %s: ", labs[l]);
		col = strlen(s) - (strrchr(s, '\n') ? (size_t)(strrchr(s, '\n') - s) + 1 : 0);
		json_array_foreach(json_object_get(specs[l], "checks"), i, c)
			list_word(&s, &col, spec_str(c, "name", "?"), i == 0);
		strappend(&s, "\n");
		json_array_foreach(json_object_get(specs[l], "checks"), i, c) {
			const char *test, *check = spec_str(c, "name", "?");
			json_t *t, *tests = json_object_get(c, "tests");
			if (!json_object_size(tests))
				continue;
			char *head = xasprintf("  the tests of %s (each name grades all of %s): ",
			                       check, check);
			strappend(&s, "%s", head);
			col = strlen(head);
			free(head);
			bool first = true;
			json_object_foreach(tests, test, t) {
				list_word(&s, &col, test, first);
				first = false;
			}
			strappend(&s, "\n");
		}
		list_hidden_points(&s, specs[l]);
	}
	return s;
}

int cli_checks(const char *arg, char **labs, json_t **specs, char **resolved,
               char **said, char **why)
{
	char *copy = xstrdup(arg), *save = NULL, *list = NULL;
	*why = *said = *resolved = NULL;
	for (char *w = strtok_r(copy, ", ", &save); w && !*why; w = strtok_r(NULL, ", ", &save)) {
		bool found = false;
		for (size_t l = 0; labs[l]; l++) {
			int how;
			const char *check = check_named(specs[l], w, &how);
			if (!check)
				continue;
			found = true;
			if (!list || !comma_list_has(list, check))
				strappend(&list, "%s%s", list ? "," : "", check);
			if (how && !(*said && strstr(*said, w)))
				strappend(said, "grader: CHECK=%s: that is %s of the %s check of %s, so all of "
				          "%s is graded (its tests run together in one program).\n", w,
				          how == 1 ? "a row" : "a test", check, labs[l], check);
		}
		if (!found) {
			char *valid = valid_names(labs, specs);
			*why = xasprintf("CHECK=%s: no check or test is called %s.\n%s", arg, w, valid);
			free(valid);
		}
	}
	free(copy);
	if (!*why && !list)
		*why = xasprintf("CHECK=%s names no check.", arg);
	if (*why) {
		free(list);
		free(*said);
		*said = NULL;
		return -1;
	}
	/* Naming every check is the full grade, a score: no --check at all. */
	bool every = true;
	for (size_t l = 0; labs[l] && every; l++) {
		size_t i;
		json_t *c;
		json_array_foreach(json_object_get(specs[l], "checks"), i, c)
			every &= comma_list_has(list, spec_str(c, "name", ""));
	}
	if (every) {
		free(list);
		list = NULL;
	}
	*resolved = list;
	return 0;
}

/* ---- a replay is not a score ---- */

char *cli_replay_of(const char *checks, long seed)
{
	if (!checks && seed < 0)
		return NULL;
	char *s = NULL;
	for (const char *p = checks; p && *p; p += strcspn(p, ","), p += *p == ',')
		strappend(&s, "%s%.*s", s ? ", " : "", (int)strcspn(p, ","), p);
	if (!s)
		s = xstrdup("every check");
	if (seed >= 0)
		strappend(&s, " (seed %ld)", seed);
	return s;
}

char *cli_score_cmd(const char *labs_arg, const char *submission_arg)
{
	char *cmd = xstrdup("make grade");
	if (labs_arg && *labs_arg)
		strappend(&cmd, " LAB=%s", labs_arg);
	if (submission_arg)
		strappend(&cmd, " SUBMISSION=%s", submission_arg);
	return cmd;
}
