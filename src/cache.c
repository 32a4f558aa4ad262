/* Object caches: fixed-size blocks (futures, group jobs) in per-thread
 * magazines, the design of Bonwick and Adams (USENIX 2001).
 *
 * Work submitted from outside flows one way: a producer thread allocates
 * futures, workers free them. malloc serves that pattern poorly (every free
 * lands in another thread's arena, with locking and consolidation). Here
 * each thread holds two magazines of up to MAG blocks; allocation and free
 * touch only them, with no atomic operation. A thread that frees into two
 * full magazines hands one to the cache's depot; a thread that allocates
 * from two empty ones takes a full magazine from the depot, or cuts a
 * magazine of new blocks. So the depot's mutex is taken once per MAG
 * blocks, and blocks travel from the workers back to the producer in
 * batches. The depot keeps at most DEPOT_MAX full magazines; beyond that
 * blocks go back where they came from. A thread's magazines go to the
 * depot when it exits.
 *
 * New blocks are cut from slabs of SLAB bytes, aligned to their size so
 * that a block finds its slab, each faulted in at once when first used
 * (ws__prefault), from mapped regions of REGION bytes (one mmap per eight
 * slabs). Blocks have no header and a block of up to a cache line has a
 * line of its own (a worker reading a job misses once, not twice). A slab
 * counts its blocks out; once none is out it is kept for reuse, and
 * unmapped after UNUSED_NS unused (checked at each depot exchange, so a
 * thread that allocates or frees MAG blocks gets it done). A million
 * futures in flight are thus 64 MB of pages faulted in a slab at a time,
 * where malloc would take 80 MB a page fault at a time.
 *
 * Idle workers warm slabs ahead of a cache that grows fast (two new slabs
 * within GROW_NS; ws__cache_warm, from their search for work): each reads
 * one word of every page of a new slab
 * that it faulted in, a step of WARM_STEP pages at a time, and keeps the
 * slab on the unused list, until WARM_AHEAD are ready. On a VM with shadow
 * page tables the first access to a page from user space costs about 5 us
 * even after MADV_POPULATE_WRITE (the hypervisor maps it then), whichever
 * thread makes it; a worker on another CPU than the allocating thread
 * (which the cache notes in want) pays it instead, in time it would spend
 * spinning. A million cold submissions from one thread: 200 -> 155 ms at
 * one worker and at two. Without the gate, the one slab a stream of round
 * trips cuts set off warming, the worker on the free CPU parked after its
 * steps, and each round trip then went through the worker sharing the
 * poster's CPU: 1.5 -> 15 us.
 *
 * Regions stay on small pages. Huge pages (MADV_HUGEPAGE) made a million
 * cold submissions twice as fast on the project's VM, but afterwards the
 * program's own memory faulted in again page by page: a sum over a 400 MB
 * array went from 13 ms to 300-500 ms. A library must not do that to the
 * memory around it.
 *
 * Under AddressSanitizer every block is its own malloc, so overflows
 * between blocks and leaked futures are still reported, and a cached block
 * is poisoned, so a use after its release is too.
 */
#include "internal.h"

#include <sched.h>
#include <stddef.h>

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#define POISON(p, n)   ASAN_POISON_MEMORY_REGION(p, n)
#define UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION(p, n)
#define SLABS          0
#else
#define POISON(p, n)   ((void)(p), (void)(n))
#define UNPOISON(p, n) ((void)(p), (void)(n))
#define SLABS          1
#endif

#define MAG       64
#define DEPOT_MAX 256 /* full magazines kept: 16384 blocks a cache */
#define SLAB      ((size_t)256 << 10)
#define REGION    ((size_t)2 << 20)
#define SLAB_HDR  64           /* the header's line; blocks follow */
#define UNUSED_NS 1000000000u  /* an unused slab is unmapped after 1 s */

#define PAGE       4096
#define WARM_AHEAD 8  /* slabs warmed ahead of a growing cache */
#define WARM_STEP  16 /* pages a warming step reads: 80 us on that VM */
#define GROW_NS    2000000u /* two new slabs this close: the cache grows */

typedef struct ws__slab {
    struct ws__slab *next; /* on the cache's unused list */
    size_t live;           /* blocks cut from it and not given back */
    uint64_t idle_since;   /* CLOCK_MONOTONIC ns, while unused or warming */
    unsigned warmed;       /* pages read through, while being warmed */
} slab;

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

