/* Parking idle workers without losing a wake-up.
 *
 * States. A worker is *active* (running a job), *searching* (no job: it
 * pops, takes outside work and steals, for up to spin_us microseconds),
 * *sleepy* (it has announced itself in nsleep and is checking one last time)
 * or *sleeping* (blocked in futex_wait on the pool's epoch word).
 *
 * Falling asleep, in worker.c's idle loop and ws__park() below:
 *   1. e = epoch (acquire).
 *   2. nsleep += 1 (seq_cst RMW): now sleepy.
 *   3. Ask every other worker to publish private work (their demand flag):
 *      private deque tails are invisible to thieves until published.
 *   4. Look for work once more: every deque's public part and the outside
 *      queue (seq_cst loads; ws__work_count). If any, nsleep -= 1 and go
 *      back to searching.
 *   5. futex_wait(&epoch, e): sleeps only while epoch is still e.
 *   6. On waking, nsleep -= 1 and search again.
 *
 * Searching (worker.c's search()): a worker counts itself in `searching`
 * while it spins for work. Every worker that leaves park() searches first,
 * and clears `wake_pending` once counted.
 *
 * Posting work (ws__dq_publish, outside submission), then ws__wake():
 *   1. Make the work visible (a seq_cst store of a deque's bottom, or the
 *      outside queue's enqueue: an xchg that liburcu documents as a full
 *      barrier, followed by our seq_cst loads).
 *   2. If searching > 0 (seq_cst load): done; a searcher will find it.
 *   3. If nsleep == 0: done; nobody sleeps, busy workers will find it.
 *   4. If wake_pending was already set (exchange): done; a woken worker is
 *      on its way and will search.
 *   5. epoch += 1, then one futex_wake: of one sleeper for a post, from
 *      outside the pool one parked on the poster's CPU when there is one
 *      (it runs as soon as the poster waits, where another CPU may first
 *      have to leave idle); of up to n sleepers for a hand-on (below) that
 *      counted n > 1 jobs (ws__wake_n; at most nsleep).
 * So a stream of posts to a pool with a searcher costs no system call.
 *
 * Handing the search on (the end of search()): a searcher that found a job
 * and was the last one searching counts the work it still sees (seq_cst
 * loads after its decrement), up to nsleep (at least 1): public deque items,
 * one for a non-empty outside queue (whoever takes from it moves a batch
 * onto its deque, where the next count sees them), one for a stop. If it
 * counts n > 0, it calls ws__wake_n(n): steps 2-5 with one futex_wake of
 * min(n, nsleep) sleepers. Each woken worker searches, and the last of them
 * to find a job hands on again if work is left (a chain, as Go's scheduler
 * does with its spinning threads, but each link wakes as many workers as it
 * sees jobs). So a burst of k jobs posted from outside wakes its k workers
 * in two steps, not k: the post wakes one worker, which takes a job and the
 * batch behind it and wakes the k - 1 others at once. A hand-on wakes no
 * more sleepers than it counts jobs, so a lone job wakes one worker and runs
 * without a wake's system call before it (its worker counts nothing left):
 * no thundering herd. The count can run ahead: the first of a group woken
 * together to end its search may count jobs that the others, not yet
 * running, are about to take, and wake sleepers for them too, which find
 * nothing and park again (or make a wake system call that finds no sleeper:
 * the others still count in nsleep until they run).
 *
 * The lost wake-up: a worker checks for work (4), finds none, and sleeps (5)
 * while a poster makes work visible (1) without waking anyone. It cannot
 * happen:
 *   - poster and sleeper both do "write mine, then read theirs" with
 *     seq_cst, so in the single total order either the poster's read of
 *     nsleep comes after the worker's increment (it wakes), or the worker's
 *     check comes after the post (it sees the work): the store-buffering
 *     outcome is forbidden;
 *   - a poster that saw searching > 0 read it before that searcher's
 *     decrement; the searcher then either found a job (and, if it was the
 *     last searcher, looks for work after its decrement, so after the post
 *     in S, and wakes someone if it sees any) or goes to sleep through
 *     steps 1-4 above, whose check comes after the post in S;
 *   - a poster that saw wake_pending relies on the wake that set it: the
 *     epoch bump makes a sleeper return (from futex_wait, or at once if it
 *     had not got there), and every return from park() searches;
 *   - if the poster bumps epoch after step 1 but before step 5, futex_wait
 *     compares epoch with e inside the kernel and returns at once;
 *   - the hand-on's count is 0 exactly when the check of step 4 would find
 *     nothing (the same seq_cst loads), and it goes through the same steps
 *     2-5 as a post: waking n sleepers instead of one only adds wake-ups to
 *     an argument that needs one. The n wakes set wake_pending once; the
 *     first of them to search clears it, and the others count themselves
 *     in searching as every woken worker does.
 *
 * Work that stays private: a sleeping worker set every demand flag in step
 * 3, so the next ws_spawn of a busy worker publishes half of its private
 * tail and wakes a sleeper (ws__share in worker.c).
 */
#include "internal.h"

#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <sched.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

/* Sleeps on addr while it holds val; a wake whose bitset meets bits wakes
 * it. */
static int futex_wait_bits(_Atomic uint32_t *addr, uint32_t val,
                           const struct timespec *abs_deadline, uint32_t bits)
{
    /* FUTEX_WAIT_BITSET takes an absolute CLOCK_MONOTONIC deadline. */
    long r = syscall(SYS_futex, (uint32_t *)addr, FUTEX_WAIT_BITSET | FUTEX_PRIVATE_FLAG, val,
                     abs_deadline, NULL, bits);
    if (r == -1 && errno == ETIMEDOUT)
        return WS_ETIMEDOUT;
    return 0;
}

