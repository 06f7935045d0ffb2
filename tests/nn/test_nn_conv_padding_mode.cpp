// tests/nn/test_nn_conv_padding_mode.cpp: nn::Conv2d and nn::Conv1d with
// PyTorch's padding_mode ("reflect", "replicate", "circular"): the output
// against a plain loop that pads by hand (the mode's rule written out again
// here) and then convolves, "same" padding's uneven split, unbatched input,
// module gradients, PyTorch's repr, and the errors.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "tests/helpers/nn_test_util.h"
#include "tests/helpers/test_util.h"

using namespace ag;
using namespace ag::nn;
using nn_test::check_gradients;
using nn_test::input_and_parameters;

namespace {

// Padded index i (negative, or n and past, in the padding) -> the input cell it copies.
int64_t source(const std::string& mode, int64_t i, int64_t n) {
  if (mode == "reflect") return i < 0 ? -i : i >= n ? 2 * (n - 1) - i : i;
  if (mode == "replicate") return std::clamp<int64_t>(i, 0, n - 1);
  return ((i % n) + n) % n;  // circular
}

struct Padding {
  int64_t top, bottom, left, right;
};

// conv2d (groups 1) of x (N, C, H, W) padded in `mode`, in doubles: every
// output cell sums over channels and kernel cells, and each kernel cell reads
// the padded image through source(). weight (O, C, kh, kw), bias (O) or empty.
std::vector<float> padded_conv2d_loop(const Tensor& x, const Tensor& weight, const Tensor& bias,
                                      const std::string& mode, Padding p, int64_t stride,
                                      int64_t dilation) {
  const int64_t N = x.size(0), C = x.size(1), H = x.size(2), W = x.size(3);
  const int64_t O = weight.size(0), kh = weight.size(2), kw = weight.size(3);
  const int64_t OH = (H + p.top + p.bottom - dilation * (kh - 1) - 1) / stride + 1;
  const int64_t OW = (W + p.left + p.right - dilation * (kw - 1) - 1) / stride + 1;
  std::vector<float> out;
  for (int64_t n = 0; n < N; ++n)
    for (int64_t o = 0; o < O; ++o)
      for (int64_t oh = 0; oh < OH; ++oh)
        for (int64_t ow = 0; ow < OW; ++ow) {
          double sum = bias.defined() ? bias.data()[o] : 0.0;
          for (int64_t c = 0; c < C; ++c)
            for (int64_t i = 0; i < kh; ++i)
              for (int64_t j = 0; j < kw; ++j) {
                const int64_t ih = source(mode, oh * stride + i * dilation - p.top, H);
                const int64_t iw = source(mode, ow * stride + j * dilation - p.left, W);
                sum += double(x.data()[((n * C + c) * H + ih) * W + iw]) *
                       weight.data()[((o * C + c) * kh + i) * kw + j];
              }
          out.push_back(float(sum));
        }
  return out;
}

}  // namespace

