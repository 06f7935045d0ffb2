// tests/kernels/test_gemm_batched.cpp: sgemm_batched (a batch of products, the
// threads shared across them or inside each) against its naive twin and
// against the loop that defines it, written here in double.
//
// Shape legend (as gemm_batched.h): every product is op(A)[M, K] · op(B)[K, N]
// -> C [M, N]; product i reads matrix a(i) of A, b(i) of B, writes c(i) of C.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "core/error.h"
#include "core/kernels/gemm_batched.h"
#include "core/reference/gemm_batched_naive.h"
#include "tests/helpers/kernel_test_util.h"

using ag_test::max_error;
using ag_test::random_values;
using ag_test::ThreadCount;

namespace {

constexpr float kSentinel = 12345.0f;  // a matrix of C that no product writes keeps it

struct Stacks {
  std::vector<float> A, B, C;
};

// A, B and C for `batch`, with room for the largest index of each list (and
// `extra_c` matrices of C that no product names). With beta == 0 the written
// matrices of C start as NaN: the kernels must not read them.
Stacks make_stacks(const ag::GemmBatch& batch, float beta, int64_t extra_c, uint64_t seed) {
  auto matrices = [](const std::vector<int64_t>& index) {
    int64_t most = 0;
    for (int64_t i : index) most = std::max(most, i + 1);
    return most;
  };
  const int64_t M = batch.M, N = batch.N, K = batch.K;
  Stacks s;
  s.A = random_values(matrices(batch.a_index) * M * K, seed);
  s.B = random_values(matrices(batch.b_index) * K * N, seed + 1);
  s.C.assign((matrices(batch.c_index) + extra_c) * M * N, kSentinel);
  const std::vector<float> old_c = random_values(M * N, seed + 2);
  for (int64_t c : batch.c_index)
    for (int64_t e = 0; e < M * N; ++e)
      s.C[c * M * N + e] = beta == 0.0f ? std::numeric_limits<float>::quiet_NaN() : old_c[e];
  return s;
}

// The definition, in double: for i in order, C[c(i)] = alpha·op(A)·op(B) + beta·C[c(i)].
std::vector<float> by_the_loop(const ag::GemmBatch& g, float alpha, const Stacks& s, float beta) {
  std::vector<double> C(s.C.begin(), s.C.end());
  const int64_t M = g.M, N = g.N, K = g.K;
  for (int64_t i = 0; i < g.count(); ++i) {
    const float* a = s.A.data() + g.a_index[i] * M * K;
    const float* b = s.B.data() + g.b_index[i] * K * N;
    double* c = C.data() + g.c_index[i] * M * N;
    for (int64_t r = 0; r < M; ++r)
      for (int64_t col = 0; col < N; ++col) {
        double dot = 0;
        for (int64_t k = 0; k < K; ++k)
          dot += double(g.trans_a ? a[k * M + r] : a[r * K + k]) *
                 (g.trans_b ? b[col * K + k] : b[k * N + col]);
        c[r * N + col] = alpha * dot + (beta == 0.0f ? 0.0 : beta * c[r * N + col]);
      }
  }
  return std::vector<float>(C.begin(), C.end());
}

// The fast kernel and the naive one, each against the loop.
void check_batch(const ag::GemmBatch& batch, float alpha, float beta, int64_t extra_c = 0) {
  const Stacks s = make_stacks(batch, beta, extra_c, 7);
  const std::vector<float> expected = by_the_loop(batch, alpha, s, beta);
  for (int threads : {1, 2, 3}) {
    CAPTURE(threads);
    ThreadCount scope(threads);
    std::vector<float> fast = s.C, naive = s.C;
    ag::sgemm_batched(batch, alpha, s.A.data(), s.B.data(), beta, fast.data());
    ag::sgemm_batched_naive(batch, alpha, s.A.data(), s.B.data(), beta, naive.data());
    CHECK(max_error(fast, expected) < 1e-5);
    CHECK(max_error(naive, expected) < 1e-5);
  }
}

}  // namespace

