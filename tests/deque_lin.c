/* Linearizability of the shipped deque (src/deque.c). Each round records a
 * small history: the owner runs a random program of push, publish and pop
 * while two thieves steal; every operation takes a tick of a shared logical
 * clock (a seq_cst counter) when invoked and when it responds, so A precedes
 * B in real time iff A's response tick is below B's invocation tick. The
 * history (at most MAX_OPS operations) is then checked against the
 * sequential specification with Wing and Gong's search, memoised on the set
 * of operations already linearised (Lowe): the abstract state after a set
 * is fixed (the owner's operations are a prefix of its program, and the
 * removed items are the results), so a set that failed once fails again.
 *
 * Specification: a sequence split into a public head and a private tail.
 * push(x) appends x to the private tail; publish(n) makes the n oldest
 * private items public; pop() removes the newest item, private or public,
 * or returns NULL when there is none; steal() removes the oldest public item
 * or reports empty. A steal that aborts (lost a race) changes nothing and is
 * not recorded. */
#include "check.h"
#include "deque.h"
#include "dq_stub.h"
#include "rounds.h"

#include <stdbool.h>
#include <string.h>

#define OWNER_OPS   10
#define THIEVES     2
#define STEAL_TRIES 3
#define MAX_OPS     (OWNER_OPS + THIEVES * STEAL_TRIES)
#define NONE        (-1)

enum { PUSH, PUBLISH, POP, STEAL };

typedef struct op {
    int kind;
    int val;        /* PUSH: the item; PUBLISH: n; POP/STEAL: item or NONE */
    unsigned inv;   /* clock ticks */
    unsigned res;
} op;

typedef struct spec {
    int q[OWNER_OPS];
    int head, split, tail; /* public [head, split), private [split, tail) */
} spec;

static ws__deque dq;
static int vals[OWNER_OPS]; /* the items: the deque holds &vals[i] */
static _Atomic unsigned clk;
static _Atomic int owner_done;
static op hist[1 + THIEVES][OWNER_OPS > STEAL_TRIES ? OWNER_OPS : STEAL_TRIES];
static int nhist[1 + THIEVES];
static op all[MAX_OPS];
static int nall;
static unsigned char failed[(1u << MAX_OPS) / 8];
static unsigned tick(void)
{
    /* seq_cst: the clock's order is the real-time order of the history. */
    return atomic_fetch_add_explicit(&clk, 1, memory_order_seq_cst);
}

static int item_of(void *x)
{
    return x ? (int)((int *)x - vals) : NONE;
}

static uint64_t xorshift(uint64_t *s)
{
    *s ^= *s << 13, *s ^= *s >> 7, *s ^= *s << 17;
    return *s;
}

/* A short random pause after each operation makes the threads' operations
 * overlap far more often than back-to-back bursts do (measured: 25-75% of
 * the histories have a steal overlapping an owner operation, against ~1%);
 * main prints the figure. */
static void pause(uint64_t *rng)
{
    for (unsigned k = (unsigned)(xorshift(rng) >> 40) % 16; k; k--)
        ws__cpu_relax();
}

static void thief_round(int self)
{
    static _Thread_local uint64_t rng;
    if (!rng)
        rng = 0x9e3779b97f4a7c15ull * (uint64_t)(self + 1);
    op *h = hist[1 + self];
    int n = 0;
    /* Steal once something is public or the owner is done: steals on a
       deque still private only report empty. relaxed: a hint to start. */
    for (int i = 0;
         !ws__dq_public(&dq) && !atomic_load_explicit(&owner_done, memory_order_relaxed); i++)
        if (i > 64)
            sched_yield();
    for (int i = 0; i < STEAL_TRIES; i++, pause(&rng)) {
        void *x = NULL;
        unsigned inv = tick();
        int r = ws__dq_steal(&dq, &x);
        unsigned res = tick();
        if (r == WS__DQ_ABORT)
            continue;
        if (x)
            CHECK_EQ(*(int *)x, item_of(x) * 3 + 1);
        h[n++] = (op){STEAL, r == WS__DQ_OK ? item_of(x) : NONE, inv, res};
    }
    nhist[1 + self] = n;
}

/* The owner's random program: pushes, publishes of part of the private
 * tail, pops. */
