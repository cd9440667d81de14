/* gradebook.c - a class's results files (OUT/<name>.json, Gradescope's
 * schema, whoever graded them: one batch, or many jobs on many machines)
 * become one gradebook and a summary of where the class struggles. */
#include <dirent.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "grader.h"
#include "gradebook.h"

struct sub {
	char *name;
	json_t *res;      /* the results file, or NULL when it did not parse */
	bool absent;      /* on the roster, with no results file */
	bool unlisted;    /* a results file, with a roster that does not name it */
	double total, max;
	int rank;
};

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct sub *)a)->name, ((const struct sub *)b)->name);
}

static const char *extra(json_t *test, const char *key)
{
	const char *s = json_string_value(json_object_get(json_object_get(test, "extra_data"), key));
	return s ? s : "";
}

/* The names of a kind of column, in the order first seen: labs, or
 * "lab/id" keys with by_check. */
static void add_key(json_t *keys, const char *key)
{
	size_t i;
	json_t *k;
	json_array_foreach(keys, i, k)
		if (strcmp(json_string_value(k), key) == 0)
			return;
	json_array_append_new(keys, json_string(key));
}

static char *test_key(json_t *t, bool by_check)
{
	return by_check ? xasprintf("%s/%s", extra(t, "lab"), extra(t, "id")) : xstrdup(extra(t, "lab"));
}

static double sum_of(json_t *res, const char *key, bool by_check)
{
	double s = 0;
	size_t i;
	json_t *t;
	json_array_foreach(json_object_get(res, "tests"), i, t) {
		char *k = test_key(t, by_check);
		if (strcmp(k, key) == 0)
			s += json_number_value(json_object_get(t, "score"));
		free(k);
	}
	return s;
}

/* A CSV field: quoted when it must be (RFC 4180). */
static void csv_field(FILE *f, const char *s, bool last)
{
	if (strpbrk(s, ",\"\n\r")) {
		fputc('"', f);
		for (; *s; s++)
			fputs(*s == '"' ? "\"\"" : (char[]){ *s, 0 }, f);
		fputc('"', f);
	} else {
		fputs(s, f);
	}
	fputc(last ? '\n' : ',', f);
}

static void csv_num(FILE *f, double v, bool last)
{
	fprintf(f, "%g%c", v, last ? '\n' : ',');
}

static struct sub *sub_add(struct sub **subs, size_t *n, size_t *cap, char *name)
{
	if (*n == *cap)
		*subs = realloc(*subs, (*cap = *cap ? 2 * *cap : 16) * sizeof **subs);
	struct sub *s = &(*subs)[(*n)++];
	*s = (struct sub){ .name = name };
	return s;
}

static struct sub *sub_named(struct sub *subs, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(subs[i].name, name) == 0)
			return &subs[i];
	return NULL;
}

/* The roster (a name a line; blank lines and # comments skipped): every
 * name without a results file is added, absent; a results file of a name
 * it lacks is marked unlisted. -1 when it cannot be read. */
static int add_roster(const char *roster, struct sub **subs, size_t *n, size_t *cap)
{
	FILE *f = fopen(roster, "r");
	if (!f)
		return -1;
	size_t had = *n;
	bool *listed = calloc(had + 1, sizeof *listed);
	char line[512];
	while (fgets(line, sizeof line, f)) {
		line[strcspn(line, "\r\n")] = '\0';
		char *name = line + strspn(line, " \t");
		if (!*name || *name == '#')
			continue;
		struct sub *s = sub_named(*subs, had, name);
		if (s)
			listed[s - *subs] = true;
		else if (!sub_named(*subs + had, *n - had, name))
			sub_add(subs, n, cap, xstrdup(name))->absent = true;
	}
	fclose(f);
	for (size_t i = 0; i < had; i++)
		(*subs)[i].unlisted = !listed[i];
	free(listed);
	return 0;
}

