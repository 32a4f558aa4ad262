/* ws_run from everywhere: a foreign thread, a task of the same pool
 * (inline, no deadlock), a task of another pool (A -> B -> A chains), and
 * several foreign threads at once. */
#include "check.h"

#include <pthread.h>
#include <stdatomic.h>
#include <wsched.h>

static ws_pool *A, *B;

static int leaf(void *arg)
{
    return (int)(long)arg;
}

/* depth > 0: alternate pools, each level waiting for the next. */
static int hop(void *arg)
{
    long depth = (long)arg;
    if (depth == 0)
        return ws_run(A, leaf, (void *)41) + 1;
    ws_pool *next = depth % 2 ? B : A;
    return ws_run(next, hop, (void *)(depth - 1));
}

static int same_pool(void *arg)
{
    (void)arg;
    int id = ws_worker_id();
    int r = ws_run(A, leaf, (void *)5); /* inline: same pool */
    CHECK_EQ(ws_worker_id(), id);
    return r;
}

static void *foreign(void *arg)
{
    (void)arg;
    for (int i = 0; i < 200; i++) {
        CHECK_EQ(ws_run(A, leaf, (void *)(long)i), i);
        CHECK_EQ(ws_run(B, hop, (void *)3), 42);
    }
    return NULL;
}

int main(void)
{
    for (unsigned wa = 1; wa <= 2; wa++) {
        ws_pool_opts oa = {.workers = wa, .name = "a"}, ob = {.workers = 1, .name = "b"};
        CHECK_EQ(ws_pool_create(&A, &oa), 0);
        CHECK_EQ(ws_pool_create(&B, &ob), 0);
        CHECK_EQ(ws_run(A, same_pool, NULL), 5);
        CHECK_EQ(ws_run(A, hop, (void *)8), 42);
        CHECK_EQ(ws_run(B, hop, (void *)9), 42);
        pthread_t th[4];
        for (int i = 0; i < 4; i++)
            CHECK_EQ(pthread_create(&th[i], NULL, foreign, NULL), 0);
        for (int i = 0; i < 4; i++)
            pthread_join(th[i], NULL);
        CHECK_EQ(ws_pool_destroy(B), 0);
        CHECK_EQ(ws_pool_destroy(A), 0);
    }
    printf("nested: ok\n");
    return 0;
}
