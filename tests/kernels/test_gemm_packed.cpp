// tests/kernels/test_gemm_packed.cpp: sgemm_packed (op(A) packed once, op(B) given by
// its rows) must compute what sgemm_naive computes.
//
// Shape legend: C[M, N] = alpha · op(A)[M, K] · B[K, N] + beta · C.
// The reference is a plain loop in double; the bound is the textbook one for
// a float dot product, |error| <= 2·(K + 2)·eps·sum_k |a_ik · b_kj| (+ |beta·c|).
#include <doctest/doctest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "core/error.h"
#include "core/kernels/gemm.h"
#include "core/kernels/gemm_packed.h"
#include "core/kernels/parallel.h"
#include "core/reference/gemm_naive.h"
#include "tests/helpers/kernel_test_util.h"

using ag_test::random_values;
using ag_test::ThreadCount;

namespace {

// Elements of C outside the rounding bound of the double-precision product.
// B is served by a row source that copies each requested piece into the
// scratch row (as a convolution's im2col rows are), or read in place.
int64_t count_mismatches(bool trans_a, int64_t M, int64_t N, int64_t K, float alpha, float beta,
                         bool rows_in_scratch, uint64_t seed) {
  const int64_t lda = trans_a ? M + 1 : K + 2;  // padded leading dimensions
  const int64_t ldc = N + 3;
  const std::vector<float> A = random_values((trans_a ? K : M) * lda, seed);
  const std::vector<float> B = random_values(K * N, seed + 1);
  std::vector<float> C0 = random_values(M * ldc, seed + 2);
  if (beta == 0.0f)  // C must not be read: NaN would poison it
    for (float& c : C0) c = std::numeric_limits<float>::quiet_NaN();
  const auto a_at = [&](int64_t i, int64_t k) { return trans_a ? A[k * lda + i] : A[i * lda + k]; };

  const ag::GemmRows in_place = ag::matrix_rows(B.data(), N);
  const ag::GemmRows copied = [&](int64_t k, int64_t j0, int64_t n, float* scratch) {
    std::memcpy(scratch, B.data() + k * N + j0, n * sizeof(float));
    return static_cast<const float*>(scratch);
  };
  const ag::PackedA packed(trans_a, M, K, A.data(), lda);
  CHECK(packed.rows() == M);
  CHECK(packed.cols() == K);
  std::vector<float> C = C0;
  ag::sgemm_packed(packed, N, alpha, rows_in_scratch ? copied : in_place, beta, C.data(), ldc);

  const float eps = std::numeric_limits<float>::epsilon();
  int64_t mismatches = 0;
  for (int64_t i = 0; i < M; ++i)
    for (int64_t j = 0; j < ldc; ++j) {
      if (j >= N) {  // C's padding: never written
        mismatches += std::memcmp(&C[i * ldc + j], &C0[i * ldc + j], sizeof(float)) != 0;
        continue;
      }
      double sum = 0, magnitude = 0;
      for (int64_t k = 0; k < K; ++k) {
        sum += double(a_at(i, k)) * B[k * N + j];
        magnitude += std::fabs(double(a_at(i, k)) * B[k * N + j]);
      }
      const double old_c = beta == 0.0f ? 0.0 : double(beta) * C0[i * ldc + j];
      const double expected = alpha * sum + old_c;
      const double bound =
          2.0 * (K + 2) * eps * (std::fabs(alpha) * magnitude + std::fabs(old_c)) + 1e-30;
      const float got = C[i * ldc + j];
      mismatches += !(std::isfinite(got) && std::fabs(got - expected) <= bound);
    }
  return mismatches;
}

}  // namespace

TEST_SUITE("kernels.gemm") {

TEST_CASE("sgemm_packed matches the plain product: shapes around the tiles and cache blocks") {
  // Around the micro-tile (14×32 with AVX-512), MC = 112 rows, KC = 256 deep,
  // NC = 4096 wide (N = 4200 takes two column panels), and N <= NR.
  const int64_t sizes[][3] = {{1, 1, 1},     {2, 3, 4},     {13, 31, 29},   {14, 32, 16},
                              {15, 33, 2},   {29, 65, 257}, {113, 40, 300}, {200, 19, 300},
                              {67, 131, 97}, {5, 4200, 20}, {3, 1, 600},    {0, 5, 3},
                              {5, 0, 3}};
  uint64_t seed = 1;
  for (const auto& size : sizes)
    for (bool trans_a : {false, true})
      for (bool rows_in_scratch : {false, true})
        for (int threads : {1, 2}) {
          ThreadCount scope(threads);
          CAPTURE(size[0]);
          CAPTURE(size[1]);
          CAPTURE(size[2]);
          CAPTURE(trans_a);
          CAPTURE(rows_in_scratch);
          CAPTURE(threads);
          CHECK(count_mismatches(trans_a, size[0], size[1], size[2], 1.0f, 0.0f, rows_in_scratch,
                                 seed) == 0);
          CHECK(count_mismatches(trans_a, size[0], size[1], size[2], -0.5f, 1.5f, rows_in_scratch,
                                 seed + 7) == 0);
          seed += 17;
        }
}

TEST_CASE("sgemm_packed: K == 0 scales C by beta; one PackedA serves many products") {
  const std::vector<float> A(6 * 4, 1.0f), B(4 * 5, 1.0f);
  const ag::PackedA empty_k(false, 6, 0, A.data(), 4);
  std::vector<float> C(6 * 5, 3.0f);
  ag::sgemm_packed(empty_k, 5, 2.0f, ag::matrix_rows(B.data(), 5), 0.5f, C.data(), 5);
  for (float c : C) CHECK(c == 1.5f);

  // The same packed ones times B, then times 2·B: every dot product is K·1, then K·2.
  const ag::PackedA ones(false, 6, 4, A.data(), 4);
  std::vector<float> twice(4 * 5, 2.0f), C1(6 * 5, 0.0f), C2(6 * 5, 0.0f);
  ag::sgemm_packed(ones, 5, 1.0f, ag::matrix_rows(B.data(), 5), 0.0f, C1.data(), 5);
  ag::sgemm_packed(ones, 5, 1.0f, ag::matrix_rows(twice.data(), 5), 0.0f, C2.data(), 5);
  for (float c : C1) CHECK(c == 4.0f);
  for (float c : C2) CHECK(c == 8.0f);
}

TEST_CASE("sgemm_packed rejects impossible sizes") {
  const std::vector<float> A(12, 1.0f), B(12, 1.0f);
  std::vector<float> C(12, 0.0f);
  CHECK_THROWS_WITH_AS(ag::PackedA(false, 3, 4, A.data(), 3),
                       "sgemm: lda=3 is smaller than the 4 columns of the stored 3x4 matrix",
                       ag::Error);
  const ag::PackedA packed(false, 3, 4, A.data(), 4);
  CHECK_THROWS_WITH_AS(
      ag::sgemm_packed(packed, -1, 1.0f, ag::matrix_rows(B.data(), 2), 0.0f, C.data(), 2),
      "sgemm_packed: N must be non-negative, got -1", ag::Error);
  CHECK_THROWS_WITH_AS(
      ag::sgemm_packed(packed, 3, 1.0f, ag::matrix_rows(B.data(), 3), 0.0f, C.data(), 2),
      "sgemm_packed: ldc=2 is smaller than N=3", ag::Error);
}

}  // TEST_SUITE("kernels.gemm")
