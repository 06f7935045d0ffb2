// tests/core/test_conv.cpp: the conv2d op: values by hand, gradcheck over strides,
// padding, dilation, groups and bias, fast == naive through autograd, and the
// shape errors with their exact messages.
#include <limits>
#include <vector>

#include "tests/helpers/conv_test_util.h"

using namespace ag;
using ag_test::Inputs;
using ag_test::leaf;

TEST_SUITE("core.conv") {

TEST_CASE("conv2d values, worked by hand, in both kernel modes") {
  for (Kernels mode : {Kernels::Fast, Kernels::Naive}) {
    KernelsGuard guard(mode);
    CAPTURE(kernels_name(mode));
    // inp 1..9 as a 3x3 image, weight [[1, 2], [3, 4]], bias 1:
    // out[0, 0] = 1*1 + 2*2 + 3*4 + 4*5 + 1 = 38, and so on.
    Tensor x = from_vector({1, 2, 3, 4, 5, 6, 7, 8, 9}, {1, 1, 3, 3});
    Tensor w = from_vector({1, 2, 3, 4}, {1, 1, 2, 2});
    Tensor out = conv2d(x, w, tensor({1}));
    CHECK(out.shape() == Shape{1, 1, 2, 2});
    ag_test::check_close(out, {38, 48, 68, 78});
    // Stride 2, padding 1: window (oh, ow) covers rows 2*oh-1..2*oh and the
    // same columns of the padded image, so
    //   (0, 0) sees only inp[0, 0] = 1 through tap (1, 1): 4 * 1
    //   (0, 1) sees 2, 3 through taps (1, 0), (1, 1):      3 * 2 + 4 * 3
    //   (1, 0) sees 4, 7 through taps (0, 1), (1, 1):      2 * 4 + 4 * 7
    //   (1, 1) sees 5, 6, 8, 9 through all four taps:     1*5 + 2*6 + 3*8 + 4*9
    Tensor strided = conv2d(x, w, Tensor(), Conv2dOptions().stride(2).padding(1));
    CHECK(strided.shape() == Shape{1, 1, 2, 2});
    ag_test::check_close(strided, {4, 18, 36, 77});
  }
}

TEST_CASE("conv2d gradients pass gradcheck") {
  manual_seed(3);
  struct Case {
    Shape x, w;
    Conv2dOptions options;
    bool bias;
  };
  const std::vector<Case> cases = {
      {{2, 2, 5, 5}, {3, 2, 3, 3}, Conv2dOptions(), true},
      {{1, 3, 6, 5}, {2, 3, 3, 3}, Conv2dOptions().stride(2).padding(1), true},
      {{2, 2, 7, 7}, {2, 2, 3, 3}, Conv2dOptions().dilation(2).padding(2), false},
      {{1, 4, 4, 5}, {4, 2, 3, 3}, Conv2dOptions().group_count(2).padding(1), true},
      {{2, 3, 5, 4}, {3, 1, 3, 3}, Conv2dOptions().group_count(3).padding(1), true},  // depthwise
      {{2, 4, 3, 3}, {5, 4, 1, 1}, Conv2dOptions(), true},                            // 1x1
  };
  for (Kernels mode : {Kernels::Fast, Kernels::Naive}) {
    KernelsGuard guard(mode);
    for (const Case& c : cases) {
      CAPTURE(kernels_name(mode));
      CAPTURE(shape_str(c.x));
      CAPTURE(shape_str(c.w));
      Inputs inputs = {leaf(c.x), leaf(c.w)};
      if (c.bias) inputs.push_back(leaf({c.w[0]}));
      const Conv2dOptions options = c.options;
      CHECK_GRADCHECK(
          [options](const Inputs& in) {
            return conv2d(in[0], in[1], in.size() > 2 ? in[2] : Tensor(), options);
          },
          inputs);
    }
  }
}

TEST_CASE("conv2d fast and naive kernels agree through autograd") {
  manual_seed(5);
  Conv2dOptions options;
  options.stride_h = 2, options.stride_w = 1, options.pad_h = 1, options.pad_w = 2;
  options.dilation_w = 2, options.groups = 2;
  ag_test::check_modes_agree(
      [options](const Inputs& in) { return conv2d(in[0], in[1], in[2], options); },
      {leaf({3, 4, 9, 8}), leaf({6, 2, 3, 2}), leaf({6})});
  ag_test::check_modes_agree([](const Inputs& in) { return conv2d(in[0], in[1], in[2]); },
                             {leaf({2, 8, 6, 6}), leaf({4, 8, 1, 1}), leaf({4})});
}

TEST_CASE("conv2d: only what requires grad gets a gradient") {
  manual_seed(6);
  Tensor x = randn({2, 3, 5, 5}), w = randn({4, 3, 3, 3}), b = randn({4}, true);
  conv2d(x, w, b).sum().backward();
  CHECK_FALSE(x.grad().defined());
  CHECK_FALSE(w.grad().defined());
  // dbias = dout summed over the batch and the 3x3 output: 2 * 9 per channel.
  ag_test::check_close(b.grad(), {18, 18, 18, 18});
}

TEST_CASE("conv2d shape errors say what is wrong") {
  CHECK_THROWS_WITH_AS(conv2d(zeros({32, 64, 16, 16}), zeros({128, 32, 3, 3})),
                       "conv2d: input [32, 64, 16, 16] has 64 channels but weight "
                       "[128, 32, 3, 3] expects 32",
                       Error);
  CHECK_THROWS_WITH_AS(
      conv2d(zeros({1, 6, 8, 8}), zeros({4, 2, 3, 3}), Tensor(), Conv2dOptions().group_count(2)),
      "conv2d: input [1, 6, 8, 8] has 6 channels but weight [4, 2, 3, 3] with groups=2 "
      "expects 4 (2 per group)",
      Error);
  CHECK_THROWS_WITH_AS(
      conv2d(zeros({1, 6, 8, 8}), zeros({5, 2, 3, 3}), Tensor(), Conv2dOptions().group_count(3)),
      "conv2d: weight [5, 2, 3, 3] has 5 output channels, which groups=3 does not divide", Error);
  CHECK_THROWS_WITH_AS(
      conv2d(zeros({1, 1, 4, 4}), zeros({1, 1, 3, 3}), Tensor(), Conv2dOptions().dilation(2)),
      "conv2d: kernel [3, 3] (dilated to [5, 5]) is larger than the padded "
      "input [4, 4] of input [1, 1, 4, 4]",
      Error);
  CHECK_THROWS_WITH_AS(conv2d(zeros({1, 1, 2, 2}), zeros({1, 1, 3, 3})),
                       "conv2d: kernel [3, 3] (dilated to [3, 3]) is larger than the padded "
                       "input [2, 2] of input [1, 1, 2, 2]",
                       Error);
  CHECK_THROWS_WITH_AS(conv2d(zeros({1, 3, 4, 4}), zeros({2, 3, 3, 3}), zeros({3})),
                       "conv2d: bias [3] must have shape [2] (one per output channel of weight "
                       "[2, 3, 3, 3])",
                       Error);
  CHECK_THROWS_WITH_AS(conv2d(zeros({4, 4}), zeros({2, 3, 3, 3})),
                       "conv2d: expected a 3-D (unbatched) or 4-D input (N, C, H, W), got [4, 4]",
                       Error);
  CHECK_THROWS_WITH_AS(conv2d(zeros({1, 3, 4, 4}), zeros({2, 3, 3})),
                       "conv2d: expected a 4-D weight (O, C/groups, kh, kw), got [2, 3, 3]", Error);
  CHECK_THROWS_WITH_AS(
      conv2d(zeros({1, 3, 4, 4}), zeros({2, 3, 3, 3}), Tensor(), Conv2dOptions().stride(0)),
      "conv2d: stride must be >= 1, got (0, 0)", Error);
  CHECK_THROWS_WITH_AS(
      conv2d(zeros({1, 3, 4, 4}), zeros({2, 3, 3, 3}), Tensor(), Conv2dOptions().padding(-1)),
      "conv2d: padding must be >= 0, got (-1, -1)", Error);
}

TEST_CASE(
    "conv2d: a padding or dilation near 2^62 is an error, a huge stride a valid single window") {
  const int64_t huge = int64_t(1) << 62, max = std::numeric_limits<int64_t>::max();
  // in + 2*pad and dilation*(k-1) + 1 would overflow int64 (undefined behaviour, then a bogus
  // size).
  CHECK_THROWS_WITH_AS(
      conv2d(zeros({1, 1, 4, 4}), zeros({1, 1, 3, 3}), Tensor(), Conv2dOptions().padding(huge)),
      "conv2d: padding (4611686018427387904, 4611686018427387904) or dilation (1, 1) is too "
      "large for input [1, 1, 4, 4] and weight [1, 1, 3, 3] (the padded or dilated size "
      "overflows int64)",
      Error);
  CHECK_THROWS_WITH_AS(
      conv2d(zeros({1, 1, 4, 4}), zeros({1, 1, 3, 3}), Tensor(), Conv2dOptions().dilation(max)),
      doctest::Contains("or dilation (9223372036854775807, 9223372036854775807) is too large"),
      Error);
  // A padding of 2^40 gives sizes int64 can count, but far too many elements.
  CHECK_THROWS_WITH_AS(
      conv2d(zeros({1, 1, 1, 1}), zeros({1, 1, 1, 1}), Tensor(),
             Conv2dOptions().padding(int64_t(1) << 40)),
      "conv2d: shape [1, 1, 2199023255553, 2199023255553] is too large (the product of its "
      "non-zero sizes exceeds 2305843009213693951, the most elements a float buffer can hold)",
      Error);
  // A stride past the input leaves one window, at the top left corner.
  for (Kernels mode : {Kernels::Fast, Kernels::Naive}) {
    KernelsGuard guard(mode);
    Tensor x = arange(0.0f, 16.0f).reshape({1, 1, 4, 4}) + 1.0f;
    Tensor out = conv2d(x, full({1, 1, 2, 2}, 1.0f), Tensor(), Conv2dOptions().stride(max));
    CHECK(out.shape() == Shape{1, 1, 1, 1});
    CHECK(out.item() == 1.0f + 2.0f + 5.0f + 6.0f);
  }
}

}  // TEST_SUITE("core.conv")
