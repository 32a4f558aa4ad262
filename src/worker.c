/* The worker loop: pop, take outside work, steal (victim order), park; and
 * helping while waiting. */
#include "internal.h"

#include <sched.h>
#include <stdio.h>
#include <time.h>
#include <urcu/urcu-memb.h>

__thread ws__worker *ws__self __attribute__((tls_model("initial-exec")));
/* Outside workers: priv == pub == 0 fails every inline fast path. */
static ws__fj fj_none;
__thread ws__fj *ws__fj_self __attribute__((tls_model("initial-exec"))) = &fj_none;

/* Token for TSan: the RCU grace period orders every read-side critical
 * section before the reclamation of a buffer (see ws__reclaim in pool.c). */
char ws__rcu_token;

static uint64_t rng_next(ws__worker *w)
{
    uint64_t x = w->rng; /* xorshift64 */
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return w->rng = x;
}

static ws__job *steal_once(ws__worker *w, ws__worker *victim, int *status)
{
    void *item = NULL;
    urcu_memb_read_lock();
    *status = ws__dq_steal(&victim->dq, &item);
    /* Real edge: this read side ends before any grace period that frees a
       buffer it may have read (acquired in ws__reclaim, pool.c). */
    WS__TSAN_RELEASE(&ws__rcu_token);
    urcu_memb_read_unlock();
    if (*status != WS__DQ_OK) {
        ws__stat_inc(&w->stats.failed_steals);
        /* relaxed: demand is a hint (see sleep.c); read first to keep the
           victim's line clean when it is already set. */
        if (*status == WS__DQ_EMPTY && !atomic_load_explicit(&victim->demand, memory_order_relaxed))
            atomic_store_explicit(&victim->demand, 1, memory_order_relaxed);
        return NULL;
    }
    WS__HB_ACQUIRE(&victim->dq);
    ws__job *j = item;
    ws__stat_inc(&w->stats.steals);
    if (j->exec == ws__task_exec) {
        /* relaxed: the thief id is a hint for the owner's leapfrogging; an
           RMW so a concurrent WAITER bit is kept. */
        atomic_fetch_or_explicit(&((ws__task *)j)->st, (w->id + 1u) << WS__T_THIEF_SHIFT,
                                 memory_order_relaxed);
    }
    return j;
}

ws__job *ws__steal_from(ws__worker *w, ws__worker *victim)
{
    int status;
    ws__job *j;
    do
        j = steal_once(w, victim, &status);
    while (status == WS__DQ_ABORT);
    return j;
}

static ws__job *steal_any(ws__worker *w)
{
    ws_pool *pool = w->pool;
    unsigned n = pool->n - 1;
    if (n == 0)
        return NULL;
    /* Near victims first, each group from a random start. */
    unsigned groups[2][2] = {{0, w->nnear}, {w->nnear, n}};
    for (int g = 0; g < 2; g++) {
        unsigned lo = groups[g][0], len = groups[g][1] - lo;
        if (len == 0)
            continue;
        unsigned start = (unsigned)(rng_next(w) % len);
        for (unsigned k = 0; k < len; k++) {
            ws__worker *v = pool->workers[w->victims[lo + (start + k) % len]];
            int status;
            ws__job *j = steal_once(w, v, &status);
            if (j)
                return j;
        }
    }
    return NULL;
}

ws__job *ws__find_work(ws__worker *w)
{
    ws__job *j = ws__dq_pop(&w->dq);
    if (j)
        return j;
    j = ws__dequeue_outside(w);
    if (j)
        return j;
    return steal_any(w);
}

void ws__share(ws__worker *w)
{
    /* relaxed: a hint; a request that arrives after this clear is seen at
       the next spawn. */
    atomic_store_explicit(&w->demand, 0, memory_order_relaxed);
    int64_t n = ws__dq_private(&w->dq);
    if (n == 0)
        return;
    WS__HB_RELEASE(&w->dq); /* frames written by ws_spawn, to thieves */
    ws__dq_publish(&w->dq, (n + 1) / 2);
    ws__stat_inc(&w->stats.shares);
    ws__wake(w->pool);
}

static void run_job(ws__worker *w, ws__job *j)
{
    j->exec(j, w);
}

static uint64_t now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static void pin_and_name(ws__worker *w)
{
    ws_pool *pool = w->pool;
    char name[16];
    snprintf(name, sizeof(name), "%s-%u", pool->name, w->id);
    pthread_setname_np(pthread_self(), name);
    if (pool->cpu_of[w->id] >= 0) {
        cpu_set_t set;
        CPU_ZERO(&set);
        CPU_SET(pool->cpu_of[w->id], &set);
        pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
    }
}

