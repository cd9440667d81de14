/* leak_scope.c - linked into the memory check's builds only (common.mk's
 * asan/%): LeakSanitizer looks for leaks when the test program ends and when
 * each of its tests ends (Check runs every test in a process the program
 * forks), never in a process that the code under test forked in its turn.
 * Such a child's heap ends with it, at _exit as a forked child must end (lab
 * 05) or at exit: nothing it still holds when it ends is a leak. */
#include <sys/types.h>
#include <unistd.h>

static pid_t program_pid;

__attribute__((constructor)) static void remember_program(void)
{
	program_pid = getpid();
}

/* LeakSanitizer asks this before it looks (<sanitizer/lsan_interface.h>):
 * nonzero, and it does not. A program that execs (a spawned worker) starts
 * afresh, as a program of its own. */
int __lsan_is_turned_off(void);

int __lsan_is_turned_off(void)
{
	return getpid() != program_pid && getppid() != program_pid;
}
