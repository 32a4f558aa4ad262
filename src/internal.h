/* Cross-file internals, grouped by the file that defines them. */
#ifndef WS_INTERNAL_H
#define WS_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <urcu/wfcqueue.h>

#include "compiler.h"
#include "deque.h"
#include "perturb.h"
#include "wsched.h"

/* ------------------------------------------------------------------------ */
/* Jobs: what deques and queues hold. Every job starts with its exec.        */

typedef struct ws__worker ws__worker;
typedef struct ws__job ws__job;
typedef void (*ws__exec_fn)(ws__job *job, ws__worker *w);

struct ws__job {
    ws__exec_fn exec;
};

/* The layout behind the public ws_task. */
typedef struct ws__task {
    ws__job job;
    ws_fn fn;
    void *arg;
    int64_t idx;         /* deque index it was pushed at (inline sync) */
    int status;          /* written by whoever runs fn, read after DONE */
    _Atomic uint32_t st; /* WS__T_LIVE (wsched.h) | WS__T_* bits |
                            thief id << WS__T_THIEF_SHIFT; 0 once synced */
} ws__task;

#define WS__T_DONE        1u /* fn returned, status is set */
#define WS__T_WAITER      2u /* the owner sleeps on st (futex) */
#define WS__T_THIEF_SHIFT 2  /* (thief worker id + 1) << shift, set on steal */

