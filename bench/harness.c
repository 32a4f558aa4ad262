#include "harness.h"

#include <stdlib.h>

static ws_bench_state *running; /* the case being run, for bench_counter */

static void run_case(ws_bench_state *st, const void *ctx, int64_t size, unsigned workers)
{
    const struct bench_case *c = ctx;
    void *inst = c->setup(size);
    if (inst == NULL) {
        ws_bench_fail(st, "setup failed (out of memory?)");
        return;
    }
    if (rt_start(workers) != 0) {
        ws_bench_fail(st, "cannot start %u workers", workers);
        c->teardown(inst);
        return;
    }
    double total = 0;
    int64_t iterations = 0;
    running = st;
    while (ws_bench_keep_running(st)) {
        if (c->reset != NULL)
            c->reset(inst);
        double seconds = -1;
        double t0 = ws_bench_now();
        int rc = c->run(inst, &seconds);
        double t1 = ws_bench_now();
        if (seconds < 0)
            seconds = t1 - t0;
        ws_bench_iteration_time(st, seconds);
        char why[160] = "";
        if (rc != 0) {
            ws_bench_fail(st, "status %d", rc);
            break;
        }
        if (c->check(inst, why, sizeof why) != 0) {
            ws_bench_fail(st, "wrong result: %s", why);
            break;
        }
        total += seconds;
        iterations++;
    }
    int64_t items = c->items(inst);
    ws_bench_items(st, items);
    ws_bench_counter(st, "items", (double)items);
    if (iterations > 0 && items > 0)
        ws_bench_counter(st, "ns_per_item", 1e9 * total / (double)iterations / (double)items);
    rt_stop();
    c->teardown(inst);
    running = NULL;
}

void bench_counter(const char *name, double value)
{
    ws_bench_counter(running, name, value);
}

void bench_register(const struct bench_case *c)
{
    if ((rt_caps & c->needs) != c->needs)
        return;
    unsigned flags = c->flags;
#ifdef RT_SEQ
    flags = (flags & ~WS_BENCH_SCALING) | WS_BENCH_SINGLE;
#endif
    ws_bench_register(c->name, rt_name, run_case, c, c->size, c->smoke_size, flags);
}

static int cmp_double(const void *x, const void *y)
{
    double a = *(const double *)x, b = *(const double *)y;
    return (a > b) - (a < b);
}

double bench_median(double *v, size_t n)
{
    qsort(v, n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

double bench_percentile(double *v, size_t n, unsigned pct)
{
    qsort(v, n, sizeof *v, cmp_double);
    size_t rank = (n * pct + 99) / 100; /* ceil(n * pct / 100) */
    return v[rank > 0 ? rank - 1 : 0];
}
