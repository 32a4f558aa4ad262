/* nqueens(n): one spawn per valid partial placement, each child with its own
 * copy of the board in the parent's frame (workloads.md). */
#include "harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NQ_MAX 16

struct nq {
    int n, row;
    int64_t solutions, nodes;
    signed char board[NQ_MAX]; /* board[r]: the column of the queen in row r < row */
};

static int safe(const signed char *board, int row, int col)
{
    for (int r = 0; r < row; r++) {
        int d = board[r] - col;
        if (d == 0 || d == row - r || d == r - row)
            return 0;
    }
    return 1;
}

static int nq_task(void *p)
{
    struct nq *q = p;
    q->solutions = 0;
    q->nodes = 1;
    if (q->row == q->n) {
        q->solutions = 1;
        return 0;
    }
    struct nq kids[NQ_MAX];
    rt_task tasks[NQ_MAX];
    rt_group g;
    rt_group_init(&g);
    int k = 0;
    for (int col = 0; col < q->n; col++) {
        if (!safe(q->board, q->row, col))
            continue;
        kids[k].n = q->n;
        kids[k].row = q->row + 1;
        memcpy(kids[k].board, q->board, (size_t)q->row);
        kids[k].board[q->row] = (signed char)col;
        rt_spawn(&g, &tasks[k], nq_task, &kids[k]);
        k++;
    }
    int rc = rt_wait(&g);
    for (int i = 0; i < k; i++) {
        q->solutions += kids[i].solutions;
        q->nodes += kids[i].nodes;
    }
    return rc;
}

struct nq_inst {
    struct nq root;
    int64_t ref_solutions, ref_nodes;
};

/* The reference, by a different method (bit masks), counting placements. */
static void nq_ref(int n, uint32_t cols, uint32_t d1, uint32_t d2, int row, int64_t *solutions,
                   int64_t *nodes)
{
    ++*nodes;
    if (row == n) {
        ++*solutions;
        return;
    }
    uint32_t free_ = ~(cols | d1 | d2) & ((1u << n) - 1);
    while (free_ != 0) {
        uint32_t bit = free_ & -free_;
        free_ ^= bit;
        nq_ref(n, cols | bit, (d1 | bit) << 1, (d2 | bit) >> 1, row + 1, solutions, nodes);
    }
}

static void *setup(int64_t size)
{
    struct nq_inst *in = calloc(1, sizeof *in);
    if (in == NULL || size < 1 || size > NQ_MAX) {
        free(in);
        return NULL;
    }
    in->root.n = (int)size;
    nq_ref(in->root.n, 0, 0, 0, 0, &in->ref_solutions, &in->ref_nodes);
    return in;
}

static int run(void *inst, double *seconds)
{
    (void)seconds;
    struct nq_inst *in = inst;
    in->root.row = 0;
    return rt_root(nq_task, &in->root);
}

static int check(void *inst, char *why, size_t len)
{
    const struct nq_inst *in = inst;
    if (in->root.solutions == in->ref_solutions && in->root.nodes == in->ref_nodes)
        return 0;
    snprintf(why, len, "nqueens(%d): %lld solutions in %lld nodes, expected %lld in %lld",
             in->root.n, (long long)in->root.solutions, (long long)in->root.nodes,
             (long long)in->ref_solutions, (long long)in->ref_nodes);
    return -1;
}

/* Every node but the root is spawned. */
static int64_t spawns(const void *inst)
{
    const struct nq_inst *in = inst;
    return in->ref_nodes - 1;
}

static const struct bench_case nqueens12 = {
    "nqueens12", 12, 6, RT_FORKJOIN, WS_BENCH_SCALING, setup, NULL, run, check, spawns, free};

void nqueens_register(void)
{
    bench_register(&nqueens12);
}
