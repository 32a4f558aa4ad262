/* libFuzzer target for the public API (WSCHED_FUZZ=ON, clang-14): each
 * input is pool options followed by up to MAX_OPS calls with arguments,
 * invalid ones included (NULL pointers, bad options, begin > end, bad worker
 * indexes, unknown shutdown flags, cancel/wait/release of its own futures).
 * Every call must return a code its header comment documents; the pool is
 * destroyed and every future released at the end of each input, so ASan's
 * leak check sees anything left behind. Freed pointers are never passed:
 * that is documented undefined behaviour. */
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wsched.h>

#define MAX_OPS  64
#define MAX_FUTS 8
#define RANGE    64

typedef struct input {
    const uint8_t *p;
    size_t n;
} input;

static uint8_t byte(input *in)
{
    if (!in->n)
        return 0;
    in->n--;
    return *in->p++;
}

/* Allowed results, as a bit set over the documented codes. */
enum {
    A_OK = 1 << 0,
    A_EINVAL = 1 << 1,
    A_ENOMEM = 1 << 2,
    A_EAGAIN = 1 << 3,
    A_ETIMEDOUT = 1 << 4,
    A_ECANCELED = 1 << 5,
    A_ESHUTDOWN = 1 << 6,
    A_EBUSY = 1 << 7,
};

static int bit_of(int rc)
{
    switch (rc) {
    case 0:
        return A_OK;
    case WS_EINVAL:
        return A_EINVAL;
    case WS_ENOMEM:
        return A_ENOMEM;
    case WS_EAGAIN:
        return A_EAGAIN;
    case WS_ETIMEDOUT:
        return A_ETIMEDOUT;
    case WS_ECANCELED:
        return A_ECANCELED;
    case WS_ESHUTDOWN:
        return A_ESHUTDOWN;
    case WS_EBUSY:
        return A_EBUSY;
    default:
        return 0;
    }
}

#define EXPECT(call, allowed) expect(#call, (call), (allowed), __LINE__)

static int expect(const char *what, int rc, int allowed, int line)
{
    if (!(bit_of(rc) & allowed)) {
        fprintf(stderr, "fuzz_api:%d: %s returned %d (%s)\n", line, what, rc, ws_strerror(rc));
        abort();
    }
    return rc;
}

#define REQUIRE(cond)                                                                              \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "fuzz_api:%d: %s\n", __LINE__, #cond);                                 \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

/* Task statuses travel in arg: small values from the input. */
static const int statuses[] = {0, 1, -5, WS_EBUSY};

static int ret(void *arg)
{
    return (int)(intptr_t)arg;
}

static ws_pool *pool; /* the input's pool, alive while any task runs */

/* Inside a worker: fork-join, and what a worker may not do. */
static int nested(void *arg)
{
    REQUIRE(ws_worker_id() >= 0 && (unsigned)ws_worker_id() < ws_pool_workers(pool));
    EXPECT(ws_pool_destroy(pool), A_EBUSY);
    ws_task t;
    ws_spawn(&t, ret, arg);
    int st = ws_sync(&t);
    REQUIRE(st == (int)(intptr_t)arg);
    REQUIRE(ws_join(ret, (void *)1, ret, arg) == 1);
    return ws_join(ret, arg, ret, NULL);
}

typedef struct range {
    _Atomic unsigned char hits[RANGE];
    size_t grain;
} range;

static int body(size_t lo, size_t hi, void *arg)
{
    range *r = arg;
    REQUIRE(lo < hi && hi <= RANGE && (r->grain == 0 || hi - lo <= r->grain));
    for (size_t i = lo; i < hi; i++)
        /* relaxed: counts, read after ws_parallel_for returns. */
        atomic_fetch_add_explicit(&r->hits[i], 1, memory_order_relaxed);
    return 0;
}

static bool done(ws_future *f)
{
    return ws_future_wait(f, 0) == 0;
}

