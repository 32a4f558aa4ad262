/* OpenMP tasks, built twice: with gcc (libgomp) and with clang (libomp).
 * OpenMP has no way to hand work to a team from a thread outside it, so:
 * rt_root and rt_ext open a parallel region whose `single` thread runs the
 * root or produces the N tasks (the producer is a team thread, not a
 * foreign one); rt_call opens a region in which the last team thread runs
 * the task and the first one the caller's own work, so with two or more
 * threads a parked one must wake. */
#include "rt.h"

#include <omp.h>
#include <stdatomic.h>

#ifdef __clang__
const char rt_name[] = "omp-clang";
#else
const char rt_name[] = "omp-gcc";
#endif
const char rt_note[] = "ext: the producer is a team thread (omp single), not a foreign thread; "
                       "roundtrip/wake: a parallel region whose last thread runs the task";
const unsigned rt_caps = RT_FORKJOIN | RT_EXTERNAL | RT_LOOP;

static int nthreads;

int rt_start(unsigned workers)
{
    nthreads = (int)workers;
    omp_set_dynamic(0);
    return 0;
}

void rt_stop(void) {}

unsigned rt_workers(void)
{
    return (unsigned)nthreads;
}

int rt_root(rt_fn fn, void *arg)
{
    int st = 0;
#pragma omp parallel num_threads(nthreads)
#pragma omp single
    st = fn(arg);
    return st;
}

int rt_ext(size_t n, rt_fn fn, void *arg)
{
#pragma omp parallel num_threads(nthreads)
#pragma omp single
    for (size_t i = 0; i < n; i++) {
#pragma omp task firstprivate(fn, arg)
        fn(arg);
    }
    return 0;
}

int rt_call(rt_fn fn, void *arg, void (*meanwhile)(void *), void *marg)
{
    int st = 0;
#pragma omp parallel num_threads(nthreads)
    {
        if (meanwhile && omp_get_thread_num() == 0)
            meanwhile(marg);
        if (omp_get_thread_num() == omp_get_num_threads() - 1)
            st = fn(arg);
    }
    return st;
}

static void keep_first(_Atomic int *first, int st)
{
    int zero = 0;
    /* relaxed: the region's closing barrier orders it before the read. */
    if (st != 0)
        atomic_compare_exchange_strong_explicit(first, &zero, st, memory_order_relaxed,
                                                memory_order_relaxed);
}

/* Grain 0: schedule(static), one block per thread; a fixed grain:
 * schedule(dynamic) over chunks of that many elements. */
int rt_pfor(size_t begin, size_t end, size_t grain, rt_body body, void *arg)
{
    _Atomic int first = 0;
    size_t n = end - begin;
    if (grain == 0) {
#pragma omp parallel num_threads(nthreads)
        {
            size_t t = (size_t)omp_get_thread_num(), nt = (size_t)omp_get_num_threads();
            size_t lo = begin + n * t / nt, hi = begin + n * (t + 1) / nt;
            if (lo < hi)
                keep_first(&first, body(lo, hi, arg));
        }
    } else {
        size_t nchunks = (n + grain - 1) / grain;
#pragma omp parallel for num_threads(nthreads) schedule(dynamic, 1)
        for (size_t c = 0; c < nchunks; c++) {
            size_t lo = begin + c * grain;
            keep_first(&first, body(lo, end - lo < grain ? end : lo + grain, arg));
        }
    }
    /* relaxed: the parallel region has ended. */
    return atomic_load_explicit(&first, memory_order_relaxed);
}
