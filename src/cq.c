/* Completion queues: futures in the order they finish (as_completed).
 *
 * Attaching puts a listener on the future; when the future becomes final
 * the listener enqueues itself on the queue's wait-free queue and bumps a
 * sequence word that takers sleep on (futex). Takers dequeue under
 * liburcu's dequeue lock.
 *
 * Destroy must not free the queue under a listener still firing, and must
 * not refuse (WS_EBUSY) once every attached future is done: a future is done
 * (final) a moment before its listeners fire. So the queue keeps its
 * unfired listeners on a list under its mutex; destroy refuses only if one
 * of their futures is not final, and otherwise waits for those imminent
 * firings, which never block. */
#include "internal.h"

#include <limits.h>
#include <sched.h>

typedef struct cq_l cq_l;

struct ws_cq {
    struct cds_wfcq_head head; /* with its dequeue lock */
    struct cds_wfcq_tail tail;
    _Atomic uint32_t seq;      /* futex word: bumped by every completion */
    _Atomic uint32_t sleepers; /* takers asleep on seq */
    _Atomic size_t pending;    /* attached, not yet taken */
    pthread_mutex_t mu;        /* guards watching */
    cq_l *watching;            /* attached, not yet fired */
};

struct cq_l {
    ws__listener l;
    struct cds_wfcq_node node;
    ws_cq *q;
    ws_future *f;
    cq_l *next, *prev; /* on q->watching until fired */
};

static void cq_fire(ws__listener *l, ws_future *f)
{
    (void)f;
    cq_l *c = (cq_l *)l;
    ws_cq *q = c->q;
    /* Under mu to the end: unlocking is the last touch of q. */
    pthread_mutex_lock(&q->mu);
    if (c->prev)
        c->prev->next = c->next;
    else
        q->watching = c->next;
    if (c->next)
        c->next->prev = c->prev;
    cds_wfcq_node_init(&c->node);
    WS__TSAN_RELEASE(c); /* the taker acquires after dequeueing */
    cds_wfcq_enqueue(&q->head, &q->tail, &c->node);
    /* seq_cst: the bump is in S before our load of sleepers; a taker
       increments sleepers (seq_cst) before it reads seq again. */
    atomic_fetch_add_explicit(&q->seq, 1, memory_order_seq_cst);
    if (atomic_load_explicit(&q->sleepers, memory_order_seq_cst))
        ws__futex_wake(&q->seq, INT_MAX);
    pthread_mutex_unlock(&q->mu);
}

int ws_cq_create(ws_cq **out)
{
    if (!out)
        return WS_EINVAL;
    ws_cq *q = ws__calloc(1, sizeof(*q));
    if (!q)
        return WS_ENOMEM;
    cds_wfcq_init(&q->head, &q->tail);
    pthread_mutex_init(&q->mu, NULL);
    *out = q;
    return 0;
}

int ws_cq_attach(ws_cq *q, ws_future *f)
{
    if (!q || !f)
        return WS_EINVAL;
    cq_l *c = ws__malloc(sizeof(*c));
    if (!c)
        return WS_ENOMEM;
    ws_future_retain(f);
    c->l.fire = cq_fire;
    c->q = q;
    c->f = f;
    /* relaxed: a count; the queue's own ordering hands out the futures. */
    atomic_fetch_add_explicit(&q->pending, 1, memory_order_relaxed);
    pthread_mutex_lock(&q->mu);
    c->prev = NULL;
    c->next = q->watching;
    if (c->next)
        c->next->prev = c;
    q->watching = c;
    pthread_mutex_unlock(&q->mu);
    ws__listen(f, &c->l);
    return 0;
}

static ws_future *take(ws_cq *q)
{
    struct cds_wfcq_node *node = cds_wfcq_dequeue_blocking(&q->head, &q->tail);
    if (!node)
        return NULL;
    cq_l *c = caa_container_of(node, cq_l, node);
    WS__TSAN_ACQUIRE(c);
    ws_future *f = c->f;
    WS__HB_ACQUIRE(f); /* fired after f became final (see future.c) */
    ws__free(c);
    /* relaxed: a count. */
    atomic_fetch_sub_explicit(&q->pending, 1, memory_order_relaxed);
    return f;
}

