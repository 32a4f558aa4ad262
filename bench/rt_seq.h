/* Sequential: a spawn is a plain call, so the workload is plain recursion
 * with the same code; its time is the base of the spawn cost. */
#ifndef WS_BENCH_RT_SEQ_H
#define WS_BENCH_RT_SEQ_H

typedef struct rt_task {
    char unused;
} rt_task;

typedef struct rt_group {
    int status;
} rt_group;

static inline void rt_group_init(rt_group *g)
{
    g->status = 0;
}

static inline void rt_spawn(rt_group *g, rt_task *t, rt_fn fn, void *arg)
{
    (void)t;
    int st = fn(arg);
    if (g->status == 0)
        g->status = st;
}

static inline int rt_wait(rt_group *g)
{
    return g->status;
}

#endif /* WS_BENCH_RT_SEQ_H */
