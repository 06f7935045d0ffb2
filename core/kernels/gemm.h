// core/kernels/gemm.h: the one matrix-multiply kernel of attograd.
//
// matmul, bmm, linear and conv2d (through im2col) all call sgemm, so one
// optimisation speeds up the whole network. No autograd in here: plain floats.
//
//   C[M, N] = alpha * op(A)[M, K] · op(B)[K, N] + beta * C[M, N]
//
// op(A) is A or its transpose, row-major with leading dimension lda (the
// distance in floats between consecutive rows of A as stored). With beta == 0,
// C is overwritten and never read (so it may hold garbage or NaN).
//
// Its textbook twin, three loops with the same signature and meaning, is
// sgemm_naive in core/reference/gemm_naive.h. Two relatives build on sgemm:
// gemm_batched.h (many products of one size: bmm, batched matmul) and
// gemm_packed.h (one op(A) packed once for many products: conv2d).
#pragma once

#include <cstdint>

namespace ag {

// Cache-blocked, register-blocked, and threaded with parallel_for (a call
// from inside a parallel_for worker runs on that worker alone). Throws
// ag::Error for negative sizes or a leading dimension shorter than a row.
void sgemm(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, float alpha, const float* A,
           int64_t lda, const float* B, int64_t ldb, float beta, float* C, int64_t ldc);

}  // namespace ag
