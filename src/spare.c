/* Spare workers: a pool keeps its parallelism while its workers block.
 *
 * A worker that waits (a future, a completion queue, ws_run on another
 * pool, ws_pool_destroy of another pool) first runs other work of its pool
 * on its own stack (worker.c, ws__wait_for). It stops when there is nothing
 * to run or when its stack reaches its reserve, and then it blocks. Work
 * that only it could have run would be stuck, and a chain of nested waits
 * (a task that submits and waits, 10,000 deep) would need unbounded stack:
 * so, as ForkJoinPool's managed blocking does, a spare worker stands in for
 * it. ws__block_begin publishes the blocker's private work, then wakes an
 * idle spare or starts a new one, pinned to the blocker's CPU; the spare
 * steals, runs and helps like any worker (its own nested waits are covered
 * by further spares). ws__block_end counts the worker back; a spare that
 * then finds more spares running than workers blocked retires before the
 * next job it would take: it sleeps on spare_cv without using CPU, and its
 * thread exits after SPARE_IDLE_MS unused. The slot (worker struct and deque) stays for
 * the pool's life, so a thief may read it at any time.
 *
 * At most WS__SPARES_MAX spares per pool. At the cap, or when no thread can
 * be started, a blocked worker has no stand-in: it keeps looking for work
 * every millisecond while its stack has room, and otherwise waits for a
 * spare to retire. Spares report ws_worker_id() == -1: they are not one of
 * the pool's n workers, and may run beside the worker they stood in for.
 *
 * Everything here is under spare_mu: it runs only when a worker is about
 * to sleep, or a spare is idle.
 */
#include "internal.h"

#include <errno.h>
#include <string.h>
#include <time.h>

#define SPARE_IDLE_MS 10000

int ws__spares_init(ws_pool *pool)
{
    pthread_condattr_t ca;
    if (pthread_condattr_init(&ca) != 0)
        return WS_ENOMEM;
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    int rc = pthread_cond_init(&pool->spare_cv, &ca);
    pthread_condattr_destroy(&ca);
    if (rc != 0)
        return WS_ENOMEM;
    pthread_mutex_init(&pool->spare_mu, NULL);
    return 0;
}

/* A new slot after the last; NULL at the cap or out of memory. */
static ws__worker *new_slot(ws_pool *pool)
{
    /* relaxed: only this function writes nall, under spare_mu. */
    unsigned i = atomic_load_explicit(&pool->nall, memory_order_relaxed);
    if (i >= pool->n + WS__SPARES_MAX)
        return NULL;
    ws__worker *s = ws__aligned_alloc(WS__CACHELINE, sizeof(*s));
    if (!s)
        return NULL;
    memset(s, 0, sizeof(*s));
    s->pool = pool;
    s->id = i;
    s->spare = true;
    s->cpu = -1;
    s->rng = 0x9e3779b97f4a7c15ull * (i + 1) | 1;
    s->sp_state = WS__SP_EXITED;
    if (ws__dq_init(&s->dq, pool->dq_cap, &pool->dq_ops) != 0) {
        ws__free(s);
        return NULL;
    }
    pool->workers[i] = s;
    /* release: thieves that read the new count see the slot's struct. */
    atomic_store_explicit(&pool->nall, i + 1, memory_order_release);
    return s;
}

/* Starts a thread on an exited slot; false if none could start. */
static bool start(ws_pool *pool, ws__worker *s, int cpu)
{
    if (s->sp_live) /* its last thread exited: reap it */
        pthread_join(s->thread, NULL);
    s->sp_live = false;
    s->cpu = cpu;
    s->sp_state = WS__SP_RUNNING;
    pthread_attr_t attr;
    if (pthread_attr_init(&attr) != 0) {
        s->sp_state = WS__SP_EXITED;
        return false;
    }
    pthread_attr_setstacksize(&attr, pool->stack_size);
    int rc = ws__thread_create(&s->thread, &attr, ws__worker_main, s);
    pthread_attr_destroy(&attr);
    if (rc != 0) {
        s->sp_state = WS__SP_EXITED;
        return false;
    }
    s->sp_live = true;
    return true;
}

/* One more spare running, standing in on cpu: an idle one, an exited one
 * restarted, or a new one. Under spare_mu. */
