/* san.h - the inside of the memory check's reader of sanitizer logs, shared
 * by san_read.c (one log's lines: ASan's and UBSan's reports) and
 * san_leaks.c (LeakSanitizer's, by allocation site) and by nothing else; the
 * rest of the grader uses san_read and the tally (checks.h). */
#ifndef SAN_H
#define SAN_H

#include "checks.h"

#define FRAMES_MAX 24
#define SHOW_REPORTS 3   /* the first few distinct reports teach; fifty bury them */

struct frame {
	char fn[96];
	char path[256];
	int line;      /* 0: no source location (a library) */
};

enum section { SEC_ACCESS, SEC_ALLOC, SEC_FREE, SEC_THREAD, SEC_SKIP, SEC_COUNT };

struct report {
	bool open;
	bool asan, budget;
	char kind[160];    /* "heap-buffer-overflow", "runtime error: signed integer overflow" */
	char what[256];    /* the access: "write of 15 bytes", the UBSan details */
	char where[256];   /* where it lands: "0 bytes past the end of a 14-byte block" */
	char thread[16];   /* "T3" */
	char alloc_thread[16], free_thread[16];
	struct frame head; /* UBSan's headline location */
	struct frame st[SEC_COUNT][FRAMES_MAX];
	int n[SEC_COUNT];
	enum section sec;
	enum { NOT_A_LEAK, LEAK_DIRECT, LEAK_INDIRECT } leak; /* LeakSanitizer's records */
	long bytes, blocks; /* a leak record's */
};

/* Where the lab's files live, and which of them are the student's. */
struct san_place {
	const char *labdir;
	const char *scratch;
	json_t *files;
};

/* san_read.c: dst gets src[0..len), cut to cap - 1 and NUL-terminated. */
void san_copy(char *dst, size_t cap, const char *src, size_t len);
/* Whether f is a line of a student file. */
bool san_is_student(const struct san_place *pl, const struct frame *f);
/* A frame of common/'s wrappers (sync.c, sys.c, schedule.c): skipped. */
bool san_wrapper_frame(const char *path);
/* The path as the student knows it: relative to the lab, or common/x.c. */
const char *san_short_path(const struct san_place *pl, const char *path);
/* "board_say (tasks.c:79)" */
char *san_frame_words(const struct san_place *pl, const struct frame *f);
/* The Check test a report came from (START_TEST(name) makes name_fn), or NULL. */
char *san_test_name(const struct san_place *pl, const struct report *r);

/* san_leaks.c: a finished leak record of one log is kept by the line that
 * allocated its blocks; san_leak_end_log, after the log's last line, adds
 * the log's records to the tally's sites. */
void san_leak_add(const struct san_place *pl, const struct report *r, struct san_tally *t);
void san_leak_end_log(struct san_tally *t);
void san_leaks_free(struct san_leaks *l);

#endif /* SAN_H */
