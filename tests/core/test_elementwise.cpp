// tests/core/test_elementwise.cpp: pointwise ops, broadcasting, scalar variants.
#include "tests/helpers/test_util.h"

using namespace ag;

namespace {
using Fn = GradcheckFn;
Tensor positive(const Shape& s) {  // inputs for log/sqrt/pow, away from 0
  return add(abs(randn(s)), 0.5f).detach().requires_grad_();
}
}  // namespace

TEST_SUITE("core.elementwise") {
TEST_CASE("forward values match the formulas") {
  Tensor a = tensor({1.0f, -2.0f, 3.0f}), b = tensor({4.0f, 5.0f, -6.0f});
  ag_test::check_close(add(a, b), {5, 3, -3});
  ag_test::check_close(sub(a, b), {-3, -7, 9});
  ag_test::check_close(mul(a, b), {4, -10, -18});
  ag_test::check_close(div(a, b), {0.25f, -0.4f, -0.5f});
  ag_test::check_close(relu(a), {1, 0, 3});
  ag_test::check_close(abs(a), {1, 2, 3});
  ag_test::check_close(pow(a, 2.0f), {1, 4, 9});
  ag_test::check_close(exp(tensor({0.0f, 1.0f})), {1.0f, 2.7182817f});
  ag_test::check_close(log(tensor({1.0f, 2.7182817f})), {0.0f, 1.0f});
  ag_test::check_close(sqrt(tensor({4.0f, 2.25f})), {2.0f, 1.5f});
  ag_test::check_close(sigmoid(tensor({0.0f, -100.0f, 100.0f})), {0.5f, 0.0f, 1.0f});
  ag_test::check_close(tanh(tensor({0.0f, 0.5f})), {0.0f, 0.46211716f});
  ag_test::check_close(clamp(a, -1.0f, 2.0f), {1, -1, 2});
  ag_test::check_close(rsub(1.0f, a), {0, 3, -2});
  ag_test::check_close(rdiv(6.0f, a), {6, -3, 2});
  ag_test::check_close(2.0f * a - 1.0f, {1, -5, 5});
  ag_test::check_close(-a / 2.0f, {-0.5f, 1.0f, -1.5f});
}

TEST_CASE("broadcasting follows NumPy: sizes align from the right") {
  Tensor col = from_vector({1.0f, 2.0f}, {2, 1});
  Tensor row = tensor({10.0f, 20.0f, 30.0f});  // [3]
  Tensor s = add(col, row);
  CHECK(s.shape() == Shape{2, 3});
  ag_test::check_close(s, {11, 21, 31, 12, 22, 32});
  CHECK(broadcast_shapes("t", {5, 1, 4}, {3, 1}) == Shape{5, 3, 4});
  CHECK(broadcast_shapes("t", {}, {2, 2}) == Shape{2, 2});
  CHECK_THROWS_WITH_AS(add(zeros({2, 3}), zeros({4, 3})),
                       doctest::Contains("add: shapes [2, 3] and [4, 3] cannot be broadcast "
                                         "together (2 vs 4 at dimension 0 of the result)"),
                       Error);
  CHECK_THROWS_WITH_AS(mul(zeros({3}), zeros({2})),
                       doctest::Contains("mul: shapes [3] and [2] cannot be broadcast"), Error);
  CHECK_THROWS_WITH_AS(div(zeros({3}), zeros({2})), doctest::Contains("div: shapes [3] and [2]"),
                       Error);
  CHECK_THROWS_WITH_AS(sub(zeros({3}), zeros({2})), doctest::Contains("sub: shapes [3] and [2]"),
                       Error);
}

TEST_CASE("gradcheck: binary ops with and without broadcasting") {
  manual_seed(1);
  Fn f_add = [](const std::vector<Tensor>& v) { return add(v[0], v[1]); };
  Fn f_sub = [](const std::vector<Tensor>& v) { return sub(v[0], v[1]); };
  Fn f_mul = [](const std::vector<Tensor>& v) { return mul(v[0], v[1]); };
  Fn f_div = [](const std::vector<Tensor>& v) { return div(v[0], v[1]); };
  for (const auto& shapes : std::vector<std::pair<Shape, Shape>>{
           {{2, 3}, {2, 3}}, {{2, 3}, {3}}, {{4, 1, 3}, {2, 1}}, {{}, {2, 2}}}) {
    const Shape& sa = shapes.first;
    const Shape& sb = shapes.second;
    INFO("shapes ", shape_str(sa), " and ", shape_str(sb));
    CHECK_GRADCHECK(f_add, {randn(sa, true), randn(sb, true)});
    CHECK_GRADCHECK(f_sub, {randn(sa, true), randn(sb, true)});
    CHECK_GRADCHECK(f_mul, {randn(sa, true), randn(sb, true)});
    CHECK_GRADCHECK(f_div, {randn(sa, true), positive(sb)});
  }
}

TEST_CASE("gradcheck: unary ops") {
  manual_seed(2);
  std::vector<std::pair<const char*, Fn>> ops = {
      {"neg", [](const std::vector<Tensor>& v) { return neg(v[0]); }},
      {"exp", [](const std::vector<Tensor>& v) { return exp(v[0]); }},
      {"sigmoid", [](const std::vector<Tensor>& v) { return sigmoid(v[0]); }},
      {"tanh", [](const std::vector<Tensor>& v) { return tanh(v[0]); }},
      {"relu", [](const std::vector<Tensor>& v) { return relu(v[0]); }},
      {"abs", [](const std::vector<Tensor>& v) { return abs(v[0]); }},
      {"clamp", [](const std::vector<Tensor>& v) { return clamp(v[0], -0.5f, 0.5f); }},
      {"add scalar", [](const std::vector<Tensor>& v) { return v[0] + 2.0f; }},
      {"rsub scalar", [](const std::vector<Tensor>& v) { return 2.0f - v[0]; }},
      {"mul scalar", [](const std::vector<Tensor>& v) { return v[0] * -3.0f; }},
      {"div scalar", [](const std::vector<Tensor>& v) { return v[0] / 4.0f; }},
  };
  for (const auto& op : ops) {
    const GradcheckFn& fn = op.second;
    INFO("op ", op.first);
    // Keep relu/abs/clamp inputs away from their kinks, where the derivative jumps.
    Tensor x = randn({3, 4});
    for (int64_t i = 0; i < x.numel(); ++i) {
      float& v = x.data()[i];
      if (std::fabs(v) < 0.05f || std::fabs(std::fabs(v) - 0.5f) < 0.05f) v += 0.2f;
    }
    CHECK_GRADCHECK(fn, {x.requires_grad_()});
  }
  Fn f_log = [](const std::vector<Tensor>& v) { return log(v[0]); };
  Fn f_sqrt = [](const std::vector<Tensor>& v) { return sqrt(v[0]); };
  Fn f_pow = [](const std::vector<Tensor>& v) { return pow(v[0], 2.5f); };
  Fn f_rdiv = [](const std::vector<Tensor>& v) { return 3.0f / v[0]; };
  CHECK_GRADCHECK(f_log, {positive({5})});
  CHECK_GRADCHECK(f_sqrt, {positive({5})});
  CHECK_GRADCHECK(f_pow, {positive({5})});
  CHECK_GRADCHECK(f_rdiv, {positive({5})});
}

TEST_CASE("softmax-safe extremes: sigmoid does not overflow") {
  Tensor s = sigmoid(tensor({-1000.0f, 1000.0f}));
  CHECK(s.to_vector() == std::vector<float>{0.0f, 1.0f});
}

TEST_CASE("masked_fill and where: values, gradients, shape errors") {
  Tensor scores = tensor({{1, 2, 3}, {4, 5, 6}});
  Tensor causal = tensor({{0, 1, 1}, {0, 0, 1}});
  ag_test::check_close(masked_fill(scores, causal, -1e9f), {1, -1e9f, -1e9f, 4, 5, -1e9f});
  Tensor pad = tensor({0, 0, 1});  // broadcasts over rows
  ag_test::check_close(masked_fill(scores, pad, 0.0f), {1, 2, 0, 4, 5, 0});
  CHECK_THROWS_WITH_AS(
      masked_fill(scores, zeros({2, 2, 3}), 0.0f),
      doctest::Contains(
          "masked_fill: mask of shape [2, 2, 3] does not broadcast to the input's shape [2, 3]"),
      Error);
  CHECK_THROWS_WITH_AS(
      masked_fill(scores, zeros({2, 4}), 0.0f),
      doctest::Contains("masked_fill: shapes [2, 3] and [2, 4] cannot be broadcast"), Error);
  Fn f_mask = [causal](const std::vector<Tensor>& v) { return masked_fill(v[0], causal, 0.0f); };
  manual_seed(3);
  CHECK_GRADCHECK(f_mask, {randn({2, 3}, true)});

  Tensor cond = tensor({1, 0, 1});
  ag_test::check_close(where(cond, tensor({1, 2, 3}), scalar(-1.0f)), {1, -1, 3});
  Fn f_where = [cond](const std::vector<Tensor>& v) { return where(cond, v[0], v[1]); };
  CHECK_GRADCHECK(f_where, {randn({2, 3}, true), randn({1}, true)});
  CHECK_THROWS_WITH_AS(where(zeros({4}), zeros({3}), zeros({3})),
                       doctest::Contains("where: shapes [4] and [3] cannot be broadcast"), Error);
}

TEST_CASE("sum_to and expand are each other's backward") {
  manual_seed(4);
  Fn f_sum_to = [](const std::vector<Tensor>& v) { return sum_to(v[0], {3, 1}); };
  Fn f_expand = [](const std::vector<Tensor>& v) { return expand(v[0], {2, 3, 4}); };
  CHECK_GRADCHECK(f_sum_to, {randn({2, 3, 4}, true)});
  CHECK_GRADCHECK(f_expand, {randn({3, 1}, true)});
  ag_test::check_close(sum_to(ones({2, 3}), {3}), {2, 2, 2});
  CHECK_THROWS_WITH_AS(sum_to(ones({2, 3}), {2}),
                       "sum_to: shapes [2] and [2, 3] cannot be broadcast together (2 vs 3 at "
                       "dimension 1 of the result)",
                       Error);
  CHECK_THROWS_WITH_AS(sum_to(ones({2, 3}), {5, 2, 3}),
                       "sum_to: shape [2, 3] cannot be summed down to [5, 2, 3]", Error);
  CHECK_THROWS_WITH_AS(expand(ones({2, 3}), {3, 3}),
                       doctest::Contains("expand: shapes [2, 3] and [3, 3] cannot be broadcast"),
                       Error);
}

TEST_CASE("clamp with min > max is an error") {
  CHECK_THROWS_WITH_AS(clamp(ones({2}), 1.0f, 0.0f),
                       doctest::Contains("clamp: min 1 is greater than max 0"), Error);
}
}  // TEST_SUITE("core.elementwise")
