/* check_objcache.c - what holds no student code is compiled once, and never
 * used stale (grader/objcache.h). On a copy of lab 01 and common/:
 *   - the objects are compiled once, plain, with the sanitizers and for the
 *     hidden tests, and found again by the same key;
 *   - a student file's edits do not change the key: nothing of it is kept;
 *   - any other source's edit does: the old objects are never found again,
 *     and making the new ones deletes them;
 *   - a staged lab gets every object but the hidden tests' (those only in
 *     the hidden checks' stage), each newer than its source. */
#include <check.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "checks.h"
#include "objcache.h"
#include "sandbox.h"
#include "selftest.h"

#define LAB "01-stdout-race"

static char root[] = "/tmp/check_objcache.XXXXXX";
static struct options opt;
static json_t *spec;

static void sh(const char *fmt, const char *arg)
{
	char *cmd = xasprintf(fmt, arg, arg, arg);
	ck_assert_msg(system(cmd) == 0, "%s failed", cmd);
	free(cmd);
}

static void setup(void)
{
	ck_assert_ptr_nonnull(mkdtemp(root));
	sh("mkdir -p %s/labs %s/grader && cp -r labs/" LAB " %s/labs/", root);
	sh("cp -r common %s/ && cp grader/helgrind.supp %s/grader/ && chmod -R a+rX %s", root);
	opt = (struct options){ .root = root, .submission = root, .seed = -1 };
	char *path = xasprintf("%s/labs/" LAB "/lab.json", root);
	spec = json_load_file(path, 0, NULL);
	free(path);
	sbx_init();
}

static void teardown(void)
{
	sh("rm -rf %s", root);
	json_decref(spec);
}

static bool exists(const char *dir, const char *rel)
{
	char *path = xasprintf("%s/%s", dir, rel);
	bool there = access(path, F_OK) == 0;
	free(path);
	return there;
}

/* The key now, and the entry built for it (asserted to be found again). */
static char *entry_now(char **key)
{
	char *note = NULL, *entry = objcache_find(&opt, LAB, spec, key);
	ck_assert_ptr_nonnull(*key);
	if (!entry) {
		entry = objcache_build(&opt, LAB, spec, *key, &note);
		ck_assert_msg(entry, "objcache_build: %s", note ? note : "?");
	}
	char *again, *found = objcache_find(&opt, LAB, spec, &again);
	ck_assert_str_eq(again, *key);
	ck_assert_msg(found && strcmp(found, entry) == 0, "built %s, found %s", entry, found);
	free(again);
	free(found);
	return entry;
}

START_TEST(test_objcache_compiled_once_and_found)
{
	char *key, *entry = entry_now(&key);
	const char *kept[] = { "plain/harness.o", "plain/tests/check_tasks.o", "plain/common/chaos.o",
	                       "plain/hidden/check_hidden.o", "asan/harness.o",
	                       "asan/common/asan/leak_scope.o", "asan/tests/check_tasks.o" };
	for (size_t i = 0; i < sizeof kept / sizeof kept[0]; i++)
		ck_assert_msg(exists(entry, kept[i]), "%s has no %s", entry, kept[i]);
	ck_assert_msg(!exists(entry, "plain/tasks.o") && !exists(entry, "asan/tasks.o"),
	              "the student's file was compiled into the cache");
	free(key);
	free(entry);
}
END_TEST

START_TEST(test_objcache_student_edit_same_key)
{
	char *key, *entry = entry_now(&key), *after;
	sh("echo '/* edited */' >> %s/labs/" LAB "/tasks.c", root);
	free(objcache_find(&opt, LAB, spec, &after));
	ck_assert_str_eq(after, key);
	free(key);
	free(after);
	free(entry);
}
END_TEST

START_TEST(test_objcache_source_edit_new_key)
{
	char *key, *entry = entry_now(&key), *after;
	sh("echo '/* edited */' >> %s/labs/" LAB "/harness.c", root);
	char *stale = objcache_find(&opt, LAB, spec, &after);
	ck_assert_ptr_null(stale);
	ck_assert_str_ne(after, key);
	char *entry2 = entry_now(&after);
	ck_assert_msg(access(entry, F_OK) != 0, "the stale objects %s were kept", entry);
	sh("echo '/* edited */' >> %s/common/common.h", root);
	free(after);
	ck_assert_ptr_null(objcache_find(&opt, LAB, spec, &after));
	free(key); free(after); free(entry); free(entry2);
}
END_TEST

START_TEST(test_objcache_seeds_hidden_apart)
{
	char *key, *entry = entry_now(&key);
	char scratch[] = "/tmp/check_objcache_seed.XXXXXX";
	ck_assert_ptr_nonnull(mkdtemp(scratch));
	objcache_seed(entry, scratch, LAB, false);
	ck_assert(exists(scratch, "build/labs/" LAB "/harness.o"));
	ck_assert(exists(scratch, "build/asan/labs/" LAB "/tests/check_tasks.o"));
	ck_assert_msg(!exists(scratch, "build/labs/" LAB "/hidden") &&
	              !exists(scratch, "build/asan/labs/" LAB "/hidden"),
	              "a hidden test's object was copied where student code runs");
	objcache_seed(entry, scratch, LAB, true);
	ck_assert(exists(scratch, "build/labs/" LAB "/hidden/check_hidden.o"));
	char *src = xasprintf("%s/labs/" LAB "/harness.c", root);
	char *obj = xasprintf("%s/build/labs/" LAB "/harness.o", scratch);
	struct stat s, o;
	ck_assert(stat(src, &s) == 0 && stat(obj, &o) == 0);
	ck_assert_msg(o.st_mtim.tv_sec >= s.st_mtim.tv_sec, "a copied object is older than its "
	              "source: make would compile it again");
	sh("rm -rf %s", scratch);
	free(src); free(obj); free(key); free(entry);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("objcache");
	TCase *tc = tcase_create("Core");
	/* One copy of the project for all: the cache the first test builds is
	 * found by the next; the tests that edit sources come last, the one
	 * that makes a new key last of all. */
	tcase_add_unchecked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_objcache_compiled_once_and_found);
	tcase_add_test(tc, test_objcache_seeds_hidden_apart);
	tcase_add_test(tc, test_objcache_student_edit_same_key);
	tcase_add_test(tc, test_objcache_source_edit_new_key);
	suite_add_tcase(s, tc);
	return suite_passes(s, 1) ? EXIT_SUCCESS : EXIT_FAILURE;
}
