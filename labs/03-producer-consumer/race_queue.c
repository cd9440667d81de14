/* race_queue.c - the races-queue check's scenario, small enough for
 * Helgrind: two producers put messages they have just written into a queue
 * of capacity 2, two consumers take them and read them, then main closes
 * the queue and both consumers drain it and stop.
 *   usage: race_queue
 * Expected under Helgrind: the reference reports 0 errors. A queue field
 * read or written without the queue's lock is a data race in queue.c; a
 * message read by its consumer that the queue did not hand over under its
 * lock is a race on the message. main closes the queue once both
 * producers are done. Two short phases follow on fresh queues, to show an
 * unlocked close and an unlocked test of closed or count every run. */
#include <stdio.h>
#include <stdlib.h>

#include "common.h"
#include "harness.h"
#include "prodcons.h"

#define PRODUCERS 2
#define CONSUMERS 2
#define MESSAGES 40		/* per producer */

struct message {
	int producer, seq;	/* written by the producer before its put */
};

struct scene {
	struct queue *q;
	long got[CONSUMERS];	/* each consumer's own count */
};

static void producer(void *arg, int p)
{
	struct scene *s = arg;

	for (int i = 0; i < MESSAGES; i++) {
		struct message *m = Malloc(sizeof(*m));

		m->producer = p;
		m->seq = i;
		if (!queue_put(s->q, m))
			app_error("race_queue: a put failed before the close");
	}
}

struct consumer_arg {
	struct scene *s;
	int c;
};

static void *consumer(void *arg)
{
	struct consumer_arg *a = arg;
	void *item;

	while (queue_get(a->s->q, &item)) {
		struct message *m = item;

		if (m->producer < 0 || m->producer >= PRODUCERS || m->seq < 0)
			app_error("race_queue: a message that no producer wrote");
		a->s->got[a->c]++;
		free(m);
	}
	return NULL;
}

/* A consumer of the late phases: waits first (phase 3) or not (phase 2),
 * then gets until the queue reports closed. */
struct late_arg {
	struct queue *q;
	int delay_ms;
	pthread_t tid;
};

static void *late_consumer(void *arg)
{
	struct late_arg *a = arg;
	void *item;

	work_sleep_ms(a->delay_ms);
	while (queue_get(a->q, &item))
		;
	return NULL;
}

/* Two consumers on a fresh queue; main puts nput items and closes it
 * after close_after_ms. Only the sleeps order main and the consumers, and
 * Helgrind does not count a sleep as synchronisation: whatever the queue's
 * lock does not order is reported. Phase 2 (consumers waiting, close
 * later): a close that writes closed before taking the lock. Phase 3 (items
 * and close first, consumers later): a get that reads closed or count
 * before taking it. */
static void late_phase(int consumer_delay_ms, int nput, int close_after_ms)
{
	struct queue *q = queue_new(2);
	struct late_arg a[2];

	for (int c = 0; c < 2; c++) {
		a[c] = (struct late_arg){ q, consumer_delay_ms, 0 };
		Pthread_create(&a[c].tid, NULL, late_consumer, &a[c]);
	}
	work_sleep_ms(close_after_ms);
	for (int i = 0; i < nput; i++)
		if (!queue_put(q, NULL))
			app_error("race_queue: a put failed before the close");
	queue_close(q);
	for (int c = 0; c < 2; c++)
		Pthread_join(a[c].tid, NULL);
	queue_free(q);
}

int main(int argc, char **argv)
{
	struct scene s = { .q = NULL };
	struct consumer_arg args[CONSUMERS];
	pthread_t tids[CONSUMERS];

	(void)argv;
	if (argc > 1)
		app_error("usage: race_queue");
	chaos_init();
	s.q = queue_new(2);
	for (int c = 0; c < CONSUMERS; c++) {
		args[c] = (struct consumer_arg){ &s, c };
		Pthread_create(&tids[c], NULL, consumer, &args[c]);
	}
	harness_run_threads(PRODUCERS, producer, &s);	/* returns when both are done */
	queue_close(s.q);
	for (int c = 0; c < CONSUMERS; c++)
		Pthread_join(tids[c], NULL);
	/* Helgrind judges the accesses, not this number. */
	printf("race_queue: %ld of %d messages got\n", s.got[0] + s.got[1], PRODUCERS * MESSAGES);
	queue_free(s.q);
	late_phase(0, 0, 100);		/* phase 2: they wait, then the close */
	late_phase(100, 2, 0);		/* phase 3: two items and the close, then they get */
	return EXIT_SUCCESS;
}
