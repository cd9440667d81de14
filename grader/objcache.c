/* objcache.c - the objects that hold no student code, compiled once per
 * content and copied into every staged lab (see objcache.h). */
#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "checks.h"
#include "objcache.h"
#include "progress.h"

/* A new format (what is kept, or how it is keyed) must never read an old one. */
#define CACHE_FORMAT "objcache 1"
#define OBJ_MAX (64 << 20)

/* mkdir -p of path's folder. */
static void make_parents(const char *path)
{
	char *p = xstrdup(path);
	for (char *s = strchr(p + 1, '/'); s; s = strchr(s + 1, '/')) {
		*s = '\0';
		mkdir(p, 0755);
		*s = '/';
	}
	free(p);
}

/* ---- the key ---- */

/* The SHA-256 of every source, header and makefile of the lab but its
 * student files, and of common/, with the versions of the tools that
 * compile them. The shell's tools do the hashing (coreutils' sha256sum);
 * the compiler is asked for its version with the sandbox's PATH. NULL when
 * a name could not be quoted safely or the tools failed. */
static char *cache_key(const char *root, const char *lab, json_t *spec)
{
	char *skip = NULL;
	size_t i;
	json_t *f;
	json_array_foreach(json_object_get(spec, "student_files"), i, f) {
		const char *name = json_string_value(f);
		if (!name || strpbrk(name, "'\\\n"))
			return free(skip), NULL;
		strappend(&skip, " ! -path 'labs/%s/%s'", lab, name);
	}
	if (strpbrk(lab, "'\\\n") || strpbrk(root, "'\\\n"))
		return free(skip), NULL;
	char *cmd = xasprintf(
		"cd '%s' && { find 'labs/%s' common -type f \\( -name '*.c' -o -name '*.h' "
		"-o -name Makefile -o -name '*.mk' \\)%s -print0 | LC_ALL=C sort -z | "
		"xargs -0 -r sha256sum; PATH=/usr/local/bin:/usr/bin:/bin; cc --version; "
		"pkg-config --modversion check; ldd --version; echo '%s %s'; } 2>&1 | sha256sum",
		root, lab, skip ? skip : "", CACHE_FORMAT, LAB_DEBUG_ROOT);
	FILE *p = popen(cmd, "r");
	char hex[65] = "";
	bool ok = p && fscanf(p, "%64[0-9a-f]", hex) == 1 && strlen(hex) == 64;
	if (p && pclose(p) != 0)
		ok = false;
	free(cmd);
	free(skip);
	return ok ? xstrdup(hex) : NULL;
}

/* ---- making an entry ---- */

static const char *walk_from, *walk_to;
static bool walk_hidden; /* objcache_seed: the hidden tests' objects, or all others */
static int walk_failed;

static bool is_object(const char *path)
{
	size_t len = strlen(path);
	return len > 2 && strcmp(path + len - 2, ".o") == 0;
}

static int keep_object(const char *path, const struct stat *st, int type, struct FTW *f)
{
	(void)st; (void)f;
	if (type != FTW_F || !is_object(path))
		return 0;
	char *to = xasprintf("%s%s", walk_to, path + strlen(walk_from));
	make_parents(to);
	if (lab_copy_file(path, to, OBJ_MAX) < 0)
		walk_failed = -1;
	free(to);
	return 0;
}

/* Copies every object under from into to, at the same relative paths. */
static int keep_objects(const char *from, const char *to)
{
	walk_from = from;
	walk_to = to;
	walk_failed = 0;
	return nftw(from, keep_object, 16, FTW_PHYS) == 0 ? walk_failed : -1;
}

/* Builds the pristine objects, plain and with the sanitizers, in a staged
 * copy of the lab without its student files; keeps them in tmp. */
