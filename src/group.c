/* Task groups, and the question a running task may ask: ws_cancelled().
 *
 * A group counts its tasks in flight and the waits on them in one 64-bit
 * word: the low 31 bits are the tasks posted and not counted out, bit 31
 * says that someone sleeps on the word, and the high 32 bits are an epoch
 * that every count-out bumps in the same read-modify-write. Sleepers
 * (ws_group_wait, and posters at the limit) futex-wait on the epoch half,
 * so a count-out between a sleeper's check and its sleep changes the futex
 * word and the sleep returns at once. A count-out wakes the word only when
 * it brings the count to 0 or below the limit and a sleeper has set bit 31
 * (which that same RMW clears): a stream of tasks with nobody waiting costs
 * one RMW per post and at most one per finished task (a CPU worker counts a
 * run of finished tasks out at once, see done_here), and no system call.
 * That RMW is the finished tasks' last touch of the group's memory (a futex
 * wake of a freed address is harmless), so a waiter may free the group as
 * soon as it sees the count at 0.
 */
#include "internal.h"

#include <limits.h>

#define G_COUNT   0x7fffffffull /* tasks in flight */
#define G_SLEEP   0x80000000ull /* a sleeper wants a wake */
#define G_EPOCH1  (1ull << 32)  /* one epoch */

/* Group flags (flags word). */
#define G_CANCELLED 1u /* ws_group_cancel, or the first error with CANCEL_ON_ERROR */
#define G_SKIPPED   2u /* a task did not run because of a cancel */

__thread ws__scope *ws__scope_top;

struct ws_group {
    /* Read by posters and runners, written once or rarely. */
    ws_pool *pool;
    unsigned limit;    /* 0: none */
    unsigned opts;     /* WS_GROUP_* */
    _Atomic uint32_t flags; /* G_* */
    _Atomic int first;     /* the first non-zero status */
    /* Every post and count-out writes it: a line of its own, so reading
       the fields above costs no miss. */
    WS__ALIGNED _Atomic uint64_t word; /* count | G_SLEEP | epoch << 32 */
};

typedef struct gjob {
    ws__qjob q;
    ws_group *g;
    ws_fn fn;
    void *arg;
    ws_dtor dtor;
} gjob;

ws__cache ws__cache_job = WS__CACHE_INIT(sizeof(gjob), 1);

bool ws__scope_cancelled(const ws__scope *sc, const ws_pool *pool)
{
    /* relaxed: a request to stop early; nothing is read after it. */
    if (sc && (atomic_load_explicit(sc->word, memory_order_relaxed) & sc->mask))
        return true;
    return pool && ws__cancelling(pool);
}

int ws_cancelled(void)
{
    ws__worker *w = ws__self;
    ws_pool *pool = w ? w->pool : ws__lane_self;
    return ws__scope_cancelled(ws__scope_top, pool);
}

/* The epoch half of the word, for the futex. */
static _Atomic uint32_t *epoch_word(ws_group *g)
{
    return (_Atomic uint32_t *)((char *)&g->word + (__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ ? 4 : 0));
}

/* n tasks leave the group: the last touch of g's memory for them. */
static void leave(ws_group *g, unsigned n)
{
    _Atomic uint32_t *ew = epoch_word(g);
    unsigned limit = g->limit;
    /* relaxed: the CAS below decides. */
    uint64_t v = atomic_load_explicit(&g->word, memory_order_relaxed);
    uint64_t nv;
    bool wake;
    do {
        uint64_t count = v & G_COUNT;
        wake = (v & G_SLEEP) && (count == n || count == limit);
        nv = (v - n + G_EPOCH1) & ~(wake ? G_SLEEP : 0);
        /* release: the tasks' effects (and their status) to the waiter that
           sees the count drop; relaxed on failure: we only retry. */
    } while (!atomic_compare_exchange_weak_explicit(&g->word, &v, nv, memory_order_release,
                                                    memory_order_relaxed));
    if (wake)
        ws__futex_wake(ew, INT_MAX);
}

/* A CPU worker counts the tasks it finishes of a group without a limit out
 * in batches, so a stream of tasks does not move the group's counter line
 * between the poster and the worker for every task. Only the worker's own
 * loops carry a batch from one job to the next (ws__run_top); it is counted
 * out before the worker runs any other kind of job or a task of another
 * group, before any wait (ws__wait_for), before it goes idle
 * (ws__publish_finished), and at the end of every job run nested inside a
 * task (ws__run): no task runs, and no worker rests, while holding a count
 * back. */
#define GDONE_BATCH 64

void ws__group_flush(ws__worker *w)
{
    ws_group *g = w->gdone;
    unsigned n = w->ngdone;
    w->gdone = NULL;
    w->ngdone = 0;
    leave(g, n);
}