static size_t load_subs(const char *dir, const char *roster, struct sub **out, json_t *labs,
                        json_t *checks)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	size_t n = 0, cap = 0;
	struct sub *subs = NULL;
	while (d && (e = readdir(d))) {
		size_t len = strlen(e->d_name);
		if (len < 6 || strcmp(e->d_name + len - 5, ".json") != 0 || e->d_name[0] == '.')
			continue;
		char *path = xasprintf("%s/%s", dir, e->d_name);
		sub_add(&subs, &n, &cap, strndup(e->d_name, len - 5))->res =
			json_load_file(path, 0, NULL);
		free(path);
	}
	if (d)
		closedir(d);
	if (roster && add_roster(roster, &subs, &n, &cap) < 0)
		fprintf(stderr, "grader: cannot read the roster %s: every results file counts\n",
		        roster);
	qsort(subs, n, sizeof *subs, by_name);
	for (size_t k = 0; k < n; k++) {
		size_t i;
		json_t *t;
		json_array_foreach(json_object_get(subs[k].res, "tests"), i, t) {
			char *key = test_key(t, true);
			add_key(labs, extra(t, "lab"));
			add_key(checks, key);
			subs[k].total += json_number_value(json_object_get(t, "score"));
			subs[k].max += json_number_value(json_object_get(t, "max_score"));
			free(key);
		}
	}
	double class_max = 0; /* an absent student's maximum: the class's */
	for (size_t k = 0; k < n; k++)
		class_max = subs[k].max > class_max ? subs[k].max : class_max;
	for (size_t k = 0; k < n; k++)
		subs[k].max = subs[k].absent ? class_max : subs[k].max;
	for (size_t k = 0; k < n; k++) { /* 1 = the highest total; equal totals share a rank */
		subs[k].rank = 1;
		for (size_t j = 0; j < n; j++)
			subs[k].rank += subs[j].total > subs[k].total;
	}
	*out = subs;
	return n;
}

static void write_csv(FILE *f, struct sub *subs, size_t n, json_t *labs, json_t *checks,
                      bool by_check)
{
	size_t i;
	json_t *k;
	csv_field(f, "name", false);
	json_array_foreach(labs, i, k)
		csv_field(f, json_string_value(k), false);
	fputs("total,max,rank", f);
	json_array_foreach(by_check ? checks : NULL, i, k) {
		fputc(',', f);
		csv_field(f, json_string_value(k), i + 1 == json_array_size(checks));
	}
	if (!by_check || json_array_size(checks) == 0)
		fputc('\n', f);
	for (size_t s = 0; s < n; s++) {
		csv_field(f, subs[s].name, false);
		json_array_foreach(labs, i, k)
			csv_num(f, sum_of(subs[s].res, json_string_value(k), false), false);
		fprintf(f, "%g,%g,%d", subs[s].total, subs[s].max, subs[s].rank);
		json_array_foreach(by_check ? checks : NULL, i, k)
			fprintf(f, ",%g", sum_of(subs[s].res, json_string_value(k), true));
		fputc('\n', f);
	}
}

/* For a learning management system's import: a row per student, sorted by
 * name: the name (the student's id as the roster gives it), the total, the
 * maximum, and a column per lab; no rank. */
static void write_lms(FILE *f, struct sub *subs, size_t n, json_t *labs)
{
	size_t i;
	json_t *k;
	fputs("student,total,max", f);
	json_array_foreach(labs, i, k) {
		fputc(',', f);
		csv_field(f, json_string_value(k), i + 1 == json_array_size(labs));
	}
	if (json_array_size(labs) == 0)
		fputc('\n', f);
	for (size_t s = 0; s < n; s++) {
		csv_field(f, subs[s].name, false);
		fprintf(f, "%g,%g", subs[s].total, subs[s].max);
		json_array_foreach(labs, i, k)
			fprintf(f, ",%g", sum_of(subs[s].res, json_string_value(k), false));
		fputc('\n', f);
	}
}

/* ---- the summary ---- */

/* The names of the students flagged so, comma-separated; NULL for none. */
static char *names_where(struct sub *subs, size_t n, bool absent)
{
	char *list = NULL;
	for (size_t s = 0; s < n; s++)
		if (absent ? subs[s].absent : subs[s].unlisted)
			strappend(&list, "%s%s", list ? ", " : "", subs[s].name);
	return list;
}

/* A check's name in the summary: "04-pool-ordering unit" for any of unit's tests. */
static char *check_of(json_t *t)
{
	const char *id = extra(t, "id");
	return xasprintf("%s %.*s", extra(t, "lab"), (int)strcspn(id, "/"), id);
}

/* Per check: how many submissions failed it (a submission once, however
 * many of its tests failed), how many did not submit the lab. */
static void tally(struct sub *subs, size_t n, json_t *failed, json_t *missing)
{
	for (size_t s = 0; s < n; s++) {
		json_t *seen = json_object();
		size_t i;
		json_t *t;
		json_array_foreach(json_object_get(subs[s].res, "tests"), i, t) {
			bool absent = strcmp(extra(t, "verdict"), "not submitted") == 0;
			/* Inconclusive rows are listed apart (write_doubts): not the code's failing. */
			bool bad = strcmp(json_string_value(json_object_get(t, "status")), "passed") != 0 &&
			           strcmp(extra(t, "verdict"), "inconclusive") != 0;
			char *key = absent ? xstrdup(extra(t, "lab")) : check_of(t);
			json_t *into = absent ? missing : failed;
			if (bad && !json_object_get(seen, key)) {
				json_object_set_new(seen, key, json_true());
				json_t *c = json_object_get(into, key);
				json_object_set_new(into, key, json_integer(json_integer_value(c) + 1));
			}
			free(key);
		}
		json_decref(seen);
	}
}