/* Waiting for the next completion: see cq_fire for the sleep protocol. */
typedef struct cq_wait {
    ws__wait wt;
    ws_cq *q;
    uint32_t seq;  /* seq before the last look */
    ws_future *got;
} cq_wait;

/* Runs one attached future's task that nobody has started, if this thread
 * may (see ws__future_run_inline): a lane thread or a worker taking its own
 * children never waits for a free thread. */
static void run_one(ws_cq *q)
{
    ws_future *cand[8]; /* the first few not done: some may be running */
    int k = 0;
    pthread_mutex_lock(&q->mu);
    for (cq_l *c = q->watching; c && k < 8; c = c->next) {
        if (ws_future_wait(c->f, 0) != 0) {
            ws_future_retain(c->f); /* may fire and be taken once we unlock */
            cand[k++] = c->f;
        }
    }
    pthread_mutex_unlock(&q->mu);
    bool done = false;
    for (int i = 0; i < k; i++) {
        done = done || ws__future_run_inline(cand[i]);
        ws_future_release(cand[i]);
    }
}

static bool cq_ready(ws__wait *wt)
{
    cq_wait *cw = (cq_wait *)wt;
    /* acquire: pairs with cq_fire's bump. */
    cw->seq = atomic_load_explicit(&cw->q->seq, memory_order_acquire);
    cw->got = take(cw->q);
    if (!cw->got && (ws__self || ws__lane_self)) {
        run_one(cw->q);
        cw->got = take(cw->q);
    }
    return cw->got != NULL;
}

static void cq_sleep(ws__wait *wt, const struct timespec *until)
{
    cq_wait *cw = (cq_wait *)wt;
    ws_cq *q = cw->q;
    /* seq_cst: see cq_fire. */
    atomic_fetch_add_explicit(&q->sleepers, 1, memory_order_seq_cst);
    if (atomic_load_explicit(&q->seq, memory_order_seq_cst) == cw->seq)
        ws__futex_wait(&q->seq, cw->seq, until);
    atomic_fetch_sub_explicit(&q->sleepers, 1, memory_order_seq_cst);
}

int ws_cq_next(ws_cq *q, int64_t timeout_ns, ws_future **out)
{
    if (!q || !out)
        return WS_EINVAL;
    struct timespec deadline;
    if (timeout_ns >= 0)
        ws__deadline(&deadline, timeout_ns);
    /* Inside a worker this helps, as every wait does. */
    cq_wait cw = {{cq_ready, cq_sleep}, q, 0, NULL};
    int rc = ws__wait_for(ws__self, &cw.wt, timeout_ns >= 0 ? &deadline : NULL);
    if (rc == 0)
        *out = cw.got;
    return rc;
}

size_t ws_cq_pending(const ws_cq *q)
{
    /* relaxed: a count for the caller's information. */
    return q ? atomic_load_explicit(&((ws_cq *)q)->pending, memory_order_relaxed) : 0;
}

int ws_cq_destroy(ws_cq *q)
{
    if (!q)
        return WS_EINVAL;
    pthread_mutex_lock(&q->mu);
    for (cq_l *c = q->watching; c; c = c->next) {
        if (ws_future_wait(c->f, 0) != 0) {
            pthread_mutex_unlock(&q->mu);
            return WS_EBUSY;
        }
    }
    while (q->watching) {
        pthread_mutex_unlock(&q->mu);
        sched_yield();
        pthread_mutex_lock(&q->mu);
    }
    pthread_mutex_unlock(&q->mu);
    pthread_mutex_destroy(&q->mu);
    ws_future *f;
    while ((f = take(q)))
        ws_future_release(f);
    cds_wfcq_destroy(&q->head, &q->tail);
    ws__free(q);
    return 0;
}
