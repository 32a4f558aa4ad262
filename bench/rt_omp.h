/* OpenMP tasks: a spawn is `omp task`, the wait `omp taskwait`. Statuses
 * are not collected (the workloads return 0). */
#ifndef WS_BENCH_RT_OMP_H
#define WS_BENCH_RT_OMP_H

typedef struct rt_task {
    char unused;
} rt_task;

typedef struct rt_group {
    char unused;
} rt_group;

static inline void rt_group_init(rt_group *g)
{
    (void)g;
}

static inline void rt_spawn(rt_group *g, rt_task *t, rt_fn fn, void *arg)
{
    (void)g;
    (void)t;
#pragma omp task firstprivate(fn, arg)
    fn(arg);
}

static inline int rt_wait(rt_group *g)
{
    (void)g;
#pragma omp taskwait
    return 0;
}

#endif /* WS_BENCH_RT_OMP_H */
