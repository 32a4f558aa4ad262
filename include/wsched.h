/* wsched: a lock-free work-stealing scheduler for C11.
 *
 * Conventions. Functions that can fail return int: 0 on success, a negative
 * WS_E* code otherwise; ws_strerror() names every code. A NULL or otherwise
 * invalid argument returns WS_EINVAL and never crashes. Option structs are
 * zero-initialisable: a zero field means the default.
 *
 * Threads. "Any thread" means a worker of this pool, a worker of another pool,
 * or a thread the library does not know (a "foreign" thread).
 *
 * Waiting never deadlocks. Every call that waits says what it does in a CPU
 * worker, in a blocking-lane thread and in a foreign thread (docs/tasks.md
 * has the table). In a CPU worker a wait first runs the awaited task itself
 * if nobody has started it, then runs other work of the worker's pool
 * ("helps"), as long as the worker's stack keeps half of its room (so a task
 * that starts nested has at least half of the stack); when it must block, a spare worker (a thread of the
 * pool beyond its `workers`, up to 256 of them) stands in for it until it
 * resumes, so a pool's parallelism survives blocked waiters and a chain of
 * nested waits of any depth keeps running (docs/liveness.md). A blocking-
 * lane thread runs an awaited lane task of its own pool that nobody has
 * started, and jobs queued on its own lane, then blocks. A foreign thread
 * blocks.
 *
 * fork(). A child process may create and use new pools. Pools created
 * before the fork are unusable in the child: they accept no work
 * (WS_ESHUTDOWN), ws_pool_destroy returns 0 and does nothing (their memory
 * is not freed), their pending futures never complete, and neither do
 * their groups with tasks in flight (wait with a timeout).
 */
#ifndef WSCHED_H
#define WSCHED_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(WSCHED_STATIC)
#define WS_EXTERN
#elif defined(__GNUC__)
#define WS_EXTERN __attribute__((visibility("default")))
#else
#define WS_EXTERN
#endif

/* The types the inline fast path reads through are the library's own
 * objects under another name: tell the compiler they may alias. */
#if defined(__GNUC__)
#define WS__MAY_ALIAS __attribute__((may_alias))
#else
#define WS__MAY_ALIAS
#endif

#define WS_VERSION_MAJOR 0
#define WS_VERSION_MINOR 2
#define WS_VERSION_PATCH 0

/* Error codes: negative errno values (Linux numbering). */
#define WS_ERRNO_MAP(XX)                                                       \
    XX(EINVAL, -22, "invalid argument")                                        \
    XX(ENOMEM, -12, "out of memory")                                           \
    XX(EAGAIN, -11, "resource temporarily unavailable (thread limit)")         \
    XX(ETIMEDOUT, -110, "timed out")                                           \
    XX(ECANCELED, -125, "operation canceled")                                  \
    XX(ESHUTDOWN, -108, "pool no longer accepts work")                         \
    XX(EBUSY, -16, "resource busy")

enum {
#define WS__ERR_ENUM(name, val, msg) WS_##name = (val),
    WS_ERRNO_MAP(WS__ERR_ENUM)
#undef WS__ERR_ENUM
};

/* A task: returns 0, or an error code of the caller's choosing. Its inputs
 * and outputs travel through arg, which the caller owns. The return value is
 * the task's status, handed back by ws_run, ws_join, ws_sync, futures and
 * groups.
 *
 * Statuses and library codes. A task's status is passed through untouched,
 * so a task may return any int, WS_E* codes included. Where a call's result
 * could be either, the library's own word is a separate call:
 * ws_future_state() (pending, running, done, cancelled) for futures,
 * ws_future_wait(f, 0) == 0 for "done", and ws_group_pending() == 0 for a
 * group whose every task has finished and been counted out (a moment after
 * the last one ends: see ws_group_pending). */
typedef int (*ws_fn)(void *arg);

/* A destructor for a task's arg: given to ws_submit_ex or ws_group_post_ex,
 * it runs exactly once for every accepted task, whether the task ran,
 * failed or was cancelled; never for a call that returned an error (arg is
 * then still the caller's). */
typedef void (*ws_dtor)(void *arg);

/* ------------------------------------------------------------------------ */
/* Pools                                                                     */

typedef struct ws_pool ws_pool;

#define WS_PIN_DEFAULT 0 /* pin worker i to the i-th allowed CPU */
#define WS_PIN_NONE    1 /* leave workers unpinned */

/* Options of ws_pool_create. Fields left at zero take their value from the
 * environment where a variable names them (WSCHED_WORKERS, WSCHED_PIN,
 * WSCHED_SPIN_NS, WSCHED_BLOCKING_MAX, WSCHED_TRACE; README.md), else the
 * default. A malformed variable is reported in one line on stderr (once per
 * process) and ignored. */