static void owner_round(uint64_t *rng)
{
    op *h = hist[0];
    int pushed = 0;
    for (int i = 0; i < OWNER_OPS; i++) {
        xorshift(rng);
        int64_t priv = ws__dq_private(&dq);
        int choice = (int)(*rng % 8);
        op o = {0};
        o.inv = tick();
        if (choice < 4) {
            o.kind = PUSH;
            o.val = pushed;
            vals[pushed] = pushed * 3 + 1;
            CHECK(ws__dq_push(&dq, &vals[pushed]));
            pushed++;
        } else if (choice < 6 && priv > 0) {
            o.kind = PUBLISH;
            o.val = 1 + (int)((*rng >> 8) % (uint64_t)priv);
            ws__dq_publish(&dq, o.val);
        } else {
            o.kind = POP;
            void *x = ws__dq_pop(&dq);
            if (x)
                CHECK_EQ(*(int *)x, item_of(x) * 3 + 1);
            o.val = item_of(x);
        }
        o.res = tick();
        h[i] = o;
        pause(rng);
    }
    nhist[0] = OWNER_OPS;
    /* relaxed: only tells waiting thieves to go on. */
    atomic_store_explicit(&owner_done, 1, memory_order_relaxed);
}

/* Applies o to s; false if o's recorded result is not the specified one. */
static bool apply(spec *s, const op *o)
{
    switch (o->kind) {
    case PUSH:
        s->q[s->tail++] = o->val;
        return true;
    case PUBLISH:
        if (s->split + o->val > s->tail)
            return false;
        s->split += o->val;
        return true;
    case POP:
        if (s->tail == s->head)
            return o->val == NONE;
        if (s->q[s->tail - 1] != o->val)
            return false;
        s->tail--;
        if (s->split > s->tail)
            s->split = s->tail;
        return true;
    default:
        if (s->split == s->head)
            return o->val == NONE;
        if (s->q[s->head] != o->val)
            return false;
        s->head++;
        return true;
    }
}

static long steps;

/* Whether some steal overlaps some owner operation. */
static bool concurrent(void)
{
    for (int i = 0; i < nall; i++)
        for (int j = 0; j < nall; j++)
            if (all[i].kind == STEAL && all[j].kind != STEAL && all[i].inv < all[j].res &&
                all[j].inv < all[i].res)
                return true;
    return false;
}

/* Wing and Gong: try every operation that no pending operation precedes. */
static bool linearize(unsigned done, const spec *s)
{
    unsigned full = (1u << nall) - 1;
    if (done == full)
        return true;
    if (failed[done / 8] & (1u << (done % 8)))
        return false;
    unsigned min_res = ~0u;
    for (int i = 0; i < nall; i++)
        if (!(done & (1u << i)) && all[i].res < min_res)
            min_res = all[i].res;
    for (int i = 0; i < nall; i++) {
        if ((done & (1u << i)) || all[i].inv > min_res)
            continue;
        spec t = *s;
        steps++;
        if (apply(&t, &all[i]) && linearize(done | (1u << i), &t))
            return true;
    }
    failed[done / 8] |= (unsigned char)(1u << (done % 8));
    return false;
}

static void print_history(void)
{
    static const char *names[] = {"push", "publish", "pop", "steal"};
    for (int i = 0; i < nall; i++)
        fprintf(stderr, "  [%3u, %3u] %-7s %d\n", all[i].inv, all[i].res, names[all[i].kind],
                all[i].val);
}

int main(void)
{
    double secs = test_stress_seconds(2.0);
    rounds r;
    rounds_start(&r, THIEVES, thief_round);
    uint64_t rng = 0x2545f4914f6cdd1dull;
    long ops = 0, items = 0, overlapping = 0;
    double end = test_now() + secs;
    while (r.round < 200 || r.round % 64 || test_now() < end) {
        CHECK(ws__dq_init(&dq, WS__DQ_MIN_CAP, &stub_ops) == 0);
        /* relaxed: the clock and the flag restart while no thread uses
           them; rounds_open publishes them. */
        atomic_store_explicit(&clk, 0, memory_order_relaxed);
        atomic_store_explicit(&owner_done, 0, memory_order_relaxed);
        rounds_open(&r);
        owner_round(&rng);
        rounds_close(&r);
        nall = 0;
        for (int t = 0; t <= THIEVES; t++)
            for (int i = 0; i < nhist[t]; i++)
                all[nall++] = hist[t][i];
        memset(failed, 0, sizeof(failed));
        spec s = {.head = 0};
        if (!linearize(0, &s)) {
            fprintf(stderr, "deque_lin: history %ld is not linearizable:\n", r.round);
            print_history();
            exit(1);
        }
        ops += nall;
        overlapping += concurrent();
        for (int i = 0; i < nall; i++)
            items += all[i].kind == PUSH;
        while (ws__dq_pop(&dq))
            ;
        ws__dq_destroy(&dq);
        stub_free_retired();
    }
    rounds_stop(&r);
    printf("deque_lin: %ld histories checked, %ld with a steal overlapping the owner, %ld search "
           "steps\n",
           r.round, overlapping, steps);
    printf("stress: deque_lin ops=%ld items=%ld histories=%ld\n", ops, items, r.round);
    return 0;
}
