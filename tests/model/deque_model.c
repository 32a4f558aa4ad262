/* A model-checkable harness for the shipped Chase-Lev deque: it #includes
 * src/deque.c itself, not a copy, and runs small owner/thief scenarios
 * (push, pop, publish, take, steal, growth past the initial 16 slots, the
 * last-element race, two thieves), asserting that every item is delivered
 * exactly once and that its payload (plain memory written before the push)
 * is visible to whoever takes it. Also the owner's pop_if (the fast path of
 * ws_sync), a second growth, and the sleep handshake of ws__dq_public: a
 * worker that announces itself asleep and then finds no public work, and an
 * owner that publishes and then reads the sleeper count, cannot both miss
 * each other.
 *
 * Plain C11, pthreads, bounded loops and assert; no liburcu: old buffers are
 * freed only after every thread has joined. Two modes:
 *   - stress (default): each scenario runs many rounds on persistent threads
 *     that start together (tests/rounds.h), for WS_STRESS_SECONDS in all;
 *     prints "stress: deque_model ops=N items=M".
 *       gcc -std=c11 -pthread -I src tests/model/deque_model.c
 *   - WS_MODEL: one scenario, -DSCENARIO=k (default 0), runs once with
 *     threads created per round, no clock and no spin, for an RC11 model
 *     checker; -DTHIEVES=t and -DSTEALS=s (steal attempts per thief)
 *     override the scenario's sizes. Each scenario's default sizes keep a
 *     run to seconds; larger ones explore more:
 *       genmc -- -DWS_MODEL -DSCENARIO=3 -DTHIEVES=2 -I src tests/model/deque_model.c
 *     -DWS_MODEL_ALL runs every scenario once natively (a ctest), since
 *     GenMC is not installable on the development machine.
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

#define MAX_ITEMS   56
#define MAX_THIEVES 3

typedef struct item {
    int id;
    int payload; /* plain: written by the owner before the push */
} item;

typedef struct scenario {
    const char *name;
    int nthieves;
    int steals; /* attempts per thief */
    void (*owner)(void);
    void (*thief)(int self, int steals); /* NULL: steal_loop */
    void (*check)(void);                  /* after every thread, or NULL */
} scenario;

static ws__deque dq;
static const struct scenario *cur; /* the scenario running */
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

static void steal_loop(int self, int steals)
{
    for (int i = 0; i < steals; i++) {
        void *x = NULL;
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
    push(8);
    publish(8);
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

/* Two growths (16 -> 32 -> 64 slots) while thieves steal. */
static void owner_grow_twice(void)
{
    push(WS__DQ_MIN_CAP);
    publish(WS__DQ_MIN_CAP);
    push(WS__DQ_MIN_CAP);
    publish(WS__DQ_MIN_CAP);
    push(MAX_ITEMS - 2 * WS__DQ_MIN_CAP);
    publish(1);
    pop(2);
}

/* pop_if, ws_sync's fast path: it takes the newest item only when it is
 * private and is the one asked for; public items go through take(). */
static void owner_pop_if(void)
{
    push(3);
    publish(1);
    owner_ops++;
    assert(!ws__dq_pop_if(&dq, &items[1])); /* not the newest */
    owner_ops++;
    int ok = ws__dq_pop_if(&dq, &items[2]);
    assert(ok);
    deliver(&items[2]);
    publish(1);
    owner_ops++;
    assert(!ws__dq_pop_if(&dq, &items[1])); /* public now */
    pop(2);
}

/* The sleep handshake (sleep.c): a sleeper counts itself, then looks for
 * public work; the owner publishes, then reads the count. The item stays
 * (round_end drains it): one of the two must see the other. */
static _Atomic int nsleep;
static int saw_work, saw_sleeper; /* each written by one side, read at the end */

static void owner_handshake(void)
{
    push(1);
    publish(1);
    /* seq_cst: as ws__wake's load after a publish. */
    saw_sleeper = atomic_load_explicit(&nsleep, memory_order_seq_cst) > 0;
}

static void sleeper(int self, int steals)
{
    (void)steals;
    /* seq_cst: as ws__park's announcement before its check. */
    atomic_fetch_add_explicit(&nsleep, 1, memory_order_seq_cst);
    saw_work = ws__dq_public(&dq) > 0;
    thief_ops[self]++;
}

static void handshake_check(void)
{
    assert(saw_work || saw_sleeper); /* a lost wake-up otherwise */
    /* relaxed: between rounds, no other thread runs. */
    atomic_store_explicit(&nsleep, 0, memory_order_relaxed);
}

static const scenario scenarios[] = {
    {"take_steal", 1, 2, owner_take_steal, NULL, NULL},
    {"last", 2, 1, owner_last, NULL, NULL},
    {"two_thieves", 2, 2, owner_two_thieves, NULL, NULL},
    {"grow", 1, 2, owner_grow, NULL, NULL},
    {"publish", 2, 2, owner_publish, NULL, NULL},
    {"grow_twice", 1, 1, owner_grow_twice, NULL, NULL},
    {"pop_if", 1, 2, owner_pop_if, NULL, NULL},
    {"handshake", 1, 1, owner_handshake, sleeper, handshake_check},
};

static void thief(const scenario *sc, int self, int steals)
{
    (sc->thief ? sc->thief : steal_loop)(self, steals);
}

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
    if (cur->check)
        cur->check();
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
    thief(cur, a->self, a->steals);
    return NULL;
}

static void run(const scenario *sc)
{
#ifdef THIEVES
    int nthieves = THIEVES;
#else
    int nthieves = sc->nthieves;
#endif
#ifdef STEALS
    int steals = STEALS;
#else
    int steals = sc->steals;
#endif
    assert(nthieves >= 1 && nthieves <= MAX_THIEVES);
    pthread_t th[MAX_THIEVES];
    targ a[MAX_THIEVES];
    cur = sc;
    round_begin();
    for (int i = 0; i < nthieves; i++) {
        a[i] = (targ){i, steals};
        pthread_create(&th[i], NULL, thief_main, &a[i]);
    }
    sc->owner();
    for (int i = 0; i < nthieves; i++)
        pthread_join(th[i], NULL);
    round_end();
}

int main(void)
{
#if defined(WS_MODEL_ALL)
    for (size_t i = 0; i < sizeof(scenarios) / sizeof(scenarios[0]); i++)
        run(&scenarios[i]);
#elif defined(SCENARIO)
    run(&scenarios[SCENARIO]);
#else
    run(&scenarios[0]);
#endif
    return 0;
}

#else

static void thief_round(int self)
{
    thief(cur, self, cur->steals);
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