typedef struct ws_pool_opts {
    /* Number of CPU workers; 0: one per CPU in the process's affinity mask
     * (or in cpus[] when given), at most the CPU quota of the process's
     * cgroup rounded up (see ws_default_workers). At most 4096. */
    unsigned workers;
    /* WS_PIN_DEFAULT or WS_PIN_NONE. Worker i goes to allowed CPU i mod n,
     * counting allowed CPUs in ascending number. WSCHED_PIN=none|cores
     * overrides WS_PIN_DEFAULT (0). A pinned worker of a SCHED_OTHER
     * process asks for a 0.4 ms time slice, shorter than the default
     * (Linux 6.12 and later; the nice value stays): woken onto a CPU where
     * another thread runs, such as a thread that posted work and went on
     * computing, it runs at once instead of after that thread's slice. */
    int pin;
    /* Optional CPU list to use instead of the whole affinity mask; every
     * entry must be in the mask. NULL: the whole mask. */
    const int *cpus;
    unsigned ncpus;
    /* Initial slots per worker deque (a power of two, 16 .. 2^24); 0: 1024.
     * Deques grow on demand. */
    unsigned deque_capacity;
    /* How long an idle worker keeps looking for work before it parks, in
     * microseconds (at most 1,000,000); 0: 100. */
    unsigned spin_us;
    /* Worker stack size in bytes (64 KiB .. 1 GiB); 0: 8 MiB. */
    size_t stack_size;
    /* Thread-name prefix, at most 10 characters; NULL: "ws". Workers are
     * named "<prefix>-<i>", blocking-lane threads "<prefix>-b<i>". */
    const char *name;
    /* Most threads of the blocking lane (1 .. 4096); 0: 64. */
    unsigned blocking_max;
    /* A blocking-lane thread idle this long exits, in milliseconds
     * (at most 3,600,000); 0: 10,000. */
    unsigned blocking_idle_ms;
    /* Since 0.2. A file to write a Chrome trace of the pool to when it is
     * destroyed (see ws_pool_trace); NULL: $WSCHED_TRACE, or none. */
    const char *trace;
    /* More fields may be added; zero means the default. */
} ws_pool_opts;

/* Creates a pool and starts its workers; opts may be NULL. On success *pool
 * holds the pool. Returns 0, WS_EINVAL (NULL pool, absurd option, a CPU not
 * in the affinity mask), WS_ENOMEM, or WS_EAGAIN when a thread cannot be
 * started; on failure nothing is leaked and no thread is left running.
 * A macro: it passes the size of the caller's ws_pool_opts (docs/ABI.md). */
#define ws_pool_create(pool, ...) /* "...": a compound literal's commas */  \
    ws_pool_create_sized((pool), (__VA_ARGS__), sizeof(ws_pool_opts))

/* ws_pool_create for a ws_pool_opts of opts_size bytes (the caller's
 * sizeof(ws_pool_opts)): fields past opts_size take their defaults, and
 * bytes past this library's struct must be zero (else WS_EINVAL). An
 * opts_size that is not a released layout's (0.1's, or this one's or more)
 * is WS_EINVAL. The function named
 * ws_pool_create, for programs built against 0.1, reads the 0.1 layout. */
WS_EXTERN int ws_pool_create_sized(ws_pool **pool, const ws_pool_opts *opts, size_t opts_size);
WS_EXTERN int(ws_pool_create)(ws_pool **pool, const ws_pool_opts *opts);

/* The number of workers a pool gets when neither opts.workers nor
 * WSCHED_WORKERS sets it: the CPUs of the process's affinity mask, at most
 * ceil(quota / period) of its cgroup's CPU limit (cgroup v2 cpu.max or v1
 * cpu.cfs_quota_us, the smallest along the path to the root); at least 1.
 * When cpu_limit is not NULL it gets that cgroup limit, 0 for none. */
WS_EXTERN unsigned ws_default_workers(unsigned *cpu_limit);

/* Stops accepting work, finishes all accepted work (CPU and blocking lane),
 * joins every thread and frees the pool. Futures of the pool stay valid
 * until their last release; the pool's own small block of memory goes with
 * the last of them, or later: a thread that submitted to it or released
 * its futures keeps a share (taken 64 references at a time) until it uses
 * another pool or exits. Returns 0, WS_EINVAL for NULL, or WS_EBUSY when
 * called from a worker or a blocking-lane thread of the same pool (then it
 * does nothing: it would wait for itself). A worker of another pool helps
 * its own pool while it waits; a foreign thread blocks. */
WS_EXTERN int ws_pool_destroy(ws_pool *pool);

