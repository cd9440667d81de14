/* pipeline.c - part B: the notebook's image pipeline. A producer cuts the
 * image into chunks, workers filter them, a consumer puts each filtered
 * chunk in its place: producer -> todo -> workers -> done -> consumer. */
/* Threads: the caller produces, nworkers workers filter, one consumer
 * places. Shutdown is done like in the Python notebook, with poison pills:
 * after the last chunk the producer puts one STOP per worker into todo; a
 * worker that gets STOP returns. Once every worker is joined, all the real
 * chunks are in done, and one STOP into done stops the consumer. STOP is a
 * static chunk that nobody ever reads or frees, only compares. */
#include "prodcons.h"

#include <stdlib.h>

#include "common.h"

/* Rows row0 .. row0 + nrows - 1 of the image, filtered into rows. */
struct chunk {
	int row0;
	int nrows;
	unsigned char *rows;	/* nrows * width bytes */
};

static struct chunk stop_pill;	/* the sentinel: never dereferenced */
#define STOP (&stop_pill)

struct job {
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

static void *filter_worker(void *arg)
{
	struct job *j = arg;

	for (;;) {
		void *item;
		struct chunk *c;

		queue_get(j->todo, &item);	/* never closed: always true */
		c = item;
		if (c == STOP)
			break;
		filter_rows(j->in, c->row0, c->nrows, c->rows);
		queue_put(j->done, c);
	}
	return NULL;
}

static void *assembler(void *arg)
{
	struct job *j = arg;

	for (;;) {
		void *item;
		struct chunk *c;

		queue_get(j->done, &item);
		c = item;
		if (c == STOP)
			break;
		image_place(j->out, c->row0, c->nrows, c->rows);
		chunk_free(c);
	}
	return NULL;
}

void pipeline_run(const struct image *in, struct image *out,
		  const struct pipeline_config *cfg)
{
	struct job j;
	pthread_t asm_tid;
	pthread_t *w = Malloc(sizeof(pthread_t) * (size_t)cfg->nworkers);

	j.in = in;
	j.out = out;
	j.todo = queue_new(cfg->capacity);
	j.done = queue_new(cfg->capacity);

	Pthread_create(&asm_tid, NULL, assembler, &j);
	for (int k = 0; k < cfg->nworkers; k++)
		Pthread_create(&w[k], NULL, filter_worker, &j);

	for (int row0 = 0; row0 < in->height; row0 += cfg->chunk_rows)
		queue_put(j.todo, chunk_cut(in, row0, cfg->chunk_rows));

	/* one pill per worker, like Python's one sentinel per consumer */
	for (int k = 0; k < cfg->nworkers; k++)
		queue_put(j.todo, STOP);
	for (int k = 0; k < cfg->nworkers; k++)
		Pthread_join(w[k], NULL);

	/* every filtered chunk is in done now: stop the assembler */
	queue_put(j.done, STOP);
	Pthread_join(asm_tid, NULL);

	queue_free(j.todo);
	queue_free(j.done);
	free(w);
}
