/* The blocking lane: threads for work that blocks (sleeps, I/O, system
 * calls), apart from the CPU workers. The lane starts with no thread, starts
 * one when a task arrives and none is idle (up to blocking_max), and a thread
 * idle for blocking_idle_ms exits. A mutex and a condition variable are the
 * right tools here: a task that blocks costs microseconds at least. */
#include "internal.h"

#include <errno.h>
#include <stdio.h>
#include <time.h>

enum { SLOT_FREE = 0, SLOT_RUNNING = 1, SLOT_EXITED = 2 };

struct ws__blocking {
    pthread_mutex_t mu;
    pthread_cond_t work; /* CLOCK_MONOTONIC */
    pthread_cond_t gone; /* a thread exited */
    struct __cds_wfcq_head head;
    struct cds_wfcq_tail tail;
    unsigned max, idle_ms, nthreads, nidle, waiting;
    unsigned peak;     /* most threads at once */
    uint64_t executed; /* tasks run */
    bool stop;
    pthread_t *tid;
    unsigned char *slot; /* SLOT_* per tid */
    ws_pool *pool;
};

__thread ws_pool *ws__lane_self;

typedef struct start {
    ws__blocking *b;
    unsigned index;
} start;

static __thread unsigned lane_index; /* this lane thread's slot */

/* Takes the oldest queued job; under mu, with b->waiting > 0. */
static ws__qjob *take(ws__blocking *b)
{
    struct cds_wfcq_node *node = __cds_wfcq_dequeue_blocking(&b->head, &b->tail);
    b->waiting--;
    ws__qjob *j = caa_container_of(node, ws__qjob, node);
    WS__TSAN_ACQUIRE(j);
    return j;
}

/* Runs a job taken from the queue; not under mu. */
static void run(ws__blocking *b, ws__qjob *j)
{
    ws__trace *t = ws__tracing(b->pool);
    if (WS_UNLIKELY(t))
        ws__trace_lane_run(t, lane_index, &j->job);
    else
        j->job.exec(&j->job, NULL);
}

bool ws__blocking_help(ws_pool *pool)
{
    ws__blocking *b = pool->blk;
    pthread_mutex_lock(&b->mu);
    ws__qjob *j = b->waiting ? take(b) : NULL;
    pthread_mutex_unlock(&b->mu);
    if (!j)
        return false;
    run(b, j);
    pthread_mutex_lock(&b->mu);
    b->executed++;
    pthread_mutex_unlock(&b->mu);
    return true;
}

static void *lane_main(void *arg)
{
    ws__blocking *b = ((start *)arg)->b;
    unsigned index = ((start *)arg)->index;
    ws__free(arg);
    char name[16];
    snprintf(name, sizeof(name), "%s-b%u", b->pool->name, index);
    pthread_setname_np(pthread_self(), name);
    ws__lane_self = b->pool;
    lane_index = index;
    ws__stack_init();
    pthread_mutex_lock(&b->mu);
    for (;;) {
        if (b->waiting) {
            ws__qjob *j = take(b);
            pthread_mutex_unlock(&b->mu);
            run(b, j);
            pthread_mutex_lock(&b->mu);
            b->executed++;
            continue;
        }
        if (b->stop)
            break;
        struct timespec deadline;
        ws__deadline(&deadline, (int64_t)b->idle_ms * 1000000);
        b->nidle++;
        int rc = pthread_cond_timedwait(&b->work, &b->mu, &deadline);
        b->nidle--;
        if (rc == ETIMEDOUT && !b->waiting)
            break;
    }
    ws__lane_self = NULL;
    b->nthreads--;
    b->slot[index] = SLOT_EXITED;
    pthread_cond_broadcast(&b->gone);
    pthread_mutex_unlock(&b->mu);
    return NULL;
}

/* Joins exited threads; under mu. They have left the mutex for good. */
static void reap(ws__blocking *b)
{
    for (unsigned i = 0; i < b->max; i++) {
        if (b->slot[i] == SLOT_EXITED) {
            pthread_join(b->tid[i], NULL);
            b->slot[i] = SLOT_FREE;
        }
    }
}

