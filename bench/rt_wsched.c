/* wsched: ws_run for roots, ws_submit + ws_future_wait from the main
 * thread, ws_parallel_for for loops; fork-join inline in rt_wsched.h. */
#include "rt.h"

#include <stdlib.h>

const char rt_name[] = "wsched";
const char rt_note[] = "";
const unsigned rt_caps = RT_FORKJOIN | RT_EXTERNAL | RT_LOOP | RT_GROUP;

static ws_pool *pool;
static ws_future **futures; /* rt_ext's, kept for the process: not refilled per pool */
static size_t nfutures;

int rt_start(unsigned workers)
{
    ws_pool_opts opts = {.workers = workers};
    return ws_pool_create(&pool, &opts) == 0 ? 0 : -1;
}

void rt_stop(void)
{
    ws_pool_destroy(pool);
    pool = NULL;
}

unsigned rt_workers(void)
{
    return ws_pool_workers(pool);
}

int rt_root(rt_fn fn, void *arg)
{
    return ws_run(pool, fn, arg);
}

int rt_ext(size_t n, rt_fn fn, void *arg)
{
    if (n > nfutures) {
        ws_future **more = realloc(futures, n * sizeof *more);
        if (more == NULL)
            return WS_ENOMEM;
        futures = more;
        nfutures = n;
    }
    int rc = 0;
    size_t submitted = 0;
    while (submitted < n && rc == 0) {
        rc = ws_submit(pool, fn, arg, &futures[submitted]);
        if (rc == 0)
            submitted++;
    }
    for (size_t i = 0; i < submitted; i++) {
        ws_future_wait(futures[i], -1);
        int st = ws_future_status(futures[i]);
        if (rc == 0)
            rc = st;
        ws_future_release(futures[i]);
    }
    return rc;
}

int rt_ext_group(size_t n, rt_fn fn, void *arg)
{
    ws_group *g;
    int rc = ws_group_create(&g, pool, NULL);
    for (size_t i = 0; i < n && rc == 0; i++)
        rc = ws_group_post(g, fn, arg);
    if (rc == 0)
        rc = ws_group_wait(g, -1);
    ws_group_destroy(g);
    return rc;
}

int rt_call(rt_fn fn, void *arg, void (*meanwhile)(void *), void *marg)
{
    ws_future *f;
    int rc = ws_submit(pool, fn, arg, &f);
    if (rc != 0)
        return rc;
    if (meanwhile)
        meanwhile(marg);
    ws_future_wait(f, -1);
    rc = ws_future_status(f);
    ws_future_release(f);
    return rc;
}

int rt_pfor(size_t begin, size_t end, size_t grain, rt_body body, void *arg)
{
    return ws_parallel_for(pool, begin, end, grain, body, arg);
}
