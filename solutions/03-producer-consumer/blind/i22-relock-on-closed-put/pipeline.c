/* pipeline.c - part B: the notebook's image pipeline. A producer cuts the
 * image into chunks, workers filter them, a consumer puts each filtered
 * chunk in its place: producer -> todo -> workers -> done -> consumer. */
/* Threads: this thread (pipeline_run's caller) is the producer. It starts
 * cfg->nworkers workers and one consumer, all sharing a struct pl.
 * Order of shutdown: close todo; join workers (every filtered chunk is now
 * in done); close done; join the consumer; free. */
#include "prodcons.h"

#include <stdlib.h>

#include "common.h"

/* Rows row0 .. row0 + nrows - 1 of the image, filtered into rows. */
struct chunk {
	int row0;
	int nrows;
	unsigned char *rows;	/* nrows * width bytes */
};

/* Shared by every thread of one run: the images are only read (in) or only
 * written by the consumer (out); the queues lock themselves. */
struct pl {
	const struct image *in;
	struct image *out;
	struct queue *todo;
	struct queue *done;
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

static void *work(void *arg)
{
	struct pl *pl = arg;
	void *it;

	while (queue_get(pl->todo, &it)) {
		struct chunk *c = it;

		filter_rows(pl->in, c->row0, c->nrows, c->rows);
		if (!queue_put(pl->done, c))
			chunk_free(c);
	}
	return NULL;
}

static void *consume(void *arg)
{
	struct pl *pl = arg;
	void *it;

	while (queue_get(pl->done, &it)) {
		struct chunk *c = it;

		image_place(pl->out, c->row0, c->nrows, c->rows);
		chunk_free(c);
	}
	return NULL;
}

void pipeline_run(const struct image *in, struct image *out,
		  const struct pipeline_config *cfg)
{
	struct pl pl;
	pthread_t *tids = Calloc((size_t)cfg->nworkers + 1, sizeof(*tids));
	int n = cfg->nworkers;

	pl.in = in;
	pl.out = out;
	pl.todo = queue_new(cfg->capacity);
	pl.done = queue_new(cfg->capacity);

	for (int i = 0; i < n; i++)
		Pthread_create(&tids[i], NULL, work, &pl);
	Pthread_create(&tids[n], NULL, consume, &pl);	/* last slot: the consumer */

	for (int row0 = 0; row0 < in->height; row0 += cfg->chunk_rows) {
		struct chunk *c = chunk_cut(in, row0, cfg->chunk_rows);

		if (!queue_put(pl.todo, c))
			chunk_free(c);
	}
	queue_close(pl.todo);
	for (int i = 0; i < n; i++)
		Pthread_join(tids[i], NULL);
	queue_close(pl.done);
	Pthread_join(tids[n], NULL);

	queue_free(pl.todo);
	queue_free(pl.done);
	free(tids);
}
