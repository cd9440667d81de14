/* sys.c - the C library's process, descriptor and memory calls, checked:
 * Fork, Waitpid, Posix_spawn, Pipe, Close, Malloc, Calloc, Write, and the
 * harness programs' argument parser. A failure is reported by report.c. */
#include "common.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* ---- processes and descriptors: these set errno ---- */

pid_t Fork(void)
{
	pid_t pid = fork();

	if (pid < 0)
		unix_error("Fork");
	return pid;
}

pid_t Waitpid(pid_t pid, int *status, int options)
{
	pid_t rc = waitpid(pid, status, options);

	if (rc < 0)
		unix_error("Waitpid");
	return rc;
}

/* posix_spawn returns its error number instead of setting errno. */
void Posix_spawn(pid_t *pid, const char *path,
		 const posix_spawn_file_actions_t *actions,
		 const posix_spawnattr_t *attr, char *const argv[],
		 char *const envp[])
{
	int rc = posix_spawn(pid, path, actions, attr, argv, envp);

	if (rc != 0)
		posix_error(rc, "Posix_spawn");
}

void Pipe(int fds[2])
{
	if (pipe(fds) < 0)
		unix_error("Pipe");
}

/* No retry on EINTR: on Linux the descriptor is already released then. */
void Close(int fd)
{
	if (close(fd) < 0)
		unix_error("Close");
}

/*
 * malloc(0) may legally return NULL, so only a non-zero request can fail.
 * ENOMEM is the only failure POSIX allows, and not every allocator sets errno
 * (Valgrind's calloc does not), so the error is named rather than read.
 */
void *Malloc(size_t size)
{
	void *p = malloc(size);

	if (p == NULL && size != 0)
		posix_error(ENOMEM, "Malloc");
	return p;
}

void *Calloc(size_t n, size_t size)
{
	void *p = calloc(n, size);

	if (p == NULL && n != 0 && size != 0)
		posix_error(ENOMEM, "Calloc");
	return p;
}

/* A pipe or a signal can cut a write short; keep going until all n bytes are out. */
void Write(int fd, const void *buf, size_t n)
{
	const char *p = buf;

	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			unix_error("Write");
		}
		p += w;
		n -= (size_t)w;
	}
}

/* A harness program's integer argument in [min, max], or usage and exit. */
int arg_int(const char *s, int min, int max, const char *usage)
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

bool comma_list_has(const char *list, const char *name)
{
	size_t len = strlen(name);

	for (const char *p = list; p != NULL; p = strchr(p, ','), p = p ? p + 1 : NULL)
		if (strncmp(p, name, len) == 0 && (p[len] == ',' || p[len] == '\0'))
			return true;
	return false;
}
