/* Pools: create, shutdown, destroy; the queue of work from outside; the
 * count of accepted work that destroy waits for. */
#include "internal.h"

#include <errno.h>
#include <string.h>

/* Old deque buffers: the owner links them on its retired list (the link
 * lives in a header in front of the buffer, so retiring never allocates and
 * never fails) and frees them when it next goes idle, after a grace period
 * (ws__reclaim), or at destroy once every worker has joined. */
typedef struct dq_hdr {
    struct dq_hdr *next;
    void *pad; /* keeps the slots 16-byte aligned */
} dq_hdr;

static void *dq_alloc(size_t size)
{
    dq_hdr *h = ws__malloc(sizeof(dq_hdr) + size);
    return h ? h + 1 : NULL;
}

static void dq_free(void *p)
{
    if (p)
        ws__free((dq_hdr *)p - 1);
}

static void dq_retire(void *ctx, void *buf)
{
    (void)ctx;
    ws__worker *w = ws__self; /* only the owner grows its deque */
    dq_hdr *h = (dq_hdr *)buf - 1;
    h->next = w->retired;
    w->retired = h;
}

static void free_retired(ws__worker *w)
{
    for (dq_hdr *h = w->retired, *next; h; h = next) {
        next = h->next;
        ws__free(h);
    }
    w->retired = NULL;
}

void ws__reclaim(ws__worker *w)
{
    /* Without grace periods (a child of fork(), see fork.c) the buffers
       wait for destroy. */
    if (!w->retired || !ws__rcu_usable())
        return;
    /* Every steal that may have read a retired buffer began before this
       point, and its read side ends before the grace period does. */
    ws__rcu_synchronize();
    /* Real edge: pairs with the release before each read_unlock (TSan
       cannot see liburcu's own synchronisation). */
    WS__TSAN_ACQUIRE(&ws__rcu_token);
    free_retired(w);
}

static int check_opts(const ws_pool_opts *o)
{
    if (o->workers > 4096 || (o->pin != WS_PIN_DEFAULT && o->pin != WS_PIN_NONE))
        return WS_EINVAL;
    if (o->deque_capacity && (o->deque_capacity < WS__DQ_MIN_CAP ||
                              o->deque_capacity > (1u << 24) ||
                              (o->deque_capacity & (o->deque_capacity - 1))))
        return WS_EINVAL;
    if (o->spin_us > 1000000 || o->blocking_max > 4096 || o->blocking_idle_ms > 3600000)
        return WS_EINVAL;
    if (o->stack_size && (o->stack_size < 65536 || o->stack_size > ((size_t)1 << 30)))
        return WS_EINVAL;
    if (o->name && (o->name[0] == '\0' || strlen(o->name) > 10))
        return WS_EINVAL;
    return 0;
}

static void free_workers(ws_pool *pool)
{
    if (pool->workers) {
        /* relaxed: every thread has joined. */
        unsigned all = atomic_load_explicit(&pool->nall, memory_order_relaxed);
        for (unsigned i = 0; i < all; i++) {
            ws__worker *w = pool->workers[i];
            if (!w)
                continue;
            if (w->dq.ownbuf)
                ws__dq_destroy(&w->dq);
            free_retired(w); /* every thread has joined: no reader left */
            ws__free(w->victims);
            ws__free(w);
        }
    }
    ws__free(pool->workers);
    pool->workers = NULL;
}

/* Stops and joins the first `started` workers and every spare (all
 * accepted work is done). */
static void stop_workers(ws_pool *pool, unsigned started)
{
    /* seq_cst: workers check stop after finding no work; ws__wake_all's
       epoch bump makes a parked worker see it. */
    atomic_store_explicit(&pool->stop, 1, memory_order_seq_cst);
    ws__wake_all(pool);
    for (unsigned i = 0; i < started; i++)
        pthread_join(pool->workers[i]->thread, NULL);
    ws__spares_stop(pool);
}

