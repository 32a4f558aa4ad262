/* Reclamation for deque tests without liburcu (and for a model checker):
 * old buffers are kept and freed only once every thread has joined. */
#ifndef WS_TEST_DQ_STUB_H
#define WS_TEST_DQ_STUB_H

#include <stdlib.h>

#include "deque.h"

static void *stub_retired[8]; /* owner only */
static int stub_nretired;

static void *stub_alloc(size_t n)
{
    return malloc(n);
}

static void stub_retire(void *ctx, void *buf)
{
    (void)ctx;
    if (stub_nretired == 8)
        abort();
    stub_retired[stub_nretired++] = buf;
}

/* After every thread that used the deque has joined (or finished a round). */
static void stub_free_retired(void)
{
    for (int i = 0; i < stub_nretired; i++)
        free(stub_retired[i]);
    stub_nretired = 0;
}

static const ws__dq_ops stub_ops = {stub_alloc, free, stub_retire, NULL};

#endif
