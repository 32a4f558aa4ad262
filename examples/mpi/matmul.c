/* A hybrid MPI + wsched program: C = A B for n x n matrices, rows split
 * across the MPI ranks, each rank's rows computed by a wsched pool
 * (ws_parallel_for), the ranks' checksums combined with MPI_Reduce.
 * Entries are 64-bit integers with wrapping arithmetic, so the checksum is
 * exact and equal for any number of ranks and workers.
 *
 *   mpi_matmul [n]                        one process (the reference)
 *   mpirun -np 2 mpi_matmul [n]           two ranks
 *   mpirun -np 2 -x WSCHED_WORKERS=4 ...  four workers per rank
 *
 * Rank 0 prints "checksum <value>" and, on stderr, each rank's workers.
 *
 * Sizing the pool of each rank. A rank should use the CPUs the launcher
 * bound it to, and no more: ws_pool_create's default does exactly that
 * (one worker per CPU of the affinity mask, capped by a cgroup quota).
 * Without binding (mpirun --bind-to none) every rank on a node sees the
 * whole node, and the ranks' pinned workers would pile onto the same CPUs;
 * then pool_opts below gives each rank of the node (found through
 * MPI_COMM_TYPE_SHARED) a disjoint slice of the CPUs: an equal share, or
 * WSCHED_WORKERS of them when the launcher sets it (-x); when the slices do
 * not fit on the node its workers are left unpinned. */
#define _GNU_SOURCE /* sched_getaffinity, CPU_* */
#include <mpi.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wsched.h>

typedef struct job {
    size_t n, row0;
    const uint64_t *a; /* this rank's rows of A */
    const uint64_t *b; /* all of B */
    uint64_t *sums;    /* per row: sum of C[i][j] * (i * n + j + 1) */
} job;

static int rows(size_t lo, size_t hi, void *arg)
{
    job *jb = arg;
    size_t n = jb->n;
    uint64_t *c = malloc(n * sizeof(uint64_t));
    if (!c)
        return WS_ENOMEM;
    for (size_t r = lo; r < hi; r++) {
        memset(c, 0, n * sizeof(uint64_t));
        for (size_t k = 0; k < n; k++) {
            uint64_t aik = jb->a[r * n + k];
            const uint64_t *bk = jb->b + k * n;
            for (size_t j = 0; j < n; j++)
                c[j] += aik * bk[j];
        }
        uint64_t s = 0;
        size_t i = jb->row0 + r;
        for (size_t j = 0; j < n; j++)
            s += c[j] * (uint64_t)(i * n + j + 1);
        jb->sums[r] = s;
    }
    free(c);
    return 0;
}

/* The options of this rank's pool (see the top of the file). cpus holds
 * the CPU list when the rank takes a share of a node's CPUs. */
static void pool_opts(MPI_Comm world, ws_pool_opts *o, int *cpus)
{
    memset(o, 0, sizeof(*o));
    MPI_Comm node;
    MPI_Comm_split_type(world, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &node);
    int lr, ls;
    MPI_Comm_rank(node, &lr);
    MPI_Comm_size(node, &ls);
    cpu_set_t mine;
    sched_getaffinity(0, sizeof(mine), &mine);
    cpu_set_t *all = malloc((size_t)ls * sizeof(cpu_set_t));
    MPI_Allgather(&mine, sizeof(mine), MPI_BYTE, all, sizeof(mine), MPI_BYTE, node);
    MPI_Comm_free(&node);
    int overlap = 0;
    for (int r = 0; r < ls; r++) {
        cpu_set_t both;
        CPU_AND(&both, &mine, &all[r]);
        overlap |= r != lr && CPU_COUNT(&both) > 0;
    }
    free(all);
    if (!overlap)
        return; /* bound by the launcher: the default follows the binding */
    int ncpu = 0;
    for (int c = 0; c < CPU_SETSIZE; c++)
        if (CPU_ISSET(c, &mine))
            cpus[ncpu++] = c;
    /* Workers per rank: WSCHED_WORKERS, else an equal share of the node. */
    const char *env = getenv("WSCHED_WORKERS");
    int want = env ? atoi(env) : ncpu / ls;
    if (want < 1 || want > 4096)
        want = ncpu / ls > 0 ? ncpu / ls : 1;
    o->workers = (unsigned)want;
    if (want * ls <= ncpu) { /* a disjoint slice of the node's CPUs */
        o->cpus = cpus + lr * want;
        o->ncpus = (unsigned)want;
    } else { /* they do not fit: pinned workers of two ranks would collide */
        o->pin = WS_PIN_NONE;
    }
}

