/* pool.h - lab 04's contract: a fixed-size thread pool, Python's
 * ThreadPoolExecutor(max_workers=n) in C. Part A is map (results in input
 * order), part B is submit and futures (concurrent.futures' Future).
 * Harness-owned: do not edit.
 *
 * Interface, part A (pool.c):
 *   pool_create(n)            starts n worker threads (n >= 1) and returns the
 *                             pool; the workers wait for tasks and live until
 *                             pool_destroy: no other thread is ever started
 *   pool_map(p, fn, in, out, count)
 *                             runs fn(in[i]) for every i in 0 .. count - 1 on
 *                             the pool's workers, each exactly once, at most n
 *                             at a time, and stores its result in out[i]:
 *                             out[i] = fn(in[i]), whatever order the calls
 *                             finish in. Returns once every call has
 *                             returned. count == 0 returns at once. The
 *                             calling thread only waits, sleeping in
 *                             Pthread_cond_wait: it never runs fn. The
 *                             calls of one map may start in any order.
 *   pool_destroy(p)           waits until every task submitted so far has run,
 *                             joins every worker, and frees the pool. Futures
 *                             not yet got stay valid: future_get still works.
 *
 * Interface, part B (pool.c):
 *   pool_submit(p, fn, arg)   queues one call fn(arg) for the workers and
 *                             returns at once with its future; it never waits
 *                             for the call (the queue has no bound)
 *   future_get(f)             waits until that call has returned, then gives
 *                             its result and frees the future: call it once
 *                             per future, from any thread. Waiting means
 *                             sleeping in Pthread_cond_wait (common.h), never
 *                             a loop that polls, sleeps or yields.
 *
 * Threads: pool_map, pool_submit and future_get may be called by several
 * threads at once, on the same pool; tasks (a map's batch, a future) start
 * in the order they were queued as workers become free. fn must not wait
 * for another task of its own pool (with one worker, that would wait
 * forever). pool_destroy is called once, when no other thread uses the
 * pool any more. Every pthread call goes through common.h's wrappers
 * (Pthread_create, ...).
 */
#ifndef POOL_H
#define POOL_H

struct pool;                           /* opaque: defined by the student in pool.c */
struct future;                         /* opaque: defined by the student in pool.c */
typedef void *(*task_fn)(void *arg);   /* a task, like a pthread start routine */

/* ---- part A ---- */
struct pool *pool_create(int nworkers);
void pool_map(struct pool *p, task_fn fn, void **inputs, void **outputs, int count);
void pool_destroy(struct pool *p);

/* ---- part B ---- */
struct future *pool_submit(struct pool *p, task_fn fn, void *arg);
void *future_get(struct future *f);

#endif /* POOL_H */
