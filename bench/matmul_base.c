#include "matmul_base.h"

/* One plain i-k-j loop; the inner loop vectorises. */
void mm_base(double *restrict c, const double *restrict a, const double *restrict b, size_t n,
             size_t s)
{
    for (size_t i = 0; i < s; i++) {
        for (size_t k = 0; k < s; k++) {
            double aik = a[i * n + k];
            for (size_t j = 0; j < s; j++)
                c[i * n + j] += aik * b[k * n + j];
        }
    }
}
