/* Futures: the state machine, waiting, cancel, continuations, wait-all/any,
 * when-all/any.
 *
 * state = phase | flags. Phases: PENDING -> RUNNING -> DONE, or
 * PENDING -> CANCELLED; both final phases have bit 2 set ("done"). Flags:
 * WAITERS (someone sleeps on the word: the completer wakes it) and
 * LISTENERS (the listener list is non-empty). Every transition is a CAS on
 * the one word, so a cancel racing a worker's start has exactly one winner,
 * and a completer learns from the old value whether anyone must be woken or
 * told: nobody waiting costs no lock and no system call.
 *
 * Listeners (continuations, wait_any, when_*, completion queues) sit on a
 * list guarded by the future's mutex, which is taken only by code that adds,
 * removes or fires listeners. They fire under that mutex, so a waiter that
 * removes its node under the mutex knows it will not be touched after.
 *
 * References: the caller holds one; a queued job holds one until it has run
 * or was skipped; whoever can still complete a future holds one. A future
 * also holds a reference on its pool's memory, so futures outlive the pool.
 */
#include "internal.h"

#include <limits.h>
#include <sched.h>
#include <stdlib.h>
#include <time.h>

#define PH_PENDING   0u
#define PH_RUNNING   1u
#define PH_DONE      2u
#define PH_CANCELLED 3u
#define PH_MASK      3u
#define F_FINAL      2u /* bit shared by DONE and CANCELLED */
#define F_WAITERS    4u
#define F_LISTENERS  8u
#define F_QUEUED     16u /* its job was queued: a waiter may run it inline */
#define F_CANCEL_REQ 32u /* cancel asked while running: ws_cancelled() says so */

/* What ws_submit_ex adds; most futures have none. */
typedef struct extra {
    ws_dtor dtor; /* arg's destructor, or NULL */
    void *user;   /* ws_future_user() */
    void *arg;
} extra;

/* One cache line: a million futures in flight cost 64 MB, and a worker
 * running one touches one line. */
struct ws_future {
    ws__qjob q; /* the job that runs fn */
    union {
        ws_fn fn;             /* until final (nothing reads it after) */
        ws_future *fire_next; /* once final: on this thread's list to fire */
    };
    union {
        void *arg; /* without extras */
        extra *ex; /* with them (has_ex): arg is in there */
    };
    ws_pool *pool;
    int status;
    _Atomic uint32_t state;
    _Atomic uint32_t refs;
    _Atomic uint8_t lock;   /* spin lock; guards listeners */
    bool blocking;          /* its job belongs on the blocking lane */
    bool has_ex;            /* ws_submit_ex gave a dtor or user data */
    ws__listener *listeners;
};
_Static_assert(sizeof(struct ws_future) <= WS__CACHELINE, "a future is one line");

static void *arg_of(const ws_future *f)
{
    return f->has_ex ? f->ex->arg : f->arg;
}

static ws_dtor dtor_of(const ws_future *f)
{
    return f->has_ex ? f->ex->dtor : NULL;
}

/* The listener lock: held briefly, and rarely contended (only code that
 * adds, removes or fires listeners takes it). */
static void lock(ws_future *f)
{
    /* acquire: the listener list as the last holder left it. */
    while (atomic_exchange_explicit(&f->lock, 1, memory_order_acquire)) {
        /* relaxed: only a hint that the lock is free again. */
        while (atomic_load_explicit(&f->lock, memory_order_relaxed))
            sched_yield();
    }
    WS__HB_ACQUIRE(&f->lock); /* listeners a user's TSan saw added */
}

static void unlock(ws_future *f)
{
    WS__HB_RELEASE(&f->lock);
    /* release: the list, to the next holder. */
    atomic_store_explicit(&f->lock, 0, memory_order_release);
}

ws__cache ws__cache_future = WS__CACHE_INIT(sizeof(struct ws_future), 0);

static ws_future *future_new(ws_pool *pool, ws_fn fn, void *arg, uint32_t refs)
{
    ws_future *f = ws__cache_alloc(&ws__cache_future);
    if (!f)
        return NULL;
    f->q.job.exec = ws__future_exec;
    f->fn = fn;
    f->arg = arg;
    f->pool = pool;
    f->status = 0;
    atomic_init(&f->state, PH_PENDING);
    atomic_init(&f->refs, refs);
    atomic_init(&f->lock, 0);
    f->listeners = NULL;
    f->blocking = false;
    f->has_ex = false;
    if (pool)
        ws__pool_retain(pool);
    return f;
}

