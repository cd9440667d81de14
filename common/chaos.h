/* chaos.h - internal to common/: the decision behind each chaos_point(),
 * exposed so the unit tests can check that one seed replays one sequence. */
#ifndef CHAOS_H
#define CHAOS_H

#include <stdbool.h>

enum chaos_kind { CHAOS_NOTHING, CHAOS_YIELD, CHAOS_SLEEP };

struct chaos_action {
	enum chaos_kind kind;
	unsigned usec; /* 1..200 when kind == CHAOS_SLEEP, else 0 */
};

/* Draws the calling thread's next action (always CHAOS_NOTHING when
 * unseeded) without performing it. chaos_point() is chaos_next() + act. */
struct chaos_action chaos_next(void);

/* The two wake-up faults behind Pthread_cond_wait under chaos (false when
 * unseeded): chaos_wake_spurious() decides whether this wait returns with
 * no signal (a thread's first wait always does, later ones one in four);
 * chaos_wake_late() whether a woken thread lets the mutex go once more
 * before returning (one in four), so another thread can take what it was
 * woken for. Both draw from the calling thread's generator. */
bool chaos_wake_spurious(void);
/* A yield, then a chaos point: for a window that must open every time
 * (common's signal wrappers, between a caller's unlock and its signal). */
void chaos_window(void);
bool chaos_wake_late(void);

#endif /* CHAOS_H */
