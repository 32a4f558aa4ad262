/* Many download-like tasks on the blocking lane, results taken in the order
 * they finish (Python's as_completed), each with its own timeout, errors
 * reported per task. The "network" is simulated: each task sleeps for its
 * latency, then reads a local file; nothing leaves the machine. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <wsched.h>

typedef struct download {
    const char *name;
    int latency_ms, timeout_ms;
    const char *expect; /* "ok", "error" or "timeout" */
    char path[64];
    long bytes;
    ws_future *f;
    const char *outcome;
} download;

#define DL(n, lat, to, ex) {.name = n, .latency_ms = lat, .timeout_ms = to, .expect = ex}
static download jobs[] = {
    DL("index.html", 40, 1000, "ok"),    DL("logo.png", 10, 1000, "ok"),
    DL("style.css", 25, 1000, "ok"),     DL("missing.js", 15, 1000, "error"),
    DL("big.iso", 800, 150, "timeout"),  DL("api.json", 60, 1000, "ok"),
    DL("font.woff", 5, 1000, "ok"),      DL("gone.txt", 30, 1000, "error"),
    DL("stream.mp4", 900, 200, "timeout"), DL("readme.md", 20, 1000, "ok"),
};
#define NJOBS (sizeof(jobs) / sizeof(jobs[0]))

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* The task: wait for the "network", then read the file. */
static int fetch(void *arg)
{
    download *d = arg;
    struct timespec ts = {d->latency_ms / 1000, (d->latency_ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
    int fd = open(d->path, O_RDONLY);
    if (fd < 0)
        return -errno;
    char buf[4096];
    ssize_t n;
    d->bytes = 0;
    while ((n = read(fd, buf, sizeof(buf))) > 0)
        d->bytes += n;
    close(fd);
    return n < 0 ? -errno : 0;
}

int main(void)
{
    char dir[] = "/tmp/wsched-downloads-XXXXXX";
    if (!mkdtemp(dir))
        return 1;
    for (size_t i = 0; i < NJOBS; i++) {
        snprintf(jobs[i].path, sizeof(jobs[i].path), "%s/%s", dir, jobs[i].name);
        if (strcmp(jobs[i].expect, "error") == 0)
            continue; /* this one is "404" */
        FILE *fp = fopen(jobs[i].path, "w");
        for (size_t k = 0; fp && k < 100 * (i + 1); k++)
            fputs("0123456789", fp);
        if (!fp || fclose(fp) != 0)
            return 1;
    }

    ws_pool *pool;
    ws_cq *q;
    if (ws_pool_create(&pool, NULL) != 0 || ws_cq_create(&q) != 0)
        return 1;
    double start = now_ms();
    for (size_t i = 0; i < NJOBS; i++) {
        if (ws_submit_blocking(pool, fetch, &jobs[i], &jobs[i].f) != 0 ||
            ws_cq_attach(q, jobs[i].f) != 0)
            return 1;
    }

    /* Take results as they finish; wake up at the earliest deadline of
       those still outstanding to report it as timed out. */
    size_t left = NJOBS;
    while (ws_cq_pending(q) > 0) {
        double next = -1;
        for (size_t i = 0; i < NJOBS; i++)
            if (!jobs[i].outcome && (next < 0 || start + jobs[i].timeout_ms < next))
                next = start + jobs[i].timeout_ms;
        int64_t wait_ns = left == 0 ? -1 : (int64_t)((next - now_ms()) * 1e6);
        ws_future *f;
        int rc = ws_cq_next(q, wait_ns > 0 || left == 0 ? wait_ns : 0, &f);
        if (rc == WS_ETIMEDOUT) {
            for (size_t i = 0; i < NJOBS; i++) {
                if (!jobs[i].outcome && now_ms() >= start + jobs[i].timeout_ms) {
                    jobs[i].outcome = "timeout";
                    left--;
                    printf("%7.0f ms  %-11s timed out after %d ms\n", now_ms() - start,
                           jobs[i].name, jobs[i].timeout_ms);
                }
            }
            continue;
        }
        size_t i = 0;
        while (jobs[i].f != f)
            i++;
        int st = ws_future_status(f);
        ws_future_release(f); /* the queue's reference; jobs[i].f is ours */
        if (jobs[i].outcome)
            continue; /* finished after its timeout: ignored */
        jobs[i].outcome = st == 0 ? "ok" : "error";
        left--;
        if (st == 0)
            printf("%7.0f ms  %-11s %ld bytes\n", now_ms() - start, jobs[i].name, jobs[i].bytes);
        else
            printf("%7.0f ms  %-11s failed: %s\n", now_ms() - start, jobs[i].name, strerror(-st));
    }

    int bad = 0;
    for (size_t i = 0; i < NJOBS; i++) {
        bad += strcmp(jobs[i].outcome, jobs[i].expect) != 0;
        ws_future_release(jobs[i].f);
        unlink(jobs[i].path);
    }
    rmdir(dir);
    if (ws_cq_destroy(q) != 0 || ws_pool_destroy(pool) != 0)
        return 1;
    printf("%zu downloads in %.0f ms, %d unexpected outcomes\n", NJOBS, now_ms() - start, bad);
    return bad != 0;
}