int ws_future_retain(ws_future *f)
{
    if (!f)
        return WS_EINVAL;
    /* relaxed: the caller already holds a reference (as shared_ptr). */
    atomic_fetch_add_explicit(&f->refs, 1, memory_order_relaxed);
    return 0;
}

void ws_future_release(ws_future *f)
{
    if (!f)
        return;
    WS__HB_RELEASE(&f->refs);
    /* acq_rel: release our uses of f; the last dropper acquires them all. */
    if (atomic_fetch_sub_explicit(&f->refs, 1, memory_order_acq_rel) != 1)
        return;
    WS__HB_ACQUIRE(&f->refs);
    if (f->has_ex)
        ws__free(f->ex);
    if (f->pool)
        ws__pool_release(f->pool);
    ws__cache_free(&ws__cache_future, f);
}

/* Fires and unlinks every listener; called once f is final. */
static void fire_all(ws_future *f)
{
    lock(f);
    while (f->listeners) {
        ws__listener *l = f->listeners;
        f->listeners = l->next;
        l->next = l->prev = NULL;
        l->fire(l, f);
        WS__PERTURB();
    }
    unlock(f);
}

/* Firing listeners completes other futures (a continuation cancelled with
 * its parent, a when_all output, and so on down a chain): those are fired
 * by the outermost firing on this thread, from a list, so a chain of any
 * length fires in a loop, not in a recursion. */
static __thread ws_future *fire_later;
static __thread bool firing;

static void fire(ws_future *f)
{
    if (firing) {
        ws_future_retain(f); /* the list's reference */
        f->fire_next = fire_later;
        fire_later = f;
        return;
    }
    firing = true;
    fire_all(f);
    while (fire_later) {
        ws_future *g = fire_later;
        fire_later = g->fire_next;
        fire_all(g);
        ws_future_release(g);
    }
    firing = false;
}

/* Moves f from phase `from` to a final phase. false if f was not in `from`. */
static bool finish(ws_future *f, uint32_t from, uint32_t to)
{
    WS__HB_RELEASE(f); /* the task's writes, to whoever sees f final */
    /* relaxed: the CAS below decides. */
    uint32_t s = atomic_load_explicit(&f->state, memory_order_relaxed);
    do {
        WS__PERTURB();
        if ((s & PH_MASK) != from)
            return false;
        /* acq_rel: release the status (and the task's effects) to whoever
           sees the final phase; acquire the flags set by waiters. */
    } while (!atomic_compare_exchange_weak_explicit(&f->state, &s, (s & ~PH_MASK) | to,
                                                    memory_order_acq_rel, memory_order_relaxed));
    WS__PERTURB();
    /* A cancelled task's arg is destroyed by whoever cancelled it (before
       firing: fire_next then overwrites fn). */
    if (to == PH_CANCELLED) {
        ws_dtor dtor = dtor_of(f);
        if (dtor)
            dtor(arg_of(f));
    }
    if (s & F_LISTENERS)
        fire(f);
    if (s & F_WAITERS)
        ws__futex_wake(&f->state, INT_MAX);
    return true;
}

/* Whether f is final; if so, the task's writes are visible to the caller. */
static bool is_final(ws_future *f)
{
    /* acquire: a final phase makes the status and the task's writes
       visible (pairs with finish()'s release). */
    if (!(atomic_load_explicit(&f->state, memory_order_acquire) & F_FINAL))
        return false;
    WS__HB_ACQUIRE(f);
    return true;
}

/* Takes f from PENDING to RUNNING, if it is pending and has every flag of
 * need set; false if it was cancelled or someone else took it. */
static bool claim(ws_future *f, uint32_t need)
{
    /* relaxed: the CAS below decides. */
    uint32_t s = atomic_load_explicit(&f->state, memory_order_relaxed);
    WS__PERTURB();
    do {
        if ((s & PH_MASK) != PH_PENDING || (s & need) != need)
            return false;
        /* acquire: the fields the submitter wrote (also published by the
           queue); relaxed on failure: we only retry. */
    } while (!atomic_compare_exchange_weak_explicit(&f->state, &s, (s & ~PH_MASK) | PH_RUNNING,
                                                    memory_order_acquire, memory_order_relaxed));
    return true;
}