TEST_SUITE("nn.layers") {

TEST_CASE("Conv2d with padding_mode: equal to padding by hand, then convolving") {
  manual_seed(81);
  Tensor x = randn({2, 2, 4, 5});
  for (const std::string mode : {"reflect", "replicate", "circular"}) {
    CAPTURE(mode);
    Conv2d conv(2, 3, 3, Conv2dOptions().padding(1), true, mode);
    Tensor y = conv(x);
    CHECK(y.shape() == Shape{2, 3, 4, 5});
    ag_test::check_close(y, padded_conv2d_loop(x, conv.weight, conv.bias, mode, {1, 1, 1, 1}, 1, 1),
                         1e-4);
    // a different answer from zero padding: the border cells see the image, not zeros
    CHECK(std::fabs(y.data()[0] - conv2d(x, conv.weight, conv.bias, conv.options).data()[0]) >
          1e-6);
  }
  // Stride, dilation and padding 2 together, with replicate.
  Conv2d strided(1, 2, 3, Conv2dOptions().stride(2).padding(2).dilation(2), true, "replicate");
  Tensor z = randn({2, 1, 7, 6});
  ag_test::check_close(
      strided(z),
      padded_conv2d_loop(z, strided.weight, strided.bias, "replicate", {2, 2, 2, 2}, 2, 2), 1e-4);
}

TEST_CASE(
    "Conv2d padding=\"same\" with padding_mode splits dilation*(k-1) with the odd unit after") {
  manual_seed(82);
  // k = 4: three cells of padding per dim, one before and two after.
  Conv2d same(2, 2, 4, Conv2dOptions().padding("same"), false, "reflect");
  Tensor x = randn({1, 2, 5, 6});
  Tensor y = same(x);
  CHECK(y.shape() == Shape{1, 2, 5, 6});
  ag_test::check_close(
      y, padded_conv2d_loop(x, same.weight, Tensor(), "reflect", {1, 2, 1, 2}, 1, 1), 1e-4);
  // "valid" stays unpadded whatever the mode.
  Conv2d valid(2, 2, 3, Conv2dOptions().padding("valid"), true, "circular");
  ag_test::check_close(valid(x), conv2d(x, valid.weight, valid.bias), 1e-5);
}

TEST_CASE("Conv1d with padding_mode: equal to padding by hand, then convolving") {
  manual_seed(83);
  Tensor x = randn({2, 2, 7});
  for (const std::string mode : {"reflect", "replicate", "circular"}) {
    CAPTURE(mode);
    Conv1d conv(2, 3, 3, Conv1dOptions().padding(2).dilation(2), true, mode);
    Tensor y = conv(x);
    CHECK(y.shape() == Shape{2, 3, 7});
    // conv1d is conv2d over a height of 1: weight (O, C, k) is (O, C, 1, k).
    ag_test::check_close(
        y,
        padded_conv2d_loop(x.reshape({2, 2, 1, 7}), conv.weight.reshape({3, 2, 1, 3}), conv.bias,
                           mode, {0, 0, 2, 2}, 1, 2),
        1e-4);
  }
}

TEST_CASE("padding_mode takes unbatched input and passes module gradient checks") {
  manual_seed(84);
  Conv2d circular(2, 2, 3, Conv2dOptions().padding(1), true, "circular");
  Tensor x = randn({1, 2, 3, 4});
  Tensor unbatched = circular(x.reshape({2, 3, 4}));  // PyTorch 1.13 refused this; 2.0 takes it
  CHECK(unbatched.shape() == Shape{2, 3, 4});
  ag_test::check_close(unbatched, circular(x).reshape({2, 3, 4}), 1e-6);

  Tensor xg = randn({2, 2, 3, 4}, true);
  CHECK(check_gradients([&] { return circular(xg); }, input_and_parameters(circular, xg)) == "");
  Conv2d reflect(2, 3, 2, Conv2dOptions().padding(1).stride(2), false, "reflect");
  CHECK(check_gradients([&] { return reflect(xg); }, input_and_parameters(reflect, xg)) == "");
  Conv1d replicate(2, 2, 3, Conv1dOptions().padding(2), true, "replicate");
  Tensor xl = randn({2, 2, 5}, true);
  CHECK(check_gradients([&] { return replicate(xl); }, input_and_parameters(replicate, xl)) == "");
}

TEST_CASE("padding_mode in the repr, last and unquoted, as PyTorch prints it") {
  CHECK(Conv2d(2, 3, 3, Conv2dOptions().padding(1), true, "reflect").str() ==
        "Conv2d(2, 3, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1), padding_mode=reflect)");
  CHECK(Conv2d(2, 3, 3, Conv2dOptions().padding("same"), false, "circular").str() ==
        "Conv2d(2, 3, kernel_size=(3, 3), stride=(1, 1), padding=same, bias=False, "
        "padding_mode=circular)");
  CHECK(Conv1d(2, 4, 3, Conv1dOptions().padding(1), true, "replicate").str() ==
        "Conv1d(2, 4, kernel_size=(3,), stride=(1,), padding=(1,), padding_mode=replicate)");
  // "zeros", the default, is not printed.
  CHECK(Conv2d(2, 3, 3, Conv2dOptions().padding(1), true, "zeros").str() ==
        "Conv2d(2, 3, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))");
}

TEST_CASE(
    "padding_mode errors: an unknown mode at construction, a too-large reflection at forward") {
  CHECK_THROWS_WITH_AS(
      Conv2d(2, 3, 3, Conv2dOptions(), true, "mirror"),
      "Conv2d: padding_mode must be \"zeros\", \"reflect\", \"replicate\" or \"circular\", "
      "got \"mirror\"",
      Error);
  CHECK_THROWS_WITH_AS(
      Conv1d(2, 3, 3, Conv1dOptions(), true, "constant"),
      "Conv1d: padding_mode must be \"zeros\", \"reflect\", \"replicate\" or \"circular\", "
      "got \"constant\"",
      Error);
  // The pad runs first, so its error names the padded input, as PyTorch's F.pad does.
  Conv2d wide(1, 1, 3, Conv2dOptions().padding(3), true, "reflect");
  CHECK_THROWS_WITH_AS(
      wide(zeros({1, 1, 3, 3})),
      "pad: reflect padding (3, 3) at dimension 3 of input [1, 1, 3, 3] must be less than "
      "the dimension's size 3 (the mirror does not repeat the edge cell)",
      Error);
  // padding="same" still needs stride 1, whatever the mode.
  CHECK_THROWS_WITH_AS(Conv2d(3, 4, 3, Conv2dOptions().padding("same").stride(2), true, "reflect"),
                       "Conv2d: padding=\"same\" needs stride 1, got stride (2, 2)", Error);
}

}  // TEST_SUITE("nn.layers")
