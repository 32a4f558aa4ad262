/* ABI: option and stats structs of another size than the library's. A
 * struct of the 0.1 layout placed against a page the process may not touch
 * is read (opts) or written (stats) without a fault: the library never
 * reads or writes past the caller's size. Bytes past the library's own
 * struct must be zero in options, and are zeroed in stats. */
#include "check.h"

#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <wsched.h>

#include "internal.h"

static int nop(void *arg)
{
    (void)arg;
    return 0;
}

/* A buffer of size bytes that ends where an inaccessible page begins. */
static void *at_page_end(size_t size)
{
    long page = sysconf(_SC_PAGESIZE);
    char *p = mmap(NULL, (size_t)page * 2, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                   -1, 0);
    CHECK(p != MAP_FAILED);
    CHECK_EQ(mprotect(p + page, (size_t)page, PROT_NONE), 0);
    return p + page - size;
}

int main(void)
{
    CHECK_EQ(WS__OPTS_V01_SIZE, 56);
    CHECK_EQ(WS__STATS_V01_SIZE, 64);
    CHECK(sizeof(ws_pool_opts) > WS__OPTS_V01_SIZE);
    CHECK(sizeof(ws_stats) > WS__STATS_V01_SIZE);

    /* Options of the 0.1 layout, through the 0.1 entry point and the sized
       one: read up to the guard page, never past. */
    ws_pool_opts *old = at_page_end(WS__OPTS_V01_SIZE);
    memset(old, 0, WS__OPTS_V01_SIZE);
    old->workers = 2;
    old->name = "abi";
    ws_pool *pool;
    CHECK_EQ((ws_pool_create)(&pool, old), 0);
    CHECK_EQ(ws_pool_workers(pool), 2);
    CHECK_EQ(ws_run(pool, nop, NULL), 0);

    /* Stats of the 0.1 layout: written up to the guard page, never past. */
    ws_stats full;
    CHECK_EQ(ws_pool_stats(pool, -1, &full), 0);
    CHECK(full.executed >= 1);
    ws_stats *small = at_page_end(WS__STATS_V01_SIZE);
    memset(small, 0xff, WS__STATS_V01_SIZE);
    CHECK_EQ((ws_pool_stats)(pool, -1, small), 0);
    CHECK(small->executed >= full.executed && small->executed < full.executed + 1000);
    memset(small, 0xff, WS__STATS_V01_SIZE);
    CHECK_EQ(ws_pool_stats_sized(pool, 0, small, WS__STATS_V01_SIZE), 0);
    CHECK(small->executed < 1000000);
    /* Smaller still: exactly that many bytes. */
    unsigned char *eight = at_page_end(8);
    CHECK_EQ(ws_pool_stats_sized(pool, -1, (ws_stats *)(void *)eight, 8), 0);
    CHECK_EQ(ws_pool_stats_sized(pool, -1, &full, 0), WS_EINVAL);

    /* A newer program's larger struct: our fields, then zeros. */
    struct {
        ws_stats s;
        uint64_t later[4];
    } big;
    memset(&big, 0xff, sizeof(big));
    CHECK_EQ(ws_pool_stats_sized(pool, -1, &big.s, sizeof(big)), 0);
    for (int i = 0; i < 4; i++)
        CHECK_EQ(big.later[i], 0);
    CHECK(big.s.blocking_executed == 0 && big.s.blocking_peak == 0);
    CHECK_EQ(ws_pool_destroy(pool), 0);

    /* Larger options: unknown fields must be zero. */
    struct {
        ws_pool_opts o;
        uint64_t later[2];
    } newer;
    memset(&newer, 0, sizeof(newer));
    newer.o.workers = 1;
    CHECK_EQ(ws_pool_create_sized(&pool, &newer.o, sizeof(newer)), 0);
    CHECK_EQ(ws_pool_workers(pool), 1);
    CHECK_EQ(ws_pool_destroy(pool), 0);
    newer.later[1] = 7;
    pool = (ws_pool *)&newer;
    CHECK_EQ(ws_pool_create_sized(&pool, &newer.o, sizeof(newer)), WS_EINVAL);
    CHECK(pool == NULL);
    /* Smaller than the 0.1 layout, or between layouts: refused. */
    CHECK_EQ(ws_pool_create_sized(&pool, old, WS__OPTS_V01_SIZE - 8), WS_EINVAL);
    CHECK_EQ(ws_pool_create_sized(&pool, &newer.o, WS__OPTS_V01_SIZE + 4), WS_EINVAL);
    /* NULL options need no size; a zeroed struct means the defaults. */
    CHECK_EQ(ws_pool_create_sized(&pool, NULL, 0), 0);
    CHECK_EQ(ws_pool_destroy(pool), 0);
    /* A compound literal with several fields: its commas are not the
       macro's argument separators. */
    CHECK_EQ(ws_pool_create(&pool, &(ws_pool_opts){.workers = 1, .pin = WS_PIN_NONE}), 0);
    CHECK_EQ(ws_pool_workers(pool), 1);
    CHECK_EQ(ws_pool_destroy(pool), 0);
    ws_pool_opts zero = {0};
    CHECK_EQ(ws_pool_create(&pool, &zero), 0);
    CHECK(ws_pool_workers(pool) >= 1);
    CHECK_EQ(ws_pool_destroy(pool), 0);
    printf("abi: ok\n");
    return 0;
}
