/* ptrace.c - tries ptrace on its own child, on pid 1 (the sandbox's init
 * under bwrap), on pid 1 + 2^32 (which the kernel reads as 1) and
 * PTRACE_TRACEME, and prints what each gave. Expected: "child:ok init:EPERM
 * init64:EPERM traceme:EPERM" where a run may trace its own processes, the
 * same with "child:EPERM" where it may not. Leaves nothing stopped. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

/* The raw call: glibc's ptrace() would cut a long pid to a pid_t first. */
static const char *attach(long pid)
{
	if (syscall(SYS_ptrace, PTRACE_ATTACH, pid, NULL, NULL) < 0)
		return errno == EPERM ? "EPERM" : strerror(errno);
	waitpid((pid_t)pid, NULL, __WALL);
	ptrace(PTRACE_DETACH, (pid_t)pid, NULL, NULL);
	kill((pid_t)pid, SIGCONT);
	return "ok";
}

int main(void)
{
	pid_t child = fork();

	if (child < 0)
		return 1;
	if (child == 0) {
		for (int i = 0; i < 100; i++)
			sleep(1);
		_exit(0);
	}
	printf("child:%s ", attach(child));
	printf("init:%s ", attach(1));
	printf("init64:%s ", attach((1L << 32) | 1));
	printf("traceme:%s\n", ptrace(PTRACE_TRACEME, 0, NULL, NULL) < 0 && errno == EPERM ?
	       "EPERM" : "allowed");
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	return 0;
}
