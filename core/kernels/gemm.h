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
#pragma once

#include <cstdint>
#include <functional>

#include "core/allocator.h"

namespace ag {

// The fast path (its textbook twin: sgemm_naive in core/reference/gemm_naive.h):
// cache-blocked, register-blocked, threaded with parallel_for.
void sgemm(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K,
           float alpha, const float* A, int64_t lda, const float* B,
           int64_t ldb, float beta, float* C, int64_t ldc);

// ---- Products that share op(A): pack it once, multiply many times.
//
// A convolution multiplies the same weight (O, K) by every image's patches;
// sgemm would pack the weight again for each image (and each thread). A
// PackedA holds op(A) packed whole, in the order the micro-kernel reads it,
// so every image and every thread reads the one copy.
class PackedA {
 public:
  // Packs op(A) [M, K] (A stored row-major with leading dimension lda).
  PackedA(bool trans_a, int64_t M, int64_t K, const float* A, int64_t lda);
  int64_t rows() const { return M_; }
  int64_t cols() const { return K_; }
  // The packed MC×KC block whose first row is ic and first column pc.
  const float* block(int64_t ic, int64_t pc) const;

 private:
  int64_t M_, K_, m_padded_;  // m_padded_: M rounded up to whole micro-tiles
  FloatBuffer data_;
};

// op(B) given by its rows, produced on demand: rows(k, j0, n, scratch)
// returns a pointer to the n numbers op(B)[k, j0 : j0+n], either where they
// lie or written into scratch (room for n floats). A convolution's im2col
// matrix is such a source: each row is computed from the image when the
// product needs it, and never stored whole.
using GemmRows =
    std::function<const float*(int64_t k, int64_t j0, int64_t n, float* scratch)>;
// The rows of a stored row-major matrix B (leading dimension ldb), in place.
GemmRows matrix_rows(const float* B, int64_t ldb);

// C[M, N] = alpha · A · B + beta · C with A packed (M = A.rows(), K = A.cols())
// and B [K, N] given by its rows. Threads split C's columns (a call from
// inside a parallel_for worker runs serially). Same meaning as sgemm.
void sgemm_packed(const PackedA& A, int64_t N, float alpha, const GemmRows& B, float beta,
                  float* C, int64_t ldc);

}  // namespace ag