typedef struct state {
    ws_future *f[MAX_FUTS];
    size_t n;
    ws_cq *q;
    bool shut;
    ws_group *g;
    bool g_lane; /* g's tasks run on the blocking lane: only ret, not nested */
    long posted; /* accepted group posts and ws_submit_ex calls with a dtor */
} state;

static _Atomic long dtors; /* destructors run, this input */

static void count_dtor(void *arg)
{
    (void)arg;
    /* relaxed: read after the pool and the group are destroyed. */
    atomic_fetch_add_explicit(&dtors, 1, memory_order_relaxed);
}

static void keep(state *s, ws_future *f)
{
    if (s->n < MAX_FUTS)
        s->f[s->n++] = f;
    else
        ws_future_release(f);
}

static ws_future *pick(state *s, input *in)
{
    return s->n ? s->f[byte(in) % s->n] : NULL;
}

static ws_fn fn_of(uint8_t b)
{
    return b % 4 == 0 ? NULL : b % 4 == 1 ? nested : ret;
}

static int create_pool(input *in)
{
    static const unsigned workers[] = {1, 2, 1, 5000};
    static const int pins[] = {WS_PIN_NONE, WS_PIN_DEFAULT, WS_PIN_NONE, 7};
    static const unsigned caps[] = {0, 16, 0, 17};
    static const unsigned spins[] = {0, 1, 0, 2000000};
    static const size_t stacks[] = {0, 65536, 0, 100};
    static const char *names[] = {NULL, "fz", NULL, "much-too-long"};
    static const unsigned bmax[] = {0, 1, 0, 5000};
    uint8_t a = byte(in), b = byte(in);
    ws_pool_opts o = {.workers = workers[a & 3],
                      .pin = pins[(a >> 2) & 3],
                      .deque_capacity = caps[(a >> 4) & 3],
                      .spin_us = spins[(a >> 6) & 3],
                      .stack_size = stacks[b & 3],
                      .name = names[(b >> 2) & 3],
                      .blocking_max = bmax[(b >> 4) & 3]};
    bool bad = (a & 3) == 3 || ((a >> 2) & 3) == 3 || ((a >> 4) & 3) == 3 ||
               ((a >> 6) & 3) == 3 || (b & 3) == 3 || ((b >> 2) & 3) == 3 || ((b >> 4) & 3) == 3;
    EXPECT(ws_pool_create(NULL, &o), A_EINVAL);
    int rc = EXPECT(ws_pool_create(&pool, &o), bad ? A_EINVAL : A_OK | A_ENOMEM | A_EAGAIN);
    REQUIRE(rc != 0 || ws_pool_workers(pool) == o.workers);
    return rc;
}

static void op_submit(state *s, input *in, uint8_t k)
{
    uint8_t b = byte(in);
    ws_fn fn = fn_of(b);
    void *arg = (void *)(intptr_t)statuses[(b >> 2) & 3];
    ws_future *f = NULL;
    bool null_out = (b >> 4) % 8 == 0, null_pool = (b >> 4) % 8 == 1;
    int bad = !fn || null_out || null_pool ? A_EINVAL : s->shut ? A_ESHUTDOWN : A_OK | A_ENOMEM;
    ws_pool *p = null_pool ? NULL : pool;
    int rc;
    if (k == 0)
        rc = EXPECT(ws_submit(p, fn, arg, null_out ? NULL : &f), bad);
    else if (k == 1)
        rc = EXPECT(ws_post(p, fn, arg),
                    null_pool || !fn ? A_EINVAL : s->shut ? A_ESHUTDOWN : A_OK | A_ENOMEM);
    else
        rc = EXPECT(ws_submit_blocking(p, fn == nested ? ret : fn, arg, null_out ? NULL : &f),
                    bad | (bad & A_OK ? A_EAGAIN : 0));
    if (rc == 0 && f)
        keep(s, f);
}

