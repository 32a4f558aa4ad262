/* ws_pool_stats: per-worker counters, written by their owner only. */
#include "internal.h"

static void read_stats(const ws__stats *s, ws_stats *out)
{
    /* relaxed: monotonic counters; no order with anything else is promised. */
#define WS__READ(f) out->f += atomic_load_explicit(&s->f, memory_order_relaxed)
    WS__READ(executed);
    WS__READ(steals);
    WS__READ(failed_steals);
    WS__READ(parks);
    WS__READ(spawns);
    WS__READ(injected);
    WS__READ(leapfrogs);
    WS__READ(shares);
#undef WS__READ
}

int ws_pool_stats(const ws_pool *pool, int worker, ws_stats *out)
{
    if (!pool || !out || worker < -1 || worker >= (int)pool->n)
        return WS_EINVAL;
    *out = (ws_stats){0};
    if (worker >= 0) {
        read_stats(&pool->workers[worker]->stats, out);
        return 0;
    }
    for (unsigned i = 0; i < pool->n; i++)
        read_stats(&pool->workers[i]->stats, out);
    return 0;
}
