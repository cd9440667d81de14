/* forkbomb.c - the classic fork bomb.
 * Expected: contained by the process limit, killed at the deadline, nothing survives. */
#include <unistd.h>

int main(void)
{
	for (;;)
		fork();
}
