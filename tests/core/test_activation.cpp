// tests/core/test_activation.cpp: gelu, leaky_relu, silu, softplus, elu, sin, cos,
// log1p, maximum/minimum (core/ops/activation.cpp). Expected values come from
// the textbook formulas evaluated in double here, or by hand; gradients are
// checked by finite differences, and at the kinks against PyTorch 1.13's rules.
#include <cmath>
#include <functional>

#include "core/ops/activation.h"
#include "tests/helpers/test_util.h"

using namespace ag;

namespace {

const std::vector<float> kPoints = {-3.0f, -1.5f, -0.25f, 0.0f, 0.5f, 2.0f, 4.0f};

// f applied to every point, in double, then rounded to float.
std::vector<float> each(const std::function<double(double)>& f) {
  std::vector<float> out;
  for (float v : kPoints) out.push_back(static_cast<float>(f(v)));
  return out;
}

// Gradient of sum(op(x)) at kPoints, from backward().
Tensor grad_of(const std::function<Tensor(const Tensor&)>& op) {
  Tensor x = from_vector(kPoints, {static_cast<int64_t>(kPoints.size())}, true);
  sum(op(x)).backward();
  return x.grad();
}

// Gradcheck of op at points away from its kink at 0.
void check_gradient(const std::function<Tensor(const Tensor&)>& op) {
  Tensor x = from_vector({-2.1f, -0.7f, -0.3f, 0.4f, 1.3f, 2.6f}, {2, 3}, true);
  CHECK_GRADCHECK([&](const std::vector<Tensor>& in) { return op(in[0]); }, {x});
}

double phi(double v) { return 0.5 * (1.0 + std::erf(v / std::sqrt(2.0))); }
double sig(double v) { return 1.0 / (1.0 + std::exp(-v)); }

}  // namespace