#define WS_SHUTDOWN_CANCEL_PENDING 1u /* cancel accepted work not yet started */

/* Stops accepting work: later ws_run, ws_submit, ws_submit_blocking and
 * ws_parallel_for from outside the pool return WS_ESHUTDOWN. Work already
 * accepted still runs, unless flags has WS_SHUTDOWN_CANCEL_PENDING: then
 * every accepted task that has not started never starts and reports
 * WS_ECANCELED (its future, or its ws_run caller). Fork-join children of
 * running tasks always run. Returns at once: 0, or WS_EINVAL for NULL or
 * unknown flags. Any thread; may be called more than once. */
WS_EXTERN int ws_pool_shutdown(ws_pool *pool, unsigned flags);

/* Number of CPU workers; 0 for NULL. */
WS_EXTERN unsigned ws_pool_workers(const ws_pool *pool);

/* 0 .. workers-1 inside a CPU worker of any pool, -1 elsewhere (blocking
 * lane threads and spare workers included: a spare stands in for a blocked
 * worker and may run beside it once it resumes). */
WS_EXTERN int ws_worker_id(void);

/* ------------------------------------------------------------------------ */
/* Fork-join: no allocation, no lock on the hot path.                       */

/* Runs fn(arg) as a root task on the pool and waits for it; any thread.
 * Inside a worker of the same pool it runs fn at once in the caller; a
 * worker of another pool helps its own pool while it waits; a blocking-lane
 * thread or a foreign thread blocks. Returns fn's status, WS_EINVAL (NULL pool or fn), WS_ESHUTDOWN after
 * ws_pool_shutdown(), or WS_ECANCELED if shut down with
 * WS_SHUTDOWN_CANCEL_PENDING before fn started. */
WS_EXTERN int ws_run(ws_pool *pool, ws_fn fn, void *arg);

/* Runs a(a_arg) and b(b_arg), in parallel when another worker is free, and
 * returns a's status if non-zero, else b's. Both always run. Outside a worker
 * both run in the caller's thread, a first. NULL a or b: WS_EINVAL, and
 * neither runs. */
WS_EXTERN int ws_join(ws_fn a, void *a_arg, ws_fn b, void *b_arg);

struct ws__job;
struct ws__worker;

/* A caller-owned frame for ws_spawn/ws_sync. Stack-allocate it; its fields
 * are private (the inline fast path below writes them). It must stay alive
 * until ws_sync returns. */
typedef struct ws_task {
    void (*ws__exec)(struct ws__job *job, struct ws__worker *w);
    ws_fn ws__fn;
    void *ws__arg;
    int64_t ws__idx; /* where it was pushed on the deque */
    int ws__status;
    uint32_t ws__st; /* atomic: WS__T_* state, see src/internal.h */
} WS__MAY_ALIAS ws_task;

/* Pushes fn(arg) onto this worker's deque, where idle workers may steal it.
 * If the deque held nothing else, the task is offered to idle workers at
 * once (a long-running sibling does not keep it private). Outside a worker
 * fn runs at once in the caller. t == NULL: does nothing; fn == NULL:
 * ws_sync(t) returns WS_EINVAL. */
WS_EXTERN void ws_spawn(ws_task *t, ws_fn fn, void *arg);

/* Waits for a spawned frame and returns its task's status. Sync frames in
 * reverse order of spawning. If the task was not stolen it runs here; if it
 * was, the worker keeps running the thief's work (leapfrogging) until it is
 * done. Each spawn is synced once: NULL t, a frame never spawned (zeroed,
 * say) or one synced already gives WS_EINVAL, in any thread. */
WS_EXTERN int ws_sync(ws_task *t);

/* ------------------------------------------------------------------------ */
/* The inline fast path of ws_spawn and ws_sync: ABI.                        */

/* ws_spawn and ws_sync are inline in the caller: a spawn that is synced by
 * the same worker without being stolen writes the frame, pushes it on the
 * worker's private deque tail, pops it and calls fn: no call into the
 * library, no atomic read-modify-write, no shared cache line. Everything
 * else leaves through ws__spawn_slow and ws__sync_slow. Define
 * WSCHED_NO_INLINE (or compile as C++ or with a compiler other than GCC or
 * Clang) to call the exported functions instead; they behave the same.
 *
 * What follows is part of the library's binary interface: the layout of
 * ws_task, of struct ws__fj and its thread-local pointer, and the two slow
 * paths. A change to any of them changes WS_ABI_VERSION, which is the
 * shared library's SONAME (libwsched.so.WS_ABI_VERSION): code compiled
 * against one version never runs against another. Names with ws__ are not
 * an API: use only ws_spawn and ws_sync. */
#define WS_ABI_VERSION 1

