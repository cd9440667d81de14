/* check_memory.c - the memory check's reader of sanitizer logs, fed logs the
 * real check wrote (grader/tests/fixtures/memory/, the scratch folder's path
 * replaced by @SCRATCH@): each report must come out from the student's side,
 * with the kind, the student's frame, the thread and the allocation and free
 * sites, and nothing of the lab's own code may count against the student:
 * a leak counts only when a student line allocated the blocks. Last, a real
 * run: LeakSanitizer looks in the program and its tests, never in what a
 * test forks (common/asan/leak_scope.c). */
#include <check.h>
#include <glob.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "checks.h"
#include "selftest.h"

#define FIXTURES "grader/tests/fixtures/memory"

static char scratch[] = "/tmp/check_memory.XXXXXX";
static char *labdir;
static json_t *files;
static struct san_tally t;

/* The lab's files the logs name by relative paths must exist: the reader
 * tells the lab's frames from glibc's by them. */
static void use_lab(const char *lab, const char *student, const char *test)
{
	free(labdir);
	json_decref(files);
	labdir = xasprintf("%s/labs/%s", scratch, lab);
	char *cmd = xasprintf("mkdir -p %s/tests && touch %s/%s %s/tests/%s", labdir, labdir,
	                      student, labdir, test);
	ck_assert_int_eq(system(cmd), 0);
	free(cmd);
	files = json_pack("[s]", student);
}

static void setup(void)
{
	ck_assert_ptr_nonnull(mkdtemp(scratch));
	labdir = NULL;
	files = NULL;
	use_lab("01-stdout-race", "tasks.c", "check_tasks.c");
	memset(&t, 0, sizeof t);
}

static void teardown(void)
{
	char *cmd = xasprintf("rm -rf %s", scratch);
	ck_assert_int_eq(system(cmd), 0);
	free(cmd);
	strcpy(scratch, "/tmp/check_memory.XXXXXX");
	free(labdir);
	json_decref(files);
	san_tally_free(&t);
}

static char *leak_summary(void)
{
	static char *last;
	free(last);
	last = san_leak_summary(&t);
	return last;
}

static void assert_leaks_say(const char *what)
{
	char *s = leak_summary();
	ck_assert_msg(s && strstr(s, what), "the leaks do not say \"%s\":\n%s", what,
	              s ? s : "(nothing)");
}

/* A fixture with @SCRATCH@ made this test's scratch folder. */
static char *fixture(const char *name)
{
	char *path = xasprintf("%s/%s", FIXTURES, name), *text = NULL, *out = NULL;
	FILE *f = fopen(path, "r");
	size_t cap = 0;
	ck_assert_msg(f != NULL, "no fixture %s", path);
	ck_assert_int_gt(getdelim(&text, &cap, '\0', f), 0);
	fclose(f);
	const char *p = text, *hit;
	while ((hit = strstr(p, "@SCRATCH@"))) {
		strappend(&out, "%.*s%s", (int)(hit - p), p, scratch);
		p = hit + strlen("@SCRATCH@");
	}
	strappend(&out, "%s", p);
	free(text);
	free(path);
	return out;
}

static void read_fixture(const char *name)
{
	char *log = fixture(name);
	san_read(log, labdir, scratch, files, &t);
	free(log);
}

static void assert_says(const char *what)
{
	ck_assert_msg(t.summary && strstr(t.summary, what), "the report does not say \"%s\":\n%s",
	              what, t.summary ? t.summary : "(nothing)");
}

START_TEST(test_memory_overflow_in_a_thread)
{
	read_fixture("asan-overflow-thread.log");
	ck_assert_int_eq(t.found, 1);
	ck_assert_int_eq(t.other, 0);
	assert_says("heap-buffer-overflow in board_say (tasks.c:99), in the call to sprintf\n");
	assert_says("  a write of 18 bytes, just past the end of a 17-byte block, by thread T5\n");
	/* the same thread made the block: said once */
	assert_says("  the block was allocated in board_say (tasks.c:98)\n");
	assert_says("  thread T5 was started in the lab's run_round (tests/check_tasks.c:153)\n");
	assert_says("  during the test test_tasks_start_before_finish\n");
	ck_assert_ptr_null(strstr(t.summary, scratch));   /* no scratch path reaches a student */
	ck_assert_ptr_null(strstr(t.summary, "sys.c")); /* nor the Malloc wrapper */
}
END_TEST

