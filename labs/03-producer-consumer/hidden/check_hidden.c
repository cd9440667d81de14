/* check_hidden.c - lab 03's hidden tests (instructor-only, left out of the
 * student release): the contract's corners that the visible tests leave
 * alone - a close that lands while producers and consumers are busy; two
 * queues alive at once, one closed and the other not; pipelines whose shapes
 * are extreme (a one-pixel image, more workers than chunks).
 *
 * Worker threads never call ck_assert: they record what they saw, and the
 * test asserts once every thread is joined. */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_main.h"
#include "common.h"
#include "harness.h"
#include "prodcons.h"

#define BUSY_PRODUCERS 3
#define BUSY_CONSUMERS 3
#define BUSY_MAX 100000		/* items a producer tries at most */
#define PINGS 400

static void setup(void)
{
	chaos_init();
	filter_set_cost_ms(0);
}

/* ---- a close in the middle of the traffic ---- */

struct busy {
	struct queue *q;
	char *accepted;		/* per item: 1 when its put returned true */
	char *got;		/* per item: times it was got (written by its one getter) */
	int duplicates;		/* seq_cst atomics only */
};

static void busy_producer(void *arg, int p)
{
	struct busy *b = arg;

	for (int i = 0; i < BUSY_MAX; i++) {
		int id = p * BUSY_MAX + i;

		/* Marked before the put: a consumer may get it before put returns. */
		b->accepted[id] = 1;
		if (!queue_put(b->q, (void *)(intptr_t)id)) {
			b->accepted[id] = 0;
			return;
		}
	}
}

static void *busy_consumer(void *arg)
{
	struct busy *b = arg;
	void *item;

	while (queue_get(b->q, &item)) {
		int id = (int)(intptr_t)item;

		if (__atomic_fetch_add(&b->got[id], 1, __ATOMIC_SEQ_CST) != 0)
			__atomic_store_n(&b->duplicates, 1, __ATOMIC_SEQ_CST);
	}
	return NULL;
}

static void *busy_closer(void *arg)
{
	struct busy *b = arg;

	work_sleep_ms(30);
	queue_close(b->q);
	return NULL;
}

START_TEST(test_hidden_close_while_busy)
{
	struct busy b = { .q = queue_new(2) };
	pthread_t cons[BUSY_CONSUMERS], closer;
	size_t n = (size_t)BUSY_PRODUCERS * BUSY_MAX;
	int lost = 0, accepted = 0, phantom = 0;

	b.accepted = Calloc(n, 1);
	b.got = Calloc(n, 1);
	for (int c = 0; c < BUSY_CONSUMERS; c++)
		Pthread_create(&cons[c], NULL, busy_consumer, &b);
	Pthread_create(&closer, NULL, busy_closer, &b);
	harness_run_threads(BUSY_PRODUCERS, busy_producer, &b);	/* until their puts fail */
	Pthread_join(closer, NULL);
	for (int c = 0; c < BUSY_CONSUMERS; c++)
		Pthread_join(cons[c], NULL);
	for (size_t i = 0; i < n; i++) {
		accepted += b.accepted[i];
		lost += b.accepted[i] && !b.got[i];
		phantom += !b.accepted[i] && b.got[i];
	}
	ck_assert_msg(!b.duplicates, "an item was got twice while the queue was closed under load");
	ck_assert_msg(lost == 0, "%d of the %d items whose put returned true before the close "
		      "were never got: a put that returns true has added its item, and gets "
		      "drain every item before they report closed", lost, accepted);
	ck_assert_msg(phantom == 0, "%d items whose put returned false were got anyway: a put "
		      "that fails must add nothing", phantom);
	ck_assert_msg(accepted > 0, "no put succeeded in the 30 ms before the close");
	queue_free(b.q);
	free(b.accepted);
	free(b.got);
}
END_TEST

/* ---- two queues at once: nothing may be shared between them ---- */

struct pair {
	struct queue *ping, *pong;
	int bad;		/* seq_cst atomics only */
};

/* Takes each ping and sends it back as a pong, until ping is closed. */
static void *echo_main(void *arg)
{
	struct pair *p = arg;
	void *item;

	while (queue_get(p->ping, &item))
		if (!queue_put(p->pong, item))
			__atomic_store_n(&p->bad, 1, __ATOMIC_SEQ_CST);
	return NULL;
}

START_TEST(test_hidden_two_queues_apart)
{
	struct pair p = { queue_new(1), queue_new(3), 0 };
	pthread_t echo;
	void *item = NULL;

	Pthread_create(&echo, NULL, echo_main, &p);
	for (int i = 0; i < PINGS; i++) {
		ck_assert(queue_put(p.ping, (void *)(intptr_t)i));
		ck_assert_msg(queue_get(p.pong, &item) && (intptr_t)item == i, "ping %d came back "
			      "as %ld: two queues alive at once must not share their items", i,
			      (long)(intptr_t)item);
	}
	queue_close(p.ping);
	Pthread_join(echo, NULL);
	ck_assert_msg(!p.bad, "a put into the open pong queue failed: closing one queue must "
		      "not close another (no global or static state in queue.c)");
	ck_assert_msg(queue_put(p.pong, (void *)1), "closing the ping queue closed the pong "
		      "queue too: each queue has its own state");
	ck_assert(queue_get(p.pong, &item) && (intptr_t)item == 1);
	queue_free(p.ping);
	queue_free(p.pong);
}
END_TEST

/* ---- pipelines of extreme shapes ---- */

static void expect_pipeline(int width, int height, struct pipeline_config cfg)
{
	struct image in, out, want;

	image_new(&in, width, height, 77);
	image_new(&out, width, height, 0);
	image_new(&want, width, height, 0);
	filter_sequential(&in, &want, cfg.chunk_rows);
	pipeline_run(&in, &out, &cfg);
	ck_assert_msg(memcmp(out.pixels, want.pixels, (size_t)width * (size_t)height) == 0,
		      "a %d x %d image with %d workers, chunks of %d rows and queues of capacity "
		      "%d does not equal the sequential filter's", width, height, cfg.nworkers,
		      cfg.chunk_rows, cfg.capacity);
	image_free(&want);
	image_free(&out);
	image_free(&in);
}

START_TEST(test_hidden_pipeline_extreme_shapes)
{
	expect_pipeline(1, 1, (struct pipeline_config){ 1, 1, 1 });
	expect_pipeline(1, 9, (struct pipeline_config){ 2, 2, 1 });
	expect_pipeline(7, 5, (struct pipeline_config){ 16, 3, 1 });	/* 2 chunks, 16 workers */
	expect_pipeline(300, 2, (struct pipeline_config){ 3, 1, 8 });
}
END_TEST

int main(void)
{
	const TTest *const tests[] = {
		test_hidden_close_while_busy,
		test_hidden_two_queues_apart,
		test_hidden_pipeline_extreme_shapes,
		NULL
	};

	return check_main(check_suite("hidden", setup, tests));
}