static int start_workers(ws_pool *pool)
{
    pthread_attr_t attr;
    if (pthread_attr_init(&attr) != 0)
        return WS_ENOMEM;
    pthread_attr_setstacksize(&attr, pool->stack_size);
    for (unsigned i = 0; i < pool->n; i++) {
        int rc = ws__thread_create(&pool->workers[i]->thread, &attr, ws__worker_main,
                                   pool->workers[i]);
        if (rc != 0) {
            pthread_attr_destroy(&attr);
            stop_workers(pool, i);
            return rc == ENOMEM ? WS_ENOMEM : WS_EAGAIN;
        }
    }
    pthread_attr_destroy(&attr);
    return 0;
}

static int init_workers(ws_pool *pool, const int *cpus, int ncpus)
{
    pool->workers = ws__calloc(pool->n + WS__SPARES_MAX, sizeof(ws__worker *));
    if (!pool->workers)
        return WS_ENOMEM;
    for (unsigned i = 0; i < pool->n; i++) {
        ws__worker *w = ws__aligned_alloc(WS__CACHELINE, sizeof(ws__worker));
        if (!w)
            return WS_ENOMEM;
        memset(w, 0, sizeof(*w));
        pool->workers[i] = w;
        w->pool = pool;
        w->id = i;
        w->rng = 0x9e3779b97f4a7c15ull * (i + 1) | 1;
        w->cpu = pool->pin == WS_PIN_NONE ? -1 : cpus[i % (unsigned)ncpus];
        /* relaxed: no worker runs yet. */
        atomic_store_explicit(&pool->nall, i + 1, memory_order_relaxed);
        if (ws__dq_init(&w->dq, pool->dq_cap, &pool->dq_ops) != 0)
            return WS_ENOMEM;
    }
    return ws__victim_order(pool);
}

int ws_pool_create_sized(ws_pool **out, const ws_pool_opts *user, size_t opts_size)
{
    if (!out)
        return WS_EINVAL;
    *out = NULL;
    ws_pool_opts resolved;
    int rc = ws__opts_resolve(&resolved, user, opts_size);
    const ws_pool_opts *opts = &resolved;
    if (rc == 0)
        rc = check_opts(opts);
    if (rc == 0)
        rc = ws__fork_init();
    if (rc)
        return rc;
    int *cpus = NULL;
    int ncpus = ws__allowed_cpus(opts, &cpus);
    if (ncpus < 0)
        return ncpus;
    ws_pool *pool = ws__aligned_alloc(WS__CACHELINE, sizeof(*pool));
    if (!pool) {
        ws__free(cpus);
        return WS_ENOMEM;
    }
    memset(pool, 0, sizeof(*pool));
    pool->allowed = (unsigned)ncpus;
    pool->n = opts->workers ? opts->workers : ws__default_workers(pool->allowed, &pool->cpu_limit);
    pool->print_stats = ws__env_stats();
    pool->pin = opts->pin;
    pool->spin_us = opts->spin_us ? opts->spin_us : 100;
    pool->stack_size = opts->stack_size ? opts->stack_size : (size_t)8 << 20;
    pool->dq_cap = opts->deque_capacity ? opts->deque_capacity : 1024;
    /* relaxed: the child handler is the only writer, in a child. */
    pool->fork_gen = atomic_load_explicit(&ws__fork_gen, memory_order_relaxed);
    strcpy(pool->name, opts->name ? opts->name : "ws");
    pool->dq_ops = (ws__dq_ops){dq_alloc, dq_free, dq_retire, pool};
    __cds_wfcq_init(&pool->inj_head, &pool->inj_tail);
    atomic_init(&pool->inj_lock, 0);
    atomic_init(&pool->refs, 1);

    rc = ws__spares_init(pool);
    if (rc != 0) {
        ws__free(cpus);
        ws__free(pool);
        return rc;
    }
    rc = init_workers(pool, cpus, ncpus);
    ws__free(cpus);
    if (rc == 0)
        rc = ws__blocking_create(pool, opts);
    if (rc == 0) {
        rc = start_workers(pool); /* on failure it stops the spares too */
        if (rc != 0)
            ws__blocking_destroy(pool);
    } else {
        ws__spares_stop(pool);
    }
    if (rc == 0 && opts->trace && (rc = ws_pool_trace(pool, opts->trace)) != 0) {
        ws__blocking_destroy(pool);
        stop_workers(pool, pool->n);
    }
    if (rc != 0) {
        free_workers(pool);
        ws__free(pool);
        return rc;
    }
    *out = pool;
    return 0;
}

