/* Test helpers for futures: a gate task that holds a worker until the test
 * opens it, and a counting task. */
#ifndef WS_TEST_GATE_H
#define WS_TEST_GATE_H

#include <stdatomic.h>
#include <time.h>

static inline void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* gate_task(g) marks itself started, then sleeps (never helps) until the
 * gate opens, and returns g->ret. */
typedef struct gate {
    _Atomic int started;
    _Atomic int open;
    int ret;
} gate;

static inline int gate_task(void *p)
{
    gate *g = p;
    atomic_fetch_add(&g->started, 1);
    while (!atomic_load(&g->open))
        sleep_ms(1);
    return g->ret;
}

static inline void gate_wait_started(gate *g)
{
    while (!atomic_load(&g->started))
        sleep_ms(1);
}

static inline void gate_open(gate *g)
{
    atomic_store(&g->open, 1);
}

/* count_task(c) counts one run in c->runs and returns c->ret. */
typedef struct counter {
    _Atomic int runs;
    int ret;
} counter;

static inline int count_task(void *p)
{
    counter *c = p;
    atomic_fetch_add(&c->runs, 1);
    return c->ret;
}

#endif
