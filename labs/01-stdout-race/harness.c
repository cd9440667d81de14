/* harness.c - helpers every lab 01 program may link, the baseline included:
 * a descriptor that writes nowhere, argument parsing. Never the student's code. */
#include "harness.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>

#include "common.h"

int harness_devnull(void)
{
	int fd = open("/dev/null", O_WRONLY | O_CLOEXEC);

	if (fd < 0)
		unix_error("open /dev/null");
	return fd;
}

int harness_arg(const char *s, int min, int max, const char *usage)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < min || v > max) {
		fprintf(stderr, "%s\n", usage);
		exit(EXIT_FAILURE);
	}
	return (int)v;
}
