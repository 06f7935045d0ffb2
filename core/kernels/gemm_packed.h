// core/kernels/gemm_packed.h: products that share op(A), for conv2d.
//
// A convolution multiplies the same weight (O, K) by every image's patches;
// sgemm (gemm.h) would pack the weight again for each image (and each
// thread). A PackedA holds op(A) packed whole, in the order sgemm's
// micro-kernel reads it, so every image and every thread reads the one copy.
// And the patches, im2col's matrix, are never stored: op(B) is given by a
// function that produces its rows when the product needs them.
//
// Read gemm.h first: sgemm_packed computes exactly what sgemm computes (its
// tests hold it equal to sgemm_naive); only where the operands come from
// differs. Implemented in gemm_packed.cpp on gemm.cpp's loops.
#pragma once

#include <cstdint>
#include <functional>

#include "core/allocator.h"
#include "core/kernels/gemm.h"

namespace ag {

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
// A std::function, for the lambdas a caller writes: it is called once per row
// of each KC×NC panel, and each call hands over up to NC numbers (9,216 calls
// for a 3x3 conv over 8 images of 128 channels, 1.2 GFLOP). A plain function
// pointer with a context argument measured the same within noise (one-thread
// conv2d forward, 12 alternating runs: 7.07 against 6.98 ms median).
using GemmRows = std::function<const float*(int64_t k, int64_t j0, int64_t n, float* scratch)>;
// The rows of a stored row-major matrix B (leading dimension ldb), in place.
GemmRows matrix_rows(const float* B, int64_t ldb);

// C[M, N] = alpha · A · B + beta · C with A packed (M = A.rows(), K = A.cols())
// and B [K, N] given by its rows. Threads split C's columns (a call from
// inside a parallel_for worker runs serially). Same meaning as sgemm, then
// the epilogue (gemm.h: + bias per row, + residual, ReLU) as each tile of C
// is written: a conv's bias, residual add and ReLU in the same pass.
void sgemm_packed(const PackedA& A, int64_t N, float alpha, const GemmRows& B, float beta, float* C,
                  int64_t ldc, const Epilogue& epilogue = {});

}  // namespace ag
