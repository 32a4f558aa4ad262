/* The shipped deque (src/deque.c) under stress: one owner pushing,
 * publishing and popping against several thieves, with a tiny initial
 * capacity so the buffer grows while thieves read it. Every item must be
 * taken exactly once, and its payload (plain memory written before the
 * push) must be visible to whoever takes it. */
#include "check.h"
#include "deque.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <string.h>

#define NTHIEVES 3

typedef struct item {
    long id;
    long payload; /* plain data: checked by TSan and by value */
} item;

static ws__deque dq;
static item *items;
static _Atomic unsigned char *seen;
static _Atomic int done;
static _Atomic long taken_by_thieves;
static void *retired[64];
static int nretired;

/* Buffers come poisoned: a slot the deque never wrote is not NULL. */
static void *xalloc(size_t n)
{
    void *p = malloc(n);
    if (p)
        memset(p, 0xa5, n);
    return p;
}

/* Old buffers are freed only after every thief has joined. */
static void retire(void *ctx, void *buf)
{
    (void)ctx;
    CHECK(nretired < 64);
    retired[nretired++] = buf;
}

static const ws__dq_ops ops = {xalloc, free, retire, NULL};

static void take(item *it)
{
    CHECK_EQ(it->payload, it->id * 7 + 1);
    /* relaxed: a count per item; checked after joining. */
    unsigned char prev = atomic_fetch_add_explicit(&seen[it->id], 1, memory_order_relaxed);
    CHECK_EQ(prev, 0);
}

static void *thief(void *arg)
{
    (void)arg;
    long n = 0;
    /* acquire: the owner's final state, before the last drain below. */
    while (!atomic_load_explicit(&done, memory_order_acquire)) {
        void *x = NULL;
        if (ws__dq_steal(&dq, &x) == WS__DQ_OK) {
            take(x);
            n++;
        }
    }
    atomic_fetch_add(&taken_by_thieves, n);
    return NULL;
}

/* A grown buffer holds the live items and NULL everywhere else: a thief
 * that read an old top may load any slot of it. */
static void grown_buffer_initialised(void)
{
    static item its[40];
    CHECK(ws__dq_init(&dq, 16, &ops) == 0);
    for (int i = 0; i < 16; i++)
        CHECK(ws__dq_push(&dq, &its[i]));
    ws__dq_publish(&dq, 16);
    for (int i = 0; i < 5; i++) {
        void *x = NULL;
        CHECK_EQ(ws__dq_steal(&dq, &x), WS__DQ_OK);
        CHECK(x == &its[i]);
    }
    for (int i = 16; i < 40; i++) /* grows 16 -> 32 -> 64 */
        CHECK(ws__dq_push(&dq, &its[i]));
    ws__dq_buf *a = atomic_load(&dq.buf);
    CHECK_EQ(a->mask, 63);
    for (int64_t i = 0; i <= a->mask; i++) {
        void *x = atomic_load(&a->slot[i]);
        bool live = i >= 5 && i < 40;
        CHECK(x == (live ? &its[i] : NULL));
    }
    ws__dq_destroy(&dq);
    for (int i = 0; i < nretired; i++)
        free(retired[i]);
    nretired = 0;
}

int main(void)
{
    grown_buffer_initialised();
    double secs = test_stress_seconds(1.5);
    long cap = 1 << 22;
    items = calloc((size_t)cap, sizeof(item));
    seen = calloc((size_t)cap, 1);
    CHECK(items && seen);
    CHECK(ws__dq_init(&dq, 16, &ops) == 0);
    pthread_t th[NTHIEVES];
    for (int i = 0; i < NTHIEVES; i++)
        CHECK(pthread_create(&th[i], NULL, thief, NULL) == 0);

    unsigned long rng = 88172645463325252ul;
    long next = 0, by_owner = 0;
    double end = test_now() + secs;
    while (next < cap - 1024 && test_now() < end) {
        rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
        int burst = (int)(rng % 300);
        for (int k = 0; k < burst; k++) {
            item *it = &items[next];
            it->id = next++;
            it->payload = it->id * 7 + 1;
            CHECK(ws__dq_push(&dq, it));
        }
        ws__dq_publish(&dq, ws__dq_private(&dq) - (long)(rng >> 20) % 4);
        int pops = (int)((rng >> 8) % 300);
        for (int k = 0; k < pops; k++) {
            item *it = ws__dq_pop(&dq);
            if (!it)
                break;
            take(it);
            by_owner++;
        }
    }
    for (item *it; (it = ws__dq_pop(&dq));) {
        take(it);
        by_owner++;
    }
    atomic_store_explicit(&done, 1, memory_order_release);
    for (int i = 0; i < NTHIEVES; i++)
        pthread_join(th[i], NULL);
    long total = by_owner + atomic_load(&taken_by_thieves);
    CHECK_EQ(total, next);
    for (long i = 0; i < next; i++)
        CHECK_EQ(atomic_load(&seen[i]), 1);
    printf("deque: %ld items (%ld by the owner, %ld stolen), %d buffers retired\n", next,
           by_owner, next - by_owner, nretired);
    printf("stress: deque ops=%ld items=%ld\n", 2 * next, next);
    ws__dq_destroy(&dq);
    for (int i = 0; i < nretired; i++)
        free(retired[i]);
    free(items);
    free((void *)seen);
    return 0;
}
