/* The worker loop: pop, take outside work, steal (victim order), park; and
 * every wait of the library: helping while the stack has room, then a
 * spare worker in the waiter's place (spare.c). */
#include "internal.h"
#include "slice.h"

#include <sched.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include <urcu/urcu-memb.h>

__thread ws__worker *ws__self __attribute__((tls_model("initial-exec")));
/* Outside workers: priv == pub == 0 fails every inline fast path. */
ws__fj ws__fj_none;
__thread ws__fj *ws__fj_self __attribute__((tls_model("initial-exec"))) = &ws__fj_none;

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
    ws__trace *t = ws__tracing(w->pool);
    if (WS_UNLIKELY(t))
        ws__trace_event(t, w, WS__EV_STEAL, victim->id);
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

/* Tries victims[lo .. lo + len) of pool->workers from a random start. */
static ws__job *steal_range(ws__worker *w, const unsigned *ids, unsigned lo, unsigned len)
{
    if (len == 0)
        return NULL;
    ws_pool *pool = w->pool;
    unsigned start = (unsigned)(rng_next(w) % len);
    for (unsigned k = 0; k < len; k++) {
        unsigned i = lo + (start + k) % len;
        ws__worker *v = pool->workers[ids ? ids[i] : i];
        int status;
        ws__job *j = v != w ? steal_once(w, v, &status) : NULL;
        if (j)
            return j;
    }
    return NULL;
}

