/* A model-checkable harness for the shipped Chase-Lev deque: it #includes
 * src/deque.c itself, not a copy, and runs small owner/thief scenarios
 * (push, pop, publish, take, steal, growth past the initial 16 slots, the
 * last-element race, two thieves), asserting that every item is delivered
 * exactly once and that its payload (plain memory written before the push)
 * is visible to whoever takes it.
 *
 * Plain C11, pthreads, bounded loops and assert; no liburcu: old buffers are
 * freed only after every thread has joined. Two modes:
 *   - stress (default): each scenario runs many rounds on persistent threads
 *     that start together (tests/rounds.h), for WS_STRESS_SECONDS in all;
 *     prints "stress: deque_model ops=N items=M".
 *       gcc -std=c11 -pthread -I src tests/model/deque_model.c
 *   - WS_MODEL: every scenario (or only -DSCENARIO=k) runs once, threads
 *     created per round, no clock and no spin, for an RC11 model checker:
 *       genmc -- -DWS_MODEL -I src tests/model/deque_model.c
 *     (GenMC is not installable on the development machine, so this mode is
 *     compiled and run natively there, not model-checked.)
 */
#undef NDEBUG
#define _POSIX_C_SOURCE 200809L

#include "deque.c"
#include "../dq_stub.h"

#include <assert.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#ifndef WS_MODEL
#include "../rounds.h"
#endif

#define MAX_ITEMS   24
#define MAX_THIEVES 2

typedef struct item {
    int id;
    int payload; /* plain: written by the owner before the push */
} item;

typedef struct scenario {
    const char *name;
    int nthieves;
    int steals; /* attempts per thief */
    void (*owner)(void);
} scenario;

static ws__deque dq;
static item items[MAX_ITEMS];
static _Atomic int delivered[MAX_ITEMS];
static int npushed;        /* owner only */
static long owner_ops;     /* owner only */
static long thief_ops[MAX_THIEVES];

static void deliver(item *x)
{
    assert(x >= items && x < items + MAX_ITEMS && x->id == x - items);
    assert(x->payload == x->id * 7 + 1);
    /* relaxed: a count per item, checked after every thread is done. */
    int prev = atomic_fetch_add_explicit(&delivered[x->id], 1, memory_order_relaxed);
    assert(prev == 0);
}

static void push(int n)
{
    for (int i = 0; i < n; i++) {
        item *x = &items[npushed];
        x->id = npushed++;
        x->payload = x->id * 7 + 1;
        int ok = ws__dq_push(&dq, x);
        assert(ok);
        owner_ops++;
    }
}

static void publish(int64_t n)
{
    ws__dq_publish(&dq, n);
    owner_ops++;
}

static void pop(int n)
{
    for (int i = 0; i < n; i++) {
        item *x = ws__dq_pop(&dq);
        owner_ops++;
        if (x)
            deliver(x);
    }
}

static void thief(int self, int steals)
{
    for (int i = 0; i < steals; i++) {
        void *x;
        if (ws__dq_steal(&dq, &x) == WS__DQ_OK)
            deliver(x);
    }
    thief_ops[self] += steals;
}

/* Two pushes, a take and a take against one thief (Le et al.'s harness). */
static void owner_take_steal(void)
{
    push(2);
    publish(2);
    pop(2);
}

/* One item: the owner's take and two thieves race for it. */
static void owner_last(void)
{
    push(1);
    publish(1);
    pop(1);
}

/* Three items against two thieves stealing twice each. */
static void owner_two_thieves(void)
{
    push(3);
    publish(3);
    pop(1);
}

/* Growth: 16 published slots are full; pushing more makes the owner read
 * top and, unless thieves freed enough, copy the buffer while they steal. */
static void owner_grow(void)
{
    push(WS__DQ_MIN_CAP);
    publish(WS__DQ_MIN_CAP);
    push(MAX_ITEMS - WS__DQ_MIN_CAP);
    publish(MAX_ITEMS - WS__DQ_MIN_CAP);
    pop(2);
}