/* The owner-only view of the calling worker's deque (src/deque.h) and of
 * its demand flag (src/internal.h), which the library checks against this
 * layout at compile time. */
typedef struct ws__fj {
    int64_t priv;     /* end of the private tail */
    int64_t pub;      /* end of the public part */
    int64_t top_seen; /* a lower bound of the deque's top */
    int64_t mask;     /* capacity - 1 */
    void **slots;     /* atomic pointers, stored and loaded relaxed */
    void *ws__owner_only[2];
    uint64_t syncs; /* atomic: frames the inline ws_sync ran (a statistic) */
    uint32_t demand; /* atomic, its own cache line: set by idle workers */
} WS__MAY_ALIAS ws__fj;

/* The calling thread's worker; outside CPU workers a view whose fields
 * send every spawn and sync to the slow paths (priv == pub == 0). */
#if defined(__GNUC__)
extern WS_EXTERN __thread ws__fj *ws__fj_self __attribute__((tls_model("initial-exec")));
#endif

/* Frame states (ws_task.ws__st): a spawned frame is WS__T_LIVE; DONE and
 * the thief's id are or-ed in; ws_sync resets it to 0 (a spent frame). */
#define WS__T_LIVE 0x57530000u
#define WS__T_LIVE_MASK 0xffff0000u

WS_EXTERN void ws__task_exec(struct ws__job *job, struct ws__worker *w);
/* Every case the inline spawn does not take: NULL t or fn, no worker, an
 * empty or a full deque, demand. */
WS_EXTERN void ws__spawn_slow(ws_task *t, ws_fn fn, void *arg);
/* Every sync the inline pop does not finish. */
WS_EXTERN int ws__sync_slow(ws_task *t);

/* Inline by default with Clang. With GCC only when asked (-DWSCHED_INLINE):
 * there, the inlined paths make a recursive task too large for GCC to
 * inline into itself, and fib-like code measured slower than with the two
 * calls (docs/ABI.md). -DWSCHED_NO_INLINE always takes the calls. */
#if !defined(__cplusplus) && !defined(WSCHED_NO_INLINE) &&                                     \
    (defined(__clang__) || (defined(__GNUC__) && defined(WSCHED_INLINE)))
/* Pushes onto the private tail, unless the tail is empty (if the whole
 * deque is, the frame is offered to idle workers at once), the deque is
 * full, or another worker asked for work (demand): ws__spawn_slow. */
static inline __attribute__((always_inline)) void ws__spawn_inline(ws_task *t, ws_fn fn,
                                                                   void *arg)
{
    ws__fj *f = ws__fj_self;
    if (__builtin_expect(!t || !fn, 0)) {
        ws__spawn_slow(t, fn, arg);
        return;
    }
    int64_t b = f->priv;
    /* The private tail is empty, the deque is full, or demand. relaxed:
       demand is a hint from idle workers; the slow path orders the share. */
    if (__builtin_expect(b == f->pub, 0) || __builtin_expect(b - f->top_seen > f->mask, 0) ||
        __builtin_expect(__atomic_load_n(&f->demand, __ATOMIC_RELAXED) != 0, 0)) {
        ws__spawn_slow(t, fn, arg);
        return;
    }
    /* relaxed: plain stores (the thief that may read them is ordered by
       the deque). Atomic only so the compiler keeps them scalar: a sync
       that soon loads fn or idx back from a merged vector store would
       stall on store forwarding. */
    __atomic_store_n(&t->ws__exec, ws__task_exec, __ATOMIC_RELAXED);
    __atomic_store_n(&t->ws__fn, fn, __ATOMIC_RELAXED);
    __atomic_store_n(&t->ws__arg, arg, __ATOMIC_RELAXED);
    __atomic_store_n(&t->ws__idx, b, __ATOMIC_RELAXED);
    /* relaxed: published to thieves by the seq_cst store of the deque's
       bottom when the owner shares it. */
    __atomic_store_n(&t->ws__st, WS__T_LIVE, __ATOMIC_RELAXED);
    /* relaxed: the slot is private until the owner publishes it. */
    __atomic_store_n(&f->slots[b & f->mask], (void *)t, __ATOMIC_RELAXED);
    f->priv = b + 1;
}

/* Pops t and calls its fn here if t is the newest private item: it was
 * pushed at i (live: not synced, run or stolen since), i is the newest
 * index and private. The index comes from the frame, not from priv, so the
 * store below does not wait for the loads of the spawns made since. */
