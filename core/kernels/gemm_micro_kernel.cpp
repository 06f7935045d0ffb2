// core/kernels/gemm_micro_kernel.cpp: the innermost loop of sgemm, one MR×NR
// tile of C kept in vector registers (read gemm.cpp's header first).
//
// Shape legend (as gemm.cpp): MR×NR the micro-tile, kc the depth of one
// packed sliver pair, Ã (MR × kc) a sliver of op(A), B̃ (kc × NR) one of op(B).
//
// Keeping the tile in registers is the whole point, and g++ needs help to do
// it. The tile is written as an array, acc[Rows][kVecPerRow], which reads well
// but is memory: g++ turns an array's elements into registers (its "scalar
// replacement of aggregates") only if every index is a constant when that
// pass runs. The loops over r and v have constant bounds, but g++ unrolled
// only the k loop's inner ones early; the loops that zero the tile and write
// it to C were unrolled later, after the array had been given up to the stack.
// The k loop still ran in registers (the compiler moved the tile into
// registers around it), but every tile began with a 1,792-byte memset and
// ended with 28 stores and 28 reloads of the stack (objdump -d
// build/obj/core/kernels/gemm_micro_kernel.o; measured in
// tests/bench/gemm.cpp's header). `#pragma GCC unroll` on those loops makes
// g++ unroll them first, so every acc[r][v] is a named register from start to
// end: no stack traffic at all around a tile.
#include <array>
#include <cstdint>
#include <utility>

#include "core/kernels/gemm.h"
#include "core/kernels/gemm_internal.h"
#include "core/kernels/simd.h"

