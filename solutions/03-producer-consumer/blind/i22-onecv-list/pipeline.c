/* pipeline.c - part B: the notebook's image pipeline. A producer cuts the
 * image into chunks, workers filter them, a consumer puts each filtered
 * chunk in its place: producer -> todo -> workers -> done -> consumer. */
/* Threads: the caller of pipeline_run is the CONSUMER (it places every
 * chunk and never filters); it starts one producer thread and nworkers
 * worker threads.
 * Shutdown: the producer closes todo after its last chunk; each worker
 * leaves when todo is closed and drained, and counts itself out under
 * s->lock; the last worker out closes done. The consumer then drains done
 * and stops, and joins everybody. */
#include "prodcons.h"

#include <stdlib.h>

#include "common.h"

/* Rows row0 .. row0 + nrows - 1 of the image, filtered into rows. */
struct chunk {
	int row0;
	int nrows;
	unsigned char *rows;	/* nrows * width bytes */
};

/* What the threads share. in and chunk_rows are read-only; the queues
 * have their own locks; workers_left is guarded by lock. */
struct shared {
	const struct image *in;
	int chunk_rows;
	struct queue *todo;	/* cut, not yet filtered */
	struct queue *done;	/* filtered, not yet placed */
	pthread_mutex_t lock;
	int workers_left;	/* guarded by lock */
};

static struct chunk *chunk_cut(const struct image *in, int row0, int chunk_rows)
{
	struct chunk *c = Malloc(sizeof(*c));

	c->row0 = row0;
	c->nrows = in->height - row0 < chunk_rows ? in->height - row0 : chunk_rows;
	c->rows = Malloc((size_t)c->nrows * (size_t)in->width);
	return c;
}

static void chunk_free(struct chunk *c)
{
	free(c->rows);
	free(c);
}

static void *producer(void *arg)
{
	struct shared *s = arg;

	for (int row0 = 0; row0 < s->in->height; row0 += s->chunk_rows) {
		struct chunk *c = chunk_cut(s->in, row0, s->chunk_rows);

		if (!queue_put(s->todo, c))
			chunk_free(c);	/* cannot happen: only we close todo */
	}
	queue_close(s->todo);
	return NULL;
}

static void *worker(void *arg)
{
	struct shared *s = arg;
	void *p;

	while (queue_get(s->todo, &p)) {
		struct chunk *c = p;

		filter_rows(s->in, c->row0, c->nrows, c->rows);
		if (!queue_put(s->done, c))
			chunk_free(c);	/* cannot happen: done closes after us */
	}
	Pthread_mutex_lock(&s->lock);
	s->workers_left--;
	if (s->workers_left == 0)
		queue_close(s->done);	/* last one out: no more filtered chunks */
	Pthread_mutex_unlock(&s->lock);
	return NULL;
}

void pipeline_run(const struct image *in, struct image *out,
		  const struct pipeline_config *cfg)
{
	struct shared s;
	pthread_t prod;
	pthread_t *workers = Calloc((size_t)cfg->nworkers, sizeof(*workers));
	void *p;

	s.in = in;
	s.chunk_rows = cfg->chunk_rows;
	s.todo = queue_new(cfg->capacity);
	s.done = queue_new(cfg->capacity);
	Pthread_mutex_init(&s.lock, NULL);
	s.workers_left = cfg->nworkers;

	for (int i = 0; i < cfg->nworkers; i++)
		Pthread_create(&workers[i], NULL, worker, &s);
	Pthread_create(&prod, NULL, producer, &s);

	/* The consumer: this thread. */
	while (queue_get(s.done, &p)) {
		struct chunk *c = p;

		image_place(out, c->row0, c->nrows, c->rows);
		chunk_free(c);
	}

	Pthread_join(prod, NULL);
	for (int i = 0; i < cfg->nworkers; i++)
		Pthread_join(workers[i], NULL);
	Pthread_mutex_destroy(&s.lock);
	queue_free(s.todo);
	queue_free(s.done);
	free(workers);
}
