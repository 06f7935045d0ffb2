// core/kernels/gemm_batched.h: many products of one size, each one sgemm.
//
// bmm, baddbmm and a batched matmul multiply a stack of matrices by another.
// Shape legend: every product is op(A)[M, K] · op(B)[K, N] -> [M, N]; A, B and C
// are stacks of row-major matrices of those sizes, matrix j of each at
//   A + j·M·K   (stored [M, K], or [K, M] when trans_a)
//   B + j·K·N   (stored [K, N], or [N, K] when trans_b)
//   C + j·M·N
// Product i reads matrix a_index[i] of A and b_index[i] of B and writes
// matrix c_index[i] of C. The batch means exactly this loop, in this order:
//
//   for i in 0 .. count-1:
//     C[c(i)] = alpha · op(A[a(i)]) · op(B[b(i)]) + beta · C[c(i)]
//
// which is also its textbook twin (core/reference/gemm_batched_naive.h).
// An index may repeat. A matrix of A or B read by several products is a
// broadcast batch dimension (matmul of [4, M, K] by [1, K, N]: b(i) = 0).
// A matrix of C written by several products gets them in turn: with beta = 1
// each adds onto the last, which is how a broadcast operand's gradient sums
// the gradients of every product that used it.
//
// No autograd here: the ops in core/ops/matmul.cpp build the index lists.
#pragma once

#include <cstdint>
#include <vector>

namespace ag {

struct GemmBatch {
  bool trans_a = false, trans_b = false;
  int64_t M = 0, N = 0, K = 0;
  std::vector<int64_t> a_index, b_index, c_index;  // one entry per product
  int64_t count() const { return static_cast<int64_t>(c_index.size()); }
};

// The batch of bmm: product i reads matrix i of A and of B and writes matrix i of C.
GemmBatch one_to_one_batch(int64_t count, bool trans_a, bool trans_b, int64_t M, int64_t N,
                           int64_t K);

// Throws ag::Error unless the three index lists have one entry per product
// (both sgemm_batched and its naive twin check this first).
void check_index_lists(const GemmBatch& batch);

// Runs the batch; how it shares the threads is gemm_batched.cpp's business
// (a static split: the same thread count always gives the same bits). Throws
// ag::Error when the three index lists differ in length, or for sizes sgemm
// refuses.
void sgemm_batched(const GemmBatch& batch, float alpha, const float* A, const float* B, float beta,
                   float* C);

// The choice sgemm_batched makes at the current thread count: true when the
// products go to different threads whole ("across"), false when they run one
// after another, each sgemm using every thread ("inside"). A tiny batch may
// still stay on one thread (the grain). Exposed so the rule can be tested and
// printed; a race cannot be caught by running it.
bool splits_across_products(const GemmBatch& batch);

}  // namespace ag
