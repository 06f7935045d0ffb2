// tests/core/test_outer_alpha.cpp: outer (torch.outer) and add/sub with
// PyTorch's alpha keyword: values by hand and by plain loops, gradients by
// hand and by gradcheck, and the text of the errors.
#include "tests/helpers/test_util.h"

using namespace ag;

namespace {
using Inputs = std::vector<Tensor>;
}  // namespace

TEST_SUITE("core.elementwise") {
TEST_CASE("outer: out[i][j] = a[i] * b[j], by hand and by loops") {
  Tensor product = outer(tensor({1, 2, 3}), tensor({4, 5}));
  CHECK(product.shape() == Shape{3, 2});
  ag_test::check_close(product, {4, 5, 8, 10, 12, 15});
  manual_seed(5);
  Tensor a = randn({7}), b = randn({4});
  Tensor got = a.outer(b);
  std::vector<float> expected;
  for (int64_t i = 0; i < 7; ++i)
    for (int64_t j = 0; j < 4; ++j) expected.push_back(a.at({i}) * b.at({j}));
  ag_test::check_close(got, expected);
  CHECK(outer(zeros({0}), zeros({3})).shape() == Shape{0, 3});
}

TEST_CASE("outer's gradients: da = dout · b, db = doutᵀ · a") {
  Tensor a = tensor({1, 2}, true), b = tensor({3, 4, 5}, true);
  Tensor dout = from_vector({1, 0, 2, 0, 1, -1}, {2, 3});
  outer(a, b).backward(dout);
  // da[0] = 1·3 + 0·4 + 2·5 = 13, da[1] = 0·3 + 1·4 - 1·5 = -1
  ag_test::check_close(a.grad(), {13, -1});
  // db[j] = dout[0][j]·1 + dout[1][j]·2 = [1, 2, 0]
  ag_test::check_close(b.grad(), {1, 2, 0});
  manual_seed(6);
  CHECK_GRADCHECK([](const Inputs& v) { return outer(v[0], v[1]); },
                  {randn({4}, true), randn({3}, true)});
  CHECK_GRADCHECK([](const Inputs& v) { return outer(v[0], v[0]); },
                  {randn({3}, true)});  // a used twice
}

TEST_CASE("outer's errors: PyTorch's words and the shape") {
  CHECK_THROWS_WITH_AS(outer(zeros({2, 3}), zeros({3})),
                       "outer: Expected 1-D argument self, but got 2-D (shape [2, 3])", Error);
  CHECK_THROWS_WITH_AS(outer(zeros({3}), scalar(1.0f)),
                       "outer: Expected 1-D argument vec2, but got 0-D (shape [])", Error);
}

TEST_CASE("add and sub with alpha: out = a ± alpha·b, broadcasting") {
  Tensor a = tensor({{1, 2}, {3, 4}}), b = tensor({10, 20});
  ag_test::check_close(add(a, b, 2.0f), {21, 42, 23, 44});
  ag_test::check_close(sub(a, b, 0.5f), {-4, -8, -2, -6});
  ag_test::check_close(a.add(b, -1.0f), {-9, -18, -7, -16});
  ag_test::check_close(a.sub(b, 3.0f), {-29, -58, -27, -56});
  ag_test::check_close(a.add(b), add(a, b));  // alpha defaults to 1
  ag_test::check_close(a.sub(b), sub(a, b));
  CHECK(add(a, b, 2.0f).shape() == Shape{2, 2});
}

TEST_CASE("alpha's gradient: da = dout, db = ±alpha · dout summed to b's shape") {
  Tensor a = tensor({{1, 2}, {3, 4}}, true), b = tensor({10, 20}, true);
  add(a, b, 2.0f).backward(ones({2, 2}));
  ag_test::check_close(a.grad(), {1, 1, 1, 1});
  ag_test::check_close(b.grad(), {4, 4});  // 2 · (1 + 1): b was stretched over 2 rows
  a.zero_grad();
  b.zero_grad();
  sub(a, b, 3.0f).backward(from_vector({1, 2, 3, 4}, {2, 2}));
  ag_test::check_close(a.grad(), {1, 2, 3, 4});
  ag_test::check_close(b.grad(), {-12, -18});  // -3 · column sums [4, 6]
  CHECK(add(a, b, 2.0f).grad_fn()->name() == "AddBackward");
  manual_seed(7);
  Tensor x = randn({3, 4}, true), y = randn({4}, true);
  CHECK_GRADCHECK([](const Inputs& v) { return add(v[0], v[1], -2.5f); }, {x, y});
  CHECK_GRADCHECK([](const Inputs& v) { return sub(v[0], v[1], 0.75f); }, {x, y});
  CHECK_GRADCHECK([](const Inputs& v) { return v[0].add(v[0], 3.0f); },
                  {x});  // a + 3a: 4 everywhere
}

TEST_CASE("add/sub with alpha: broadcast errors name the op and both shapes") {
  CHECK_THROWS_WITH_AS(
      add(zeros({2, 3}), zeros({2}), 2.0f),
      "add: shapes [2, 3] and [2] cannot be broadcast together (3 vs 2 at dimension 1 of the "
      "result)",
      Error);
  CHECK_THROWS_WITH_AS(
      zeros({4}).sub(zeros({3}), 2.0f),
      "sub: shapes [4] and [3] cannot be broadcast together (4 vs 3 at dimension 0 of the result)",
      Error);
}
}  // TEST_SUITE("core.elementwise")
