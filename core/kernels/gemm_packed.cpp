// core/kernels/gemm_packed.cpp: products that share op(A) (gemm_packed.h:
// PackedA and sgemm_packed) on the loops of gemm.cpp.
//
// A convolution multiplies one weight (O, K) by the patches of every image.
// sgemm packs op(A) block by block inside its loops, so each image (and each
// thread) would pack the weight again; here it is packed whole, once, in the
// same block order, and gemm_serial just looks the blocks up. op(B) comes as
// rows (GemmRows), so a convolution's im2col matrix is never stored whole.
#include <algorithm>

#include "core/error.h"
#include "core/kernels/gemm_internal.h"
#include "core/kernels/gemm_packed.h"
#include "core/kernels/parallel.h"

namespace ag {

using namespace gemm_detail;

// ---------------------------------------------------------------- PackedA
// The layout: for each KC-deep step pc of K, every MR-row sliver of op(A)
// exactly as pack_a writes one block, so block (ic, pc) is one pointer away.
PackedA::PackedA(bool trans_a, int64_t M, int64_t K, const float* A, int64_t lda)
    : M_(M), K_(K), m_padded_((M + MR - 1) / MR * MR), data_(m_padded_ * K) {
  check_arguments(trans_a, false, M, 1, K, lda, 1, 1);
  const Operand a_op{A, lda, trans_a};
  const int64_t steps = (K + KC - 1) / KC;
  parallel_for(0, steps, 1, [&](int64_t lo, int64_t hi) {
    for (int64_t step = lo; step < hi; ++step) {
      const int64_t pc = step * KC;
      pack_a(a_op, 0, M, pc, std::min(KC, K - pc), data_.data() + pc * m_padded_);
    }
  });
}

const float* PackedA::block(int64_t ic, int64_t pc) const {
  // Every step before pc is KC deep and m_padded_ tall; block ic of step pc
  // follows ic/MR slivers of kc·MR numbers each.
  return data_.data() + pc * m_padded_ + ic * std::min(KC, K_ - pc);
}

GemmRows matrix_rows(const float* B, int64_t ldb) {
  return [B, ldb](int64_t k, int64_t j0, int64_t, float*) { return B + k * ldb + j0; };
}

void sgemm_packed(const PackedA& A, int64_t N, float alpha, const GemmRows& B, float beta, float* C,
                  int64_t ldc, const Epilogue& epilogue) {
  const int64_t M = A.rows(), K = A.cols();
  if (N < 0) fail("sgemm_packed: N must be non-negative, got ", N);
  if (M > 1 && ldc < N) fail("sgemm_packed: ldc=", ldc, " is smaller than N=", N);
  if (M == 0 || N == 0) return;
  if (epilogue.residual && M > 1 && epilogue.residual_ld < N)
    fail("sgemm_packed: the epilogue's residual_ld=", epilogue.residual_ld,
         " is smaller than N=", N);
  if (K == 0) return scale_only(M, N, alpha, beta, C, ldc, epilogue);
  // Stripes of whole NR-wide column tiles: every thread reads the one PackedA.
  const int64_t col_tiles = (N + NR - 1) / NR;
  const int64_t grain = std::max<int64_t>(1, kMinFlopsPerThread / (2 * NR * M * K));
  parallel_for(0, col_tiles, grain, [&](int64_t lo, int64_t hi) {
    const int64_t j0 = lo * NR, j1 = std::min(N, hi * NR);
    ASource a_src;
    a_src.packed = &A;
    BSource b_src;
    b_src.rows = &B;
    b_src.j_offset = j0;
    gemm_serial(M, j1 - j0, K, alpha, a_src, b_src, beta, C + j0, ldc, epilogue.at(0, j0));
  });
}

}  // namespace ag
