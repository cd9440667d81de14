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