static inline __attribute__((always_inline)) int ws__sync_inline(ws_task *t)
{
    ws__fj *f = ws__fj_self;
    if (__builtin_expect(t != NULL, 1)) {
        int64_t i = t->ws__idx;
        /* relaxed: the frame is private while i is. */
        if (__builtin_expect(i >= f->pub && f->priv == i + 1 &&
                                 __atomic_load_n(&t->ws__st, __ATOMIC_RELAXED) == WS__T_LIVE,
                             1)) {
            f->priv = i;
            /* relaxed: a statistic only this thread writes. */
            __atomic_store_n(&f->syncs, __atomic_load_n(&f->syncs, __ATOMIC_RELAXED) + 1,
                             __ATOMIC_RELAXED);
            /* relaxed: the frame never left this thread. */
            __atomic_store_n(&t->ws__st, 0, __ATOMIC_RELAXED);
            return t->ws__fn(t->ws__arg);
        }
    }
    return ws__sync_slow(t);
}

#define ws_spawn(t, fn, arg) ws__spawn_inline((t), (fn), (arg))
#define ws_sync(t) ws__sync_inline(t)
#endif

/* ------------------------------------------------------------------------ */
/* Futures: any thread, any time.                                            */

/* A reference-counted handle to a submitted task. Using a future after its
 * last ws_future_release() is the caller's bug (undefined behaviour). */
typedef struct ws_future ws_future;

/* Runs fn(arg) on the pool; any thread. On success *out holds a future the
 * caller must ws_future_release(). Returns 0, WS_EINVAL, WS_ENOMEM, or
 * WS_ESHUTDOWN after ws_pool_shutdown(). */
WS_EXTERN int ws_submit(ws_pool *pool, ws_fn fn, void *arg, ws_future **out);

/* Fire and forget: ws_submit without a future. Same returns. */
WS_EXTERN int ws_post(ws_pool *pool, ws_fn fn, void *arg);

/* Runs fn(arg), which may block (sleep, I/O, system calls), on the pool's
 * blocking lane: a separate set of threads that grows on demand up to
 * opts.blocking_max and retires threads idle for opts.blocking_idle_ms, so
 * CPU workers never block. Returns what ws_submit returns, or WS_EAGAIN when
 * the lane has no thread and cannot start one. */
WS_EXTERN int ws_submit_blocking(ws_pool *pool, ws_fn fn, void *arg, ws_future **out);

/* ws_submit with options; any thread. opts may be NULL. out may be NULL:
 * fire and forget. The destructor runs on the thread that ran the task,
 * after fn returns and before the future is done; for a cancelled task, on
 * the thread that cancelled it, right after the future is done. Returns
 * what ws_submit (or with WS_SUBMIT_BLOCKING, ws_submit_blocking) returns;
 * WS_EINVAL for unknown flags. */
#define WS_SUBMIT_BLOCKING 1u /* run it on the blocking lane */
typedef struct ws_submit_opts {
    ws_dtor dtor;   /* NULL: none */
    void *user;     /* user data, read back with ws_future_user() */
    unsigned flags; /* WS_SUBMIT_* */
    /* More fields may be added; zero means the default. */
} ws_submit_opts;
WS_EXTERN int ws_submit_ex(ws_pool *pool, ws_fn fn, void *arg, const ws_submit_opts *opts,
                           ws_future **out);

/* The user data given to ws_submit_ex; NULL otherwise or for NULL f. */
WS_EXTERN void *ws_future_user(const ws_future *f);

/* The library's view of f, apart from the task's status: one of these, or
 * WS_EINVAL for NULL. */
enum { WS_FUTURE_PENDING = 0, WS_FUTURE_RUNNING = 1, WS_FUTURE_DONE = 2, WS_FUTURE_CANCELLED = 3 };
WS_EXTERN int ws_future_state(const ws_future *f);

/* Waits until f is done (ran or was cancelled) or timeout_ns elapse, measured
 * on CLOCK_MONOTONIC; timeout_ns < 0 waits forever, 0 only checks. Returns 0
 * when done, WS_ETIMEDOUT, or WS_EINVAL for NULL. A CPU worker of f's pool
 * runs f's task itself if nobody has started it (a blocking-lane task as a
 * blocked worker: a spare stands in meanwhile, and the task sees a lane
 * thread); so does a blocking-lane thread of f's pool for a task of the
 * lane (a CPU task always runs on a CPU worker). Then a CPU worker runs
 * other work of its pool and may return late by the run time of that work
 * (see "Waiting never deadlocks" above); a lane thread runs jobs queued on
 * its lane; a foreign thread blocks. */
WS_EXTERN int ws_future_wait(ws_future *f, int64_t timeout_ns);

/* The task's status when done, WS_ECANCELED when cancelled, WS_EBUSY while
 * not done (ws_future_wait(f, 0) tells a pending future from a task that
 * returned WS_EBUSY). WS_EINVAL for NULL. */
WS_EXTERN int ws_future_status(const ws_future *f);

