/* gcov_flush.c - linked into coverage builds only (common.mk, with
 * -Wl,--wrap=_exit): a process that ends with _exit(), as a forked child
 * must, writes its coverage counts first. Without it the lines a child
 * runs would count as never reached, since _exit skips the exit handlers
 * that write them. */
void __gcov_dump(void);
void __real__exit(int status) __attribute__((noreturn));
void __wrap__exit(int status) __attribute__((noreturn));

void __wrap__exit(int status)
{
	__gcov_dump();
	__real__exit(status);
}