/* Starts a thread; under mu. 0 or a WS_E* code. */
static int grow(ws__blocking *b)
{
    reap(b);
    unsigned i = 0;
    while (i < b->max && b->slot[i] != SLOT_FREE)
        i++;
    start *s = ws__malloc(sizeof(*s));
    if (!s)
        return WS_ENOMEM;
    *s = (start){b, i};
    int rc = ws__thread_create(&b->tid[i], NULL, lane_main, s);
    if (rc) {
        ws__free(s);
        return rc == ENOMEM ? WS_ENOMEM : WS_EAGAIN;
    }
    b->slot[i] = SLOT_RUNNING;
    if (++b->nthreads > b->peak)
        b->peak = b->nthreads;
    return 0;
}

int ws__blocking_submit(ws_pool *pool, ws__qjob *j)
{
    ws__blocking *b = pool->blk;
    pthread_mutex_lock(&b->mu);
    if (b->nidle <= b->waiting && b->nthreads < b->max) {
        int rc = grow(b);
        if (rc && b->nthreads == 0) {
            pthread_mutex_unlock(&b->mu);
            return rc; /* nobody could ever run it: refuse it */
        }
    }
    cds_wfcq_node_init(&j->node);
    WS__TSAN_RELEASE(j); /* the lane thread acquires after dequeueing */
    cds_wfcq_enqueue(&b->head, &b->tail, &j->node);
    b->waiting++;
    pthread_cond_signal(&b->work);
    pthread_mutex_unlock(&b->mu);
    return 0;
}

void ws__blocking_stats(ws_pool *pool, ws_stats *out)
{
    ws__blocking *b = pool->blk;
    if (!b) { /* destroyed: its last figures */
        out->blocking_executed = pool->lane_final.blocking_executed;
        out->blocking_threads = 0;
        out->blocking_peak = pool->lane_final.blocking_peak;
        return;
    }
    pthread_mutex_lock(&b->mu);
    out->blocking_executed = b->executed;
    out->blocking_threads = b->nthreads;
    out->blocking_peak = b->peak;
    pthread_mutex_unlock(&b->mu);
}

unsigned ws__blocking_max(const ws_pool *pool)
{
    return pool->blk ? pool->blk->max : 0;
}

int ws__blocking_create(ws_pool *pool, const ws_pool_opts *opts)
{
    ws__blocking *b = ws__calloc(1, sizeof(*b));
    if (!b)
        return WS_ENOMEM;
    b->pool = pool;
    b->max = opts && opts->blocking_max ? opts->blocking_max : 64;
    b->idle_ms = opts && opts->blocking_idle_ms ? opts->blocking_idle_ms : 10000;
    b->tid = ws__calloc(b->max, sizeof(pthread_t));
    b->slot = ws__calloc(b->max, 1);
    pthread_condattr_t ca;
    if (!b->tid || !b->slot || pthread_condattr_init(&ca) != 0) {
        ws__free(b->tid);
        ws__free(b->slot);
        ws__free(b);
        return WS_ENOMEM;
    }
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&b->work, &ca);
    pthread_condattr_destroy(&ca);
    pthread_cond_init(&b->gone, NULL);
    pthread_mutex_init(&b->mu, NULL);
    __cds_wfcq_init(&b->head, &b->tail);
    pool->blk = b;
    return 0;
}

void ws__blocking_destroy(ws_pool *pool)
{
    ws__blocking *b = pool->blk;
    if (!b)
        return;
    pthread_mutex_lock(&b->mu);
    b->stop = true;
    pthread_cond_broadcast(&b->work);
    while (b->nthreads)
        pthread_cond_wait(&b->gone, &b->mu);
    reap(b);
    pthread_mutex_unlock(&b->mu);
    ws__blocking_stats(pool, &pool->lane_final);
    pthread_cond_destroy(&b->work);
    pthread_cond_destroy(&b->gone);
    pthread_mutex_destroy(&b->mu);
    ws__free(b->tid);
    ws__free(b->slot);
    ws__free(b);
    pool->blk = NULL;
}
