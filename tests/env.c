/* The environment fills options the program left at zero: WSCHED_WORKERS,
 * WSCHED_PIN, WSCHED_SPIN_NS, WSCHED_BLOCKING_MAX, WSCHED_STATS,
 * WSCHED_TRACE. A malformed value gives one line on stderr (once per
 * process) and the default; the program's own values always win. */
#include "check.h"

#include <fcntl.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <wsched.h>

#include "internal.h"

static char errpath[64];
static int saved_err = -1;

/* stderr goes to a scratch file until captured() returns its text. */
static void capture(void)
{
    fflush(stderr);
    saved_err = dup(2);
    int fd = open(errpath, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    CHECK(fd >= 0);
    dup2(fd, 2);
    close(fd);
}

static const char *captured(void)
{
    static char buf[4096];
    fflush(stderr);
    dup2(saved_err, 2);
    close(saved_err);
    FILE *f = fopen(errpath, "r");
    CHECK(f != NULL);
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

static int lines(const char *s)
{
    int n = 0;
    for (; *s; s++)
        n += *s == '\n';
    return n;
}

static int mask_size(void *arg)
{
    cpu_set_t set;
    CHECK_EQ(sched_getaffinity(0, sizeof(set), &set), 0);
    *(int *)arg = CPU_COUNT(&set);
    return 0;
}

/* Creates a pool with opts, checks what the environment made of it. */
static ws_pool *make(const ws_pool_opts *opts)
{
    ws_pool *pool;
    CHECK_EQ(ws_pool_create(&pool, opts), 0);
    return pool;
}

int main(void)
{
    snprintf(errpath, sizeof(errpath), "/tmp/wsched-env-%d.txt", (int)getpid());
    cpu_set_t all;
    CHECK_EQ(sched_getaffinity(0, sizeof(all), &all), 0);
    unsigned dflt = ws_default_workers(NULL);

    /* Good values fill the zeros. */
    setenv("WSCHED_WORKERS", "3", 1);
    setenv("WSCHED_SPIN_NS", "2500", 1);
    setenv("WSCHED_BLOCKING_MAX", "5", 1);
    setenv("WSCHED_PIN", "none", 1);
    capture();
    ws_pool *pool = make(NULL);
    CHECK_EQ(strlen(captured()), 0);
    CHECK_EQ(ws_pool_workers(pool), 3);
    CHECK_EQ(pool->spin_us, 3); /* rounded up to whole microseconds */
    CHECK_EQ(ws__blocking_max(pool), 5);
    CHECK_EQ(pool->pin, WS_PIN_NONE);
    int seen = 0;
    CHECK_EQ(ws_run(pool, mask_size, &seen), 0);
    CHECK_EQ(seen, CPU_COUNT(&all)); /* unpinned: the whole mask */
    CHECK_EQ(ws_pool_destroy(pool), 0);

    /* The program's values win. */
    pool = make(&(ws_pool_opts){.workers = 2, .spin_us = 50, .blocking_max = 9,
                                .pin = WS_PIN_NONE});
    CHECK_EQ(ws_pool_workers(pool), 2);
    CHECK_EQ(pool->spin_us, 50);
    CHECK_EQ(ws__blocking_max(pool), 9);
    CHECK_EQ(ws_pool_destroy(pool), 0);

    /* WSCHED_PIN=cores and a spin of 0 ns (the shortest: 1 us). */
    setenv("WSCHED_PIN", "cores", 1);
    setenv("WSCHED_SPIN_NS", "0", 1);
    pool = make(NULL);
    CHECK_EQ(pool->pin, WS_PIN_DEFAULT);
    CHECK_EQ(pool->spin_us, 1);
    CHECK_EQ(ws_pool_destroy(pool), 0);

    /* Malformed values: one line each, once per process; the defaults. */
    setenv("WSCHED_WORKERS", "many", 1);
    setenv("WSCHED_SPIN_NS", "-4", 1);
    setenv("WSCHED_BLOCKING_MAX", "99999", 1);
    setenv("WSCHED_PIN", "sideways", 1);
    capture();
    pool = make(NULL);
    CHECK_EQ(ws_pool_destroy(pool), 0);
    pool = make(NULL); /* again: no second report */
    const char *err = captured();
    CHECK(strstr(err, "WSCHED_WORKERS=\"many\"") != NULL);
    CHECK(strstr(err, "WSCHED_SPIN_NS=\"-4\"") != NULL);
    CHECK(strstr(err, "WSCHED_BLOCKING_MAX=\"99999\"") != NULL);
    CHECK(strstr(err, "WSCHED_PIN=\"sideways\"") != NULL);
    CHECK_EQ(lines(err), 4);
    CHECK_EQ(ws_pool_workers(pool), dflt);
    CHECK_EQ(pool->spin_us, 100);
    CHECK_EQ(ws__blocking_max(pool), 64);
    CHECK_EQ(pool->pin, WS_PIN_DEFAULT);
    CHECK_EQ(ws_pool_destroy(pool), 0);
    unsetenv("WSCHED_WORKERS");
    unsetenv("WSCHED_SPIN_NS");
    unsetenv("WSCHED_BLOCKING_MAX");
    unsetenv("WSCHED_PIN");

    /* WSCHED_STATS=1: the figures on stderr at destroy; WSCHED_TRACE: a
       trace file. */
    char trace[64];
    snprintf(trace, sizeof(trace), "/tmp/wsched-env-%d.json", (int)getpid());
    setenv("WSCHED_STATS", "1", 1);
    setenv("WSCHED_TRACE", trace, 1);
    unlink(trace);
    capture();
    pool = make(&(ws_pool_opts){.workers = 2});
    CHECK_EQ(ws_run(pool, mask_size, &seen), 0);
    CHECK_EQ(ws_pool_destroy(pool), 0);
    err = captured();
    CHECK(strstr(err, "2 workers") != NULL);
    CHECK(strstr(err, "   total ") != NULL);
    CHECK(strstr(err, "blocking lane: 0 tasks") != NULL);
    CHECK(access(trace, R_OK) == 0);
    unlink(trace);
    unlink(errpath);
    printf("env: ok\n");
    return 0;
}
