/* The matmul base case, shared by every runtime (bench/matmul_base.c is
 * compiled once, with gcc, -O3 -march=native). */
#ifndef WS_BENCH_MATMUL_BASE_H
#define WS_BENCH_MATMUL_BASE_H

#include <stddef.h>

/* C += A * B for s x s blocks of row-major matrices with row stride n. */
void mm_base(double *restrict c, const double *restrict a, const double *restrict b, size_t n,
             size_t s);

#endif /* WS_BENCH_MATMUL_BASE_H */
