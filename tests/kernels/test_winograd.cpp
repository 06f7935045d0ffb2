// tests/kernels/test_winograd.cpp: Winograd F(2×2, 3×3) (core/kernels/winograd.h)
// against its textbook twin and against the direct seven loops, forward and
// backward-input, over random shapes and thread counts; then through the
// conv2d op where the rule picks it (gradcheck, fast vs naive modes).
#include <doctest/doctest.h>

#include <sstream>
#include <string>
#include <vector>

#include "core/ag.h"
#include "core/kernels/conv_small_k.h"
#include "core/kernels/kernel_mode.h"
#include "core/kernels/winograd.h"
#include "core/reference/conv_naive.h"
#include "core/reference/winograd_naive.h"
#include "tests/helpers/conv_test_util.h"
#include "tests/helpers/kernel_test_util.h"
#include "tests/helpers/op_modes_util.h"
#include "tests/helpers/test_util.h"

using namespace ag;
using ag_test::Inputs;
using ag_test::leaf;
using ag_test::max_error;
using ag_test::random_values;
using ag_test::ThreadCount;

namespace {

ConvGeometry geometry3x3(int64_t N, int64_t C, int64_t H, int64_t W, int64_t O, int64_t pad) {
  ConvGeometry g;
  g.N = N, g.C = C, g.H = H, g.W = W, g.O = O, g.kh = g.kw = 3;
  g.pad_h = g.pad_w = pad;
  conv_fill_output_size(g);
  return g;
}

std::string describe(const ConvGeometry& g) {
  std::ostringstream os;
  os << "N" << g.N << " C" << g.C << " " << g.H << "x" << g.W << " O" << g.O << " pad " << g.pad_h;
  return os.str();
}

// Forward and backward-input three ways: the fast Winograd, its twin, the
// direct seven loops. Outputs start as garbage: every kernel must overwrite.
void check_three_agree(const ConvGeometry& g) {
  INFO(describe(g));
  const int64_t in_size = g.N * g.C * g.H * g.W, out_size = g.N * g.O * g.OH * g.OW;
  const auto x = random_values(in_size, 11), weight = random_values(g.O * g.C * 9, 12);
  const auto bias = random_values(g.O, 13), dout = random_values(out_size, 14);

  std::vector<float> fast(out_size, 5.0f), twin(out_size, 6.0f), direct(out_size, 7.0f);
  winograd_conv2d_forward(g, x.data(), weight.data(), bias.data(), fast.data());
  winograd_conv2d_forward_naive(g, x.data(), weight.data(), bias.data(), twin.data());
  conv2d_forward_naive(g, x.data(), weight.data(), bias.data(), direct.data());
  CHECK(max_error(fast, twin) < 1e-5);
  CHECK(max_error(fast, direct) < 1e-5);
  CHECK(max_error(twin, direct) < 1e-5);

  std::vector<float> dx_fast(in_size, 5.0f), dx_twin(in_size, 6.0f), dx_direct(in_size, 7.0f);
  winograd_conv2d_backward_input(g, dout.data(), weight.data(), dx_fast.data());
  winograd_conv2d_backward_input_naive(g, dout.data(), weight.data(), dx_twin.data());
  conv2d_backward_input_naive(g, dout.data(), weight.data(), dx_direct.data());
  CHECK(max_error(dx_fast, dx_twin) < 1e-5);
  CHECK(max_error(dx_fast, dx_direct) < 1e-5);
  CHECK(max_error(dx_twin, dx_direct) < 1e-5);
}

}  // namespace