static void op_run(state *s, input *in)
{
    uint8_t b = byte(in);
    ws_fn fn = fn_of(b);
    int st = statuses[(b >> 2) & 3];
    int rc = ws_run(b & 16 ? NULL : pool, fn, (void *)(intptr_t)st);
    if (b & 16 || !fn)
        REQUIRE(rc == WS_EINVAL);
    else if (s->shut)
        REQUIRE(rc == WS_ESHUTDOWN || rc == WS_ECANCELED);
    else
        REQUIRE(rc == st);
}

static void op_loop(state *s, input *in)
{
    size_t begin = byte(in) % RANGE, end = byte(in) % (RANGE + 1);
    uint8_t b = byte(in);
    range r = {.grain = b % 8};
    int rc = ws_parallel_for(b & 8 ? NULL : pool, begin, end, r.grain, b & 16 ? NULL : body, &r);
    if (b & 24 || begin > end) {
        REQUIRE(rc == WS_EINVAL);
        return;
    }
    EXPECT(rc, s->shut ? A_ESHUTDOWN | A_OK : A_OK);
    for (size_t i = 0; i < RANGE; i++)
        /* relaxed: ws_parallel_for returned, every body call is done. */
        REQUIRE(atomic_load_explicit(&r.hits[i], memory_order_relaxed) ==
                (rc == 0 && i >= begin && i < end));
}

static void op_outside(input *in)
{
    uint8_t b = byte(in);
    ws_fn a = b & 1 ? ret : NULL, c = b & 2 ? ret : NULL;
    int sa = statuses[(b >> 2) & 3], sc = statuses[(b >> 4) & 3];
    int rc = ws_join(a, (void *)(intptr_t)sa, c, (void *)(intptr_t)sc);
    REQUIRE(rc == (!a || !c ? WS_EINVAL : sa ? sa : sc));
    ws_task t;
    ws_spawn(b & 64 ? NULL : &t, a, (void *)(intptr_t)sa);
    if (b & 64)
        REQUIRE(ws_sync(NULL) == WS_EINVAL);
    else
        REQUIRE(ws_sync(&t) == (a ? sa : WS_EINVAL));
    REQUIRE(ws_worker_id() == -1);
}

static void op_future(state *s, input *in, uint8_t k)
{
    ws_future *f = pick(s, in);
    static const int64_t timeouts[] = {0, 1000000, -1, 0};
    switch (k) {
    case 0:
        EXPECT(ws_future_wait(f, timeouts[byte(in) & 3]), f ? A_OK | A_ETIMEDOUT : A_EINVAL);
        break;
    case 1:
        if (!f) {
            REQUIRE(ws_future_status(NULL) == WS_EINVAL);
        } else if (EXPECT(ws_future_cancel(f), A_OK | A_EBUSY) == 0) {
            REQUIRE(done(f) && ws_future_status(f) == WS_ECANCELED);
            REQUIRE(ws_future_cancel(f) == 0);
        }
        break;
    case 2:
        EXPECT(ws_future_retain(f), f ? A_OK : A_EINVAL);
        ws_future_release(f);
        break;
    case 3:
        if (f) {
            size_t i = 0;
            while (s->f[i] != f)
                i++;
            s->f[i] = s->f[--s->n];
        }
        ws_future_release(f);
        break;
    default: {
        uint8_t b = byte(in);
        ws_future *out = NULL;
        int rc = EXPECT(ws_future_then(f, fn_of(b), (void *)(intptr_t)statuses[(b >> 2) & 3],
                                       b & 16 ? NULL : &out),
                        f && fn_of(b) && !(b & 16) ? A_OK | A_ENOMEM : A_EINVAL);
        if (rc == 0)
            keep(s, out);
    }
    }
}