START_TEST(test_memory_use_after_free)
{
	read_fixture("asan-use-after-free.log");
	ck_assert_int_eq(t.found, 1);
	assert_says("heap-use-after-free in board_new (tasks.c:30)\n");
	assert_says("  a read of 4 bytes, at the start of a 128-byte block, by the main thread (T0)\n");
	assert_says("  the block was allocated in board_new (tasks.c:28)\n");
	assert_says("  and freed in board_free (tasks.c:44)\n");
	assert_says("  during the test test_tasks_start_before_finish\n");
}
END_TEST

START_TEST(test_memory_ubsan_overflow)
{
	read_fixture("ubsan-overflow.log");
	ck_assert_int_eq(t.found, 1);
	assert_says("runtime error: signed integer overflow in task_run (tasks.c:99)\n");
	assert_says("  1073741825 * 1073741824 cannot be represented in type 'int'\n");
}
END_TEST

START_TEST(test_memory_segv)
{
	read_fixture("asan-segv.log");
	ck_assert_int_eq(t.found, 1);
	assert_says("SEGV (a read or write through a pointer to no memory) in board_finished "
	            "(tasks.c:110)\n");
	assert_says("  a read, at address 0x000000000080 (near 0: a NULL pointer, or a field of "
	            "one), by the main thread (T0)\n");
}
END_TEST

/* A local array, a global one, a block freed twice: three logs in a row. */
START_TEST(test_memory_stack_global_double_free)
{
	read_fixture("asan-stack-global-double-free.log");
	ck_assert_int_eq(t.found, 3);
	assert_says("stack-buffer-overflow in say (tasks.c:10), in the call to sprintf\n"
	            "  a write of 5 bytes, past the end of the local variable 'num', declared at "
	            "line 10, by the main thread (T0)\n");
	assert_says("global-buffer-overflow in gput (tasks.c:15)\n"
	            "  a write of 1 byte, just past the end of the global variable 'gbuf' "
	            "(tasks.c:14:6, 16 bytes), by the main thread (T0)\n");
	assert_says("double-free in board_free (tasks.c:7), in the call to free\n"
	            "  at the start of a 88-byte block, by the main thread (T0)\n"
	            "  the block was allocated in board_new (tasks.c:6)\n"
	            "  and first freed in board_free (tasks.c:7)\n");
}
END_TEST

/* A headline without a kind word: the kind is ASan's SUMMARY's. */
START_TEST(test_memory_kind_from_summary)
{
	read_fixture("asan-allocation-too-big.log");
	ck_assert_int_eq(t.found, 1);
	assert_says("allocation-size-too-big in board_new (tasks.c:31), in the call to malloc\n");
	assert_says("  an allocation of 64 TiB, more than any block may have, by the main "
	            "thread (T0)\n");
}
END_TEST

/* One bug met by several tests, each a process with its own log, is one
 * bug; past the first three distinct ones, the rest are counted, not shown. */
START_TEST(test_memory_repeats_count_once)
{
	read_fixture("asan-overflow-thread.log");
	read_fixture("asan-overflow-thread.log");
	read_fixture("ubsan-overflow.log");
	ck_assert_int_eq(t.found, 2);
	ck_assert_int_eq(t.reports, 3);
	ck_assert_int_eq(t.shown, 2);
	read_fixture("asan-use-after-free.log");
	read_fixture("asan-segv.log");
	read_fixture("asan-segv.log");
	ck_assert_int_eq(t.found, 4);
	ck_assert_int_eq(t.reports, 6);
	ck_assert_int_eq(t.shown, 3);
	ck_assert_ptr_null(strstr(t.summary, "SEGV"));
}
END_TEST

/* A report none of whose frames is in a student file is the lab's, never
 * counted as the student's error. */