int ws__futex_wait(_Atomic uint32_t *addr, uint32_t val, const struct timespec *abs_deadline)
{
    return futex_wait_bits(addr, val, abs_deadline, FUTEX_BITSET_MATCH_ANY);
}

/* A parked worker's futex bitset: its CPU's bit (mod 32), or every bit. */
static uint32_t cpu_bit(int cpu)
{
    return cpu >= 0 ? 1u << (cpu & 31) : FUTEX_BITSET_MATCH_ANY;
}

void ws__futex_wake(_Atomic uint32_t *addr, int n)
{
    syscall(SYS_futex, (uint32_t *)addr, FUTEX_WAKE | FUTEX_PRIVATE_FLAG, n, NULL, NULL, 0);
}

void ws__wake_n(ws_pool *pool, unsigned n)
{
    /* seq_cst: after the post in S (see the protocol above). */
    if (atomic_load_explicit(&pool->searching, memory_order_seq_cst) > 0)
        return;
    /* seq_cst: as searching. */
    uint32_t sleepers = atomic_load_explicit(&pool->nsleep, memory_order_seq_cst);
    if (sleepers == 0)
        return;
    /* seq_cst: one wake in flight at a time; cleared by the first woken. */
    if (atomic_exchange_explicit(&pool->wake_pending, 1, memory_order_seq_cst))
        return;
    WS__PERTURB();
    /* seq_cst: orders the bump before the wake; a sleeper that read the old
       epoch either sees the new value in futex_wait or is woken. */
    atomic_fetch_add_explicit(&pool->epoch, 1, memory_order_seq_cst);
    if (n > 1) {
        /* A hand-on that saw n jobs: one system call for all their workers
           (nsleep may count sleepy workers, which the bump returns). */
        ws__futex_wake(&pool->epoch, (int)(n < sleepers ? n : sleepers));
        return;
    }
    /* From outside the pool, wake a sleeper pinned to the CPU we run on if
       there is one: it runs as soon as we wait, where one on an idle CPU
       first waits for that CPU to come out of idle (about 100 us on a VM,
       against 10). A worker of the pool has no sleeper on its own CPU:
       one wake, to anyone. */
    ws__worker *me = ws__self;
    int cpu = me && me->pool == pool ? -1 : sched_getcpu();
    if (cpu < 0 || syscall(SYS_futex, (uint32_t *)&pool->epoch,
                           FUTEX_WAKE_BITSET | FUTEX_PRIVATE_FLAG, 1, NULL, NULL,
                           cpu_bit(cpu)) <= 0)
        ws__futex_wake(&pool->epoch, 1);
}

void ws__wake(ws_pool *pool)
{
    ws__wake_n(pool, 1);
}

void ws__wake_all(ws_pool *pool)
{
    /* seq_cst: as in ws__wake, unconditionally (shutdown, stop). */
    atomic_fetch_add_explicit(&pool->epoch, 1, memory_order_seq_cst);
    ws__futex_wake(&pool->epoch, INT_MAX);
}

/* Step 4 and the hand-on: the jobs this worker could take, counted up to
 * limit. */
unsigned ws__work_count(ws__worker *w, unsigned limit)
{
    ws_pool *pool = w->pool;
    unsigned all = ws__nall(pool); /* spares too */
    unsigned n = 0;
    for (unsigned i = 0; i < all && n < limit; i++) {
        int64_t k = ws__dq_public(&pool->workers[i]->dq);
        n += k < (int64_t)(limit - n) ? (unsigned)k : limit - n;
    }
    /* The outside queue: see ws__enqueue for its ordering. */
    if (n < limit && (!cds_wfcq_empty(&pool->inj_head, &pool->inj_tail) ||
                      /* seq_cst: a stop or shutdown posted before we announced. */
                      atomic_load_explicit(&pool->stop, memory_order_seq_cst)))
        n++;
    return n;
}

void ws__park(ws__worker *w)
{
    ws_pool *pool = w->pool;
    /* acquire: step 1; pairs with the bump in ws__wake. */
    uint32_t e = atomic_load_explicit(&pool->epoch, memory_order_acquire);
    /* seq_cst: step 2, in S before the checks of step 4. */
    atomic_fetch_add_explicit(&pool->nsleep, 1, memory_order_seq_cst);
    unsigned all = ws__nall(pool); /* spares too */
    for (unsigned i = 0; i < all; i++) {
        ws__worker *v = pool->workers[i];
        /* relaxed: demand is a hint; the owner publishes with seq_cst and
           then checks nsleep, which covers the protocol. Read first so an
           already-set flag's line is not written again. */
        if (v != w && !atomic_load_explicit(&v->demand, memory_order_relaxed))
            atomic_store_explicit(&v->demand, 1, memory_order_relaxed);
    }
    WS__PERTURB();
    if (!ws__work_count(w, 1)) {
        ws__stat_inc(&w->stats.parks);
        WS__PERTURB();
        ws__trace *t = ws__tracing(pool);
        if (WS_UNLIKELY(t))
            ws__trace_event(t, w, WS__EV_PARK, 0);
        futex_wait_bits(&pool->epoch, e, NULL, cpu_bit(w->cpu));
        if (WS_UNLIKELY(t))
            ws__trace_event(t, w, WS__EV_WAKE, 0);
    }
    /* seq_cst: leaves the sleepy/sleeping state before searching again. */
    atomic_fetch_sub_explicit(&pool->nsleep, 1, memory_order_seq_cst);
}