/* Programs built against 0.1 call this name with the 0.1 layout. */
int(ws_pool_create)(ws_pool **out, const ws_pool_opts *opts)
{
    return ws_pool_create_sized(out, opts, WS__OPTS_V01_SIZE);
}

unsigned ws_pool_workers(const ws_pool *pool)
{
    return pool ? pool->n : 0;
}

/* Whether pool was created in this process (not before a fork()). */
static bool ours(const ws_pool *pool)
{
    /* relaxed: changes only in a child, before it has other threads. */
    return pool->fork_gen == atomic_load_explicit(&ws__fork_gen, memory_order_relaxed);
}

int ws__accept(ws_pool *pool)
{
    if (WS_UNLIKELY(!ours(pool)))
        return WS_ESHUTDOWN;
    /* seq_cst: count first, then check the state: with shutdown's store of
       state and destroy's loads of the counts (Dekker), either we see the
       shutdown or destroy sees our job; no accepted job is lost. */
    atomic_fetch_add_explicit(&pool->accepted, 1, memory_order_seq_cst);
    if (atomic_load_explicit(&pool->state, memory_order_seq_cst) != WS__RUNNING) {
        ws__finished(pool);
        return WS_ESHUTDOWN;
    }
    return 0;
}

static void signal_drained(ws_pool *pool)
{
    /* seq_cst: destroy's exchange that reads this 1 sees every count
       published before it. */
    atomic_store_explicit(&pool->drained, 1, memory_order_seq_cst);
    ws__futex_wake(&pool->drained, 1);
}

void ws__finished(ws_pool *pool)
{
    ws__worker *w = ws__self;
    if (w && w->pool == pool) {
        w->finished++; /* published when the worker goes idle */
        return;
    }
    /* seq_cst: the other half of the Dekker in ws__accept: count, then read
       the state; a shutdown that we miss reads our count. */
    atomic_fetch_add_explicit(&pool->finished_other, 1, memory_order_seq_cst);
    if (atomic_load_explicit(&pool->state, memory_order_seq_cst) != WS__RUNNING)
        signal_drained(pool);
}

void ws__publish_finished(ws__worker *w)
{
    if (w->gdone)
        ws__group_flush(w);
    /* relaxed: only the owner writes finished_pub. */
    if (atomic_load_explicit(&w->finished_pub, memory_order_relaxed) == w->finished)
        return;
    /* seq_cst: as in ws__finished, publish, then read the state. */
    atomic_store_explicit(&w->finished_pub, w->finished, memory_order_seq_cst);
    if (atomic_load_explicit(&w->pool->state, memory_order_seq_cst) != WS__RUNNING)
        signal_drained(w->pool);
}

/* Every accepted job has finished. The finished counts are read before the
 * accepted count: every finish counted had its accept counted earlier, so
 * equal sums mean no accepted job is unfinished. */
static bool drained(ws_pool *pool)
{
    /* seq_cst loads: after our state store in S (see ws__accept). */
    uint64_t done = atomic_load_explicit(&pool->finished_other, memory_order_seq_cst);
    unsigned all = ws__nall(pool);
    for (unsigned i = 0; i < all; i++)
        done += atomic_load_explicit(&pool->workers[i]->finished_pub, memory_order_seq_cst);
    return atomic_load_explicit(&pool->accepted, memory_order_seq_cst) == done;
}

bool ws__cancelling(const ws_pool *pool)
{
    /* acquire: pairs with shutdown's store; only decides whether to run. */
    return atomic_load_explicit(&pool->state, memory_order_acquire) == WS__CANCEL;
}