static void run(ws_future *f, ws__worker *w)
{
    ws__scope sc;
    ws__scope_push(&sc, &f->state, F_CANCEL_REQ, f);
    void *arg = arg_of(f);
    f->status = f->fn(arg);
    ws__scope_pop(&sc);
    ws_dtor dtor = dtor_of(f);
    if (dtor)
        dtor(arg);
    if (w)
        ws__stat_inc(&w->stats.executed);
    finish(f, PH_RUNNING, PH_DONE);
}

void ws__future_exec(ws__job *job, ws__worker *w)
{
    ws_future *f = (ws_future *)job;
    ws_pool *pool = f->pool;
    WS__HB_ACQUIRE(job);
    /* A cancelled future's status is its phase: f->status is written only
       by whoever runs the task (it may have run inline already). */
    if (ws__cancelling(pool)) {
        finish(f, PH_PENDING, PH_CANCELLED);
    } else if (claim(f, 0)) {
        run(f, w);
    }
    ws__finished(pool);
    ws_future_release(f); /* the job's reference */
}

/* A waiter runs f's task itself when nobody has started it: a CPU worker
 * of f's pool, or a blocking-lane thread of f's pool for a lane task (a CPU
 * task always runs on a CPU worker), while its stack has room. A CPU
 * worker runs a task of the blocking lane as a blocked worker (a spare
 * stands in for it meanwhile). The job stays queued and is skipped when
 * reached. So a wait on queued work never depends on another thread being
 * free, whatever the nesting (a task that submits and waits, 10,000 deep;
 * a lane full of threads that wait on lane tasks); past the stack's
 * reserve, spares carry on (spare.c). true if f is final now. */
bool ws__future_run_inline(ws_future *f)
{
    ws_pool *pool = f->pool;
    ws__worker *w = ws__self;
    bool ours = w ? w->pool == pool : pool && ws__lane_self == pool && f->blocking;
    if (!ours || !ws__stack_ok() || !claim(f, F_QUEUED))
        return is_final(f);
    if (ws__cancelling(pool)) { /* it never starts, as the job would do */
        finish(f, PH_RUNNING, PH_CANCELLED);
    } else if (w && f->blocking) {
        /* A lane task, run as the lane would: this worker is blocked (a
           spare stands in) and the task sees a lane thread's identity. */
        ws__block_begin(w);
        ws__fj *fj = ws__fj_self;
        ws__self = NULL;
        ws__fj_self = &ws__fj_none;
        ws__lane_self = pool;
        run(f, NULL);
        ws__lane_self = NULL;
        ws__fj_self = fj;
        ws__self = w;
        ws__block_end(w);
    } else {
        run(f, w);
    }
    return true;
}

/* Queues f's job on pool: its CPU workers, or its blocking lane. The job
 * holds a reference. shared: others may hold f already (a continuation). */
static int submit(ws_pool *pool, ws_future *f, bool blocking, bool shared)
{
    int rc = ws__accept(pool);
    if (rc == 0 && shared)
        /* release: a waiter that sees QUEUED may run fn(arg) inline. */
        atomic_fetch_or_explicit(&f->state, F_QUEUED, memory_order_release);
    else if (rc == 0)
        /* relaxed: f is not shared yet; queueing it publishes it. */
        atomic_store_explicit(&f->state, PH_PENDING | F_QUEUED, memory_order_relaxed);
    if (rc || !blocking) {
        if (!rc)
            ws__enqueue(pool, &f->q);
        return rc;
    }
    rc = ws__blocking_submit(pool, &f->q);
    if (rc)
        ws__finished(pool); /* accepted, then refused: destroy must not wait for it */
    return rc;
}

/* out NULL: fire and forget (the job holds the only reference). */
static int create(ws_pool *pool, ws_fn fn, void *arg, const ws_submit_opts *o, ws_future **out)
{
    if (!pool || !fn || (o && (o->flags & ~WS_SUBMIT_BLOCKING)))
        return WS_EINVAL;
    ws_future *f = future_new(pool, fn, arg, out ? 2 : 1);
    if (!f)
        return WS_ENOMEM;
    bool blocking = o && (o->flags & WS_SUBMIT_BLOCKING);
    f->blocking = blocking;
    if (o && (o->dtor || o->user)) {
        extra *ex = ws__malloc(sizeof(*ex));
        if (!ex) {
            atomic_store_explicit(&f->refs, 1, memory_order_relaxed); /* relaxed: never shared */
            ws_future_release(f);
            return WS_ENOMEM;
        }
        *ex = (extra){o->dtor, o->user, arg};
        f->ex = ex;
        f->has_ex = true;
    }
    int rc = submit(pool, f, blocking, false);
    if (rc) {
        if (f->has_ex)
            f->ex->dtor = NULL; /* refused: arg stays the caller's */
        atomic_store_explicit(&f->refs, 1, memory_order_relaxed); /* relaxed: never shared */
        ws_future_release(f);
        return rc;
    }
    if (out)
        *out = f;
    return 0;
}

