// tests/core/test_conv_same.cpp: what conv2d accepts beyond (N, C, H, W) with
// numeric padding, as PyTorch 1.13 does: padding "same" / "valid", an
// unbatched (C, H, W) input, and an input with zero channels. Expected values
// come from a plain loop with its own top/left padding (conv_test_util.h) or by hand.
#include <vector>

#include "tests/helpers/conv_test_util.h"

using namespace ag;
using ag_test::Inputs;
using ag_test::leaf;
using ag_test::plain_conv2d;

TEST_SUITE("core.conv") {

TEST_CASE(
    "conv2d padding=\"same\": an even kernel puts the odd unit of padding on the right/bottom") {
  for (Kernels mode : {Kernels::Fast, Kernels::Naive}) {
    KernelsGuard guard(mode);
    CAPTURE(kernels_name(mode));
    // x 1..9 as 3x3, w [[1, 2], [3, 4]]: total padding 1 per dim, all of it
    // after the image, so out[r, c] = x[r, c] + 2 x[r, c+1] + 3 x[r+1, c] + 4 x[r+1, c+1]:
    //   out[0, 0] = 1 + 4 + 12 + 20 = 37,  out[0, 2] = 3 + 0 + 18 + 0 = 21,
    //   out[2, 0] = 7 + 16 + 0 + 0 = 23,   out[2, 2] = 9.
    Tensor x = from_vector({1, 2, 3, 4, 5, 6, 7, 8, 9}, {1, 1, 3, 3});
    Tensor w = from_vector({1, 2, 3, 4}, {1, 1, 2, 2});
    Tensor same = conv2d(x, w, Tensor(), Conv2dOptions().padding("same"));
    CHECK(same.shape() == Shape{1, 1, 3, 3});
    ag_test::check_close(same, {37, 47, 21, 67, 77, 33, 23, 26, 9});
    // "valid" is no padding at all, whatever numbers were set before.
    Tensor valid = conv2d(x, w, Tensor(), Conv2dOptions().padding(5).padding("valid"));
    CHECK(valid.shape() == Shape{1, 1, 2, 2});
    ag_test::check_close(valid, {37, 47, 67, 77});
  }
}

TEST_CASE("conv2d padding=\"same\" against a plain loop: odd, even and dilated kernels, groups") {
  manual_seed(21);
  struct Case {
    Shape x, w;
    int64_t dh, dw, groups;
  };
  // Padding per dim: total d*(k-1), top/left total/2.
  const std::vector<Case> cases = {
      {{2, 3, 5, 6}, {4, 3, 3, 3}, 1, 1, 1},  // symmetric: 1 on each side
      {{1, 2, 4, 5}, {3, 2, 2, 4}, 1, 1, 1},  // totals 1 and 3: extra unit both dims
      {{1, 2, 6, 5}, {2, 2, 2, 3}, 2, 3, 1},  // dilated: totals 2 and 6, symmetric
      {{1, 2, 5, 5}, {2, 2, 4, 2}, 1, 3, 1},  // totals 3 and 3
      {{2, 4, 4, 4}, {6, 2, 2, 3}, 1, 1, 2},  // groups
  };
  for (Kernels mode : {Kernels::Fast, Kernels::Naive}) {
    KernelsGuard guard(mode);
    for (const Case& c : cases) {
      CAPTURE(kernels_name(mode));
      CAPTURE(shape_str(c.x));
      CAPTURE(shape_str(c.w));
      Tensor x = randn(c.x), w = randn(c.w), b = randn({c.w[0]});
      Conv2dOptions options = Conv2dOptions().padding("same").group_count(c.groups);
      options.dilation_h = c.dh, options.dilation_w = c.dw;
      Tensor out = conv2d(x, w, b, options);
      REQUIRE(out.shape() == Shape{c.x[0], c.w[0], c.x[2], c.x[3]});
      const int64_t top = c.dh * (c.w[2] - 1) / 2, left = c.dw * (c.w[3] - 1) / 2;
      ag_test::check_close(out,
                           plain_conv2d(x, w, b,
                                        {.top = top,
                                         .left = left,
                                         .dilation_h = c.dh,
                                         .dilation_w = c.dw,
                                         .groups = c.groups,
                                         .OH = c.x[2],
                                         .OW = c.x[3]}),
                           1e-4);
    }
  }
}

TEST_CASE("conv2d padding=\"same\" passes gradcheck, and fast == naive through autograd") {
  manual_seed(22);
  Conv2dOptions options = Conv2dOptions().padding("same");
  options.dilation_w = 2;
  CHECK_GRADCHECK([options](const Inputs& in) { return conv2d(in[0], in[1], in[2], options); },
                  Inputs{leaf({2, 2, 4, 5}), leaf({3, 2, 2, 3}), leaf({3})});
  CHECK_GRADCHECK(
      [](const Inputs& in) {
        return conv2d(in[0], in[1], Tensor(), Conv2dOptions().padding("valid"));
      },
      Inputs{leaf({1, 2, 4, 4}), leaf({2, 2, 3, 2})});
  ag_test::check_modes_agree(
      [options](const Inputs& in) { return conv2d(in[0], in[1], in[2], options); },
      {leaf({2, 4, 7, 6}), leaf({3, 4, 4, 2}), leaf({3})});
}

TEST_CASE("conv2d of an unbatched (C, H, W) input is the batch of one, and so is its gradient") {
  manual_seed(23);
  Tensor x = leaf({3, 5, 6}), w = leaf({4, 3, 3, 3}), b = leaf({4});
  Tensor out = conv2d(x, w, b, Conv2dOptions().padding(1));
  REQUIRE(out.shape() == Shape{4, 5, 6});
  ag_test::check_close(
      out, plain_conv2d(reshape(x, {1, 3, 5, 6}), w, b, {.top = 1, .left = 1, .OH = 5, .OW = 6}),
      1e-4);
  out.sum().backward();
  CHECK(x.grad().shape() == Shape{3, 5, 6});
  CHECK(w.grad().shape() == Shape{4, 3, 3, 3});
  const Conv2dOptions options = Conv2dOptions().stride(2).padding(1);
  Tensor strided = conv2d(x.detach(), w.detach(), b.detach(), options);
  REQUIRE(strided.shape() == Shape{4, 3, 3});
  ag_test::check_close(strided,
                       conv2d(reshape(x.detach(), {1, 3, 5, 6}), w.detach(), b.detach(), options)
                           .reshape({4, 3, 3}));
  CHECK_GRADCHECK([options](const Inputs& in) { return conv2d(in[0], in[1], in[2], options); },
                  Inputs{leaf({2, 4, 4}), leaf({3, 2, 3, 3}), leaf({3})});
  CHECK_GRADCHECK(
      [](const Inputs& in) {
        return conv2d(in[0], in[1], Tensor(), Conv2dOptions().padding("same"));
      },
      Inputs{leaf({2, 3, 4}), leaf({2, 2, 2, 2})});
}

TEST_CASE("conv2d with zero input channels gives PyTorch 1.13's empty (N, 0, OH, OW)") {
  for (Kernels mode : {Kernels::Fast, Kernels::Naive}) {
    KernelsGuard guard(mode);
    Tensor x = zeros({2, 0, 4, 4}, true), w = zeros({3, 0, 2, 2}, true),
           b = tensor({1, 2, 3}, true);
    Tensor out = conv2d(x, w, b);
    CHECK(out.shape() == Shape{2, 0, 3, 3});
    out.sum().backward();
    CHECK(x.grad().shape() == Shape{2, 0, 4, 4});
    CHECK(w.grad().shape() == Shape{3, 0, 2, 2});
    CHECK(b.grad().to_vector() == std::vector<float>{0, 0, 0});  // bias took no part
    // Stride and padding still size the empty output; groups that divide O are fine.
    CHECK(conv2d(zeros({2, 0, 5, 5}), zeros({3, 0, 2, 2}), Tensor(),
                 Conv2dOptions().stride(2).padding(1))
              .shape() == Shape{2, 0, 3, 3});
    CHECK(conv2d(zeros({2, 0, 4, 4}), zeros({3, 0, 2, 2}), Tensor(), Conv2dOptions().group_count(3))
              .shape() == Shape{2, 0, 3, 3});
    CHECK(conv2d(zeros({0, 4, 4}), zeros({3, 0, 2, 2})).shape() == Shape{0, 3, 3});  // unbatched
    CHECK(
        conv2d(zeros({2, 0, 4, 4}), zeros({3, 0, 2, 2}), Tensor(), Conv2dOptions().padding("same"))
            .shape() == Shape{2, 0, 4, 4});
    CHECK(conv2d(zeros({1, 0, 0, 3}), zeros({2, 0, 1, 1}), Tensor(), Conv2dOptions().padding(1))
              .shape() == Shape{1, 0, 2, 5});
    // An empty batch with channels runs the kernels on nothing.
    CHECK(conv2d(zeros({0, 2, 4, 4}), zeros({3, 2, 2, 2})).shape() == Shape{0, 3, 3, 3});
  }
}

TEST_CASE("conv2d padding strings, unbatched and empty inputs: the errors say what is wrong") {
  CHECK_THROWS_WITH_AS(conv2d(zeros({1, 3, 5, 5}), zeros({2, 3, 3, 3}), Tensor(),
                              Conv2dOptions().padding("same").stride(2)),
                       "conv2d: padding=\"same\" needs stride 1 (PyTorch refuses it for strided "
                       "convolutions), got stride [2, 2]",
                       Error);
  CHECK_THROWS_WITH_AS(
      Conv2dOptions().padding("full"),
      "conv2d: invalid padding string \"full\" (expected \"same\", \"valid\" or a number)", Error);
  CHECK_THROWS_WITH_AS(
      conv2d(zeros({1, 1, 3, 5, 5}), zeros({2, 3, 3, 3})),
      "conv2d: expected a 3-D (unbatched) or 4-D input (N, C, H, W), got [1, 1, 3, 5, 5]", Error);
  // An unbatched input is quoted as given.
  CHECK_THROWS_WITH_AS(conv2d(zeros({5, 5, 5}), zeros({2, 3, 3, 3})),
                       "conv2d: input [5, 5, 5] has 5 channels but weight [2, 3, 3, 3] expects 3",
                       Error);
  CHECK_THROWS_WITH_AS(
      conv2d(zeros({3, 2, 2}), zeros({2, 3, 3, 3})),
      "conv2d: kernel [3, 3] (dilated to [3, 3]) is larger than the padded input [2, 2] "
      "of input [3, 2, 2]",
      Error);
  CHECK_THROWS_WITH_AS(
      conv2d(zeros({2, 0, 4, 4}), zeros({3, 2, 2, 2})),
      "conv2d: input [2, 0, 4, 4] has 0 channels but weight [3, 2, 2, 2] expects 2", Error);
  CHECK_THROWS_WITH_AS(
      conv2d(zeros({2, 0, 4, 4}), zeros({3, 0, 2, 2}), Tensor(), Conv2dOptions().group_count(2)),
      "conv2d: weight [3, 0, 2, 2] has 3 output channels, which groups=2 does not divide", Error);
  CHECK_THROWS_WITH_AS(
      conv2d(zeros({1, 2, 0, 3}), zeros({2, 2, 1, 1}), Tensor(), Conv2dOptions().padding(1)),
      "conv2d: input [1, 2, 0, 3] has an empty spatial dimension (only the batch or the "
      "channels may be 0)",
      Error);
  CHECK_THROWS_WITH_AS(conv2d(zeros({1, 2, 4, 4}), zeros({3, 0, 2, 2})),
                       "conv2d: weight [3, 0, 2, 2] has an empty dimension", Error);
}

}  // TEST_SUITE("core.conv")