void ws__enqueue(ws_pool *pool, ws__qjob *j)
{
    ws__worker *w = ws__self;
    WS__HB_RELEASE(j); /* the submitter's writes, to the job's runner */
    if (w && w->pool == pool && ws__dq_push(&w->dq, &j->job)) {
        /* A worker's own deque, made stealable at once: the submitter may
           never spawn (and so never share) before it waits. */
        WS__HB_RELEASE(&w->dq);
        ws__dq_publish(&w->dq, ws__dq_private(&w->dq));
        ws__wake(pool);
        return;
    }
    cds_wfcq_node_init(&j->node);
    /* Real edge: the job's fields, written before, are read by the worker
       that dequeues the node (liburcu's own atomics are invisible to TSan). */
    WS__TSAN_RELEASE(j);
    cds_wfcq_enqueue(&pool->inj_head, &pool->inj_tail, &j->node);
    ws__wake(pool);
}

ws__job *ws__dequeue_outside(ws__worker *w)
{
    ws_pool *pool = w->pool;
    if (cds_wfcq_empty(&pool->inj_head, &pool->inj_tail))
        return NULL;
    /* relaxed: a look before the exchange, so idle workers polling a held
       lock only read its line; acquire: the lock orders successive
       consumers' dequeues. */
    if (atomic_load_explicit(&pool->inj_lock, memory_order_relaxed) ||
        atomic_exchange_explicit(&pool->inj_lock, 1, memory_order_acquire))
        return NULL;
    /* Take a batch: the first runs here, the rest go onto this deque's
       public part where other workers can steal them. */
    ws__job *first = NULL;
    int64_t pushed = 0;
    for (int k = 0; k < 32; k++) {
        struct cds_wfcq_node *node = __cds_wfcq_dequeue_nonblocking(&pool->inj_head,
                                                                    &pool->inj_tail);
        if (!node || node == CDS_WFCQ_WOULDBLOCK)
            break;
        ws__qjob *j = caa_container_of(node, ws__qjob, node);
        WS__TSAN_ACQUIRE(j);
        ws__stat_inc(&w->stats.injected);
        if (!first)
            first = &j->job;
        else if (ws__dq_push(&w->dq, &j->job))
            pushed++;
        else {
            /* Deque full and cannot grow: put it back for later. */
            WS__TSAN_RELEASE(j);
            cds_wfcq_enqueue(&pool->inj_head, &pool->inj_tail, &j->node);
            break;
        }
    }
    /* release: hands the queue to the next consumer. */
    atomic_store_explicit(&pool->inj_lock, 0, memory_order_release);
    if (pushed) {
        WS__HB_RELEASE(&w->dq);
        ws__dq_publish(&w->dq, ws__dq_private(&w->dq));
        ws__wake(pool);
    }
    return first;
}

int ws_pool_shutdown(ws_pool *pool, unsigned flags)
{
    if (!pool || (flags & ~WS_SHUTDOWN_CANCEL_PENDING))
        return WS_EINVAL;
    int want = (flags & WS_SHUTDOWN_CANCEL_PENDING) ? WS__CANCEL : WS__SHUTDOWN;
    /* relaxed load: the CAS below decides; states only move forward. */
    int cur = atomic_load_explicit(&pool->state, memory_order_relaxed);
    /* seq_cst: the Dekker with ws__accept and ws__finished. */
    while (cur < want && !atomic_compare_exchange_weak_explicit(&pool->state, &cur, want,
                                                                memory_order_seq_cst,
                                                                memory_order_relaxed))
        ;
    /* Parked workers run the pending jobs (or cancel them) promptly. */
    ws__wake_all(pool);
    return 0;
}

typedef struct drain_wait {
    ws__wait wt;
    ws_pool *pool;
} drain_wait;

static bool drain_ready(ws__wait *wt)
{
    ws_pool *pool = ((drain_wait *)wt)->pool;
    /* seq_cst RMW: clears a stale wake-up; reading a finisher's 1 (an RMW
       reads the latest value) makes its counts visible below. */
    atomic_exchange_explicit(&pool->drained, 0, memory_order_seq_cst);
    return drained(pool);
}

static void drain_sleep(ws__wait *wt, const struct timespec *until)
{
    ws_pool *pool = ((drain_wait *)wt)->pool;
    /* A finisher that signalled after drain_ready's exchange left 1. */
    ws__futex_wait(&pool->drained, 0, until);
}