TEST_SUITE("kernels.winograd") {
TEST_CASE("a hand-computed 2x2 tile: all ones through a filter of ones sums the window") {
  // x (1, 1, 3, 3) of ones, padding 1, weight of ones: each output pixel
  // counts the image pixels its 3×3 window covers (4 at a corner, 6 on an
  // edge, 9 in the middle), plus bias 0.5.
  const ConvGeometry g = geometry3x3(1, 1, 3, 3, 1, 1);
  const std::vector<float> x(9, 1.0f), weight(9, 1.0f), bias = {0.5f};
  std::vector<float> fast(9), twin(9);
  winograd_conv2d_forward(g, x.data(), weight.data(), bias.data(), fast.data());
  winograd_conv2d_forward_naive(g, x.data(), weight.data(), bias.data(), twin.data());
  const std::vector<float> expected = {4.5f, 6.5f, 4.5f, 6.5f, 9.5f, 6.5f, 4.5f, 6.5f, 4.5f};
  CHECK(max_error(fast, expected) < 1e-6);
  CHECK(max_error(twin, expected) < 1e-6);
}

TEST_CASE("fast, twin and direct agree over random shapes, 1 and 2 threads") {
  // Odd and even maps (an odd output leaves half tiles), padding 0, 1, 2
  // (2 makes the backward pass's padding 0; 3 makes it a crop), batches of
  // 1 and more, channel counts that are not multiples of the vector width.
  const std::vector<ConvGeometry> shapes = {
      geometry3x3(1, 1, 3, 3, 1, 0),     geometry3x3(1, 3, 5, 7, 2, 1),
      geometry3x3(2, 5, 7, 6, 9, 0),     geometry3x3(3, 17, 9, 11, 13, 1),
      geometry3x3(2, 7, 4, 5, 19, 2),    geometry3x3(1, 33, 13, 13, 35, 1),
      geometry3x3(5, 12, 6, 6, 20, 1),   geometry3x3(2, 6, 5, 4, 3, 3),
      geometry3x3(9, 10, 10, 10, 11, 1),
  };
  for (int threads : {1, 2}) {
    ThreadCount count(threads);
    CAPTURE(threads);
    for (const ConvGeometry& g : shapes) check_three_agree(g);
  }
}

TEST_CASE("an empty batch writes nothing") {
  const ConvGeometry g = geometry3x3(0, 4, 5, 5, 4, 1);
  const std::vector<float> weight(4 * 4 * 9, 1.0f);
  winograd_conv2d_forward(g, nullptr, weight.data(), nullptr, nullptr);
  winograd_conv2d_backward_input(g, nullptr, weight.data(), nullptr);
}

TEST_CASE("the rule: only stride-1, dilation-1, ungrouped 3x3 convs with enough channels") {
  ConvGeometry wide = geometry3x3(32, 128, 8, 8, 256, 1);
  CHECK(winograd_wins(wide));
  CHECK((conv2d_forward_for(wide) ==
         &winograd_conv2d_forward));  // (( )): doctest cannot print a function pointer
  CHECK((conv2d_backward_input_for(wide) ==
         &winograd_conv2d_backward_input));  // (( )): doctest cannot print a function pointer
  ConvGeometry rgb = geometry3x3(32, 3, 16, 16, 64, 1);  // the first layer: C = 3 loses
  CHECK_FALSE(winograd_wins(rgb));
  CHECK((conv2d_forward_for(rgb) == &small_k_conv2d_forward));  // K = 27: conv_small_k.h
  ConvGeometry strided = wide;
  strided.stride_h = 2;
  CHECK_FALSE(winograd_applies(strided));
  ConvGeometry dilated = wide;
  dilated.dilation_w = 2;
  CHECK_FALSE(winograd_applies(dilated));
  ConvGeometry grouped = wide;
  grouped.groups = 2;
  CHECK_FALSE(winograd_applies(grouped));
  ConvGeometry five = wide;
  five.kh = five.kw = 5;
  CHECK_FALSE(winograd_applies(five));
  ConvGeometry few_outputs = wide;  // backward-input convolves O -> C: both must be large
  few_outputs.O = 8;
  CHECK((conv2d_backward_input_for(few_outputs) ==
         &conv2d_backward_input));  // (( )): doctest cannot print a function pointer
}

TEST_CASE("conv2d where Winograd is picked: gradcheck and fast against naive") {
  manual_seed(25);
  const ConvGeometry g = geometry3x3(2, 32, 3, 5, 32, 1);
  REQUIRE(winograd_wins(g));
  // The weight is a constant here (its gradient is the direct im2col path,
  // tested in core.conv); x's gradient is Winograd's backward-input.
  const Tensor weight = mul(randn({32, 32, 3, 3}), 0.1f), bias = randn({32});
  const Conv2dOptions options = Conv2dOptions().padding(1);
  // conv2d is linear in x: a large step (0.1) has no truncation error, and it
  // keeps the float rounding of the 288-term sums below the tolerance.
  CHECK_GRADCHECK([&](const Inputs& in) { return conv2d(in[0], weight, bias, options); },
                  Inputs{leaf({1, 32, 3, 5})}, 0.1);
  ag_test::check_modes_agree(
      [&](const Inputs& in) { return conv2d(in[0], in[1], in[2], options); },
      {leaf({2, 32, 5, 5}), mul(randn({32, 32, 3, 3}), 0.1f).requires_grad_(), leaf({32})});
}
}  // TEST_SUITE("kernels.winograd")
