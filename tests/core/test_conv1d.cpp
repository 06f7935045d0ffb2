// tests/core/test_conv1d.cpp: conv1d (run as conv2d over a height of 1): values by
// hand and by a plain loop, gradcheck over its options, the unbatched (C, L)
// form, fast == naive through autograd, and its own error messages.
#include <vector>

#include "tests/helpers/conv_test_util.h"

using namespace ag;
using ag_test::Inputs;
using ag_test::leaf;
using ag_test::plain_conv1d;

TEST_SUITE("core.conv") {

TEST_CASE("conv1d values, worked by hand") {
  for (Kernels mode : {Kernels::Fast, Kernels::Naive}) {
    KernelsGuard guard(mode);
    CAPTURE(kernels_name(mode));
    // w = [1, 0, -1] takes x[t] - x[t+2]: 1 - 3 = -2 everywhere inside, and
    // with padding 1 the ends read a zero: [0 - 2, ..., 4 - 0].
    Tensor x = from_vector({1, 2, 3, 4, 5}, {1, 1, 5});
    Tensor w = from_vector({1, 0, -1}, {1, 1, 3});
    ag_test::check_close(conv1d(x, w, tensor({0.5f})), {-1.5f, -1.5f, -1.5f});
    ag_test::check_close(conv1d(x, w, Tensor(), Conv1dOptions().padding(1)), {-2, -2, -2, -2, 4});
    // Stride 2 keeps windows 0 and 2 of the padded row [0, 1, 2, 3, 4, 5, 0].
    ag_test::check_close(conv1d(x, w, Tensor(), Conv1dOptions().padding(1).stride(2)), {-2, -2, 4});
    // Dilation 2 spans x[t], x[t+4]: only t = 0 fits, 1 - 5.
    ag_test::check_close(conv1d(x, w, Tensor(), Conv1dOptions().dilation(2)), {-4});
    // "same" with the even kernel [1, 2]: x[t] + 2 x[t+1], the padding after the end.
    Tensor same =
        conv1d(x, from_vector({1, 2}, {1, 1, 2}), Tensor(), Conv1dOptions().padding("same"));
    CHECK(same.shape() == Shape{1, 1, 5});
    ag_test::check_close(same, {5, 8, 11, 14, 5});
    ag_test::check_close(conv1d(x, w, Tensor(), Conv1dOptions().padding("valid")), {-2, -2, -2});
    // Unbatched (C, L) in, (O, OL) out.
    Tensor unbatched = conv1d(from_vector({1, 2, 3, 4, 5}, {1, 5}), w);
    CHECK(unbatched.shape() == Shape{1, 3});
    ag_test::check_close(unbatched, {-2, -2, -2});
  }
}

TEST_CASE("conv1d against a plain loop: stride, padding, dilation, groups") {
  manual_seed(31);
  struct Case {
    Shape x, w;
    int64_t stride, pad, dilation, groups;
  };
  const std::vector<Case> cases = {
      {{2, 3, 9}, {4, 3, 3}, 1, 0, 1, 1},
      {{1, 4, 10}, {6, 2, 3}, 2, 1, 1, 2},
      {{2, 2, 11}, {2, 2, 4}, 3, 2, 2, 1},
      {{1, 3, 7}, {3, 1, 2}, 1, 1, 3, 3},  // depthwise
  };
  for (Kernels mode : {Kernels::Fast, Kernels::Naive}) {
    KernelsGuard guard(mode);
    for (const Case& c : cases) {
      CAPTURE(kernels_name(mode));
      CAPTURE(shape_str(c.x));
      Tensor x = randn(c.x), w = randn(c.w), b = randn({c.w[0]});
      Tensor out = conv1d(x, w, b,
                          Conv1dOptions()
                              .stride(c.stride)
                              .padding(c.pad)
                              .dilation(c.dilation)
                              .group_count(c.groups));
      ag_test::check_close(out, plain_conv1d(x, w, b, c.stride, c.pad, c.dilation, c.groups), 1e-4);
    }
  }
}

TEST_CASE("conv1d gradients pass gradcheck; fast == naive through autograd") {
  manual_seed(32);
  const std::vector<Conv1dOptions> options = {Conv1dOptions(), Conv1dOptions().stride(2).padding(1),
                                              Conv1dOptions().dilation(2).group_count(2),
                                              Conv1dOptions().padding("same").dilation(3)};
  for (const Conv1dOptions& o : options) {
    CHECK_GRADCHECK([o](const Inputs& in) { return conv1d(in[0], in[1], in[2], o); },
                    Inputs{leaf({2, 4, 7}), leaf({2, 4 / o.groups, 2}), leaf({2})});
  }
  CHECK_GRADCHECK(
      [](const Inputs& in) {
        return conv1d(in[0], in[1], Tensor(), Conv1dOptions().padding("same"));
      },
      Inputs{leaf({3, 6}), leaf({2, 3, 4})});  // unbatched
  Tensor x = leaf({3, 6});
  conv1d(x, randn({2, 3, 3})).sum().backward();
  CHECK(x.grad().shape() == Shape{3, 6});
  ag_test::check_modes_agree(
      [](const Inputs& in) {
        return conv1d(in[0], in[1], in[2], Conv1dOptions().stride(2).padding(2).group_count(2));
      },
      {leaf({3, 4, 12}), leaf({4, 2, 5}), leaf({4})});
}

TEST_CASE("conv1d: zero input channels as PyTorch 1.13, an empty (N, 0, OL)") {
  Tensor x = zeros({2, 0, 4}, true), w = zeros({3, 0, 2}, true);
  Tensor out = conv1d(x, w, zeros({3}));
  CHECK(out.shape() == Shape{2, 0, 3});
  out.sum().backward();
  CHECK(x.grad().shape() == Shape{2, 0, 4});
}

TEST_CASE("conv1d errors quote the shapes as given, in one dimension") {
  CHECK_THROWS_WITH_AS(
      conv1d(zeros({1, 1, 2, 5}), zeros({3, 2, 3})),
      "conv1d: expected a 2-D (unbatched) or 3-D input (N, C, L), got [1, 1, 2, 5]", Error);
  CHECK_THROWS_WITH_AS(conv1d(zeros({1, 2, 5}), zeros({3, 2, 3, 3})),
                       "conv1d: expected a 3-D weight (O, C/groups, k), got [3, 2, 3, 3]", Error);
  CHECK_THROWS_WITH_AS(conv1d(zeros({2, 5, 10}), zeros({4, 3, 3})),
                       "conv1d: input [2, 5, 10] has 5 channels but weight [4, 3, 3] expects 3",
                       Error);
  CHECK_THROWS_WITH_AS(
      conv1d(zeros({2, 6, 10}), zeros({4, 2, 3}), Tensor(), Conv1dOptions().group_count(2)),
      "conv1d: input [2, 6, 10] has 6 channels but weight [4, 2, 3] with groups=2 expects 4 "
      "(2 per group)",
      Error);
  CHECK_THROWS_WITH_AS(
      conv1d(zeros({1, 1, 4}), zeros({1, 1, 3}), Tensor(), Conv1dOptions().dilation(2)),
      "conv1d: kernel [3] (dilated to [5]) is larger than the padded input [4] of input [1, 1, 4]",
      Error);
  CHECK_THROWS_WITH_AS(
      conv1d(zeros({1, 4}), zeros({1, 1, 3}), zeros({2})),
      "conv1d: bias [2] must have shape [1] (one per output channel of weight [1, 1, 3])", Error);
  CHECK_THROWS_WITH_AS(
      conv1d(zeros({1, 2, 5}), zeros({3, 2, 3}), Tensor(),
             Conv1dOptions().stride(2).padding("same")),
      "conv1d: padding=\"same\" needs stride 1 (PyTorch refuses it for strided convolutions), "
      "got stride [2]",
      Error);
  CHECK_THROWS_WITH_AS(
      conv1d(zeros({1, 2, 5}), zeros({3, 2, 3}), Tensor(), Conv1dOptions().stride(0)),
      "conv1d: stride must be >= 1, got 0", Error);
  CHECK_THROWS_WITH_AS(
      conv1d(zeros({1, 2, 5}), zeros({3, 2, 3}), Tensor(), Conv1dOptions().padding(-2)),
      "conv1d: padding must be >= 0, got -2", Error);
  CHECK_THROWS_WITH_AS(
      Conv1dOptions().padding("half"),
      "conv1d: invalid padding string \"half\" (expected \"same\", \"valid\" or a number)", Error);
}

}  // TEST_SUITE("core.conv")
