/* The loop every benchmark shares: set up outside the time, time each
 * instance alone, check every result. Compiled once per runtime. */
#ifndef WS_BENCH_HARNESS_H
#define WS_BENCH_HARNESS_H

#include "rt.h"
#include "shim.h"

#include <stddef.h>
#include <stdint.h>

struct bench_case {
    const char *name;
    int64_t size, smoke_size;
    unsigned needs; /* RT_* the runtime must offer */
    unsigned flags; /* WS_BENCH_*; the sequential runtime always runs one worker */
    /* Allocates and fills an instance of this size; NULL on failure. */
    void *(*setup)(int64_t size);
    /* Outside the time, before every instance; may be NULL. */
    void (*reset)(void *inst);
    /* The instance. The harness times it, unless run stores its own time
     * in *seconds (batches that report their median). Returns a status. */
    int (*run)(void *inst, double *seconds);
    /* After every instance: 0 if the result is right, else -1 with why. */
    int (*check)(void *inst, char *why, size_t len);
    /* Tasks spawned (or elements handled) per instance. */
    int64_t (*items)(const void *inst);
    void (*teardown)(void *inst);
};

/* Registers c for this runtime when the runtime offers c->needs. */
void bench_register(const struct bench_case *c);

/* The median of v[0..n), n > 0; sorts v. */
double bench_median(double *v, size_t n);

/* The pct-th percentile of v[0..n), n > 0, by nearest rank (the smallest
 * value that at least pct% of v do not exceed); sorts v. */
double bench_percentile(double *v, size_t n, unsigned pct);

/* From a case's run: a counter of the instance, shown beside the time and
 * written to the JSON (the repetition's last instance's value). */
void bench_counter(const char *name, double value);

/* Workloads, one file each. */
void fib_register(void);
void nqueens_register(void);
void uts_register(void);
void skynet_register(void);
void matmul_register(void);
void ext_register(void);
void latency_register(void);
void pfor_register(void);

#endif /* WS_BENCH_HARNESS_H */
