/* check_fork.c - part A's Check tests: run_forked gives every result in
 * its own slot, computes in children (never the parent), keeps nprocs
 * alive and never more, reports a crashed or failing child promptly, and
 * leaves no zombie, no descriptor and no doubled output behind. */
#include <stdlib.h>
#include <unistd.h>

#define METHOD "run_forked"
#define NAME(x) test_fork_##x

static int run_method(const int64_t *in, int64_t *out, int count, int nprocs);

#include "procs_tests.h"

static int run_method(const int64_t *in, int64_t *out, int count, int nprocs)
{
	return run_forked(in, out, count, nprocs);
}

static void setup(void)
{
	chaos_init();
}

/* Text the parent printed but has not flushed is in its stdio buffer, and
 * a fork copies the buffer: a child that ends with exit() (or returns)
 * flushes its copy, and the text comes out once per child. */
TEST(NAME(child_ends_with__exit))
{
	static const struct shape s = { 4, 2, FLAT, 1 };
	char path[] = "/tmp/stdout.XXXXXX", buf[256];
	int fd = mkstemp(path), saved = dup(1), times = 0;
	ssize_t got;

	ck_assert(fd >= 0 && saved >= 0);
	fflush(stdout);
	dup2(fd, 1);
	setvbuf(stdout, NULL, _IOFBF, 4096);
	printf("unflushed\n");	/* still in the buffer when the children are made */
	(void)run_shape(&s);
	fflush(stdout);
	dup2(saved, 1);
	got = pread(fd, buf, sizeof(buf) - 1, 0);
	buf[got > 0 ? got : 0] = '\0';
	for (char *p = buf; (p = strstr(p, "unflushed")) != NULL; p++)
		times++;
	close(fd);
	unlink(path);
	ck_assert_msg(times == 1, "the parent's unflushed line came out %d times, not once: "
		      "a forked child has a copy of the parent's stdio buffers, and exit() or "
		      "a return flushes them again. End the child with _exit(0)", times);
}
END_TEST

int main(void)
{
	const TTest *const tests[] = {
		test_fork_results_in_order,
		test_fork_at_most_nprocs,
		test_fork_failed_worker_reported,
		test_fork_child_ends_with__exit,
		NULL
	};

	return check_main(check_suite("fork", setup, tests));
}
