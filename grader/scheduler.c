/* scheduler.c - the parent hands out turns; each task asks for one per step.
 * See scheduler.h for the rules. The protocol on each task's socket is one
 * byte at a time: the task sends 'S' (a shared turn) or 'A' (alone) and
 * waits for 'G'; it sends 'D' when the step is over. */
#include <errno.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include "scheduler.h"

#define TICK_MS 250

/* The task's side: its socket to the parent, and its worker number. */
static int turn_fd = -1, worker_no = -1;

static void send_byte(int fd, char c)
{
	while (write(fd, &c, 1) < 0 && errno == EINTR)
		;
}

void sched_turn(bool alone)
{
	char c;
	if (turn_fd < 0)
		return;
	send_byte(turn_fd, alone ? 'A' : 'S');
	while (read(turn_fd, &c, 1) < 0 && errno == EINTR)
		;
}

void sched_end_turn(void)
{
	if (turn_fd >= 0)
		send_byte(turn_fd, 'D');
}

int sched_worker(void)
{
	return worker_no;
}

int sched_slots(void)
{
	const char *env = getenv("GRADER_JOBS");
	if (env && atoi(env) > 0)
		return atoi(env);
	cpu_set_t set;
	if (sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) > 0)
		return CPU_COUNT(&set);
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	return n > 0 ? (int)n : 1;
}

/* ---- the parent ---- */

struct worker {
	pid_t pid;        /* 0: this worker number is free */
	int fd;
	size_t task;
	char wants;       /* 0, 'S' or 'A': a turn asked for and not yet given */
	char holds;       /* 0, 'S' or 'A' */
	unsigned long asked; /* when it asked, to serve in order */
};

struct sched {
	const struct sched_ops *ops;
	struct worker *w;
	int nworkers, slots;
	size_t next, done;
	int shared;       /* shared turns held */
	long alone;       /* the task holding the alone turn, or -1 */
	unsigned long seq;
};

/* The oldest request, an alone one before any shared one. */
static struct worker *next_request(struct sched *s)
{
	struct worker *best = NULL;
	for (int i = 0; i < s->nworkers; i++) {
		struct worker *w = &s->w[i];
		if (!w->pid || !w->wants)
			continue;
		if (!best || (w->wants == 'A' && best->wants != 'A') ||
		    (w->wants == best->wants && w->asked < best->asked))
			best = w;
	}
	return best;
}

static void grant(struct sched *s)
{
	struct worker *w;
	while ((w = next_request(s))) {
		if (s->alone >= 0 || (w->wants == 'A' ? s->shared > 0 : s->shared >= s->slots))
			return;
		if (w->wants == 'A')
			s->alone = (long)w->task;
		else
			s->shared++;
		w->holds = w->wants;
		w->wants = 0;
		send_byte(w->fd, 'G');
	}
}

static void release(struct sched *s, struct worker *w)
{
	if (w->holds == 'A')
		s->alone = -1;
	else if (w->holds == 'S')
		s->shared--;
	w->holds = 0;
}

static void start(struct sched *s, struct worker *w)
{
	int sv[2];
	w->task = s->next++;
	w->wants = w->holds = 0;
	fflush(NULL); /* the child must not write the parent's buffered output again */
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0 || (w->pid = fork()) < 0) {
		w->pid = 0; /* cannot start it: the task's done sees a failure */
		s->ops->done(w->task, -1, s->ops->arg);
		s->done++;
		return;
	}
	if (w->pid == 0) {
		close(sv[0]);
		for (int i = 0; i < s->nworkers; i++)
			if (s->w[i].pid)
				close(s->w[i].fd);
		turn_fd = sv[1];
		worker_no = (int)(w - s->w);
		/* Not inherited across fork: orphans of the sandbox come to us. */
		prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
		prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
		s->ops->run(w->task, s->ops->arg);
		fflush(NULL);
		_exit(0);
	}
	close(sv[1]);
	w->fd = sv[0];
}

static void finish(struct sched *s, struct worker *w)
{
	int status = -1;
	release(s, w);
	close(w->fd);
	while (waitpid(w->pid, &status, 0) < 0 && errno == EINTR)
		;
	w->pid = 0;
	s->ops->done(w->task, status, s->ops->arg);
	s->done++;
}

/* A byte from a task: a request, a step over, or its end (EOF). */
static void hear(struct sched *s, struct worker *w)
{
	char c;
	ssize_t got = read(w->fd, &c, 1);
	if (got < 0 && errno == EINTR)
		return;
	if (got <= 0)
		finish(s, w);
	else if (c == 'D')
		release(s, w);
	else if (c == 'S' || c == 'A') {
		release(s, w); /* asking again ends the turn held */
		w->wants = c;
		w->asked = s->seq++;
	}
}

static void tick(struct sched *s)
{
	if (!s->ops->tick)
		return;
	struct sched_view v = { .done = s->done, .total = s->ops->ntasks, .alone = s->alone,
	                        .shared = (size_t)s->shared, .newest = (long)s->next - 1 };
	s->ops->tick(&v, s->ops->arg);
}

void sched_run(const struct sched_ops *ops, int slots)
{
	struct sched s = { .ops = ops, .slots = slots > 0 ? slots : 1, .alone = -1 };
	s.nworkers = 2 * s.slots; /* more alive than turns: alone turns come in runs */
	s.w = calloc((size_t)s.nworkers, sizeof *s.w);
	struct pollfd *pfd = calloc((size_t)s.nworkers, sizeof *pfd);
	while (s.done < ops->ntasks) {
		for (int i = 0; i < s.nworkers && s.next < ops->ntasks; i++)
			if (!s.w[i].pid)
				start(&s, &s.w[i]);
		grant(&s);
		tick(&s);
		int n = 0;
		for (int i = 0; i < s.nworkers; i++)
			if (s.w[i].pid)
				pfd[n++] = (struct pollfd){ .fd = s.w[i].fd, .events = POLLIN };
		if (n == 0)
			continue;
		if (poll(pfd, (nfds_t)n, TICK_MS) <= 0)
			continue;
		for (int i = 0, k = 0; i < s.nworkers; i++) {
			if (!s.w[i].pid)
				continue;
			if (pfd[k++].revents)
				hear(&s, &s.w[i]);
		}
	}
	tick(&s);
	free(pfd);
	free(s.w);
}