/* Spins for work for up to spin_us, counted in pool->searching (see the
 * protocol in sleep.c). NULL when it gives up. */
static ws__job *search(ws__worker *w)
{
    ws_pool *pool = w->pool;
    /* seq_cst: in S before any poster's load of searching that skips the
       wake because of us. */
    atomic_fetch_add_explicit(&pool->searching, 1, memory_order_seq_cst);
    /* seq_cst: a woken worker is counted: later posts need no other wake. */
    atomic_store_explicit(&pool->wake_pending, 0, memory_order_seq_cst);
    uint64_t start = now_us();
    unsigned spins = 0;
    ws__job *j;
    while (!(j = ws__find_work(w)) && now_us() - start < pool->spin_us) {
        for (unsigned k = 0; k < 32; k++)
            ws__cpu_relax();
        if (++spins % 16 == 0)
            sched_yield();
    }
    /* seq_cst: leaves the count before a sleeper's check (sleep.c). */
    if (atomic_fetch_sub_explicit(&pool->searching, 1, memory_order_seq_cst) == 1 && j)
        ws__wake(pool); /* the last searcher found work: hand the search on */
    return j;
}

void *ws__worker_main(void *arg)
{
    ws__worker *w = arg;
    ws_pool *pool = w->pool;
    ws__self = w;
    ws__fj_self = (ws__fj *)&w->dq.priv;
    pin_and_name(w);
    urcu_memb_register_thread();
    for (;;) {
        ws__job *j = ws__find_work(w);
        if (!j) {
            ws__publish_finished(w);
            j = search(w);
        }
        while (!j) {
            /* seq_cst: pairs with the store in ws_pool_destroy; set only
               once every accepted job has finished. */
            if (atomic_load_explicit(&pool->stop, memory_order_seq_cst))
                goto out;
            ws__reclaim(w);
            ws__park(w);
            j = search(w); /* every return from park searches (sleep.c) */
        }
        run_job(w, j);
    }
out:
    urcu_memb_unregister_thread();
    ws__self = NULL;
    ws__fj_self = &fj_none;
    return NULL;
}

static bool ts_before(const struct timespec *a, const struct timespec *b)
{
    return a->tv_sec < b->tv_sec || (a->tv_sec == b->tv_sec && a->tv_nsec < b->tv_nsec);
}

/* A waiter spins this long before it sleeps: a short task's result is then
 * picked up without a futex round trip (tens of microseconds on a VM). */
#define WAIT_SPIN_US 30

int ws__help_until(ws__worker *w, _Atomic uint32_t *word, uint32_t mask, uint32_t waiter_bit,
                   const struct timespec *deadline)
{
    unsigned spins = 0;
    uint64_t spin_start = 0;
    for (;;) {
        /* acquire: pairs with the release of whoever sets mask. */
        if (atomic_load_explicit(word, memory_order_acquire) & mask)
            return 0;
        if (deadline && ws__deadline_passed(deadline))
            return WS_ETIMEDOUT;
        if (w && w->help_depth < WS__HELP_DEPTH) {
            ws__job *j = ws__find_work(w);
            if (j) {
                w->help_depth++;
                run_job(w, j);
                w->help_depth--;
                spins = 0;
                spin_start = 0;
                continue;
            }
        }
        if (++spins % 64) {
            ws__cpu_relax();
            continue;
        }
        if (!spin_start)
            spin_start = now_us();
        if (now_us() - spin_start < WAIT_SPIN_US) {
            sched_yield(); /* a worker woken onto this CPU runs at once */
            continue;
        }
        if (w)
            ws__publish_finished(w);
        /* acquire: as above, for a mask set just now. The bit tells the
           completer to wake the word. */
        uint32_t v = atomic_fetch_or_explicit(word, waiter_bit, memory_order_acquire) | waiter_bit;
        if (v & mask)
            return 0;
        /* A worker sleeps in 1 ms slices to look for work again. */
        const struct timespec *until = deadline;
        struct timespec slice;
        if (w) {
            ws__deadline(&slice, 1000000);
            if (!deadline || ts_before(&slice, deadline))
                until = &slice;
        }
        ws__futex_wait(word, v, until);
        spins = 0;
        spin_start = 0;
    }
}
