/* Fork-join: ws_spawn/ws_sync, ws_join, ws_run.
 *
 * A spawn writes the caller's frame and pushes it on the private tail of the
 * worker's deque: no allocation, no lock, no atomic read-modify-write. A sync
 * whose frame is still on top of the private tail pops it and calls fn
 * directly. Both fast paths are inline in the caller (wsched.h); this file
 * has their slow paths. Otherwise (ws__sync_slow) a sync runs whatever was
 * pushed above the frame, takes the frame back from the public part, or, if a
 * thief took it, waits by *leapfrogging*: it steals only from that thief,
 * whose deque holds nothing but the stolen task's descendants (a thief steals
 * only with an empty deque, and a deque loses its oldest items first), so the
 * waiting worker's stack grows by at most the depth of that subtree. It never
 * runs unrelated work while a frame waits, and sleeps on the frame only after
 * it has spun for a while without anything to steal back. (The one thief
 * whose deque may hold older work is a worker helping while it waits on a
 * future; that helping stops at half of its stack, see ws__stack_ok.)
 */
#include "internal.h"

#include <time.h>

#define LEAPFROG_SPINS 2048

int ws_worker_id(void)
{
    ws__worker *w = ws__self;
    return w && !w->spare ? (int)w->id : -1;
}

void ws__task_exec(ws__job *job, ws__worker *w)
{
    ws__task *t = (ws__task *)job;
    t->status = t->fn(t->arg);
    ws__stat_inc(&w->stats.executed);
    WS__HB_RELEASE(t); /* the task's writes, to the syncing owner */
    /* release: status before DONE. The frame may be gone once DONE shows;
       a futex wake on a dead address is harmless. */
    uint32_t old = atomic_fetch_or_explicit(&t->st, WS__T_DONE, memory_order_release);
    if (old & WS__T_WAITER)
        ws__futex_wake(&t->st, 1);
}

/* No worker, NULL fn, or a full deque that cannot grow: fn runs (or is
 * refused) at once, and the frame is done. */
static WS__COLD void spawn_cold(ws__task *t, ws_fn fn, void *arg)
{
    t->fn = fn;
    t->arg = arg;
    t->status = fn ? fn(arg) : WS_EINVAL;
    ws__worker *w = ws__self;
    if (fn && w)
        ws__stat_inc(&w->stats.executed);
    /* relaxed: the frame is the caller's own; nothing was shared. */
    atomic_store_explicit(&t->st, WS__T_LIVE | WS__T_DONE, memory_order_relaxed);
}

/* The inline spawn's exits (wsched.h). A frame pushed on an empty deque is
 * published at once: it is all this worker has to give, and a worker that
 * goes idle later must not wait for a next spawn that may never come (a
 * ws_join whose first half runs long, a spawn followed by a long sibling).
 * A worker's deque is empty only when its task has nothing pending, which
 * happens about once per level of the task tree that a worker entered by a
 * steal or by taking a public frame back, not once per spawn; the cost is
 * a publish here and a take (a CAS) at the sync. A spawn onto an empty
 * private tail comes here too, to learn whether thieves emptied the public
 * part. Private work above the oldest item is shared on demand. */
void ws__spawn_slow(ws_task *pt, ws_fn fn, void *arg)
{
    ws__task *t = (ws__task *)pt;
    ws__worker *w = ws__self;
    if (!t)
        return;
    if (!fn || !w) {
        spawn_cold(t, fn, arg);
        return;
    }
    ws__deque *dq = &w->dq;
    t->job.exec = ws__task_exec;
    t->fn = fn;
    t->arg = arg;
    t->idx = dq->priv; /* where ws__dq_push puts it */
    /* relaxed: published to thieves by the seq_cst store of bottom. */
    atomic_store_explicit(&t->st, WS__T_LIVE, memory_order_relaxed);
    bool empty = false;
    if (dq->priv == dq->pub) {
        /* acquire: as in ws__dq_make_room: slots below it are reused only
           after the thieves' reads. top_seen <= top <= pub. */
        dq->top_seen = atomic_load_explicit(&dq->top, memory_order_acquire);
        empty = dq->top_seen >= dq->pub;
    }
    if (!ws__dq_push(dq, &t->job)) {
        spawn_cold(t, fn, arg); /* full and cannot grow: run it now */
        return;
    }
    /* relaxed: a hint from thieves (see sleep.c); ws__share orders. */
    if ((empty && w->pool->n > 1) || atomic_load_explicit(&w->demand, memory_order_relaxed))
        ws__share(w);
}

