/* report.c - CS:APP-style error reporting: a message on stderr, then the
 * program (or the forked child) ends with EXIT_FAILURE, so a broken run
 * never looks like a pass. Everything else in common/ reports through it;
 * it calls nothing of common/. */
#include "common.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static pid_t program_pid;	/* the process that started the program */

__attribute__((constructor)) static void note_program_pid(void)
{
	program_pid = getpid();
}

/* The message is on stderr, which is unbuffered. The program's own process
 * ends with exit, which flushes what it printed. A process made by fork
 * ends with _exit: its stdio buffers are copies of its parent's, and
 * flushing them would print the parent's unwritten text a second time
 * (lab 05's bug), from the very wrapper that failed in a child. */
void (*report_before_exit)(void);

static void die(void) __attribute__((noreturn));
static void die(void)
{
	if (report_before_exit != NULL)
		report_before_exit();
	if (getpid() != program_pid)
		_exit(EXIT_FAILURE);
	exit(EXIT_FAILURE);
}

void unix_error(const char *msg)
{
	fprintf(stderr, "%s: %s\n", msg, strerror(errno));
	die();
}

void posix_error(int code, const char *msg)
{
	fprintf(stderr, "%s: %s\n", msg, strerror(code));
	die();
}

void app_error(const char *msg)
{
	fprintf(stderr, "%s\n", msg);
	die();
}

