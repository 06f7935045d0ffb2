// core/reference/gemm_naive.cpp: the textbook sgemm, three loops, one dot
// product per output element. Read this first; core/kernels/gemm.cpp computes
// exactly the same thing, only faster.
#include "core/reference/gemm_naive.h"

namespace ag {

void sgemm_naive(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, float alpha,
                 const float* A, int64_t lda, const float* B, int64_t ldb, float beta, float* C,
                 int64_t ldc) {
  for (int64_t i = 0; i < M; ++i) {
    for (int64_t j = 0; j < N; ++j) {
      float dot = 0.0f;
      for (int64_t k = 0; k < K; ++k) {
        float a = trans_a ? A[k * lda + i] : A[i * lda + k];  // op(A)[i, k]
        float b = trans_b ? B[j * ldb + k] : B[k * ldb + j];  // op(B)[k, j]
        dot += a * b;
      }
      float& c = C[i * ldc + j];
      c = alpha * dot + (beta == 0.0f ? 0.0f : beta * c);  // beta 0: never read C
    }
  }
}

}  // namespace ag