TEST_SUITE("core.activation") {
TEST_CASE("gelu: exact (erf) and tanh forms against their formulas") {
  ag_test::check_close(gelu(from_vector(kPoints, {7})), each([](double v) { return v * phi(v); }));
  const double c = std::sqrt(2.0 / M_PI);
  ag_test::check_close(gelu(from_vector(kPoints, {7}), "tanh"), each([c](double v) {
                         return 0.5 * v * (1 + std::tanh(c * (v + 0.044715 * v * v * v)));
                       }));
  // By hand: gelu(0) = 0 with slope Φ(0) = 1/2 in both forms.
  ag_test::check_close(grad_of([](const Tensor& x) { return gelu(x); }), each([](double v) {
                         return phi(v) + v * std::exp(-v * v / 2) / std::sqrt(2 * M_PI);
                       }));
  check_gradient([](const Tensor& x) { return gelu(x); });
  check_gradient([](const Tensor& x) { return gelu(x, "tanh"); });
  CHECK_THROWS_WITH_AS(gelu(from_vector(kPoints, {7}), "erf"),
                       "gelu: approximate must be \"none\" or \"tanh\", got \"erf\"", Error);
}

TEST_CASE("leaky_relu and elu: values, and the gradient at 0 is the negative side's") {
  Tensor x = tensor({-2.0f, 0.0f, 3.0f});
  ag_test::check_close(leaky_relu(x), {-0.02f, 0.0f, 3.0f});
  ag_test::check_close(leaky_relu(x, 0.5f), {-1.0f, 0.0f, 3.0f});
  ag_test::check_close(elu(x), {static_cast<float>(std::exp(-2.0) - 1.0), 0.0f, 3.0f});
  ag_test::check_close(elu(x, 2.0f), {static_cast<float>(2 * (std::exp(-2.0) - 1.0)), 0.0f, 3.0f});
  Tensor xg = tensor({-2.0f, 0.0f, 3.0f}, true);
  sum(leaky_relu(xg, 0.2f)).backward();
  ag_test::check_close(xg.grad(), {0.2f, 0.2f, 1.0f});  // PyTorch: slope at 0 is negative_slope
  xg.zero_grad();
  sum(elu(xg, 2.0f)).backward();
  ag_test::check_close(xg.grad(),
                       {static_cast<float>(2 * std::exp(-2.0)), 2.0f, 1.0f});  // α·e^0 at 0
  check_gradient([](const Tensor& t) { return leaky_relu(t, 0.1f); });
  check_gradient([](const Tensor& t) { return elu(t, 1.5f); });
}

TEST_CASE("silu and softplus against their formulas; softplus is x past the threshold") {
  ag_test::check_close(silu(from_vector(kPoints, {7})), each([](double v) { return v * sig(v); }));
  ag_test::check_close(grad_of([](const Tensor& x) { return silu(x); }),
                       each([](double v) { return sig(v) * (1 + v * (1 - sig(v))); }));
  ag_test::check_close(softplus(from_vector(kPoints, {7})),
                       each([](double v) { return std::log(1 + std::exp(v)); }));
  ag_test::check_close(softplus(from_vector(kPoints, {7}), 2.0f),
                       each([](double v) { return std::log(1 + std::exp(2 * v)) / 2; }));
  ag_test::check_close(grad_of([](const Tensor& x) { return softplus(x, 2.0f); }),
                       each([](double v) { return sig(2 * v); }));
  // βx = 50 > 20: the input itself, slope 1; with threshold 100 the formula, which rounds to 25
  // too.
  Tensor big = tensor({25.0f}, true);
  ag_test::check_close(softplus(big, 2.0f), {25.0f});
  sum(softplus(big, 2.0f)).backward();
  ag_test::check_close(big.grad(), {1.0f});
  ag_test::check_close(softplus(tensor({1.0f}), 1.0f, 0.5f), {1.0f});  // βx = 1 > 0.5
  check_gradient([](const Tensor& t) { return silu(t); });
  check_gradient([](const Tensor& t) { return softplus(t, 1.5f, 3.0f); });
}

TEST_CASE("sin, cos, log1p against std:: in double") {
  ag_test::check_close(sin(from_vector(kPoints, {7})), each([](double v) { return std::sin(v); }));
  ag_test::check_close(cos(from_vector(kPoints, {7})), each([](double v) { return std::cos(v); }));
  ag_test::check_close(grad_of([](const Tensor& x) { return sin(x); }),
                       each([](double v) { return std::cos(v); }));
  ag_test::check_close(grad_of([](const Tensor& x) { return cos(x); }),
                       each([](double v) { return -std::sin(v); }));
  Tensor small = tensor({1e-8f, 0.5f, -0.5f}, true);
  ag_test::check_close(
      log1p(small), {1e-8f, static_cast<float>(std::log(1.5)), static_cast<float>(std::log(0.5))});
  sum(log1p(small)).backward();
  ag_test::check_close(small.grad(), {1.0f, 1.0f / 1.5f, 2.0f});
  check_gradient([](const Tensor& t) { return sin(t); });
  check_gradient([](const Tensor& t) { return cos(t); });
  check_gradient([](const Tensor& t) { return log1p(abs(t)); });
}

TEST_CASE("maximum/minimum: broadcasting, NaN wins, ties split the gradient in half") {
  Tensor a = tensor({{1.0f, 5.0f, 3.0f}, {4.0f, 0.0f, 2.0f}}, true);  // [2, 3]
  Tensor b = tensor({2.0f, 5.0f, 1.0f}, true);                        // [3], broadcast over rows
  ag_test::check_close(maximum(a, b), {2, 5, 3, 4, 5, 2});
  ag_test::check_close(minimum(a, b), {1, 5, 1, 2, 0, 1});
  sum(maximum(a, b)).backward();
  ag_test::check_close(a.grad(), {0, 0.5f, 1, 1, 0, 1});  // 5 == 5: half each
  ag_test::check_close(b.grad(), {1, 1.5f, 0});           // column 1: 0.5 + 1
  CHECK(b.grad().shape() == Shape{3});
  a.zero_grad(), b.zero_grad();
  sum(minimum(a, b)).backward();
  ag_test::check_close(a.grad(), {1, 0.5f, 0, 0, 1, 0});
  ag_test::check_close(b.grad(), {1, 0.5f, 2});

  const float nan = std::nanf("");
  Tensor p = tensor({nan, 1.0f}, true), q = tensor({0.0f, nan}, true);
  Tensor m = maximum(p, q);
  CHECK(std::isnan(m.data()[0]));
  CHECK(std::isnan(m.data()[1]));
  sum(m).backward();  // PyTorch 1.13: both inputs get the whole gradient where a NaN is involved
  ag_test::check_close(p.grad(), {1, 1});
  ag_test::check_close(q.grad(), {1, 1});

  Tensor u = from_vector({0.3f, -1.2f, 2.0f, 0.9f, -0.4f, 1.1f}, {2, 3}, true);
  Tensor w = from_vector({0.1f, 1.4f, -0.6f}, {3}, true);
  CHECK_GRADCHECK([](const std::vector<Tensor>& in) { return maximum(in[0], in[1]); }, {u, w});
  CHECK_GRADCHECK([](const std::vector<Tensor>& in) { return minimum(in[0], in[1]); }, {u, w});
  CHECK_THROWS_WITH_AS(maximum(zeros({2, 3}), zeros({4})),
                       "maximum: shapes [2, 3] and [4] cannot be broadcast together (3 vs 4 at "
                       "dimension 1 of the result)",
                       Error);
  CHECK_FAILS_WITH(minimum(zeros({2, 3}), zeros({2})), "minimum: shapes [2, 3] and [2]");
}
}  // TEST_SUITE("core.activation")