/* ws_task is this layout as the inline fast path (wsched.h) writes it. */
#define WS__SAME_FIELD(a, fa, b, fb)                                                    \
    _Static_assert(offsetof(a, fa) == offsetof(b, fb) && sizeof(((a *)0)->fa) ==         \
                       sizeof(((b *)0)->fb),                                             \
                   #a "." #fa " is not " #b "." #fb)
WS__SAME_FIELD(ws__task, job.exec, ws_task, ws__exec);
WS__SAME_FIELD(ws__task, fn, ws_task, ws__fn);
WS__SAME_FIELD(ws__task, arg, ws_task, ws__arg);
WS__SAME_FIELD(ws__task, idx, ws_task, ws__idx);
WS__SAME_FIELD(ws__task, status, ws_task, ws__status);
WS__SAME_FIELD(ws__task, st, ws_task, ws__st);
_Static_assert(sizeof(ws__task) == sizeof(ws_task), "ws_task has another size");
_Static_assert(_Alignof(ws__task) <= _Alignof(ws_task), "ws_task misaligned");
_Static_assert((WS__T_LIVE & (WS__T_DONE | WS__T_WAITER | (4097u << WS__T_THIEF_SHIFT))) == 0 &&
                   (4097u << WS__T_THIEF_SHIFT) < (WS__T_LIVE & -WS__T_LIVE),
               "frame state bits overlap");

/* A job queued from outside a worker (root of ws_run, a future). */
typedef struct ws__qjob {
    ws__job job;
    struct cds_wfcq_node node;
} ws__qjob;

/* ------------------------------------------------------------------------ */
/* Worker and pool                                                           */

/* Per-worker counters. The inline ws_sync counts the frames it runs in
 * dq.syncs, on the line it writes anyway (the counter is a chain of its
 * own, off the critical path). ws_stats.executed is executed + dq.syncs;
 * ws_stats.spawns is dq.syncs + slow_syncs. */
typedef struct ws__stats {
    _Atomic uint64_t slow_syncs; /* frames synced by ws__sync_slow */
    _Atomic uint64_t executed;     /* every other task run to completion */
    _Atomic uint64_t steals, failed_steals, parks, injected, leapfrogs, shares;
} ws__stats;

struct ws__worker {
    ws__deque dq;
    /* Thieves write, owner reads on every spawn: a thief found nothing
       public here and asks the owner to publish private work. Right after
       the deque's owner line: the inline spawn reaches it through ws__fj. */
    WS__ALIGNED _Atomic uint32_t demand;
    /* Owner only. */
    WS__ALIGNED ws_pool *pool;
    unsigned id;         /* index in pool->workers; spares come after the n */
    bool spare;          /* a spare (spare.c), not one of the pool's n workers */
    int cpu;             /* the CPU this thread is pinned to, -1: none */
    uint64_t rng;
    unsigned *victims;   /* other workers, nearest (shared cache) first */
    unsigned nnear;      /* victims[0..nnear) share a cache with this one */
    pthread_t thread;
    struct dq_hdr *retired; /* old deque buffers waiting for a grace period */
    uint64_t finished;      /* accepted jobs this worker finished */
    ws_group *gdone;        /* tasks of this group finished here, not yet */
    unsigned ngdone;        /* counted out of it (group.c) */
    /* Spares only, under pool->spare_mu. */
    int sp_state;  /* WS__SP_* */
    bool sp_live;  /* a thread was started here and not joined yet */
    /* Owner writes (relaxed load + store), anyone reads. */
    WS__ALIGNED ws__stats stats;
    _Atomic uint64_t finished_pub; /* finished, as last published */
};

/* ws__fj (wsched.h) is the view of a worker from its dq.priv on. */
#define WS__FJ_FIELD(f, g)                                                                 \
    _Static_assert(offsetof(ws__worker, f) - offsetof(ws__worker, dq.priv) ==              \
                           offsetof(ws__fj, g) &&                                           \
                       sizeof(((ws__worker *)0)->f) == sizeof(((ws__fj *)0)->g),           \
                   "ws__fj." #g " is not ws__worker." #f)
WS__FJ_FIELD(dq.priv, priv);
WS__FJ_FIELD(dq.pub, pub);
WS__FJ_FIELD(dq.top_seen, top_seen);
WS__FJ_FIELD(dq.mask, mask);
WS__FJ_FIELD(dq.slots, slots);
WS__FJ_FIELD(dq.syncs, syncs);
WS__FJ_FIELD(demand, demand);

/* Pool lifecycle (pool->state). */
enum { WS__RUNNING = 0, WS__SHUTDOWN = 1, WS__CANCEL = 2 };

typedef struct ws__blocking ws__blocking;
typedef struct ws__trace ws__trace;

struct ws_pool {
    unsigned n;
    ws__worker **workers;      /* n workers, then up to WS__SPARES_MAX spares */
    _Atomic unsigned nall;     /* n + spare slots set up so far (only grows) */
    unsigned fork_gen;         /* ws__fork_gen when the pool was created */
    int64_t dq_cap;            /* initial deque capacity */
    unsigned spin_us;
    size_t stack_size;
    char name[11];
    int pin;
    ws__dq_ops dq_ops;

    /* Work from outside: producers never wait; consumers (idle workers)
       serialise on inj_lock with a trylock. */
    WS__ALIGNED struct __cds_wfcq_head inj_head;
    WS__ALIGNED struct cds_wfcq_tail inj_tail;
    WS__ALIGNED _Atomic int inj_lock;

    /* Sleep (sleep.c). */
    WS__ALIGNED _Atomic uint32_t epoch;  /* futex word: bumped on each wake */
    WS__ALIGNED _Atomic uint32_t nsleep; /* workers announced or parked */
    _Atomic uint32_t searching;          /* workers spinning for work */
    _Atomic uint32_t wake_pending;       /* a wake is on its way */

    /* Lifecycle: read on every job, written a few times in a pool's life. */
    WS__ALIGNED _Atomic int state; /* WS__RUNNING, SHUTDOWN, CANCEL */
    _Atomic uint32_t drained;      /* futex word for destroy */
    _Atomic int stop;              /* workers exit */

    /* Accounting of accepted work (pool.c): submitters count accepted jobs;
       workers count the jobs they finish privately and publish the count
       when they go idle; other threads (the blocking lane, refusals) count
       on finished_other. Destroy waits until the sums agree. Each on its
       own line, so a submitter and the workers never share one. */
    WS__ALIGNED _Atomic uint64_t accepted;
    WS__ALIGNED _Atomic uint64_t finished_other;

    /* Futures hold these: the pool's memory outlives destroy until the last
       one is released. Its own line: touched mostly by submitters. */
    WS__ALIGNED _Atomic uint64_t refs;

    ws__blocking *blk;

    /* Spare workers (spare.c): cold, under spare_mu. */
    WS__ALIGNED pthread_mutex_t spare_mu;
    pthread_cond_t spare_cv;   /* an idle spare was given work, or stop */
    unsigned blocked;          /* workers blocked in a wait */
    unsigned spares_active;    /* spares running pool work */

    /* Figures for ws_stats_print: the CPUs workers may use and the cgroup
       CPU limit (0: none) when the pool was created. */
    unsigned allowed, cpu_limit;
    bool print_stats;   /* WSCHED_STATS: print at destroy */
    ws_stats lane_final; /* the blocking lane's figures once it is gone */
    /* Tracing (trace.c): NULL unless ws_pool_trace or WSCHED_TRACE. */
    _Atomic(ws__trace *) trace;
};

/* Spare states (ws__worker.sp_state). */
enum { WS__SP_RUNNING = 0, WS__SP_IDLE = 1, WS__SP_EXITED = 2 };

/* ------------------------------------------------------------------------ */
/* "alloc.c": every allocation and thread start, fault-injectable in tests.  */
void *ws__malloc(size_t size);
void *ws__calloc(size_t n, size_t size);
void *ws__aligned_alloc(size_t align, size_t size);
void ws__free(void *p);
/* size bytes of zeroed pages aligned to size (a power of two); NULL if
 * none. */
void *ws__map_aligned(size_t size);
/* Faults the pages of [p, p + size) in at once, where the system can. */
void ws__prefault(void *p, size_t size);
void ws__unmap(void *p, size_t size);
int ws__thread_create(pthread_t *t, const pthread_attr_t *attr, void *(*fn)(void *), void *arg);
#ifdef WS_FAULT_INJECTION
/* Test-only: fail the n-th allocation or thread start from now (1-based);
 * 0 disables. Returns how many sites were passed since the last call. */
WS_EXTERN long ws_test_fail_at(long n);
#endif

/* "cache.c": per-thread caches of fixed-size blocks. */
typedef struct ws__cache {
    size_t size;        /* of a block */
    unsigned index;     /* its pair of magazines in each thread */
    pthread_mutex_t mu; /* guards the depot and the slabs */
    struct ws__mag *full, *empty;
    unsigned nfull;
    struct ws__slab *carve;  /* blocks are cut from it, from carved on */
    size_t carved;
    char *region;            /* slabs not handed out yet, from here */
    unsigned region_left;
    struct ws__slab *unused; /* slabs with no block out, newest first */
    unsigned nunused;
    uint64_t trim_at;        /* when the oldest of them is due to go */
    struct ws__slab *warming; /* a new slab partly read through (cache.c) */
    bool warmer;              /* a worker is warming a slab now */
    uint64_t grew_at;         /* when the last new slab was taken */
    /* atomic, read by idle workers, so on a line of its own: the cache
       grows, warm slabs ahead (the allocating thread's CPU + 2, or 0) */
    WS__ALIGNED _Atomic uint32_t want;
} ws__cache;
#define WS__CACHE_INIT(sz, i) {.size = (sz), .index = (i), .mu = PTHREAD_MUTEX_INITIALIZER}
extern ws__cache ws__cache_future; /* future.c */
extern ws__cache ws__cache_job;    /* group.c */
/* A block of c->size bytes (cached, or new); NULL if none. */
void *ws__cache_alloc(ws__cache *c);
/* Gives a block back; NULL is ignored. */
void ws__cache_free(ws__cache *c, void *p);
/* An idle worker's step of warming slabs for a growing cache; true if it
 * did one (it took up to about 0.1 ms). */
bool ws__cache_warm(int cpu);
/* Around fork(): take and release every cache's lock. */
void ws__cache_fork_prepare(void);
void ws__cache_fork_done(void);

/* "topology.c" */
/* The allowed CPUs in ascending order (from opts->cpus or the affinity
 * mask). Returns the count, or a negative WS_E* code. *out is ws__malloc'd. */
int ws__allowed_cpus(const ws_pool_opts *opts, int **out);
/* Fills w->victims and w->nnear for every worker. */
int ws__victim_order(ws_pool *pool);

/* Owner, idle: frees its retired deque buffers after a grace period. */
void ws__reclaim(ws__worker *w);
extern char ws__rcu_token;

/* "sleep.c" */
/* After a post: wakes a sleeper unless a searcher or a wake on its way will
 * find the work (the protocol in sleep.c). */
void ws__wake(ws_pool *pool);
/* ws__wake for a hand-on that counted n jobs: up to n sleepers at once. */
void ws__wake_n(ws_pool *pool, unsigned n);
void ws__wake_all(ws_pool *pool);
/* Idle worker: parks unless work shows up; returns when woken. */
void ws__park(ws__worker *w);
/* The work that shows, counted up to limit (>= 1): public deque items, one
 * for outside work, one for a stop or shutdown; seq_cst loads, for checks
 * after a seq_cst announcement. 0: none. */
unsigned ws__work_count(ws__worker *w, unsigned limit);
int ws__futex_wait(_Atomic uint32_t *addr, uint32_t val, const struct timespec *abs_deadline);
void ws__futex_wake(_Atomic uint32_t *addr, int n);

/* "worker.c" */
extern __thread ws__worker *ws__self __attribute__((tls_model("initial-exec")));
/* ws__fj_self (wsched.h) is &ws__self->dq.priv in a worker, else
 * &ws__fj_none (whose fields send every spawn and sync to the slow paths). */
extern ws__fj ws__fj_none;
void *ws__worker_main(void *arg);
/* Finds one job (own deque, outside queue, steal); NULL if none. */
ws__job *ws__find_work(ws__worker *w);
/* Owner: makes half of its private work stealable and wakes a sleeper. */
void ws__share(ws__worker *w);
/* Steals from one victim for leapfrogging; NULL if nothing. */
ws__job *ws__steal_from(ws__worker *w, ws__worker *victim);
/* Owner-only counter: a relaxed load + store, not an RMW: only the owner
 * writes its counters; readers want a recent value, not an order. */
static inline void ws__stat_inc(_Atomic uint64_t *c)
{
    atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + 1,
                          memory_order_relaxed);
}
/* Whether this thread's stack has room to nest more work: helping and
 * running a waited-for task inline stop at half the usable stack, so a
 * task that starts nested has at least half of it. Any thread. */
bool ws__stack_ok(void);
/* Measures the calling thread's stack: at a thread's start, so that what
 * lies below is its usable stack. */
void ws__stack_init(void);
/* Every wait in the library: ready() checks the condition (and acquires
 * what it publishes); sleep() sleeps on a futex until woken, `until` (NULL:
 * none) or at once if the condition may hold: it must not miss a wake. */
typedef struct ws__wait ws__wait;
struct ws__wait {
    bool (*ready)(ws__wait *wt);
    void (*sleep)(ws__wait *wt, const struct timespec *until);
};
/* Waits until wt->ready() or the deadline (NULL: none) passes; 0 or
 * WS_ETIMEDOUT. A worker w (NULL elsewhere) runs other work of its pool
 * meanwhile while its stack has room; when it must block, a spare worker
 * takes its place (spare.c). Others spin briefly, then sleep. */
int ws__wait_for(ws__worker *w, ws__wait *wt, const struct timespec *deadline);
/* ws__wait_for on a word: until *word & mask is non-zero. Before sleeping
 * it sets waiter_bit in the word; whoever sets mask must wake the word if
 * it saw waiter_bit. */
int ws__help_until(ws__worker *w, _Atomic uint32_t *word, uint32_t mask, uint32_t waiter_bit,
                   const struct timespec *deadline);
/* The pool's workers and spares set up so far (acquire: their structs). */
static inline unsigned ws__nall(const ws_pool *pool)
{
    return atomic_load_explicit(&((ws_pool *)pool)->nall, memory_order_acquire);
}
/* This thread's index in its pool's workers, -1 outside workers. */
int ws__self_id(void);
/* Pins the calling thread to cpu (-1: leaves it). */
void ws__pin(int cpu);

/* "spare.c": compensation for workers blocked in a wait. */
#define WS__SPARES_MAX 256
/* w is about to block: its private work is published and a spare worker
 * is woken or started to stand in for it. false when none could be (at
 * WS__SPARES_MAX, or no thread could start): w should keep looking for
 * work now and then. Pair with ws__block_end. */
bool ws__block_begin(ws__worker *w);
/* A blocked worker without a stand-in tries again; true once covered. */
bool ws__block_retry(ws__worker *w);
void ws__block_end(ws__worker *w);
/* A spare at an idle point: false when it has retired for good (its
 * thread exits); true when it should go on looking for work. */
bool ws__spare_keep(ws__worker *w);
int ws__spares_init(ws_pool *pool);
/* Stop: wakes idle spares (pool->stop is set) and joins every spare. */
void ws__spares_stop(ws_pool *pool);

/* "fork.c": a child of fork() refuses the parent's pools. */
extern _Atomic unsigned ws__fork_gen;
/* Installs the fork handlers (once); 0 or WS_ENOMEM. */
int ws__fork_init(void);
/* Whether grace periods work in this process (false in a child forked while
 * RCU readers were registered: buffers are then freed at destroy). */
bool ws__rcu_usable(void);
/* liburcu's registry and grace periods, serialised against fork(). */
void ws__rcu_register(void);
void ws__rcu_unregister(void);
void ws__rcu_synchronize(void);

/* "pool.c" */
/* Accepts one job from outside (counts it); WS_ESHUTDOWN after shutdown. */
int ws__accept(ws_pool *pool);
/* One accepted job finished (or was rejected after ws__accept). */
void ws__finished(ws_pool *pool);
/* Owner, about to idle or sleep: publishes its count of finished jobs. */
void ws__publish_finished(ws__worker *w);
/* Queues an accepted job: on the caller's deque inside a worker of pool,
 * else on the outside queue; wakes a sleeper. */
void ws__enqueue(ws_pool *pool, ws__qjob *j);
ws__job *ws__dequeue_outside(ws__worker *w);
bool ws__cancelling(const ws_pool *pool);
/* References on the pool's memory (futures and groups outlive their pool),
 * through the calling thread's lease (pool.c). */
void ws__pool_retain(ws_pool *pool);
void ws__pool_release(ws_pool *pool);

/* "future.c" */
void ws__future_exec(ws__job *job, ws__worker *w);
typedef struct ws__listener ws__listener;
struct ws__listener {
    ws__listener *next, *prev;
    void (*fire)(ws__listener *l, ws_future *f); /* once, when f is final */
};
/* Adds l to f's listeners, or fires it at once if f is already final. */
void ws__listen(ws_future *f, ws__listener *l);
/* Runs f's task in the caller if nobody has started it and the caller may
 * (a CPU worker or lane thread of f's pool); true if f is final now. */
bool ws__future_run_inline(ws_future *f);

/* "group.c": task groups, and what a running task may ask (ws_cancelled).
 * Each task a worker or lane thread runs for a future or a group pushes a
 * scope on this thread's chain: it is cancelled when *word & mask. */
typedef struct ws__scope ws__scope;
struct ws__scope {
    ws__scope *prev;
    _Atomic uint32_t *word;
    uint32_t mask;
    const void *owner; /* the future or group */
};
extern __thread ws__scope *ws__scope_top;
static inline void ws__scope_push(ws__scope *sc, _Atomic uint32_t *word, uint32_t mask,
                                  const void *owner)
{
    *sc = (ws__scope){ws__scope_top, word, mask, owner};
    ws__scope_top = sc;
}
static inline void ws__scope_pop(ws__scope *sc)
{
    ws__scope_top = sc->prev;
}
/* Whether the work of scope sc (NULL: none) should stop: its future or
 * group was cancelled, or pool (NULL: none) cancels what it has accepted. */
bool ws__scope_cancelled(const ws__scope *sc, const ws_pool *pool);

/* "blocking.c" */
/* The pool whose blocking lane runs this thread; NULL elsewhere. */
extern __thread ws_pool *ws__lane_self;
int ws__blocking_create(ws_pool *pool, const ws_pool_opts *opts);
/* Queues an accepted job on the lane; WS_EAGAIN/WS_ENOMEM if no thread can
 * run it. */
int ws__blocking_submit(ws_pool *pool, ws__qjob *j);
/* Most threads of the lane (opts.blocking_max). */
unsigned ws__blocking_max(const ws_pool *pool);
/* The lane's figures into out's blocking_* fields. */
void ws__blocking_stats(ws_pool *pool, ws_stats *out);
/* A lane thread of pool that waits runs the lane's oldest queued job, if
 * any (nested: the caller checks its stack); true if it ran one. */
bool ws__blocking_help(ws_pool *pool);
/* Joins the lane's threads (all accepted work is done) and frees it. */
void ws__blocking_destroy(ws_pool *pool);


/* "clock.c": CLOCK_MONOTONIC deadlines and timestamps. */
/* *ts = now + timeout_ns (timeout_ns >= 0). */
void ws__deadline(struct timespec *ts, int64_t timeout_ns);
bool ws__deadline_passed(const struct timespec *ts);
/* Nanoseconds on CLOCK_MONOTONIC. */
uint64_t ws__now_ns(void);

/* "cgroup.c" */
/* The CPU limit of this process's cgroup: ceil(quota / period), the
 * smallest along the path to the hierarchy's root, over cgroup v2 and the
 * v1 cpu controller; 0 when there is none or it cannot be read. Paths are
 * read under root ("" for the real /proc and mounts; tests pass a fake
 * tree). */
unsigned ws__cgroup_cpu_limit(const char *root);
/* Test-only: the root ws_pool_create and ws_default_workers read (NULL: ""). */
extern const char *ws__cgroup_root;

/* "env.c" */
/* The 0.1 layouts' sizes: their last fields end there. */
#define WS__OPTS_V01_SIZE  (offsetof(ws_pool_opts, blocking_idle_ms) + sizeof(unsigned))
#define WS__STATS_V01_SIZE (offsetof(ws_stats, shares) + sizeof(uint64_t))
/* *o = the caller's options (size bytes of them; NULL: none), with the
 * fields left at zero filled from the environment. WS_EINVAL when size is
 * below the 0.1 layout or bytes past this library's struct are not zero. */
int ws__opts_resolve(ws_pool_opts *o, const ws_pool_opts *user, size_t size);
/* min(allowed, cgroup limit), at least 1; *limit gets the limit. */
unsigned ws__default_workers(unsigned allowed, unsigned *limit);
/* WSCHED_STATS is set to a true value. */
bool ws__env_stats(void);
/* Events per trace ring: WSCHED_TRACE_EVENTS (a power of two), or 65536. */
uint32_t ws__env_trace_events(void);

/* "trace.c" */
/* Event kinds in a trace ring. */
enum { WS__EV_BEGIN = 1, WS__EV_END, WS__EV_STEAL, WS__EV_PARK, WS__EV_WAKE };
/* The pool's trace, NULL when off: one predictable branch on hot paths. */
static inline ws__trace *ws__tracing(ws_pool *pool)
{
    /* acquire: pairs with the release in ws_pool_trace; the rings are
       initialised before they are seen. */
    return atomic_load_explicit(&pool->trace, memory_order_acquire);
}
/* Worker w runs j, recorded as a span. */
void ws__trace_run(ws__trace *t, ws__worker *w, ws__job *j);
/* Counts out of their group the tasks this worker finished and has not
 * counted yet (group.c): before it runs another kind of job, waits or goes
 * idle. */
void ws__group_flush(ws__worker *w);
void ws__gjob_exec(ws__job *job, ws__worker *w);
/* Worker w runs a job it took (not a fork-join frame synced inline), from
 * one of its own loops (worker.c: the main loop, ws__wait_for), which may
 * carry a batch of finished group tasks on to the next job. */
static inline void ws__run_top(ws__worker *w, ws__job *j)
{
    if (WS_UNLIKELY(w->gdone) && j->exec != ws__gjob_exec)
        ws__group_flush(w);
    ws__trace *t = ws__tracing(w->pool);
    if (WS_UNLIKELY(t))
        ws__trace_run(t, w, j);
    else
        j->exec(j, w);
}
/* The same, nested in a running task (a sync that runs other jobs): what
 * the job finished is counted out before the task goes on, which may then
 * run for any time, or wait in user code. */
static inline void ws__run(ws__worker *w, ws__job *j)
{
    ws__run_top(w, j);
    if (WS_UNLIKELY(w->gdone))
        ws__group_flush(w);
}
/* Lane thread lane runs j, recorded as a span. */
void ws__trace_lane_run(ws__trace *t, unsigned lane, ws__job *j);
/* Records an instant or a boundary for worker w (arg: victim id, ...). */
void ws__trace_event(ws__trace *t, ws__worker *w, unsigned kind, uint64_t arg);
/* At destroy, every thread joined: writes the file, frees the rings. */
void ws__trace_finish(ws_pool *pool);
/* At destroy, every thread joined: WSCHED_STATS and the trace. */
void ws__pool_report(ws_pool *pool);

/* "tsan" helpers: real happens-before edges that TSan cannot see inside
 * liburcu (built without TSan annotations). Nothing in other builds. */
#if defined(__SANITIZE_THREAD__)
#define WS__TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define WS__TSAN 1
#endif
#endif
#ifdef WS__TSAN
#include <sanitizer/tsan_interface.h>
#define WS__TSAN_RELEASE(addr) __tsan_release((void *)(addr))
#define WS__TSAN_ACQUIRE(addr) __tsan_acquire((void *)(addr))
#else
#define WS__TSAN_RELEASE(addr) ((void)0)
#define WS__TSAN_ACQUIRE(addr) ((void)0)
#endif

/* The edges a user's TSan build must see when it links a library built
 * without TSan (Release): the library's own atomics are invisible there, so
 * the handing of a task's arg to a worker, and of its results back, would
 * look like races in the user's code. In such a library these call the TSan
 * runtime when the process has one (weak symbols, NULL otherwise), on slow
 * paths only: submission, execution of a queued or stolen job, publication
 * of deque work, completion of a stolen or queued job, and the waits that
 * observe it. In a TSan build of the library TSan sees the atomics
 * themselves, so these are nothing: no edge is added that could hide a race
 * in the library. */
#ifdef WS__TSAN
#define WS__HB_RELEASE(addr) ((void)0)
#define WS__HB_ACQUIRE(addr) ((void)0)
#else
void __tsan_acquire(void *addr) __attribute__((weak, visibility("default")));
void __tsan_release(void *addr) __attribute__((weak, visibility("default")));
#define WS__HB_RELEASE(addr) (__tsan_release ? __tsan_release((void *)(addr)) : (void)0)
#define WS__HB_ACQUIRE(addr) (__tsan_acquire ? __tsan_acquire((void *)(addr)) : (void)0)
#endif

#endif
