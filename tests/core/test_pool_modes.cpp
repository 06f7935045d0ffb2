// tests/core/test_pool_modes.cpp: PyTorch's pooling options beyond the defaults:
// unbatched (C, H, W) input, ceil_mode, count_include_pad=false,
// divisor_override, and adaptive_max_pool2d (values, indices, gradient).
// Expected values are worked by hand or by the plain loops below, which follow
// PyTorch's own formulas (output size, window bounds, divisor) step by step.
#include <array>
#include <cmath>
#include <limits>
#include <optional>
#include <vector>

#include "core/kernels/pool.h"
#include "core/reference/pool_naive.h"
#include "tests/helpers/kernel_test_util.h"
#include "tests/helpers/op_modes_util.h"
#include "tests/helpers/pool_test_util.h"

using namespace ag;

namespace {

using Inputs = std::vector<Tensor>;
using ag_test::distinct_values;

// PyTorch's pooling_output_shape with dilation 1, as its source writes it:
// floor division (rounding toward -inf) of in + 2p - k (+ s - 1 in ceil mode),
// plus one; in ceil mode one less if the last window starts at or past in + p.
int64_t torch_output_size(int64_t in, int64_t k, int64_t s, int64_t p, bool ceil_mode) {
  const int64_t numerator = in + 2 * p - (k - 1) - 1 + (ceil_mode ? s - 1 : 0);
  int64_t out = (numerator >= 0 ? numerator / s : -((-numerator + s - 1) / s)) + 1;
  if (ceil_mode && (out - 1) * s >= in + p) --out;
  return out;
}

// PyTorch's avg_pool2d CPU loop for one plane, in doubles: the window is cut
// at the padded input's end for pool_size, then at the image for the sum.
std::vector<double> torch_avg_pool(const std::vector<float>& x, int64_t H, int64_t W,
                                   const Pool2dOptions& o) {
  const int64_t OH = torch_output_size(H, o.kernel_h, o.stride_h, o.pad_h, o.ceil);
  const int64_t OW = torch_output_size(W, o.kernel_w, o.stride_w, o.pad_w, o.ceil);
  std::vector<double> out;
  for (int64_t oh = 0; oh < OH; ++oh)
    for (int64_t ow = 0; ow < OW; ++ow) {
      int64_t hstart = oh * o.stride_h - o.pad_h, wstart = ow * o.stride_w - o.pad_w;
      int64_t hend = std::min(hstart + o.kernel_h, H + o.pad_h);
      int64_t wend = std::min(wstart + o.kernel_w, W + o.pad_w);
      const int64_t pool_size = (hend - hstart) * (wend - wstart);
      hstart = std::max<int64_t>(hstart, 0), wstart = std::max<int64_t>(wstart, 0);
      hend = std::min(hend, H), wend = std::min(wend, W);
      double sum = 0.0;
      for (int64_t ih = hstart; ih < hend; ++ih)
        for (int64_t iw = wstart; iw < wend; ++iw) sum += x[ih * W + iw];
      const int64_t divide_factor = o.divisor       ? *o.divisor
                                    : o.include_pad ? pool_size
                                                    : (hend - hstart) * (wend - wstart);
      out.push_back(sum / double(divide_factor));
    }
  return out;
}

}  // namespace