static void done_here(ws_group *g, ws__worker *w)
{
    if (!w || g->limit) { /* a lane thread; a limit's posters wait per task */
        leave(g, 1);
        return;
    }
    /* Held here: none, or g's own. ws__gjob_exec counted another group's
       out before the task ran, and every job the task ran nested left none
       (ws__run counts out after it, ws__wait_for before it returns). */
    w->gdone = g;
    if (++w->ngdone == GDONE_BATCH)
        ws__group_flush(w);
}

static void fail(ws_group *g, int status)
{
    int zero = 0;
    /* relaxed: the first error is read after the count, which leave()
       releases. */
    atomic_compare_exchange_strong_explicit(&g->first, &zero, status, memory_order_relaxed,
                                            memory_order_relaxed);
    if (g->opts & WS_GROUP_CANCEL_ON_ERROR)
        /* relaxed: a request; tasks that start later see it. */
        atomic_fetch_or_explicit(&g->flags, G_CANCELLED, memory_order_relaxed);
}

/* Runs one task of g here (or skips it if g is cancelled), then its
 * destructor. */
static void run_task(ws_group *g, ws__worker *w, ws_fn fn, void *arg, ws_dtor dtor)
{
    /* relaxed: whether to start; a cancel that comes later is polled. */
    uint32_t fl = atomic_load_explicit(&g->flags, memory_order_relaxed);
    if ((fl & G_CANCELLED) || ws__cancelling(g->pool)) {
        if (!(fl & G_SKIPPED))
            /* relaxed: read by the waiter after the count (released). */
            atomic_fetch_or_explicit(&g->flags, G_SKIPPED, memory_order_relaxed);
    } else {
        ws__scope sc;
        ws__scope_push(&sc, &g->flags, G_CANCELLED, g);
        int st = fn(arg);
        ws__scope_pop(&sc);
        if (w)
            ws__stat_inc(&w->stats.executed);
        if (st)
            fail(g, st);
    }
    if (dtor)
        dtor(arg);
}

void ws__gjob_exec(ws__job *job, ws__worker *w)
{
    gjob *j = (gjob *)job;
    ws_group *g = j->g;
    ws_pool *pool = g->pool;
    WS__HB_ACQUIRE(job);
    if (w && w->gdone && w->gdone != g) /* not held back while this one runs */
        ws__group_flush(w);
    run_task(g, w, j->fn, j->arg, j->dtor);
    ws__cache_free(&ws__cache_job, j);
    WS__HB_RELEASE(g); /* the task's writes, to the group's waiter */
    ws__finished(pool);
    done_here(g, w);
}

int ws_group_create(ws_group **out, ws_pool *pool, const ws_group_opts *opts)
{
    if (!out || !pool || (opts && (opts->flags & ~(WS_GROUP_CANCEL_ON_ERROR | WS_GROUP_NOWAIT |
                                                     WS_GROUP_BLOCKING))) ||
        (opts && opts->limit > G_COUNT))
        return WS_EINVAL;
    ws_group *g = ws__aligned_alloc(WS__CACHELINE, sizeof(*g));
    if (!g)
        return WS_ENOMEM;
    g->pool = pool;
    g->limit = opts ? opts->limit : 0;
    g->opts = opts ? opts->flags : 0;
    atomic_init(&g->word, 0);
    atomic_init(&g->flags, 0);
    atomic_init(&g->first, 0);
    ws__pool_retain(pool);
    *out = g;
    return 0;
}

/* Whether the calling thread runs one of g's tasks (at any nesting). */
static bool inside(const ws_group *g)
{
    for (const ws__scope *sc = ws__scope_top; sc; sc = sc->prev)
        if (sc->owner == g)
            return true;
    return false;
}

/* Waiting on the word: until the count is at most `most`. */
typedef struct gwait {
    ws__wait wt;
    ws_group *g;
    uint64_t most;
} gwait;

static bool g_ready(ws__wait *wt)
{
    gwait *gw = (gwait *)wt;
    /* acquire: pairs with leave()'s release: the finished tasks' effects. */
    uint64_t v = atomic_load_explicit(&gw->g->word, memory_order_acquire);
    if ((v & G_COUNT) > gw->most)
        return false;
    WS__HB_ACQUIRE(gw->g);
    return true;
}

static void g_sleep(ws__wait *wt, const struct timespec *until)
{
    gwait *gw = (gwait *)wt;
    ws_group *g = gw->g;
    /* acquire: as g_ready, for a count that dropped just now. The bit asks
       the finisher that gets there for a wake. */
    uint64_t v = atomic_fetch_or_explicit(&g->word, G_SLEEP, memory_order_acquire);
    if ((v & G_COUNT) > gw->most)
        ws__futex_wait(epoch_word(g), (uint32_t)(v >> 32), until);
}

static int wait_count(ws_group *g, uint64_t most, const struct timespec *deadline)
{
    gwait gw = {{g_ready, g_sleep}, g, most};
    return ws__wait_for(ws__self, &gw.wt, deadline);
}

