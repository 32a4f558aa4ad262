/* The classic thread pool, the baseline of the whole comparison, made as
 * good as its design allows.
 *
 * Design. One FIFO queue of tasks guarded by one mutex. Workers take the
 * oldest task; idle workers sleep on work_cv. Fork-join frames are queue
 * nodes owned by the spawner (no allocation); rt_ext allocates one node per
 * task, as a pool's submit does.
 *
 * A waiting task helps; it never blocks its worker while work exists:
 *  1. if no worker has started the child yet, the waiter takes it back out
 *     of the queue and runs it itself (as .NET's Task.Wait inlines a task
 *     that is still queued);
 *  2. otherwise it runs the oldest queued task, again and again, until the
 *     child is done;
 *  3. with the queue empty it sleeps on work_cv, woken by new work or by the
 *     child finishing.
 * Helping nests on the waiter's stack, so workers get 64 MiB stacks. A thread
 * outside the pool (rt_root, rt_call, rt_ext, rt_pfor) does not help: it
 * sleeps on done_cv. */
#include "rt.h"

#include <pthread.h>
#include <stdlib.h>

enum { MP_QUEUED, MP_RUNNING, MP_DONE };
enum { MP_NOBODY, MP_WORKER, MP_FOREIGN };
enum { MP_FRAME, MP_HEAP, MP_BATCH }; /* detached: waited on, freed by the pool, counted */

#define MP_STACK (64u << 20)

const char rt_name[] = "mutex";
const char rt_note[] = "one mutex-guarded FIFO queue; a waiting task helps";
const unsigned rt_caps = RT_FORKJOIN | RT_EXTERNAL | RT_LOOP;

/* Every field is read and written under mu. */
static struct {
    pthread_mutex_t mu;
    pthread_cond_t work_cv; /* idle and helping workers: new work, or a waited frame done */
    pthread_cond_t done_cv; /* foreign threads: their frame done, or every counted task run */
    rt_task *head, *tail;   /* the FIFO: taken from head, queued at tail */
    unsigned sleeping;      /* threads asleep on work_cv */
    size_t counted;         /* MP_HEAP and MP_BATCH tasks not yet run */
    int stop;
    unsigned nthreads;
    pthread_t *threads;
} pool = {.mu = PTHREAD_MUTEX_INITIALIZER,
          .work_cv = PTHREAD_COND_INITIALIZER,
          .done_cv = PTHREAD_COND_INITIALIZER};

static void lock(void)
{
    pthread_mutex_lock(&pool.mu);
}

static void unlock(void)
{
    pthread_mutex_unlock(&pool.mu);
}

static void init_task(rt_task *t, rt_fn fn, void *arg, int detached)
{
    t->fn = fn;
    t->arg = arg;
    t->state = MP_QUEUED;
    t->status = 0;
    t->waiter = MP_NOBODY;
    t->detached = detached;
}

static void push_locked(rt_task *t)
{
    t->next = NULL;
    t->prev = pool.tail;
    if (pool.tail != NULL)
        pool.tail->next = t;
    else
        pool.head = t;
    pool.tail = t;
    if (pool.sleeping > 0)
        pthread_cond_signal(&pool.work_cv);
}

static void unlink_locked(rt_task *t)
{
    if (t->prev != NULL)
        t->prev->next = t->next;
    else
        pool.head = t->next;
    if (t->next != NULL)
        t->next->prev = t->prev;
    else
        pool.tail = t->prev;
}

/* Runs the oldest queued task: called and returns with mu held. */
static void run_head_locked(void)
{
    rt_task *t = pool.head;
    unlink_locked(t);
    t->state = MP_RUNNING;
    unlock();
    int detached = t->detached;
    int st = t->fn(t->arg);
    if (detached == MP_HEAP)
        free(t);
    lock();
    if (detached != MP_FRAME) {
        if (--pool.counted == 0)
            pthread_cond_broadcast(&pool.done_cv);
        return;
    }
    t->status = st;
    t->state = MP_DONE;
    if (t->waiter == MP_WORKER)
        pthread_cond_broadcast(&pool.work_cv);
    else if (t->waiter == MP_FOREIGN)
        pthread_cond_broadcast(&pool.done_cv);
}

static void *worker(void *unused)
{
    (void)unused;
    lock();
    while (!pool.stop || pool.head != NULL) {
        if (pool.head != NULL) {
            run_head_locked();
        } else {
            pool.sleeping++;
            pthread_cond_wait(&pool.work_cv, &pool.mu);
            pool.sleeping--;
        }
    }
    unlock();
    return NULL;
}