static void op_many(state *s, input *in, uint8_t k)
{
    ws_future *sel[4];
    uint8_t b = byte(in);
    size_t n = b % 5;
    bool null_entry = n && (b & 8);
    for (size_t i = 0; i < n; i++)
        sel[i] = pick(s, in);
    for (size_t i = 0; i < n; i++)
        null_entry |= sel[i] == NULL;
    int bad = null_entry ? A_EINVAL : 0;
    if (b & 8 && n)
        sel[n - 1] = NULL;
    ws_future *out = NULL;
    size_t idx = 99;
    int64_t t = b & 16 ? 1000000 : 0;
    int rc;
    switch (k) {
    case 0:
        rc = EXPECT(ws_when_all(sel, n, &out), bad ? bad : A_OK | A_ENOMEM);
        break;
    case 1:
        rc = EXPECT(ws_when_any(sel, n, b & 32 ? NULL : &out),
                    bad || b & 32 ? A_EINVAL : A_OK | A_ENOMEM);
        break;
    case 2:
        rc = EXPECT(ws_wait_all(n ? sel : NULL, n, t),
                    bad ? bad : A_OK | A_ETIMEDOUT | (n ? 0 : A_EINVAL));
        if (n == 0)
            REQUIRE(rc == 0);
        break;
    default:
        rc = EXPECT(ws_wait_any(sel, n, t, b & 32 ? NULL : &idx),
                    bad || b & 32 ? A_EINVAL : A_OK | A_ETIMEDOUT | A_ENOMEM);
        if (rc == 0)
            REQUIRE(idx == n ? n == 0 : idx < n && done(sel[idx]));
        break;
    }
    if (rc == 0 && out)
        keep(s, out);
}

static void op_cq(state *s, input *in)
{
    uint8_t b = byte(in);
    ws_future *f;
    switch (b % 4) {
    case 0:
        if (!s->q)
            EXPECT(ws_cq_create(&s->q), A_OK | A_ENOMEM);
        EXPECT(ws_cq_create(NULL), A_EINVAL);
        break;
    case 1:
        f = pick(s, in);
        EXPECT(ws_cq_attach(s->q, f), s->q && f ? A_OK | A_ENOMEM : A_EINVAL);
        break;
    case 2:
        if (EXPECT(ws_cq_next(s->q, 0, b & 4 ? NULL : &f),
                   s->q && !(b & 4) ? A_OK | A_ETIMEDOUT : A_EINVAL) == 0) {
            REQUIRE(done(f));
            ws_future_release(f);
        }
        REQUIRE(ws_cq_pending(NULL) == 0);
        break;
    default:
        if (EXPECT(ws_cq_destroy(s->q), s->q ? A_OK | A_EBUSY : A_EINVAL) == 0)
            s->q = NULL;
    }
}

