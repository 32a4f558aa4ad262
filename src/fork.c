/* fork(): a child process of a program with running pools.
 *
 * The child has one thread: the parent's workers and blocking-lane threads
 * do not exist there. Its copies of the parent's pools are unusable: they
 * refuse work (ws__accept returns WS_ESHUTDOWN) and ws_pool_destroy returns
 * 0 at once, leaving their memory as it is. New pools work.
 *
 * liburcu 0.13's memb flavour has no fork handlers. The child inherits its
 * registry of reader threads, and with it two ways to hang: a registry or
 * grace-period lock held at fork() by a parent thread blocks every later
 * registration, and a parent reader caught inside a read-side section
 * blocks every later grace period. So every registration and grace period
 * of the library goes through ws__rcu_* under one mutex, which the prepare
 * handler takes: none of our threads is then inside liburcu's locked
 * sections at fork(). And a child forked while our readers were registered
 * runs no grace period: its deques free the buffers they retire at
 * destroy, after every thread has joined (a deque's retired buffers add up
 * to less than its current one, so memory stays bounded).
 *
 * The caches of futures and group jobs (cache.c) have a lock each, which
 * the prepare handler takes too, so the child finds them consistent and
 * free. Blocks in the magazines of the parent's other threads stay out of
 * use in the child.
 */
#include "internal.h"

#include <urcu/urcu-memb.h>

_Atomic unsigned ws__fork_gen;

static pthread_mutex_t rcu_mu = PTHREAD_MUTEX_INITIALIZER;
static unsigned registered;   /* our threads registered with liburcu; rcu_mu */
static bool rcu_stale;        /* the child of a fork() with readers; rcu_mu */
static pthread_once_t once = PTHREAD_ONCE_INIT;
static int once_rc;

static void prepare(void)
{
    pthread_mutex_lock(&rcu_mu);
    ws__cache_fork_prepare();
}

static void parent(void)
{
    ws__cache_fork_done();
    pthread_mutex_unlock(&rcu_mu);
}

static void child(void)
{
    if (registered > 0)
        rcu_stale = true;
    /* The forking thread may have been a worker or a lane thread. */
    ws__self = NULL;
    ws__fj_self = &ws__fj_none;
    ws__lane_self = NULL;
    /* relaxed: the child has one thread. */
    atomic_fetch_add_explicit(&ws__fork_gen, 1, memory_order_relaxed);
    ws__cache_fork_done();
    pthread_mutex_unlock(&rcu_mu);
}

static void install(void)
{
    once_rc = pthread_atfork(prepare, parent, child) == 0 ? 0 : WS_ENOMEM;
}

int ws__fork_init(void)
{
    pthread_once(&once, install);
    return once_rc;
}

bool ws__rcu_usable(void)
{
    pthread_mutex_lock(&rcu_mu);
    bool ok = !rcu_stale;
    pthread_mutex_unlock(&rcu_mu);
    return ok;
}

void ws__rcu_register(void)
{
    pthread_mutex_lock(&rcu_mu);
    urcu_memb_register_thread();
    registered++;
    pthread_mutex_unlock(&rcu_mu);
}

void ws__rcu_unregister(void)
{
    pthread_mutex_lock(&rcu_mu);
    urcu_memb_unregister_thread();
    registered--;
    pthread_mutex_unlock(&rcu_mu);
}

void ws__rcu_synchronize(void)
{
    pthread_mutex_lock(&rcu_mu);
    urcu_memb_synchronize_rcu();
    pthread_mutex_unlock(&rcu_mu);
}