/* Every inconclusive row, with the command that grades it again: the
 * machine could not judge it, so it is the instructor's to regrade. */
static void write_doubts(FILE *f, struct sub *subs, size_t n)
{
	bool any = false;
	for (size_t s = 0; s < n; s++) {
		size_t i;
		json_t *t;
		json_array_foreach(json_object_get(subs[s].res, "tests"), i, t) {
			if (strcmp(extra(t, "verdict"), "inconclusive") != 0)
				continue;
			if (!any)
				fputs("Inconclusive (the machine could not judge them, not the students' "
				      "code: regrade each on a quiet machine):\n", f);
			any = true;
			fprintf(f, "  %s %s/%s: %s\n", subs[s].name, extra(t, "lab"), extra(t, "id"),
			        *extra(t, "replay") ? extra(t, "replay") : "(no replay line)");
		}
	}
}

static void write_summary(FILE *f, struct sub *subs, size_t n)
{
	size_t full = 0, broken = 0;
	for (size_t s = 0; s < n; s++) {
		full += subs[s].max > 0 && subs[s].total == subs[s].max;
		broken += subs[s].res == NULL && !subs[s].absent;
	}
	fprintf(f, "%zu submission%s graded: %zu with full marks\n", n, n == 1 ? "" : "s", full);
	if (broken)
		fprintf(f, "%zu results file%s could not be read (counted as 0)\n", broken,
		        broken == 1 ? "" : "s");
	char *absent = names_where(subs, n, true), *unlisted = names_where(subs, n, false);
	if (absent)
		fprintf(f, "On the roster with no result (counted as 0): %s\n", absent);
	if (unlisted)
		fprintf(f, "Results of names the roster does not have (a typo?): %s\n", unlisted);
	free(absent);
	free(unlisted);
	json_t *failed = json_object(), *missing = json_object();
	tally(subs, n, failed, missing);
	const char *key;
	json_t *c;
	if (json_object_size(missing)) {
		fputs("Labs not submitted:\n", f);
		json_object_foreach(missing, key, c)
			fprintf(f, "  %-34s by %lld of %zu\n", key, json_integer_value(c), n);
	}
	fputs(json_object_size(failed) ? "Where the class struggles (submissions that failed each check, most first):\n"
	      : "No check failed for anyone.\n", f);
	for (size_t left = json_object_size(failed); left > 0; left--) { /* most failed first */
		const char *top = NULL;
		json_object_foreach(failed, key, c)
			if (!top || json_integer_value(c) > json_integer_value(json_object_get(failed, top)))
				top = key;
		fprintf(f, "  %-34s failed by %lld of %zu\n", top,
		        json_integer_value(json_object_get(failed, top)), n);
		json_object_del(failed, top);
	}
	json_decref(failed);
	json_decref(missing);
	write_doubts(f, subs, n);
}

int gradebook_write(const char *dir, const char *csv, const char *roster, bool by_check,
                    FILE *summary)
{
	json_t *labs = json_array(), *checks = json_array();
	struct sub *subs = NULL;
	size_t n = load_subs(dir, roster, &subs, labs, checks);
	char *tmp = xasprintf("%s.tmp", csv), *sum_path = xasprintf("%s/summary.txt", dir);
	char *lms_path = xasprintf("%s/lms.csv", dir);
	FILE *f = fopen(tmp, "w"), *sf = fopen(sum_path, "w"), *lf = fopen(lms_path, "w");
	int rc = f && sf && lf ? 0 : -1;
	if (f)
		write_csv(f, subs, n, labs, checks, by_check);
	if (lf)
		write_lms(lf, subs, n, labs);
	if (lf && fclose(lf) != 0)
		rc = -1;
	if (sf)
		write_summary(sf, subs, n);
	if (summary)
		write_summary(summary, subs, n);
	if ((f && fclose(f) != 0) || (sf && fclose(sf) != 0) || (rc == 0 && rename(tmp, csv) < 0))
		rc = -1;
	if (rc < 0)
		fprintf(stderr, "grader: cannot write the gradebook %s, %s or %s\n", csv, sum_path,
		        lms_path);
	for (size_t s = 0; s < n; s++) {
		free(subs[s].name);
		json_decref(subs[s].res);
	}
	free(subs); free(tmp); free(sum_path); free(lms_path);
	json_decref(labs);
	json_decref(checks);
	return rc;
}
