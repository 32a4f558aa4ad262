/* Stress: posters, a canceller, waiters and a cancelling shutdown racing on
 * one group, round after round. Every accepted task's arg is destroyed
 * exactly once and no task runs twice; a refused post's arg is never
 * touched. Runs for WS_STRESS_SECONDS (default 1.5 s). */
#include "check.h"
#include "gate.h"

#include <pthread.h>
#include <wsched.h>

#define POSTERS 3
#define PER     300

typedef struct slot {
    _Atomic int ran, destroyed;
    int accepted; /* written by its poster, read after joining */
} slot;

static slot slots[POSTERS * PER];
static ws_group *G;
static _Atomic int go;

static int task(void *arg)
{
    slot *s = arg;
    CHECK_EQ(atomic_fetch_add(&s->ran, 1), 0);
    if (ws_cancelled())
        return WS_ECANCELED;
    return (s - slots) % 97 == 0 ? 7 : 0;
}

static void dtor(void *arg)
{
    slot *s = arg;
    CHECK_EQ(atomic_fetch_add(&s->destroyed, 1), 0);
}

static void *poster(void *arg)
{
    long k = (long)arg;
    while (!atomic_load(&go))
        ;
    for (int i = 0; i < PER; i++) {
        slot *s = &slots[k * PER + i];
        int rc = ws_group_post_ex(G, task, s, dtor);
        CHECK(rc == 0 || rc == WS_ECANCELED || rc == WS_ESHUTDOWN || rc == WS_EAGAIN);
        s->accepted = rc == 0;
    }
    return NULL;
}

static void *waiter(void *arg)
{
    (void)arg;
    while (!atomic_load(&go))
        ;
    for (int i = 0; i < 20; i++) {
        int rc = ws_group_wait(G, (i % 4) * 100000);
        CHECK(rc == 0 || rc == 7 || rc == WS_ECANCELED || rc == WS_ETIMEDOUT);
    }
    return NULL;
}

int main(void)
{
    double end = test_now() + test_stress_seconds(1.5);
    long rounds = 0, accepted = 0, ran = 0;
    unsigned rng = 12345;
    do {
        rng = rng * 1103515245u + 12345u;
        ws_pool *pool;
        ws_pool_opts po = {.workers = 2, .pin = WS_PIN_NONE};
        CHECK_EQ(ws_pool_create(&pool, &po), 0);
        unsigned flags = (rng >> 8) & (WS_GROUP_CANCEL_ON_ERROR | WS_GROUP_NOWAIT);
        ws_group_opts go_ = {.limit = (rng >> 12) % 3 == 0 ? 0 : 1 + (rng >> 16) % 8,
                             .flags = flags | ((rng >> 20) % 4 == 0 ? WS_GROUP_BLOCKING : 0)};
        CHECK_EQ(ws_group_create(&G, pool, &go_), 0);
        for (int i = 0; i < POSTERS * PER; i++) {
            atomic_store(&slots[i].ran, 0);
            atomic_store(&slots[i].destroyed, 0);
            slots[i].accepted = 0;
        }
        atomic_store(&go, 0);
        pthread_t th[POSTERS + 1];
        for (long k = 0; k < POSTERS; k++)
            CHECK_EQ(pthread_create(&th[k], NULL, poster, (void *)k), 0);
        CHECK_EQ(pthread_create(&th[POSTERS], NULL, waiter, NULL), 0);
        atomic_store(&go, 1);
        for (volatile unsigned spin = (rng >> 4) % 20000; spin; spin--)
            ;
        if (rng & 1)
            CHECK_EQ(ws_group_cancel(G), 0);
        if (rng & 2)
            CHECK_EQ(ws_pool_shutdown(pool, WS_SHUTDOWN_CANCEL_PENDING), 0);
        for (int k = 0; k <= POSTERS; k++)
            pthread_join(th[k], NULL);
        int rc = ws_group_wait(G, -1);
        CHECK(rc == 0 || rc == 7 || rc == WS_ECANCELED);
        CHECK_EQ(ws_group_pending(G), 0);
        CHECK_EQ(ws_group_destroy(G), 0);
        CHECK_EQ(ws_pool_destroy(pool), 0);
        for (int i = 0; i < POSTERS * PER; i++) {
            CHECK_EQ(atomic_load(&slots[i].destroyed), slots[i].accepted);
            CHECK(atomic_load(&slots[i].ran) <= slots[i].accepted);
            accepted += slots[i].accepted;
            ran += atomic_load(&slots[i].ran);
        }
        rounds++;
    } while (test_now() < end);
    printf("group_race: %ld rounds, %ld tasks accepted, %ld ran\n", rounds, accepted, ran);
    return 0;
}
