/* What every runtime in the comparison offers the workloads. A workload file
 * is compiled once per runtime (-DRT_WSCHED, -DRT_MUTEX, -DRT_OMP, -DRT_TBB
 * or -DRT_SEQ), so every runtime runs the same workload code; only the
 * spawn and wait below differ. */
#ifndef WS_BENCH_RT_H
#define WS_BENCH_RT_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef int (*rt_fn)(void *arg);
typedef int (*rt_body)(size_t lo, size_t hi, void *arg);

#define RT_FORKJOIN 1u /* rt_root, rt_spawn, rt_wait */
#define RT_EXTERNAL 2u /* rt_ext, rt_call */
#define RT_LOOP     4u /* rt_pfor */
#define RT_GROUP    8u /* rt_ext_group */

extern const char rt_name[];   /* "wsched", "mutex", "omp-gcc", "omp-clang", "tbb", "seq" */
extern const char rt_note[];   /* how it does what it has no API for, or "" */
extern const unsigned rt_caps; /* RT_* */

/* Starts the runtime with this many workers (threads that run tasks, the
 * caller included where the runtime works that way). Returns 0 or -1. */
int rt_start(unsigned workers);
void rt_stop(void);

/* The workers rt_start started, counted as rt_start counts them. */
unsigned rt_workers(void);

/* Runs fn(arg) as a root task and waits for it; returns its status. */
int rt_root(rt_fn fn, void *arg);

/* External submission from the calling thread (the main thread, not a
 * worker): n tasks fn(arg), then waits until all have run. */
int rt_ext(size_t n, rt_fn fn, void *arg);

/* rt_ext through the runtime's task group, no handle per task (wsched:
 * ws_group_post; only runtimes with RT_GROUP define it). */
int rt_ext_group(size_t n, rt_fn fn, void *arg);

/* One round trip from the calling thread: hands fn(arg) to the runtime,
 * runs meanwhile(marg) unless it is NULL (the caller goes on with its own
 * work), then waits for fn's status. */
int rt_call(rt_fn fn, void *arg, void (*meanwhile)(void *), void *marg);

/* body over disjoint ranges covering [begin, end): at most grain elements
 * each when grain > 0, the runtime's own choice when grain is 0. Returns the
 * first non-zero status of body, or 0. */
int rt_pfor(size_t begin, size_t end, size_t grain, rt_body body, void *arg);

#ifdef __cplusplus
}
#endif

/* Fork-join, inline, defined by each runtime's header:
 *   rt_task   a caller-owned frame for one spawned task;
 *   rt_group  the tasks one parent spawns before waiting for them all;
 *   void rt_group_init(rt_group *g);
 *   void rt_spawn(rt_group *g, rt_task *t, rt_fn fn, void *arg);
 *   int  rt_wait(rt_group *g);  waits for all, newest first; 0 or a status. */
#if defined(RT_WSCHED)
#include "rt_wsched.h"
#elif defined(RT_MUTEX)
#include "mutex_pool.h"
#elif defined(RT_OMP)
#include "rt_omp.h"
#elif defined(RT_TBB)
#include "tbb_shim.h"
#elif defined(RT_SEQ)
#include "rt_seq.h"
#else
#error "define one of RT_WSCHED, RT_MUTEX, RT_OMP, RT_TBB, RT_SEQ"
#endif

#endif /* WS_BENCH_RT_H */
