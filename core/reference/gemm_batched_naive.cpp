// core/reference/gemm_batched_naive.cpp: a batch of products is a loop over
// them. core/kernels/gemm_batched.cpp computes the same, sharing the threads.
#include "core/reference/gemm_batched_naive.h"

#include "core/reference/gemm_naive.h"

namespace ag {

void sgemm_batched_naive(const GemmBatch& batch, float alpha, const float* A, const float* B,
                         float beta, float* C) {
  const int64_t count = batch.count();
  check_index_lists(batch);
  const int64_t M = batch.M, N = batch.N, K = batch.K;
  const int64_t lda = batch.trans_a ? M : K, ldb = batch.trans_b ? K : N;  // as stored
  for (int64_t i = 0; i < count; ++i) {
    const float* a = A + batch.a_index[i] * M * K;  // matrix a(i) of the stack
    const float* b = B + batch.b_index[i] * K * N;
    float* c = C + batch.c_index[i] * M * N;
    sgemm_naive(batch.trans_a, batch.trans_b, M, N, K, alpha, a, lda, b, ldb, beta, c, N);
  }
}

}  // namespace ag
