/* check_untimed.c - a benchmark report that leaves work out is never judged.
 * Lab 02's table with one lock for everything (solutions' mutant
 * table-one-lock) and a destructor that rewrites its BENCH line with what a
 * parallel run would report: its runs spend far longer outside the time they
 * report than the baseline's, so the speedup is inconclusive and scores
 * nothing (check_speedup.c, untimed_more), where without the rule it scored
 * full marks. The reference, on the same check, passes. */
#include <check.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "grader.h"
#include "selftest.h"

#define LAB "02-lock-granularity"

static const char forge[] =
	"\n#include <fcntl.h>\n#include <string.h>\n#include <unistd.h>\n"
	"__attribute__((destructor)) static void forge_bench(void)\n{\n"
	"\tstatic const char fake[] = \"BENCH elapsed_ns=17000000 cpu_ns=1000000 workers=8 \"\n"
	"\t\t\"max_inflight=8 work_done=128\\n\";\n"
	"\tconst char *path = getenv(\"BENCH_OUT\");\n\tint fd;\n\n"
	"\tif (path == NULL)\n\t\treturn;\n"
	"\tfd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);\n"
	"\tif (fd >= 0 && write(fd, fake, strlen(fake)) > 0)\n\t\tclose(fd);\n}\n";

/* The speedup-table row of a grade: its verdict and output, copied. */
static char *row_of(json_t *res, char **output)
{
	size_t i;
	json_t *t;
	json_array_foreach(json_object_get(res, "tests"), i, t)
		if (row_matches(t, LAB, "speedup-table")) {
			*output = xstrdup(json_string_value(json_object_get(t, "output")));
			return xstrdup(json_string_value(json_object_get(
				json_object_get(t, "extra_data"), "verdict")));
		}
	*output = xstrdup("");
	return xstrdup("(no row)");
}

START_TEST(test_untimed_forged_report_not_judged)
{
	char dir[] = "/tmp/check_untimed.XXXXXX";
	ck_assert_ptr_nonnull(mkdtemp(dir));
	char *cmd = xasprintf("set -e; chmod 755 %1$s; mkdir -p %1$s/" LAB "; "
	                      "cp solutions/" LAB "/*.c %1$s/" LAB "/; patch -s -d %1$s/" LAB
	                      " < solutions/" LAB "/mutants/table-one-lock.patch; "
	                      "chmod -R a+rX %1$s", dir);
	ck_assert_int_eq(system(cmd), 0);
	char *path = xasprintf("%s/" LAB "/table.c", dir);
	FILE *f = fopen(path, "a");
	ck_assert_ptr_nonnull(f);
	fputs(forge, f);
	fclose(f);
	json_t *res;
	char *out, *v;
	grade(LAB, dir, "speedup-table", &res);
	v = row_of(res, &out);
	ck_assert_msg(!strcmp(v, "inconclusive") && strstr(out, "outside the time they reported"),
	              "a forged report was judged: %s\n%s", v, out);
	free(v); free(out);
	json_decref(res);
	grade(LAB, "solutions", "speedup-table", &res);
	v = row_of(res, &out);
	/* a busy machine may leave the reference inconclusive, never for this */
	ck_assert_msg((!strcmp(v, "passed") || !strcmp(v, "inconclusive")) &&
	              !strstr(out, "outside the time they reported"), "the reference: %s\n%s", v, out);
	free(v); free(out);
	json_decref(res);
	char *rm = xasprintf("rm -rf %s", dir);
	ck_assert_int_eq(system(rm), 0);
	free(rm); free(cmd); free(path);
}
END_TEST

int main(void)
{
	if (getenv("GRADER"))
		grader_bin = getenv("GRADER");
	Suite *s = suite_create("untimed");
	TCase *tc = tcase_create("Core");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_untimed_forged_report_not_judged);
	suite_add_tcase(s, tc);
	return suite_passes(s, 1) ? EXIT_SUCCESS : EXIT_FAILURE;
}
