// tests/kernels/test_gemm_tile.cpp: the gemm's micro-tile is the one made for
// the processor this build targets (core/kernels/gemm_internal.h), and sgemm
// is right on and around that tile's edges.
//
// Shape legend: C[M, N] = op(A)[M, K] · op(B)[K, N]; the micro-tile is MR×NR,
// NR = kVecPerRow vectors of kLanes floats.
//
// Every branch of gemm_internal.h compiles on every target (vector types are
// a compiler extension, not an instruction set), so a build could silently
// fall back to the 4-lane, 16-register tile and still pass every other test.
// Under make test-arm64 this file says which tile the arm64 build chose, and
// the edge sizes below are that tile's (8×12 with NEON), not the x86 ones
// test_gemm.cpp names.
#include <doctest/doctest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "core/kernels/gemm.h"
#include "core/kernels/gemm_internal.h"
#include "core/kernels/simd.h"
#include "core/reference/gemm_naive.h"
#include "tests/helpers/kernel_test_util.h"
#include "tests/helpers/platform.h"

namespace {

using ag::gemm_detail::kLanes;
using ag::gemm_detail::kVecPerRow;
using ag::gemm_detail::MR;
using ag::gemm_detail::NR;

// The tile this build's processor should get: lanes, rows, columns.
struct Tile {
  std::string target;
  int lanes, rows, cols;
};

Tile expected_tile() {
#if defined(__aarch64__)
  return {"NEON (aarch64)", 4, 8, 12};
#elif defined(__AVX512F__)
  return {"AVX-512", 16, 14, 32};
#elif defined(__AVX__)
  return {"AVX", 8, 6, 16};
#else
  return {"4-lane fallback", 4, 6, 8};
#endif
}

// sgemm against sgemm_naive on random inputs; the largest relative error.
double gemm_error(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, uint64_t seed) {
  const std::vector<float> A = ag_test::random_values(M * K, seed);
  const std::vector<float> B = ag_test::random_values(K * N, seed + 1);
  const int64_t lda = trans_a ? M : K, ldb = trans_b ? K : N;
  std::vector<float> fast(M * N, 0.0f), naive(M * N, 0.0f);
  ag::sgemm(trans_a, trans_b, M, N, K, 1.0f, A.data(), lda, B.data(), ldb, 0.0f, fast.data(), N);
  ag::sgemm_naive(trans_a, trans_b, M, N, K, 1.0f, A.data(), lda, B.data(), ldb, 0.0f, naive.data(),
                  N);
  return ag_test::max_error(fast, naive);
}

}  // namespace

TEST_SUITE("kernels.gemm") {

TEST_CASE("the micro-tile is the target's: NEON's 8x12 on arm64, 14x32 with AVX-512") {
  const Tile tile = expected_tile();
  MESSAGE("compiled for " << std::string(ag_test::platform::compiled_for()) << ": the "
                          << tile.target << " micro-kernel, a " << MR << "x" << NR << " tile of "
                          << kLanes << "-lane vectors");
  CHECK(kLanes == tile.lanes);
  CHECK(kLanes == ag::simd::kNativeLanes);
  CHECK(MR == tile.rows);
  CHECK(NR == tile.cols);
  CHECK(NR == kVecPerRow * kLanes);
  // The tile fills the register file: its accumulators, a row of B and A's
  // numbers fit (NEON holds 8 numbers of A in 2 registers, fmla by lane; the
  // others broadcast 1), and the accumulators take at least 5/8 of it.
  const int a_registers = std::string(ag_test::platform::compiled_for()) == "aarch64" ? MR / 4 : 1;
  const int accumulators = MR * kVecPerRow;
  CHECK(accumulators + kVecPerRow + a_registers <= ag::simd::kVectorRegisters);
  CHECK(8 * accumulators >= 5 * ag::simd::kVectorRegisters);
}

TEST_CASE("sgemm matches sgemm_naive on and around the edges of this target's micro-tile") {
  // One short of a tile, a tile, one over, two tiles and one over; K short,
  // and longer than one KC block (256): the second block adds to C.
  const int64_t rows[] = {MR - 1, MR, MR + 1, 2 * MR, 2 * MR + 1};
  const int64_t cols[] = {NR - 1, NR, NR + 1, 2 * NR + 1};
  uint64_t seed = 1;
  for (int64_t M : rows)
    for (int64_t N : cols)
      for (int64_t K : {1, 9, 300})
        for (bool trans_a : {false, true})
          for (bool trans_b : {false, true}) {
            CAPTURE(M);
            CAPTURE(N);
            CAPTURE(K);
            CAPTURE(trans_a);
            CAPTURE(trans_b);
            CHECK(gemm_error(trans_a, trans_b, M, N, K, seed += 2) < (K > 256 ? 1e-4 : 1e-5));
          }
}

}  // TEST_SUITE("kernels.gemm")