/* Groups, ws_submit_ex, ws_cancelled outside tasks. */
static void op_group(state *s, input *in)
{
    uint8_t b = byte(in);
    int rc;
    switch (b % 6) {
    case 0:
        if (!s->g) {
            ws_group_opts o = {.limit = byte(in) % 4, .flags = byte(in) % 16};
            rc = EXPECT(ws_group_create(&s->g, b & 8 ? NULL : pool, &o),
                        b & 8 || o.flags > 7 ? A_EINVAL : A_OK | A_ENOMEM);
            if (rc)
                s->g = NULL;
            s->g_lane = o.flags & WS_GROUP_BLOCKING;
        }
        break;
    case 1: {
        ws_fn fn = fn_of(byte(in));
        if (fn && s->g_lane)
            fn = ret;
        rc = EXPECT(ws_group_post_ex(s->g, fn, (void *)(intptr_t)statuses[b >> 6], count_dtor),
                    !s->g || !fn ? A_EINVAL
                                 : A_OK | A_ENOMEM | A_ESHUTDOWN | A_EAGAIN | A_ECANCELED);
        s->posted += rc == 0;
        break;
    }
    case 2:
        rc = ws_group_wait(s->g, b & 8 ? 1000000 : 0);
        /* A task's own status passes through: one of statuses[]. */
        REQUIRE(s->g ? rc == 0 || rc == 1 || rc == -5 || rc == WS_EBUSY || rc == WS_ETIMEDOUT ||
                           rc == WS_ECANCELED
                     : rc == WS_EINVAL);
        break;
    case 3:
        EXPECT(ws_group_cancel(s->g), s->g ? A_OK : A_EINVAL);
        REQUIRE(ws_cancelled() == 0);
        break;
    case 4:
        if (s->g)
            REQUIRE(ws_group_destroy(s->g) == 0 && ws_group_pending(NULL) == 0);
        s->g = NULL;
        break;
    default: {
        ws_submit_opts o = {.dtor = count_dtor, .flags = (b >> 3) % 3};
        ws_future *f = NULL;
        rc = EXPECT(ws_submit_ex(pool, ret, (void *)(intptr_t)statuses[b >> 6], &o,
                                 b & 4 ? NULL : &f),
                    o.flags > 1 ? A_EINVAL : A_OK | A_ENOMEM | A_ESHUTDOWN | A_EAGAIN);
        s->posted += rc == 0;
        if (rc == 0 && f) {
            REQUIRE(ws_future_state(f) >= WS_FUTURE_PENDING &&
                    ws_future_state(f) <= WS_FUTURE_CANCELLED);
            keep(s, f);
        }
    }
    }
}

static void op_misc(state *s, input *in)
{
    uint8_t b = byte(in);
    ws_stats st;
    int w = (int)(b % 6) - 2;
    int rc = ws_pool_stats(b & 8 ? NULL : pool, w, b & 16 ? NULL : &st);
    bool ok = !(b & 24) && w >= -1 && w < (int)ws_pool_workers(pool);
    REQUIRE(rc == (ok ? 0 : WS_EINVAL));
    REQUIRE(ws_strerror((int)(int8_t)byte(in)) != NULL && ws_version() != NULL);
    REQUIRE(ws_pool_workers(NULL) == 0 && ws_pool_destroy(NULL) == WS_EINVAL);
    if (b & 32) {
        unsigned flags = byte(in) % 4;
        rc = ws_pool_shutdown(b & 64 ? NULL : pool, flags);
        REQUIRE(rc == (b & 64 || flags > 1 ? WS_EINVAL : 0));
        s->shut |= rc == 0;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    input in = {data, size};
    if (create_pool(&in))
        return 0;
    state s = {.n = 0};
    for (int i = 0; i < MAX_OPS && in.n; i++) {
        uint8_t op = byte(&in);
        switch (op % 9) {
        case 0:
            op_submit(&s, &in, (op >> 3) % 3);
            break;
        case 1:
            op_run(&s, &in);
            break;
        case 2:
            op_loop(&s, &in);
            break;
        case 3:
            op_outside(&in);
            break;
        case 4:
            op_future(&s, &in, (op >> 3) % 5);
            break;
        case 5:
            op_many(&s, &in, (op >> 3) % 4);
            break;
        case 6:
            op_cq(&s, &in);
            break;
        case 7:
            op_group(&s, &in);
            break;
        default:
            op_misc(&s, &in);
        }
    }
    REQUIRE(ws_pool_destroy(pool) == 0);
    if (s.g)
        REQUIRE(ws_group_destroy(s.g) == 0);
    /* relaxed: every task and canceller is done. */
    REQUIRE(atomic_load_explicit(&dtors, memory_order_relaxed) == s.posted);
    atomic_store_explicit(&dtors, 0, memory_order_relaxed);
    for (size_t i = 0; i < s.n; i++) {
        REQUIRE(done(s.f[i]));
        ws_future_release(s.f[i]);
    }
    if (s.q) {
        ws_future *f;
        while (ws_cq_next(s.q, 0, &f) == 0)
            ws_future_release(f);
        REQUIRE(ws_cq_destroy(s.q) == 0);
    }
    pool = NULL;
    return 0;
}
