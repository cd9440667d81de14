/* pipeline.c - part B: the notebook's image pipeline. A producer cuts the
 * image into chunks, workers filter them, a consumer puts each filtered
 * chunk in its place: producer -> todo -> workers -> done -> consumer. */
// BEGIN SOLUTION
/* Threads: the caller of pipeline_run is the producer; it starts the
 * consumer and nworkers workers, which share only the two queues and the
 * images. A chunk belongs to one thread at a time: whoever took it from a
 * queue (the queue's lock hands it over), so chunks need no lock. in is
 * only read; out is written by the consumer alone, in rows no chunk shares.
 * Shutdown is close, Python's sentinel: todo is closed when the last chunk
 * is cut, so each worker stops once todo is drained; done is closed only
 * after every worker has been joined, so the consumer gets every chunk. */
// END SOLUTION
//@ /* Threads: none yet. The caller cuts, filters and places every chunk
//@  * itself, one after another: correct, and no faster than one thread. */
#include "prodcons.h"

#include <stdlib.h>

#include "common.h"

/* Rows row0 .. row0 + nrows - 1 of the image, filtered into rows. */
struct chunk {
	int row0;
	int nrows;
	unsigned char *rows;	/* nrows * width bytes */
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

// BEGIN SOLUTION
/* What every thread of one run shares. */
struct pipeline {
	const struct image *in;	/* only read */
	struct image *out;	/* written by the consumer alone */
	struct queue *todo;	/* chunks cut, waiting for a worker */
	struct queue *done;	/* chunks filtered, waiting for the consumer */
};

static void *worker(void *arg)
{
	struct pipeline *p = arg;
	void *item;

	while (queue_get(p->todo, &item)) {
		struct chunk *c = item;

		filter_rows(p->in, c->row0, c->nrows, c->rows);
		if (!queue_put(p->done, c))	/* never: done closes after us */
			chunk_free(c);
	}
	return NULL;
}

static void *consumer(void *arg)
{
	struct pipeline *p = arg;
	void *item;

	while (queue_get(p->done, &item)) {
		struct chunk *c = item;

		image_place(p->out, c->row0, c->nrows, c->rows);
		chunk_free(c);
	}
	return NULL;
}

void pipeline_run(const struct image *in, struct image *out,
		  const struct pipeline_config *cfg)
{
	struct pipeline p = { in, out, queue_new(cfg->capacity), queue_new(cfg->capacity) };
	pthread_t *workers = Calloc((size_t)cfg->nworkers, sizeof(*workers));
	pthread_t cons;

	Pthread_create(&cons, NULL, consumer, &p);
	for (int i = 0; i < cfg->nworkers; i++)
		Pthread_create(&workers[i], NULL, worker, &p);
	for (int row0 = 0; row0 < in->height; row0 += cfg->chunk_rows)
		queue_put(p.todo, chunk_cut(in, row0, cfg->chunk_rows));
	queue_close(p.todo);	/* no more chunks: workers drain todo and stop */
	for (int i = 0; i < cfg->nworkers; i++)
		Pthread_join(workers[i], NULL);
	queue_close(p.done);	/* only now is every filtered chunk in done */
	Pthread_join(cons, NULL);
	queue_free(p.todo);
	queue_free(p.done);
	free(workers);
}
// END SOLUTION
//@ void pipeline_run(const struct image *in, struct image *out,
//@ 		  const struct pipeline_config *cfg)
//@ {
//@ 	// YOUR CODE HERE
//@ 	//
//@ 	// Cut on this thread, filter on cfg->nworkers workers, place on one consumer thread.
//@ 	for (int row0 = 0; row0 < in->height; row0 += cfg->chunk_rows) {
//@ 		struct chunk *c = chunk_cut(in, row0, cfg->chunk_rows);
//@ 
//@ 		filter_rows(in, c->row0, c->nrows, c->rows);
//@ 		image_place(out, c->row0, c->nrows, c->rows);
//@ 		chunk_free(c);
//@ 	}
//@ }
