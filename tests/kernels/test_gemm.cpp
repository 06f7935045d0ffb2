// tests/kernels/test_gemm.cpp: the fast sgemm must compute what sgemm_naive computes.
//
// Shape legend: C[M, N] = alpha · op(A)[M, K] · op(B)[K, N] + beta · C.
//
// The two kernels add the K products in different orders, so they agree only
// up to rounding. The bound used here is the textbook one for a float dot
// product: |error| <= K · eps · sum_k |a_ik · b_kj|, for each kernel, so their
// difference is at most twice that (plus the beta · C term's rounding).
#include <doctest/doctest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

#include "core/error.h"
#include "core/kernels/gemm.h"
#include "core/kernels/parallel.h"
#include "core/reference/gemm_naive.h"
#include "tests/helpers/kernel_test_util.h"

namespace {

constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();
constexpr float kSentinel = 12345.0f;  // marks C's padding, which must stay untouched

// A rows×cols matrix stored with leading dimension ld = cols + pad. The padding
// holds `pad_value`: NaN for inputs (a kernel that reads it poisons C).
struct Stored {
  int64_t rows, cols, ld;
  std::vector<float> values;
  Stored(int64_t r, int64_t c, int64_t pad, float pad_value, std::mt19937& gen)
      : rows(r), cols(c), ld(c + pad), values(r * (c + pad), pad_value) {
    std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
    for (int64_t i = 0; i < rows; ++i)
      for (int64_t j = 0; j < cols; ++j) values[i * ld + j] = dist(gen);
  }
};

struct Case {
  bool trans_a, trans_b;
  int64_t M, N, K, pad;
  float alpha, beta;
};

// Runs sgemm and sgemm_naive on the same random inputs and checks them
// element by element against the rounding bound. Returns the number of
// elements outside it (0 expected) so a failing case reports once.
int64_t count_mismatches(const Case& t, uint32_t seed) {
  std::mt19937 gen(seed);
  // Stored shapes: A is M×K, or K×M when transposed; B is K×N, or N×K.
  Stored A(t.trans_a ? t.K : t.M, t.trans_a ? t.M : t.K, t.pad, kNaN, gen);
  Stored B(t.trans_b ? t.N : t.K, t.trans_b ? t.K : t.N, t.pad, kNaN, gen);
  Stored C0(t.M, t.N, t.pad, kSentinel, gen);
  if (t.beta == 0.0f)  // beta == 0: C must not be read, so fill it with NaN
    for (int64_t i = 0; i < t.M; ++i)
      for (int64_t j = 0; j < t.N; ++j) C0.values[i * C0.ld + j] = kNaN;

  std::vector<float> fast = C0.values, naive = C0.values;
  ag::sgemm(t.trans_a, t.trans_b, t.M, t.N, t.K, t.alpha, A.values.data(), A.ld, B.values.data(),
            B.ld, t.beta, fast.data(), C0.ld);
  ag::sgemm_naive(t.trans_a, t.trans_b, t.M, t.N, t.K, t.alpha, A.values.data(), A.ld,
                  B.values.data(), B.ld, t.beta, naive.data(), C0.ld);

  // sum_k |a_ik · b_kj| for the bound: the naive product of |A| and |B|.
  std::vector<float> abs_a(A.values.size()), abs_b(B.values.size());
  for (size_t i = 0; i < abs_a.size(); ++i) abs_a[i] = std::fabs(A.values[i]);
  for (size_t i = 0; i < abs_b.size(); ++i) abs_b[i] = std::fabs(B.values[i]);
  std::vector<float> magnitude(C0.values.size(), 0.0f);
  ag::sgemm_naive(t.trans_a, t.trans_b, t.M, t.N, t.K, 1.0f, abs_a.data(), A.ld, abs_b.data(), B.ld,
                  0.0f, magnitude.data(), C0.ld);

  const float eps = std::numeric_limits<float>::epsilon();
  int64_t mismatches = 0;
  for (int64_t i = 0; i < t.M; ++i) {
    for (int64_t j = 0; j < C0.ld; ++j) {
      int64_t at = i * C0.ld + j;
      if (j >= t.N) {  // padding of C: never written
        mismatches += std::memcmp(&fast[at], &kSentinel, sizeof(float)) != 0;
        continue;
      }
      float old_c = t.beta == 0.0f ? 0.0f : std::fabs(C0.values[at] * t.beta);
      float bound = 2.0f * (t.K + 2) * eps * (std::fabs(t.alpha) * magnitude[at] + old_c) + 1e-30f;
      bool ok = std::isfinite(fast[at]) && std::fabs(fast[at] - naive[at]) <= bound;
      mismatches += !ok;
    }
  }
  return mismatches;
}

// The matrix of sizes every variant is tried on: empty, 1, odd, prime, around
// the micro-tile (14×32 with AVX-512, 6×16 with AVX2) and the cache blocks
// (MC = 112 rows, KC = 256), and a few non-multiples of everything.
const int64_t kSizes[][3] = {
    {0, 0, 0},
    {0, 5, 3},
    {5, 0, 3},
    {5, 3, 0},
    {1, 1, 1},
    {1, 17, 1},
    {17, 1, 33},
    {2, 3, 4},
    {3, 5, 7},
    {13, 31, 29},
    {14, 32, 1},
    {14, 32, 16},
    {15, 33, 2},
    {6, 16, 5},
    {7, 17, 19},
    {28, 64, 256},
    {29, 65, 257},
    {67, 131, 97},
    {113, 40, 300},
    {200, 37, 300},
    {5, 700, 300},
    {1, 300, 129},
    // N <= NR: A is read in place instead of packed (full and ragged slivers)
    {67, 32, 97},
    {200, 19, 300},
    {28, 5, 40},
};

}  // namespace

