/* clock.c - the monotonic clock every timing in the labs and grader uses,
 * so wall-clock jumps (NTP, settimeofday) never distort a measurement. */
#include "common.h"

#include <time.h>

uint64_t clock_now_ns(void)
{
	struct timespec ts;

	/* CLOCK_MONOTONIC cannot fail with a valid pointer on Linux. */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

double clock_seconds(uint64_t ns)
{
	return (double)ns / 1e9;
}
