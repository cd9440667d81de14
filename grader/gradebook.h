/* gradebook.h - one gradebook from a folder of results files.
 *
 * Interface:
 *   gradebook_write  reads dir/<name>.json (Gradescope's results.json, as
 *                    the grader writes it) and writes csv: a row per
 *                    submission (sorted by name): name, a column per lab,
 *                    total, max, rank (1 = highest total); with by_check a
 *                    column per row id after them ("04-pool-ordering/unit/
 *                    test_x"). Also dir/summary.txt, and the same summary to
 *                    `summary` unless NULL: how many have full marks, which
 *                    labs were not submitted, how many failed each check.
 *                    With a roster (a file, a name a line), every name on
 *                    it has a row: one with no results file counts 0 of
 *                    the class's maximum, and the summary lists those and
 *                    the results of names it lacks. Also dir/lms.csv, for
 *                    a learning management system's import: student,
 *                    total, max, a column per lab. 0, or -1 with a message
 *                    on stderr.
 */
#ifndef GRADEBOOK_H
#define GRADEBOOK_H

#include <stdbool.h>
#include <stdio.h>

int gradebook_write(const char *dir, const char *csv, const char *roster, bool by_check,
                    FILE *summary);

#endif /* GRADEBOOK_H */