TEST_SUITE("kernels.gemm") {

TEST_CASE("sgemm matches sgemm_naive: every shape, transpose, padding and alpha/beta") {
  struct AlphaBeta {
    float alpha, beta;
  };
  const AlphaBeta scalings[] = {{1.0f, 0.0f}, {0.5f, 2.0f}, {-1.5f, 1.0f}, {1.0f, -0.25f}};
  uint32_t seed = 1;
  for (const auto& size : kSizes)
    for (bool trans_a : {false, true})
      for (bool trans_b : {false, true})
        for (int64_t pad : {0, 3})
          for (AlphaBeta s : scalings) {
            Case t{trans_a, trans_b, size[0], size[1], size[2], pad, s.alpha, s.beta};
            CAPTURE(t.M);
            CAPTURE(t.N);
            CAPTURE(t.K);
            CAPTURE(trans_a);
            CAPTURE(trans_b);
            CAPTURE(pad);
            CAPTURE(s.alpha);
            CAPTURE(s.beta);
            CHECK(count_mismatches(t, seed++) == 0);
          }
}

TEST_CASE("sgemm matches sgemm_naive on 1, 2 and 3 threads") {
  ag_test::ThreadCount guard(ag::get_num_threads());
  for (int threads : {1, 2, 3}) {
    ag::set_num_threads(threads);
    CAPTURE(threads);
    // Big enough to be split: over rows (tall C) and over columns (wide C).
    CHECK(count_mismatches({false, false, 200, 37, 300, 0, 1.0f, 0.0f}, 7) == 0);
    CHECK(count_mismatches({true, true, 200, 37, 300, 1, 0.5f, 1.0f}, 8) == 0);
    CHECK(count_mismatches({false, true, 5, 2000, 300, 2, 1.0f, 0.0f}, 9) == 0);
    CHECK(count_mismatches({true, false, 3, 4200, 70, 0, -1.0f, 0.5f}, 10) == 0);
    CHECK(count_mismatches({false, false, 300, 32, 200, 1, 1.0f, 0.0f}, 11) == 0);
  }
}

TEST_CASE("beta == 0 overwrites C without reading it; K == 0 scales C by beta") {
  // Inputs of ones: every dot product is exactly K.
  std::vector<float> A(6 * 4, 1.0f), B(4 * 5, 1.0f);
  std::vector<float> C(6 * 5, kNaN);
  ag::sgemm(false, false, 6, 5, 4, 2.0f, A.data(), 4, B.data(), 5, 0.0f, C.data(), 5);
  for (float c : C) CHECK(c == 8.0f);

  std::vector<float> C2(6 * 5, 3.0f);
  ag::sgemm(false, false, 6, 5, 0, 2.0f, A.data(), 4, B.data(), 5, 0.5f, C2.data(), 5);
  for (float c : C2) CHECK(c == 1.5f);
  std::vector<float> C3(6 * 5, kNaN);
  ag::sgemm(false, false, 6, 5, 0, 2.0f, A.data(), 4, B.data(), 5, 0.0f, C3.data(), 5);
  for (float c : C3) CHECK(c == 0.0f);
}

TEST_CASE("the same thread count gives bit-identical results run after run") {
  ag_test::ThreadCount guard(ag::get_num_threads());
  std::mt19937 gen(42);
  const int64_t M = 203, N = 171, K = 611;  // several K blocks, ragged edges
  Stored A(M, K, 0, 0.0f, gen), B(K, N, 0, 0.0f, gen);
  auto run = [&](int threads) {
    ag::set_num_threads(threads);
    std::vector<float> C(M * N, 0.0f);
    ag::sgemm(false, false, M, N, K, 1.0f, A.values.data(), K, B.values.data(), N, 0.0f, C.data(),
              N);
    return C;
  };
  for (int threads : {1, 2}) {
    CAPTURE(threads);
    std::vector<float> first = run(threads), second = run(threads);
    CHECK(std::memcmp(first.data(), second.data(), first.size() * sizeof(float)) == 0);
  }
  // Stronger, and true of this kernel: threads split C, never a sum over K, so
  // each element is added up in the same order whatever the thread count.
  std::vector<float> one = run(1), two = run(2);
  CHECK(std::memcmp(one.data(), two.data(), one.size() * sizeof(float)) == 0);
}

TEST_CASE("sgemm rejects impossible sizes and leading dimensions") {
  std::vector<float> A(12, 1.0f), B(12, 1.0f), C(12, 0.0f);
  CHECK_THROWS_WITH_AS(
      ag::sgemm(false, false, -1, 2, 2, 1.0f, A.data(), 2, B.data(), 2, 0.0f, C.data(), 2),
      "sgemm: sizes must be non-negative, got M=-1, N=2, K=2", ag::Error);
  // A is 3×4 as stored, so its rows are at least 4 floats apart.
  CHECK_THROWS_WITH_AS(
      ag::sgemm(false, false, 3, 2, 4, 1.0f, A.data(), 3, B.data(), 2, 0.0f, C.data(), 2),
      "sgemm: lda=3 is smaller than the 4 columns of the stored 3x4 matrix", ag::Error);
  // Transposed B is stored N×K = 2×4.
  CHECK_THROWS_WITH_AS(
      ag::sgemm(false, true, 3, 2, 4, 1.0f, A.data(), 4, B.data(), 2, 0.0f, C.data(), 2),
      "sgemm: ldb=2 is smaller than the 4 columns of the stored 2x4 matrix", ag::Error);
  CHECK_THROWS_WITH_AS(
      ag::sgemm(false, false, 3, 2, 4, 1.0f, A.data(), 4, B.data(), 2, 0.0f, C.data(), 1),
      "sgemm: ldc=1 is smaller than the 2 columns of the stored 3x2 matrix", ag::Error);
}

}  // TEST_SUITE("kernels.gemm")
