// Reductions (core/ops/reduce.cpp): values against hand-computed numbers or a
// naive loop, gradients against finite differences, and the error messages.
#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "core/autograd.h"
#include "core/gradcheck.h"
#include "core/kernels/parallel.h"
#include "core/ops/elementwise.h"
#include "core/ops/reduce.h"
#include "tests/helpers/test_util.h"

using ag::Shape;
using ag::Tensor;

namespace {

void check_values(const Tensor& t, const std::vector<float>& expected, float tol = 1e-5f) {
  REQUIRE(t.numel() == static_cast<int64_t>(expected.size()));
  for (size_t i = 0; i < expected.size(); ++i) {
    INFO("element ", i);
    CHECK(t.data()[i] == doctest::Approx(expected[i]).epsilon(tol));
  }
}

// x[a, b, c] of a 3-D tensor, by hand.
float at3(const Tensor& x, int64_t a, int64_t b, int64_t c) {
  return x.data()[(a * x.shape()[1] + b) * x.shape()[2] + c];
}

// The naive sum of a 3-D tensor over `dim`, in double, as a flat vector.
std::vector<float> naive_sum3(const Tensor& x, int64_t dim) {
  const Shape& s = x.shape();
  std::vector<float> out;
  if (dim == 0)
    for (int64_t b = 0; b < s[1]; ++b)
      for (int64_t c = 0; c < s[2]; ++c) {
        double t = 0;
        for (int64_t a = 0; a < s[0]; ++a) t += at3(x, a, b, c);
        out.push_back(static_cast<float>(t));
      }
  if (dim == 1)
    for (int64_t a = 0; a < s[0]; ++a)
      for (int64_t c = 0; c < s[2]; ++c) {
        double t = 0;
        for (int64_t b = 0; b < s[1]; ++b) t += at3(x, a, b, c);
        out.push_back(static_cast<float>(t));
      }
  if (dim == 2)
    for (int64_t a = 0; a < s[0]; ++a)
      for (int64_t b = 0; b < s[1]; ++b) {
        double t = 0;
        for (int64_t c = 0; c < s[2]; ++c) t += at3(x, a, b, c);
        out.push_back(static_cast<float>(t));
      }
  return out;
}

Tensor grid23() { return ag::tensor({{1, 2, 3}, {4, 5, 6}}); }

}  // namespace