/* Takes a slot in flight; 0, or WS_EAGAIN at the limit with NOWAIT. One
 * of g's own tasks never waits for a slot (it holds one): it goes beyond
 * the limit. */
static int reserve(ws_group *g, bool nested)
{
    if (!g->limit || (nested && !(g->opts & WS_GROUP_NOWAIT))) {
        /* relaxed: a count; the job's queueing publishes the task. */
        atomic_fetch_add_explicit(&g->word, 1, memory_order_relaxed);
        return 0;
    }
    /* relaxed: the CAS below decides. */
    uint64_t v = atomic_load_explicit(&g->word, memory_order_relaxed);
    for (;;) {
        if ((v & G_COUNT) >= g->limit) {
            if (g->opts & WS_GROUP_NOWAIT)
                return WS_EAGAIN;
            wait_count(g, g->limit - 1, NULL);
            /* relaxed: as above. */
            v = atomic_load_explicit(&g->word, memory_order_relaxed);
            continue;
        }
        /* relaxed: a count, as above; relaxed on failure: we retry. */
        if (atomic_compare_exchange_weak_explicit(&g->word, &v, v + 1, memory_order_relaxed,
                                                  memory_order_relaxed))
            return 0;
    }
}

int ws_group_post_ex(ws_group *g, ws_fn fn, void *arg, ws_dtor dtor)
{
    if (!g || !fn)
        return WS_EINVAL;
    /* relaxed: a cancel racing this post may let one more task in, which
       then does not start. */
    if (atomic_load_explicit(&g->flags, memory_order_relaxed) & G_CANCELLED)
        return WS_ECANCELED;
    /* Only a limit makes it matter whether one of g's own tasks posts. */
    bool nested = g->limit && inside(g);
    if (nested && ws_group_pending(g) >= g->limit &&
        !(g->opts & (WS_GROUP_NOWAIT | WS_GROUP_BLOCKING)) && ws__stack_ok()) {
        /* A task of g at the limit would wait for itself: the new task runs
           here, in the caller's slot (queued beyond the limit below when
           the stack is low). */
        run_task(g, ws__self, fn, arg, dtor);
        return 0;
    }
    gjob *j = ws__cache_alloc(&ws__cache_job);
    if (!j)
        return WS_ENOMEM;
    int rc = reserve(g, nested);
    if (rc == 0)
        rc = ws__accept(g->pool);
    else {
        ws__cache_free(&ws__cache_job, j);
        return rc;
    }
    if (rc == 0) {
        *j = (gjob){.q.job.exec = ws__gjob_exec, .g = g, .fn = fn, .arg = arg, .dtor = dtor};
        if (!(g->opts & WS_GROUP_BLOCKING)) {
            ws__enqueue(g->pool, &j->q);
            return 0;
        }
        rc = ws__blocking_submit(g->pool, &j->q);
        if (rc == 0)
            return 0;
        ws__finished(g->pool); /* accepted, then refused */
    }
    ws__cache_free(&ws__cache_job, j);
    leave(g, 1); /* not posted after all */
    return rc;
}

int ws_group_post(ws_group *g, ws_fn fn, void *arg)
{
    return ws_group_post_ex(g, fn, arg, NULL);
}

size_t ws_group_pending(const ws_group *g)
{
    /* relaxed: a count for the caller's information. */
    return g ? (size_t)(atomic_load_explicit(&((ws_group *)g)->word, memory_order_relaxed) &
                        G_COUNT)
             : 0;
}

int ws_group_wait(ws_group *g, int64_t timeout_ns)
{
    if (!g)
        return WS_EINVAL;
    if (inside(g))
        return WS_EBUSY;
    struct timespec deadline;
    if (timeout_ns >= 0)
        ws__deadline(&deadline, timeout_ns);
    int rc = wait_count(g, 0, timeout_ns >= 0 ? &deadline : NULL);
    if (rc)
        return rc;
    /* relaxed: written before the tasks' leave(), which g_ready acquired. */
    int first = atomic_load_explicit(&g->first, memory_order_relaxed);
    if (first)
        return first;
    /* relaxed: as above. */
    return atomic_load_explicit(&g->flags, memory_order_relaxed) & G_SKIPPED ? WS_ECANCELED : 0;
}

int ws_group_cancel(ws_group *g)
{
    if (!g)
        return WS_EINVAL;
    /* relaxed: a request that tasks poll; nothing is published with it. */
    atomic_fetch_or_explicit(&g->flags, G_CANCELLED, memory_order_relaxed);
    return 0;
}

int ws_group_destroy(ws_group *g)
{
    if (!g)
        return WS_EINVAL;
    if (inside(g))
        return WS_EBUSY;
    wait_count(g, 0, NULL);
    ws__pool_release(g->pool);
    ws__free(g);
    return 0;
}
