/* rows_io.h - rows graded in a task's process, handed back to the parent.
 *
 * Interface:
 *   rows_save  writes rows[first .. first+n) of rs (and rs->release) to path;
 *              rows_save_notes, with the notes the process added to rs's.
 *   rows_load  overwrites the same rows of the parent's rs with the file's;
 *              -1 when the file is missing or holds another number of rows
 *              (the rows then stay as planned: "grader error"), and appends
 *              the notes the file holds to rs's.
 */
#ifndef ROWS_IO_H
#define ROWS_IO_H

#include "grader.h"

int rows_save(const char *path, const struct results *rs, size_t first, size_t n);
int rows_save_notes(const char *path, const struct results *rs, size_t first, size_t n,
                    const char *notes);
int rows_load(const char *path, struct results *rs, size_t first, size_t n);

#endif /* ROWS_IO_H */
