/* matmul(n): C += A * B by recursive halving down to 64 x 64 blocks, two
 * phases of four spawns per level (workloads.md). */
#include "harness.h"
#include "matmul_base.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MM_BLOCK  64
#define MM_CHECKS 64

struct mm {
    double *c;
    const double *a, *b;
    size_t n, s; /* row stride, block size */
};

static int mm_task(void *p);

/* Phase k of a block: Cij += Aik * Bkj for the four (i, j), in parallel. */
static int phase(const struct mm *m, size_t k)
{
    size_t h = m->s / 2, n = m->n;
    struct mm kids[4];
    rt_task tasks[4];
    rt_group g;
    rt_group_init(&g);
    for (size_t q = 0; q < 4; q++) {
        size_t i = q / 2, j = q % 2;
        kids[q].c = m->c + i * h * n + j * h;
        kids[q].a = m->a + i * h * n + k * h;
        kids[q].b = m->b + k * h * n + j * h;
        kids[q].n = n;
        kids[q].s = h;
        rt_spawn(&g, &tasks[q], mm_task, &kids[q]);
    }
    return rt_wait(&g);
}

static int mm_task(void *p)
{
    const struct mm *m = p;
    if (m->s <= MM_BLOCK) {
        mm_base(m->c, m->a, m->b, m->n, m->s);
        return 0;
    }
    int rc = phase(m, 0);
    int rc2 = phase(m, 1);
    return rc != 0 ? rc : rc2;
}

struct mm_inst {
    struct mm root;
    double *a, *b, *c;
};

static void teardown(void *inst)
{
    struct mm_inst *in = inst;
    free(in->a);
    free(in->b);
    free(in->c);
    free(in);
}

static void *setup(int64_t size)
{
    struct mm_inst *in = calloc(1, sizeof *in);
    if (in == NULL)
        return NULL;
    size_t n = (size_t)size, bytes = n * n * sizeof(double);
    in->a = aligned_alloc(64, bytes);
    in->b = aligned_alloc(64, bytes);
    in->c = aligned_alloc(64, bytes);
    if (in->a == NULL || in->b == NULL || in->c == NULL) {
        teardown(in);
        return NULL;
    }
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < n; j++) {
            in->a[i * n + j] = (double)((i + 2 * j) % 7) - 3;
            in->b[i * n + j] = (double)((3 * i + j) % 5) - 2;
        }
    }
    in->root = (struct mm){in->c, in->a, in->b, n, n};
    return in;
}

static void reset(void *inst)
{
    struct mm_inst *in = inst;
    memset(in->c, 0, in->root.n * in->root.n * sizeof(double));
}

static int run(void *inst, double *seconds)
{
    (void)seconds;
    struct mm_inst *in = inst;
    return rt_root(mm_task, &in->root);
}

/* 64 entries, each recomputed as an exact integer sum. */
static int check(void *inst, char *why, size_t len)
{
    const struct mm_inst *in = inst;
    size_t n = in->root.n;
    for (size_t e = 0; e < MM_CHECKS; e++) {
        size_t i = (37 * e + 11) % n, j = (101 * e + 5) % n;
        double want = 0;
        for (size_t k = 0; k < n; k++)
            want += in->a[i * n + k] * in->b[k * n + j];
        if (in->c[i * n + j] != want) {
            snprintf(why, len, "C[%zu][%zu] = %.0f, expected %.0f", i, j, in->c[i * n + j], want);
            return -1;
        }
    }
    return 0;
}

/* Eight spawns per block larger than the base case. */
static int64_t spawns(const void *inst)
{
    const struct mm_inst *in = inst;
    int64_t internal = 0, blocks = 1;
    for (size_t s = in->root.n; s > MM_BLOCK; s /= 2) {
        internal += blocks;
        blocks *= 8;
    }
    return 8 * internal;
}

static const struct bench_case matmul = {"matmul1024", 1024,  256, RT_FORKJOIN, WS_BENCH_SCALING,
                                         setup,        reset, run, check,       spawns,
                                         teardown};

void matmul_register(void)
{
    bench_register(&matmul);
}
