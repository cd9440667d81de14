/* progress.c - progress on stderr while the grader grades (see progress.h).
 *
 * On a terminal a ticker thread redraws one status line every second. It
 * only formats and writes; it blocks every signal, so the sandbox's waits in
 * the main thread are never interrupted, and it never forks. (The sandbox's
 * children run only async-signal-safe code between fork and exec, so a
 * thread in the grader cannot leave them a held lock.) */
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>
#include "progress.h"

#define QUIET_S  3   /* a step shorter than this never shows a status line */
#define NAME_W   15  /* the step-name column: "memory-pipeline" fits */

static struct {
	enum progress_mode mode;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	pthread_t ticker;
	bool ticking, stop, printed;
	bool tasks;               /* several tasks at once: no per-step lines */
	char step[64];
	double step_t0;           /* 0: no step running */
	double run_t0, run_limit; /* the program lab_run waits for; run_t0 0: none */
	bool drawn;               /* a status line is on the screen */
} P = { .lock = PTHREAD_MUTEX_INITIALIZER, .wake = PTHREAD_COND_INITIALIZER };

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

static int columns(void)
{
	struct winsize w;
	return ioctl(STDERR_FILENO, TIOCGWINSZ, &w) == 0 && w.ws_col > 20 ? w.ws_col : 80;
}

/* With P.lock held. */
static void clear_status(void)
{
	if (P.drawn)
		fputs("\r\033[K", stderr);
	P.drawn = false;
}

/* With P.lock held: "  races       47 s  still running; stopped in 43 s if it hangs" */
static void draw_status(void)
{
	double t = now(), ran = t - P.step_t0;
	if (!P.step_t0 || ran < QUIET_S)
		return;
	char line[256];
	int n = snprintf(line, sizeof line, "  %-*s %5.0f s  still running", NAME_W, P.step, ran);
	if (P.run_t0 && P.run_limit > 0 && t - P.run_t0 >= QUIET_S) {
		double left = P.run_limit - (t - P.run_t0);
		if (left > 0.5)
			snprintf(line + n, sizeof line - n, "; stopped in %.0f s if it hangs", left);
		else
			snprintf(line + n, sizeof line - n, "; at its deadline: being stopped");
	}
	line[columns() - 1 < (int)sizeof line ? columns() - 1 : (int)sizeof line - 1] = '\0';
	fprintf(stderr, "\r\033[K%s", line);
	fflush(stderr);
	P.drawn = true;
}

static void *tick(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&P.lock);
	while (!P.stop) {
		struct timespec until;
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += 1;
		pthread_cond_timedwait(&P.wake, &P.lock, &until);
		if (!P.stop)
			draw_status();
	}
	pthread_mutex_unlock(&P.lock);
	return NULL;
}

/* A fork (the sandbox's, or a lab's checks at once) while the ticker holds
 * the lock would leave the child a lock nobody unlocks: fork between uses. */
static void fork_prepare(void) { pthread_mutex_lock(&P.lock); }
static void fork_after(void) { pthread_mutex_unlock(&P.lock); }

void progress_start(enum progress_mode mode)
{
	static bool atfork;
	P.mode = mode;
	if (mode != PROGRESS_LIVE)
		return;
	if (!atfork)
		atfork = pthread_atfork(fork_prepare, fork_after, fork_after) == 0;
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old); /* the thread inherits the mask */
	P.ticking = pthread_create(&P.ticker, NULL, tick, NULL) == 0;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (!P.ticking)
		P.mode = PROGRESS_LINES;
}

/* A line above the status line. */
static void vsay(const char *fmt, va_list ap)
{
	pthread_mutex_lock(&P.lock);
	clear_status();
	vfprintf(stderr, fmt, ap);
	fflush(stderr);
	P.printed = true;
	pthread_mutex_unlock(&P.lock);
}

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsay(fmt, ap);
	va_end(ap);
}

/* Several labs at once (grade.c): the parent draws one status line from
 * scheduler.c's ticks, so no ticker thread (a fork must not copy a held lock),
 * and the per-step lines of each lab are not shown. */
void progress_start_tasks(enum progress_mode mode)
{
	P.mode = mode;
	P.tasks = true;
}

void progress_status(const char *line)
{
	if (P.mode != PROGRESS_LIVE)
		return;
	pthread_mutex_lock(&P.lock);
	char buf[256];
	snprintf(buf, sizeof buf, "%s", line);
	buf[columns() - 1 < (int)sizeof buf ? columns() - 1 : (int)sizeof buf - 1] = '\0';
	fprintf(stderr, "\r\033[K%s", buf);
	fflush(stderr);
	P.drawn = true;
	pthread_mutex_unlock(&P.lock);
}

void progress_line(const char *fmt, ...)
{
	va_list ap;
	if (P.mode == PROGRESS_NONE)
		return;
	va_start(ap, fmt);
	vsay(fmt, ap);
	va_end(ap);
}

void progress_lab(const char *lab)
{
	if (P.mode != PROGRESS_NONE && !P.tasks)
		say("grading %s\n", lab);
}

void progress_step(const char *name)
{
	pthread_mutex_lock(&P.lock);
	snprintf(P.step, sizeof P.step, "%s", name);
	P.step_t0 = now();
	pthread_mutex_unlock(&P.lock);
}

void progress_done(const char *summary)
{
	pthread_mutex_lock(&P.lock);
	double s = P.step_t0 ? now() - P.step_t0 : 0;
	char step[sizeof P.step];
	memcpy(step, P.step, sizeof step);
	P.step_t0 = 0;
	pthread_mutex_unlock(&P.lock);
	if (P.mode != PROGRESS_NONE && !P.tasks)
		say("  %-*s %5.1f s  %s\n", NAME_W, step, s, summary);
}

void progress_ran(const char *name, double seconds, const char *summary)
{
	if (P.mode != PROGRESS_NONE && !P.tasks)
		say("  %-*s %5.1f s  %s\n", NAME_W, name, seconds, summary);
}

void progress_run(double timeout_s)
{
	pthread_mutex_lock(&P.lock);
	P.run_t0 = timeout_s >= 0 ? now() : 0;
	P.run_limit = timeout_s;
	pthread_mutex_unlock(&P.lock);
}

void progress_stop(void)
{
	pthread_mutex_lock(&P.lock);
	P.stop = true;
	clear_status();
	if (P.printed)
		fputc('\n', stderr); /* the report follows on stdout */
	fflush(stderr);
	pthread_cond_signal(&P.wake);
	pthread_mutex_unlock(&P.lock);
	if (P.ticking)
		pthread_join(P.ticker, NULL);
	P.ticking = false;
	P.mode = PROGRESS_NONE;
	P.tasks = false;
}
