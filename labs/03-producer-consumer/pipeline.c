/* pipeline.c - part B: the notebook's image pipeline. A producer cuts the
 * image into chunks, workers filter them, a consumer puts each filtered
 * chunk in its place: producer -> todo -> workers -> done -> consumer. */
/* Threads: none yet. The caller cuts, filters and places every chunk
 * itself, one after another: correct, and no faster than one thread. */
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

void pipeline_run(const struct image *in, struct image *out,
		  const struct pipeline_config *cfg)
{
	// YOUR CODE HERE
	//
	// Cut on this thread, filter on cfg->nworkers workers, place on one consumer thread.
	for (int row0 = 0; row0 < in->height; row0 += cfg->chunk_rows) {
		struct chunk *c = chunk_cut(in, row0, cfg->chunk_rows);

		filter_rows(in, c->row0, c->nrows, c->rows);
		image_place(out, c->row0, c->nrows, c->rows);
		chunk_free(c);
	}
}
