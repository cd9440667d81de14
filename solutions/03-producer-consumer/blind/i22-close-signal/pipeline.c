/* pipeline.c - part B: the notebook's image pipeline. A producer cuts the
 * image into chunks, workers filter them, a consumer puts each filtered
 * chunk in its place: producer -> todo -> workers -> done -> consumer. */
/* Threads: the caller produces; nworkers workers and one consumer thread.
 * Shutdown with poison pills, like Python's sentinels: after the last chunk
 * the producer puts one NULL per worker into todo (a worker stops at its
 * NULL), joins the workers, then puts one NULL into done for the consumer
 * and joins it. Every chunk put before a pill is handled before it, since
 * the queues are FIFO. */
#include "prodcons.h"

#include <stdlib.h>

#include "common.h"

/* Rows row0 .. row0 + nrows - 1 of the image, filtered into rows. */
struct chunk {
	int row0;
	int nrows;
	unsigned char *rows;	/* nrows * width bytes */
};

struct ctx {
	const struct image *in;
	struct image *out;
	struct queue *todo, *done;
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
	struct ctx *x = arg;
	void *item;

	for (;;) {
		struct chunk *c;

		queue_get(x->todo, &item);	/* never closed: always true */
		c = item;
		if (c == NULL)			/* poison pill */
			break;
		filter_rows(x->in, c->row0, c->nrows, c->rows);
		queue_put(x->done, c);
	}
	return NULL;
}

static void *consumer(void *arg)
{
	struct ctx *x = arg;
	void *item;

	for (;;) {
		struct chunk *c;

		queue_get(x->done, &item);
		c = item;
		if (c == NULL)
			break;
		image_place(x->out, c->row0, c->nrows, c->rows);
		chunk_free(c);
	}
	return NULL;
}

void pipeline_run(const struct image *in, struct image *out,
		  const struct pipeline_config *cfg)
{
	struct ctx x;
	pthread_t cons;
	pthread_t *w = Calloc((size_t)cfg->nworkers, sizeof(*w));

	x.in = in;
	x.out = out;
	x.todo = queue_new(cfg->capacity);
	x.done = queue_new(cfg->capacity);

	for (int i = 0; i < cfg->nworkers; i++)
		Pthread_create(&w[i], NULL, worker, &x);
	Pthread_create(&cons, NULL, consumer, &x);

	for (int row0 = 0; row0 < in->height; row0 += cfg->chunk_rows)
		queue_put(x.todo, chunk_cut(in, row0, cfg->chunk_rows));
	for (int i = 0; i < cfg->nworkers; i++)
		queue_put(x.todo, NULL);	/* one pill per worker */
	for (int i = 0; i < cfg->nworkers; i++)
		Pthread_join(w[i], NULL);
	queue_put(x.done, NULL);		/* the consumer's pill */
	Pthread_join(cons, NULL);

	queue_close(x.todo);
	queue_close(x.done);
	queue_free(x.todo);
	queue_free(x.done);
	free(w);
}