static int build_into(const struct options *opt, const char *lab, json_t *spec,
                      const char *tmp, char **note)
{
	struct lab_ctx c = { .opt = opt, .lab = lab, .spec = spec };
	struct sbx_result r = { 0 };
	double timeout = 2 * spec_secs(json_object_get(spec, "build"), "timeout_s", 120);
	char *why = NULL;
	int rc = lab_stage_pristine(&c, true, &why);
	static const char *const targets[] = { "pristine", "asan-pristine" };
	for (size_t i = 0; rc == 0 && i < 2; i++) {
		sbx_result_free(&r);
		if ((rc = lab_make(&c, targets[i], timeout, &r)) == 0 && (r.exit_code || r.timed_out))
			rc = -1;
	}
	if (rc < 0 && !why)
		why = xasprintf("the lab's own files did not build: %.300s", r.output ? r.output : "");
	if (rc == 0) {
		char *plain = xasprintf("%s/build/labs/%s", c.scratch, lab);
		char *asan = xasprintf("%s/build/asan/labs/%s", c.scratch, lab);
		char *plain_to = xasprintf("%s/plain", tmp), *asan_to = xasprintf("%s/asan", tmp);
		rc = keep_objects(plain, plain_to) || keep_objects(asan, asan_to) ? -1 : 0;
		if (rc < 0)
			why = xasprintf("could not keep the objects in %s", tmp);
		free(plain); free(asan); free(plain_to); free(asan_to);
	}
	*note = why;
	sbx_result_free(&r);
	lab_unstage(&c);
	free(c.scratch); free(c.labdir); free(c.outdir);
	return rc;
}

/* Every entry of dir but keep: older keys, and what a killed grader left. */
static void remove_others(const char *dir, const char *keep)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	while (d && (e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..") && strcmp(e->d_name, keep)) {
			char *path = xasprintf("%s/%s", dir, e->d_name);
			lab_remove_tree(path);
			free(path);
		}
	if (d)
		closedir(d);
}

static bool is_dir(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

char *objcache_find(const struct options *opt, const char *lab, json_t *spec, char **key)
{
	*key = cache_key(opt->root, lab, spec);
	char *entry = *key ? xasprintf("%s/build/cache/%s/%s", opt->root, lab, *key) : NULL;
	if (entry && !is_dir(entry)) {
		free(entry);
		entry = NULL;
	}
	return entry;
}

char *objcache_build(const struct options *opt, const char *lab, json_t *spec,
                     const char *key, char **note)
{
	*note = NULL;
	char *dir = xasprintf("%s/build/cache/%s", opt->root, lab);
	char *entry = xasprintf("%s/%s", dir, key);
	char *tmp = xasprintf("%s/.tmp.%s.%ld", dir, key, (long)getpid());
	make_parents(tmp);
	if (mkdir(tmp, 0755) < 0) {
		*note = xasprintf("could not write %s: %s", dir, strerror(errno));
	} else if (build_into(opt, lab, spec, tmp, note) == 0 && rename(tmp, entry) == 0) {
		remove_others(dir, key); /* a new key: the old ones can never be used again */
	} else if (!is_dir(entry)) { /* else another grader made it first */
		if (!*note)
			*note = xasprintf("could not keep %s: %s", entry, strerror(errno));
	}
	lab_remove_tree(tmp);
	free(tmp);
	if (*note) {
		free(entry);
		entry = NULL;
	}
	free(dir);
	return entry;
}

/* ---- seeding a staged lab ---- */

static int seed_one(const char *path, const struct stat *st, int type, struct FTW *f)
{
	(void)st; (void)f;
	const char *rel = path + strlen(walk_from) + 1;
	bool hidden = strncmp(rel, "hidden/", 7) == 0;
	if (type != FTW_F || !is_object(path) || hidden != walk_hidden)
		return 0;
	char *to = xasprintf("%s/%s", walk_to, rel);
	make_parents(to);
	lab_copy_file(path, to, OBJ_MAX); /* one missing: make compiles it */
	free(to);
	return 0;
}

void objcache_seed(const char *entry, const char *scratch, const char *lab, bool hidden)
{
	static const char *const kinds[][2] = { { "plain", "build" }, { "asan", "build/asan" } };
	walk_hidden = hidden;
	for (size_t i = 0; i < 2; i++) {
		char *from = xasprintf("%s/%s", entry, kinds[i][0]);
		char *to = xasprintf("%s/%s/labs/%s", scratch, kinds[i][1], lab);
		walk_from = from;
		walk_to = to;
		nftw(from, seed_one, 16, FTW_PHYS);
		free(from);
		free(to);
	}
}
