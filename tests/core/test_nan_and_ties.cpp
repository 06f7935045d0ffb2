// tests/core/test_nan_and_ties.cpp: PyTorch 1.13's behaviour at the
// edges: relu lets NaN through (forward and gradient), max()/min() over
// everything split the gradient among ties, max(dim)/min(dim) pick one index.
#include "tests/helpers/test_util.h"

#include <cmath>
#include <limits>

using namespace ag;

TEST_SUITE("core.unary") {
TEST_CASE("relu(NaN) is NaN and passes its gradient, as PyTorch's threshold") {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  Tensor x = tensor({nan, 1.0f, -1.0f, 0.0f}, true);
  Tensor y = relu(x);
  CHECK(std::isnan(y.data()[0]));
  CHECK(y.data()[1] == 1.0f);
  CHECK(y.data()[2] == 0.0f);
  CHECK(y.data()[3] == 0.0f);
  y.backward(tensor({1.0f, 2.0f, 3.0f, 4.0f}));
  // dx = dy where not (y <= 0): NaN passes, 0 and negatives stop it
  CHECK(x.grad().to_vector() == std::vector<float>{1.0f, 2.0f, 0.0f, 0.0f});
}
}  // TEST_SUITE("core.unary")

TEST_SUITE("core.reduce") {
TEST_CASE("max() over everything splits the gradient evenly among tied elements") {
  Tensor x = tensor({{1.0f, 3.0f}, {3.0f, 2.0f}}, true);
  Tensor top = max(x);
  CHECK(top.item() == 3.0f);
  (top * 4.0f).backward();  // 4 shared by the two 3s
  CHECK(x.grad().to_vector() == std::vector<float>{0.0f, 2.0f, 2.0f, 0.0f});
}

TEST_CASE("min() over everything: the value, ties split, gradcheck away from ties") {
  Tensor x = tensor({{1.0f, 3.0f}, {1.0f, 1.0f}}, true);
  Tensor low = min(x);
  CHECK(low.item() == 1.0f);
  CHECK(low.grad_fn()->name() == "MinBackward");
  low.backward();
  ag_test::check_close(x.grad(), {1.0f / 3, 0.0f, 1.0f / 3, 1.0f / 3});
  Tensor y = tensor({{0.5f, -2.0f}, {0.25f, 4.0f}}, true);
  CHECK_GRADCHECK([](const std::vector<Tensor>& v) { return min(v[0]); }, {y});
  CHECK_GRADCHECK([](const std::vector<Tensor>& v) { return max(v[0]); }, {y});
}

TEST_CASE("max() with NaNs: NaN wins and the NaNs share the gradient") {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  Tensor x = tensor({nan, 1.0f, nan}, true);
  Tensor top = max(x);
  CHECK(std::isnan(top.item()));
  top.backward();
  CHECK(x.grad().to_vector() == std::vector<float>{0.5f, 0.0f, 0.5f});
}

TEST_CASE("max(dim) and min(dim) send the gradient to one index per row, the first tie") {
  Tensor x = tensor({{3.0f, 3.0f}, {1.0f, 3.0f}}, true);
  sum(max(x, 1)).backward();
  CHECK(x.grad().to_vector() == std::vector<float>{1.0f, 0.0f, 0.0f, 1.0f});
  Tensor y = tensor({{2.0f, 2.0f}, {2.0f, 5.0f}}, true);
  sum(min(y, 0)).backward();  // column 0 ties at rows 0 and 1: row 0 takes it
  CHECK(y.grad().to_vector() == std::vector<float>{1.0f, 1.0f, 0.0f, 0.0f});
}

TEST_CASE("min() of an empty tensor names the op and the shape") {
  CHECK_THROWS_WITH_AS(min(zeros({0, 3})),
                       "min: cannot reduce an empty tensor of shape [0, 3] (it has no min)", Error);
}
}  // TEST_SUITE("core.reduce")