TEST_SUITE("core.pool") {

TEST_CASE("pools take an unbatched (C, H, W) input and give an unbatched output and gradient") {
  for (Kernels mode : {Kernels::Fast, Kernels::Naive}) {
    KernelsGuard guard(mode);
    CAPTURE(kernels_name(mode));
    // Two 4x4 planes: 0..15 and 16..31; 2x2 windows.
    Tensor x = arange(32).reshape({2, 4, 4});
    Tensor maxed = max_pool2d(x, Pool2dOptions(2));
    CHECK(maxed.shape() == Shape{2, 2, 2});
    ag_test::check_close(maxed, {5, 7, 13, 15, 21, 23, 29, 31});
    Tensor averaged = avg_pool2d(x, Pool2dOptions(2));
    CHECK(averaged.shape() == Shape{2, 2, 2});
    ag_test::check_close(averaged, {2.5f, 4.5f, 10.5f, 12.5f, 18.5f, 20.5f, 26.5f, 28.5f});
    Tensor global = adaptive_avg_pool2d(x, 1, 1);
    CHECK(global.shape() == Shape{2, 1, 1});
    ag_test::check_close(global, {7.5f, 23.5f});
    Tensor binned = adaptive_max_pool2d(x, 1, 2);
    CHECK(binned.shape() == Shape{2, 1, 2});
    ag_test::check_close(binned, {13, 15, 29, 31});

    // Gradients keep the unbatched shape: each maximum gets its dout.
    Tensor leaf = from_vector(x.to_vector(), {2, 4, 4}, true);
    max_pool2d(leaf, Pool2dOptions(2)).sum().backward();
    REQUIRE(leaf.grad().shape() == Shape{2, 4, 4});
    std::vector<float> expected(32, 0.0f);
    for (int i : {5, 7, 13, 15, 21, 23, 29, 31}) expected[i] = 1.0f;
    ag_test::check_close(leaf.grad(), expected);
  }
  const Shape shape{3, 5, 6};
  CHECK_GRADCHECK(
      [](const Inputs& in) { return avg_pool2d(in[0], Pool2dOptions(3).stride(2).padding(1)); },
      {distinct_values(shape)});
  CHECK_GRADCHECK([](const Inputs& in) { return max_pool2d(in[0], Pool2dOptions(2).stride(1)); },
                  {distinct_values(shape)});
  CHECK_GRADCHECK([](const Inputs& in) { return adaptive_avg_pool2d(in[0], 2, 4); },
                  {distinct_values(shape)});
  CHECK_GRADCHECK([](const Inputs& in) { return adaptive_max_pool2d(in[0], 3, 4); },
                  {distinct_values(shape)});
}

TEST_CASE("ceil_mode output sizes follow PyTorch's rule") {
  // 5 columns, windows of 2, stride 2: floor gives 2 windows, ceil a third on column 4.
  CHECK(pool_output_size(5, 2, 2, 0, false) == 2);
  CHECK(pool_output_size(5, 2, 2, 0, true) == 3);
  // A 3-window bigger than the 2-cell input still fits once in ceil mode (stride 2).
  CHECK(pool_output_size(2, 3, 2, 0, true) == 1);
  CHECK(pool_output_size(2, 3, 2, 0, false) == 0);
  // 3 cells, pad 1, window 2, stride 2: ceil would give 3 windows, but the
  // third would start at 4 - 1 = 3, past the input: it is dropped.
  CHECK(pool_output_size(3, 2, 2, 1, true) == 2);
  // The same formula as PyTorch's source over a sweep.
  for (int64_t in = 1; in <= 9; ++in)
    for (int64_t k = 1; k <= 4; ++k)
      for (int64_t s = 1; s <= 4; ++s)
        for (int64_t p = 0; p <= k / 2; ++p)
          for (bool ceil_mode : {false, true}) {
            const int64_t expected =
                std::max<int64_t>(torch_output_size(in, k, s, p, ceil_mode), 0);
            CHECK_MESSAGE(
                pool_output_size(in, k, s, p, ceil_mode) == expected,
                "in " << in << " k " << k << " s " << s << " p " << p << " ceil " << ceil_mode);
          }
}

TEST_CASE("avg_pool2d: ceil_mode, count_include_pad and divisor_override, worked by hand") {
  for (Kernels mode : {Kernels::Fast, Kernels::Naive}) {
    KernelsGuard guard(mode);
    CAPTURE(kernels_name(mode));
    Tensor row = arange(5).reshape({1, 1, 1, 5});  // 0 1 2 3 4
    // Windows of 2, stride 2, ceil: {0, 1}, {2, 3}, {4} (the last one alone, divisor 1).
    Pool2dOptions pairs = Pool2dOptions(1);
    pairs.kernel_w = pairs.stride_w = 2;
    ag_test::check_close(avg_pool2d(row, Pool2dOptions(pairs).ceil_mode(true)), {0.5f, 2.5f, 4.0f});
    ag_test::check_close(max_pool2d(row, Pool2dOptions(pairs).ceil_mode(true)), {1, 3, 4});
    // Windows of 3, stride 2, padding 1, ceil: {pad, 0, 1}, {1, 2, 3}, {3, 4, pad}.
    Pool2dOptions threes = Pool2dOptions(1).ceil_mode(true);
    threes.kernel_w = 3, threes.stride_w = 2, threes.pad_w = 1;
    ag_test::check_close(avg_pool2d(row, threes), {1.f / 3, 2.0f, 7.f / 3});
    ag_test::check_close(avg_pool2d(row, Pool2dOptions(threes).count_include_pad(false)),
                         {0.5f, 2.0f, 3.5f});
    ag_test::check_close(avg_pool2d(row, Pool2dOptions(threes).divisor_override(2)),
                         {0.5f, 3.0f, 3.5f});
    // A 3x3 window over the padded 2x2 image of [[1, 2], [3, 4]]: each window
    // sees all four cells, so sum 10; without the padding the divisor is 4.
    Tensor small = from_vector({1, 2, 3, 4}, {1, 1, 2, 2});
    ag_test::check_close(
        avg_pool2d(small, Pool2dOptions(3).stride(1).padding(1).count_include_pad(false)),
        {2.5f, 2.5f, 2.5f, 2.5f});
    // Backward of the ceil row: dout 1 everywhere; cell 3 is in windows 2 and 3
    // (1/3 each), cell 4 in window 3 only, cell 0 in window 1 only.
    Tensor leaf = from_vector(row.to_vector(), row.shape(), true);
    avg_pool2d(leaf, threes).sum().backward();
    ag_test::check_close(leaf.grad(), {1.f / 3, 2.f / 3, 1.f / 3, 2.f / 3, 1.f / 3});
  }
}

TEST_CASE("avg_pool2d matches PyTorch's loop over a sweep of options") {
  const int64_t H = 5, W = 7;
  const std::vector<float> values = ag_test::random_values(H * W, 5);
  for (Kernels mode : {Kernels::Fast, Kernels::Naive}) {
    KernelsGuard guard(mode);
    for (int64_t k = 1; k <= 3; ++k)
      for (int64_t s = 1; s <= 3; ++s)
        for (int64_t p = 0; p <= k / 2; ++p)
          for (bool ceil_mode : {false, true})
            for (bool include_pad : {true, false})
              for (std::optional<int64_t> divisor :
                   {std::optional<int64_t>(), std::optional<int64_t>(3)}) {
                Pool2dOptions o =
                    Pool2dOptions(k).stride(s).padding(p).ceil_mode(ceil_mode).count_include_pad(
                        include_pad);
                if (divisor) o.divisor_override(*divisor);
                o.kernel_w = k + 1 - p % 2;  // non-square windows too (pad still <= kw/2)
                CAPTURE(kernels_name(mode));
                CAPTURE(k);
                CAPTURE(s);
                CAPTURE(p);
                CAPTURE(ceil_mode);
                CAPTURE(include_pad);
                const std::vector<double> expected = torch_avg_pool(values, H, W, o);
                Tensor out = avg_pool2d(from_vector(values, {1, H, W}), o);
                REQUIRE(out.numel() == int64_t(expected.size()));
                ag_test::check_close(out, std::vector<float>(expected.begin(), expected.end()),
                                     1e-5);
              }
  }
}

TEST_CASE("ceil_mode and the avg options pass gradcheck and agree fast against naive") {
  const Shape shape{2, 2, 5, 6};
  const Pool2dOptions ceil3 = Pool2dOptions(3).stride(2).padding(1).ceil_mode(true);
  const Pool2dOptions ceil2 = Pool2dOptions(2).ceil_mode(true);
  for (Kernels mode : {Kernels::Fast, Kernels::Naive}) {
    KernelsGuard guard(mode);
    CAPTURE(kernels_name(mode));
    for (const Pool2dOptions& o : {ceil3, ceil2, Pool2dOptions(ceil3).count_include_pad(false),
                                   Pool2dOptions(ceil2).divisor_override(3)}) {
      CHECK_GRADCHECK([o](const Inputs& in) { return avg_pool2d(in[0], o); },
                      {distinct_values(shape)});
    }
    for (const Pool2dOptions& o : {ceil3, ceil2})
      CHECK_GRADCHECK([o](const Inputs& in) { return max_pool2d(in[0], o); },
                      {distinct_values(shape)});
  }
  manual_seed(22);
  const Pool2dOptions exclude = Pool2dOptions(ceil3).count_include_pad(false);
  ag_test::check_modes_agree([&](const Inputs& in) { return avg_pool2d(in[0], exclude); },
                             {randn({3, 4, 10, 9}, true)});
  ag_test::check_modes_agree([&](const Inputs& in) { return max_pool2d(in[0], ceil3); },
                             {randn({3, 4, 10, 9}, true)});
  ag_test::check_modes_agree([](const Inputs& in) { return adaptive_max_pool2d(in[0], 4, 3); },
                             {randn({3, 4, 11, 9}, true)});
}

TEST_CASE("adaptive_max_pool2d: values, indices and gradient worked by hand") {
  for (Kernels mode : {Kernels::Fast, Kernels::Naive}) {
    KernelsGuard guard(mode);
    CAPTURE(kernels_name(mode));
    // 5 columns into 3 bins [0, 2), [1, 4), [3, 5): maxima 3, 5, 5 at 1, 3, 3.
    Tensor x = from_vector({1, 3, 2, 5, 4}, {1, 1, 1, 5}, true);
    auto [out, indices] = adaptive_max_pool2d_with_indices(x, 1, 3);
    CHECK(out.shape() == Shape{1, 1, 1, 3});
    ag_test::check_close(out, {3, 5, 5});
    ag_test::check_close(indices, {1, 3, 3});
    // The 5 wins two bins, so gets both gradients.
    (out * from_vector({1, 10, 100}, {1, 1, 1, 3})).sum().backward();
    ag_test::check_close(x.grad(), {0, 1, 0, 110, 0});
    // Rows and columns together: a 3x3 grid of 0..8 into 2x2 bins [0, 2) x [0, 2), ...
    auto [grid, where] = adaptive_max_pool2d_with_indices(arange(9).reshape({1, 3, 3}), 2, 2);
    ag_test::check_close(grid, {4, 5, 7, 8});
    ag_test::check_close(where, {4, 5, 7, 8});
    // A NaN takes over the bin, and the last NaN is the one kept (PyTorch's kernel).
    const float nan = std::numeric_limits<float>::quiet_NaN();
    auto [nan_out, nan_index] =
        adaptive_max_pool2d_with_indices(from_vector({nan, 3, nan, 5, 4}, {1, 1, 5}), 1, 1);
    CHECK(std::isnan(nan_out.item()));
    CHECK(nan_index.item() == 2.0f);
    // All -inf: the bin's first cell.
    const float inf = std::numeric_limits<float>::infinity();
    auto [low, low_index] =
        adaptive_max_pool2d_with_indices(from_vector({-inf, -inf}, {1, 1, 2}), 1, 1);
    CHECK(low.item() == -inf);
    CHECK(low_index.item() == 0.0f);
  }
}

TEST_CASE("adaptive_max_pool2d: the fast kernel agrees with its naive twin") {
  for (auto [H, W, OH, OW] : std::vector<std::array<int64_t, 4>>{
           {7, 5, 3, 2}, {4, 4, 4, 4}, {3, 8, 5, 3}, {1, 1, 1, 1}, {9, 6, 2, 6}}) {
    const int64_t planes = 3;
    const std::vector<float> x = ag_test::random_values(planes * H * W, uint64_t(H * 31 + OW));
    std::vector<float> out(planes * OH * OW), out_naive(out.size());
    std::vector<int64_t> argmax(out.size()), argmax_naive(out.size());
    adaptive_max_pool2d_forward(planes, H, W, OH, OW, x.data(), out.data(), argmax.data());
    adaptive_max_pool2d_forward_naive(planes, H, W, OH, OW, x.data(), out_naive.data(),
                                      argmax_naive.data());
    CHECK(ag_test::max_error(out, out_naive) == 0.0);
    CHECK(argmax == argmax_naive);
  }
}

TEST_CASE("pool option and shape errors say what is wrong") {
  CHECK_THROWS_WITH_AS(avg_pool2d(zeros({8, 8}), Pool2dOptions(2)),
                       "avg_pool2d: expected a 3-D (C, H, W) or 4-D (N, C, H, W) input, got [8, 8]",
                       Error);
  CHECK_THROWS_WITH_AS(
      adaptive_max_pool2d(zeros({1, 2, 3, 4, 5}), 2, 2),
      "adaptive_max_pool2d: expected a 3-D (C, H, W) or 4-D (N, C, H, W) input, got "
      "[1, 2, 3, 4, 5]",
      Error);
  CHECK_THROWS_WITH_AS(avg_pool2d(zeros({1, 4, 4}), Pool2dOptions(2).divisor_override(0)),
                       "avg_pool2d: divisor_override must not be zero", Error);
  CHECK_THROWS_WITH_AS(
      max_pool2d(zeros({1, 4, 4}), Pool2dOptions(2).count_include_pad(false)),
      "max_pool2d: count_include_pad and divisor_override are options of avg_pool2d only", Error);
  CHECK_THROWS_WITH_AS(adaptive_max_pool2d(zeros({1, 4, 4}), 2, 0),
                       "adaptive_max_pool2d: output size must be >= 1, got (2, 0)", Error);
  CHECK_THROWS_WITH_AS(adaptive_max_pool2d(zeros({3, 0, 4}), 2, 2),
                       "adaptive_max_pool2d: input [3, 0, 4] has an empty image", Error);
  // Ceil mode fits a window up to stride - 1 cells larger than the padded input, no more.
  CHECK(max_pool2d(zeros({1, 2, 2}), Pool2dOptions(3).stride(2).ceil_mode(true)).shape() ==
        Shape{1, 1, 1});
  CHECK_THROWS_WITH_AS(
      max_pool2d(zeros({1, 2, 2}), Pool2dOptions(3).stride(1).ceil_mode(true)),
      "max_pool2d: kernel [3, 3] is larger than the padded input [2, 2] of input [1, 2, 2]", Error);
}

}  // TEST_SUITE("core.pool")
