// core/kernels/gemm_internal.h: what gemm.cpp (the loops, sgemm) and
// gemm_packed.cpp (PackedA, sgemm_packed) share. Not for use outside them:
// everything else calls the functions of gemm.h and gemm_packed.h.
#pragma once

#include <cstdint>

#include "core/kernels/gemm.h"
#include "core/kernels/gemm_packed.h"
#include "core/kernels/simd.h"

namespace ag::gemm_detail {

// The vector width follows the instruction set we are compiled for
// (simd.h's table), and the micro-tile follows the register file: AVX-512 has
// 32 vector registers, so an MR×NR = 14×32 tile takes 14·2 = 28 accumulators,
// plus 2 for a row of B and 1 for a broadcast number of A: 31 of 32. Each k
// step then does 28 FMAs for 2 vector loads + 14 broadcasts. AVX2/SSE have 16
// registers: 6×2 = 12 + 3.
//
// arm64's NEON also has 32 registers, but of 4 lanes: 8×12 (BLIS's shape for
// it) takes 8·3 = 24 accumulators, 3 for the row of B and 2 for the column of
// A (fmla can multiply by one lane of a register, so 8 numbers of A fill two
// registers instead of 8 broadcasts): 29 of 32, 24 fmla per 5 loads. The 16×8
// alternative (32 accumulators) leaves no register for A and B at all, and
// the 6×8 of the 4-lane fallback keeps 20 registers idle.
#if defined(__aarch64__)
constexpr int kLanes = simd::kNativeLanes;  // 4
constexpr int MR = 8;
constexpr int kVecPerRow = 3;  // vectors across one row of the tile
#elif defined(__AVX512F__)
constexpr int kLanes = 16;
constexpr int MR = 14;
constexpr int kVecPerRow = 2;
#elif defined(__AVX__)
constexpr int kLanes = 8;
constexpr int MR = 6;
constexpr int kVecPerRow = 2;
#else
constexpr int kLanes = 4;
constexpr int MR = 6;
constexpr int kVecPerRow = 2;
#endif
constexpr int NR = kVecPerRow * kLanes;  // 32 floats with AVX-512, 12 with NEON
static_assert(MR * kVecPerRow + kVecPerRow + 1 <= simd::kVectorRegisters,
              "the micro-tile's accumulators, a row of B and a number of A fit the registers");

// Cache blocking (AVX-512 machine: 48 KB L1d, 1 MB L2 per core):
//   KC·NR·4 B  = 256·32·4  = 32 KB: B's sliver stays in L1 across the ir loop,
//   MC·KC·4 B  = 112·256·4 = 112 KB: A's block stays in L2 across the jr loop,
//   KC·NC·4 B  = 256·4096·4 = 4 MB: B's panel comes from L3 for each ic block.
constexpr int64_t KC = 256;
constexpr int64_t MC = 8 * MR;
constexpr int64_t NC = 4096;

// op(A)[i, k] and op(B)[k, j] of the stored, possibly transposed matrices.
struct Operand {
  const float* data;
  int64_t ld;
  bool trans;
  // Element (row, col) of op(X).
  float at(int64_t row, int64_t col) const {
    return trans ? data[col * ld + row] : data[row * ld + col];
  }
};

// The micro-kernels (gemm_micro_kernel.cpp): C[0:MR, 0:NR] = alpha·Ã·B̃ + beta·C
// with B̃ a packed sliver (kc steps of NR numbers) and Ã packed (number (r, k)
// at a[r + k·MR]) or read in place (at a[r·a_row_step + k·a_k_step]); then the
// epilogue ep, positioned at the tile's C[0, 0], unless ep is null. The edge
// kernel writes only the m×n corner of C that exists.
void micro_kernel_packed(int64_t kc, const float* a, const float* b, float alpha, float beta,
                         float* c, int64_t ldc, const Epilogue* ep);
void micro_kernel_strided(int64_t kc, const float* a, int64_t a_row_step, int64_t a_k_step,
                          const float* b, float alpha, float beta, float* c, int64_t ldc,
                          const Epilogue* ep);
void edge_kernel(int64_t kc, const float* a, int64_t a_row_step, int64_t a_k_step, const float* b,
                 float alpha, float beta, float* c, int64_t ldc, int64_t m, int64_t n,
                 const Epilogue* ep);

// Packs op(A)[i0:i0+mc, p0:p0+kc] into slivers of MR rows (see gemm.cpp).
void pack_a(const Operand& A, int64_t i0, int64_t mc, int64_t p0, int64_t kc, float* packed);

// Where gemm_serial finds its operands. op(A): packed block by block as the
// loops reach it, or read from a PackedA that holds all of it already. op(B):
// a stored matrix, or a GemmRows source (its columns start at j_offset).
struct ASource {
  Operand A{};
  const PackedA* packed = nullptr;
};
struct BSource {
  Operand B{};
  const GemmRows* rows = nullptr;
  int64_t j_offset = 0;
};

// C[0:M, 0:N] = alpha·op(A)·op(B) + beta·C on one thread (see gemm.cpp), then
// the epilogue (positioned at C[0, 0]).
void gemm_serial(int64_t M, int64_t N, int64_t K, float alpha, const ASource& a_src,
                 const BSource& b_src, float beta, float* C, int64_t ldc, const Epilogue& epilogue);

// Rejects sizes and leading dimensions no valid matrix could have.
void check_arguments(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, int64_t lda,
                     int64_t ldb, int64_t ldc);
// C = alpha·0 + beta·C, as gemm_naive computes an empty sum (K == 0), then the epilogue.
void scale_only(int64_t M, int64_t N, float alpha, float beta, float* C, int64_t ldc,
                const Epilogue& epilogue);

// Threads split C into stripes of whole micro-tiles, each stripe a smaller
// gemm of its own. The grain keeps a stripe at >= ~2 MFLOP so the wake-up of
// a worker (a few µs) stays small next to the work it gets.
constexpr int64_t kMinFlopsPerThread = 2'000'000;

}  // namespace ag::gemm_detail
