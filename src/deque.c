/* Chase-Lev deque: the slow paths (growth, publish, take, steal).
 * See deque.h for the design. Orders, against Le et al. (PPoPP 2013):
 *
 *   Le et al.                                here
 *   push:  fence(release); store(b, rlx)     publish: store(bottom, seq_cst)
 *   take:  store(b, rlx); fence(seq_cst);    take:    exchange(bottom, seq_cst);
 *          load(t, rlx)                               load(top, seq_cst)
 *   steal: load(t, acq); fence(seq_cst);     steal:   load(top, seq_cst);
 *          load(b, acq)                               load(bottom, seq_cst)
 *
 * Why each replacement is at least as strong:
 * - publish: a seq_cst store is a release store, so a thief that reads this
 *   bottom with an acquire (or stronger) load sees the slots written before.
 *   A release store alone is not enough in RC11 when a thief can read bottom
 *   from take()'s later write (same-thread stores are not in a release
 *   sequence); that is why take() writes bottom with a read-modify-write:
 *   an RMW continues the release sequence headed by publish's store.
 * - take/steal: the fences order "owner writes bottom, then reads top"
 *   against "thief reads top, then reads bottom". With every one of these
 *   accesses seq_cst they all lie in the single total order S, so the owner
 *   and a thief cannot both miss each other (store-buffering is forbidden):
 *   either the thief sees the decremented bottom, or the owner sees the
 *   thief's top and, on the last item, both race on the CAS of top.
 * All of these are plain loads, one xchg and the CAS on x86-64.
 */
#include "deque.h"


static ws__dq_buf *buf_new(const ws__dq_ops *ops, int64_t capacity)
{
    ws__dq_buf *a = ops->alloc(sizeof(*a) + (size_t)capacity * sizeof(a->slot[0]));
    if (a)
        a->mask = capacity - 1;
    return a;
}

int ws__dq_init(ws__deque *dq, int64_t capacity, const ws__dq_ops *ops)
{
    if (capacity < WS__DQ_MIN_CAP || capacity > WS__DQ_MAX_CAP || (capacity & (capacity - 1)))
        return -1;
    ws__dq_buf *a = buf_new(ops, capacity);
    if (!a)
        return -1;
    for (int64_t i = 0; i < capacity; i++)
        atomic_init(&a->slot[i], NULL);
    atomic_init(&dq->top, 0);
    atomic_init(&dq->bottom, 0);
    atomic_init(&dq->buf, a);
    dq->priv = 0;
    dq->pub = 0;
    dq->top_seen = 0;
    dq->ownbuf = a;
    dq->mask = a->mask;
    dq->slots = a->slot;
    dq->ops = ops;
    return 0;
}

void ws__dq_destroy(ws__deque *dq)
{
    dq->ops->free(dq->ownbuf);
    dq->ownbuf = NULL;
}

int ws__dq_make_room(ws__deque *dq)
{
    ws__dq_buf *a = dq->ownbuf;
    /* acquire: a thief's CAS on top comes after its read of the slot; the
       slots below the top we see may be overwritten only after those reads. */
    dq->top_seen = atomic_load_explicit(&dq->top, memory_order_acquire);
    if (dq->priv - dq->top_seen <= a->mask)
        return 1;
    int64_t cap = (a->mask + 1) * 2;
    if (cap > WS__DQ_MAX_CAP)
        return 0;
    ws__dq_buf *na = buf_new(dq->ops, cap);
    if (!na)
        return 0;
    /* Every slot holds a value before any thief can see the buffer: a
       thief that read an old top loads a slot outside the live ones (and
       then loses its CAS). */
    for (int64_t i = 0; i < cap; i++)
        atomic_init(&na->slot[i], NULL);
    for (int64_t i = dq->top_seen; i < dq->priv; i++) {
        /* relaxed: the owner reads its own slots and fills a buffer that no
           thief sees before the release store of buf below. */
        void *x = atomic_load_explicit(&a->slot[i & a->mask], memory_order_relaxed);
        /* relaxed: as above. */
        atomic_store_explicit(&na->slot[i & na->mask], x, memory_order_relaxed);
    }
    /* release: a thief that loads this buffer sees the copied slots. */
    atomic_store_explicit(&dq->buf, na, memory_order_release);
    dq->ownbuf = na;
    dq->mask = na->mask;
    dq->slots = na->slot;
    dq->ops->retire(dq->ops->ctx, a);
    return 1;
}