int ws_submit(ws_pool *pool, ws_fn fn, void *arg, ws_future **out)
{
    return out ? create(pool, fn, arg, NULL, out) : WS_EINVAL;
}

int ws_post(ws_pool *pool, ws_fn fn, void *arg)
{
    return create(pool, fn, arg, NULL, NULL);
}

int ws_submit_blocking(ws_pool *pool, ws_fn fn, void *arg, ws_future **out)
{
    static const ws_submit_opts blocking = {.flags = WS_SUBMIT_BLOCKING};
    return out ? create(pool, fn, arg, &blocking, out) : WS_EINVAL;
}

int ws_submit_ex(ws_pool *pool, ws_fn fn, void *arg, const ws_submit_opts *opts,
                 ws_future **out)
{
    return create(pool, fn, arg, opts, out);
}

void *ws_future_user(const ws_future *f)
{
    return f && f->has_ex ? f->ex->user : NULL;
}

int ws_future_state(const ws_future *f)
{
    if (!f)
        return WS_EINVAL;
    /* acquire: a final phase makes the status readable (as ws_future_status). */
    uint32_t s = atomic_load_explicit(&((ws_future *)f)->state, memory_order_acquire);
    static const int states[] = {WS_FUTURE_PENDING, WS_FUTURE_RUNNING, WS_FUTURE_DONE,
                                 WS_FUTURE_CANCELLED};
    return states[s & PH_MASK];
}

static int wait_until(ws_future *f, const struct timespec *deadline)
{
    if (ws__future_run_inline(f))
        return 0;
    int rc = ws__help_until(ws__self, &f->state, F_FINAL, F_WAITERS, deadline);
    if (rc == 0)
        WS__HB_ACQUIRE(f);
    return rc;
}

int ws_future_wait(ws_future *f, int64_t timeout_ns)
{
    if (!f)
        return WS_EINVAL;
    if (is_final(f))
        return 0;
    if (timeout_ns == 0)
        return WS_ETIMEDOUT;
    struct timespec deadline;
    if (timeout_ns > 0)
        ws__deadline(&deadline, timeout_ns);
    return wait_until(f, timeout_ns > 0 ? &deadline : NULL);
}

int ws_future_status(const ws_future *f)
{
    if (!f)
        return WS_EINVAL;
    /* acquire: pairs with finish()'s release of the status. */
    uint32_t s = atomic_load_explicit(&((ws_future *)f)->state, memory_order_acquire);
    if (s & F_FINAL)
        WS__HB_ACQUIRE(f);
    switch (s & PH_MASK) {
    case PH_DONE:
        return f->status;
    case PH_CANCELLED:
        return WS_ECANCELED;
    default:
        return WS_EBUSY;
    }
}

int ws_future_cancel(ws_future *f)
{
    if (!f)
        return WS_EINVAL;
    if (finish(f, PH_PENDING, PH_CANCELLED))
        return 0;
    WS__PERTURB();
    /* relaxed: a request the running task polls (ws_cancelled); the RMW
       reads the latest phase. */
    uint32_t s = atomic_fetch_or_explicit(&f->state, F_CANCEL_REQ, memory_order_relaxed);
    return (s & PH_MASK) == PH_CANCELLED ? 0 : WS_EBUSY;
}

void ws__listen(ws_future *f, ws__listener *l)
{
    lock(f);
    WS__PERTURB();
    /* acq_rel: the RMW reads the latest phase; a completer that CASes after
       this sees the flag and takes the lock to fire; acquire for the status
       read by an immediate fire. */
    uint32_t s = atomic_fetch_or_explicit(&f->state, F_LISTENERS, memory_order_acq_rel);
    if (s & F_FINAL) {
        WS__HB_ACQUIRE(f); /* the task's writes, to what the listener runs */
        l->next = l->prev = NULL;
        l->fire(l, f);
    } else {
        l->prev = NULL;
        l->next = f->listeners;
        if (l->next)
            l->next->prev = l;
        f->listeners = l;
    }
    unlock(f);
}