/* Cancels f if its task has not started: it never will, and f is done with
 * status WS_ECANCELED. Returns 0 if cancelled (also when already cancelled),
 * WS_EBUSY if it started or finished, WS_EINVAL for NULL. Exactly one of a
 * cancel and a worker taking the task wins. A running task is asked to stop:
 * ws_cancelled() returns 1 in it from then on (it may finish as it likes). */
WS_EXTERN int ws_future_cancel(ws_future *f);

/* Takes another reference to f (for another thread). WS_EINVAL for NULL. */
WS_EXTERN int ws_future_retain(ws_future *f);

/* Drops the caller's reference; NULL is ignored. A released, still pending
 * or running task still runs to completion. */
WS_EXTERN void ws_future_release(ws_future *f);

/* Continuation: once f is done, fn(arg) runs on a CPU worker of f's pool and
 * *out completes with fn's status. If f was cancelled, *out is cancelled and
 * fn never runs. If f's pool no longer accepts work when f completes, *out
 * is cancelled. Returns 0, WS_EINVAL, WS_ENOMEM; *out must be released. */
WS_EXTERN int ws_future_then(ws_future *f, ws_fn fn, void *arg, ws_future **out);

/* Waits until every future of futs[0..n) is done or the timeout elapses.
 * Returns 0 when all are done (n == 0: at once), WS_ETIMEDOUT, or WS_EINVAL
 * (NULL futs with n > 0, or a NULL entry). Waits as ws_future_wait does on
 * each in turn. */
WS_EXTERN int ws_wait_all(ws_future *const *futs, size_t n, int64_t timeout_ns);

/* Waits until one future of futs[0..n) is done, without polling; *index gets
 * the lowest index of a done future. n == 0: returns 0 at once with
 * *index = 0 == n (none). Returns 0, WS_ETIMEDOUT, WS_EINVAL, or WS_ENOMEM
 * (it needs one small listener per future while it sleeps; *index is then
 * n). Waits as ws_future_wait does (it may run one of the tasks). */
WS_EXTERN int ws_wait_any(ws_future *const *futs, size_t n, int64_t timeout_ns, size_t *index);

/* A future that completes when all of futs[0..n) are done; its status is 0
 * if every task returned 0, else the first non-zero status in array order
 * (WS_ECANCELED for a cancelled one). n == 0: done at once with status 0.
 * The inputs may be released at once. Continuations of the result run on
 * futs[0]'s pool (with n == 0 there is none: they are cancelled). Returns 0,
 * WS_EINVAL, WS_ENOMEM. */
WS_EXTERN int ws_when_all(ws_future *const *futs, size_t n, ws_future **out);

/* A future that completes when the first of futs[0..n) is done; its status
 * is that future's index. n == 0: done at once with status WS_ECANCELED
 * (nothing can finish). Continuations as for ws_when_all. Returns 0,
 * WS_EINVAL, WS_ENOMEM. */
WS_EXTERN int ws_when_any(ws_future *const *futs, size_t n, ws_future **out);

/* A completion queue hands out futures in the order they finish, like
 * Python's as_completed() and Java's ExecutorCompletionService, without
 * polling and without scanning. Any thread may attach and take. */
typedef struct ws_cq ws_cq;

/* Creates an empty queue. Returns 0, WS_EINVAL, WS_ENOMEM. */
WS_EXTERN int ws_cq_create(ws_cq **out);

/* Watches f: once done, f is queued (f may already be done). The queue
 * holds its own reference, so the caller may release f at once. Returns 0,
 * WS_EINVAL, WS_ENOMEM. */
WS_EXTERN int ws_cq_attach(ws_cq *q, ws_future *f);

/* Takes the next finished future, in completion order, waiting up to
 * timeout_ns (< 0: forever). *out is a reference the caller releases.
 * Returns 0, WS_ETIMEDOUT, or WS_EINVAL. Waits as ws_future_wait does on
 * the attached futures (so a task may take its own children's results). */
WS_EXTERN int ws_cq_next(ws_cq *q, int64_t timeout_ns, ws_future **out);

/* Number of attached futures not yet taken by ws_cq_next. */
WS_EXTERN size_t ws_cq_pending(const ws_cq *q);

/* Frees the queue. Returns WS_EBUSY (and frees nothing) while attached
 * futures are not yet done; finished ones not taken are released. */
WS_EXTERN int ws_cq_destroy(ws_cq *q);

/* ------------------------------------------------------------------------ */
/* Task groups: many tasks, one wait, no future per task.                    */

/* A set of tasks posted from any thread and waited for together, with the
 * first error, cancellation and a bound on tasks in flight: what Go's
 * errgroup, oneTBB's task_group and a ThreadPoolExecutor used with
 * wait(FIRST_EXCEPTION) give. Tasks of a group may post into it. */
