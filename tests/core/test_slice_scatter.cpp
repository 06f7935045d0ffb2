// tests/core/test_slice_scatter.cpp: slice_scatter and select_scatter, the
// way to write into part of a tensor (PyTorch's y[:, a:b] = v), against
// values worked by hand, gradcheck, and the text of their errors.
#include "tests/helpers/test_util.h"

using namespace ag;

namespace {

using Inputs = std::vector<Tensor>;

// [[1, 2, 3, 4], [5, 6, 7, 8], [9, 10, 11, 12]]
Tensor twelve() { return from_vector({1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}, {3, 4}); }

}  // namespace

TEST_SUITE("core.shape") {
TEST_CASE("slice_scatter writes src over the band and keeps the rest") {
  Tensor src = from_vector({-1, -2, -3, -4, -5, -6}, {3, 2});
  // columns 1 and 2
  ag_test::check_close(slice_scatter(twelve(), src, 1, 1, 3),
                       {1, -1, -2, 4, 5, -3, -4, 8, 9, -5, -6, 12});
  // columns 0 and 2 (step 2), and the same with Python's negative bounds
  ag_test::check_close(slice_scatter(twelve(), src, 1, 0, 4, 2),
                       {-1, 2, -2, 4, -3, 6, -4, 8, -5, 10, -6, 12});
  ag_test::check_close(slice_scatter(twelve(), src, -1, -4, -1, 2),
                       {-1, 2, -2, 4, -3, 6, -4, 8, -5, 10, -6, 12});
  // a whole row by default bounds along dim 0 (end clipped to the size)
  Tensor row = from_vector({0, 0, 0, 0}, {1, 4});
  ag_test::check_close(slice_scatter(twelve(), row, 0, 2), {1, 2, 3, 4, 5, 6, 7, 8, 0, 0, 0, 0});
  // every element: a copy of src
  ag_test::check_close(slice_scatter(twelve(), zeros({3, 4})), std::vector<float>(12, 0.0f));
  // an empty band changes nothing
  ag_test::check_close(slice_scatter(twelve(), zeros({3, 0}), 1, 2, 2), twelve());
}

TEST_CASE("slice_scatter leaves its input alone and returns a normal tensor") {
  Tensor y = twelve();
  Tensor out = slice_scatter(y, zeros({3, 1}), 1, 3);
  ag_test::check_close(y, twelve());
  add_(out, 1.0f);  // a fresh tensor: in place is fine
  CHECK(out.at({0, 3}) == 1.0f);
}

TEST_CASE("select_scatter writes src over one entry of dim") {
  Tensor col = tensor({-1, -2, -3});
  ag_test::check_close(select_scatter(twelve(), col, 1, 2),
                       {1, 2, -1, 4, 5, 6, -2, 8, 9, 10, -3, 12});
  ag_test::check_close(select_scatter(twelve(), tensor({0, 0, 0, 0}), 0, -1),
                       {1, 2, 3, 4, 5, 6, 7, 8, 0, 0, 0, 0});
}

TEST_CASE("gradients: dx is dout with the band zeroed, dsrc is the band of dout") {
  Tensor x = twelve().requires_grad_(), src = zeros({3, 2}, true);
  Tensor weights = from_vector({1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}, {3, 4});
  sum(slice_scatter(x, src, 1, 1, 4, 2) * weights).backward();  // band: columns 1 and 3
  ag_test::check_close(x.grad(), {1, 0, 3, 0, 5, 0, 7, 0, 9, 0, 11, 0});
  ag_test::check_close(src.grad(), {2, 4, 6, 8, 10, 12});
  Tensor row = zeros({4}, true);
  sum(select_scatter(twelve(), row, 0, 1) * weights).backward();
  ag_test::check_close(row.grad(), {5, 6, 7, 8});
}

TEST_CASE("gradcheck: slice_scatter along each dim, with steps, and select_scatter") {
  manual_seed(23);
  Tensor x = randn({2, 5, 3}, true);
  CHECK_GRADCHECK([](const Inputs& v) { return slice_scatter(v[0], v[1], 1, 1, 5, 2); },
                  {x, randn({2, 2, 3}, true)});
  CHECK_GRADCHECK([](const Inputs& v) { return slice_scatter(v[0], v[1], 0, 1); },
                  {x, randn({1, 5, 3}, true)});
  CHECK_GRADCHECK([](const Inputs& v) { return slice_scatter(v[0], v[1], -1, 0, 2); },
                  {x, randn({2, 5, 2}, true)});
  CHECK_GRADCHECK([](const Inputs& v) { return select_scatter(v[0], v[1], 2, -2); },
                  {x, randn({2, 5}, true)});
  CHECK_GRADCHECK([](const Inputs& v) { return select_scatter(v[0], v[1], 0, 1) * v[0]; },
                  {x, randn({5, 3}, true)});
}

TEST_CASE("shape errors: PyTorch's words, then where the slice is") {
  CHECK_THROWS_WITH_AS(
      slice_scatter(twelve(), zeros({2, 3}), 1, 0, 2),
      "slice_scatter: expected src to have a size equal to the slice of self. src size = [2, 3], "
      "slice size = [3, 2] (input [3, 4] along dimension 1 from 0 to 2 in steps of 1)",
      Error);
  CHECK_THROWS_WITH_AS(
      select_scatter(twelve(), zeros({4}), 1, 0),
      "select_scatter: expected src to have a size equal to the slice of self. src size = [4], "
      "slice size = [3] (input [3, 4] at index 0 of dimension 1)",
      Error);
  CHECK_THROWS_WITH_AS(
      select_scatter(twelve(), zeros({3}), 1, 4),
      "select_scatter: index 4 is out of range for dimension 1 of size 4 (shape [3, 4])", Error);
  CHECK_THROWS_WITH_AS(slice_scatter(twelve(), zeros({3, 2}), 1, 0, 4, 0),
                       "slice_scatter: step must be positive, got 0 (shape [3, 4])", Error);
  CHECK_THROWS_WITH_AS(
      slice_scatter(twelve(), zeros({3, 2}), 2),
      "slice_scatter: dimension 2 out of range for a tensor of shape [3, 4] (expected to be in "
      "[-2, 1])",
      Error);
  CHECK_THROWS_WITH_AS(slice_scatter(scalar(1.0f), scalar(2.0f)),
                       "slice_scatter: cannot be applied to a 0-d tensor (shape [])", Error);
  CHECK_THROWS_WITH_AS(select_scatter(scalar(1.0f), scalar(2.0f), 0, 0),
                       "select_scatter: cannot be applied to a 0-d tensor (shape [])", Error);
}
}  // TEST_SUITE("core.shape")