namespace ag::gemm_detail {

typedef float vfloat __attribute__((vector_size(kLanes * sizeof(float))));

#if defined(__aarch64__)
// arm64 only: the k loop of micro_kernel_body when the Rows numbers of A for
// step k are contiguous (a packed sliver). NEON's fmla multiplies a vector by
// one lane of another register, so the column of A is loaded as Rows/4
// vectors and each lane used in place: 2 registers for A where 8 scalars
// (g++ gives each its own register) would push the 8×12 tile's 24
// accumulators out of the 32 registers, to the stack.
template <int Rows>
[[gnu::always_inline]] inline void accumulate_by_lanes(int64_t kc, const float* __restrict a,
                                                       int64_t a_k_step, const float* __restrict b,
                                                       vfloat (&acc)[Rows][kVecPerRow]) {
  for (int64_t k = 0; k < kc; ++k) {
    vfloat b_row[kVecPerRow];
    for (int v = 0; v < kVecPerRow; ++v) b_row[v] = simd::load<vfloat>(b + v * kLanes);
    for (int g = 0; g < Rows / kLanes; ++g) {
      const vfloat a_col = simd::load<vfloat>(a + g * kLanes);  // rows g·4 ... g·4 + 3
      for (int lane = 0; lane < kLanes; ++lane)
        for (int v = 0; v < kVecPerRow; ++v) acc[g * kLanes + lane][v] += a_col[lane] * b_row[v];
    }
    a += a_k_step;
    b += NR;
  }
}
#endif

// One vector of the finished tile, row r and lanes v·kLanes ..., through the
// epilogue (gemm.h): + bias[r], + the residual's lanes, then max(., 0).
[[gnu::always_inline]] inline vfloat epilogue_vector(vfloat out, const Epilogue& ep, int r, int v) {
  if (ep.bias) out += ep.bias[r];
  if (ep.residual) out += simd::load<vfloat>(ep.residual + r * ep.residual_ld + v * kLanes);
  if (ep.relu) out = out < 0.0f ? vfloat{} : out;  // lane-wise select; NaN lanes stay NaN
  return out;
}

// The micro-kernel: C[0:Rows, 0:NR] = alpha · Ã·B̃ + beta · C, then the epilogue
// when kWithEpilogue (ep positioned at the tile's C[0, 0]). B̃ is a packed sliver
// of B (kc steps of NR numbers) and Ã a sliver of A whose number (r, k) is at
// a[r * a_row_step + k * a_k_step]. beta == 0 means C is not read. Full tiles
// have Rows = MR; edge_rows instantiates it with fewer rows.
template <int Rows, bool kWithEpilogue>
[[gnu::always_inline]] inline void micro_kernel_body(int64_t kc, const float* __restrict a,
                                                     int64_t a_row_step, int64_t a_k_step,
                                                     const float* __restrict b, float alpha,
                                                     float beta, float* __restrict c, int64_t ldc,
                                                     const Epilogue* ep) {
  vfloat acc[Rows][kVecPerRow];
#pragma GCC unroll 16  // see the top of the file: unrolled early, acc lives in registers
  for (int r = 0; r < Rows; ++r)
#pragma GCC unroll 4
    for (int v = 0; v < kVecPerRow; ++v) acc[r][v] = vfloat{};
#if defined(__aarch64__)
  if (Rows % kLanes == 0 && a_row_step == 1) {
    accumulate_by_lanes<Rows>(kc, a, a_k_step, b, acc);
    kc = 0;  // done: the general loop below runs no step
  }
#endif
  for (int64_t k = 0; k < kc; ++k) {
    vfloat b_row[kVecPerRow];
    for (int v = 0; v < kVecPerRow; ++v) b_row[v] = simd::load<vfloat>(b + v * kLanes);
    for (int r = 0; r < Rows; ++r) {
      float a_rk = a[r * a_row_step];  // broadcast: scalar * vector multiplies every lane
      for (int v = 0; v < kVecPerRow; ++v) acc[r][v] += a_rk * b_row[v];
    }
    a += a_k_step;
    b += NR;
  }
  float* c_row = c;
#pragma GCC unroll 16
  for (int r = 0; r < Rows; ++r, c_row += ldc) {
#pragma GCC unroll 4
    for (int v = 0; v < kVecPerRow; ++v) {
      float* cv = c_row + v * kLanes;
      vfloat out = alpha * acc[r][v];
      if (beta != 0.0f) out += beta * simd::load<vfloat>(cv);
      if constexpr (kWithEpilogue) out = epilogue_vector(out, *ep, r, v);
      simd::store(cv, out);
    }
  }
}

// Ã packed: number (r, k) at a[r + k·MR]. With the steps known at compile
// time every broadcast is a fixed offset from one pointer: the fast path.
void micro_kernel_packed(int64_t kc, const float* a, const float* b, float alpha, float beta,
                         float* c, int64_t ldc, const Epilogue* ep) {
  if (ep)
    micro_kernel_body<MR, true>(kc, a, 1, MR, b, alpha, beta, c, ldc, ep);
  else
    micro_kernel_body<MR, false>(kc, a, 1, MR, b, alpha, beta, c, ldc, nullptr);
}

// Ã read in place from A (see the N <= NR case in gemm_serial).
void micro_kernel_strided(int64_t kc, const float* a, int64_t a_row_step, int64_t a_k_step,
                          const float* b, float alpha, float beta, float* c, int64_t ldc,
                          const Epilogue* ep) {
  if (ep)
    micro_kernel_body<MR, true>(kc, a, a_row_step, a_k_step, b, alpha, beta, c, ldc, ep);
  else
    micro_kernel_body<MR, false>(kc, a, a_row_step, a_k_step, b, alpha, beta, c, ldc, nullptr);
}

// The Rows×NR product of an edge tile into a scratch tile (alpha 1, beta 0).
template <int Rows>
void edge_rows(int64_t kc, const float* a, int64_t a_row_step, int64_t a_k_step, const float* b,
               float* tile) {
  micro_kernel_body<Rows, false>(kc, a, a_row_step, a_k_step, b, 1.0f, 0.0f, tile, NR, nullptr);
}

// edge_rows<1> ... edge_rows<MR>, indexed by the number of rows minus one.
using EdgeRowsFn = void (*)(int64_t, const float*, int64_t, int64_t, const float*, float*);
template <int... R>
constexpr std::array<EdgeRowsFn, sizeof...(R)> edge_rows_table(std::integer_sequence<int, R...>) {
  return {&edge_rows<R + 1>...};
}
constexpr auto kEdgeRows = edge_rows_table(std::make_integer_sequence<int, MR>());

// An edge tile (m < MR or n < NR rows/columns of C left): compute the tile
// into a scratch buffer (the packed zeros make the extra columns zero), then
// update only the m×n part of C that exists, through the epilogue if any. It
// uses exactly m rows of accumulators: M = 128 output channels leaves a 2-row
// edge with MR = 14, and a full-height tile would spend 12 rows of
// multiply-adds on nothing.
void edge_kernel(int64_t kc, const float* a, int64_t a_row_step, int64_t a_k_step, const float* b,
                 float alpha, float beta, float* c, int64_t ldc, int64_t m, int64_t n,
                 const Epilogue* ep) {
  alignas(64) float tile[MR * NR];
  kEdgeRows[m - 1](kc, a, a_row_step, a_k_step, b, tile);
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j) {
      float out = alpha * tile[i * NR + j];
      if (beta != 0.0f) out += beta * c[i * ldc + j];
      c[i * ldc + j] = ep ? ep->apply(out, i, j) : out;
    }
}

}  // namespace ag::gemm_detail