#if SLABS
/* The distance between blocks: a line for blocks of up to one. */
static size_t stride(const ws__cache *c)
{
    return c->size <= WS__CACHELINE ? WS__CACHELINE : (c->size + 15) & ~(size_t)15;
}

/* Unmaps the slabs unused for UNUSED_NS (the list is newest first), when
 * one is due. Under c->mu; called at every depot exchange. */
static void trim(ws__cache *c)
{
    if (!c->unused && !c->warming)
        return;
    uint64_t now = ws__now_ns();
    if (c->warming && now - c->warming->idle_since >= UNUSED_NS) {
        ws__unmap(c->warming, SLAB); /* the growth it was warmed for stopped */
        c->warming = NULL;
    }
    if (!c->unused || now < c->trim_at)
        return;
    slab **pp = &c->unused, *young = NULL;
    while (*pp && now - (*pp)->idle_since < UNUSED_NS) {
        young = *pp;
        pp = &young->next;
    }
    slab *s = *pp;
    *pp = NULL;
    while (s) {
        slab *next = s->next;
        ws__unmap(s, SLAB);
        c->nunused--;
        s = next;
    }
    if (young)
        c->trim_at = young->idle_since + UNUSED_NS;
}

/* The region's next slab, not faulted in yet; NULL if no memory. Under
 * c->mu. */
static slab *region_slab(ws__cache *c)
{
    if (!c->region_left) {
        if (!(c->region = ws__map_aligned(REGION)))
            return NULL;
        c->region_left = REGION / SLAB;
    }
    slab *s = (slab *)c->region;
    c->region += SLAB;
    c->region_left--;
    return s;
}

/* Puts a slab with no block out on the unused list. Under c->mu. */
static void keep(ws__cache *c, slab *s)
{
    s->idle_since = ws__now_ns();
    if (!c->unused)
        c->trim_at = s->idle_since + UNUSED_NS;
    s->next = c->unused;
    c->unused = s;
    c->nunused++;
}

/* A slab to cut: the newest unused one (warmed ones among them), else the
 * one being warmed, else the region's next. A cache that takes one asks
 * idle workers to warm more (ws__cache_warm). Under c->mu. */
static slab *new_slab(ws__cache *c)
{
    slab *s = c->unused;
    if (s) {
        c->unused = s->next;
        c->nunused--;
    } else if ((s = c->warming)) {
        c->warming = NULL;
    } else if ((s = region_slab(c))) {
        ws__prefault(s, SLAB);
    }
    /* Growing fast (a slab within GROW_NS of the last): warm ahead. */
    uint64_t now = ws__now_ns();
    if (now - c->grew_at < GROW_NS && c->nunused < WARM_AHEAD)
        /* relaxed: a hint to idle workers, who look under c->mu. */
        atomic_store_explicit(&c->want, (uint32_t)(sched_getcpu() + 2), memory_order_relaxed);
    c->grew_at = now;
    return s;
}

/* Fills m with new blocks, as many as fit. Under c->mu. */
static void cut(ws__cache *c, mag *m)
{
    size_t st = stride(c);
    while (m->n < MAG) {
        if (!c->carve || c->carved + st > SLAB) {
            slab *s = new_slab(c);
            if (!s)
                return;
            s->live = 0;
            c->carve = s;
            c->carved = SLAB_HDR;
        }
        m->item[m->n++] = (char *)c->carve + c->carved;
        c->carved += st;
        c->carve->live++;
    }
}

/* Gives a block back to its slab. Under c->mu. */
static void give_back(ws__cache *c, void *x)
{
    slab *s = (slab *)((uintptr_t)x & ~(uintptr_t)(SLAB - 1));
    if (--s->live)
        return;
    if (s == c->carve) { /* none out: cut it again from the start */
        c->carved = SLAB_HDR;
        return;
    }
    keep(c, s);
}

/* A step of warming, by an idle worker on cpu (-1: unpinned): the slab
 * being warmed, else a new one, is taken off the lists, read through by
 * WARM_STEP pages outside the lock, and put back. */
