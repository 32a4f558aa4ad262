/* fib without cutoff, the fork-join shape every test uses: one spawn per
 * call with n >= 2. */
#ifndef WS_TEST_FIB_H
#define WS_TEST_FIB_H

#include <wsched.h>

typedef struct fib_arg {
    int n;
    long r;
} fib_arg;

static int fib(void *p)
{
    fib_arg *a = p;
    if (a->n < 2) {
        a->r = a->n;
        return 0;
    }
    fib_arg x = {a->n - 1, 0}, y = {a->n - 2, 0};
    ws_task t;
    ws_spawn(&t, fib, &x);
    fib(&y);
    int rc = ws_sync(&t);
    a->r = x.r + y.r;
    return rc;
}

#endif