TEST_SUITE("kernels.gemm") {

TEST_CASE(
    "sgemm_batched, one product per matrix: counts that split across the threads and that do not") {
  // 1 product (inside), 3 (uneven on 2 threads: inside), 4 and 6 (across on
  // 2 threads), 9 (>= 4·2: across), with every transpose and odd sizes.
  for (int64_t count : {1, 3, 4, 6, 9})
    for (bool trans_a : {false, true})
      for (bool trans_b : {false, true}) {
        CAPTURE(count);
        CAPTURE(trans_a);
        CAPTURE(trans_b);
        check_batch(ag::one_to_one_batch(count, trans_a, trans_b, 13, 37, 19), 1.0f, 0.0f);
        check_batch(ag::one_to_one_batch(count, trans_a, trans_b, 7, 5, 33), -0.5f, 2.0f);
      }
  // Big enough products that the grain gives every thread its own chunk.
  check_batch(ag::one_to_one_batch(8, false, true, 64, 64, 96), 1.0f, 0.0f);
}

TEST_CASE("sgemm_batched: a repeated input is a broadcast, a repeated output sums with beta = 1") {
  // matmul of [2, 3, M, K] by [3, K, N]: product i = (p, q) reads a(i) = p, b(i) = q.
  ag::GemmBatch broadcast;
  broadcast.M = 5, broadcast.N = 6, broadcast.K = 7;
  for (int64_t p = 0; p < 2; ++p)
    for (int64_t q = 0; q < 3; ++q) {
      broadcast.a_index.push_back(p);
      broadcast.b_index.push_back(q);
      broadcast.c_index.push_back(p * 3 + q);
    }
  check_batch(broadcast, 1.0f, 0.0f);

  // Its gradient with respect to b: 6 products land on 3 matrices (q), each
  // the sum of 2. The count (6) splits evenly over 2 and 3 threads, so only
  // the repeated output keeps the kernel from running them side by side.
  ag::GemmBatch gradient;
  gradient.trans_a = true;
  gradient.M = 7, gradient.N = 6, gradient.K = 5;
  gradient.a_index = broadcast.a_index;
  gradient.b_index = broadcast.c_index;
  gradient.c_index = broadcast.b_index;
  check_batch(gradient, 1.0f, 1.0f);
  // Larger, so a race between threads would have time to show.
  gradient.M = 96, gradient.N = 64, gradient.K = 80;
  check_batch(gradient, 1.0f, 1.0f);
  // A matrix of C that no product names is left alone (kept its sentinel).
  check_batch(gradient, 0.5f, 1.0f, /*extra_c=*/2);
}

TEST_CASE("sgemm_batched shares the threads across products only when that is safe and even") {
  const ag::GemmBatch four = ag::one_to_one_batch(4, false, false, 8, 8, 8);
  const ag::GemmBatch three = ag::one_to_one_batch(3, false, false, 8, 8, 8);
  const ag::GemmBatch nine = ag::one_to_one_batch(9, false, false, 8, 8, 8);
  ag::GemmBatch summed = four;  // products 0, 2 and 1, 3 write the same matrices
  summed.c_index = {0, 1, 0, 1};
  {
    ThreadCount scope(2);
    CHECK(ag::splits_across_products(four));          // 2 each
    CHECK_FALSE(ag::splits_across_products(three));   // 2 and 1: one thread idle half the time
    CHECK(ag::splits_across_products(nine));          // >= 4 per thread: 5 and 4
    CHECK_FALSE(ag::splits_across_products(summed));  // two threads would add into one matrix
    CHECK_FALSE(ag::splits_across_products(ag::one_to_one_batch(1, false, false, 8, 8, 8)));
  }
  {
    ThreadCount scope(3);
    CHECK(ag::splits_across_products(three));
    CHECK_FALSE(ag::splits_across_products(four));
  }
  ThreadCount one(1);
  CHECK_FALSE(ag::splits_across_products(four));
}

TEST_CASE("sgemm_batched: sums with beta = 1, worked by hand") {
  // Three 1x1 products into one output starting at 1: 1 + 2·3 + 4·5 + 6·7 = 69.
  ag::GemmBatch batch;
  batch.M = batch.N = batch.K = 1;
  batch.a_index = {0, 1, 2};
  batch.b_index = {0, 1, 2};
  batch.c_index = {0, 0, 0};
  const std::vector<float> A = {2, 4, 6}, B = {3, 5, 7};
  for (int threads : {1, 2, 3}) {
    ThreadCount scope(threads);
    std::vector<float> fast = {1}, naive = {1};
    ag::sgemm_batched(batch, 1.0f, A.data(), B.data(), 1.0f, fast.data());
    ag::sgemm_batched_naive(batch, 1.0f, A.data(), B.data(), 1.0f, naive.data());
    CHECK(fast[0] == 69.0f);
    CHECK(naive[0] == 69.0f);
  }
}

TEST_CASE(
    "sgemm_batched: an empty batch writes nothing; index lists of different lengths are refused") {
  ag::GemmBatch empty = ag::one_to_one_batch(0, false, false, 3, 4, 5);
  std::vector<float> C = {kSentinel};
  ag::sgemm_batched(empty, 1.0f, nullptr, nullptr, 0.0f, C.data());
  ag::sgemm_batched_naive(empty, 1.0f, nullptr, nullptr, 0.0f, C.data());
  CHECK(C[0] == kSentinel);

  ag::GemmBatch uneven = ag::one_to_one_batch(3, false, false, 2, 2, 2);
  uneven.b_index.pop_back();
  std::vector<float> A(12, 1.0f), B(12, 1.0f), out(12, 0.0f);
  const char* message =
      "sgemm_batched: every product needs an index into A, B and C, got 3, 2 and 3";
  CHECK_THROWS_WITH_AS(ag::sgemm_batched(uneven, 1.0f, A.data(), B.data(), 0.0f, out.data()),
                       message, ag::Error);
  CHECK_THROWS_WITH_AS(ag::sgemm_batched_naive(uneven, 1.0f, A.data(), B.data(), 0.0f, out.data()),
                       message, ag::Error);
}

}  // TEST_SUITE("kernels.gemm")
