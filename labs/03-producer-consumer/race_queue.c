/* race_queue.c - the races-queue check's scenario, small enough for
 * Helgrind: two producers put messages they have just written into a queue
 * of capacity 2, two consumers take them and read them, then main closes
 * the queue and both consumers drain it and stop.
 *   usage: race_queue
 * Expected under Helgrind: the reference reports 0 errors. A queue field
 * read or written without the queue's lock is a data race in queue.c; a
 * message read by its consumer that the queue did not hand over under its
 * lock is a race on the message. main closes the queue once both
 * producers are done, while the consumers are still busy. */
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
		/* Slow consumers: the queue is still full, and they are busy,
		 * when main closes it, so their next get comes after the close
		 * with no lock taken since: a read of closed or count outside
		 * the lock is then unordered with close's write. */
		work_sleep_ms(1);
	}
	return NULL;
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
	return EXIT_SUCCESS;
}