START_TEST(test_memory_lab_only_report_is_not_the_students)
{
	json_decref(files);
	files = json_pack("[s]", "other.c");
	read_fixture("asan-use-after-free.log");
	ck_assert_int_eq(t.found, 0);
	ck_assert_int_eq(t.other, 1);
	ck_assert_ptr_null(t.summary);
	ck_assert_str_eq(t.first_other, "heap-use-after-free in the lab's board_new (tasks.c:30)");
}
END_TEST

/* A log cut short (a process killed mid-report) still names the error. */
START_TEST(test_memory_truncated_log)
{
	char *log = fixture("asan-overflow-thread.log");
	char *cut = strstr(log, "    #3 ");
	ck_assert_ptr_nonnull(cut);
	*cut = '\0';
	san_read(log, labdir, scratch, files, &t);
	free(log);
	ck_assert_int_eq(t.found, 1);
	assert_says("heap-buffer-overflow in board_say (tasks.c:99), in the call to sprintf\n");
}
END_TEST

/* One line of tasks.c leaking in two tests, on the test's thread and on
 * worker threads: one place, blocks and bytes added up, with the student
 * line that called it; no test counts as an error. */
START_TEST(test_memory_leak_from_a_student_line)
{
	read_fixture("lsan-leak-test.log");
	read_fixture("lsan-leak-thread.log");
	ck_assert_int_eq(t.leaks_found, 1);
	ck_assert_int_eq(t.leak_procs, 2);
	ck_assert_int_eq(t.found + t.other + t.leak_other, 0);
	assert_leaks_say("386 blocks (7554 bytes) allocated at tasks.c:101 in board_say were never "
	                 "freed\n");
	assert_leaks_say("  board_say was called from task_run (tasks.c:114)\n");
	assert_leaks_say("  in 2 tests, test_tasks_say_whole_line among them\n");
	ck_assert_ptr_null(strstr(leak_summary(), scratch));
	ck_assert_ptr_null(strstr(leak_summary(), "sys.c"));
}
END_TEST

/* A chunk lost with its rows: the rows, pointed to only by the chunk, are
 * lost with it and said so, never counted by themselves. */
START_TEST(test_memory_leak_indirect_lost_with_it)
{
	use_lab("03-producer-consumer", "pipeline.c", "check_pipeline.c");
	read_fixture("lsan-leak-indirect.log");
	ck_assert_int_eq(t.leaks_found, 1);
	assert_leaks_say("130 blocks (2080 bytes) allocated at pipeline.c:31 in chunk_cut were never "
	                 "freed\n"
	                 "  chunk_cut was called from pipeline_run (pipeline.c:93)\n"
	                 "  during the test test_pipeline_matches_sequential\n"
	                 "Lost with them (reachable only through blocks never freed):\n"
	                 "  130 blocks (13816 bytes) allocated at pipeline.c:35 in chunk_cut\n");
}
END_TEST

/* The test's own blocks, one of them holding a board from board_new: the
 * test lost them, and the board with them; nothing is the student's. */
START_TEST(test_memory_leak_only_from_the_harness)
{
	read_fixture("lsan-leak-harness.log");
	ck_assert_int_eq(t.leaks_found, 0);
	ck_assert_int_eq(t.leak_other, 2);
	ck_assert_int_eq(t.leak_procs, 1);
	ck_assert_int_eq(t.found + t.other, 0);
	ck_assert_ptr_null(leak_summary());
}
END_TEST

/* Blocks glibc allocated for posix_spawn's file actions, never destroyed
 * by procs.c: a library's, not a student line's. */
START_TEST(test_memory_leak_in_a_library_call)
{
	use_lab("05-fork-vs-spawn", "procs.c", "check_spawn.c");
	read_fixture("lsan-leak-library.log");
	ck_assert_int_eq(t.leaks_found, 0);
	ck_assert_int_eq(t.leak_other, 1);
	ck_assert_ptr_null(leak_summary());
}
END_TEST

/* A real run: the program, a child (a test) and a grandchild (what a test
 * forks) each lose a block and end with exit(); only the first two report. */
