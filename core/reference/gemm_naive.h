// core/reference/gemm_naive.h: the textbook sgemm, the yardstick for the fast
// one in core/kernels/gemm.h (same signature, same meaning: read its comment).
#pragma once

#include <cstdint>

namespace ag {

// C[M, N] = alpha * op(A)[M, K] · op(B)[K, N] + beta * C[M, N], three loops.
void sgemm_naive(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, float alpha,
                 const float* A, int64_t lda, const float* B, int64_t ldb, float beta, float* C,
                 int64_t ldc);

}  // namespace ag
