// permute and transpose (core/ops/permute.cpp): values against a naive index
// loop, the tiled fast path against the textbook one, gradients, errors. They
// copy (no strided views), so in-place writes into the result are refused.
#include <doctest/doctest.h>

#include <cstdint>
#include <limits>
#include <vector>

#include "core/autograd.h"
#include "core/gradcheck.h"
#include "core/kernels/kernel_mode.h"
#include "core/ops/elementwise.h"
#include "core/ops/shape.h"
#include "tests/helpers/shape_test_util.h"

using ag::Shape;
using ag::Tensor;

using namespace shape_test;

TEST_SUITE("core.shape") {
TEST_CASE("permute: against a naive index loop, round trip, gradient") {
  Tensor x = counting({2, 3, 4});
  Tensor y = ag::permute(x, {2, 0, 1});  // y[k, i, j] = x[i, j, k]
  REQUIRE(y.shape() == Shape{4, 2, 3});
  for (int64_t i = 0; i < 2; ++i)
    for (int64_t j = 0; j < 3; ++j)
      for (int64_t k = 0; k < 4; ++k) CHECK(y.at({k, i, j}) == x.at({i, j, k}));
  CHECK(y.impl()->storage != x.impl()->storage);  // a copy, not a strided view
  // {2, 0, 1} moves dim 2 to the front; {1, 2, 0} moves it back.
  Tensor back = ag::permute(y, {1, 2, 0});
  CHECK(back.shape() == x.shape());
  CHECK(back.to_vector() == x.to_vector());
  CHECK(ag::permute(x, {-1, 0, 1}).to_vector() == y.to_vector());
  ag::manual_seed(12);
  Tensor a = ag::randn({2, 3, 4}, true);
  gradcheck_ok([](const std::vector<Tensor>& in) { return ag::permute(in[0], {2, 0, 1}); }, {a});
  gradcheck_ok([](const std::vector<Tensor>& in) { return ag::permute(in[0], {1, 2, 0}); }, {a});
}

TEST_CASE("permute: the tiled fast path equals the naive loop") {
  // Sizes >= 8 on the transposed dims select the tiled kernel; 33 and 40 leave partial tiles.
  Tensor x = counting({9, 33, 40});
  std::vector<std::vector<int64_t>> perms = {{0, 1, 2}, {0, 2, 1}, {1, 0, 2},
                                             {1, 2, 0}, {2, 0, 1}, {2, 1, 0}};
  for (const auto& dims : perms) {
    INFO("dims ", ag::shape_str(dims));
    Tensor fast = ag::permute(x, dims);
    Tensor naive;
    {
      ag::KernelsGuard guard(ag::Kernels::Naive);
      naive = ag::permute(x, dims);
    }
    CHECK(fast.to_vector() == naive.to_vector());
    // out index d is x's index along dims[d]: check a corner and an inside element.
    for (const auto& at : {std::vector<int64_t>{8, 32, 39}, std::vector<int64_t>{3, 5, 7}})
      CHECK(fast.at({at[dims[0]], at[dims[1]], at[dims[2]]}) == x.at({at[0], at[1], at[2]}));
  }
  Tensor y = counting({2, 3, 16, 12});
  Tensor fast = ag::permute(y, {3, 1, 0, 2});
  ag::KernelsGuard guard(ag::Kernels::Naive);
  CHECK(fast.to_vector() == ag::permute(y, {3, 1, 0, 2}).to_vector());
  for (int64_t i = 0; i < 2; ++i)
    for (int64_t j = 0; j < 3; ++j)
      for (int64_t k = 0; k < 16; ++k)
        for (int64_t l = 0; l < 12; ++l) CHECK(fast.at({l, j, i, k}) == y.at({i, j, k, l}));
}

TEST_CASE("permute: errors on a non-permutation") {
  Tensor x = ag::zeros({2, 3, 4});
  CHECK_THROWS_WITH_AS(
      ag::permute(x, {0, 0, 1}),
      doctest::Contains("permute: dims [0, 0, 1] are not a permutation of the dimensions of "
                        "shape [2, 3, 4] (dimension 0 appears twice)"),
      ag::Error);
  CHECK_THROWS_WITH_AS(
      ag::permute(x, {1, 0}),
      doctest::Contains(
          "permute: got 2 dims [1, 0] for a tensor of shape [2, 3, 4] with 3 dimensions"),
      ag::Error);
  CHECK_THROWS_WITH_AS(
      ag::permute(x, {0, 1, 3}),
      doctest::Contains("permute: dimension 3 out of range for a tensor of shape [2, 3, 4]"),
      ag::Error);
}

TEST_CASE("transpose: values, gradient, errors") {
  Tensor t = ag::transpose(grid23(), 0, 1);
  CHECK(t.shape() == Shape{3, 2});
  check_values(t, {0, 3, 1, 4, 2, 5});
  Tensor x = counting({2, 3, 4});
  Tensor u = x.transpose(-1, 0);
  CHECK(u.shape() == Shape{4, 3, 2});
  CHECK(u.at({3, 1, 0}) == x.at({0, 1, 3}));
  CHECK(ag::transpose(x, 1, 1).to_vector() == x.to_vector());
  ag::manual_seed(13);
  gradcheck_ok([](const std::vector<Tensor>& in) { return ag::transpose(in[0], 1, 2); },
               {ag::randn({2, 3, 4}, true)});
  CHECK_THROWS_WITH_AS(
      ag::transpose(x, 0, 3),
      doctest::Contains("transpose: dimension 3 out of range for a tensor of shape [2, 3, 4] "
                        "(expected to be in [-3, 2])"),
      ag::Error);
}
}  // TEST_SUITE("core.shape")
