// tests/core/test_group_norm.cpp: group_norm against values by hand and a plain
// double-precision loop, gradcheck (input, weight, bias), fast == naive
// (through the op and kernel to kernel), and its error messages.
#include <cmath>
#include <vector>

#include "core/kernels/norm.h"
#include "core/reference/norm_naive.h"
#include "tests/helpers/kernel_test_util.h"
#include "tests/helpers/op_modes_util.h"

using namespace ag;

namespace {

using Inputs = std::vector<Tensor>;

// group_norm as the paper writes it, in doubles: for each sample and group
// of C/G channels, mean and biased variance over its channels and positions.
std::vector<float> plain_group_norm(const std::vector<float>& x, int64_t N, int64_t C, int64_t S,
                                    int64_t G, const std::vector<float>& w,
                                    const std::vector<float>& b, double eps) {
  std::vector<float> out(x.size());
  const int64_t Cg = C / G;
  for (int64_t n = 0; n < N; ++n)
    for (int64_t g = 0; g < G; ++g) {
      double sum = 0.0, sum_sq = 0.0;
      for (int64_t c = g * Cg; c < (g + 1) * Cg; ++c)
        for (int64_t s = 0; s < S; ++s) sum += x[(n * C + c) * S + s];
      const double mean = sum / double(Cg * S);
      for (int64_t c = g * Cg; c < (g + 1) * Cg; ++c)
        for (int64_t s = 0; s < S; ++s) {
          const double d = x[(n * C + c) * S + s] - mean;
          sum_sq += d * d;
        }
      const double invstd = 1.0 / std::sqrt(sum_sq / double(Cg * S) + eps);
      for (int64_t c = g * Cg; c < (g + 1) * Cg; ++c)
        for (int64_t s = 0; s < S; ++s) {
          const int64_t e = (n * C + c) * S + s;
          out[e] = float((x[e] - mean) * invstd * w[c] + b[c]);
        }
    }
  return out;
}

}  // namespace

