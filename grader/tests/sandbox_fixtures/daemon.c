/* daemon.c - double-forks a setsid daemon that sleeps, then exits 0 at once.
 * Expected: sbx_run returns quickly and no sbx_daemon process survives. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int main(void)
{
	pid_t pid = fork();

	if (pid < 0)
		return 1;
	if (pid == 0) {
		setsid();
		if (fork() == 0) {
			for (int i = 0; i < 1000; i++)
				sleep(1);
		}
		_exit(0);
	}
	printf("parent leaves\n");
	return 0;
}
