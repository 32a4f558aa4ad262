/* skynet(N): ten children per task down to N leaves (workloads.md). N is a
 * power of ten. */
#include "harness.h"

#include <stdio.h>
#include <stdlib.h>

struct sky {
    int64_t num, size, sum;
};

static int sky_task(void *p)
{
    struct sky *s = p;
    if (s->size == 1) {
        s->sum = s->num;
        return 0;
    }
    struct sky kids[10];
    rt_task tasks[10];
    rt_group g;
    rt_group_init(&g);
    int64_t step = s->size / 10;
    for (int i = 0; i < 10; i++) {
        kids[i].num = s->num + i * step;
        kids[i].size = step;
        rt_spawn(&g, &tasks[i], sky_task, &kids[i]);
    }
    int rc = rt_wait(&g);
    s->sum = 0;
    for (int i = 0; i < 10; i++)
        s->sum += kids[i].sum;
    return rc;
}

static void *setup(int64_t size)
{
    struct sky *s = calloc(1, sizeof *s);
    if (s != NULL)
        s->size = size;
    return s;
}

static int run(void *inst, double *seconds)
{
    (void)seconds;
    struct sky *s = inst;
    s->num = 0;
    return rt_root(sky_task, s);
}

static int check(void *inst, char *why, size_t len)
{
    const struct sky *s = inst;
    int64_t want = s->size * (s->size - 1) / 2;
    if (s->sum == want)
        return 0;
    snprintf(why, len, "skynet(%lld) = %lld, expected %lld", (long long)s->size, (long long)s->sum,
             (long long)want);
    return -1;
}

/* N + N/10 + ... + 1 tasks, all but the root spawned. */
static int64_t spawns(const void *inst)
{
    const struct sky *s = inst;
    int64_t tasks = 0;
    for (int64_t n = s->size; n >= 1; n /= 10)
        tasks += n;
    return tasks - 1;
}

static const struct bench_case skynet = {
    "skynet", 1000000, 1000, RT_FORKJOIN, WS_BENCH_SCALING, setup, NULL, run, check, spawns, free};

void skynet_register(void)
{
    bench_register(&skynet);
}