static ws__job *steal_any(ws__worker *w)
{
    ws_pool *pool = w->pool;
    unsigned all = ws__nall(pool);
    if (w->spare) /* a spare: everyone */
        return steal_range(w, NULL, 0, all);
    /* Near victims first, then far ones, then spares, each from a random
       start. */
    ws__job *j = steal_range(w, w->victims, 0, w->nnear);
    if (!j)
        j = steal_range(w, w->victims, w->nnear, pool->n - 1 - w->nnear);
    if (!j)
        j = steal_range(w, NULL, pool->n, all - pool->n);
    return j;
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

static uint64_t now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

void ws__pin(int cpu)
{
    if (cpu < 0)
        return;
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

/* Names the thread and pins it to its CPU, if it has one. A pinned worker
 * also asks for a time slice shorter than the kernel's default (slice.h):
 * woken onto a CPU where another thread runs, typically the thread that
 * posted the work and went on computing (sleep.c wakes the sleeper on the
 * poster's CPU), it then preempts that thread at once instead of waiting
 * out the thread's slice, which took up to 5 ms here. */
static void pin_and_name(ws__worker *w)
{
    ws_pool *pool = w->pool;
    char name[16];
    if (w->spare)
        snprintf(name, sizeof(name), "%s-s%u", pool->name, w->id - pool->n);
    else
        snprintf(name, sizeof(name), "%s-%u", pool->name, w->id);
    pthread_setname_np(pthread_self(), name);
    if (w->cpu >= 0) {
        ws__pin(w->cpu);
        ws__ask_slice(WS__SLICE_NS);
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
        /* Nothing here: warm slabs for a cache that grows (cache.c), a
           step at a time. At once, not after some idle time: a poster
           streaming submissions keeps this worker from ever idling long
           while it waits on pages itself. A million cold submissions
           (ext, fresh process) took 146 ms at 1 worker and 134 ms at 2
           this way, 162 and 157 ms with a 10 us wait first. */
        if (ws__cache_warm(w->cpu))
            continue;
        for (unsigned k = 0; k < 32; k++)
            ws__cpu_relax();
        /* Often enough that a thread sharing this CPU (a poster outside the
           pool feeding us) loses little to our search: yielding every 4th
           round rather than every 16th made a foreign thread's stream of
           posts to 2 workers on 2 CPUs 7-18% faster, fork-join unchanged. */
        if (++spins % 4 == 0)
            sched_yield();
    }
    /* seq_cst: leaves the count before a sleeper's check (sleep.c), and
       before our own look at what is left. The last searcher that found
       work hands the search on to as many sleepers as it sees jobs, with
       one wake: a poster that saw us searching and skipped its wake made
       its work visible before (sleep.c), so it is counted here. A lone job
       runs at once, without a wake's system call first. */
    if (atomic_fetch_sub_explicit(&pool->searching, 1, memory_order_seq_cst) == 1 && j) {
        /* relaxed: only bounds the count (no more wakes than sleepers);
           ws__wake_n reads nsleep again, in order. */
        uint32_t sleepers = atomic_load_explicit(&pool->nsleep, memory_order_relaxed);
        unsigned more = ws__work_count(w, sleepers > 1 ? sleepers : 1);
        if (more)
            ws__wake_n(pool, more);
    }
    return j;
}

/* A spare that is no longer needed retires here (ws__spare_keep): before
 * each job it takes, so it runs beside the worker it stood in for at most
 * until its current job ends. */
static bool keep(ws__worker *w)
{
    if (WS_LIKELY(!w->spare))
        return true;
    ws__publish_finished(w);
    return ws__spare_keep(w);
}

void *ws__worker_main(void *arg)
{
    ws__worker *w = arg;
    ws_pool *pool = w->pool;
    ws__self = w;
    ws__stack_init();
    ws__fj_self = (ws__fj *)&w->dq.priv;
    pin_and_name(w);
    ws__rcu_register();
    for (;;) {
        if (!keep(w))
            goto out;
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
            if (!keep(w))
                goto out;
            ws__park(w);
            j = search(w); /* every return from park searches (sleep.c) */
        }
        ws__run_top(w, j);
    }
out:
    ws__rcu_unregister();
    ws__self = NULL;
    ws__fj_self = &ws__fj_none;
    return NULL;
}

int ws__self_id(void)
{
    ws__worker *w = ws__self;
    return w ? (int)w->id : -1;
}

/* Stack headroom: the lowest address nested work may reach, per thread;
 * 0 until measured, UINTPTR_MAX when the stack cannot be measured. */
static __thread uintptr_t stack_floor;

void ws__stack_init(void)
{
    pthread_attr_t attr;
    void *lo;
    size_t size;
    stack_floor = UINTPTR_MAX;
    if (pthread_getattr_np(pthread_self(), &attr) != 0)
        return;
    /* The usable stack is what lies below us now: the mapping may also
       hold the thread's static TLS above (large under TSan). */
    uintptr_t here = (uintptr_t)__builtin_frame_address(0);
    if (pthread_attr_getstack(&attr, &lo, &size) == 0 && here > (uintptr_t)lo)
        stack_floor = (uintptr_t)lo + (here - (uintptr_t)lo) / 2;
    pthread_attr_destroy(&attr);
}

bool ws__stack_ok(void)
{
    if (WS_UNLIKELY(!stack_floor))
        ws__stack_init();
    return (uintptr_t)__builtin_frame_address(0) > stack_floor;
}

static bool ts_before(const struct timespec *a, const struct timespec *b)
{
    return a->tv_sec < b->tv_sec || (a->tv_sec == b->tv_sec && a->tv_nsec < b->tv_nsec);
}

/* A waiter spins this long before it sleeps: a short task's result is then
 * picked up without a futex round trip (tens of microseconds on a VM). */
#define WAIT_SPIN_US 30

int ws__wait_for(ws__worker *w, ws__wait *wt, const struct timespec *deadline)
{
    unsigned spins = 0;
    uint64_t spin_start = 0;
    bool blocked = false, covered = false;
    ws_pool *lane = w ? NULL : ws__lane_self; /* a lane thread helps its lane */
    int rc;
    for (;;) {
        if (w && w->gdone) /* what we wait for may be those tasks' group */
            ws__group_flush(w);
        if (wt->ready(wt)) {
            rc = 0;
            break;
        }
        if (deadline && ws__deadline_passed(deadline)) {
            rc = WS_ETIMEDOUT;
            break;
        }
        /* Help while no spare stands in for us and the stack has room. */
        if (w && !covered && ws__stack_ok()) {
            ws__job *j = ws__find_work(w);
            if (j) {
                ws__run_top(w, j);
                spins = 0;
                spin_start = 0;
                continue;
            }
        }
        if (lane && ws__stack_ok() && ws__blocking_help(lane)) {
            spins = 0;
            spin_start = 0;
            continue;
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
        if (w && !blocked) {
            blocked = true;
            covered = ws__block_begin(w);
        } else if (w && !covered) {
            covered = ws__block_retry(w); /* a thread may start now */
        }
        /* A worker that no spare covers, and a lane thread, sleep in 1 ms
           slices to look for work again (work queued on a full lane wakes
           no lane thread). */
        const struct timespec *until = deadline;
        struct timespec slice;
        if ((w && !covered) || lane) {
            ws__deadline(&slice, 1000000);
            if (!deadline || ts_before(&slice, deadline))
                until = &slice;
        }
        wt->sleep(wt, until);
        spins = 0;
        spin_start = 0;
    }
    if (blocked)
        ws__block_end(w);
    return rc;
}

typedef struct word_wait {
    ws__wait wt;
    _Atomic uint32_t *word;
    uint32_t mask, waiter_bit;
} word_wait;

static bool word_ready(ws__wait *wt)
{
    word_wait *ww = (word_wait *)wt;
    /* acquire: pairs with the release of whoever sets mask. */
    return atomic_load_explicit(ww->word, memory_order_acquire) & ww->mask;
}

static void word_sleep(ws__wait *wt, const struct timespec *until)
{
    word_wait *ww = (word_wait *)wt;
    /* acquire: as in word_ready, for a mask set just now. The bit tells
       the completer to wake the word. */
    uint32_t v = atomic_fetch_or_explicit(ww->word, ww->waiter_bit, memory_order_acquire) |
                 ww->waiter_bit;
    if (!(v & ww->mask))
        ws__futex_wait(ww->word, v, until);
}

int ws__help_until(ws__worker *w, _Atomic uint32_t *word, uint32_t mask, uint32_t waiter_bit,
                   const struct timespec *deadline)
{
    word_wait ww = {{word_ready, word_sleep}, word, mask, waiter_bit};
    return ws__wait_for(w, &ww.wt, deadline);
}
