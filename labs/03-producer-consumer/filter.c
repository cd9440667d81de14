/* filter.c - the given half of part B: the images, the filter a worker
 * applies (a 3x3 box blur, edges clamped), image_place, the sequential
 * answer, and the watch that tells the tests who called what. */
#include "harness.h"

#include <stdlib.h>
#include <string.h>

#include "common.h"

/* Read by every filter_rows and image_place call; set only while no
 * pipeline runs. */
static int cost_ms, place_ms;

void filter_set_cost_ms(int ms)
{
	cost_ms = ms;
}

void image_set_place_ms(int ms)
{
	place_ms = ms;
}

void image_new(struct image *img, int width, int height, unsigned long seed)
{
	unsigned long state = seed;

	img->width = width;
	img->height = height;
	img->pixels = Calloc((size_t)width * (size_t)height, 1);
	if (seed != 0)
		for (size_t i = 0; i < (size_t)width * (size_t)height; i++)
			img->pixels[i] = (unsigned char)(harness_rand(&state) >> 24);
}

void image_free(struct image *img)
{
	free(img->pixels);
	img->pixels = NULL;
}

/* ---- the watch: one harness lock, held only inside these calls ----
 * watching is written only by watch_start and watch_stop, which run while
 * no pipeline does: unwatched calls (the race scenarios, the benchmarks)
 * never touch the lock, so it cannot order, and hide, a student's race. */
static bool watching;

#define WATCH_THREADS 64

static struct watch {
	pthread_mutex_t lock;
	// lock must be held when using these:
	bool on;
	int chunk_rows;
	struct watch_report r;
	int *filtered, *placed;		/* per row: times filtered, placed */
	pthread_t filterer[WATCH_THREADS], placer[WATCH_THREADS];
	int filtering;			/* filter_rows calls running now */
	int backlog;			/* filtered chunks not yet being placed */
} w = { .lock = PTHREAD_MUTEX_INITIALIZER };

void watch_start(int height, int chunk_rows)
{
	Pthread_mutex_lock(&w.lock);
	memset(&w.r, 0, sizeof(w.r));
	w.r.height = height;
	w.r.first_bad_row = -1;
	w.chunk_rows = chunk_rows;
	w.filtered = Calloc((size_t)height, sizeof(int));
	w.placed = Calloc((size_t)height, sizeof(int));
	w.filtering = w.backlog = 0;
	w.on = true;
	Pthread_mutex_unlock(&w.lock);
	watching = true;
}

/* Adds self to a set of at most WATCH_THREADS threads; returns its size. */
static int thread_set_add(pthread_t *set, int n)
{
	pthread_t self = pthread_self();

	for (int i = 0; i < n; i++)
		if (pthread_equal(set[i], self))
			return n;
	if (n < WATCH_THREADS)
		set[n++] = self;
	return n;
}

/* Both with w.lock held. */
static void count_rows(int *times, int row0, int nrows)
{
	for (int y = row0; y < row0 + nrows && y < w.r.height; y++)
		if (y >= 0)
			times[y]++;
}

static void watch_filter(int row0, int nrows, int delta)
{
	if (!watching)
		return;
	Pthread_mutex_lock(&w.lock);
	if (w.on && delta > 0) {
		w.r.filter_calls++;
		w.r.filter_threads = thread_set_add(w.filterer, w.r.filter_threads);
		count_rows(w.filtered, row0, nrows);
		if (++w.filtering > w.r.max_filtering)
			w.r.max_filtering = w.filtering;
	} else if (w.on) {
		w.filtering--;
		if (++w.backlog > w.r.max_backlog)
			w.r.max_backlog = w.backlog;
	}
	Pthread_mutex_unlock(&w.lock);
}

static void watch_place(int row0, int nrows)
{
	if (!watching)
		return;
	Pthread_mutex_lock(&w.lock);
	if (w.on) {
		w.r.place_calls++;
		w.r.place_threads = thread_set_add(w.placer, w.r.place_threads);
		count_rows(w.placed, row0, nrows);
		if (row0 % w.chunk_rows != 0 ||
		    nrows != (w.r.height - row0 < w.chunk_rows ? w.r.height - row0 : w.chunk_rows)) {
			if (w.r.bad_chunks++ == 0) {
				w.r.bad_row0 = row0;
				w.r.bad_nrows = nrows;
			}
		}
		w.backlog--;
	}
	Pthread_mutex_unlock(&w.lock);
}

struct watch_report watch_stop(void)
{
	struct watch_report r;

	watching = false;
	Pthread_mutex_lock(&w.lock);
	w.on = false;
	for (int y = 0; y < w.r.height; y++) {
		bool bad_f = w.filtered[y] != 1, bad_p = w.placed[y] != 1;

		w.r.rows_filtered_not_once += bad_f;
		w.r.rows_placed_not_once += bad_p;
		if ((bad_f || bad_p) && w.r.first_bad_row < 0)
			w.r.first_bad_row = y;
	}
	/* A thread that both placed and filtered, in either order. */
	for (int i = 0; i < w.r.place_threads; i++)
		for (int j = 0; j < w.r.filter_threads; j++)
			if (pthread_equal(w.placer[i], w.filterer[j]))
				w.r.placer_filtered = true;
	r = w.r;
	free(w.filtered);
	free(w.placed);
	Pthread_mutex_unlock(&w.lock);
	return r;
}

/* ---- the given functions of the contract ---- */

static unsigned char blur_at(const struct image *in, int x, int y)
{
	unsigned sum = 0;

	for (int dy = -1; dy <= 1; dy++)
		for (int dx = -1; dx <= 1; dx++) {
			int cx = x + dx < 0 ? 0 : x + dx >= in->width ? in->width - 1 : x + dx;
			int cy = y + dy < 0 ? 0 : y + dy >= in->height ? in->height - 1 : y + dy;

			sum += in->pixels[(size_t)cy * (size_t)in->width + (size_t)cx];
		}
	return (unsigned char)((sum + 4) / 9);
}

void filter_rows(const struct image *in, int row0, int nrows, unsigned char *rows)
{
	watch_filter(row0, nrows, +1);
	work_sleep_ms(cost_ms);		/* the chunk's simulated cost */
	for (int y = 0; y < nrows; y++)
		for (int x = 0; x < in->width; x++)
			rows[(size_t)y * (size_t)in->width + (size_t)x] = blur_at(in, x, row0 + y);
	watch_filter(row0, nrows, -1);
}

void image_place(struct image *out, int row0, int nrows, const unsigned char *rows)
{
	int skip = row0 < 0 ? -row0 : 0;
	int end = row0 + nrows > out->height ? out->height : row0 + nrows;

	watch_place(row0, nrows);
	if (place_ms > 0)	/* a slow consumer, when a test wants one; else no work item */
		work_sleep_ms(place_ms);
	/* Rows outside the image are counted by the watch and never written:
	 * the test names the bad chunk instead of a crash far away. */
	if (row0 + skip < end)
		memcpy(out->pixels + (size_t)(row0 + skip) * (size_t)out->width,
		       rows + (size_t)skip * (size_t)out->width,
		       (size_t)(end - row0 - skip) * (size_t)out->width);
}

void filter_sequential(const struct image *in, struct image *out, int chunk_rows)
{
	unsigned char *rows = Malloc((size_t)chunk_rows * (size_t)in->width);

	for (int row0 = 0; row0 < in->height; row0 += chunk_rows) {
		int nrows = in->height - row0 < chunk_rows ? in->height - row0 : chunk_rows;

		filter_rows(in, row0, nrows, rows);
		image_place(out, row0, nrows, rows);
	}
	free(rows);
}
