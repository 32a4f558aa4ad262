/* A task manager built on a group: a batch of named jobs, at most three at
 * a time, each with its own timeout, each job's record freed by its
 * destructor whatever happens to the job. Then a release pipeline that
 * stops at its first failure: the jobs not started never run, the running
 * ones notice ws_cancelled() and stop. What Go's errgroup (with SetLimit
 * and a context) or a ThreadPoolExecutor with wait(FIRST_EXCEPTION) give,
 * without a future per job. */
#define _POSIX_C_SOURCE 200809L
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <wsched.h>

#define E_TESTS (-1001) /* this program's own error code */

typedef struct job {
    const char *name;
    int work_ms, timeout_ms;
    int fails; /* returns E_TESTS when done */
} job;

static _Atomic int outcome[4]; /* succeeded, failed, timed out, stopped */
static _Atomic int freed;

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* Works in 2 ms steps; gives up at its own deadline or when asked to. */
static int run_job(void *arg)
{
    job *j = arg;
    double start = now_ms();
    while (now_ms() - start < j->work_ms) {
        if (ws_cancelled())
            return WS_ECANCELED;
        if (now_ms() - start > j->timeout_ms)
            return WS_ETIMEDOUT;
        struct timespec step = {0, 2000000};
        nanosleep(&step, NULL); /* the blocking lane runs these */
    }
    return j->fails ? E_TESTS : 0;
}

/* Runs once per accepted job, after it ran or instead of it. */
static void free_job(void *arg)
{
    free(arg);
    atomic_fetch_add(&freed, 1);
}

/* The job's record is the task's own: reporting happens inside the task. */
static int reported(void *arg)
{
    job *j = arg;
    int rc = run_job(j);
    int k = rc == 0 ? 0 : rc == WS_ETIMEDOUT ? 2 : rc == WS_ECANCELED ? 3 : 1;
    atomic_fetch_add(&outcome[k], 1);
    printf("  %-16s %s\n", j->name,
           k == 0 ? "succeeded" : k == 1 ? "failed" : k == 2 ? "timed out" : "stopped");
    return k == 1 ? rc : 0; /* timeouts are reported, not errors of the batch */
}

static int post(ws_group *g, const job *tmpl)
{
    job *j = malloc(sizeof(*j));
    if (!j)
        return WS_ENOMEM;
    *j = *tmpl;
    int rc = ws_group_post_ex(g, reported, j, free_job);
    if (rc)
        free(j); /* refused: still ours */
    return rc;
}

int main(void)
{
    ws_pool *pool;
    if (ws_pool_create(&pool, NULL) != 0)
        return 1;
    int bad = 0;

    printf("nightly batch (at most 3 at a time):\n");
    static const job batch[] = {
        {"rotate-logs", 20, 500, 0},   {"vacuum-db", 60, 500, 0},
        {"thumbnails", 40, 500, 0},    {"nightly-report", 400, 80, 0},
        {"sync-mirror", 300, 50, 0},   {"index-search", 30, 500, 0},
        {"mail-digest", 10, 500, 0},
    };
    ws_group *g;
    ws_group_opts lim = {.limit = 3, .flags = WS_GROUP_BLOCKING};
    if (ws_group_create(&g, pool, &lim) != 0)
        return 1;
    for (size_t i = 0; i < sizeof(batch) / sizeof(batch[0]); i++)
        bad += post(g, &batch[i]) != 0;
    int rc = ws_group_wait(g, -1);
    printf("batch: %s; %d succeeded, %d timed out\n", ws_strerror(rc), atomic_load(&outcome[0]),
           atomic_load(&outcome[2]));
    bad += rc != 0 || atomic_load(&outcome[0]) != 5 || atomic_load(&outcome[2]) != 2;
    ws_group_destroy(g);

    printf("release pipeline (stops at the first failure):\n");
    memset(outcome, 0, sizeof(outcome));
    static const job release[] = {
        {"unit-tests", 30, 1000, 1},   {"lint", 200, 1000, 0},      {"build-docs", 300, 1000, 0},
        {"package-deb", 300, 1000, 0}, {"package-rpm", 300, 1000, 0}, {"sign", 300, 1000, 0},
        {"upload", 300, 1000, 0},
    };
    ws_group_opts stop = {.limit = 3, .flags = WS_GROUP_BLOCKING | WS_GROUP_CANCEL_ON_ERROR};
    if (ws_group_create(&g, pool, &stop) != 0)
        return 1;
    size_t posted = 0;
    for (size_t i = 0; i < sizeof(release) / sizeof(release[0]); i++) {
        rc = post(g, &release[i]);
        if (rc == WS_ECANCELED) {
            printf("  %-16s not posted: the pipeline already failed\n", release[i].name);
            continue;
        }
        bad += rc != 0;
        posted++;
    }
    rc = ws_group_wait(g, -1);
    int ran = atomic_load(&outcome[0]) + atomic_load(&outcome[1]) + atomic_load(&outcome[3]);
    printf("pipeline: %s; %d stopped, %zu never started\n",
           rc == E_TESTS ? "unit tests failed" : ws_strerror(rc), atomic_load(&outcome[3]),
           posted - (size_t)ran);
    bad += rc != E_TESTS || atomic_load(&outcome[1]) != 1;
    ws_group_destroy(g);

    ws_pool_destroy(pool);
    printf("%d job records freed; %d unexpected\n", atomic_load(&freed), bad);
    return bad != 0;
}
