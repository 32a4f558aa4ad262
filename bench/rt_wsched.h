/* wsched: ws_spawn/ws_sync frames, synced newest first. */
#ifndef WS_BENCH_RT_WSCHED_H
#define WS_BENCH_RT_WSCHED_H

#include "wsched.h"

typedef struct rt_task {
    ws_task frame;
    struct rt_task *older; /* the task spawned before this one in its group */
} rt_task;

typedef struct rt_group {
    rt_task *newest;
} rt_group;

static inline void rt_group_init(rt_group *g)
{
    g->newest = NULL;
}

static inline void rt_spawn(rt_group *g, rt_task *t, rt_fn fn, void *arg)
{
    ws_spawn(&t->frame, fn, arg);
    t->older = g->newest;
    g->newest = t;
}

static inline int rt_wait(rt_group *g)
{
    int rc = 0;
    for (rt_task *t = g->newest; t != NULL; t = t->older) {
        int st = ws_sync(&t->frame);
        if (rc == 0)
            rc = st;
    }
    return rc;
}

#endif /* WS_BENCH_RT_WSCHED_H */
