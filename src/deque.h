/* A growable Chase-Lev work-stealing deque with a private tail.
 *
 * Indices grow without bound (64 bits never wrap in practice); a slot is
 * index & mask of the current buffer. The items in [top, bottom) are public:
 * thieves take the oldest with a CAS on top, exactly as in Chase and Lev
 * (SPAA 2005) with the memory orders of Le, Pop, Cohen and Zappa Nardelli
 * ("Correct and efficient work-stealing for weak memory models", PPoPP 2013).
 * The items in [bottom, priv) are the owner's private tail (the split deque
 * of Lace, van Dijk and van de Pol 2014): pushing and popping there touches
 * no shared cache line and needs no atomic read-modify-write or fence. The
 * owner moves items into the public part with ws__dq_publish(), which is
 * Chase-Lev's push of several items at once; the scheduler does so when
 * another worker asks for work. Popping below the private tail is Chase-Lev's
 * take().
 *
 * TSan does not model standalone fences, so no fence is used: every place
 * where Le et al. put a fence carries the order on an atomic operation
 * instead, and says why that is at least as strong.
 *
 * This file and deque.c depend on nothing but C11 and the two tiny headers
 * they include: reclamation of old buffers is the caller's (ops->retire), so
 * a model checker or a stress harness can take exactly the shipped code.
 */
#ifndef WS_DEQUE_H
#define WS_DEQUE_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "compiler.h"
#include "perturb.h"

#define WS__DQ_MIN_CAP 16
#define WS__DQ_MAX_CAP ((int64_t)1 << 30)

typedef struct ws__dq_buf {
    int64_t mask;           /* capacity - 1; capacity is a power of two */
    _Atomic(void *) slot[]; /* owner writes, thieves read (atomic: a thief may
                               read a slot the owner is overwriting, and then
                               loses its CAS) */
} ws__dq_buf;

typedef struct ws__dq_ops {
    void *(*alloc)(size_t size);         /* NULL on failure */
    void (*free)(void *p);               /* frees a buffer no thread can read */
    void (*retire)(void *ctx, void *buf); /* frees buf once no thief can read it */
    void *ctx;
} ws__dq_ops;

typedef struct ws__deque {
    /* Thieves write (CAS), the owner reads when taking or when full. */
    WS__ALIGNED _Atomic int64_t top;
    /* Owner writes, thieves read. */
    WS__ALIGNED _Atomic int64_t bottom;
    _Atomic(ws__dq_buf *) buf;
    /* Owner only. */
    WS__ALIGNED int64_t priv; /* end of the private tail */
    int64_t pub;              /* the owner's copy of bottom */
    int64_t top_seen;         /* a lower bound of top: slots below are free */
    int64_t mask;             /* ownbuf->mask */
    _Atomic(void *) *slots;   /* ownbuf->slot */
    ws__dq_buf *ownbuf;       /* the owner's copy of buf */
    const ws__dq_ops *ops;
    /* Not the deque's: the owner's count of frames its inline ws_sync ran
       (see ws__fj in wsched.h), kept on this line because the sync writes
       it anyway. Owner writes, ws_pool_stats reads. */
    _Atomic uint64_t syncs;
} ws__deque;

enum { WS__DQ_EMPTY = 0, WS__DQ_OK = 1, WS__DQ_ABORT = 2 };

/* capacity: a power of two in [WS__DQ_MIN_CAP, WS__DQ_MAX_CAP]. 0 or -1. */
int ws__dq_init(ws__deque *dq, int64_t capacity, const ws__dq_ops *ops);
/* Frees the buffer; no other thread may use the deque any more. */
void ws__dq_destroy(ws__deque *dq);

/* Owner: makes room for one more item (refreshes top, grows). 0 when the
 * deque is full and cannot grow (out of memory or at WS__DQ_MAX_CAP). */
int ws__dq_make_room(ws__deque *dq);
/* Owner: moves the n oldest private items into the public part. */
void ws__dq_publish(ws__deque *dq, int64_t n);
/* Owner: Chase-Lev take() of the newest public item; NULL if none. */
void *ws__dq_take(ws__deque *dq);
/* Any thread but the owner: takes the oldest public item into *out.
 * WS__DQ_OK, WS__DQ_EMPTY, or WS__DQ_ABORT (lost a race; try again). The
 * caller keeps the buffer alive (RCU read side) across the call. */
int ws__dq_steal(ws__deque *dq, void **out);
/* Any thread: how many public items there may be, 0 if none (both loads
 * seq_cst, so a thread about to sleep that checks after announcing itself
 * cannot miss a publish that did not see the announcement). */
int64_t ws__dq_public(ws__deque *dq);

/* Owner: pushes item onto the private tail. 0 if the deque is full and
 * cannot grow: the caller runs the item itself. */
static inline int ws__dq_push(ws__deque *dq, void *item)
{
    int64_t b = dq->priv;
    if (WS_UNLIKELY(b - dq->top_seen > dq->mask) && !ws__dq_make_room(dq))
        return 0;
    /* relaxed: the slot is private until ws__dq_publish's store of bottom,
       which releases it to thieves. */
    atomic_store_explicit(&dq->slots[b & dq->mask], item, memory_order_relaxed);
    dq->priv = b + 1;
    return 1;
}

/* Owner: pops the newest item if it is item and private. The fast path of
 * ws_sync: no shared line, no atomic read-modify-write. */
static inline int ws__dq_pop_if(ws__deque *dq, const void *item)
{
    int64_t b = dq->priv - 1;
    /* relaxed: the owner wrote this slot itself. */
    if (WS_LIKELY(b >= dq->pub) &&
        WS_LIKELY(atomic_load_explicit(&dq->slots[b & dq->mask], memory_order_relaxed) == item)) {
        dq->priv = b;
        return 1;
    }
    return 0;
}

/* Owner: pops the newest item, private or public; NULL if empty. */
static inline void *ws__dq_pop(ws__deque *dq)
{
    int64_t b = dq->priv - 1;
    if (WS_LIKELY(b >= dq->pub)) {
        dq->priv = b;
        /* relaxed: the owner wrote this private slot itself. */
        return atomic_load_explicit(&dq->slots[b & dq->mask], memory_order_relaxed);
    }
    return ws__dq_take(dq);
}

/* Owner: number of private items. */
static inline int64_t ws__dq_private(const ws__deque *dq)
{
    return dq->priv - dq->pub;
}

#endif
