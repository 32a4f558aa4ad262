/* The block caches (src/cache.c): blocks are distinct and whole, travel
 * from the thread that took them to one that gives them back, and come
 * back. With slabs (every build but AddressSanitizer's, where each block
 * is its own malloc): a block of up to a line has a line of its own,
 * slabs emptied by a burst are kept, then unmapped once unused for a
 * second, and a cache that grows gets 8 slabs warmed ahead by steps that
 * idle workers take, not by the CPU that allocates. */
#include "check.h"
#include "gate.h"
#include "internal.h"

#include <pthread.h>
#include <string.h>

#define N 100000 /* far beyond what the depot keeps */

static void *blocks[N];

static void *give_all_back(void *c)
{
    for (int i = 0; i < N; i++)
        ws__cache_free(c, blocks[i]);
    return NULL; /* exiting hands this thread's magazines to the depot */
}

static void burst(ws__cache *c)
{
    for (int i = 0; i < N; i++) {
        blocks[i] = ws__cache_alloc(c);
        CHECK(blocks[i] != NULL);
        memset(blocks[i], i & 0xff, c->size);
    }
    for (int i = 0; i < N; i++) {
        const unsigned char *b = blocks[i];
        for (size_t k = 0; k < c->size; k++)
            CHECK_EQ(b[k], i & 0xff); /* no block overlaps another */
#if !defined(__SANITIZE_ADDRESS__)
        if (c->size <= WS__CACHELINE)
            CHECK_EQ((uintptr_t)b % WS__CACHELINE, 0);
#endif
    }
    pthread_t t;
    CHECK_EQ(pthread_create(&t, NULL, give_all_back, c), 0);
    CHECK_EQ(pthread_join(t, NULL), 0);
}

#if !defined(__SANITIZE_ADDRESS__)
static void *take_one(void *c)
{
    void *x = ws__cache_alloc(c);
    CHECK(x != NULL);
    ws__cache_free(c, x);
    return NULL;
}

static bool unused_slabs(ws__cache *c)
{
    pthread_mutex_lock(&c->mu);
    bool any = c->unused != NULL;
    pthread_mutex_unlock(&c->mu);
    return any;
}

static unsigned nunused(ws__cache *c)
{
    pthread_mutex_lock(&c->mu);
    unsigned n = c->nunused;
    pthread_mutex_unlock(&c->mu);
    return n;
}

/* After the slabs went (no unused one left): a burst cuts new slabs and
 * asks for warming; a step is refused on the allocating CPU; others take
 * 8 slabs of 64 pages in 32 steps of 16, then find nothing to do. */
static void warming(ws__cache *c)
{
    CHECK_EQ(nunused(c), 0);
    for (int i = 0; i < N; i++)
        CHECK((blocks[i] = ws__cache_alloc(c)) != NULL);
    /* relaxed: this thread set it. */
    uint32_t want = atomic_load_explicit(&c->want, memory_order_relaxed);
    CHECK(want >= 2);
    CHECK(!ws__cache_warm((int)want - 2));
    /* One warmer at a time (the slot keeps one partly warmed slab): while
       another warms, a step takes nothing. */
    pthread_mutex_lock(&c->mu);
    c->warmer = true;
    pthread_mutex_unlock(&c->mu);
    CHECK(!ws__cache_warm(-1));
    pthread_mutex_lock(&c->mu);
    c->warmer = false;
    pthread_mutex_unlock(&c->mu);
    int steps = 0;
    while (ws__cache_warm(-1))
        steps++;
    CHECK_EQ(steps, 32);
    CHECK_EQ(nunused(c), 8);
    /* relaxed: as above. */
    CHECK_EQ(atomic_load_explicit(&c->want, memory_order_relaxed), 0);
    pthread_t t;
    CHECK_EQ(pthread_create(&t, NULL, give_all_back, c), 0);
    CHECK_EQ(pthread_join(t, NULL), 0);
}
#endif

int main(void)
{
    ws__cache *caches[] = {&ws__cache_job, &ws__cache_future};
    for (int k = 0; k < 2; k++) {
        ws__cache *c = caches[k];
        burst(c);
        burst(c); /* the second comes from the depot and the kept slabs */
#if !defined(__SANITIZE_ADDRESS__)
        while (ws__cache_warm(-1)) /* what the bursts asked for */
            ;
        CHECK(unused_slabs(c)); /* emptied by the burst, kept for the next */
        sleep_ms(1100);
        /* A depot exchange (a new thread's first block) unmaps the slabs
           unused for a second. */
        pthread_t t;
        CHECK_EQ(pthread_create(&t, NULL, take_one, c), 0);
        CHECK_EQ(pthread_join(t, NULL), 0);
        CHECK(!unused_slabs(c));
        warming(c);
        sleep_ms(1100);
        CHECK_EQ(pthread_create(&t, NULL, take_one, c), 0);
        CHECK_EQ(pthread_join(t, NULL), 0);
        CHECK(!unused_slabs(c)); /* the warmed ones too, unused for a second */
#else
        CHECK(!ws__cache_warm(-1)); /* no slabs to warm */
#endif
    }
    printf("cache: ok\n");
    return 0;
}
