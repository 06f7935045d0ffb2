// tests/core/test_pad.cpp: pad (PyTorch's F.pad) in its four modes: values and
// gradients worked by hand, negative pads (crops), gradcheck, fast == naive
// through autograd, and the text of every error.
#include <string>
#include <vector>

#include "tests/helpers/op_modes_util.h"

using namespace ag;

namespace {

using Inputs = std::vector<Tensor>;

// 1, 2, ..., n in the given shape.
Tensor counting(const Shape& shape, bool requires_grad = false) {
  std::vector<float> values(static_cast<size_t>(numel_of(shape)));
  for (size_t i = 0; i < values.size(); ++i) values[i] = float(i + 1);
  return from_vector(values, shape, requires_grad);
}

}  // namespace

TEST_SUITE("core.pad") {

TEST_CASE("pad values, worked by hand, in both kernel modes") {
  for (Kernels kernel_mode : {Kernels::Fast, Kernels::Naive}) {
    KernelsGuard guard(kernel_mode);
    CAPTURE(kernels_name(kernel_mode));
    const Tensor row4 = counting({1, 4});  // [[1, 2, 3, 4]]
    // constant fills with the value (0 by default); a negative pad crops.
    ag_test::check_close(pad(row4, {2, 1}, "constant", 9.0f), {9, 9, 1, 2, 3, 4, 9});
    ag_test::check_close(pad(row4, {-1, 2}), {2, 3, 4, 0, 0});
    // reflect mirrors about the edge cell, which is not repeated.
    ag_test::check_close(pad(row4, {2, 2}, "reflect"), {3, 2, 1, 2, 3, 4, 3, 2});
    // replicate repeats the edge cell; circular wraps to the other end.
    ag_test::check_close(pad(row4, {2, 1}, PadMode::Replicate), {1, 1, 1, 2, 3, 4, 4});
    ag_test::check_close(pad(row4, {2, 1}, PadMode::Circular), {3, 4, 1, 2, 3, 4, 1});
    // The last dim is padded by the first pair, the one before by the second.
    const Tensor grid = counting({2, 2});  // [[1, 2], [3, 4]]
    Tensor grown = pad(grid, {1, 0, 0, 1});
    CHECK(grown.shape() == Shape{3, 3});
    ag_test::check_close(grown, {0, 1, 2, 0, 3, 4, 0, 0, 0});
    // 2-D reflect of [[1, 2, 3], [4, 5, 6], [7, 8, 9]] by one on every side:
    // rows 1 0 1 2 1 of the input, and in each row columns 1 0 1 2 1.
    Tensor mirrored = pad(counting({1, 3, 3}), {1, 1, 1, 1}, "reflect");
    CHECK(mirrored.shape() == Shape{1, 5, 5});
    ag_test::check_close(
        mirrored, {5, 4, 5, 6, 5, 2, 1, 2, 3, 2, 5, 4, 5, 6, 5, 8, 7, 8, 9, 8, 5, 4, 5, 6, 5});
    // 2-D circular: the corners come from the opposite corner.
    ag_test::check_close(pad(counting({1, 1, 2, 2}), {1, 0, 1, 0}, "circular"),
                         {4, 3, 4, 2, 1, 2, 4, 3, 4});
    // 3-D replicate over (C, D, H, W) = (1, 1, 1, 2): [1, 2] copied to every
    // depth and row, its first cell repeated once on the left.
    Tensor cube = pad(counting({1, 1, 1, 2}), {1, 0, 1, 0, 1, 0}, "replicate");
    CHECK(cube.shape() == Shape{1, 2, 2, 3});
    ag_test::check_close(cube, {1, 1, 2, 1, 1, 2, 1, 1, 2, 1, 1, 2});
    // 3-D reflect along the depth only: [1, 2] -> 2 1 2 1.
    ag_test::check_close(pad(counting({1, 2, 1, 1}), {0, 0, 0, 0, 1, 1}, "reflect"), {2, 1, 2, 1});
  }
}

TEST_CASE("negative pads crop first, then the other side pads, as PyTorch") {
  const Tensor row5 = counting({1, 5});  // [[1, 2, 3, 4, 5]]
  for (Kernels kernel_mode : {Kernels::Fast, Kernels::Naive}) {
    KernelsGuard guard(kernel_mode);
    CAPTURE(kernels_name(kernel_mode));
    // reflect and replicate work from the uncropped edge: 2 3 4 5 | 4 3.
    ag_test::check_close(pad(row5, {-1, 2}, "reflect"), {2, 3, 4, 5, 4, 3});
    ag_test::check_close(pad(row5, {-1, 2}, "replicate"), {2, 3, 4, 5, 5, 5});
    // circular wraps around what the crop kept (PyTorch's _pad_circular):
    // crop two on the right -> 1 2 3, then the left pad wraps in its 3.
    ag_test::check_close(pad(row5, {1, -2}, "circular"), {3, 1, 2, 3});
    ag_test::check_close(pad(row5, {-2, 1}, "circular"), {3, 4, 5, 3});
    // constant with both pads negative is a plain crop, and may crop to nothing.
    ag_test::check_close(pad(row5, {-1, -3}), {2});
    Tensor nothing = pad(row5, {-2, -3});
    CHECK(nothing.shape() == Shape{1, 0});
  }
}

TEST_CASE("pad's backward adds each output's gradient into the cell it copied") {
  for (Kernels kernel_mode : {Kernels::Fast, Kernels::Naive}) {
    KernelsGuard guard(kernel_mode);
    CAPTURE(kernels_name(kernel_mode));
    const Tensor dout8 = from_vector({1, 2, 3, 4, 5, 6, 7, 8}, {1, 8});
    // reflect (2, 2) of [a b c d] reads cells 2 1 0 1 2 3 2 1, so with dout
    // 1..8: da = 3, db = 2 + 4 + 8, dc = 1 + 5 + 7, dd = 6.
    Tensor x = counting({1, 4}, true);
    pad(x, {2, 2}, "reflect").backward(dout8);
    ag_test::check_close(x.grad(), {3, 14, 13, 6});
    // replicate (2, 1) of [a b c] reads 0 0 0 1 2 2: da = 1+2+3, db = 4, dc = 5+6.
    Tensor y = counting({1, 3}, true);
    pad(y, {2, 1}, "replicate").backward(from_vector({1, 2, 3, 4, 5, 6}, {1, 6}));
    ag_test::check_close(y.grad(), {6, 4, 11});
    // circular (2, 1) of [a b c d] reads 2 3 0 1 2 3 0: da = 3+7, db = 4, dc = 1+5, dd = 2+6.
    Tensor z = counting({1, 4}, true);
    pad(z, {2, 1}, "circular").backward(from_vector({1, 2, 3, 4, 5, 6, 7}, {1, 7}));
    ag_test::check_close(z.grad(), {10, 4, 6, 8});
    // constant (1, -1) of [a b c] is [v a b]: the fill came from nothing and
    // the cropped c gets nothing.
    Tensor w = counting({1, 3}, true);
    pad(w, {1, -1}, "constant", 5.0f).backward(from_vector({1, 2, 3}, {1, 3}));
    ag_test::check_close(w.grad(), {2, 3, 0});
    // 2-D reflect by one of a 3x3: rows 1 0 1 2 1 and the same columns, so
    // with dout = 1 the middle row and column are read three times each.
    Tensor img = counting({1, 3, 3}, true);
    pad(img, {1, 1, 1, 1}, "reflect").sum().backward();
    ag_test::check_close(img.grad(), {1, 3, 1, 3, 9, 3, 1, 3, 1});
  }
}

TEST_CASE("pad gradients pass gradcheck in every mode") {
  manual_seed(71);
  for (Kernels kernel_mode : {Kernels::Fast, Kernels::Naive}) {
    KernelsGuard guard(kernel_mode);
    CAPTURE(kernels_name(kernel_mode));
    struct Case {
      PadMode mode;
      Shape shape;
      std::vector<int64_t> pads;
    };
    for (const Case& c : std::vector<Case>{
             {PadMode::Constant, {2, 3, 4}, {1, 2, -1, 1, 0, 1}},
             {PadMode::Reflect, {2, 3, 4, 5}, {2, 1, -1, 2}},
             {PadMode::Replicate, {2, 3, 4}, {3, -1, 2, 2}},
             {PadMode::Circular, {2, 2, 3, 4}, {2, 1, 3, -1}},
             {PadMode::Reflect, {1, 2, 3, 3, 4}, {1, 2, 2, 0, 1, 1}},
             {PadMode::Circular, {3, 5}, {1, -2}},
         }) {
      CAPTURE(pad_mode_name(c.mode));
      CAPTURE(shape_str(c.shape));
      CHECK_GRADCHECK([&](const Inputs& in) { return pad(in[0], c.pads, c.mode); },
                      {randn(c.shape, true)});
    }
  }
}

TEST_CASE("pad: fast and naive kernels agree through autograd") {
  manual_seed(72);
  ag_test::check_modes_agree(
      [](const Inputs& in) {
        return pad(in[0], {3, 2, 1, 4}, "reflect");
      },
      {randn({3, 4, 9, 7}, true)});
  ag_test::check_modes_agree(
      [](const Inputs& in) {
        return pad(in[0], {5, 0, 2, -3}, "replicate");
      },
      {randn({2, 3, 8, 6}, true)});
  ag_test::check_modes_agree(
      [](const Inputs& in) {
        return pad(in[0], {6, 2, 1, 3, 2, 1}, "circular");
      },
      {randn({2, 2, 3, 4, 6}, true)});
  ag_test::check_modes_agree(
      [](const Inputs& in) {
        return pad(in[0], {1, 1, -2, 3, 2, 0, 1, 1}, "constant", 0.5f);
      },
      {randn({2, 3, 5, 4}, true)});
}

TEST_CASE("pad without pads is a copy, and an empty output passes zeros back") {
  Tensor x = counting({2, 3}, true);
  Tensor copy = pad(x, {});
  CHECK(copy.shape() == Shape{2, 3});
  ag_test::check_close(copy, x);
  copy.data()[0] = 100.0f;  // its own storage
  CHECK(x.data()[0] == 1.0f);
  (copy * 2.0f).sum().backward();
  ag_test::check_close(x.grad(), {2, 2, 2, 2, 2, 2});

  Tensor y = counting({2, 3}, true);
  Tensor cropped = pad(y, {0, -3});
  CHECK(cropped.shape() == Shape{2, 0});
  cropped.sum().backward();
  ag_test::check_close(y.grad(), {0, 0, 0, 0, 0, 0});
}

TEST_CASE("pad's graph holds no cycle: dropping it frees every tensor") {
  const int64_t before = TensorImpl::live_count();
  {
    Tensor x = counting({2, 3, 4}, true);
    Tensor y = pad(x, {1, 2, 1, 0}, "circular");
    (y * y).sum().backward();
    Tensor unused = pad(x, {2, 2}, "reflect");  // a graph never backpropagated
  }
  CHECK(TensorImpl::live_count() == before);
}

TEST_CASE("pad errors name the op, the pads, the shape and the rule") {
  const Tensor img = zeros({1, 1, 3, 3});
  CHECK_THROWS_WITH_AS(pad(img, {1, 2, 3}),
                       "pad: pads must come in (before, after) pairs, got 3 values", Error);
  CHECK_THROWS_WITH_AS(
      pad(zeros({2, 3}), {1, 1, 1, 1, 1, 1}),
      "pad: 3 pairs of pads for input [2, 3] with 2 dims; at most one pair per dim", Error);
  CHECK_THROWS_WITH_AS(
      pad(img, {1, 1}, "mirror"),
      "pad: unknown mode \"mirror\"; expected \"constant\", \"reflect\", \"replicate\" or "
      "\"circular\"",
      Error);
  CHECK_THROWS_WITH_AS(
      pad(img, {1, 1}, "reflect", 2.0f),
      "pad: mode \"reflect\" takes no value (only \"constant\" fills with one), got 2", Error);
  // value=0 is the default fill, and PyTorch 1.13 accepts it in every mode.
  CHECK(pad(img, {1, 1, 1, 1}, "reflect", 0.0f).shape() == Shape{1, 1, 5, 5});
  // A constant crop may not take more cells than there are: PyTorch's narrow
  // by -5 of a size-3 dimension fails.
  CHECK_THROWS_WITH_AS(pad(tensor({1.0f, 2.0f, 3.0f}), {-5, 4}),
                       "pad: constant padding (-5, 4) at dimension 0 of input [3] crops 5 cells of "
                       "a dimension of size 3",
                       Error);
  // PyTorch: "Argument #4: Padding size should be less than the corresponding
  // input dimension, but got: padding (3, 3) at dimension 3 of input [1, 1, 3, 3]"
  CHECK_THROWS_WITH_AS(
      pad(img, {3, 3, 0, 0}, "reflect"),
      "pad: reflect padding (3, 3) at dimension 3 of input [1, 1, 3, 3] must be less than "
      "the dimension's size 3 (the mirror does not repeat the edge cell)",
      Error);
  // ... and "Argument #6" for the height: the pair that pads dimension 2.
  CHECK_THROWS_WITH_AS(
      pad(img, {1, 1, 0, 3}, "reflect"),
      "pad: reflect padding (0, 3) at dimension 2 of input [1, 1, 3, 3] must be less than "
      "the dimension's size 3 (the mirror does not repeat the edge cell)",
      Error);
  // PyTorch: "Padding value causes wrapping around more than once."
  CHECK_THROWS_WITH_AS(
      pad(img, {4, 0, 1, 1}, "circular"),
      "pad: circular padding (4, 0) at dimension 3 of input [1, 1, 3, 3] must be at most "
      "the dimension's size 3 (it wraps around once)",
      Error);
  CHECK_THROWS_WITH_AS(
      pad(img, {-3, 3, 0, 0}, "circular"),
      "pad: circular padding (-3, 3) at dimension 3 of input [1, 1, 3, 3] crops every "
      "cell, leaving nothing to wrap around",
      Error);
  // PyTorch: "Only 2D, 3D, 4D, 5D padding with non-constant padding are supported for now"
  CHECK_THROWS_WITH_AS(
      pad(img, {1, 1}, "replicate"),
      "pad: mode \"replicate\" pads the last 1, 2 or 3 dims of a 2-D/3-D, 3-D/4-D or "
      "4-D/5-D input, got 1 pair of pads for input [1, 1, 3, 3]",
      Error);
  CHECK_THROWS_WITH_AS(
      pad(zeros({3}), {1, 1}, "circular"),
      "pad: mode \"circular\" pads the last 1, 2 or 3 dims of a 2-D/3-D, 3-D/4-D or "
      "4-D/5-D input, got 1 pair of pads for input [3]",
      Error);
  // PyTorch: "The input size 3, plus negative padding -2 and -2 resulted in a
  // negative output size, which is invalid. Check dimension 1 of your input."
  CHECK_THROWS_WITH_AS(
      pad(zeros({2, 3}), {-2, -2}),
      "pad: padding (-2, -2) at dimension 1 of input [2, 3] gives size -1, must be >= 0", Error);
  // PyTorch: "input (W: 3) is too small. Calculated output W: 0"
  CHECK_THROWS_WITH_AS(
      pad(zeros({2, 3}), {-1, -2}, "replicate"),
      "pad: padding (-1, -2) at dimension 1 of input [2, 3] gives size 0, must be >= 1", Error);
  CHECK_THROWS_WITH_AS(
      pad(zeros({2, 0}), {1, 1}, "replicate"),
      "pad: mode \"replicate\" copies from the input, but dimension 1 of input [2, 0] "
      "is empty",
      Error);
  CHECK_THROWS_WITH_AS(
      pad(zeros({2, 3}), {int64_t(1) << 62, 0}),
      "pad: padding (4611686018427387904, 0) at dimension 1 of input [2, 3] is too large", Error);
  CHECK_THROWS_WITH_AS(pad(Tensor(), {1, 1}), "pad: input must be defined", Error);
}

}  // TEST_SUITE("core.pad")
