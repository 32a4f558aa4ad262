/* ws_pool_stats: per-worker counters, written by their owner only; the
 * blocking lane's figures; ws_stats_print and the report at destroy. */
#include "internal.h"

#include <string.h>

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

int ws_pool_stats_sized(const ws_pool *pool, int worker, ws_stats *out, size_t out_size)
{
    if (!pool || !out || out_size == 0 || worker < -1 || worker >= (int)pool->n)
        return WS_EINVAL;
    ws_stats s = {0};
    if (worker >= 0) {
        read_stats(pool->workers[worker], &s);
    } else {
        unsigned all = ws__nall(pool); /* spares count in the totals */
        for (unsigned i = 0; i < all; i++)
            read_stats(pool->workers[i], &s);
        ws__blocking_stats((ws_pool *)pool, &s);
    }
    /* Exactly the caller's size: an older, smaller struct is never
       overrun; a newer, larger one gets zeros past ours. */
    size_t n = out_size < sizeof(s) ? out_size : sizeof(s);
    memcpy(out, &s, n);
    if (out_size > n)
        memset((char *)out + n, 0, out_size - n);
    return 0;
}

/* Programs built against 0.1 call this name with the 0.1 layout. */
int(ws_pool_stats)(const ws_pool *pool, int worker, ws_stats *out)
{
    return ws_pool_stats_sized(pool, worker, out, WS__STATS_V01_SIZE);
}

int ws_stats_print(const ws_pool *pool, FILE *f)
{
    if (!pool || !f)
        return WS_EINVAL;
    fprintf(f, "wsched pool \"%s\": %u workers, %u allowed CPUs, cgroup CPU limit ", pool->name,
            pool->n, pool->allowed);
    if (pool->cpu_limit)
        fprintf(f, "%u\n", pool->cpu_limit);
    else
        fprintf(f, "none\n");
    fprintf(f, "%8s %12s %12s %12s %12s %12s\n", "worker", "executed", "steals", "failed",
            "parks", "injected");
    ws_stats s;
    for (int i = -1; i < (int)pool->n; i++) {
        int w = i + 1 < (int)pool->n ? i + 1 : -1; /* the workers, then the totals */
        ws_pool_stats_sized(pool, w, &s, sizeof(s));
        char name[16] = "total";
        if (w >= 0)
            snprintf(name, sizeof(name), "%d", w);
        fprintf(f, "%8s %12llu %12llu %12llu %12llu %12llu\n", name,
                (unsigned long long)s.executed, (unsigned long long)s.steals,
                (unsigned long long)s.failed_steals, (unsigned long long)s.parks,
                (unsigned long long)s.injected);
    }
    fprintf(f, "blocking lane: %llu tasks, %llu threads now, %llu at most\n",
            (unsigned long long)s.blocking_executed, (unsigned long long)s.blocking_threads,
            (unsigned long long)s.blocking_peak);
    return 0;
}

void ws__pool_report(ws_pool *pool)
{
    if (pool->print_stats)
        ws_stats_print(pool, stderr);
    ws__trace_finish(pool);
}
