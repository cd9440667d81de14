/* pipeline.c - part B: the notebook's image pipeline. A producer cuts the
 * image into chunks, workers filter them, a consumer puts each filtered
 * chunk in its place: producer -> todo -> workers -> done -> consumer. */
/* Threads: the caller is the producer. It starts one consumer and
 * cfg->nworkers workers. The threads share only the two queues (which lock
 * themselves) and the images: in is only read, out is only written by the
 * consumer. A chunk belongs to whoever took it from a queue last. */
#include "prodcons.h"

#include <stdlib.h>

#include "common.h"

/* Rows row0 .. row0 + nrows - 1 of the image, filtered into rows. */
struct chunk {
	int row0;
	int nrows;
	unsigned char *rows;	/* nrows * width bytes */
};

/* What every thread of one run gets: set before the threads start, never
 * changed after (so no lock needed for the struct itself). */
struct shared {
	const struct image *in;
	struct image *out;
	struct queue *todo;	/* cut chunks, producer -> workers */
	struct queue *done;	/* filtered chunks, workers -> consumer */
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

static void *worker(void *arg)
{
	struct shared *sh = arg;
	void *item;

	while (queue_get(sh->todo, &item)) {
		struct chunk *c = item;

		filter_rows(sh->in, c->row0, c->nrows, c->rows);
		if (!queue_put(sh->done, c))
			chunk_free(c);	/* cannot happen: done closes after we are joined */
	}
	return NULL;
}

static void *consumer(void *arg)
{
	struct shared *sh = arg;
	void *item;

	while (queue_get(sh->done, &item)) {
		struct chunk *c = item;

		image_place(sh->out, c->row0, c->nrows, c->rows);
		chunk_free(c);
	}
	return NULL;
}

void pipeline_run(const struct image *in, struct image *out,
		  const struct pipeline_config *cfg)
{
	struct shared sh;
	pthread_t cons;
	pthread_t *workers = Malloc((size_t)cfg->nworkers * sizeof(*workers));

	sh.in = in;
	sh.out = out;
	sh.todo = queue_new(cfg->capacity);
	sh.done = queue_new(cfg->capacity);

	Pthread_create(&cons, NULL, consumer, &sh);
	for (int i = 0; i < cfg->nworkers; i++)
		Pthread_create(&workers[i], NULL, worker, &sh);

	/* produce */
	for (int row0 = 0; row0 < in->height; row0 += cfg->chunk_rows)
		queue_put(sh.todo, chunk_cut(in, row0, cfg->chunk_rows));

	/* shut down: todo, workers, done, consumer, in that order */
	queue_close(sh.todo);
	for (int i = 0; i < cfg->nworkers; i++)
		Pthread_join(workers[i], NULL);
	queue_close(sh.done);
	Pthread_join(cons, NULL);

	queue_free(sh.todo);
	queue_free(sh.done);
	free(workers);
}