/* Removes l if it has not fired; after this it will not be touched. */
static void unlisten(ws_future *f, ws__listener *l)
{
    lock(f);
    if (l->prev)
        l->prev->next = l->next;
    else if (f->listeners == l)
        f->listeners = l->next;
    if (l->next)
        l->next->prev = l->prev;
    l->next = l->prev = NULL;
    unlock(f);
}

/* Continuations. */
typedef struct then_l {
    ws__listener l;
    ws_future *out;
} then_l;

static void then_fire(ws__listener *l, ws_future *f)
{
    then_l *t = (then_l *)l;
    ws_future *out = t->out;
    /* relaxed: fire runs after f became final (under f's lock). */
    bool ok = (atomic_load_explicit(&f->state, memory_order_relaxed) & PH_MASK) == PH_DONE;
    if (!ok || !out->pool || submit(out->pool, out, false, true) != 0) {
        finish(out, PH_PENDING, PH_CANCELLED);
        ws_future_release(out); /* the job's reference, never queued */
    }
    ws__free(t);
}

int ws_future_then(ws_future *f, ws_fn fn, void *arg, ws_future **out)
{
    if (!f || !fn || !out)
        return WS_EINVAL;
    then_l *t = ws__malloc(sizeof(*t));
    ws_future *o = t ? future_new(f->pool, fn, arg, 2) : NULL;
    if (!o) {
        ws__free(t);
        return WS_ENOMEM;
    }
    t->l.fire = then_fire;
    t->out = o;
    *out = o;
    ws__listen(f, &t->l);
    return 0;
}

/* wait_any: one flag word on the waiter's side, a listener per future. */
typedef struct any_l {
    ws__listener l;
    _Atomic uint32_t *word;
} any_l;

static void any_fire(ws__listener *l, ws_future *f)
{
    (void)f;
    _Atomic uint32_t *word = ((any_l *)l)->word;
    /* release: nothing to publish but the event; the waiter rechecks the
       futures' states (acquire) itself. */
    atomic_store_explicit(word, 1, memory_order_release);
    ws__futex_wake(word, 1);
}

static bool first_done(ws_future *const *futs, size_t n, size_t *index)
{
    for (size_t i = 0; i < n; i++) {
        if (is_final(futs[i])) {
            *index = i;
            return true;
        }
    }
    return false;
}

static int check_array(ws_future *const *futs, size_t n)
{
    if (n && !futs)
        return WS_EINVAL;
    for (size_t i = 0; i < n; i++)
        if (!futs[i])
            return WS_EINVAL;
    return 0;
}

int ws_wait_any(ws_future *const *futs, size_t n, int64_t timeout_ns, size_t *index)
{
    if (!index || check_array(futs, n))
        return WS_EINVAL;
    *index = n;
    if (n == 0 || first_done(futs, n, index))
        return 0;
    if (timeout_ns == 0)
        return WS_ETIMEDOUT;
    /* Run one that nobody has started, if this thread may (see above). */
    for (size_t i = 0; i < n; i++)
        if (ws__future_run_inline(futs[i]) && first_done(futs, n, index))
            return 0;
    any_l *ls = ws__calloc(n, sizeof(*ls));
    if (!ls)
        return WS_ENOMEM;
    struct timespec deadline;
    if (timeout_ns > 0)
        ws__deadline(&deadline, timeout_ns);
    _Atomic uint32_t word;
    atomic_init(&word, 0);
    for (size_t i = 0; i < n; i++) {
        ls[i].l.fire = any_fire;
        ls[i].word = &word;
        ws__listen(futs[i], &ls[i].l);
    }
    int rc = ws__help_until(ws__self, &word, 1, 2, timeout_ns > 0 ? &deadline : NULL);
    for (size_t i = 0; i < n; i++)
        unlisten(futs[i], &ls[i].l);
    ws__free(ls);
    if (first_done(futs, n, index))
        return 0;
    return rc ? rc : WS_ETIMEDOUT;
}

