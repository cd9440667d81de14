/* report.h - every report of one run comes from the same struct results.
 *
 * Interface:
 *   report_text    the human report: a block per lab, a line per row,
 *                  colour when `color` (a tty without NO_COLOR); `flags`:
 *                  REPORT_RAW adds raw tool reports, REPORT_VERBOSE the
 *                  run's notes whole (else a long note shows its first clause).
 *   report_json    Gradescope's results.json.
 *   report_junit   JUnit XML: a testsuite per lab, a testcase per row.
 *   report_tap     TAP version 13.
 *   report_autolab Autolab's last line: {"scores": {...}}, a key per row:
 *                  its lab and stable id ("01-stdout-race/unit/test_x"), a
 *                  lab's hidden rows summed under "<lab>/hidden".
 *   report_autolab_problems  the same names as Autolab's problem list (YAML
 *                  for the assessment's config), with each one's points.
 * The file writers return 0, or -1 with a message on stderr.
 */
#ifndef REPORT_H
#define REPORT_H

#include <stdbool.h>
#include <stdio.h>
#include "grader.h"

enum { REPORT_RAW = 1, REPORT_VERBOSE = 2 }; /* true still means REPORT_RAW */
void report_text(FILE *f, const struct results *rs, bool color, int flags);
int report_json(const char *path, const struct results *rs);
int report_junit(const char *path, const struct results *rs);
int report_tap(const char *path, const struct results *rs);
void report_autolab(FILE *f, const struct results *rs);
void report_autolab_problems(FILE *f, const struct results *rs);
/* Student text made safe for every report: valid UTF-8, no control
 * characters but newline and tab. A fresh heap string. */
char *report_clean(const char *s);

#endif /* REPORT_H */
