/* oneTBB task_group seen from C: each rt_group holds a tbb::task_group built
 * in place (bench/tbb_shim.cc), a spawn is task_group::run, the wait
 * task_group::wait. */
#ifndef WS_BENCH_TBB_SHIM_H
#define WS_BENCH_TBB_SHIM_H

#ifdef __cplusplus
extern "C" {
#endif

typedef struct rt_task {
    char unused;
} rt_task;

typedef struct rt_group {
    unsigned char storage[192] __attribute__((aligned(16))); /* a tbb::task_group */
} rt_group;

void tbb_group_init(rt_group *g);
void tbb_group_run(rt_group *g, rt_fn fn, void *arg);
int tbb_group_wait(rt_group *g); /* waits, then destroys the task_group */

#ifdef __cplusplus
}
#endif

#ifndef __cplusplus
static inline void rt_group_init(rt_group *g)
{
    tbb_group_init(g);
}

static inline void rt_spawn(rt_group *g, rt_task *t, rt_fn fn, void *arg)
{
    (void)t;
    tbb_group_run(g, fn, arg);
}

static inline int rt_wait(rt_group *g)
{
    return tbb_group_wait(g);
}
#endif

#endif /* WS_BENCH_TBB_SHIM_H */
