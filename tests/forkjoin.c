/* Fork-join: fib and nqueens results, ws_join's status rule, frames outside
 * workers, deep spawn chains, statuses travelling up, counters. */
#include "check.h"

#include <stdatomic.h>
#include <string.h>
#include <wsched.h>

#include "fib.h"

typedef struct nq_arg {
    int n, row;
    int board[16];
    long count;
} nq_arg;

static int nqueens(void *p)
{
    nq_arg *a = p;
    if (a->row == a->n) {
        a->count = 1;
        return 0;
    }
    nq_arg kids[16];
    ws_task t[16];
    int k = 0;
    for (int col = 0; col < a->n; col++) {
        int ok = 1;
        for (int r = 0; r < a->row && ok; r++) {
            int c = a->board[r];
            ok = c != col && c - col != a->row - r && col - c != a->row - r;
        }
        if (!ok)
            continue;
        kids[k] = *a;
        kids[k].board[a->row] = col;
        kids[k].row = a->row + 1;
        kids[k].count = 0;
        ws_spawn(&t[k], nqueens, &kids[k]);
        k++;
    }
    a->count = 0;
    while (k--) {
        CHECK_EQ(ws_sync(&t[k]), 0);
        a->count += kids[k].count;
    }
    return 0;
}

static _Atomic int ran;
static int ret_val(void *p)
{
    atomic_fetch_add(&ran, 1);
    return (int)(long)p;
}

/* A chain of spawns thousands deep: each level spawns the next. */
static int chain(void *p)
{
    long n = (long)p;
    if (n == 0)
        return 7;
    ws_task t;
    ws_spawn(&t, chain, (void *)(n - 1));
    return ws_sync(&t);
}

/* An error deep inside parallel work reaches the root. */
static int fails_at_leaf(void *p)
{
    long n = (long)p;
    if (n == 0)
        return -5;
    return ws_join(fails_at_leaf, (void *)(n - 1), ret_val, (void *)0);
}

static int join_rules(void *p)
{
    (void)p;
    atomic_store(&ran, 0);
    CHECK_EQ(ws_join(ret_val, (void *)1, ret_val, (void *)2), 1);
    CHECK_EQ(ws_join(ret_val, (void *)0, ret_val, (void *)2), 2);
    CHECK_EQ(ws_join(ret_val, (void *)0, ret_val, (void *)0), 0);
    CHECK_EQ(atomic_load(&ran), 6);
    CHECK_EQ(ws_join(NULL, NULL, ret_val, NULL), WS_EINVAL);
    ws_task t;
    ws_spawn(&t, NULL, NULL);
    CHECK_EQ(ws_sync(&t), WS_EINVAL);
    ws_spawn(NULL, ret_val, NULL); /* does nothing */
    CHECK_EQ(ws_sync(NULL), WS_EINVAL);
    CHECK(ws_worker_id() >= 0);
    return 0;
}

int main(void)
{
    /* Outside a worker everything runs inline. */
    CHECK_EQ(ws_worker_id(), -1);
    fib_arg f = {20, 0};
    CHECK_EQ(fib(&f), 0);
    CHECK_EQ(f.r, 6765);
    atomic_store(&ran, 0);
    CHECK_EQ(ws_join(ret_val, (void *)0, ret_val, (void *)3), 3);
    CHECK_EQ(atomic_load(&ran), 2);

    for (unsigned workers = 1; workers <= 4; workers++) {
        ws_pool *pool;
        ws_pool_opts o = {.workers = workers, .deque_capacity = 16};
        CHECK_EQ(ws_pool_create(&pool, &o), 0);
        CHECK_EQ(ws_pool_workers(pool), workers);
        fib_arg a = {25, 0};
        CHECK_EQ(ws_run(pool, fib, &a), 0);
        CHECK_EQ(a.r, 75025);
        nq_arg q = {.n = 9};
        CHECK_EQ(ws_run(pool, nqueens, &q), 0);
        CHECK_EQ(q.count, 352);
        CHECK_EQ(ws_run(pool, join_rules, NULL), 0);
        CHECK_EQ(ws_run(pool, chain, (void *)5000), 7);
        CHECK_EQ(ws_run(pool, fails_at_leaf, (void *)12), -5);
        CHECK_EQ(ws_run(pool, ret_val, (void *)42), 42);

        ws_stats total, one, sum;
        memset(&sum, 0, sizeof(sum));
        CHECK_EQ(ws_pool_stats(pool, -1, &total), 0);
        for (unsigned i = 0; i < workers; i++) {
            CHECK_EQ(ws_pool_stats(pool, (int)i, &one), 0);
            sum.executed += one.executed;
            sum.spawns += one.spawns;
        }
        CHECK_EQ(total.executed, sum.executed);
        CHECK_EQ(total.spawns, sum.spawns);
        /* fib(25): fib(26)-1 spawns; nqueens(9): one per valid placement. */
        CHECK(total.spawns >= 121392 + 5000);
        CHECK(total.executed >= total.spawns);
        CHECK_EQ(ws_pool_stats(pool, (int)workers, &one), WS_EINVAL);
        CHECK_EQ(ws_pool_destroy(pool), 0);
    }
    printf("forkjoin: ok\n");
    return 0;
}
