/* harness.c - helpers every lab 01 program may link, the baseline included:
 * a descriptor that writes nowhere, output quoted for the tests. Never the
 * student's code. */
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

/* Writes s[0..n) into dst as a C string literal, cut after 48 characters. */
void harness_quote(char *dst, size_t cap, const char *s, size_t n)
{
	size_t o = 0;

	dst[o++] = '"';
	for (size_t i = 0; i < n && o + 8 < cap; i++) {
		unsigned char c = (unsigned char)s[i];

		if (i == 48) {
			o += (size_t)snprintf(dst + o, cap - o, "...");
			break;
		}
		if (c == '\n')
			o += (size_t)snprintf(dst + o, cap - o, "\\n");
		else if (c == '"' || c == '\\')
			o += (size_t)snprintf(dst + o, cap - o, "\\%c", c);
		else if (c < 0x20 || c >= 0x7f)
			o += (size_t)snprintf(dst + o, cap - o, "\\x%02x", c);
		else
			dst[o++] = (char)c;
	}
	snprintf(dst + o, cap - o, "\"");
}
