/* Object caches: fixed-size blocks (futures, group jobs) in per-thread
 * magazines, the design of Bonwick and Adams (USENIX 2001).
 *
 * Work submitted from outside flows one way: a producer thread allocates
 * futures, workers free them. malloc serves that pattern poorly (every free
 * lands in another thread's arena, with locking and consolidation). Here
 * each thread holds two magazines of up to MAG blocks; allocation and free
 * touch only them, with no atomic operation. A thread that frees into two
 * full magazines hands one to the cache's depot; a thread that allocates
 * from two empty ones takes a full magazine from the depot, or falls back to
 * malloc. So the depot's mutex is taken once per MAG blocks, and blocks
 * travel from the workers back to the producer in batches. The depot keeps
 * at most DEPOT_MAX full magazines; beyond that blocks go back to malloc.
 * A thread's magazines go to the depot when it exits.
 *
 * Under AddressSanitizer a cached block is poisoned, so a use after its
 * release is still reported.
 */
#include "internal.h"

#include <stddef.h>

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#define POISON(p, n)   ASAN_POISON_MEMORY_REGION(p, n)
#define UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION(p, n)
#else
#define POISON(p, n)   ((void)(p), (void)(n))
#define UNPOISON(p, n) ((void)(p), (void)(n))
#endif

#define MAG       64
#define DEPOT_MAX 256 /* full magazines kept: 16384 blocks a cache */

typedef struct ws__mag {
    struct ws__mag *next;
    unsigned n;
    void *item[MAG];
} mag;

/* A thread's pair: allocations and frees use cur, then prev. */
typedef struct pair {
    mag *cur, *prev;
} pair;

#define NCACHES 2
static ws__cache *const caches[NCACHES] = {&ws__cache_future, &ws__cache_job};

static __thread pair pairs[NCACHES];
static pthread_key_t key; /* its destructor flushes an exiting thread's pairs */
static pthread_once_t once = PTHREAD_ONCE_INIT;
static bool have_key;

static void flush(void *unused);

static void make_key(void)
{
    have_key = pthread_key_create(&key, flush) == 0;
}

/* Frees a magazine and the blocks in it. */
static void drop(ws__cache *c, mag *m)
{
    for (unsigned i = 0; i < m->n; i++) {
        UNPOISON(m->item[i], c->size);
        ws__free(m->item[i]);
    }
    ws__free(m);
}

/* Hands a magazine to the depot (full or empty as it is). */
static void put(ws__cache *c, mag *m)
{
    pthread_mutex_lock(&c->mu);
    if (m->n == 0) {
        m->next = c->empty;
        c->empty = m;
        m = NULL;
    } else if (c->nfull < DEPOT_MAX) {
        m->next = c->full;
        c->full = m;
        c->nfull++;
        m = NULL;
    }
    pthread_mutex_unlock(&c->mu);
    if (m)
        drop(c, m);
}

static void flush(void *unused)
{
    (void)unused;
    for (int i = 0; i < NCACHES; i++) {
        pair *p = &pairs[i];
        if (p->cur)
            put(caches[i], p->cur);
        if (p->prev)
            put(caches[i], p->prev);
        p->cur = p->prev = NULL;
    }
}

static void swap(pair *p)
{
    mag *t = p->cur;
    p->cur = p->prev;
    p->prev = t;
}

/* The calling thread's pair for c; registers the thread's flush once. */
static pair *mine(ws__cache *c)
{
    pair *p = &pairs[c->index];
    if (WS_UNLIKELY(!p->cur && !p->prev)) {
        pthread_once(&once, make_key);
        if (have_key)
            pthread_setspecific(key, pairs);
    }
    return p;
}

void *ws__cache_alloc(ws__cache *c)
{
    size_t size = c->size;
    pair *p = mine(c);
    for (int round = 0; round < 2; round++) {
        if (p->cur && p->cur->n) {
            void *x = p->cur->item[--p->cur->n];
            UNPOISON(x, size);
            return x;
        }
        if (p->prev && p->prev->n) {
            swap(p);
            continue;
        }
        if (round)
            break;
        /* Both empty: trade one for a full magazine from the depot. */
        pthread_mutex_lock(&c->mu);
        mag *full = c->full;
        if (full) {
            c->full = full->next;
            c->nfull--;
            if (p->prev) {
                p->prev->next = c->empty;
                c->empty = p->prev;
            }
            p->prev = p->cur;
            p->cur = full;
        }
        pthread_mutex_unlock(&c->mu);
        if (!full)
            break;
    }
    return ws__malloc(size);
}

void ws__cache_free(ws__cache *c, void *x)
{
    size_t size = c->size;
    if (!x)
        return;
    pair *p = mine(c);
    for (int round = 0; round < 2; round++) {
        if (p->cur && p->cur->n < MAG) {
            POISON(x, size);
            p->cur->item[p->cur->n++] = x;
            return;
        }
        if (p->prev && p->prev->n < MAG) {
            swap(p);
            continue;
        }
        if (round)
            break;
        /* Both full (or missing): the fuller goes to the depot, an empty
           one comes back. */
        pthread_mutex_lock(&c->mu);
        mag *empty = c->empty;
        if (empty)
            c->empty = empty->next;
        pthread_mutex_unlock(&c->mu);
        if (!empty) {
            empty = ws__malloc(sizeof(mag));
            if (!empty)
                break;
        }
        empty->n = 0;
        if (p->prev)
            put(c, p->prev);
        p->prev = p->cur;
        p->cur = empty;
    }
    ws__free(x);
}
