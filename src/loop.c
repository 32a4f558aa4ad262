/* ws_parallel_for: recursive halving over fork-join.
 *
 * Fixed grain g: the range is halved (at multiples of g) down to pieces of
 * at most g elements. Grain 0 (adaptive): the range is first halved log2(P)
 * times (P workers); a piece that migrates to another worker may be halved
 * again as many times (the splitter of rayon). A leaf then runs its range in
 * chunks of n/(64P) elements, and between chunks, if an idle worker has asked
 * this one for work, it spawns the second half of what is left (lazy binary
 * splitting, Tzannes et al. 2010): pieces are only cut where work is wanted.
 */
#include "internal.h"

typedef struct loop {
    int (*body)(size_t lo, size_t hi, void *arg);
    void *arg;
    size_t grain; /* fixed grain, or 0 */
    size_t chunk; /* adaptive: most elements per body call */
    unsigned nworkers;
    _Atomic int status; /* the first non-zero status; every range still runs */
    const ws__scope *scope; /* the caller's task: the loop stops when it is cancelled */
    ws_pool *pool;
} loop;

typedef struct piece {
    loop *l;
    size_t lo, hi;
    unsigned splits; /* adaptive: halvings left */
    int owner;       /* worker that spawned it */
} piece;

static int fail(loop *l, int rc)
{
    int zero = 0;
    /* relaxed: only the first value matters; the caller's sync orders it. */
    atomic_compare_exchange_strong_explicit(&l->status, &zero, rc, memory_order_relaxed,
                                            memory_order_relaxed);
    return rc;
}

static int run_piece(void *arg);

/* The caller's task was cancelled: the rest of the loop is skipped. */
static bool stopped(loop *l)
{
    if (!ws__scope_cancelled(l->scope, l->pool))
        return false;
    fail(l, WS_ECANCELED);
    return true;
}

static int split(piece *p, size_t mid, unsigned splits)
{
    piece right = {p->l, mid, p->hi, splits, ws__self_id()};
    p->hi = mid;
    p->splits = splits;
    ws_task t;
    ws_spawn(&t, run_piece, &right);
    int a = run_piece(p);
    int b = ws_sync(&t);
    return a ? a : b;
}

static int leaf(piece *p)
{
    loop *l = p->l;
    ws__worker *w = ws__self;
    size_t lo = p->lo, hi = p->hi;
    while (lo < hi && !stopped(l)) {
        size_t n = hi - lo < l->chunk ? hi - lo : l->chunk;
        int rc = l->body(lo, lo + n, l->arg);
        if (rc)
            fail(l, rc);
        lo += n;
        /* relaxed: a hint that an idle worker wants work (sleep.c). */
        if (w && hi - lo > l->chunk && atomic_load_explicit(&w->demand, memory_order_relaxed)) {
            p->lo = lo;
            return split(p, lo + (hi - lo) / 2, 0);
        }
    }
    return 0;
}

static int run_piece(void *arg)
{
    piece *p = arg;
    loop *l = p->l;
    size_t n = p->hi - p->lo;
    if (l->grain) {
        if (stopped(l))
            return 0;
        if (n <= l->grain) {
            int rc = l->body(p->lo, p->hi, l->arg);
            return rc ? fail(l, rc) : 0;
        }
        size_t pieces = n / l->grain + (n % l->grain != 0); /* no overflow */
        return split(p, p->lo + pieces / 2 * l->grain, 0);
    }
    int me = ws__self_id();
    if (p->owner != me) { /* migrated: may split again, once */
        p->owner = me;
        p->splits = p->splits / 2 > l->nworkers ? p->splits / 2 : l->nworkers;
    }
    if (n > 1 && p->splits > 0)
        return split(p, p->lo + n / 2, p->splits / 2);
    return leaf(p);
}

static int loop_root(void *arg)
{
    piece *p = arg;
    p->owner = ws__self_id();
    run_piece(p);
    /* relaxed: every piece was synced before this load. */
    return atomic_load_explicit(&p->l->status, memory_order_relaxed);
}

int ws_parallel_for(ws_pool *pool, size_t begin, size_t end, size_t grain,
                    int (*body)(size_t lo, size_t hi, void *arg), void *arg)
{
    if (!pool || !body || begin > end)
        return WS_EINVAL;
    if (begin == end)
        return 0;
    size_t n = end - begin;
    loop l = {.body = body, .arg = arg, .grain = grain, .nworkers = pool->n};
    l.chunk = n / ((size_t)pool->n * 64);
    if (l.chunk == 0)
        l.chunk = 1;
    atomic_init(&l.status, 0);
    l.scope = ws__scope_top;
    l.pool = pool;
    piece p = {&l, begin, end, pool->n, -1};
    return ws_run(pool, loop_root, &p);
}
