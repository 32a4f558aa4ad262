/* A program that uses an installed wsched, as a user's would: built by
 * tools/test with pkg-config (shared and static) and with find_package. */
#include <stdio.h>
#include <wsched.h>

static int square(void *arg)
{
    int *x = arg;
    *x *= *x;
    return 0;
}

int main(void)
{
    ws_pool *pool;
    int x = 12;
    if (ws_pool_create(&pool, NULL) != 0 || ws_run(pool, square, &x) != 0 ||
        ws_pool_destroy(pool) != 0 || x != 144)
        return 1;
    printf("consumer: wsched %s ok\n", ws_version());
    return 0;
}
