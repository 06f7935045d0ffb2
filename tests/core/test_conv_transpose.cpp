// tests/core/test_conv_transpose.cpp: the conv_transpose2d op: values by hand,
// the adjoint identity with conv2d (<conv2d(x, w), y> = <x, conv_transpose2d(y, w)>),
// gradcheck over stride, padding, output_padding, dilation, groups and bias,
// the unbatched (C, H, W) form, fast == naive through autograd, and the errors.
#include <vector>

#include "tests/helpers/conv_test_util.h"

using namespace ag;
using ag_test::Inputs;
using ag_test::leaf;

namespace {

double dot(const Tensor& a, const Tensor& b) {
  REQUIRE(a.shape() == b.shape());
  double sum = 0;
  for (int64_t i = 0; i < a.numel(); ++i) sum += double(a.data()[i]) * b.data()[i];
  return sum;
}

}  // namespace

TEST_SUITE("core.conv_transpose") {

TEST_CASE("conv_transpose2d values, worked by hand, in both kernel modes") {
  for (Kernels mode : {Kernels::Fast, Kernels::Naive}) {
    KernelsGuard guard(mode);
    CAPTURE(kernels_name(mode));
    // Each input pixel adds x[ih, iw] * w at (ih*stride, iw*stride).
    Tensor x = from_vector({1, 2, 3, 4}, {1, 1, 2, 2});
    Tensor w = from_vector({1, 2, 3, 4}, {1, 1, 2, 2});
    // Stride 1: overlapping copies; the centre is 1*4 + 2*3 + 3*2 + 4*1 = 20.
    Tensor out = conv_transpose2d(x, w);
    CHECK(out.shape() == Shape{1, 1, 3, 3});
    ag_test::check_close(out, {1, 4, 4, 6, 20, 16, 9, 24, 16});
    // Stride 2: the blocks [[1w, 2w], [3w, 4w]] side by side.
    Tensor blocks = conv_transpose2d(x, w, Tensor(), ConvTranspose2dOptions().stride(2));
    ag_test::check_close(blocks, {1, 2, 2, 4, 3, 4, 6, 8, 3, 6, 4, 8, 9, 12, 12, 16});
    // Padding 1 crops one row and column from each side of that.
    ag_test::check_close(
        conv_transpose2d(x, w, Tensor(), ConvTranspose2dOptions().stride(2).padding(1)),
        {4, 6, 6, 4});
    // output_padding 1 adds a row and column at the end that no pixel reaches: bias only.
    Tensor grown = conv_transpose2d(x, w, tensor({0.5f}),
                                    ConvTranspose2dOptions().stride(2).output_padding(1));
    CHECK(grown.shape() == Shape{1, 1, 5, 5});
    ag_test::check_close(
        grown, {1.5f, 2.5f, 2.5f, 4.5f,  0.5f,  3.5f,  4.5f, 6.5f, 8.5f, 0.5f, 3.5f, 6.5f, 4.5f,
                8.5f, 0.5f, 9.5f, 12.5f, 12.5f, 16.5f, 0.5f, 0.5f, 0.5f, 0.5f, 0.5f, 0.5f});
    // Stride 1, dilation 2, output_padding 1 (allowed: 1 < dilation): the taps of
    // w land 2 apart, so the four copies of x interleave into a 4x4, then a zero edge.
    Tensor dilated =
        conv_transpose2d(x, w, Tensor(), ConvTranspose2dOptions().dilation(2).output_padding(1));
    CHECK(dilated.shape() == Shape{1, 1, 5, 5});
    ag_test::check_close(
        dilated, {1, 2, 2, 4, 0, 3, 4, 6, 8, 0, 3, 6, 4, 8, 0, 9, 12, 12, 16, 0, 0, 0, 0, 0, 0});
  }
}

TEST_CASE(
    "conv_transpose2d is the adjoint of conv2d: <conv2d(x, w), y> = <x, conv_transpose2d(y, w)>") {
  manual_seed(51);
  struct Case {
    Shape conv_input,
        weight;  // conv2d's x (N, O, Hc, Wc) and the shared weight (C, O/groups, kh, kw)
    int64_t stride, pad, dilation, groups;
  };
  const std::vector<Case> cases = {
      {{2, 3, 6, 7}, {4, 3, 3, 3}, 1, 1, 1, 1},
      {{1, 2, 7, 8}, {3, 2, 3, 3}, 2, 1, 1, 1},  // output_padding 0 in H, 1 in W
      {{2, 4, 9, 9}, {6, 2, 2, 3}, 3, 2, 2, 2},  // groups, dilation, stride 3
      {{1, 3, 5, 6}, {3, 1, 3, 2}, 2, 0, 1, 3},  // depthwise
  };
  for (Kernels mode : {Kernels::Fast, Kernels::Naive}) {
    KernelsGuard guard(mode);
    for (const Case& c : cases) {
      CAPTURE(kernels_name(mode));
      CAPTURE(shape_str(c.conv_input));
      Tensor x = randn(c.conv_input), w = randn(c.weight);
      Conv2dOptions conv = Conv2dOptions()
                               .stride(c.stride)
                               .padding(c.pad)
                               .dilation(c.dilation)
                               .group_count(c.groups);
      Tensor y = randn(conv2d(x, w, Tensor(), conv).shape());
      // output_padding recovers conv2d's input size that the floor in its formula lost.
      auto lost = [&](int64_t in, int64_t k) {
        return (in + 2 * c.pad - c.dilation * (k - 1) - 1) % c.stride;
      };
      ConvTranspose2dOptions transposed = ConvTranspose2dOptions()
                                              .stride(c.stride)
                                              .padding(c.pad)
                                              .dilation(c.dilation)
                                              .group_count(c.groups);
      transposed.output_pad_h = lost(c.conv_input[2], c.weight[2]);
      transposed.output_pad_w = lost(c.conv_input[3], c.weight[3]);
      Tensor back = conv_transpose2d(y, w, Tensor(), transposed);
      REQUIRE(back.shape() == x.shape());
      const double lhs = dot(conv2d(x, w, Tensor(), conv), y), rhs = dot(x, back);
      CHECK(rhs == doctest::Approx(lhs).epsilon(1e-4));
    }
  }
}

TEST_CASE("conv_transpose2d gradients pass gradcheck") {
  manual_seed(52);
  struct Case {
    Shape x, w;
    ConvTranspose2dOptions options;
    bool bias;
  };
  ConvTranspose2dOptions uneven;
  uneven.stride_h = 2, uneven.stride_w = 1, uneven.pad_h = 1, uneven.output_pad_h = 1;
  const std::vector<Case> cases = {
      {{2, 2, 3, 3}, {2, 3, 3, 3}, ConvTranspose2dOptions(), true},
      {{1, 3, 3, 4},
       {3, 2, 3, 3},
       ConvTranspose2dOptions().stride(2).padding(1).output_padding(1),
       true},
      {{2, 2, 3, 3}, {2, 2, 2, 2}, ConvTranspose2dOptions().dilation(2).output_padding(1), false},
      {{1, 4, 3, 3}, {4, 2, 3, 2}, ConvTranspose2dOptions().group_count(2).stride(2), true},
      {{1, 2, 4, 3}, {2, 2, 3, 3}, uneven, true},
      {{3, 3, 3}, {3, 2, 2, 2}, ConvTranspose2dOptions().stride(2), true},  // unbatched
  };
  for (Kernels mode : {Kernels::Fast, Kernels::Naive}) {
    KernelsGuard guard(mode);
    for (const Case& c : cases) {
      CAPTURE(kernels_name(mode));
      CAPTURE(shape_str(c.x));
      CAPTURE(shape_str(c.w));
      Inputs inputs = {leaf(c.x), leaf(c.w)};
      if (c.bias) inputs.push_back(leaf({c.w[1] * c.options.groups}));
      const ConvTranspose2dOptions options = c.options;
      CHECK_GRADCHECK(
          [options](const Inputs& in) {
            return conv_transpose2d(in[0], in[1], in.size() > 2 ? in[2] : Tensor(), options);
          },
          inputs);
    }
  }
}

TEST_CASE(
    "conv_transpose2d: fast and naive agree through autograd; unbatched is the batch of one") {
  manual_seed(53);
  ConvTranspose2dOptions options =
      ConvTranspose2dOptions().stride(2).padding(1).output_padding(1).group_count(2);
  options.dilation_w = 2;
  ag_test::check_modes_agree(
      [options](const Inputs& in) { return conv_transpose2d(in[0], in[1], in[2], options); },
      {leaf({3, 4, 5, 4}), leaf({4, 3, 3, 2}), leaf({6})});

  Tensor x = leaf({2, 3, 4}), w = randn({2, 3, 2, 2}), b = randn({3});
  Tensor out = conv_transpose2d(x, w, b, ConvTranspose2dOptions().stride(2));
  REQUIRE(out.shape() == Shape{3, 6, 8});
  ag_test::check_close(out, conv_transpose2d(reshape(x.detach(), {1, 2, 3, 4}), w, b,
                                             ConvTranspose2dOptions().stride(2))
                                .reshape({3, 6, 8}));
  out.sum().backward();
  CHECK(x.grad().shape() == Shape{2, 3, 4});
  // Only the bias wants a gradient: dout summed over the 6x8 plane, 48 per channel.
  Tensor bias = zeros({3}, true);
  conv_transpose2d(randn({1, 2, 3, 4}), w, bias, ConvTranspose2dOptions().stride(2))
      .sum()
      .backward();
  ag_test::check_close(bias.grad(), {48, 48, 48});
  // An empty batch gives an empty output of the right shape.
  CHECK(conv_transpose2d(zeros({0, 2, 4, 4}), zeros({2, 3, 2, 2}), zeros({3})).shape() ==
        Shape{0, 3, 5, 5});
}

TEST_CASE("conv_transpose2d errors say what is wrong") {
  const Tensor x = zeros({1, 2, 3, 3}), w = zeros({2, 3, 3, 3});
  CHECK_THROWS_WITH_AS(
      conv_transpose2d(x, w, Tensor(), ConvTranspose2dOptions().stride(2).output_padding(2)),
      "conv_transpose2d: output_padding (2, 2) must be smaller than stride (2, 2) or dilation "
      "(1, 1) in each dim",
      Error);
  ConvTranspose2dOptions one_dim_bad = ConvTranspose2dOptions().output_padding(1);
  one_dim_bad.stride_h = 2;  // fine in H, but W has stride 1 and dilation 1
  CHECK_THROWS_WITH_AS(
      conv_transpose2d(x, w, Tensor(), one_dim_bad),
      "conv_transpose2d: output_padding (1, 1) must be smaller than stride (2, 1) or dilation "
      "(1, 1) in each dim",
      Error);
  CHECK_THROWS_WITH_AS(
      conv_transpose2d(zeros({1, 3, 3, 3}), w),
      "conv_transpose2d: input [1, 3, 3, 3] has 3 channels but weight [2, 3, 3, 3] expects 2 "
      "(weight is (C, O/groups, kh, kw))",
      Error);
  CHECK_THROWS_WITH_AS(
      conv_transpose2d(zeros({1, 3, 3, 3}), zeros({3, 3, 3, 3}), Tensor(),
                       ConvTranspose2dOptions().group_count(2)),
      "conv_transpose2d: weight [3, 3, 3, 3] has 3 input channels, which groups=2 does not divide",
      Error);
  CHECK_THROWS_WITH_AS(conv_transpose2d(zeros({1, 4, 3, 3}), zeros({4, 3, 3, 3}), zeros({3}),
                                        ConvTranspose2dOptions().group_count(2)),
                       "conv_transpose2d: bias [3] must have shape [6] (one per output channel: "
                       "weight [4, 3, 3, 3] with groups=2)",
                       Error);
  CHECK_THROWS_WITH_AS(
      conv_transpose2d(x, zeros({2, 3, 2, 2}), Tensor(), ConvTranspose2dOptions().padding(3)),
      "conv_transpose2d: the output of input [1, 2, 3, 3] would be [-2, -2] (padding (3, 3) crops "
      "more than the kernel [2, 2] adds)",
      Error);
  CHECK_THROWS_WITH_AS(
      conv_transpose2d(zeros({3, 3}), w),
      "conv_transpose2d: expected a 3-D (unbatched) or 4-D input (N, C, H, W), got [3, 3]", Error);
  CHECK_THROWS_WITH_AS(
      conv_transpose2d(x, zeros({2, 3, 3})),
      "conv_transpose2d: expected a 4-D weight (C, O/groups, kh, kw), got [2, 3, 3]", Error);
  CHECK_THROWS_WITH_AS(conv_transpose2d(zeros({1, 0, 3, 3}), zeros({0, 3, 2, 2})),
                       "conv_transpose2d: weight [0, 3, 2, 2] has an empty dimension", Error);
  CHECK_THROWS_WITH_AS(conv_transpose2d(zeros({1, 2, 0, 3}), zeros({2, 1, 2, 3})),
                       "conv_transpose2d: input [1, 2, 0, 3] has an empty spatial dimension (only "
                       "the batch may be 0)",
                       Error);
  CHECK_THROWS_WITH_AS(
      conv_transpose2d(x, w, Tensor(), ConvTranspose2dOptions().output_padding(-1)),
      "conv_transpose2d: output_padding must be >= 0, got (-1, -1)", Error);
  CHECK_THROWS_WITH_AS(conv_transpose2d(x, w, Tensor(), ConvTranspose2dOptions().stride(0)),
                       "conv_transpose2d: stride must be >= 1, got (0, 0)", Error);
  CHECK_THROWS_WITH_AS(
      conv_transpose2d(x, w, Tensor(), ConvTranspose2dOptions().stride(int64_t(1) << 62)),
      "conv_transpose2d: the output size of input [1, 2, 3, 3] and weight [2, 3, 3, 3] overflows "
      "int64 (stride "
      "(4611686018427387904, 4611686018427387904), dilation (1, 1))",
      Error);
}

}  // TEST_SUITE("core.conv_transpose")