int ws_wait_all(ws_future *const *futs, size_t n, int64_t timeout_ns)
{
    if (check_array(futs, n))
        return WS_EINVAL;
    struct timespec deadline;
    if (timeout_ns > 0)
        ws__deadline(&deadline, timeout_ns);
    for (size_t i = 0; i < n; i++) {
        if (is_final(futs[i]))
            continue;
        if (timeout_ns == 0)
            return WS_ETIMEDOUT;
        int rc = wait_until(futs[i], timeout_ns > 0 ? &deadline : NULL);
        if (rc)
            return rc;
    }
    return 0;
}

/* when_all / when_any: one block holds the output, counts and, per input,
 * a listener and a status slot. The block holds a reference on the output;
 * inputs need none (a pending input is held by its job or its parent). */
typedef struct when_b when_b;
typedef struct when_l {
    ws__listener l;
    when_b *b;
    size_t index;
} when_l;

struct when_b {
    ws_future *out;
    size_t n;
    bool any;
    _Atomic size_t remaining; /* when_all: inputs not yet final */
    _Atomic int first;        /* when_any: index of the first final input */
    _Atomic size_t unfired;   /* listeners that have not fired: frees at 0 */
    int *status;
    when_l ls[];
};

static void when_done(when_b *b, int status)
{
    ws_future *out = b->out;
    out->status = status;
    finish(out, PH_RUNNING, PH_DONE);
    ws_future_release(out); /* the block's reference */
}

static void when_fire(ws__listener *l, ws_future *f)
{
    when_l *wl = (when_l *)l;
    when_b *b = wl->b;
    b->status[wl->index] = ws_future_status(f);
    WS__HB_RELEASE(b); /* each input's writes, to the output's completer */
    if (b->any) {
        int none = -1;
        /* relaxed: only one firing may win; the output carries the rest. */
        if (atomic_compare_exchange_strong_explicit(&b->first, &none, (int)wl->index,
                                                    memory_order_relaxed, memory_order_relaxed)) {
            WS__HB_ACQUIRE(b);
            when_done(b, (int)wl->index);
        }
        /* acq_rel: each firing's status write happens before the last
           firing's scan of the slots. */
    } else if (atomic_fetch_sub_explicit(&b->remaining, 1, memory_order_acq_rel) == 1) {
        WS__HB_ACQUIRE(b);
        int st = 0;
        for (size_t i = 0; i < b->n && !st; i++)
            st = b->status[i];
        when_done(b, st);
    }
    /* acq_rel: the last listener to fire frees the block after the others
       are done with it. */
    if (atomic_fetch_sub_explicit(&b->unfired, 1, memory_order_acq_rel) == 1) {
        ws__free(b->status);
        ws__free(b);
    }
}

static int when(ws_future *const *futs, size_t n, bool any, ws_future **out)
{
    if (!out || check_array(futs, n))
        return WS_EINVAL;
    ws_future *o = future_new(n ? futs[0]->pool : NULL, NULL, NULL, 1);
    if (!o)
        return WS_ENOMEM;
    if (n == 0) {
        o->status = any ? WS_ECANCELED : 0;
        /* relaxed: nobody else has seen o yet. */
        atomic_store_explicit(&o->state, any ? PH_CANCELLED : PH_DONE, memory_order_relaxed);
        *out = o;
        return 0;
    }
    when_b *b = ws__malloc(sizeof(*b) + n * sizeof(when_l));
    int *status = b ? ws__calloc(n, sizeof(int)) : NULL;
    if (!status) {
        ws__free(b);
        ws_future_release(o);
        return WS_ENOMEM;
    }
    /* relaxed: o is not shared yet. */
    atomic_store_explicit(&o->state, PH_RUNNING, memory_order_relaxed);
    ws_future_retain(o); /* the block's reference */
    b->out = o;
    b->n = n;
    b->any = any;
    b->status = status;
    atomic_init(&b->remaining, n);
    atomic_init(&b->first, -1);
    atomic_init(&b->unfired, n);
    *out = o;
    for (size_t i = 0; i < n; i++) {
        b->ls[i] = (when_l){.l.fire = when_fire, .b = b, .index = i};
        ws__listen(futs[i], &b->ls[i].l);
    }
    return 0;
}

int ws_when_all(ws_future *const *futs, size_t n, ws_future **out)
{
    return when(futs, n, false, out);
}

int ws_when_any(ws_future *const *futs, size_t n, ws_future **out)
{
    return when(futs, n, true, out);
}
