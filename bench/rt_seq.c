/* The sequential runtime: one thread, spawns are plain calls (rt_seq.h). */
#include "rt.h"

const char rt_name[] = "seq";
const char rt_note[] = "plain recursion, the same code, one thread";
const unsigned rt_caps = RT_FORKJOIN | RT_LOOP;

int rt_start(unsigned workers)
{
    (void)workers;
    return 0;
}

void rt_stop(void) {}

unsigned rt_workers(void)
{
    return 1;
}

int rt_root(rt_fn fn, void *arg)
{
    return fn(arg);
}

/* Not offered (rt_caps): one thread has no outside to submit from. */
int rt_ext(size_t n, rt_fn fn, void *arg)
{
    (void)n;
    (void)fn;
    (void)arg;
    return -1;
}

int rt_call(rt_fn fn, void *arg, void (*meanwhile)(void *), void *marg)
{
    (void)fn;
    (void)arg;
    (void)meanwhile;
    (void)marg;
    return -1;
}

int rt_pfor(size_t begin, size_t end, size_t grain, rt_body body, void *arg)
{
    size_t step = grain == 0 ? end - begin : grain;
    for (size_t lo = begin; lo < end; lo += step) {
        int rc = body(lo, end - lo < step ? end : lo + step, arg);
        if (rc != 0)
            return rc;
    }
    return 0;
}
