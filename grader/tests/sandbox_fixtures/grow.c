/* grow.c - takes and touches memory without end, 1 MiB every 10 ms (like a
 * slow start-up, or a leak in a loop). Expected: times out; the diagnosis
 * says it was still taking memory (it may be slow rather than stuck). */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(void)
{
	for (;;) {
		char *p = malloc(1 << 20);

		if (p)
			memset(p, 1, 1 << 20);
		usleep(10000);
	}
}