typedef struct ws_group ws_group;

#define WS_GROUP_CANCEL_ON_ERROR 1u /* the first failing task cancels the group */
#define WS_GROUP_NOWAIT          2u /* at the limit, post returns WS_EAGAIN */
#define WS_GROUP_BLOCKING        4u /* tasks run on the blocking lane */

typedef struct ws_group_opts {
    /* Most tasks in flight (posted, not finished); 0: no limit. At the
     * limit ws_group_post waits for a task to finish (a worker helps
     * meanwhile), or returns WS_EAGAIN with WS_GROUP_NOWAIT. */
    unsigned limit;
    unsigned flags; /* WS_GROUP_* */
    /* More fields may be added; zero means the default. */
} ws_group_opts;

/* Creates an empty group whose tasks run on pool; opts may be NULL. The
 * group keeps the pool's memory: after ws_pool_destroy, posts return
 * WS_ESHUTDOWN. Returns 0, WS_EINVAL, WS_ENOMEM. */
WS_EXTERN int ws_group_create(ws_group **out, ws_pool *pool, const ws_group_opts *opts);

/* Posts fn(arg) to the group; any thread, tasks of the group included. A
 * task of the group at the limit does not wait for a slot (it holds one):
 * the new task runs at once in the caller while its stack has room, else
 * it is queued beyond the limit (with WS_GROUP_NOWAIT: WS_EAGAIN). Returns 0, WS_EINVAL, WS_ENOMEM, WS_ESHUTDOWN (the pool's),
 * WS_EAGAIN (at the limit with WS_GROUP_NOWAIT, or no blocking-lane
 * thread), or WS_ECANCELED when the group was cancelled (nothing is
 * posted). */
WS_EXTERN int ws_group_post(ws_group *g, ws_fn fn, void *arg);

/* ws_group_post with a destructor for arg (see ws_dtor): it runs after fn,
 * or instead of it when the task is cancelled. */
WS_EXTERN int ws_group_post_ex(ws_group *g, ws_fn fn, void *arg, ws_dtor dtor);

/* Waits until every task posted so far has finished or timeout_ns elapse
 * (< 0: forever, 0: only checks), then returns the first non-zero status a
 * task returned (passed through untouched), else WS_ECANCELED if the group
 * was cancelled and a task did not run, else 0; WS_ETIMEDOUT if tasks are
 * still in flight (ws_group_pending tells a timeout from a task's own
 * WS_ETIMEDOUT). The first error and the cancel persist across waits.
 * Waits as ws_future_wait does: a worker helps. Called from one of the
 * group's own tasks (it would wait for itself): WS_EBUSY. WS_EINVAL for
 * NULL. */
WS_EXTERN int ws_group_wait(ws_group *g, int64_t timeout_ns);

/* Cancels the group: tasks that have not started never run (their
 * destructors do), later posts return WS_ECANCELED, and running tasks see
 * ws_cancelled() == 1. Returns 0, or WS_EINVAL for NULL. Any thread. */
WS_EXTERN int ws_group_cancel(ws_group *g);

/* Tasks posted and not counted out; 0 for NULL. A worker running a stream
 * of the group's tasks one after another counts the finished ones out in
 * batches (up to 64), before it runs anything else, waits or rests; so
 * while more of the group's tasks run this may count some that just
 * finished, and once every task has finished it drops to 0 when the last
 * one's worker takes its next step (no longer: no task runs, and no worker
 * rests, while holding a count back). ws_group_wait returns at that
 * moment. */
WS_EXTERN size_t ws_group_pending(const ws_group *g);

/* Waits for every task (as ws_group_wait without a timeout) and frees the
 * group. Returns 0, WS_EINVAL for NULL, or WS_EBUSY from one of its own
 * tasks (then it does nothing). */
WS_EXTERN int ws_group_destroy(ws_group *g);

/* Inside a task: 1 if the future it runs for was asked to stop
 * (ws_future_cancel while running), its group was cancelled, or its pool
 * shuts down with WS_SHUTDOWN_CANCEL_PENDING; else 0. Long tasks poll it to
 * stop early. It answers for the group or future task this thread runs:
 * a fork-join child stolen by another worker sees its own worker's. A
 * ws_parallel_for checks its caller's between chunks. */
WS_EXTERN int ws_cancelled(void);

/* ------------------------------------------------------------------------ */
/* Loops                                                                     */

