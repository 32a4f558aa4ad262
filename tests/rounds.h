/* Rounds on persistent threads, for stress tests made of many tiny
 * concurrent scenarios: creating threads per round costs more than the
 * round and rarely makes them overlap. The main thread prepares round r,
 * opens it (the helpers start together), runs its own part, waits until
 * every helper is done, and checks. Helpers spin briefly, then yield, so
 * more threads than cores still make progress. */
#ifndef WS_TEST_ROUNDS_H
#define WS_TEST_ROUNDS_H

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>

#include "check.h"

#define ROUNDS_MAX 4

typedef struct rounds rounds;
typedef struct rounds_arg {
    rounds *r;
    int self;
} rounds_arg;

struct rounds {
    _Atomic long go;    /* main writes the round number; -1: exit */
    _Atomic long ready; /* helpers count their arrivals */
    _Atomic long done;  /* helpers count their departures */
    long round;         /* main only */
    int n;
    void (*body)(int self);
    pthread_t th[ROUNDS_MAX];
    rounds_arg arg[ROUNDS_MAX];
};

static inline void rounds_spin_until(_Atomic long *v, long at_least)
{
    /* acquire: pairs with the helpers' release increments. */
    for (int i = 0; atomic_load_explicit(v, memory_order_acquire) < at_least; i++)
        if (i > 64)
            sched_yield();
}

static void *rounds_main(void *p)
{
    rounds_arg *a = p;
    rounds *r = a->r;
    for (long k = 1;; k++) {
        long g;
        /* acquire: what main prepared before opening round k. */
        for (int i = 0; (g = atomic_load_explicit(&r->go, memory_order_acquire)) < k; i++) {
            if (g < 0)
                return NULL;
            if (i > 64)
                sched_yield();
        }
        /* release: only the arrival; main waits for all before its part. */
        atomic_fetch_add_explicit(&r->ready, 1, memory_order_release);
        r->body(a->self);
        /* release: everything the helper did before main checks it. */
        atomic_fetch_add_explicit(&r->done, 1, memory_order_release);
    }
}

static inline void rounds_start(rounds *r, int n, void (*body)(int self))
{
    CHECK(n <= ROUNDS_MAX);
    /* relaxed: no helper runs yet; pthread_create orders these stores. */
    atomic_store_explicit(&r->go, 0, memory_order_relaxed);
    atomic_store_explicit(&r->ready, 0, memory_order_relaxed);
    atomic_store_explicit(&r->done, 0, memory_order_relaxed);
    r->round = 0;
    r->n = n;
    r->body = body;
    for (int i = 0; i < n; i++) {
        r->arg[i] = (rounds_arg){r, i};
        CHECK(pthread_create(&r->th[i], NULL, rounds_main, &r->arg[i]) == 0);
    }
}

/* Starts the next round and returns once every helper is running it. */
static inline void rounds_open(rounds *r)
{
    r->round++;
    /* release: the state prepared for this round. */
    atomic_store_explicit(&r->go, r->round, memory_order_release);
    rounds_spin_until(&r->ready, r->round * r->n);
}

/* Returns once every helper has finished the round. */
static inline void rounds_close(rounds *r)
{
    rounds_spin_until(&r->done, r->round * r->n);
}

static inline void rounds_stop(rounds *r)
{
    /* release: nothing more to publish; the helpers exit. */
    atomic_store_explicit(&r->go, -1, memory_order_release);
    for (int i = 0; i < r->n; i++)
        pthread_join(r->th[i], NULL);
}

#endif