void ws__dq_publish(ws__deque *dq, int64_t n)
{
    if (n > dq->priv - dq->pub)
        n = dq->priv - dq->pub; /* only private items can become public */
    if (n <= 0)
        return;
    dq->pub += n;
    WS__PERTURB();
    /* seq_cst: release for the slots written by push (Le et al.'s release
       fence), and in S before the caller's seq_cst load of the sleeper count,
       so a worker about to sleep either sees these items or is woken. */
    atomic_store_explicit(&dq->bottom, dq->pub, memory_order_seq_cst);
}

void *ws__dq_take(ws__deque *dq)
{
    /* top only grows: with bottom at or below a top we saw, the deque is
       empty without touching a shared line (idle workers poll this). */
    if (dq->pub <= dq->top_seen)
        return NULL;
    int64_t b = dq->pub - 1;
    ws__dq_buf *a = dq->ownbuf;
    /* seq_cst RMW: Le et al.'s store + seq_cst fence (see the top of the
       file); an RMW also continues publish's release sequence. */
    atomic_exchange_explicit(&dq->bottom, b, memory_order_seq_cst);
    WS__PERTURB();
    /* seq_cst: ordered after the exchange above in S (Dekker with steal). */
    int64_t t = atomic_load_explicit(&dq->top, memory_order_seq_cst);
    void *x = NULL;
    if (t < b) {
        /* relaxed: more than one item left, no thief can reach slot b. */
        x = atomic_load_explicit(&a->slot[b & a->mask], memory_order_relaxed);
        dq->pub = dq->priv = b;
    } else {
        if (t == b) {
            /* relaxed: the slot is the owner's own write. */
            x = atomic_load_explicit(&a->slot[b & a->mask], memory_order_relaxed);
            /* seq_cst: the last item; race thieves for it on top. relaxed
               on failure: we only learn that a thief won. */
            if (!atomic_compare_exchange_strong_explicit(&dq->top, &t, t + 1,
                                                         memory_order_seq_cst,
                                                         memory_order_relaxed))
                x = NULL;
            t = b + 1;
        }
        /* release: restores bottom == top (empty); thieves that read it see
           no item, and a later publish heads a new release sequence. */
        atomic_store_explicit(&dq->bottom, b + 1, memory_order_release);
        dq->pub = dq->priv = b + 1;
    }
    if (t > dq->top_seen)
        dq->top_seen = t;
    return x;
}

int ws__dq_steal(ws__deque *dq, void **out)
{
    /* seq_cst: acquire (Le et al.) and in S before the load of bottom. */
    int64_t t = atomic_load_explicit(&dq->top, memory_order_seq_cst);
    WS__PERTURB();
    /* seq_cst: acquire pairs with publish, so the slot and the item it
       points to are visible; in S after the load of top (Le's fence). */
    int64_t b = atomic_load_explicit(&dq->bottom, memory_order_seq_cst);
    if (t >= b)
        return WS__DQ_EMPTY;
    /* acquire: pairs with make_room's release, so the copied slots show. */
    ws__dq_buf *a = atomic_load_explicit(&dq->buf, memory_order_acquire);
    /* relaxed: ordered by the acquire loads above; a stale value only
       happens when the CAS below fails. */
    void *x = atomic_load_explicit(&a->slot[t & a->mask], memory_order_relaxed);
    WS__PERTURB();
    /* seq_cst: claims item t against other thieves and the owner's take;
       relaxed on failure: nothing is read. */
    if (!atomic_compare_exchange_strong_explicit(&dq->top, &t, t + 1, memory_order_seq_cst,
                                                 memory_order_relaxed))
        return WS__DQ_ABORT;
    *out = x;
    return WS__DQ_OK;
}

int64_t ws__dq_public(ws__deque *dq)
{
    /* seq_cst both: see ws__dq_publish; the caller announced itself asleep
       (or left the searchers) with a seq_cst RMW before calling this. */
    int64_t t = atomic_load_explicit(&dq->top, memory_order_seq_cst);
    int64_t b = atomic_load_explicit(&dq->bottom, memory_order_seq_cst);
    return b > t ? b - t : 0;
}