TEST_SUITE("core.norm") {

TEST_CASE("group_norm values, worked by hand and by a plain loop, in both kernel modes") {
  for (Kernels mode : {Kernels::Fast, Kernels::Naive}) {
    KernelsGuard guard(mode);
    CAPTURE(kernels_name(mode));
    // x (1, 4), 2 groups: {1, 3} has mean 2 and variance 1, {2, 6} mean 4 and
    // variance 4, so with eps 0 both normalize to [-1, 1]; then weight
    // [1, 2, 3, 4] and bias [0, 0, 1, 1]: [-1, 2, -2, 5].
    Tensor x = from_vector({1, 3, 2, 6}, {1, 4});
    ag_test::check_close(
        group_norm(x, 2, from_vector({1, 2, 3, 4}, {4}), from_vector({0, 0, 1, 1}, {4}), 0.0f),
        {-1, 2, -2, 5});
    // (2, 6, 2, 3) in 3 groups, default eps, against the plain loop.
    const int64_t N = 2, C = 6, S = 6, G = 3;
    const std::vector<float> values = ag_test::random_values(N * C * S, 17);
    const std::vector<float> w = ag_test::random_values(C, 18), b = ag_test::random_values(C, 19);
    Tensor out =
        group_norm(from_vector(values, {N, C, 2, 3}), G, from_vector(w, {C}), from_vector(b, {C}));
    CHECK(out.shape() == Shape{N, C, 2, 3});
    ag_test::check_close(out, plain_group_norm(values, N, C, S, G, w, b, 1e-5), 1e-5);
    // One group is layer norm over (C, H, W); without weight and bias, identical.
    Tensor image = from_vector(values, {N, C, 2, 3});
    ag_test::check_close(group_norm(image, 1),
                         layer_norm(image.reshape({N, C * S}), {C * S}).reshape(image.shape()),
                         1e-5);
  }
}

TEST_CASE("group_norm gradients pass gradcheck, with and without weight and bias") {
  manual_seed(41);
  for (Kernels mode : {Kernels::Fast, Kernels::Naive}) {
    KernelsGuard guard(mode);
    CAPTURE(kernels_name(mode));
    CHECK_GRADCHECK([](const Inputs& in) { return group_norm(in[0], 2, in[1], in[2]); },
                    {randn({2, 4, 3}, true), randn({4}, true), randn({4}, true)});
    CHECK_GRADCHECK([](const Inputs& in) { return group_norm(in[0], 3, in[1], in[2]); },
                    {randn({2, 6, 2, 2}, true), randn({6}, true), randn({6}, true)});
    CHECK_GRADCHECK([](const Inputs& in) { return group_norm(in[0], 4); },
                    {randn({3, 4, 5}, true)});
    CHECK_GRADCHECK([](const Inputs& in) { return group_norm(in[0], 1, in[1]); },
                    {randn({2, 3}, true), randn({3}, true)});
  }
}

TEST_CASE("group_norm: fast and naive kernels agree, through autograd and kernel to kernel") {
  manual_seed(42);
  ag_test::check_modes_agree([](const Inputs& in) { return group_norm(in[0], 4, in[1], in[2]); },
                             {randn({3, 8, 5, 7}, true), randn({8}, true), randn({8}, true)});
  for (GroupNormShape s : {GroupNormShape{2, 6, 10, 3}, GroupNormShape{1, 4, 1, 4},
                           GroupNormShape{5, 8, 33, 1}, GroupNormShape{3, 32, 64, 8}}) {
    CAPTURE(s.C);
    CAPTURE(s.G);
    const int64_t n = s.N * s.C * s.S;
    const std::vector<float> x = ag_test::random_values(n, 3), dout = ag_test::random_values(n, 4);
    const std::vector<float> w = ag_test::random_values(s.C, 5), b = ag_test::random_values(s.C, 6);
    std::vector<float> out(n), out_naive(n), mean(s.N * s.G), mean_naive(mean.size()),
        invstd(mean.size()), invstd_naive(mean.size());
    group_norm_forward(s, x.data(), w.data(), b.data(), 1e-5f, out.data(), mean.data(),
                       invstd.data());
    group_norm_forward_naive(s, x.data(), w.data(), b.data(), 1e-5f, out_naive.data(),
                             mean_naive.data(), invstd_naive.data());
    CHECK(ag_test::max_error(out, out_naive) < 1e-5);
    CHECK(ag_test::max_error(mean, mean_naive) < 1e-6);
    CHECK(ag_test::max_error(invstd, invstd_naive) < 1e-5);
    std::vector<float> dx(n), dx_naive(n), dw(s.C), dw_naive(s.C), db(s.C), db_naive(s.C);
    group_norm_backward(s, x.data(), dout.data(), mean.data(), invstd.data(), w.data(), dx.data(),
                        dw.data(), db.data());
    group_norm_backward_naive(s, x.data(), dout.data(), mean.data(), invstd.data(), w.data(),
                              dx_naive.data(), dw_naive.data(), db_naive.data());
    CHECK(ag_test::max_error(dx, dx_naive) < 1e-4);
    CHECK(ag_test::max_error(dw, dw_naive) < 1e-4);
    CHECK(ag_test::max_error(db, db_naive) < 1e-4);
    // Without weight, and only dx wanted.
    group_norm_backward(s, x.data(), dout.data(), mean.data(), invstd.data(), nullptr, dx.data(),
                        nullptr, nullptr);
    group_norm_backward_naive(s, x.data(), dout.data(), mean.data(), invstd.data(), nullptr,
                              dx_naive.data(), nullptr, nullptr);
    CHECK(ag_test::max_error(dx, dx_naive) < 1e-4);
  }
}

TEST_CASE("group_norm errors say what is wrong") {
  CHECK_THROWS_WITH_AS(group_norm(zeros({2, 6, 4}), 4),
                       "group_norm: expected number of channels in input to be divisible by "
                       "num_groups, but got input of shape [2, 6, 4] and num_groups=4",
                       Error);
  CHECK_THROWS_WITH_AS(group_norm(zeros({6}), 2),
                       "group_norm: expected an input (N, C, *) of 2 or more dims, got [6]", Error);
  CHECK_THROWS_WITH_AS(group_norm(zeros({2, 6}), 0), "group_norm: num_groups must be >= 1, got 0",
                       Error);
  CHECK_THROWS_WITH_AS(
      group_norm(zeros({2, 6, 4}), 3, ones({4})),
      "group_norm: weight [4] must have shape [6] (one per channel) to match input "
      "[2, 6, 4]",
      Error);
  CHECK_THROWS_WITH_AS(
      group_norm(zeros({2, 6, 4}), 3, ones({6}), ones({6, 1})),
      "group_norm: bias [6, 1] must have shape [6] (one per channel) to match input "
      "[2, 6, 4]",
      Error);
}

}  // TEST_SUITE("core.norm")
