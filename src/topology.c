/* Allowed CPUs (placement) and victim order (topology).
 *
 * Placement never depends on hwloc: worker i goes to the i-th allowed CPU
 * (ascending number) modulo their count. hwloc, where present, only orders
 * each worker's victims: workers whose CPUs share a cache come first. */
#include "internal.h"

#include <sched.h>
#include <stdlib.h>

#ifdef WS_HAVE_HWLOC
#include <hwloc.h>
#endif

int ws__allowed_cpus(const ws_pool_opts *opts, int **out)
{
    cpu_set_t set;
    CPU_ZERO(&set);
    if (sched_getaffinity(0, sizeof(set), &set) != 0)
        return WS_EINVAL;
    int count = CPU_COUNT(&set);
    if (opts && opts->cpus) {
        if (opts->ncpus == 0 || opts->ncpus > CPU_SETSIZE)
            return WS_EINVAL;
        cpu_set_t want;
        CPU_ZERO(&want);
        for (unsigned i = 0; i < opts->ncpus; i++) {
            int c = opts->cpus[i];
            if (c < 0 || c >= CPU_SETSIZE || !CPU_ISSET(c, &set))
                return WS_EINVAL;
            CPU_SET(c, &want);
        }
        set = want;
        count = CPU_COUNT(&set);
    } else if (opts && opts->ncpus) {
        return WS_EINVAL;
    }
    if (count <= 0)
        return WS_EINVAL;
    int *cpus = ws__malloc((size_t)count * sizeof(int));
    if (!cpus)
        return WS_ENOMEM;
    int k = 0;
    for (int c = 0; c < CPU_SETSIZE && k < count; c++)
        if (CPU_ISSET(c, &set))
            cpus[k++] = c;
    *out = cpus;
    return count;
}

#ifdef WS_HAVE_HWLOC
static hwloc_topology_t topo;
static int topo_ok;
static pthread_once_t topo_once = PTHREAD_ONCE_INIT;

/* Loaded once per process: loading reads sysfs and takes milliseconds. */
static void topo_load(void)
{
    if (hwloc_topology_init(&topo) != 0)
        return;
    if (hwloc_topology_load(topo) != 0) {
        hwloc_topology_destroy(topo);
        return;
    }
    topo_ok = 1;
}

/* 1 when CPUs a and b share a cache (or a core), else 0. */
static int share_cache(int a, int b)
{
    if (!topo_ok)
        return 0;
    hwloc_obj_t pa = hwloc_get_pu_obj_by_os_index(topo, (unsigned)a);
    hwloc_obj_t pb = hwloc_get_pu_obj_by_os_index(topo, (unsigned)b);
    if (!pa || !pb)
        return 0;
    hwloc_obj_t anc = hwloc_get_common_ancestor_obj(topo, pa, pb);
    for (; anc; anc = anc->parent) {
        if (hwloc_obj_type_is_cache(anc->type) || anc->type == HWLOC_OBJ_CORE ||
            anc->type == HWLOC_OBJ_PU)
            return 1;
        if (anc->type == HWLOC_OBJ_PACKAGE || anc->type == HWLOC_OBJ_MACHINE)
            return 0;
    }
    return 0;
}
#endif

int ws__victim_order(ws_pool *pool)
{
#ifdef WS_HAVE_HWLOC
    pthread_once(&topo_once, topo_load);
#endif
    unsigned n = pool->n;
    for (unsigned i = 0; i < n; i++) {
        ws__worker *w = pool->workers[i];
        w->victims = ws__malloc((n > 1 ? n - 1 : 1) * sizeof(unsigned));
        if (!w->victims)
            return WS_ENOMEM;
        unsigned k = 0;
#ifdef WS_HAVE_HWLOC
        int ci = w->cpu;
        for (unsigned j = 0; j < n; j++) {
            int cj = pool->workers[j]->cpu;
            if (j != i && ci >= 0 && cj >= 0 && share_cache(ci, cj))
                w->victims[k++] = j;
        }
#endif
        w->nnear = k;
        for (unsigned j = 0; j < n; j++) {
            int near = 0;
            for (unsigned q = 0; q < w->nnear; q++)
                near |= w->victims[q] == j;
            if (j != i && !near)
                w->victims[k++] = j;
        }
    }
    return 0;
}