void mp_spawn(rt_task *t, rt_fn fn, void *arg)
{
    init_task(t, fn, arg, MP_FRAME);
    lock();
    push_locked(t);
    unlock();
}

int mp_sync(rt_task *t)
{
    lock();
    if (t->state == MP_QUEUED) {
        unlink_locked(t);
        unlock();
        return t->fn(t->arg);
    }
    while (t->state != MP_DONE) {
        if (pool.head != NULL) {
            run_head_locked();
        } else {
            t->waiter = MP_WORKER;
            pool.sleeping++;
            pthread_cond_wait(&pool.work_cv, &pool.mu);
            pool.sleeping--;
        }
    }
    int st = t->status;
    unlock();
    return st;
}

/* Waits, outside the pool, until every counted task has run. Called and
 * returns with mu held. */
static void wait_counted_locked(void)
{
    while (pool.counted > 0)
        pthread_cond_wait(&pool.done_cv, &pool.mu);
}

int rt_start(unsigned workers)
{
    pthread_attr_t attr;
    pool.threads = calloc(workers, sizeof *pool.threads);
    if (pool.threads == NULL || pthread_attr_init(&attr) != 0)
        return -1;
    pthread_attr_setstacksize(&attr, MP_STACK);
    pool.stop = 0;
    for (pool.nthreads = 0; pool.nthreads < workers; pool.nthreads++) {
        if (pthread_create(&pool.threads[pool.nthreads], &attr, worker, NULL) != 0)
            break;
    }
    pthread_attr_destroy(&attr);
    if (pool.nthreads < workers) {
        rt_stop();
        return -1;
    }
    return 0;
}

void rt_stop(void)
{
    lock();
    pool.stop = 1;
    pthread_cond_broadcast(&pool.work_cv);
    unlock();
    for (unsigned i = 0; i < pool.nthreads; i++)
        pthread_join(pool.threads[i], NULL);
    free(pool.threads);
    pool.threads = NULL;
    pool.nthreads = 0;
}

unsigned rt_workers(void)
{
    return pool.nthreads;
}

int rt_call(rt_fn fn, void *arg, void (*meanwhile)(void *), void *marg)
{
    rt_task t;
    init_task(&t, fn, arg, MP_FRAME);
    t.waiter = MP_FOREIGN;
    lock();
    push_locked(&t);
    if (meanwhile) {
        unlock();
        meanwhile(marg);
        lock();
    }
    while (t.state != MP_DONE)
        pthread_cond_wait(&pool.done_cv, &pool.mu);
    unlock();
    return t.status;
}

int rt_root(rt_fn fn, void *arg)
{
    return rt_call(fn, arg, NULL, NULL);
}

int rt_ext(size_t n, rt_fn fn, void *arg)
{
    for (size_t i = 0; i < n; i++) {
        rt_task *t = malloc(sizeof *t);
        if (t == NULL)
            return -1;
        init_task(t, fn, arg, MP_HEAP);
        lock();
        pool.counted++;
        push_locked(t);
        unlock();
    }
    lock();
    wait_counted_locked();
    unlock();
    return 0;
}

struct chunk {
    rt_task task;
    size_t lo, hi;
    rt_body body;
    void *arg;
    int status;
};

static int run_chunk(void *p)
{
    struct chunk *c = p;
    c->status = c->body(c->lo, c->hi, c->arg);
    return 0;
}

/* Grain 0: eight chunks per worker, the usual static choice of such pools. */
int rt_pfor(size_t begin, size_t end, size_t grain, rt_body body, void *arg)
{
    size_t n = end - begin;
    if (n == 0)
        return 0;
    if (grain == 0)
        grain = (n + 8 * pool.nthreads - 1) / (8 * pool.nthreads);
    size_t nchunks = (n + grain - 1) / grain;
    struct chunk *c = calloc(nchunks, sizeof *c);
    if (c == NULL)
        return -1;
    lock();
    pool.counted += nchunks;
    for (size_t i = 0; i < nchunks; i++) {
        c[i].lo = begin + i * grain;
        c[i].hi = c[i].lo + grain < end ? c[i].lo + grain : end;
        c[i].body = body;
        c[i].arg = arg;
        init_task(&c[i].task, run_chunk, &c[i], MP_BATCH);
        push_locked(&c[i].task);
    }
    wait_counted_locked();
    unlock();
    int rc = 0;
    for (size_t i = 0; i < nchunks && rc == 0; i++)
        rc = c[i].status;
    free(c);
    return rc;
}
