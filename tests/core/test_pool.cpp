// tests/core/test_pool.cpp: avg_pool2d, max_pool2d and adaptive_avg_pool2d ops:
// values by hand, gradcheck, fast == naive, and shape errors.
#include <vector>

#include "tests/helpers/op_modes_util.h"
#include "tests/helpers/pool_test_util.h"

using namespace ag;

namespace {

using Inputs = std::vector<Tensor>;
using ag_test::distinct_values;

}  // namespace

TEST_SUITE("core.pool") {

TEST_CASE("pool values, worked by hand, in both kernel modes") {
  for (Kernels mode : {Kernels::Fast, Kernels::Naive}) {
    KernelsGuard guard(mode);
    CAPTURE(kernels_name(mode));
    // 4x4 of 0..15 in 2x2 blocks: means 2.5, 4.5, 10.5, 12.5; maxima 5, 7, 13, 15.
    Tensor x = arange(16).reshape({1, 1, 4, 4});
    ag_test::check_close(avg_pool2d(x, Pool2dOptions(2)), {2.5f, 4.5f, 10.5f, 12.5f});
    ag_test::check_close(max_pool2d(x, Pool2dOptions(2)), {5, 7, 13, 15});
    // count_include_pad: 3x3 windows, stride 1, padding 1 over a 2x2 image
    // each see all four cells (sum 10) and divide by 9.
    Tensor small = from_vector({1, 2, 3, 4}, {1, 1, 2, 2});
    ag_test::check_close(avg_pool2d(small, Pool2dOptions(3).stride(1).padding(1)),
                         {10.f / 9, 10.f / 9, 10.f / 9, 10.f / 9});
    // Padding is -inf for max: an all-negative image keeps its own values.
    ag_test::check_close(max_pool2d(neg(small), Pool2dOptions(2).stride(1).padding(1)),
                         {-1, -1, -2, -1, -1, -2, -3, -3, -4});
    // Adaptive: 5 columns into 3 bins [0, 2), [1, 4), [3, 5).
    ag_test::check_close(adaptive_avg_pool2d(arange(5).reshape({1, 1, 1, 5}), 1, 3),
                         {0.5f, 2.0f, 3.5f});
  }
}

TEST_CASE("max_pool2d routes the gradient to each window's maximum") {
  // Nine overlapping 2x2 windows (stride 1) over [[1, 5], [3, 2]] padded by 1.
  // Their maxima, row by row: 1 5 5 / 3 5 5 / 3 3 2. So the 5 wins four
  // windows, the 3 three, the 1 and the 2 one each; dx counts the wins.
  Tensor x = from_vector({1, 5, 3, 2}, {1, 1, 2, 2}, true);
  Tensor out = max_pool2d(x, Pool2dOptions(2).stride(1).padding(1));
  ag_test::check_close(out, {1, 5, 5, 3, 5, 5, 3, 3, 2});
  out.sum().backward();
  ag_test::check_close(x.grad(), {1, 4, 3, 1});
}

TEST_CASE("pool gradients pass gradcheck") {
  for (Kernels mode : {Kernels::Fast, Kernels::Naive}) {
    KernelsGuard guard(mode);
    CAPTURE(kernels_name(mode));
    const Shape shape{2, 2, 5, 6};
    for (const Pool2dOptions& options :
         {Pool2dOptions(2), Pool2dOptions(3).stride(2).padding(1), Pool2dOptions(3).stride(1)}) {
      CAPTURE(options.kernel_h);
      CAPTURE(options.stride_h);
      CHECK_GRADCHECK([options](const Inputs& in) { return avg_pool2d(in[0], options); },
                      {distinct_values(shape)});
      CHECK_GRADCHECK([options](const Inputs& in) { return max_pool2d(in[0], options); },
                      {distinct_values(shape)});
    }
    for (auto out : {std::pair<int64_t, int64_t>{3, 4}, {1, 1}, {7, 2}}) {
      const int64_t out_h = out.first, out_w = out.second;
      CHECK_GRADCHECK(
          [out_h, out_w](const Inputs& in) { return adaptive_avg_pool2d(in[0], out_h, out_w); },
          {distinct_values(shape)});
    }
  }
}

TEST_CASE("pools: fast and naive kernels agree through autograd") {
  manual_seed(21);
  const Pool2dOptions options = Pool2dOptions(3).stride(2).padding(1);
  ag_test::check_modes_agree([&](const Inputs& in) { return avg_pool2d(in[0], options); },
                             {randn({3, 4, 11, 9}, true)});
  ag_test::check_modes_agree([&](const Inputs& in) { return max_pool2d(in[0], options); },
                             {randn({3, 4, 11, 9}, true)});
  ag_test::check_modes_agree([](const Inputs& in) { return adaptive_avg_pool2d(in[0], 4, 3); },
                             {randn({3, 4, 11, 9}, true)});
}

TEST_CASE("pool shape errors say what is wrong") {
  CHECK_THROWS_WITH_AS(max_pool2d(zeros({1, 1, 2, 2}), Pool2dOptions(3)),
                       "max_pool2d: kernel [3, 3] is larger than the padded input [2, 2] of "
                       "input [1, 1, 2, 2]",
                       Error);
  CHECK_THROWS_WITH_AS(avg_pool2d(zeros({1, 1, 8, 8}), Pool2dOptions(3).padding(2)),
                       "avg_pool2d: padding (2, 2) must be at most half the kernel (3, 3)", Error);
  CHECK_THROWS_WITH_AS(avg_pool2d(zeros({8, 8}), Pool2dOptions(2)),
                       "avg_pool2d: expected a 3-D (C, H, W) or 4-D (N, C, H, W) input, got [8, 8]",
                       Error);
  CHECK_THROWS_WITH_AS(max_pool2d(zeros({1, 1, 8, 8}), Pool2dOptions(2).stride(0)),
                       "max_pool2d: stride must be >= 1, got (0, 0)", Error);
  CHECK_THROWS_WITH_AS(adaptive_avg_pool2d(zeros({1, 1, 8, 8}), 0, 4),
                       "adaptive_avg_pool2d: output size must be >= 1, got (0, 4)", Error);
}

TEST_CASE("pools refuse an empty image and huge paddings, and average a huge window exactly") {
  // With no rows at all, every window is pure padding: max_pool2d used to return -inf.
  CHECK_THROWS_WITH_AS(max_pool2d(zeros({2, 4, 0, 5}), Pool2dOptions(2).padding(1)),
                       "max_pool2d: input [2, 4, 0, 5] has an empty image", Error);
  CHECK_THROWS_WITH_AS(avg_pool2d(zeros({2, 4, 5, 0}), Pool2dOptions(1)),
                       "avg_pool2d: input [2, 4, 5, 0] has an empty image", Error);
  // 2 * pad overflowed int64 in the padding rule.
  const int64_t huge = int64_t(1) << 62;
  CHECK_THROWS_WITH_AS(
      avg_pool2d(zeros({1, 1, 4, 4}), Pool2dOptions(2).padding(huge)),
      "avg_pool2d: padding (4611686018427387904, 4611686018427387904) must be at most "
      "half the kernel (2, 2)",
      Error);
  CHECK_THROWS_WITH_AS(
      adaptive_avg_pool2d(zeros({1, 1, 2, 2}), huge, huge),
      "adaptive_avg_pool2d: shape [1, 1, 4611686018427387904, 4611686018427387904] is too large "
      "(the product of its non-zero sizes exceeds 2305843009213693951, the most elements a float "
      "buffer can hold)",
      Error);
  // A 2^32 x 2^32 window (padded by 2^31) is valid: its divisor kh*kw = 2^64
  // overflowed int64. Fast kernels only: the naive loops visit every cell.
  KernelsGuard guard(Kernels::Fast);
  const int64_t k = int64_t(1) << 32;
  Tensor out = avg_pool2d(full({1, 1, 2, 2}, 3.0f), Pool2dOptions(k).padding(k / 2));
  REQUIRE(out.shape() == Shape{1, 1, 1, 1});
  CHECK(out.item() == doctest::Approx(12.0 / 18446744073709551616.0).epsilon(1e-6));
}

}  // TEST_SUITE("core.pool")
