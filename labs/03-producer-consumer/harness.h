/* harness.h - helpers the lab 03 programs share. Harness-owned: queue.c and
 * pipeline.c never use these, and the names start with harness_, image_ or
 * watch_ so they cannot clash with a student's. */
#ifndef HARNESS_H
#define HARNESS_H

#include <stdbool.h>
#include <stdint.h>

#include "prodcons.h"

/* filter.c: the images. image_new gives width x height pixels drawn from
 * seed (0 gives all zero); image_free releases them. */
void image_new(struct image *img, int width, int height, unsigned long seed);
void image_free(struct image *img);

/* Every call of filter_rows sleeps ms (default 0): the simulated per-chunk
 * cost that the workers share out. */
void filter_set_cost_ms(int ms);
/* Every call of image_place sleeps ms (default 0): a slow consumer, so that
 * filtered chunks pile up in front of it. */
void image_set_place_ms(int ms);

/* The harness's sequential answer, and the speedup baseline: cuts in into
 * chunks of chunk_rows rows and filters and places each in turn, on the
 * calling thread. Same filter_rows calls as a pipeline, so the same cost. */
void filter_sequential(const struct image *in, struct image *out, int chunk_rows);

/* The watch: while on, filter_rows and image_place record who called them
 * and when (under a harness lock, so never in a race scenario). */
struct watch_report {
	int height;
	int rows_filtered_not_once;	/* rows filtered 0 or 2+ times */
	int rows_placed_not_once;	/* rows placed 0 or 2+ times */
	int first_bad_row;		/* the first such row, or -1 */
	int filter_calls, place_calls;
	int bad_chunks;			/* place calls not cut at a multiple of chunk_rows */
	int bad_row0, bad_nrows;	/* the first such call's rows */
	int filter_threads;		/* distinct threads that called filter_rows */
	int place_threads;		/* distinct threads that called image_place */
	bool placer_filtered;		/* a thread that placed also filtered */
	int max_filtering;		/* filter_rows calls running at once, at most */
	int max_backlog;		/* chunks filtered, not yet being placed, at most */
};
void watch_start(int height, int chunk_rows);
struct watch_report watch_stop(void);

#endif /* HARNESS_H */
