// core/kernels/gemm.cpp: the fast sgemm, blocked for caches and registers.
//
// Shape legend:
//   M rows of C and of op(A)         MR×NR   micro-tile: the block of C held in registers
//   N columns of C and of op(B)      MC×KC   block of op(A), packed, lives in L2
//   K the dimension summed over      KC×NC   panel of op(B), packed, lives in L3 (an
//                                            NR-wide sliver of it, KC×NR, lives in L1)
//
// Why not the triple loop of reference/gemm_naive.cpp? It does 2 flops per two loads, and
// one of those loads (B[k, j] with k moving) jumps a whole row of B each time.
// The core can do 2 fused multiply-adds of 16 floats per cycle but only a few
// loads, so the game is to reuse every loaded number many times from registers:
//
//   1. Register blocking. The micro-kernel keeps an MR×NR tile of C in vector
//      registers. Each step k loads one column of A's sliver (MR numbers) and
//      one row of B's sliver (NR numbers) and does MR·NR multiply-adds with
//      them: an outer product. MR + NR loads buy MR·NR flops.
//   2. Packing. The micro-kernel wants its MR numbers of A and NR numbers of B
//      for step k next to each other in memory, for every k. Neither A nor B is
//      stored that way (and transposes or a padded lda make it worse), so
//      before computing we copy a block of op(A) and a panel of op(B) into
//      aligned buffers in exactly the order the micro-kernel reads them. The
//      copy costs O(MC·KC + KC·NC) and is reused O(MC·KC·NC) times. As a bonus,
//      transposes are handled once, in the packing, and the micro-kernel only
//      ever sees one layout; edges are padded with zeros so every tile is full.
//      (One exception: when N <= NR each number of A is used by one micro-
//      kernel call only, so packing A would cost a pass and buy nothing; the
//      micro-kernel then reads A where it lies, with strides.)
//   3. Cache blocking. KC, MC and NC are chosen so that the data each loop
//      level reuses stays in the cache level that can feed it (see the loops in
//      gemm_serial).
//
// The micro-kernel itself is in gemm_micro_kernel.cpp. It computes on a GCC/Clang
// vector type: `vfloat` is 16 floats (with AVX-512) and `a * b + c` on it
// compiles to one vfmadd instruction. No intrinsics: the same code builds,
// slower, on machines with AVX2 or only SSE, and on arm64 (NEON: 4 lanes;
// gemm_internal.h picks its tile). An Epilogue (gemm.h) rides along to the
// micro-kernel and is applied there on the last KC step, the one that writes
// C's final values.
#include "core/kernels/gemm.h"
#include "core/kernels/gemm_internal.h"

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <memory>
#include <new>

#include "core/error.h"
#include "core/kernels/parallel.h"
#include "core/kernels/simd.h"

