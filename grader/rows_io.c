/* rows_io.c - a lab graded in its own process (scheduler.c) hands its rows back
 * to the grader that planned them through a file: every field of struct
 * result, as JSON, and the notes it added to the run. Not a report: nothing
 * outside the grader reads it. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "grader.h"
#include "rows_io.h"

static json_t *str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

static json_t *row_to_json(const struct result *r)
{
	json_t *o = json_object();
	json_object_set_new(o, "output", str_or_null(r->output));
	json_object_set_new(o, "replay", str_or_null(r->replay));
	json_object_set_new(o, "raw", str_or_null(r->raw));
	json_object_set_new(o, "id", str_or_null(r->id));
	json_object_set_new(o, "name", str_or_null(r->name));
	json_object_set_new(o, "score", json_real(isfinite(r->score) ? r->score : 0));
	json_object_set_new(o, "max_score", json_real(isfinite(r->max_score) ? r->max_score : 0));
	json_object_set_new(o, "distrusted", json_boolean(r->distrusted));
	json_object_set_new(o, "verdict", json_integer(r->verdict));
	json_object_set_new(o, "seconds", json_real(isfinite(r->seconds) ? r->seconds : 0));
	json_object_set_new(o, "show_on_pass", json_boolean(r->show_on_pass));
	json_object_set_new(o, "hidden", json_boolean(r->hidden));
	if (r->timeline)
		json_object_set(o, "timeline", r->timeline);
	return o;
}

int rows_save(const char *path, const struct results *rs, size_t first, size_t n)
{
	return rows_save_notes(path, rs, first, n, NULL);
}

int rows_save_notes(const char *path, const struct results *rs, size_t first, size_t n,
                    const char *notes)
{
	json_t *rows = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(rows, row_to_json(&rs->rows[first + i]));
	json_t *root = json_pack("{s:o, s:b, s:s?}", "rows", rows, "release", rs->release,
	                         "notes", notes && *notes ? notes : NULL);
	int rc = root ? json_dump_file(root, path, JSON_COMPACT) : -1;
	json_decref(root);
	return rc;
}

static void take_str(char **field, json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	free(*field);
	*field = s ? xstrdup(s) : NULL;
}

int rows_load(const char *path, struct results *rs, size_t first, size_t n)
{
	json_t *root = json_load_file(path, 0, NULL), *rows = json_object_get(root, "rows");
	if (json_array_size(rows) != n) {
		json_decref(root);
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		struct result *r = &rs->rows[first + i];
		json_t *o = json_array_get(rows, i);
		take_str(&r->output, o, "output");
		take_str(&r->replay, o, "replay");
		take_str(&r->raw, o, "raw");
		take_str(&r->id, o, "id");
		take_str(&r->name, o, "name");
		r->score = json_number_value(json_object_get(o, "score"));
		r->max_score = json_number_value(json_object_get(o, "max_score"));
		r->distrusted = json_is_true(json_object_get(o, "distrusted"));
		r->verdict = (enum verdict)json_integer_value(json_object_get(o, "verdict"));
		r->seconds = json_number_value(json_object_get(o, "seconds"));
		r->show_on_pass = json_is_true(json_object_get(o, "show_on_pass"));
		r->hidden = json_is_true(json_object_get(o, "hidden"));
		json_decref(r->timeline);
		r->timeline = json_incref(json_object_get(o, "timeline"));
	}
	rs->release |= json_is_true(json_object_get(root, "release"));
	const char *notes = json_string_value(json_object_get(root, "notes"));
	if (notes) /* lines, each ending in a newline (results_note) */
		strappend(&rs->notes, "%s", notes);
	json_decref(root);
	return 0;
}
