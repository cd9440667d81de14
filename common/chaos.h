/* chaos.h - internal to common/: the decision behind each chaos_point(),
 * exposed so the unit tests can check that one seed replays one sequence. */
#ifndef CHAOS_H
#define CHAOS_H

enum chaos_kind { CHAOS_NOTHING, CHAOS_YIELD, CHAOS_SLEEP };

struct chaos_action {
	enum chaos_kind kind;
	unsigned usec; /* 1..200 when kind == CHAOS_SLEEP, else 0 */
};

/* Draws the calling thread's next action (always CHAOS_NOTHING when
 * unseeded) without performing it. chaos_point() is chaos_next() + act. */
struct chaos_action chaos_next(void);

#endif /* CHAOS_H */
