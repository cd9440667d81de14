/* harness.h - helpers the lab 01 programs share. Harness-owned: tasks.c
 * never uses these, and the names start with harness_ so they cannot clash
 * with a student's. */
#ifndef HARNESS_H
#define HARNESS_H

#include <stddef.h>

struct board;

/* run_tasks.c (needs tasks.c): runs task_run(b, i, work_ms) for i in
 * 0..ntasks-1, one thread per task, every thread created before the first
 * is joined. */
void harness_run_tasks(struct board *b, int ntasks, int work_ms);

/* harness.c (needs only common/): a descriptor open for writing on
 * /dev/null, for a board nobody reads. */
int harness_devnull(void);

/* harness.c: writes s[0..n) into dst (cap bytes) as a C string literal,
 * cut after 48 characters, for the tests' messages. */
void harness_quote(char *dst, size_t cap, const char *s, size_t n);

#endif /* HARNESS_H */
