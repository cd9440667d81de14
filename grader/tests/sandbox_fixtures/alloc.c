/* alloc.c - allocates and touches argv[1] MiB.
 * Expected: prints "allocated" and exits 0 under a larger RLIMIT_AS; prints
 * "malloc failed" and exits 1 under a smaller one. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
	size_t bytes = (size_t)atol(argc > 1 ? argv[1] : "1") << 20;
	char *p = malloc(bytes);

	if (!p) {
		printf("malloc failed\n");
		return 1;
	}
	memset(p, 1, bytes);
	printf("allocated\n");
	free(p);
	return 0;
}
