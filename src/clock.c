/* Deadlines and timestamps on CLOCK_MONOTONIC, shared by every file that
 * waits (blocking.c, cq.c, future.c, join.c, worker.c) and by the trace. */
#include "internal.h"

#include <time.h>

void ws__deadline(struct timespec *ts, int64_t timeout_ns)
{
    clock_gettime(CLOCK_MONOTONIC, ts);
    int64_t ns = ts->tv_nsec + timeout_ns % 1000000000;
    ts->tv_sec += timeout_ns / 1000000000 + ns / 1000000000;
    ts->tv_nsec = ns % 1000000000;
}

bool ws__deadline_passed(const struct timespec *ts)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return now.tv_sec > ts->tv_sec || (now.tv_sec == ts->tv_sec && now.tv_nsec >= ts->tv_nsec);
}

uint64_t ws__now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}
