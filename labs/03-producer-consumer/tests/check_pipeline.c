/* check_pipeline.c - part B's Check tests: the pipeline's image equals the
 * harness's sequential one byte for byte, every chunk is filtered and placed
 * once, the workers filter and one consumer places, the queues bound what is
 * in flight, and every thread is joined; under seeded chaos (CHAOS_SEED=N
 * replays a run). The harness's watch (filter.c) sees every call of
 * filter_rows and image_place. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_main.h"
#include "common.h"
#include "harness.h"
#include "prodcons.h"

static void setup(void)
{
	chaos_init();
	filter_set_cost_ms(0);
	image_set_place_ms(0);
}

struct shape {
	int width, height, nworkers, chunk_rows, capacity, cost_ms;
	int place_ms;		/* a slow consumer: chunks pile up before it */
};

static void describe(const struct shape *s, char *buf, size_t n)
{
	snprintf(buf, n, "a %d x %d image, %d worker%s, chunks of %d rows, queues of capacity %d",
		 s->width, s->height, s->nworkers, s->nworkers == 1 ? "" : "s", s->chunk_rows,
		 s->capacity);
}

/* Runs the student's pipeline on shape s under the watch; checks the image. */
static struct watch_report run_shape(const struct shape *s, unsigned long seed)
{
	struct pipeline_config cfg = { s->nworkers, s->chunk_rows, s->capacity };
	struct image in, out, want;
	struct watch_report r;
	int nchunks = (s->height + s->chunk_rows - 1) / s->chunk_rows;
	char what[160];

	describe(s, what, sizeof(what));
	image_new(&in, s->width, s->height, seed);
	image_new(&out, s->width, s->height, 0);
	image_new(&want, s->width, s->height, 0);
	filter_sequential(&in, &want, s->chunk_rows);
	filter_set_cost_ms(s->cost_ms);
	image_set_place_ms(s->place_ms);
	watch_start(s->height, s->chunk_rows);
	pipeline_run(&in, &out, &cfg);
	r = watch_stop();	/* at once: what was placed by the time it returned */
	filter_set_cost_ms(0);
	image_set_place_ms(0);
	ck_assert_msg(r.place_calls >= nchunks, "with %s, pipeline_run returned when %d of "
		      "its %d chunks had been placed: every chunk must reach the consumer, and "
		      "pipeline_run returns only once the consumer has placed the last one and "
		      "been joined", what, r.place_calls, nchunks);
	for (int y = 0; y < s->height; y++) {
		size_t row = (size_t)y * (size_t)s->width;

		ck_assert_msg(memcmp(out.pixels + row, want.pixels + row, (size_t)s->width) == 0,
			      "with %s, row %d of the image differs from the sequential filter's "
			      "(%d chunk%s placed in all)", what, y, r.place_calls,
			      r.place_calls == 1 ? "" : "s");
	}
	image_free(&want);
	image_free(&out);
	image_free(&in);
	return r;
}

static const struct shape shapes[] = {
	{ 40, 50, 1, 4, 1, 0, 0 },	/* one worker, the smallest queues */
	{ 40, 50, 3, 7, 2, 0, 0 },	/* 7 does not divide 50: the last chunk is short */
	{ 33, 64, 8, 1, 4, 0, 0 },	/* a chunk a row */
	{ 20, 30, 4, 100, 2, 0, 0 },	/* one chunk, taller than the image */
	{ 64, 96, 6, 4, 3, 1, 0 },	/* 24 chunks of 1 ms */
	{ 24, 40, 3, 2, 2, 0, 1 },	/* a slow consumer */
};
#define NSHAPES (sizeof(shapes) / sizeof(shapes[0]))

START_TEST(test_pipeline_matches_sequential)
{
	for (size_t i = 0; i < NSHAPES; i++)
		(void)run_shape(&shapes[i], 11 + i);
}
END_TEST

