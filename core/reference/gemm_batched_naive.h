// core/reference/gemm_batched_naive.h: the textbook batch of products, the
// yardstick for sgemm_batched in core/kernels/gemm_batched.h (same signature,
// same meaning: read its comment).
#pragma once

#include "core/kernels/gemm_batched.h"

namespace ag {

// for i in 0 .. count-1: C[c(i)] = alpha · op(A[a(i)]) · op(B[b(i)]) + beta · C[c(i)],
// each product by sgemm_naive's three loops, on one thread.
void sgemm_batched_naive(const GemmBatch& batch, float alpha, const float* A, const float* B,
                         float beta, float* C);

}  // namespace ag
