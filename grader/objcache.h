/* objcache.h - what holds no student code is compiled once.
 *
 * Every grade of a lab used to compile the same pristine files again: the
 * harness, the tests, common/ (plain, and again with the sanitizers for the
 * memory check, and again for the hidden tests). Now they are compiled once
 * (`make pristine asan-pristine` in a copy of the lab without its student
 * files, in the sandbox like every build) and kept under
 * build/cache/<lab>/<key>/, where key is the SHA-256 of everything the
 * objects are made from: the lab's and common/'s sources, headers and
 * makefiles (the student files left out), the compiler's version, Check's
 * and the C library's versions, and this cache's format. A change to any of
 * them is another key, so a stale object is never used; old keys are
 * deleted when a new one is made. Each staged lab gets a copy of the
 * objects, newer than its sources, so that make compiles only the student's
 * files and links (grader/SPEC.md, "Built once").
 *
 * Interface:
 *   objcache_find   the folder of this lab's objects when they exist, else
 *                   NULL; *key is their key (NULL: the files could not be
 *                   hashed, so there can be no cache).
 *   objcache_build  compiles them now and returns their folder; NULL when
 *                   that failed (no writable build/, the pristine build
 *                   failed: *note says why): the lab is then built whole,
 *                   as without a cache.
 *   objcache_seed   copies the objects into a staged lab's build folders:
 *                   every one but the hidden tests' (hidden false), or only
 *                   the hidden tests' (hidden true: the hidden checks'
 *                   stage, never a scratch where student code runs before).
 *                   A file it cannot copy is left out: make then compiles it.
 */
#ifndef OBJCACHE_H
#define OBJCACHE_H

#include <stdbool.h>
#include <jansson.h>
#include "grader.h"

char *objcache_find(const struct options *opt, const char *lab, json_t *spec, char **key);
char *objcache_build(const struct options *opt, const char *lab, json_t *spec,
                     const char *key, char **note);
void objcache_seed(const char *entry, const char *scratch, const char *lab, bool hidden);

#endif /* OBJCACHE_H */
