/* CPU-bound work that Python threads cannot speed up (the GIL lets one
 * thread run Python code at a time): the area of the Mandelbrot set,
 * pixel by pixel. Here fork-join spreads the rows over every core; the same
 * code runs on a one-worker pool for comparison. Checks that both give the
 * sequential answer, and reports the speed-up. */
#define _POSIX_C_SOURCE 200809L
#include <stdatomic.h>
#include <stdio.h>
#include <time.h>
#include <wsched.h>

#define W     800
#define H     600
#define ITERS 256

static int inside(int px, int py)
{
    double cr = -2.0 + 2.6 * px / W, ci = -1.2 + 2.4 * py / H, zr = 0, zi = 0;
    for (int k = 0; k < ITERS; k++) {
        double t = zr * zr - zi * zi + cr;
        zi = 2 * zr * zi + ci;
        zr = t;
        if (zr * zr + zi * zi > 4)
            return 0;
    }
    return 1;
}

static int rows(size_t lo, size_t hi, void *arg)
{
    long count = 0;
    for (size_t y = lo; y < hi; y++)
        for (int x = 0; x < W; x++)
            count += inside(x, (int)y);
    atomic_fetch_add_explicit((_Atomic long *)arg, count, memory_order_relaxed);
    return 0;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* Counts the pixels inside on a pool of `workers` (0: every core); returns
 * the best of three runs' seconds. */
static double measure(unsigned workers, long *count, unsigned *used)
{
    ws_pool_opts o = {.workers = workers};
    ws_pool *pool;
    if (ws_pool_create(&pool, &o) != 0)
        return -1;
    *used = ws_pool_workers(pool);
    double best = -1;
    for (int r = 0; r < 3; r++) {
        _Atomic long c = 0;
        double t0 = now();
        if (ws_parallel_for(pool, 0, H, 0, rows, &c) != 0)
            best = -1e9;
        double dt = now() - t0;
        if (best < 0 || dt < best)
            best = dt;
        *count = c;
    }
    ws_pool_destroy(pool);
    return best;
}

int main(void)
{
    _Atomic long seq = 0;
    double t0 = now();
    rows(0, H, &seq);
    double t_seq = now() - t0;
    long one, all;
    unsigned n1, nall;
    double t_one = measure(1, &one, &n1);
    double t_all = measure(0, &all, &nall);
    printf("Mandelbrot %dx%d, %d iterations: %ld pixels inside\n", W, H, ITERS, (long)seq);
    printf("  sequential      %7.1f ms\n", t_seq * 1e3);
    printf("  %2u worker       %7.1f ms  (%ld inside)\n", n1, t_one * 1e3, one);
    printf("  %2u workers      %7.1f ms  (%ld inside)  speed-up %.2fx over one\n", nall,
           t_all * 1e3, all, t_one / t_all);
    int ok = t_one > 0 && t_all > 0 && one == seq && all == seq;
    printf("%s\n", ok ? "results agree" : "RESULTS DIFFER");
    return !ok;
}
