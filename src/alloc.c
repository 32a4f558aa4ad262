/* Every allocation and thread start of the library goes through here, so a
 * test build (WS_FAULT_INJECTION) can make any one of them fail. */
#include "internal.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>

#ifdef WS_FAULT_INJECTION
static _Atomic long fail_at;  /* countdown to the failing site; 0: off */
static _Atomic long passed;   /* sites passed since the last ws_test_fail_at */

long ws_test_fail_at(long n)
{
    /* seq_cst: test control, far from any hot path. */
    atomic_store(&fail_at, n);
    return atomic_exchange(&passed, 0);
}

static bool should_fail(void)
{
    /* relaxed: a counter; the test reads it after joining its threads. */
    atomic_fetch_add_explicit(&passed, 1, memory_order_relaxed);
    /* relaxed: only the countdown's own value matters. */
    long v = atomic_load_explicit(&fail_at, memory_order_relaxed);
    while (v > 0) {
        /* relaxed: as above; the CAS makes exactly one site see 1. */
        if (atomic_compare_exchange_weak_explicit(&fail_at, &v, v - 1, memory_order_relaxed,
                                                  memory_order_relaxed))
            return v == 1;
    }
    return false;
}
#define WS__FAIL() should_fail()
#else
#define WS__FAIL() false
#endif

void *ws__malloc(size_t size)
{
    return WS__FAIL() ? NULL : malloc(size);
}

void *ws__calloc(size_t n, size_t size)
{
    return WS__FAIL() ? NULL : calloc(n, size);
}

void *ws__aligned_alloc(size_t align, size_t size)
{
    if (WS__FAIL())
        return NULL;
    void *p = NULL;
    return posix_memalign(&p, align, (size + align - 1) / align * align) ? NULL : p;
}

void ws__free(void *p)
{
    free(p);
}

void *ws__map_aligned(size_t size)
{
    if (WS__FAIL())
        return NULL;
    char *p = mmap(NULL, 2 * size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return NULL;
    char *a = (char *)(((uintptr_t)p + size - 1) & ~(uintptr_t)(size - 1));
    if (a > p)
        munmap(p, (size_t)(a - p));
    if (p + 2 * size > a + size)
        munmap(a + size, (size_t)(p + 2 * size - (a + size)));
    return a;
}

void ws__prefault(void *p, size_t size)
{
#ifdef MADV_POPULATE_WRITE
    /* Every page at once: one system call where touching them one by one
       costs a fault each (twice as slow: 2.6 -> 1.3 ms a MiB on a VM). A
       kernel without it (before 5.14) refuses, and the pages fault in as
       they are used. */
    madvise(p, size, MADV_POPULATE_WRITE);
#else
    (void)p, (void)size;
#endif
}

void ws__unmap(void *p, size_t size)
{
    munmap(p, size);
}

int ws__thread_create(pthread_t *t, const pthread_attr_t *attr, void *(*fn)(void *), void *arg)
{
    if (WS__FAIL())
        return EAGAIN;
    return pthread_create(t, attr, fn, arg);
}