TEST_SUITE("core.reduce") {
TEST_CASE("sum: values, dims, keepdim shapes") {
  Tensor x = grid23();
  Tensor all = ag::sum(x);
  CHECK(all.shape() == Shape{});
  CHECK(all.item() == 21.0f);
  check_values(ag::sum(x, 0), {5, 7, 9});
  check_values(ag::sum(x, 1), {6, 15});
  CHECK(ag::sum(x, 0).shape() == Shape{3});
  CHECK(ag::sum(x, 0, true).shape() == Shape{1, 3});
  CHECK(ag::sum(x, -1, true).shape() == Shape{2, 1});
  check_values(ag::sum(x, -1, true), {6, 15});
  CHECK(x.sum(1).shape() == Shape{2});
  // A 0-d tensor reduces to itself along dim 0 or -1, as in PyTorch.
  CHECK(ag::sum(ag::scalar(4.0f), -1).item() == 4.0f);
  CHECK(ag::sum(ag::zeros({0, 3})).item() == 0.0f);
}

TEST_CASE("sum: every dim of a 3-D tensor against a naive loop") {
  ag::manual_seed(1);
  Tensor x = ag::randn({3, 4, 5});
  for (int64_t d = 0; d < 3; ++d) {
    INFO("dim ", d);
    check_values(ag::sum(x, d), naive_sum3(x, d), 1e-4f);
  }
}

TEST_CASE("sum and mean: large tensors (vector lanes, threads) against a naive loop") {
  ag::manual_seed(2);
  Tensor x = ag::randn({300, 257});  // 257 = 16 lanes * 16 + a remainder of 1
  std::vector<float> rows(300, 0.0f), cols(257, 0.0f);
  for (int64_t r = 0; r < 300; ++r) {
    double t = 0;
    for (int64_t c = 0; c < 257; ++c) t += x.at({r, c});
    rows[r] = static_cast<float>(t);
  }
  for (int64_t c = 0; c < 257; ++c) {
    double t = 0;
    for (int64_t r = 0; r < 300; ++r) t += x.at({r, c});
    cols[c] = static_cast<float>(t);
  }
  check_values(ag::sum(x, 1), rows, 1e-4f);
  check_values(ag::sum(x, 0), cols, 1e-4f);
  std::vector<float> col_means = cols;
  for (float& v : col_means) v /= 300.0f;
  check_values(ag::mean(x, 0), col_means, 1e-4f);
  // The same bits with one thread as with several: every output is summed in one fixed order.
  const int threads = ag::get_num_threads();
  ag::set_num_threads(1);
  std::vector<float> serial0 = ag::sum(x, 0).to_vector(), serial1 = ag::sum(x, 1).to_vector();
  ag::set_num_threads(2);
  CHECK(ag::sum(x, 0).to_vector() == serial0);
  CHECK(ag::sum(x, 1).to_vector() == serial1);
  ag::set_num_threads(threads);
}

TEST_CASE("sum: gradient spreads dout over the reduced dim") {
  Tensor x = ag::ones({2, 3}, true);
  ag::sum(x, 1).backward(ag::tensor({10, 20}));
  check_values(x.grad(), {10, 10, 10, 20, 20, 20});
  ag::manual_seed(3);
  Tensor a = ag::randn({2, 3, 4}, true);
  auto r = ag::gradcheck([](const std::vector<Tensor>& in) { return ag::sum(in[0]); }, {a});
  CHECK_MESSAGE(r.ok, r.report);
  for (int64_t d = -3; d < 3; ++d) {
    INFO("dim ", d);
    r = ag::gradcheck([d](const std::vector<Tensor>& in) { return ag::sum(in[0], d, d % 2 == 0); },
                      {a});
    CHECK_MESSAGE(r.ok, r.report);
  }
}

TEST_CASE("sum: dim out of range names the op and shape") {
  Tensor x = grid23();
  CHECK_THROWS_WITH_AS(
      ag::sum(x, 3),
      doctest::Contains("sum: dimension 3 out of range for a tensor of shape [2, 3] "
                        "(expected to be in [-2, 1])"),
      ag::Error);
  CHECK_THROWS_WITH_AS(ag::sum(x, -3), doctest::Contains("sum: dimension -3 out of range"),
                       ag::Error);
  CHECK(ag::wrap_dim("f", -1, 4) == 3);
  CHECK(ag::wrap_dim("f", 0, 0) == 0);
  CHECK_THROWS_WITH_AS(ag::wrap_dim("softmax", 2, 2),
                       doctest::Contains("softmax: dimension 2 out of range for a tensor of rank 2 "
                                         "(expected to be in [-2, 1])"),
                       ag::Error);
}

TEST_CASE("mean: values, keepdim, gradient, errors") {
  Tensor x = grid23();
  CHECK(ag::mean(x).item() == doctest::Approx(3.5));
  check_values(ag::mean(x, 0), {2.5f, 3.5f, 4.5f});
  check_values(ag::mean(x, 1, true), {2, 5});
  CHECK(ag::mean(x, 1, true).shape() == Shape{2, 1});
  CHECK(std::isnan(ag::mean(ag::zeros({0})).item()));  // 0/0, as in PyTorch

  Tensor w = ag::ones({2, 4}, true);
  ag::mean(w, 1).backward(ag::tensor({4, 8}));
  check_values(w.grad(), {1, 1, 1, 1, 2, 2, 2, 2});
  ag::manual_seed(4);
  Tensor a = ag::randn({3, 5}, true);
  auto r = ag::gradcheck([](const std::vector<Tensor>& in) { return ag::mean(in[0]); }, {a});
  CHECK_MESSAGE(r.ok, r.report);
  r = ag::gradcheck([](const std::vector<Tensor>& in) { return ag::mean(in[0], 0); }, {a});
  CHECK_MESSAGE(r.ok, r.report);
  r = ag::gradcheck([](const std::vector<Tensor>& in) { return ag::mean(in[0], -1, true); }, {a});
  CHECK_MESSAGE(r.ok, r.report);
  CHECK_THROWS_WITH_AS(
      ag::mean(x, 2),
      doctest::Contains("mean: dimension 2 out of range for a tensor of shape [2, 3]"), ag::Error);
}

TEST_CASE("max: values, NaN propagates, keepdim") {
  Tensor x = ag::tensor({{1, 9, 3}, {7, 2, 8}});
  CHECK(ag::max(x).item() == 9.0f);
  CHECK(ag::max(x).shape() == Shape{});
  check_values(ag::max(x, 0), {7, 9, 8});
  check_values(ag::max(x, 1), {9, 8});
  CHECK(ag::max(x, 1, true).shape() == Shape{2, 1});
  CHECK(ag::max(x, 0, true).shape() == Shape{1, 3});
  const float nan = std::numeric_limits<float>::quiet_NaN();
  CHECK(std::isnan(ag::max(ag::tensor({1, nan, 3})).item()));
}

TEST_CASE(
    "max: over everything ties share the gradient (PyTorch 1.13); max(dim) sends it to the "
    "arg-max") {
  Tensor x = ag::tensor({1, 5, 5, 2}, true);
  ag::max(x).backward();
  check_values(x.grad(), {0, 0.5f, 0.5f, 0});

  Tensor y = ag::tensor({{1, 9, 3}, {7, 2, 8}}, true);
  ag::max(y, 1).backward(ag::tensor({10, 20}));
  check_values(y.grad(), {0, 10, 0, 0, 0, 20});
  Tensor z = ag::tensor({{1, 9, 3}, {7, 2, 8}}, true);
  ag::max(z, 0, true).backward(ag::tensor({{1, 2, 3}}));
  check_values(z.grad(), {0, 2, 0, 1, 0, 3});

  ag::manual_seed(5);
  Tensor a = ag::randn({3, 4, 2}, true);
  auto r = ag::gradcheck([](const std::vector<Tensor>& in) { return ag::max(in[0]); }, {a});
  CHECK_MESSAGE(r.ok, r.report);
  r = ag::gradcheck([](const std::vector<Tensor>& in) { return ag::max(in[0], 1); }, {a});
  CHECK_MESSAGE(r.ok, r.report);
  r = ag::gradcheck([](const std::vector<Tensor>& in) { return ag::max(in[0], 0, true); }, {a});
  CHECK_MESSAGE(r.ok, r.report);
}

TEST_CASE("max: errors name the op and shape") {
  CHECK_THROWS_WITH_AS(
      ag::max(ag::zeros({2, 0}), 1),
      doctest::Contains("max: cannot reduce over a dimension of size 0 (input shape [2, 0])"),
      ag::Error);
  CHECK_THROWS_WITH_AS(ag::max(ag::zeros({0, 3})),
                       doctest::Contains("max: cannot reduce an empty tensor of shape [0, 3]"),
                       ag::Error);
  CHECK_THROWS_WITH_AS(
      ag::max(grid23(), -4),
      doctest::Contains("max: dimension -4 out of range for a tensor of shape [2, 3]"), ag::Error);
}

TEST_CASE("min: values, gradient to the arg-min, errors") {
  Tensor x = ag::tensor({{4, 1, 1}, {0, 6, -2}}, true);
  check_values(ag::min(x, 1), {1, -2});
  check_values(ag::min(x, 0), {0, 1, -2});
  CHECK(ag::min(x, 0, true).shape() == Shape{1, 3});
  ag::min(x, 1).backward(ag::tensor({3, 5}));
  check_values(x.grad(), {0, 3, 0, 0, 0, 5});  // the tie at 1 sends it to the first
  ag::manual_seed(6);
  Tensor a = ag::randn({4, 3}, true);
  auto r = ag::gradcheck([](const std::vector<Tensor>& in) { return ag::min(in[0], -1); }, {a});
  CHECK_MESSAGE(r.ok, r.report);
  CHECK_THROWS_WITH_AS(
      ag::min(ag::zeros({3, 0}), -1),
      doctest::Contains("min: cannot reduce over a dimension of size 0 (input shape [3, 0])"),
      ag::Error);
  CHECK_THROWS_WITH_AS(
      ag::min(x, 2),
      doctest::Contains("min: dimension 2 out of range for a tensor of shape [2, 3]"), ag::Error);
}

TEST_CASE("argmax: float indices, first on ties, no graph") {
  Tensor x = ag::tensor({{1, 9, 9}, {7, 2, 8}}, true);
  Tensor rows = ag::argmax(x, 1);
  check_values(rows, {1, 2});
  CHECK(rows.shape() == Shape{2});
  CHECK_FALSE(rows.requires_grad());
  check_values(ag::argmax(x, 0), {1, 0, 0});
  CHECK(ag::argmax(x, 0, true).shape() == Shape{1, 3});
  check_values(ag::argmax(x, -1, true), {1, 2});
  CHECK_THROWS_WITH_AS(
      ag::argmax(x, 2),
      doctest::Contains("argmax: dimension 2 out of range for a tensor of shape [2, 3]"),
      ag::Error);
  CHECK_THROWS_WITH_AS(ag::argmax(ag::zeros({0, 2}), 0),
                       doctest::Contains("argmax: cannot reduce over a dimension of size 0"),
                       ag::Error);
}

TEST_CASE("var: unbiased and biased numbers by hand") {
  // mean 2.5, squared deviations 2.25 + 0.25 + 0.25 + 2.25 = 5
  Tensor x = ag::tensor({1, 2, 3, 4});
  CHECK(ag::var(x).item() == doctest::Approx(5.0 / 3.0));
  CHECK(ag::var(x, false).item() == doctest::Approx(1.25));
  CHECK(ag::var(x).shape() == Shape{});
  Tensor y = ag::tensor({{1, 2, 3, 4}, {2, 4, 6, 8}});
  check_values(ag::var(y, int64_t{1}), {5.0f / 3.0f, 20.0f / 3.0f});
  check_values(ag::var(y, 1, false), {1.25f, 5.0f});
  // Two samples a, b: unbiased (a-b)²/2, biased (a-b)²/4.
  check_values(ag::var(y, int64_t{0}), {0.5f, 2.0f, 4.5f, 8.0f});
  check_values(ag::var(y, 0, false, true), {0.25f, 1.0f, 2.25f, 4.0f});
  CHECK(ag::var(y, 0, false, true).shape() == Shape{1, 4});
  CHECK(ag::var(y, -1, true, true).shape() == Shape{2, 1});
  CHECK(std::isnan(ag::var(ag::tensor({3})).item()));  // one sample, N - 1 = 0
  CHECK(ag::var(ag::tensor({3}), false).item() == 0.0f);
}

TEST_CASE("var: gradient") {
  // d var / dx_k = 2 (x_k - mean) / (N - 1): for {1, 2, 3, 4}, (2/3) * {-1.5, -0.5, 0.5, 1.5}
  Tensor x = ag::tensor({1, 2, 3, 4}, true);
  ag::var(x).backward();
  check_values(x.grad(), {-1.0f, -1.0f / 3.0f, 1.0f / 3.0f, 1.0f});
  ag::manual_seed(7);
  Tensor a = ag::randn({3, 4}, true);
  for (bool unbiased : {true, false}) {
    INFO("unbiased ", unbiased);
    auto r = ag::gradcheck(
        [unbiased](const std::vector<Tensor>& in) { return ag::var(in[0], unbiased); }, {a});
    CHECK_MESSAGE(r.ok, r.report);
    r = ag::gradcheck(
        [unbiased](const std::vector<Tensor>& in) { return ag::var(in[0], 0, unbiased); }, {a});
    CHECK_MESSAGE(r.ok, r.report);
    r = ag::gradcheck(
        [unbiased](const std::vector<Tensor>& in) { return ag::var(in[0], 1, unbiased, true); },
        {a});
    CHECK_MESSAGE(r.ok, r.report);
  }
  CHECK_THROWS_WITH_AS(
      ag::var(a, int64_t{5}),
      doctest::Contains("var: dimension 5 out of range for a tensor of shape [3, 4]"), ag::Error);
}

TEST_CASE("var: an in-place change of the saved input is caught at backward") {
  Tensor x = ag::tensor({1, 2, 3}, true);
  Tensor scaled = ag::mul(x, 2.0f);
  Tensor v = ag::var(scaled);
  ag::mul_(scaled, 3.0f);  // var saved `scaled`; its version moved on
  CHECK_THROWS_WITH_AS(v.backward(), doctest::Contains("VarBackward: one of the tensors needed"),
                       ag::Error);
}
}  // TEST_SUITE("core.reduce")

TEST_CASE("var(x, 1) means the variance over dim 1 (not unbiased=true)" *
          doctest::test_suite("core.reduce")) {
  Tensor x = ag::tensor({{1, 2, 3}, {2, 4, 6}});
  // Row variances (unbiased): [1, 4]; all six values have mean 3 and squared deviations 4+1+0+1+1+9
  // = 16, so 16/5 = 3.2.
  ag_test::check_close(ag::var(x, 1), {1.0f, 4.0f});
  CHECK(ag::var(x).item() == doctest::Approx(3.2f).epsilon(1e-6));
}