/* The frame was stolen: leapfrog until its thief finishes it. */
static int wait_stolen(ws__worker *w, ws__task *t)
{
    ws_pool *pool = w->pool;
    unsigned spins = 0;
    for (;;) {
        /* acquire: pairs with the thief's release of DONE (status). */
        uint32_t s = atomic_load_explicit(&t->st, memory_order_acquire);
        if (s & WS__T_DONE) {
            WS__HB_ACQUIRE(t);
            return t->status;
        }
        unsigned thief = (s & ~WS__T_LIVE_MASK) >> WS__T_THIEF_SHIFT;
        if (thief) {
            ws__job *j = ws__steal_from(w, pool->workers[thief - 1]);
            if (j) {
                ws__stat_inc(&w->stats.leapfrogs);
                ws__run(w, j);
                spins = 0;
                continue;
            }
        }
        if (++spins < LEAPFROG_SPINS) {
            ws__cpu_relax();
            continue;
        }
        /* acquire on success: the DONE we may then read; relaxed on failure:
           we only retry. */
        if (!(s & WS__T_WAITER) &&
            !atomic_compare_exchange_strong_explicit(&t->st, &s, s | WS__T_WAITER,
                                                     memory_order_acquire, memory_order_relaxed))
            continue;
        ws__publish_finished(w);
        /* Sleep until the thief finishes, looking for work to steal back
           every millisecond. */
        struct timespec slice;
        ws__deadline(&slice, 1000000);
        ws__futex_wait(&t->st, s | WS__T_WAITER, &slice);
        spins = 0;
    }
}

static int sync_slow(ws__worker *w, ws__task *t)
{
    for (;;) {
        /* acquire: pairs with the release of DONE (status). */
        if (atomic_load_explicit(&t->st, memory_order_acquire) & WS__T_DONE) {
            WS__HB_ACQUIRE(t);
            return t->status;
        }
        ws__job *j = ws__dq_pop(&w->dq);
        if (j == &t->job) {
            int st = t->fn(t->arg);
            ws__stat_inc(&w->stats.executed);
            return st;
        }
        if (!j)
            return wait_stolen(w, t);
        ws__run(w, j); /* pushed above the frame (a future, a continuation) */
    }
}

/* The inline sync's exit (wsched.h). A frame that is not live (never
 * spawned, or synced already) is refused before anything waits on it. */
int ws__sync_slow(ws_task *pt)
{
    ws__task *t = (ws__task *)pt;
    if (!t)
        return WS_EINVAL;
    /* acquire: pairs with the release of DONE (status). */
    uint32_t s = atomic_load_explicit(&t->st, memory_order_acquire);
    if ((s & WS__T_LIVE_MASK) != WS__T_LIVE)
        return WS_EINVAL;
    ws__worker *w = ws__self;
    int st;
    if (w) {
        ws__stat_inc(&w->stats.slow_syncs);
        st = sync_slow(w, t);
    } else if (s & WS__T_DONE) {
        st = t->status; /* spawned outside a worker: it ran in ws_spawn */
    } else {
        return WS_EINVAL; /* a worker's frame, synced outside any worker */
    }
    /* relaxed: the frame is back in its owner's hands; whoever ran it is
       done with it. A second sync sees it spent. */
    atomic_store_explicit(&t->st, 0, memory_order_relaxed);
    return st;
}

/* The exported functions, for callers that cannot inline (wsched.h): the
 * library itself always builds the inline paths (CMakeLists.txt). */
#ifndef ws_spawn
#error "the library is built with WSCHED_INLINE"
#endif

void(ws_spawn)(ws_task *t, ws_fn fn, void *arg)
{
    ws_spawn(t, fn, arg);
}

int(ws_sync)(ws_task *t)
{
    return ws_sync(t);
}

int ws_join(ws_fn a, void *a_arg, ws_fn b, void *b_arg)
{
    if (!a || !b)
        return WS_EINVAL;
    if (!ws__self) { /* a first, as promised */
        int ra = a(a_arg);
        int rb = b(b_arg);
        return ra ? ra : rb;
    }
    ws_task t;
    ws_spawn(&t, b, b_arg);
    int ra = a(a_arg);
    int rb = ws_sync(&t);
    return ra ? ra : rb;
}

/* ws_run from outside the pool: a root job on the caller's stack. */
typedef struct root {
    ws__qjob q;
    ws_fn fn;
    void *arg;
    int status;
    _Atomic uint32_t done; /* WS__T_DONE, WS__T_WAITER */
} root;

static void root_exec(ws__job *job, ws__worker *w)
{
    root *r = (root *)job;
    ws_pool *pool = w->pool;
    WS__HB_ACQUIRE(job);
    if (ws__cancelling(pool)) {
        r->status = WS_ECANCELED;
    } else {
        r->status = r->fn(r->arg);
        ws__stat_inc(&w->stats.executed);
    }
    WS__HB_RELEASE(&r->done);
    /* release: status before DONE; the caller's frame may vanish after. */
    uint32_t old = atomic_fetch_or_explicit(&r->done, WS__T_DONE, memory_order_release);
    if (old & WS__T_WAITER)
        ws__futex_wake(&r->done, 1);
    ws__finished(pool);
}

int ws_run(ws_pool *pool, ws_fn fn, void *arg)
{
    if (!pool || !fn)
        return WS_EINVAL;
    ws__worker *w = ws__self;
    if (w && w->pool == pool) {
        int st = fn(arg);
        ws__stat_inc(&w->stats.executed);
        return st;
    }
    int rc = ws__accept(pool);
    if (rc)
        return rc;
    root r = {.q.job.exec = root_exec, .fn = fn, .arg = arg};
    atomic_init(&r.done, 0);
    ws__enqueue(pool, &r.q);
    /* A worker of another pool keeps running its own pool's work. */
    ws__help_until(w, &r.done, WS__T_DONE, WS__T_WAITER, NULL);
    WS__HB_ACQUIRE(&r.done);
    return r.status;
}