START_TEST(test_pipeline_each_chunk_once)
{
	for (size_t i = 0; i < NSHAPES; i++) {
		struct watch_report r = run_shape(&shapes[i], 21 + i);
		char what[160];

		describe(&shapes[i], what, sizeof(what));
		ck_assert_msg(r.rows_filtered_not_once == 0, "with %s, %d rows were filtered "
			      "never or more than once (row %d first): every chunk must go to "
			      "exactly one worker", what, r.rows_filtered_not_once, r.first_bad_row);
		ck_assert_msg(r.rows_placed_not_once == 0, "with %s, %d rows were placed never "
			      "or more than once (row %d first): every filtered chunk must reach "
			      "the consumer exactly once", what, r.rows_placed_not_once,
			      r.first_bad_row);
		ck_assert_msg(r.bad_chunks == 0, "with %s, a chunk placed rows %d to %d of the "
			      "%d-row image (%d such chunk%s): chunk k starts at row k * %d and holds "
			      "%d rows, the last one only the rows that are left", what, r.bad_row0,
			      r.bad_row0 + r.bad_nrows - 1, shapes[i].height, r.bad_chunks,
			      r.bad_chunks == 1 ? "" : "s", shapes[i].chunk_rows,
			      shapes[i].chunk_rows);
	}
}
END_TEST

START_TEST(test_pipeline_workers_and_one_consumer)
{
	for (size_t i = 0; i < NSHAPES; i++) {
		struct watch_report r = run_shape(&shapes[i], 31 + i);
		char what[160];

		describe(&shapes[i], what, sizeof(what));
		ck_assert_msg(r.place_threads == 1, "with %s, image_place was called by %d "
			      "threads: one consumer thread places every chunk", what,
			      r.place_threads);
		ck_assert_msg(!r.placer_filtered, "with %s, the thread that called image_place "
			      "also called filter_rows: the workers filter, and a consumer thread "
			      "of its own places what they filtered", what);
		ck_assert_msg(r.max_filtering <= shapes[i].nworkers, "with %s, %d filter_rows "
			      "calls ran at once: never more than the %d workers asked for", what,
			      r.max_filtering, shapes[i].nworkers);
	}
}
END_TEST

/* 32 chunks of 1 ms through queues of capacity 2 to a consumer that takes
 * 2 ms a chunk: what was filtered but not yet placed is in the done queue,
 * or held by a worker waiting to put it, or by the consumer: capacity +
 * nworkers + 1 at most. */
START_TEST(test_pipeline_bounded_in_flight)
{
	static const struct shape s = { 32, 64, 3, 2, 2, 1, 2 };
	struct watch_report r = run_shape(&s, 41);
	int bound = s.capacity + s.nworkers + 1;

	ck_assert_msg(r.max_backlog <= bound, "with 3 workers and queues of capacity 2, %d "
		      "filtered chunks were waiting to be placed at once (at most %d can be: "
		      "2 in the done queue, 1 held by each worker, 1 by the consumer): the "
		      "filtered chunks must go through a bounded queue to a consumer that "
		      "places them as they come", r.max_backlog, bound);
}
END_TEST

START_TEST(test_pipeline_joins_every_thread)
{
	static const struct shape s = { 16, 40, 5, 3, 2, 0, 1 };	/* a slow consumer */
	int before = harness_threads_now(), after;

	for (int round = 0; round < 3; round++) {
		struct watch_report r = run_shape(&s, 51 + round);

		ck_assert_msg(r.place_calls == 14, "pipeline_run returned when %d of 14 chunks "
			      "were placed (round %d): it may return only once the consumer has "
			      "placed every chunk and been joined", r.place_calls, round + 1);
		after = harness_threads_settled(before);
		ck_assert_msg(after == before, "pipeline_run returned with %d threads still "
			      "running (round %d): it returns only after joining every thread "
			      "it started, workers and consumer", after - before, round + 1);
	}
}
END_TEST

int main(void)
{
	const TTest *const tests[] = {
		test_pipeline_matches_sequential,
		test_pipeline_each_chunk_once,
		test_pipeline_workers_and_one_consumer,
		test_pipeline_bounded_in_flight,
		test_pipeline_joins_every_thread,
		NULL
	};

	return check_main(check_suite("pipeline", setup, tests));
}