static bool activate(ws_pool *pool, int cpu)
{
    /* relaxed: nall only changes under spare_mu, which we hold. */
    unsigned all = atomic_load_explicit(&pool->nall, memory_order_relaxed);
    ws__worker *exited = NULL;
    for (unsigned i = pool->n; i < all; i++) {
        ws__worker *s = pool->workers[i];
        if (s->sp_state == WS__SP_IDLE) {
            s->sp_state = WS__SP_RUNNING;
            s->cpu = cpu;
            pool->spares_active++;
            pthread_cond_broadcast(&pool->spare_cv);
            return true;
        }
        if (s->sp_state == WS__SP_EXITED && !exited)
            exited = s;
    }
    if (!exited)
        exited = new_slot(pool);
    if (!exited || !start(pool, exited, cpu))
        return false;
    pool->spares_active++;
    return true;
}

/* Counts `joining` more blocked workers, then makes sure a spare stands in
 * for each blocked one; whether w is covered. */
static bool cover(ws__worker *w, unsigned joining)
{
    ws_pool *pool = w->pool;
    pthread_mutex_lock(&pool->spare_mu);
    pool->blocked += joining;
    bool covered = pool->spares_active >= pool->blocked || activate(pool, w->cpu);
    pthread_mutex_unlock(&pool->spare_mu);
    return covered;
}

bool ws__block_begin(ws__worker *w)
{
    /* Work only this worker could see becomes stealable. */
    int64_t n = ws__dq_private(&w->dq);
    if (n > 0) {
        WS__HB_RELEASE(&w->dq); /* frames written by ws_spawn, to thieves */
        ws__dq_publish(&w->dq, n);
        ws__wake(w->pool);
    }
    ws__publish_finished(w);
    return cover(w, 1);
}

bool ws__block_retry(ws__worker *w)
{
    return cover(w, 0);
}

void ws__block_end(ws__worker *w)
{
    ws_pool *pool = w->pool;
    pthread_mutex_lock(&pool->spare_mu);
    pool->blocked--;
    pthread_mutex_unlock(&pool->spare_mu);
}

bool ws__spare_keep(ws__worker *w)
{
    ws_pool *pool = w->pool;
    pthread_mutex_lock(&pool->spare_mu);
    if (pool->spares_active <= pool->blocked) {
        pthread_mutex_unlock(&pool->spare_mu);
        return true;
    }
    /* Surplus: retire until a blocker needs a stand-in again. */
    w->sp_state = WS__SP_IDLE;
    pool->spares_active--;
    struct timespec deadline;
    ws__deadline(&deadline, (int64_t)SPARE_IDLE_MS * 1000000);
    /* relaxed: stop is set before spare_cv is broadcast under spare_mu. */
    while (w->sp_state == WS__SP_IDLE && !atomic_load_explicit(&pool->stop, memory_order_relaxed))
        if (pthread_cond_timedwait(&pool->spare_cv, &pool->spare_mu, &deadline) == ETIMEDOUT)
            break;
    bool keep = w->sp_state == WS__SP_RUNNING;
    if (!keep)
        w->sp_state = WS__SP_EXITED;
    int cpu = w->cpu;
    pthread_mutex_unlock(&pool->spare_mu);
    if (keep)
        ws__pin(cpu);
    return keep;
}

void ws__spares_stop(ws_pool *pool)
{
    pthread_mutex_lock(&pool->spare_mu);
    pthread_cond_broadcast(&pool->spare_cv);
    /* relaxed: nall only changes under spare_mu, which we hold. */
    unsigned all = atomic_load_explicit(&pool->nall, memory_order_relaxed);
    for (unsigned i = pool->n; i < all; i++) {
        ws__worker *s = pool->workers[i];
        bool live = s->sp_live;
        s->sp_live = false;
        if (!live)
            continue;
        /* Unlocked while joining: an idle spare wakes under the mutex. */
        pthread_mutex_unlock(&pool->spare_mu);
        pthread_join(s->thread, NULL);
        pthread_mutex_lock(&pool->spare_mu);
    }
    pthread_mutex_unlock(&pool->spare_mu);
    pthread_cond_destroy(&pool->spare_cv);
    pthread_mutex_destroy(&pool->spare_mu);
}
