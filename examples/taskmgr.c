/* A task manager: named jobs, each with its own timeout, some CPU-bound
 * (run on the workers), some blocking (run on the blocking lane). It reports
 * which succeeded, which failed (with the status's name: ws_strerror for
 * the library's codes, the job's own table for the others) and which timed
 * out, like a ThreadPoolExecutor script calling f.result(timeout). */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <wsched.h>

#define E_CHECKSUM (-1000) /* this program's own error code */

static ws_pool *pool;

static int checksum(void *arg)
{
    (void)arg;
    unsigned h = 2166136261u;
    for (unsigned i = 0; i < 4000000; i++)
        h = (h ^ (i & 0xff)) * 16777619u;
    return h == 0 ? E_CHECKSUM : 0;
}

static int bad_checksum(void *arg)
{
    (void)arg;
    return E_CHECKSUM;
}

static int parse_config(void *arg)
{
    (void)arg;
    return WS_EINVAL; /* a malformed configuration */
}

static int sleep_ms(void *arg)
{
    long ms = (long)arg;
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
    return 0;
}

static int squares(size_t lo, size_t hi, void *arg)
{
    (void)arg;
    volatile unsigned long s = 0;
    for (size_t i = lo; i < hi; i++)
        s += i * i;
    return 0;
}

static int resize_images(void *arg)
{
    (void)arg;
    return ws_parallel_for(pool, 0, 1 << 22, 0, squares, NULL); /* fork-join inside a job */
}

typedef struct job {
    const char *name;
    ws_fn fn;
    void *arg;
    int blocking, timeout_ms;
    const char *expect;
    ws_future *f;
} job;

static const char *name_of(int status)
{
    return status == E_CHECKSUM ? "checksum mismatch" : ws_strerror(status);
}

int main(void)
{
#define JOB(nm, f, a, blk, to, ex) \
    {.name = nm, .fn = f, .arg = a, .blocking = blk, .timeout_ms = to, .expect = ex}
    job jobs[] = {
        JOB("checksum", checksum, NULL, 0, 2000, "succeeded"),
        JOB("verify-backup", bad_checksum, NULL, 0, 2000, "failed"),
        JOB("parse-config", parse_config, NULL, 0, 2000, "failed"),
        JOB("fetch-index", sleep_ms, (void *)30L, 1, 2000, "succeeded"),
        JOB("nightly-report", sleep_ms, (void *)1500L, 1, 100, "timed out"),
        JOB("resize-images", resize_images, NULL, 0, 2000, "succeeded"),
        JOB("sync-mirror", sleep_ms, (void *)1200L, 1, 300, "timed out"),
    };
    size_t n = sizeof(jobs) / sizeof(jobs[0]);
    if (ws_pool_create(&pool, NULL) != 0)
        return 1;
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (size_t i = 0; i < n; i++) {
        int rc = jobs[i].blocking ? ws_submit_blocking(pool, jobs[i].fn, jobs[i].arg, &jobs[i].f)
                                  : ws_submit(pool, jobs[i].fn, jobs[i].arg, &jobs[i].f);
        if (rc != 0)
            return 1;
    }

    int bad = 0, counts[3] = {0};
    for (size_t i = 0; i < n; i++) {
        /* Each job's deadline counts from the common start. */
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        int64_t elapsed = (now.tv_sec - t0.tv_sec) * 1000000000LL + (now.tv_nsec - t0.tv_nsec);
        int64_t left = jobs[i].timeout_ms * 1000000LL - elapsed;
        const char *outcome;
        if (ws_future_wait(jobs[i].f, left > 0 ? left : 0) == WS_ETIMEDOUT) {
            outcome = "timed out";
            counts[2]++;
            printf("%-15s timed out after %d ms (%s)\n", jobs[i].name, jobs[i].timeout_ms,
                   ws_future_cancel(jobs[i].f) == 0 ? "cancelled" : "left running");
        } else if (ws_future_status(jobs[i].f) == 0) {
            outcome = "succeeded";
            counts[0]++;
            printf("%-15s succeeded\n", jobs[i].name);
        } else {
            outcome = "failed";
            counts[1]++;
            printf("%-15s failed: %s\n", jobs[i].name, name_of(ws_future_status(jobs[i].f)));
        }
        bad += strcmp(outcome, jobs[i].expect) != 0;
    }
    ws_pool_destroy(pool); /* waits for the jobs left running */
    for (size_t i = 0; i < n; i++)
        ws_future_release(jobs[i].f);
    printf("%d succeeded, %d failed, %d timed out; %d unexpected\n", counts[0], counts[1],
           counts[2], bad);
    return bad != 0;
}