namespace ag {
namespace gemm_detail {

// Packs op(A)[i0:i0+mc, p0:p0+kc] into slivers of MR rows: sliver s holds, for
// k = 0..kc-1, the MR numbers op(A)[i0+s·MR+r, p0+k], r = 0..MR-1. Rows past
// the end of A are zero-filled so the micro-kernel never needs a special case.
void pack_a(const Operand& A, int64_t i0, int64_t mc, int64_t p0, int64_t kc, float* packed) {
  for (int64_t s = 0; s < mc; s += MR) {
    int64_t rows = std::min<int64_t>(MR, mc - s);
    if (A.trans) {
      // op(A)[i, k] = A[k, i]: the MR numbers of step k are contiguous.
      for (int64_t k = 0; k < kc; ++k) {
        const float* src = A.data + (p0 + k) * A.ld + i0 + s;
        for (int64_t r = 0; r < rows; ++r) packed[k * MR + r] = src[r];
      }
    } else {
      // Row r of the sliver is contiguous in A: read it along k, write with stride MR.
      for (int64_t r = 0; r < rows; ++r) {
        const float* src = A.data + (i0 + s + r) * A.ld + p0;
        for (int64_t k = 0; k < kc; ++k) packed[k * MR + r] = src[k];
      }
    }
    for (int64_t k = 0; k < kc; ++k)
      for (int64_t r = rows; r < MR; ++r) packed[k * MR + r] = 0.0f;
    packed += kc * MR;
  }
}

// Packs op(B)[p0:p0+kc, j0:j0+nc] into slivers of NR columns: sliver s holds,
// for k = 0..kc-1, the NR numbers op(B)[p0+k, j0+s·NR+c]. When B is not
// transposed those NR numbers are contiguous in memory: a straight copy.
void pack_b(const Operand& B, int64_t p0, int64_t kc, int64_t j0, int64_t nc, float* packed) {
  for (int64_t s = 0; s < nc; s += NR) {
    int64_t cols = std::min<int64_t>(NR, nc - s);
    for (int64_t k = 0; k < kc; ++k) {
      if (!B.trans) {
        std::memcpy(packed, B.data + (p0 + k) * B.ld + j0 + s, cols * sizeof(float));
      } else {
        for (int64_t c = 0; c < cols; ++c) packed[c] = B.at(p0 + k, j0 + s + c);
      }
      for (int64_t c = cols; c < NR; ++c) packed[c] = 0.0f;
      packed += NR;
    }
  }
}

// The same panel from a GemmRows source (gemm_packed.h): each row k of op(B) is
// produced once, as nc contiguous numbers, and cut into the NR-wide slivers.
// The row lands in `row_scratch` (or is read in place), which stays in L1.
void pack_b_rows(const GemmRows& rows, int64_t p0, int64_t kc, int64_t j0, int64_t nc,
                 float* row_scratch, float* packed) {
  for (int64_t k = 0; k < kc; ++k) {
    const float* row = rows(p0 + k, j0, nc, row_scratch);
    for (int64_t s = 0; s < nc; s += NR) {
      int64_t cols = std::min<int64_t>(NR, nc - s);
      float* dst = packed + s * kc + k * NR;  // sliver s/NR starts at (s/NR)·kc·NR = s·kc
      std::memcpy(dst, row + s, cols * sizeof(float));
      for (int64_t c = cols; c < NR; ++c) dst[c] = 0.0f;
    }
  }
}

// 64-byte aligned scratch, one pair per thread, grown on demand and freed when
// the thread exits (pool workers exit at program end).
struct AlignedFree {
  void operator()(float* p) const { ::operator delete[](p, std::align_val_t{64}); }
};
using AlignedBuffer = std::unique_ptr<float[], AlignedFree>;

float* scratch(AlignedBuffer& buffer, int64_t& capacity, int64_t floats) {
  if (capacity < floats) {
    buffer.reset(
        static_cast<float*>(::operator new[](floats * sizeof(float), std::align_val_t{64})));
    capacity = floats;
  }
  return buffer.get();
}

// C[0:M, 0:N] = alpha·op(A)·op(B) + beta·C on one thread: the five loops
// around the micro-kernel (the BLIS design of Goto and van de Geijn).
void gemm_serial(int64_t M, int64_t N, int64_t K, float alpha, const ASource& a_src,
                 const BSource& b_src, float beta, float* C, int64_t ldc,
                 const Epilogue& epilogue) {
  thread_local AlignedBuffer a_buffer, b_buffer, row_buffer;
  thread_local int64_t a_capacity = 0, b_capacity = 0, row_capacity = 0;
  const Operand& A = a_src.A;
  float* a_packed = scratch(a_buffer, a_capacity, MC * KC);
  float* b_packed = scratch(b_buffer, b_capacity, KC * ((std::min(N, NC) + NR - 1) / NR * NR));
  float* row_scratch = b_src.rows ? scratch(row_buffer, row_capacity, std::min(N, NC)) : nullptr;

  // Loop 5: column panels of B and C, NC wide.
  for (int64_t jc = 0; jc < N; jc += NC) {
    int64_t nc = std::min(NC, N - jc);
    // Loop 4: K in steps of KC. The first step applies the caller's beta; the
    // later ones add onto what the first wrote (beta = 1).
    for (int64_t pc = 0; pc < K; pc += KC) {
      int64_t kc = std::min(KC, K - pc);
      float beta_here = pc == 0 ? beta : 1.0f;
      // The epilogue acts on C's final values: those of the last step only.
      const bool last_step = pc + kc == K && !epilogue.does_nothing();
      // KC×NC panel: reused by every ic block
      if (b_src.rows)
        pack_b_rows(*b_src.rows, pc, kc, b_src.j_offset + jc, nc, row_scratch, b_packed);
      else
        pack_b(b_src.B, pc, kc, jc, nc, b_packed);
      // Loop 3: row blocks of A and C, MC tall.
      for (int64_t ic = 0; ic < M; ic += MC) {
        int64_t mc = std::min(MC, M - ic);
        // Packing pays when the block is reused by several B slivers; with a
        // single one (N <= NR: a matrix-vector-like product) every number of
        // A is used once, so the micro-kernel reads A where it lies. A PackedA
        // was packed once for many products: its block is simply looked up.
        const float* a_block = a_packed;
        bool pack_block = nc > NR || a_src.packed;
        if (a_src.packed)
          a_block = a_src.packed->block(ic, pc);
        else if (pack_block)
          pack_a(A, ic, mc, pc, kc, a_packed);  // MC×KC, reused by every jr sliver
        // Loop 2: NR-wide slivers of the B panel; each stays in L1 for loop 1.
        for (int64_t jr = 0; jr < nc; jr += NR) {
          int64_t n = std::min<int64_t>(NR, nc - jr);
          const float* b = b_packed + jr * kc;
          // Loop 1: MR-tall slivers of the A block, streamed from L2.
          for (int64_t ir = 0; ir < mc; ir += MR) {
            int64_t m = std::min<int64_t>(MR, mc - ir);
            float* c = C + (ic + ir) * ldc + jc + jr;
            const float* a = a_block + ir * kc;  // packed: number (r, k) at r + k·MR
            int64_t a_row_step = 1, a_k_step = MR;
            if (!pack_block && m == MR) {  // op(A)[ic+ir+r, pc+k] in place
              a = A.trans ? A.data + pc * A.ld + ic + ir : A.data + (ic + ir) * A.ld + pc;
              a_row_step = A.trans ? 1 : A.ld;
              a_k_step = A.trans ? A.ld : 1;
            } else if (!pack_block) {  // a ragged last sliver: pack it, zero-padded
              pack_a(A, ic + ir, m, pc, kc, a_packed);
              a = a_packed;
            }
            const Epilogue tile_epilogue = epilogue.at(ic + ir, jc + jr);
            const Epilogue* ep = last_step ? &tile_epilogue : nullptr;
            if (m == MR && n == NR && pack_block)
              micro_kernel_packed(kc, a, b, alpha, beta_here, c, ldc, ep);
            else if (m == MR && n == NR)
              micro_kernel_strided(kc, a, a_row_step, a_k_step, b, alpha, beta_here, c, ldc, ep);
            else
              edge_kernel(kc, a, a_row_step, a_k_step, b, alpha, beta_here, c, ldc, m, n, ep);
          }
        }
      }
    }
  }
}

// Rejects sizes and leading dimensions no valid matrix could have.
void check_arguments(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, int64_t lda,
                     int64_t ldb, int64_t ldc) {
  if (M < 0 || N < 0 || K < 0)
    fail("sgemm: sizes must be non-negative, got M=", M, ", N=", N, ", K=", K);
  // A stored matrix of `rows` rows needs at least `cols` floats per row.
  auto check_ld = [](const char* name, int64_t ld, int64_t rows, int64_t cols) {
    if (rows > 1 && ld < cols)
      fail("sgemm: ", name, "=", ld, " is smaller than the ", cols, " columns of the stored ", rows,
           "x", cols, " matrix");
  };
  check_ld("lda", lda, trans_a ? K : M, trans_a ? M : K);
  check_ld("ldb", ldb, trans_b ? N : K, trans_b ? K : N);
  check_ld("ldc", ldc, M, N);
}

// C = alpha·0 + beta·C, as gemm_naive computes an empty sum (K == 0), then
// the epilogue.
void scale_only(int64_t M, int64_t N, float alpha, float beta, float* C, int64_t ldc,
                const Epilogue& epilogue) {
  for (int64_t i = 0; i < M; ++i)
    for (int64_t j = 0; j < N; ++j) {
      float& c = C[i * ldc + j];
      c = epilogue.apply(alpha * 0.0f + (beta == 0.0f ? 0.0f : beta * c), i, j);
    }
}

}  // namespace gemm_detail

using namespace gemm_detail;

void sgemm(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, float alpha, const float* A,
           int64_t lda, const float* B, int64_t ldb, float beta, float* C, int64_t ldc) {
  check_arguments(trans_a, trans_b, M, N, K, lda, ldb, ldc);
  if (M == 0 || N == 0) return;
  if (K == 0) return scale_only(M, N, alpha, beta, C, ldc, Epilogue{});

  // Stripes of rows of C (and A) when M is the longer side, columns of C (and
  // B) otherwise. Threads share nothing but the inputs, so no locks; each
  // packs its own copy of the operand it shares, a small cost next to the
  // compute (sgemm_packed avoids even that).
  Operand a_op{A, lda, trans_a}, b_op{B, ldb, trans_b};
  int64_t row_tiles = (M + MR - 1) / MR, col_tiles = (N + NR - 1) / NR;
  if (row_tiles * MR >= col_tiles * NR) {
    int64_t grain = std::max<int64_t>(1, kMinFlopsPerThread / (2 * MR * N * K));
    parallel_for(0, row_tiles, grain, [&](int64_t lo, int64_t hi) {
      int64_t i0 = lo * MR, i1 = std::min(M, hi * MR);
      Operand a_rows = a_op;
      a_rows.data += trans_a ? i0 : i0 * lda;  // op(A)[i0:i1, :]
      gemm_serial(i1 - i0, N, K, alpha, ASource{a_rows}, BSource{b_op}, beta, C + i0 * ldc, ldc,
                  Epilogue{});
    });
  } else {
    int64_t grain = std::max<int64_t>(1, kMinFlopsPerThread / (2 * NR * M * K));
    parallel_for(0, col_tiles, grain, [&](int64_t lo, int64_t hi) {
      int64_t j0 = lo * NR, j1 = std::min(N, hi * NR);
      Operand b_cols = b_op;
      b_cols.data += trans_b ? j0 * ldb : j0;  // op(B)[:, j0:j1]
      gemm_serial(M, j1 - j0, K, alpha, ASource{a_op}, BSource{b_cols}, beta, C + j0, ldc,
                  Epilogue{});
    });
  }
}

}  // namespace ag
