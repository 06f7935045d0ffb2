// tests/core/test_reduce_more.cpp: sum/mean over several dims, std, logsumexp,
// min(), prod, norm, argmax/argmin (core/ops/reduce_dims.cpp, reduce_more.cpp).
// Expected values by hand or plain loops in double; gradients by finite
// differences, and at ties and zeros by hand against PyTorch 1.13's rules.
#include <cmath>
#include <limits>

#include "core/ops/reduce_more.h"
#include "tests/helpers/test_util.h"

using namespace ag;

namespace {
Tensor cube() { return reshape(arange(24), {2, 3, 4}); }  // x[a, b, c] = 12a + 4b + c
Tensor smooth(const Shape& s) { return randn(s).requires_grad_(); }
const float kInf = std::numeric_limits<float>::infinity();
}  // namespace

TEST_SUITE("core.reduce_more") {
TEST_CASE("sum and mean over several dims at once, keepdim, {} = all") {
  Tensor x = cube();
  Tensor s = sum(x, {0, 2});
  CHECK(s.shape() == Shape{3});
  for (int64_t b = 0; b < 3; ++b) {  // plain loop
    double t = 0;
    for (int64_t a = 0; a < 2; ++a)
      for (int64_t c = 0; c < 4; ++c) t += 12 * a + 4 * b + c;
    CHECK(s.data()[b] == doctest::Approx(t));
  }
  CHECK(sum(x, {0, -1}, true).shape() == Shape{1, 3, 1});
  ag_test::check_close(mean(x, {2, 0}), {7.5f, 11.5f, 15.5f});
  ag_test::check_close(sum(x, std::vector<int64_t>{}), {276});
  Tensor w = zeros({2, 3, 4}, true);
  mean(w, {0, 1}).sum().backward();
  ag_test::check_close(w.grad(), std::vector<float>(24, 1.0f / 6.0f));
  Tensor v = smooth({2, 3, 4});
  CHECK_GRADCHECK([](const std::vector<Tensor>& in) { return sum(in[0], {0, 2}, true); }, {v});
  CHECK_GRADCHECK([](const std::vector<Tensor>& in) { return mean(in[0], {1, 2}); }, {v});
  CHECK_THROWS_WITH_AS(sum(x, {0, -3}), "sum: dim 0 appears more than once in dims [0, -3]", Error);
  CHECK_FAILS_WITH(mean(x, {0, 3}), "mean: dimension 3 out of range");
}

TEST_CASE("std: unbiased by default, correction, zero spread has zero gradient") {
  Tensor x = tensor({{1.0f, 2.0f, 3.0f, 4.0f}, {2.0f, 2.0f, 2.0f, 2.0f}});
  ag_test::check_close(ag::std(x, 1),
                       {static_cast<float>(std::sqrt(5.0 / 3.0)), 0.0f});  // Σ(x-2.5)² = 5
  ag_test::check_close(ag::std(x, 1, false), {static_cast<float>(std::sqrt(5.0 / 4.0)), 0.0f});
  ag_test::check_close(
      ag::std(x, {0, 1}, 2),
      {static_cast<float>(std::sqrt(5.5 / 6.0))});  // mean 2.25: Σ = 5.25 + 4·0.0625
  ag_test::check_close(ag::std(tensor({1.0f, 3.0f})), {static_cast<float>(std::sqrt(2.0))});
  ag_test::check_close(ag::std(tensor({1.0f, 3.0f}), false), {1.0f});
  CHECK(std::isnan(ag::std(tensor({1.0f})).item()));  // N - 1 = 0
  Tensor z = tensor({2.0f, 2.0f, 2.0f}, true);
  ag::std(z).backward();
  ag_test::check_close(z.grad(), {0, 0, 0});
  Tensor v = smooth({3, 4});
  CHECK_GRADCHECK([](const std::vector<Tensor>& in) { return ag::std(in[0], 1, 1, true); }, {v});
  CHECK_GRADCHECK([](const std::vector<Tensor>& in) { return ag::std(in[0], {0, 1}, 0); }, {v});
  CHECK_THROWS_WITH_AS(ag::std(x, 1, -1), "std: correction must be non-negative, got -1", Error);
  CHECK_FAILS_WITH(ag::std(x, 2), "std: dimension 2 out of range");
}

TEST_CASE("logsumexp: stable for large values, -inf rows, gradient is softmax") {
  Tensor x = tensor({{0.0f, std::log(3.0f)}, {1000.0f, 1000.0f}});
  ag_test::check_close(logsumexp(x, 1), {std::log(4.0f), 1000.0f + std::log(2.0f)});
  CHECK(logsumexp(x, 0, true).shape() == Shape{1, 2});
  CHECK(logsumexp(tensor({-kInf, -kInf}), 0).item() == -kInf);
  CHECK(logsumexp(tensor({1.0f, kInf}), 0).item() == kInf);
  Tensor w = tensor({0.0f, std::log(3.0f)}, true);
  logsumexp(w, 0).backward();
  ag_test::check_close(w.grad(), {0.25f, 0.75f});
  Tensor v = smooth({3, 4});
  CHECK_GRADCHECK([](const std::vector<Tensor>& in) { return logsumexp(in[0], 0); }, {v});
  CHECK_THROWS_WITH_AS(logsumexp(x, 2),
                       "logsumexp: dimension 2 out of range for a tensor of shape [2, 2] (expected "
                       "to be in [-2, 1])",
                       Error);
}

TEST_CASE("min over everything: value, NaN wins, ties share the gradient") {
  ag_test::check_close(min(tensor({{3.0f, -1.0f}, {2.0f, 5.0f}})), {-1.0f});
  CHECK(min(tensor({1.0f, std::nanf(""), -3.0f})).shape() == Shape{});
  CHECK(std::isnan(min(tensor({1.0f, std::nanf(""), -3.0f})).item()));
  Tensor x = tensor({{1.0f, 2.0f}, {2.0f, 1.0f}}, true);
  min(x).backward();
  ag_test::check_close(x.grad(), {0.5f, 0, 0, 0.5f});  // PyTorch 1.13 splits evenly
  Tensor v = from_vector({0.3f, -1.2f, 2.0f, 0.9f}, {2, 2}, true);
  CHECK_GRADCHECK([](const std::vector<Tensor>& in) { return min(in[0]); }, {v});
  CHECK_THROWS_WITH_AS(min(zeros({0, 2})),
                       "min: cannot reduce an empty tensor of shape [0, 2] (it has no min)", Error);
}

TEST_CASE("prod: values, and the gradient with no, one, and two zeros") {
  ag_test::check_close(prod(tensor({{1.0f, 2.0f, 3.0f}, {4.0f, 5.0f, 6.0f}}), 1), {6, 120});
  ag_test::check_close(prod(tensor({{1.0f, 2.0f, 3.0f}, {4.0f, 5.0f, 6.0f}}), 0, true),
                       {4, 10, 18});
  ag_test::check_close(prod(tensor({2.0f, -3.0f, 4.0f})), {-24});
  ag_test::check_close(prod(zeros({2, 0}), 1), {1, 1});
  Tensor none = tensor({2.0f, -3.0f, 4.0f}, true), one = tensor({2.0f, 0.0f, 3.0f}, true),
         two = tensor({2.0f, 0.0f, 0.0f}, true);
  prod(none).backward();
  prod(one).backward();
  prod(two).backward();
  ag_test::check_close(none.grad(), {-12, 8, -6});
  ag_test::check_close(one.grad(), {0, 6, 0});
  ag_test::check_close(two.grad(), {0, 0, 0});
  Tensor v = smooth({3, 4});
  CHECK_GRADCHECK([](const std::vector<Tensor>& in) { return prod(in[0], 1); }, {v});
  Tensor with_zero = from_vector({0.5f, 0.0f, -1.5f, 2.0f, 0.7f, 1.1f}, {2, 3}, true);
  CHECK_GRADCHECK([](const std::vector<Tensor>& in) { return prod(in[0], 1); }, {with_zero});
  CHECK_FAILS_WITH(prod(v, -3), "prod: dimension -3 out of range");
}

TEST_CASE("norm: p = 2 (Frobenius), 1, inf, 3; over dims; gradient 0 at the zero vector") {
  Tensor x = tensor({{3.0f, 0.0f}, {0.0f, -4.0f}});
  ag_test::check_close(norm(x), {5});
  ag_test::check_close(norm(x, 1.0f), {7});
  ag_test::check_close(norm(x, kInf), {4});
  ag_test::check_close(norm(x, 3.0f), {static_cast<float>(std::cbrt(91.0))});
  ag_test::check_close(norm(x, 2.0f, 1), {3, 4});
  ag_test::check_close(norm(x, 2.0f, {0, 1}, true), {5});
  Tensor w = tensor({3.0f, 0.0f, 0.0f, 4.0f}, true);
  norm(w).backward();
  ag_test::check_close(w.grad(), {0.6f, 0, 0, 0.8f});
  w.zero_grad();
  norm(w, 1.0f).backward();
  ag_test::check_close(w.grad(), {1, 0, 0, 1});
  Tensor ties = tensor({3.0f, -4.0f, 4.0f}, true);
  norm(ties, kInf).backward();
  ag_test::check_close(ties.grad(), {0, -0.5f, 0.5f});
  Tensor z = zeros({3}, true);
  norm(z).backward();
  ag_test::check_close(z.grad(), {0, 0, 0});
  Tensor v = smooth({3, 4});
  CHECK_GRADCHECK([](const std::vector<Tensor>& in) { return norm(in[0]); }, {v});
  CHECK_GRADCHECK([](const std::vector<Tensor>& in) { return norm(in[0], 3.0f, 1); }, {v});
  CHECK_GRADCHECK(
      [](const std::vector<Tensor>& in) {
        return norm(in[0], 1.5f, std::vector<int64_t>{0}, true);
      },
      {v});
  CHECK_THROWS_WITH_AS(norm(x, 0.5f), "norm: p must be >= 1 or inf, got 0.5", Error);
}

TEST_CASE("argmax/argmin: first occurrence on ties, NaN counts as the extreme") {
  Tensor x = tensor({{1.0f, 3.0f}, {3.0f, 0.0f}});
  CHECK(argmax(x).shape() == Shape{});
  CHECK(argmax(x).item() == 1.0f);
  CHECK(argmin(x).item() == 3.0f);
  CHECK(argmin(tensor({1.0f, 0.0f, 0.0f})).item() == 1.0f);
  CHECK(argmax(tensor({1.0f, std::nanf(""), 5.0f})).item() == 1.0f);
  CHECK(argmin(tensor({1.0f, std::nanf(""), -5.0f})).item() == 1.0f);
  ag_test::check_close(argmin(tensor({{1.0f, 2.0f, 1.0f}, {0.0f, 0.0f, 3.0f}}), 1), {0, 0});
  ag_test::check_close(argmin(x, 0, true), {0, 1});
  CHECK_THROWS_WITH_AS(argmin(zeros({0})),
                       "argmin: cannot reduce an empty tensor of shape [0] (it has no argmin)",
                       Error);
  CHECK_FAILS_WITH(argmax(zeros({2, 0})), "argmax: cannot reduce an empty tensor of shape [2, 0]");
  CHECK_FAILS_WITH(argmin(x, 2), "argmin: dimension 2 out of range");
}
}  // TEST_SUITE("core.reduce_more")