/* Private items published piecemeal while thieves steal, then popped from
 * the private tail and taken from the public part. */
static void owner_publish(void)
{
    push(4);
    publish(1);
    publish(1);
    pop(1);
    publish(1);
    pop(2);
}

static const scenario scenarios[] = {
    {"take_steal", 1, 2, owner_take_steal},
    {"last", 2, 1, owner_last},
    {"two_thieves", 2, 2, owner_two_thieves},
    {"grow", 2, 3, owner_grow},
    {"publish", 2, 2, owner_publish},
};

static void round_begin(void)
{
    int rc = ws__dq_init(&dq, WS__DQ_MIN_CAP, &stub_ops);
    assert(rc == 0);
    npushed = 0;
    for (int i = 0; i < MAX_ITEMS; i++)
        /* relaxed: no thief runs between rounds. */
        atomic_store_explicit(&delivered[i], 0, memory_order_relaxed);
}

/* After every thief is done: drain, check exactly-once, free. */
static void round_end(void)
{
    for (int i = 0; i < MAX_ITEMS; i++) {
        item *x = ws__dq_pop(&dq);
        if (!x)
            break;
        deliver(x);
    }
    for (int i = 0; i < npushed; i++)
        /* relaxed: every thread's increments happen before this point. */
        assert(atomic_load_explicit(&delivered[i], memory_order_relaxed) == 1);
    ws__dq_destroy(&dq);
    stub_free_retired();
}

#ifdef WS_MODEL

typedef struct targ {
    int self, steals;
} targ;

static void *thief_main(void *p)
{
    targ *a = p;
    thief(a->self, a->steals);
    return NULL;
}

static void run(const scenario *sc)
{
    pthread_t th[MAX_THIEVES];
    targ a[MAX_THIEVES];
    round_begin();
    for (int i = 0; i < sc->nthieves; i++) {
        a[i] = (targ){i, sc->steals};
        pthread_create(&th[i], NULL, thief_main, &a[i]);
    }
    sc->owner();
    for (int i = 0; i < sc->nthieves; i++)
        pthread_join(th[i], NULL);
    round_end();
}

int main(void)
{
#ifdef SCENARIO
    run(&scenarios[SCENARIO]);
#else
    for (size_t i = 0; i < sizeof(scenarios) / sizeof(scenarios[0]); i++)
        run(&scenarios[i]);
#endif
    return 0;
}

#else

static const scenario *cur;

static void thief_round(int self)
{
    thief(self, cur->steals);
}

/* Runs sc for secs (at least 200 rounds); the owner is the main thread. */
static long run(const scenario *sc, double secs, long *items_out)
{
    rounds r;
    cur = sc;
    for (int i = 0; i < sc->nthieves; i++)
        thief_ops[i] = 0;
    rounds_start(&r, sc->nthieves, thief_round);
    double end = test_now() + secs;
    while (r.round < 200 || r.round % 64 || test_now() < end) {
        round_begin();
        rounds_open(&r);
        sc->owner();
        rounds_close(&r);
        round_end();
        *items_out += npushed;
    }
    rounds_stop(&r);
    long ops = owner_ops;
    for (int i = 0; i < sc->nthieves; i++)
        ops += thief_ops[i];
    owner_ops = 0;
    printf("deque_model: %-12s %8ld rounds\n", sc->name, r.round);
    return ops;
}

int main(void)
{
    size_t n = sizeof(scenarios) / sizeof(scenarios[0]);
    double secs = test_stress_seconds(2.0);
    long ops = 0, items_total = 0;
    for (size_t i = 0; i < n; i++)
        ops += run(&scenarios[i], secs / (double)n, &items_total);
    printf("stress: deque_model ops=%ld items=%ld\n", ops, items_total);
    return 0;
}

#endif
