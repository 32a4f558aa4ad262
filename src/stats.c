/* ws_pool_stats: per-worker counters, written by their owner only. */
#include "internal.h"

static void read_stats(const ws__worker *w, ws_stats *out)
{
    const ws__stats *s = &w->stats;
    /* relaxed: monotonic counters; no order with anything else is promised. */
#define WS__LOAD(f) atomic_load_explicit(&s->f, memory_order_relaxed)
    uint64_t fast = atomic_load_explicit(&w->dq.syncs, memory_order_relaxed);
    out->executed += WS__LOAD(executed) + fast;
    out->spawns += fast + WS__LOAD(slow_syncs);
    out->steals += WS__LOAD(steals);
    out->failed_steals += WS__LOAD(failed_steals);
    out->parks += WS__LOAD(parks);
    out->injected += WS__LOAD(injected);
    out->leapfrogs += WS__LOAD(leapfrogs);
    out->shares += WS__LOAD(shares);
#undef WS__LOAD
}

int ws_pool_stats(const ws_pool *pool, int worker, ws_stats *out)
{
    if (!pool || !out || worker < -1 || worker >= (int)pool->n)
        return WS_EINVAL;
    *out = (ws_stats){0};
    if (worker >= 0) {
        read_stats(pool->workers[worker], out);
        return 0;
    }
    for (unsigned i = 0; i < pool->n; i++)
        read_stats(pool->workers[i], out);
    return 0;
}
