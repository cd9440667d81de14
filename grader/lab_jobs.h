/* lab_jobs.h - a lab's untimed checks at once.
 *
 * One lab graded alone (`make grade LAB=NN`) used to run its checks one
 * after the other while the machine's other CPUs idled, and the checks
 * mostly wait (tests sleep, Helgrind starts up). Now the checks that need
 * no machine of their own (every kind but a timed one: scheduler.h) run at
 * once, each in a process of its own, on a copy of the built scratch taken
 * before any student code ran there, as a uid of its own (scheduler.c's
 * worker numbers), at most `slots` at a time. The hidden checks are one
 * job (they share their stage). Each job hands its rows back (rows_io.h)
 * and whether the code hung, so a later timed check is cut as before.
 * The timed checks run after, alone, in the built scratch itself.
 *
 * A hung check whose stacks gdb could not read (ctx->unread: the other
 * checks' threads may have spun on every CPU meanwhile) is not believed:
 * its rows stay as planned and the caller runs it again, alone.
 *
 * Interface:
 *   struct check_span  a check and its rows (ctx->rs->rows[row .. row+n)).
 *   lab_jobs_run       runs spans[0..nspans) at once; done(ctx, span, s)
 *                      is called in this process as each check's rows are
 *                      back, s its time, and ends[i] tells how span i
 *                      ended (SPAN_REDO: done was not called, run it
 *                      alone). A job whose process died leaves its rows
 *                      "grader error", saying so. false, with nothing
 *                      run, when it had no folder to work in.
 */
#ifndef LAB_JOBS_H
#define LAB_JOBS_H

#include "checks.h"

struct check_span {
	json_t *check;
	size_t row, n;
};

typedef void span_done_fn(struct lab_ctx *ctx, const struct check_span *span, double seconds);

enum span_end { SPAN_DONE, SPAN_HUNG, SPAN_REDO };

bool lab_jobs_run(struct lab_ctx *ctx, const struct check_span *spans, size_t nspans,
                  int slots, span_done_fn *done, enum span_end *ends);

/* Parts of one check at once (a unit check's seeds): part(ctx, i, arg) for
 * i in 0..nparts-1, each in a process and a scratch copy of its own, at most
 * slots at once, on the rows ctx->rs->rows[row .. row+nrows); it returns a
 * small number of its own. Once all ended, back(ctx, i, rows, result, arg)
 * is called for each in the order of i, with that part's rows (NULL, result
 * -1: its process left none); back decides what a hang means. false, with
 * nothing run, when there was no folder to work in. */
typedef int part_fn(struct lab_ctx *ctx, size_t i, void *arg);
typedef void part_back_fn(struct lab_ctx *ctx, size_t i, struct result *rows, int result,
                          void *arg);
bool lab_parts_run(struct lab_ctx *ctx, size_t nparts, int slots, size_t row, size_t nrows,
                   part_fn *part, part_back_fn *back, void *arg);

#endif /* LAB_JOBS_H */
