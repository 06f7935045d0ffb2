// tests/core/test_softmax.cpp: softmax and log_softmax against the definition,
// numerical stability, the backward against the explicit Jacobian, gradcheck,
// fast vs naive kernels, and the dim error.
#include <cmath>
#include <limits>
#include <vector>

#include "core/kernels/kernel_mode.h"
#include "tests/helpers/test_util.h"

using namespace ag;

namespace {

// softmax along `dim` straight from the definition, in double, for x seen as
// (outer, n, inner): y = e^x / Σ e^x (no max trick: the test inputs are small).
std::vector<float> softmax_by_definition(const Tensor& x, int64_t dim, bool log) {
  const Shape& s = x.shape();
  int64_t outer = 1, inner = 1, n = s[dim];
  for (int64_t d = 0; d < dim; ++d) outer *= s[d];
  for (size_t d = dim + 1; d < s.size(); ++d) inner *= s[d];
  std::vector<float> in = x.to_vector(), out(in.size());
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t j = 0; j < inner; ++j) {
      double total = 0.0;
      for (int64_t k = 0; k < n; ++k) total += std::exp(double(in[(o * n + k) * inner + j]));
      for (int64_t k = 0; k < n; ++k) {
        const int64_t i = (o * n + k) * inner + j;
        out[i] =
            static_cast<float>(log ? in[i] - std::log(total) : std::exp(double(in[i])) / total);
      }
    }
  return out;
}

using Inputs = std::vector<Tensor>;

}  // namespace

