/* uts: an unbalanced binomial tree driven by a hash (workloads.md). The size
 * is the root's number of children; every other node has 5 children with
 * probability q, else none: q = 0.199 (uts), or q = 0.1995 (uts-crit, the
 * near-critical tree: 2,287,855 nodes, depth 1282, a stack-depth test). */
#include "harness.h"

#include <stdio.h>
#include <stdlib.h>

#define UTS_ROOT 0x5eedu
#define UTS_M    5

static uint64_t mix(uint64_t z)
{
    z ^= z >> 30;
    z *= 0xbf58476d1ce4e5b9u;
    z ^= z >> 27;
    z *= 0x94d049bb133111ebu;
    z ^= z >> 31;
    return z;
}

static uint64_t child(uint64_t id, int i)
{
    return mix(id + (uint64_t)(i + 1) * 0x9e3779b97f4a7c15u);
}

/* q = thr / mod. The tasks of each tree have theirs as constants, as the
   plain recursion they are compared with does. */
struct uts_q {
    uint64_t mod, thr;
};
static const struct uts_q uts_t3 = {1000, 199}, uts_crit = {10000, 1995};

static int kids_of(uint64_t id, struct uts_q q)
{
    return mix(id) % q.mod < q.thr ? UTS_M : 0;
}

struct uts {
    uint64_t id;
    int64_t nodes;
};

/* Spawns task(child(u, i)) for i < nk into kids/tasks, waits, sums. */
static inline int count(struct uts *u, int nk, struct uts *kids, rt_task *tasks, rt_fn task)
{
    rt_group g;
    rt_group_init(&g);
    for (int i = 0; i < nk; i++) {
        kids[i].id = child(u->id, i);
        rt_spawn(&g, &tasks[i], task, &kids[i]);
    }
    int rc = rt_wait(&g);
    u->nodes = 1;
    for (int i = 0; i < nk; i++)
        u->nodes += kids[i].nodes;
    return rc;
}

static int uts_task(void *p)
{
    struct uts *u = p;
    struct uts kids[UTS_M];
    rt_task tasks[UTS_M];
    return count(u, kids_of(u->id, uts_t3), kids, tasks, uts_task);
}

static int uts_crit_task(void *p)
{
    struct uts *u = p;
    struct uts kids[UTS_M];
    rt_task tasks[UTS_M];
    return count(u, kids_of(u->id, uts_crit), kids, tasks, uts_crit_task);
}

struct uts_inst {
    struct uts root;
    rt_fn task; /* the tree's task */
    int nk;     /* the root's children */
    struct uts *kids;
    rt_task *tasks;
    int64_t ref_nodes;
};

static int uts_root(void *p)
{
    struct uts_inst *in = p;
    return count(&in->root, in->nk, in->kids, in->tasks, in->task);
}

/* The reference: the same tree walked with an explicit stack. */
static int64_t uts_ref(int nk, struct uts_q q)
{
    size_t cap = (size_t)nk + 1024, top = 0;
    uint64_t *stack = malloc(cap * sizeof *stack);
    if (stack == NULL)
        return -1;
    int64_t nodes = 1;
    for (int i = 0; i < nk; i++)
        stack[top++] = child(UTS_ROOT, i);
    while (top > 0) {
        uint64_t id = stack[--top];
        nodes++;
        int k = kids_of(id, q);
        if (top + (size_t)k > cap) {
            uint64_t *bigger = realloc(stack, 2 * cap * sizeof *stack);
            if (bigger == NULL) {
                free(stack);
                return -1;
            }
            stack = bigger;
            cap *= 2;
        }
        for (int i = 0; i < k; i++)
            stack[top++] = child(id, i);
    }
    free(stack);
    return nodes;
}

static void teardown(void *inst)
{
    struct uts_inst *in = inst;
    free(in->kids);
    free(in->tasks);
    free(in);
}

static void *setup(int64_t size, struct uts_q q, rt_fn task)
{
    struct uts_inst *in = calloc(1, sizeof *in);
    if (in == NULL)
        return NULL;
    in->task = task;
    in->nk = (int)size;
    in->kids = calloc((size_t)size, sizeof *in->kids);
    in->tasks = calloc((size_t)size, sizeof *in->tasks);
    in->ref_nodes = uts_ref(in->nk, q);
    if (in->kids == NULL || in->tasks == NULL || in->ref_nodes < 0) {
        teardown(in);
        return NULL;
    }
    return in;
}

static void *setup_t3(int64_t size)
{
    return setup(size, uts_t3, uts_task);
}

static void *setup_crit(int64_t size)
{
    return setup(size, uts_crit, uts_crit_task);
}

static int run(void *inst, double *seconds)
{
    (void)seconds;
    struct uts_inst *in = inst;
    in->root.id = UTS_ROOT;
    return rt_root(uts_root, in);
}

static int check(void *inst, char *why, size_t len)
{
    const struct uts_inst *in = inst;
    if (in->root.nodes == in->ref_nodes)
        return 0;
    snprintf(why, len, "uts counted %lld nodes, expected %lld", (long long)in->root.nodes,
             (long long)in->ref_nodes);
    return -1;
}

static int64_t spawns(const void *inst)
{
    const struct uts_inst *in = inst;
    return in->ref_nodes - 1;
}

static const struct bench_case uts = {"uts", 2000, 20,    RT_FORKJOIN, WS_BENCH_SCALING, setup_t3,
                                      NULL,  run,  check, spawns,      teardown};

static const struct bench_case uts_crit_case = {
    "uts-crit", 2000, 20, RT_FORKJOIN, WS_BENCH_SCALING, setup_crit, NULL, run, check, spawns,
    teardown};

void uts_register(void)
{
    bench_register(&uts);
    bench_register(&uts_crit_case);
}