/* Calls body(lo, hi, arg) over disjoint ranges covering [begin, end), in
 * parallel; any thread, inside a task too. grain > 0: each range has at most
 * grain elements; grain 0: ranges are chosen adaptively (split on demand
 * from idle workers). Every index is passed exactly once, even after a body
 * has failed. Returns 0, the first non-zero status a body returned (the
 * earliest), WS_EINVAL (NULL pool or body, begin > end), WS_ESHUTDOWN
 * after ws_pool_shutdown(), or WS_ECANCELED when a shutdown with
 * WS_SHUTDOWN_CANCEL_PENDING came before the loop started (then no index
 * ran), or WS_ECANCELED when its caller's task was cancelled meanwhile
 * (ws_cancelled: the loop stops early, and indices not yet reached are not
 * passed). begin == end returns 0 without calling body. Every (begin, end,
 * grain) is valid, up to SIZE_MAX. Called from a worker of pool it runs in
 * the caller and its helpers; elsewhere it waits as ws_run does. */
WS_EXTERN int ws_parallel_for(ws_pool *pool, size_t begin, size_t end, size_t grain,
                              int (*body)(size_t lo, size_t hi, void *arg), void *arg);

/* ------------------------------------------------------------------------ */
/* Introspection                                                             */

typedef struct ws_stats {
    uint64_t executed;      /* tasks run to completion */
    uint64_t steals;        /* tasks taken from another worker's deque (the
                               outside work a worker moved there included;
                               never a take from the outside queue itself) */
    uint64_t failed_steals; /* steal attempts that found nothing or lost a race */
    uint64_t parks;         /* times a worker went to sleep */
    uint64_t spawns;        /* ws_spawn frames this worker has synced
                               (ws_join counts one) */
    uint64_t injected;      /* tasks taken from the queue of outside work
                               (a worker takes up to 32 at once, keeps the
                               rest on its deque, where others steal them) */
    uint64_t leapfrogs;     /* tasks stolen back from a thief while syncing */
    uint64_t shares;        /* times private deque work was made stealable */
    /* Since 0.2; the pool's blocking lane, in the totals (worker -1) only,
     * 0 for a single worker. */
    uint64_t blocking_executed; /* tasks the lane ran */
    uint64_t blocking_threads;  /* lane threads now */
    uint64_t blocking_peak;     /* most lane threads at once */
    /* More fields may be added. */
} ws_stats;

/* Worker's counters (written by that worker only), or totals for worker -1
 * (the sum of the workers' counters read one after another, not an atomic
 * snapshot). Returns 0, or WS_EINVAL (NULL, worker out of range). A macro:
 * it passes the size of the caller's ws_stats (docs/ABI.md). */
#define ws_pool_stats(pool, worker, ...)                                       \
    ws_pool_stats_sized((pool), (worker), (__VA_ARGS__), sizeof(ws_stats))

/* ws_pool_stats into a ws_stats of out_size bytes: writes exactly
 * out_size bytes (fields this library lacks are zero), never more.
 * WS_EINVAL also for out_size 0. The function named ws_pool_stats, for
 * programs built against 0.1, writes the 0.1 layout (64 bytes). */
WS_EXTERN int ws_pool_stats_sized(const ws_pool *pool, int worker, ws_stats *out,
                                  size_t out_size);
WS_EXTERN int(ws_pool_stats)(const ws_pool *pool, int worker, ws_stats *out);

/* Prints the pool's figures to f: workers (and the cgroup limit), then per
 * worker executed, steals, failed steals, parks, and the blocking lane's.
 * Any thread; counters are read as ws_pool_stats reads them. With
 * WSCHED_STATS=1 in the environment ws_pool_destroy prints them to stderr.
 * Returns 0, or WS_EINVAL for NULL. */
WS_EXTERN int ws_stats_print(const ws_pool *pool, FILE *f);

/* Starts recording a trace of the pool: per worker, the jobs it runs
 * (stolen fork-join frames, futures, queued work), steals, parks and
 * wake-ups; per blocking-lane thread, its tasks. Each thread records into
 * its own ring of WSCHED_TRACE_EVENTS events (default 65536, 16 bytes each):
 * when a ring is full its oldest events are overwritten and counted as
 * dropped. At ws_pool_destroy the trace is written to path as Chrome
 * trace-event JSON (open it in Perfetto or chrome://tracing; tools/trace
 * summarises it). Any thread, once per pool. Returns 0, WS_EINVAL (NULL),
 * WS_EBUSY (already tracing) or WS_ENOMEM. */
WS_EXTERN int ws_pool_trace(ws_pool *pool, const char *path);

/* A static string naming code; "unknown error" for codes it does not know,
 * "success" for 0. */
WS_EXTERN const char *ws_strerror(int code);

/* "MAJOR.MINOR.PATCH". */
WS_EXTERN const char *ws_version(void);

#ifdef __cplusplus
}
#endif

#endif /* WSCHED_H */