bool ws__cache_warm(int cpu)
{
    for (int i = 0; i < NCACHES; i++) {
        ws__cache *c = caches[i];
        /* relaxed: a hint; the slabs are taken under c->mu. */
        uint32_t want = atomic_load_explicit(&c->want, memory_order_relaxed);
        if (!want || want == (uint32_t)cpu + 2)
            continue;
        pthread_mutex_lock(&c->mu);
        slab *s = NULL;
        /* One warmer at a time: the slot keeps one partly warmed slab. */
        if (!c->warmer) {
            if ((s = c->warming)) {
                c->warming = NULL;
            } else if (c->nunused < WARM_AHEAD && (s = region_slab(c))) {
                s->warmed = 0;
            } else {
                /* relaxed: as above. */
                atomic_store_explicit(&c->want, 0, memory_order_relaxed);
            }
            c->warmer = s != NULL;
        }
        pthread_mutex_unlock(&c->mu);
        if (!s)
            continue;
        /* The slab is ours alone until it goes back. */
        if (!s->warmed)
            ws__prefault(s, SLAB);
        unsigned end = s->warmed + WARM_STEP < SLAB / PAGE ? s->warmed + WARM_STEP : SLAB / PAGE;
        for (unsigned k = s->warmed; k < end; k++)
            (void)*(volatile char *)((char *)s + (size_t)k * PAGE);
        s->warmed = end;
        pthread_mutex_lock(&c->mu);
        c->warmer = false;
        if (end < SLAB / PAGE) {
            s->idle_since = ws__now_ns();
            c->warming = s;
        } else {
            s->live = 0;
            keep(c, s);
        }
        pthread_mutex_unlock(&c->mu);
        return true;
    }
    return false;
}
#else
bool ws__cache_warm(int cpu)
{
    (void)cpu;
    return false;
}

static void give_back(ws__cache *c, void *x)
{
    UNPOISON(x, c->size);
    ws__free(x);
}

static void trim(ws__cache *c)
{
    (void)c;
}
#endif

/* Frees a magazine and the blocks in it. Under c->mu. */
static void drop(ws__cache *c, mag *m)
{
    for (unsigned i = 0; i < m->n; i++)
        give_back(c, m->item[i]);
    ws__free(m);
}

/* Hands a magazine to the depot (full or empty as it is). */
static void put(ws__cache *c, mag *m)
{
    pthread_mutex_lock(&c->mu);
    trim(c);
    if (m->n == 0) {
        m->next = c->empty;
        c->empty = m;
    } else if (c->nfull < DEPOT_MAX) {
        m->next = c->full;
        c->full = m;
        c->nfull++;
    } else {
        drop(c, m);
    }
    pthread_mutex_unlock(&c->mu);
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

/* Asks for the line of the block the next allocation returns, to be
 * written: a block comes back from the thread that freed it (a worker, for
 * a producer's futures and jobs), and the caller's first store would
 * otherwise wait for that line to cross. */
static inline void prefetch_for_write(const void *x)
{
#if defined(__x86_64__)
    /* PREFETCHW; a processor without it (before Broadwell) runs it as a
       no-op hint (0F 0D is reserved as one). */
    __asm__ volatile("prefetchw %0" : : "m"(*(const char *)x));
#else
    __builtin_prefetch(x, 1, 3);
#endif
}

/* fork() (fork.c): no other thread is inside a cache's lock when the
 * child starts. */
void ws__cache_fork_prepare(void)
{
    for (int i = 0; i < NCACHES; i++)
        pthread_mutex_lock(&caches[i]->mu);
}

void ws__cache_fork_done(void)
{
    for (int i = NCACHES - 1; i >= 0; i--)
        pthread_mutex_unlock(&caches[i]->mu);
}

/* An empty magazine: from the depot, or new; NULL if none. */
static mag *new_mag(ws__cache *c)
{
    pthread_mutex_lock(&c->mu);
    mag *m = c->empty;
    if (m)
        c->empty = m->next;
    pthread_mutex_unlock(&c->mu);
    if (!m && !(m = ws__malloc(sizeof(mag))))
        return NULL;
    m->n = 0;
    return m;
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
            if (p->cur->n)
                prefetch_for_write(p->cur->item[p->cur->n - 1]);
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
        trim(c);
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
#if SLABS
    /* Nothing cached: a magazine of new blocks. */
    if (!p->cur)
        swap(p);
    if (!p->cur && !(p->cur = new_mag(c)))
        return NULL;
    pthread_mutex_lock(&c->mu);
    cut(c, p->cur);
    pthread_mutex_unlock(&c->mu);
    return p->cur->n ? p->cur->item[--p->cur->n] : NULL;
#else
    return ws__malloc(size);
#endif
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
        mag *empty = new_mag(c);
        if (!empty)
            break;
        if (p->prev)
            put(c, p->prev);
        p->prev = p->cur;
        p->cur = empty;
    }
    /* No magazine to be had: straight back. */
    pthread_mutex_lock(&c->mu);
    give_back(c, x);
    pthread_mutex_unlock(&c->mu);
}
