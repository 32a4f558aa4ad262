/* The classic thread pool, the baseline of the comparison: one FIFO queue
 * guarded by one mutex, workers sleeping on a condition variable. See
 * bench/mutex_pool.c for how a waiting task helps. */
#ifndef WS_BENCH_MUTEX_POOL_H
#define WS_BENCH_MUTEX_POOL_H

typedef struct rt_task {
    struct rt_task *prev, *next; /* queue links; under the pool mutex */
    struct rt_task *older;       /* the task spawned before this one in its group */
    rt_fn fn;
    void *arg;
    int state;    /* MP_QUEUED, MP_RUNNING, MP_DONE; under the pool mutex */
    int status;   /* fn's status once MP_DONE */
    int waiter;   /* who sleeps until MP_DONE: MP_NOBODY, MP_WORKER, MP_FOREIGN */
    int detached; /* MP_FRAME: waited on; MP_HEAP: rt_ext's, freed by the pool; MP_BATCH: counted */
} rt_task;

typedef struct rt_group {
    rt_task *newest;
} rt_group;

/* Queues t at the tail. */
void mp_spawn(rt_task *t, rt_fn fn, void *arg);

/* Waits for t, helping (see mutex_pool.c); returns its status. */
int mp_sync(rt_task *t);

static inline void rt_group_init(rt_group *g)
{
    g->newest = NULL;
}

static inline void rt_spawn(rt_group *g, rt_task *t, rt_fn fn, void *arg)
{
    mp_spawn(t, fn, arg);
    t->older = g->newest;
    g->newest = t;
}

static inline int rt_wait(rt_group *g)
{
    int rc = 0;
    for (rt_task *t = g->newest; t != NULL; t = t->older) {
        int st = mp_sync(t);
        if (rc == 0)
            rc = st;
    }
    return rc;
}

#endif /* WS_BENCH_MUTEX_POOL_H */