TEST_SUITE("core.softmax") {
TEST_CASE("values match the definition, any dim") {
  // softmax([1, 2, 3]) = [e, e², e³] / (e + e² + e³) = [0.0900306, 0.2447285, 0.6652410]
  ag_test::check_close(softmax(tensor({1, 2, 3}), 0), {0.0900306f, 0.2447285f, 0.6652410f});
  // log of the same: [1, 2, 3] - log(e + e² + e³) = [1, 2, 3] - 3.4076059
  ag_test::check_close(log_softmax(tensor({1, 2, 3}), -1), {-2.4076059f, -1.4076059f, -0.4076059f});

  manual_seed(21);
  Tensor x = randn({3, 4, 5});
  for (int64_t dim : {0, 1, 2, -1, -2}) {
    CAPTURE(dim);
    const int64_t d = dim < 0 ? dim + 3 : dim;
    ag_test::check_close(softmax(x, dim), softmax_by_definition(x, d, false));
    ag_test::check_close(log_softmax(x, dim), softmax_by_definition(x, d, true));
  }
  // Every softmax row sums to 1.
  Tensor y = softmax(x, 1);
  for (int64_t o = 0; o < 3; ++o)
    for (int64_t j = 0; j < 5; ++j) {
      double total = 0.0;
      for (int64_t k = 0; k < 4; ++k) total += y.at({o, k, j});
      CHECK(total == doctest::Approx(1.0).epsilon(1e-6));
    }
}

TEST_CASE("numerically stable: huge logits give no inf or NaN") {
  for (Kernels mode : {Kernels::Fast, Kernels::Naive}) {
    KernelsGuard guard(mode);
    CAPTURE(kernels_name(mode));
    // A row of 1000s: e^1000 overflows float, but after subtracting the max every
    // entry is e^0 = 1, so each gets 1/n and log 1/n. Long rows take the vector path.
    for (int64_t n : {4, 40}) {
      Tensor big = full({2, n}, 1000.0f);
      ag_test::check_close(softmax(big, -1), std::vector<float>(2 * n, 1.0f / n));
      ag_test::check_close(log_softmax(big, -1), std::vector<float>(2 * n, -std::log(float(n))));
      ag_test::check_close(softmax(big, 0), std::vector<float>(2 * n, 0.5f));
    }
    // [1000, 0, -1000]: the first takes everything; log_softmax keeps exact differences.
    ag_test::check_close(softmax(tensor({1000, 0, -1000}), 0), {1, 0, 0});
    ag_test::check_close(log_softmax(tensor({1000, 0, -1000}), 0), {0, -1000, -2000});
    // -inf (a masked position) gets exactly 0, and NaN stays NaN.
    ag_test::check_close(softmax(tensor({0, -INFINITY, 0}), 0), {0.5f, 0.0f, 0.5f});
    Tensor with_nan = softmax(tensor({1, NAN, 2}), 0);
    CHECK(std::isnan(with_nan.data()[0]));
  }
}

TEST_CASE("a 0-d tensor and an empty tensor") {
  CHECK(softmax(scalar(3.0f), 0).item() == 1.0f);
  CHECK(log_softmax(scalar(3.0f), -1).item() == 0.0f);
  CHECK(softmax(zeros({0, 3}), 1).shape() == Shape{0, 3});
}

TEST_CASE("backward equals the explicit Jacobian applied to dout") {
  // softmax:     ∂y_i/∂x_j = y_i (δ_ij - y_j)
  // log_softmax: ∂y_i/∂x_j = δ_ij - p_j        with p = softmax(x)
  // dx_j = Σ_i dout_i ∂y_i/∂x_j
  manual_seed(22);
  const int64_t n = 6;
  for (bool log : {false, true}) {
    CAPTURE(log);
    Tensor x = randn({n}, true), dout = randn({n});
    Tensor y = log ? log_softmax(x, 0) : softmax(x, 0);
    y.backward(dout);
    std::vector<float> p = softmax_by_definition(x, 0, false), dy = dout.to_vector();
    std::vector<float> expected(n, 0.0f);
    for (int64_t j = 0; j < n; ++j)
      for (int64_t i = 0; i < n; ++i) {
        const double delta = i == j ? 1.0 : 0.0;
        const double jacobian = log ? delta - p[j] : p[i] * (delta - p[j]);
        expected[j] += static_cast<float>(dy[i] * jacobian);
      }
    ag_test::check_close(x.grad(), expected);
  }
}

TEST_CASE("gradcheck over every dim") {
  manual_seed(23);
  for (int64_t dim : {0, 1, 2, -1}) {
    CAPTURE(dim);
    auto f = [dim](const Inputs& v) { return softmax(v[0], dim); };
    auto g = [dim](const Inputs& v) { return log_softmax(v[0], dim); };
    CHECK_GRADCHECK(f, {randn({2, 3, 4}, true)});
    CHECK_GRADCHECK(g, {randn({2, 3, 4}, true)});
  }
  // A row long enough for the vector path (16 lanes + a tail).
  auto f = [](const Inputs& v) { return softmax(v[0], -1); };
  CHECK_GRADCHECK(f, {randn({2, 19}, true)});
  CHECK(softmax(randn({2}, true), 0).grad_fn()->name() == "SoftmaxBackward");
  CHECK(log_softmax(randn({2}, true), 0).grad_fn()->name() == "LogSoftmaxBackward");
}

TEST_CASE("fast and naive kernels agree on many shapes (odd sizes too)") {
  const std::vector<std::pair<Shape, int64_t>> cases = {
      {{1, 1}, -1},   {{3, 7}, -1},   {{5, 15}, -1},    {{4, 16}, -1},    {{2, 17}, -1},
      {{3, 33}, -1},  {{9, 255}, -1}, {{2, 1000}, -1},  {{2, 3, 256}, 2}, {{65, 31}, 1},
      {{4, 5, 6}, 1}, {{7, 3, 9}, 0}, {{2, 3, 4, 5}, 2}};
  for (const auto& c : cases) {
    const Shape& shape = c.first;  // (clang 14 cannot capture structured bindings)
    const int64_t dim = c.second;
    for (bool log : {false, true}) {
      CAPTURE(shape_str(shape));
      CAPTURE(dim);
      CAPTURE(log);
      Tensor outs[2], grads[2];
      for (int mode = 0; mode < 2; ++mode) {
        KernelsGuard guard(mode == 0 ? Kernels::Fast : Kernels::Naive);
        manual_seed(24);
        Tensor x = mul(randn(shape), 5.0f).detach().requires_grad_();  // spread-out logits
        Tensor y = log ? log_softmax(x, dim) : softmax(x, dim);
        manual_seed(25);
        y.backward(randn(shape));
        outs[mode] = y.detach();
        grads[mode] = x.grad();
      }
      ag_test::check_close(outs[0], outs[1], 1e-5);
      ag_test::check_close(grads[0], grads[1], 1e-5);
    }
  }
}

TEST_CASE("dim out of range names the op, the dim and the shape") {
  CHECK_THROWS_WITH_AS(
      softmax(zeros({2, 3}), 2),
      "softmax: dim 2 is out of range for a tensor of shape [2, 3] (expected a dim in [-2, 1])",
      Error);
  CHECK_THROWS_WITH_AS(
      log_softmax(zeros({2, 3}), -3),
      doctest::Contains("log_softmax: dim -3 is out of range for a tensor of shape [2, 3]"), Error);
  CHECK_THROWS_WITH_AS(softmax(scalar(1.0f), 1),
                       doctest::Contains("softmax: dim 1 is out of range for a tensor of shape []"),
                       Error);
}

TEST_CASE("a masked score (-inf) gets weight exactly 0, on the fast and the naive path") {
  // Rows long enough for the 16-lane fast path plus a scalar tail.
  ag::Tensor x = ag::zeros({2, 37});
  for (int64_t j = 20; j < 37; ++j) x.data()[j] = -INFINITY;       // row 0: a causal-style tail
  for (int64_t j = 0; j < 37; j += 3) x.data()[37 + j] = -200.0f;  // row 1: far below the max
  for (ag::Kernels mode : {ag::Kernels::Fast, ag::Kernels::Naive}) {
    ag::KernelsGuard guard(mode);  // restores the previous mode even if a CHECK throws
    ag::Tensor y = ag::softmax(x, -1);
    for (int64_t j = 20; j < 37; ++j) CHECK(y.at({0, j}) == 0.0f);
    for (int64_t j = 0; j < 20; ++j) CHECK(y.at({0, j}) == doctest::Approx(1.0f / 20));
    for (int64_t j = 0; j < 37; j += 3)
      CHECK(y.at({1, j}) == 0.0f);  // e^-200 underflows to 0 in float
  }
}

TEST_CASE("softmax_ writes softmax over its input: same values, same gradient, one buffer") {
  manual_seed(26);
  for (int64_t dim : {-1, 1, 0}) {
    CAPTURE(dim);
    Tensor x = randn({3, 4, 19}, true);
    Tensor scores = mul(x, 2.0f);  // a non-leaf, as bmm's output in SelfAttention
    const float* storage = scores.data();
    Tensor& y = softmax_(scores, dim);
    CHECK(&y == &scores);
    CHECK(y.data() == storage);  // no second buffer
    CHECK(scores.version() == 1);
    CHECK(scores.grad_fn()->name() == "SoftmaxBackward");
    ag_test::check_close(scores, softmax(mul(x.detach(), 2.0f), dim), 1e-6);
    // The gradient equals out-of-place softmax's, through the history before the write.
    manual_seed(27);
    Tensor dout = randn(x.shape());
    scores.backward(dout);
    Tensor x2 = x.detach().requires_grad_();
    softmax(mul(x2, 2.0f), dim).backward(dout);
    ag_test::check_close(x.grad(), x2.grad(), 1e-6);
  }
  auto f = [](const Inputs& v) {
    Tensor scores = mul(v[0], 1.5f);
    return mul(softmax_(scores, -1), v[1]);
  };
  CHECK_GRADCHECK(f, {randn({2, 19}, true), randn({2, 19}, true)});
  {  // anomaly mode checks softmax_'s output, not the scores it overwrote
    Tensor w = tensor({1, 2, 3}, true);
    Tensor masked = add(mul(w, 1.0f), tensor({0.0f, -INFINITY, 0.0f}));
    DetectAnomalyGuard anomaly;
    Tensor& probs = softmax_(masked, 0);
    CHECK(probs.at({1}) == 0.0f);
    sum(mul(probs, tensor({1, 2, 3}))).backward();
    CHECK(std::isfinite(w.grad().at({0})));
  }
  {  // without a graph, a plain tensor is fine (and keeps no history)
    NoGradGuard no_grad;
    Tensor t = tensor({1, 2, 3});
    softmax_(t, 0);
    ag_test::check_close(t, {0.0900306f, 0.2447285f, 0.6652410f});
  }
}

TEST_CASE(
    "softmax_ refuses what in-place ops refuse, and a node that saved the old value notices") {
  Tensor leaf = randn({2, 3}, true);
  CHECK_THROWS_WITH_AS(
      softmax_(leaf, -1),
      "softmax_: a leaf tensor that requires grad (shape [2, 3]) is being used in an in-place "
      "operation; wrap the update in ag::NoGradGuard",
      Error);
  CHECK(leaf.version() == 0);
  Tensor plain = zeros({2, 3});
  CHECK_THROWS_WITH_AS(
      softmax_(plain, 2),
      "softmax_: dim 2 is out of range for a tensor of shape [2, 3] (expected a dim in [-2, 1])",
      Error);
  // exp saves its output; softmax_ then overwrites that output, so exp's
  // backward would read softmax values as if they were e^x: refused.
  Tensor x = randn({2, 3}, true);
  Tensor e = exp(x);
  softmax_(e, -1);
  CHECK_THROWS_WITH_AS(sum(e).backward(), doctest::Contains("modified by an inplace operation"),
                       Error);
}
}  // TEST_SUITE("core.softmax")
