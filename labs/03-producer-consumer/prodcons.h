/* prodcons.h - lab 03's contract: a bounded blocking queue (part A) and a
 * producer -> workers -> consumer pipeline built on it (part B).
 * Harness-owned: do not edit.
 *
 * Interface, part A (queue.c), Python's queue.Queue(maxsize) in C:
 *   queue_new(capacity)      an empty, open queue holding at most capacity items
 *   queue_free(q)            releases the queue; no thread may still use it
 *   queue_put(q, item)       waits while the queue is full, then adds item at the
 *                            back and returns true; returns false without adding
 *                            it once the queue is closed (a put waiting when the
 *                            queue is closed returns false too)
 *   queue_get(q, &item)      waits while the queue is empty and open, then takes
 *                            the front item into *item and returns true; returns
 *                            false, leaving *item alone, when the queue is closed
 *                            and empty: items put before the close are still got
 *   queue_close(q)           closes the queue and wakes every waiting thread;
 *                            closing twice is allowed
 *   Items are any pointers, NULL included; the queue never reads through them.
 *   Any thread, any time. Waiting means Pthread_cond_wait (common.h) on a
 *   condition variable: never a loop that polls, sleeps or yields. Every
 *   pthread call goes through common.h's wrappers (Pthread_mutex_lock, ...).
 *
 * Interface, part B (pipeline.c):
 *   pipeline_run(in, out, cfg)  filters the image in into out: cuts in into
 *                            chunks of cfg->chunk_rows rows (the last may be
 *                            shorter), cfg->nworkers worker threads each take
 *                            chunks from a queue and filter them with
 *                            filter_rows, and one consumer thread puts every
 *                            filtered chunk in its place with image_place.
 *                            Both queues hold at most cfg->capacity chunks.
 *                            Returns when out is complete and every thread it
 *                            started has been joined.
 *   filter_rows and image_place are the harness's (filter.c): call them, do
 *   not write your own.
 */
#ifndef PRODCONS_H
#define PRODCONS_H

#include <stdbool.h>

/* ---- part A: queue.c ---- */
struct queue;                                /* opaque: defined by the student in queue.c */
struct queue *queue_new(int capacity);       /* capacity >= 1 */
void queue_free(struct queue *q);
bool queue_put(struct queue *q, void *item); /* true: added; false: closed, not added */
bool queue_get(struct queue *q, void **item); /* true: *item taken; false: closed and empty */
void queue_close(struct queue *q);

/* ---- part B: pipeline.c ---- */
struct image {
	int width, height;      /* >= 1 each */
	unsigned char *pixels;  /* width * height bytes, row after row */
};

struct pipeline_config {
	int nworkers;           /* worker threads, >= 1 */
	int chunk_rows;         /* rows in a chunk, >= 1 (the last chunk may have fewer) */
	int capacity;           /* capacity of each queue, >= 1 */
};

void pipeline_run(const struct image *in, struct image *out,
		  const struct pipeline_config *cfg);

/* ---- given: filter.c (the harness's) ----
 * filter_rows: filters rows row0 .. row0 + nrows - 1 of in into rows, which
 * holds nrows * in->width bytes; reads in only, so any number of threads may
 * call it at once. Each call costs the simulated time of one chunk.
 * image_place: copies those nrows filtered rows into rows row0 .. of out. */
void filter_rows(const struct image *in, int row0, int nrows, unsigned char *rows);
void image_place(struct image *out, int row0, int nrows, const unsigned char *rows);

#endif /* PRODCONS_H */