/* "N workers on CPUs a b c" (or "unpinned"), as ws_pool_create places them. */
static void describe(const ws_pool *pool, const ws_pool_opts *o, char *out, size_t size)
{
    unsigned n = ws_pool_workers(pool);
    int len = snprintf(out, size, "%u workers", n);
    if (o->pin == WS_PIN_NONE || getenv("WSCHED_PIN")) {
        snprintf(out + len, size - (size_t)len,
                 o->pin == WS_PIN_NONE ? ", unpinned" : ", placed as WSCHED_PIN says");
        return;
    }
    int list[CPU_SETSIZE], k = 0;
    if (o->cpus) {
        for (unsigned i = 0; i < o->ncpus; i++)
            list[k++] = o->cpus[i];
    } else {
        cpu_set_t mine;
        sched_getaffinity(0, sizeof(mine), &mine);
        for (int c = 0; c < CPU_SETSIZE; c++)
            if (CPU_ISSET(c, &mine))
                list[k++] = c;
    }
    len += snprintf(out + len, size - (size_t)len, " on CPUs");
    for (unsigned i = 0; i < n && i < (unsigned)k && (size_t)len + 8 < size; i++)
        len += snprintf(out + len, size - (size_t)len, " %d", list[i]);
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    int rank, size;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    size_t n = argc > 1 ? strtoul(argv[1], NULL, 10) : 256;
    if (n == 0 || n > 8192) {
        if (rank == 0)
            fprintf(stderr, "usage: mpi_matmul [n], 1 <= n <= 8192\n");
        MPI_Finalize();
        return 2;
    }

    ws_pool_opts opts;
    static int cpus[CPU_SETSIZE];
    pool_opts(MPI_COMM_WORLD, &opts, cpus);
    ws_pool *pool;
    int rc = ws_pool_create(&pool, &opts);
    if (rc) {
        fprintf(stderr, "rank %d: ws_pool_create: %s\n", rank, ws_strerror(rc));
        MPI_Abort(MPI_COMM_WORLD, 1);
    }
    /* Where the workers run: worker i on the i-th CPU of opts.cpus or of
       the affinity mask (mod their count), unless unpinned. */
    char where[256];
    describe(pool, &opts, where, sizeof(where));
    char *all = rank == 0 ? malloc((size_t)size * sizeof(where)) : NULL;
    MPI_Gather(where, sizeof(where), MPI_CHAR, all, sizeof(where), MPI_CHAR, 0, MPI_COMM_WORLD);
    if (rank == 0) {
        for (int r = 0; r < size; r++)
            fprintf(stderr, "rank %d: %s\n", r, all + (size_t)r * sizeof(where));
        free(all);
    }

    /* This rank's rows: [row0, row1). */
    size_t row0 = n * (size_t)rank / (size_t)size, row1 = n * (size_t)(rank + 1) / (size_t)size;
    size_t mine = row1 - row0;
    uint64_t *a = malloc((mine ? mine : 1) * n * sizeof(uint64_t));
    uint64_t *b = malloc(n * n * sizeof(uint64_t));
    uint64_t *sums = calloc(mine ? mine : 1, sizeof(uint64_t));
    if (!a || !b || !sums) {
        fprintf(stderr, "rank %d: out of memory\n", rank);
        MPI_Abort(MPI_COMM_WORLD, 1);
    }
    for (size_t i = 0; i < mine; i++)
        for (size_t k = 0; k < n; k++)
            a[i * n + k] = (row0 + i) * 7 + k * 3 + 1;
    for (size_t k = 0; k < n; k++)
        for (size_t j = 0; j < n; j++)
            b[k * n + j] = k * 5 + j * 11 + 2;

    job jb = {n, row0, a, b, sums};
    rc = ws_parallel_for(pool, 0, mine, 0, rows, &jb);
    if (rc) {
        fprintf(stderr, "rank %d: ws_parallel_for: %s\n", rank, ws_strerror(rc));
        MPI_Abort(MPI_COMM_WORLD, 1);
    }
    uint64_t local = 0, total = 0;
    for (size_t i = 0; i < mine; i++)
        local += sums[i];
    MPI_Reduce(&local, &total, 1, MPI_UINT64_T, MPI_SUM, 0, MPI_COMM_WORLD);
    if (rank == 0)
        printf("checksum %llu\n", (unsigned long long)total);

    ws_pool_destroy(pool);
    free(a);
    free(b);
    free(sums);
    MPI_Finalize();
    return 0;
}
