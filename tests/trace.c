/* Tracing: a trace started with ws_pool_trace is written at destroy as
 * JSON that tools/trace --check accepts (every slice closed, none
 * overlapping on a thread) with exactly one closed span per future and per
 * blocking task run; fork-join work adds stolen frames. A ring too small
 * for the run drops its oldest events, says how many, and still gives a
 * valid trace. */
#include "check.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <wsched.h>

#include "fib.h"

#define NFUT 2000
#define NBLK 50

static int nop(void *arg)
{
    (void)arg;
    return 0;
}

/* Submits n futures (or blocking tasks) from this (foreign) thread and
 * waits for all. */
static void submit_all(ws_pool *pool, int n, int blocking)
{
    ws_future **f = calloc((size_t)n, sizeof(*f));
    CHECK(f != NULL);
    for (int i = 0; i < n; i++)
        CHECK_EQ(blocking ? ws_submit_blocking(pool, nop, NULL, &f[i])
                          : ws_submit(pool, nop, NULL, &f[i]),
                 0);
    CHECK_EQ(ws_wait_all(f, (size_t)n, -1), 0);
    for (int i = 0; i < n; i++)
        ws_future_release(f[i]);
    free(f);
}

static void check_file(const char *path, const char *expect)
{
    char cmd[512];
    snprintf(cmd, sizeof(cmd), "python3 %s/tools/trace --check %s %s", WS_SOURCE_DIR, path,
             expect);
    CHECK_EQ(system(cmd), 0);
}

/* dropped_events from the file's otherData. */
static long dropped(const char *path)
{
    FILE *f = fopen(path, "r");
    CHECK(f != NULL);
    static char buf[1 << 16];
    long d = -1;
    CHECK_EQ(fseek(f, -200, SEEK_END), 0);
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    buf[n] = '\0';
    fclose(f);
    const char *p = strstr(buf, "\"dropped_events\":");
    CHECK(p != NULL);
    d = atol(p + strlen("\"dropped_events\":"));
    return d;
}

int main(void)
{
    char path[64], small[64];
    snprintf(path, sizeof(path), "/tmp/wsched-trace-%d.json", (int)getpid());
    snprintf(small, sizeof(small), "/tmp/wsched-trace-%d-small.json", (int)getpid());

    ws_pool *pool; /* a name the writer must escape */
    CHECK_EQ(ws_pool_create(&pool, &(ws_pool_opts){.workers = 2, .name = "t\"r\\"}), 0);
    CHECK_EQ(ws_pool_trace(NULL, path), WS_EINVAL);
    CHECK_EQ(ws_pool_trace(pool, NULL), WS_EINVAL);
    CHECK_EQ(ws_pool_trace(pool, path), 0);
    CHECK_EQ(ws_pool_trace(pool, path), WS_EBUSY);
    /* Futures only, then blocking tasks only: each runs as one job. */
    submit_all(pool, NFUT, 0);
    submit_all(pool, NBLK, 1);
    fib_arg a = {22, 0};
    CHECK_EQ(ws_run(pool, fib, &a), 0);
    CHECK_EQ(a.r, 17711);
    CHECK_EQ(ws_pool_destroy(pool), 0);
    check_file(path, "--expect future=2000 --expect blocking=50");
    CHECK_EQ(dropped(path), 0);
    unlink(path);

    /* Rings of 1024 events for 5000 futures: the oldest are dropped. */
    setenv("WSCHED_TRACE_EVENTS", "1024", 1);
    setenv("WSCHED_TRACE", small, 1);
    CHECK_EQ(ws_pool_create(&pool, &(ws_pool_opts){.workers = 2}), 0);
    CHECK_EQ(ws_pool_trace(pool, path), WS_EBUSY); /* WSCHED_TRACE started one */
    submit_all(pool, 5000, 0);
    CHECK_EQ(ws_pool_destroy(pool), 0);
    check_file(small, "");
    CHECK(dropped(small) > 0);
    unlink(small);

    /* A ring size that is not a number: reported, and the default. */
    setenv("WSCHED_TRACE_EVENTS", "lots", 1);
    CHECK_EQ(ws_pool_create(&pool, &(ws_pool_opts){.workers = 1}), 0);
    submit_all(pool, 10, 0);
    CHECK_EQ(ws_pool_destroy(pool), 0);
    check_file(small, "--expect future=10");
    CHECK_EQ(dropped(small), 0);
    unlink(small);
    printf("trace: ok\n");
    return 0;
}
