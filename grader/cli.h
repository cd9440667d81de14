/* cli.h - what the command line asks for, checked before anything runs, so
 * that a typo is a usage error (exit 2) that lists the valid names, never an
 * empty grade.
 *
 * Interface:
 *   cli_labs       the lab folders LAB= names (every word must match one).
 *   cli_seed       SEED=: a chaos seed, a whole number 0 .. 4294967295.
 *   cli_checks     CHECK=: check names, row ids (unit/test_x) or test names,
 *                  resolved to the check names the labs' specs know.
 *   cli_replay_of  the total line's label of a replay ("unit (seed 3)").
 *   cli_score_cmd  the command that grades for a score ("make grade LAB=01").
 * On a usage error each returns -1 (or NULL) and a message in *why.
 */
#ifndef CLI_H
#define CLI_H

#include <jansson.h>
#include <stddef.h>

/* Lab folders of root/labs with a lab.json that `want` names ("01",
 * "1,02", "01-stdout-race"; NULL or empty: all), sorted, NULL-terminated. */
char **cli_labs(const char *root, const char *want, size_t *n, char **why);
void cli_labs_free(char **labs);
int cli_seed(const char *arg, long *seed, char **why);
/* SCHEDULE=: one controlled schedule to replay; 0, or -1 with *why. */
int cli_schedule(const char *arg, char **why);
/* specs[i] is labs[i]'s parsed lab.json (NULL when it did not parse). On
 * success *resolved is the comma list of check names to run (NULL when they
 * are all of every lab's checks: the full grade) and *said, when not NULL,
 * tells the user how a name was read ("test_x is a test of unit"). */
int cli_checks(const char *arg, char **labs, json_t **specs, char **resolved,
               char **said, char **why);
char *cli_replay_of(const char *checks, long seed);
char *cli_score_cmd(const char *labs_arg, const char *submission_arg);

#endif /* CLI_H */
