/* schedule_parse.c - the SCHEDULE grammar, read without side effects, so
 * that the scheduler (schedule.c) and the grader, which checks a
 * SCHEDULE= before passing it on, read it the same way. */
#include "common.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

/* SEED or FIRST-LAST at s, digits only (sscanf alone takes "-1"). */
static bool parse_seeds(const char *s, struct schedule_spec *sp)
{
	int used = 0;

	if (!isdigit((unsigned char)s[0]))
		return false;
	if (sscanf(s, "%llu-%n", &sp->first, &used) == 1 && used > 0) {
		if (!isdigit((unsigned char)s[used]))
			return false;
		s += used, used = 0;
		return sscanf(s, "%llu%n", &sp->last, &used) == 1 && s[used] == '\0' &&
		       sp->first <= sp->last && sp->last - sp->first < SCHEDULE_SEEDS_MAX;
	}
	used = 0;
	if (sscanf(s, "%llu%n", &sp->first, &used) != 1 || s[used] != '\0')
		return false;
	sp->last = sp->first;
	return true;
}

bool schedule_parse(const char *s, struct schedule_spec *sp)
{
	int depth, used = 0;

	if (strncmp(s, "random:", 7) == 0) {
		sp->pct = false, sp->depth = 1;
		return parse_seeds(s + 7, sp);
	}
	if (sscanf(s, "pct:%d:%n", &depth, &used) == 1 && used > 0 && depth >= 1 &&
	    depth <= SCHEDULE_DEPTH_MAX) {
		sp->pct = true, sp->depth = depth;
		return parse_seeds(s + used, sp);
	}
	return false;
}