/* References to a pool's memory (a future or a group holds one, so that
 * it outlives the pool) come from a per-thread lease: a thread takes LEASE
 * with one atomic add and hands them out one by one, and gives references
 * back LEASE at a time with one atomic sub, so a stream of submissions
 * makes 2 / LEASE atomic operations on the pool's line a future, not 2. A
 * thread's unused lease and the references it owes keep the memory (of one
 * pool at a time) until it turns to another pool, destroys that one, or
 * exits. */
#define LEASE 64

typedef struct lease {
    ws_pool *pool;
    uint64_t n;
} lease;
static __thread lease held; /* taken, not handed out yet */
static __thread lease owed; /* dropped, not given back yet */
static __thread bool settles_at_exit;
static pthread_key_t lease_key;
static pthread_once_t lease_once = PTHREAD_ONCE_INIT;
static bool have_lease_key;

/* Drops n references (none: pool is not touched, and may be NULL). */
static void drop_refs(ws_pool *pool, uint64_t n)
{
    /* acq_rel: the last dropper sees every use of the memory. */
    if (n && atomic_fetch_sub_explicit(&pool->refs, n, memory_order_acq_rel) == n)
        ws__free(pool);
}

/* Gives back what this thread holds and owes of pool. */
static void settle(ws_pool *pool)
{
    if (held.pool == pool) {
        drop_refs(pool, held.n);
        held = (lease){NULL, 0};
    }
    if (owed.pool == pool) {
        drop_refs(pool, owed.n);
        owed = (lease){NULL, 0};
    }
}

/* Gives back all the thread holds and owes (at its exit, a key destructor). */
static void settle_all(void *unused)
{
    (void)unused;
    /* A later key destructor that submits or releases registers again,
       so this runs once more (glibc repeats the rounds). */
    settles_at_exit = false;
    settle(held.pool);
    settle(owed.pool);
}

static void make_lease_key(void)
{
    have_lease_key = pthread_key_create(&lease_key, settle_all) == 0;
}

/* Whether this thread may keep leases: it gives them back when it exits. */
static bool may_lease(void)
{
    if (WS_UNLIKELY(!settles_at_exit)) {
        pthread_once(&lease_once, make_lease_key);
        settles_at_exit = have_lease_key && pthread_setspecific(lease_key, &held) == 0;
    }
    return settles_at_exit;
}

void ws__pool_retain(ws_pool *pool)
{
    if (held.pool == pool && held.n) {
        held.n--;
        return;
    }
    if (!may_lease()) {
        /* relaxed: the caller holds a reference already (the pool's own). */
        atomic_fetch_add_explicit(&pool->refs, 1, memory_order_relaxed);
        return;
    }
    drop_refs(held.pool, held.n); /* what is left of a lease on another pool */
    /* relaxed: as above. */
    atomic_fetch_add_explicit(&pool->refs, LEASE, memory_order_relaxed);
    held = (lease){pool, LEASE - 1};
}

void ws__pool_release(ws_pool *pool)
{
    if (owed.pool == pool) {
        if (++owed.n == LEASE) {
            owed.n = 0;
            drop_refs(pool, LEASE);
        }
        return;
    }
    if (!may_lease()) {
        drop_refs(pool, 1);
        return;
    }
    drop_refs(owed.pool, owed.n); /* what is owed to another pool */
    owed = (lease){pool, 1};
}

int ws_pool_destroy(ws_pool *pool)
{
    if (!pool)
        return WS_EINVAL;
    if (!ours(pool))
        return 0; /* a child of fork(): the parent's pool has no threads here */
    ws__worker *self = ws__self;
    if ((self && self->pool == pool) || ws__lane_self == pool)
        return WS_EBUSY;
    ws_pool_shutdown(pool, 0);
    /* A worker of another pool runs its own pool's work meanwhile: the
       work it waits for may need that pool. */
    drain_wait dw = {{drain_ready, drain_sleep}, pool};
    ws__wait_for(self, &dw.wt, NULL);
    ws__blocking_destroy(pool);
    stop_workers(pool, pool->n);
    ws__pool_report(pool);
    free_workers(pool);
    settle(pool); /* the memory goes now unless other threads keep some */
    drop_refs(pool, 1); /* the pool's own */
    return 0;
}