START_TEST(test_memory_leaks_looked_for_in_tests_only)
{
	char *prog = xasprintf("%s/fork_leaks", scratch);
	char *cmd = xasprintf("cc -g -O1 -fsanitize=address -fno-omit-frame-pointer "
	                      "-static-libasan -o %s %s/fork-leaks.c common/asan/leak_scope.c && "
	                      "ASAN_OPTIONS=detect_leaks=1:log_path=%s/asan %s", prog, FIXTURES,
	                      scratch, prog);
	ck_assert_int_ne(system(cmd), -1);
	char *pattern = xasprintf("%s/asan.*", scratch), *all = NULL;
	glob_t g;
	ck_assert_int_eq(glob(pattern, 0, NULL, &g), 0);
	for (size_t i = 0; i < g.gl_pathc; i++) {
		FILE *f = fopen(g.gl_pathv[i], "r");
		char line[512];
		while (f && fgets(line, sizeof line, f))
			if (strstr(line, "Direct leak of"))
				strappend(&all, "%s", line);
		if (f)
			fclose(f);
	}
	ck_assert_int_eq(g.gl_pathc, 2);
	ck_assert_msg(all && strstr(all, "Direct leak of 1 byte(s)") &&
	              strstr(all, "Direct leak of 2 byte(s)") && !strstr(all, "3 byte(s)"),
	              "leaks reported:\n%s", all ? all : "(none)");
	globfree(&g);
	free(all);
	free(pattern);
	free(cmd);
	free(prog);
}
END_TEST

START_TEST(test_memory_budget_and_broken_tool)
{
	san_read("(total_mmaped >> 20) < common_flags()->mmap_limit_mb\n", labdir, scratch, files, &t);
	ck_assert(t.budget);
	ck_assert_int_eq(t.found, 0);
	san_read("==10==LeakSanitizer has encountered a fatal error.\n"
	         "==10==HINT: LeakSanitizer does not work under ptrace (strace, gdb, etc)\n",
	         labdir, scratch, files, &t);
	ck_assert(t.leak_broken && !t.broken); /* leaks could not be looked for; the rest stands */
	ck_assert_int_eq(t.found + t.other + t.leaks_found, 0);
	san_read("==11==AddressSanitizer has encountered a fatal error.\n", labdir, scratch, files,
	         &t);
	ck_assert(t.broken);
}
END_TEST

START_TEST(test_memory_nothing_in_a_clean_log)
{
	san_read("", labdir, scratch, files, &t);
	san_read("AddressSanitizer:DEADLYSIGNAL\nsome output of the program\n", labdir, scratch,
	         files, &t);
	ck_assert_int_eq(t.found + t.other + t.reports, 0);
	ck_assert(!t.budget && !t.broken);
	ck_assert_ptr_null(t.summary);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("memory");
	TCase *core = tcase_create("Core");
	tcase_add_checked_fixture(core, setup, teardown);
	tcase_add_test(core, test_memory_overflow_in_a_thread);
	tcase_add_test(core, test_memory_use_after_free);
	tcase_add_test(core, test_memory_ubsan_overflow);
	tcase_add_test(core, test_memory_segv);
	tcase_add_test(core, test_memory_kind_from_summary);
	tcase_add_test(core, test_memory_stack_global_double_free);
	tcase_add_test(core, test_memory_repeats_count_once);
	tcase_add_test(core, test_memory_lab_only_report_is_not_the_students);
	tcase_add_test(core, test_memory_truncated_log);
	tcase_add_test(core, test_memory_leak_from_a_student_line);
	tcase_add_test(core, test_memory_leak_indirect_lost_with_it);
	tcase_add_test(core, test_memory_leak_only_from_the_harness);
	tcase_add_test(core, test_memory_leak_in_a_library_call);
	tcase_add_test(core, test_memory_leaks_looked_for_in_tests_only);
	tcase_add_test(core, test_memory_budget_and_broken_tool);
	tcase_add_test(core, test_memory_nothing_in_a_clean_log);
	suite_add_tcase(s, core);
	return suite_passes(s, 16) ? EXIT_SUCCESS : EXIT_FAILURE;
}
