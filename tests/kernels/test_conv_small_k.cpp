// tests/kernels/test_conv_small_k.cpp: the small-K convolution
// (core/kernels/conv_small_k.h) against its textbook twin, the direct seven
// loops (core/reference/conv_naive.h): forward and weight gradient over random
// shapes (C from 1 to 8, odd images, strides, padding, dilation, groups), 1
// and 2 threads; then the rule that picks it and the op on top of it.
#include <doctest/doctest.h>

#include <cmath>
#include <sstream>
#include <string>
#include <vector>

#include "core/ag.h"
#include "core/kernels/conv_small_k.h"
#include "core/kernels/kernel_mode.h"
#include "core/kernels/winograd.h"
#include "core/reference/conv_naive.h"
#include "tests/helpers/conv_test_util.h"
#include "tests/helpers/kernel_test_util.h"
#include "tests/helpers/test_util.h"

using namespace ag;
using ag_test::Inputs;
using ag_test::leaf;
using ag_test::max_error;
using ag_test::random_values;
using ag_test::ThreadCount;

namespace {

ConvGeometry geometry(int64_t N, int64_t C, int64_t H, int64_t W, int64_t O, int64_t kh, int64_t kw,
                      int64_t pad, int64_t groups = 1) {
  ConvGeometry g;
  g.N = N, g.C = C, g.H = H, g.W = W, g.O = O, g.kh = kh, g.kw = kw;
  g.pad_h = g.pad_w = pad;
  g.groups = groups;
  conv_fill_output_size(g);
  return g;
}

std::string describe(const ConvGeometry& g) {
  std::ostringstream os;
  os << "N" << g.N << " C" << g.C << " " << g.H << "x" << g.W << " O" << g.O << " k" << g.kh << "x"
     << g.kw << " s" << g.stride_h << "," << g.stride_w << " p" << g.pad_h << "," << g.pad_w << " d"
     << g.dilation_h << "," << g.dilation_w << " g" << g.groups << " K" << g.field_size();
  return os.str();
}

// Forward and weight gradient, fast against the seven loops. Outputs start
// as garbage: the kernels must overwrite them, not add to them.
void check_against_naive(const ConvGeometry& g) {
  INFO(describe(g));
  REQUIRE(small_k_applies(g));
  const int64_t in_size = g.N * g.C * g.H * g.W, out_size = g.N * g.O * g.OH * g.OW;
  const int64_t weight_size = g.O * g.field_size();
  const auto x = random_values(in_size, 21), weight = random_values(weight_size, 22);
  const auto bias = random_values(g.O, 23), dout = random_values(out_size, 24);

  std::vector<float> fast(out_size, 5.0f), naive(out_size, 7.0f);
  small_k_conv2d_forward(g, x.data(), weight.data(), bias.data(), fast.data());
  conv2d_forward_naive(g, x.data(), weight.data(), bias.data(), naive.data());
  CHECK(max_error(fast, naive) < 1e-5);
  std::vector<float> no_bias(out_size, 5.0f), no_bias_naive(out_size, 7.0f);
  small_k_conv2d_forward(g, x.data(), weight.data(), nullptr, no_bias.data());
  conv2d_forward_naive(g, x.data(), weight.data(), nullptr, no_bias_naive.data());
  CHECK(max_error(no_bias, no_bias_naive) < 1e-5);

  std::vector<float> dweight(weight_size, 5.0f), dweight_naive(weight_size, 7.0f);
  std::vector<float> dbias(g.O, 5.0f), dbias_naive(g.O, 7.0f);
  small_k_conv2d_backward_weight(g, dout.data(), x.data(), dweight.data(), dbias.data());
  conv2d_backward_weight_naive(g, dout.data(), x.data(), dweight_naive.data(), dbias_naive.data());
  // Each element sums N·OH·OW products, and the seven loops add them one
  // after another: their rounding grows like the square root of the count
  // (1.0e-5 measured for 768 terms, the 3-image first layer below).
  const double sum_tol = 1e-5 * std::max(1.0, std::sqrt(double(g.N * g.OH * g.OW) / 256.0));
  CHECK(max_error(dweight, dweight_naive) < sum_tol);
  CHECK(max_error(dbias, dbias_naive) < sum_tol);
  std::vector<float> dweight_only(weight_size, 5.0f);  // no bias gradient wanted
  small_k_conv2d_backward_weight(g, dout.data(), x.data(), dweight_only.data(), nullptr);
  CHECK(dweight_only == dweight);
}

}  // namespace

TEST_SUITE("kernels.conv_small_k") {

TEST_CASE("a hand-computed case: a 1x2 filter of (1, 2) on one row of 1 2 3 4") {
  // out[ow] = x[ow] + 2·x[ow + 1] + bias 10: 15, 18, 21. dout all ones:
  // dweight = (1 + 2 + 3, 2 + 3 + 4) = (6, 9), dbias = 3.
  const ConvGeometry g = geometry(1, 1, 1, 4, 1, 1, 2, 0);
  const std::vector<float> x = {1, 2, 3, 4}, weight = {1, 2}, bias = {10}, dout = {1, 1, 1};
  std::vector<float> out(3, -1.0f), dweight(2, -1.0f), dbias(1, -1.0f);
  small_k_conv2d_forward(g, x.data(), weight.data(), bias.data(), out.data());
  CHECK(out == std::vector<float>{15, 18, 21});
  small_k_conv2d_backward_weight(g, dout.data(), x.data(), dweight.data(), dbias.data());
  CHECK(dweight == std::vector<float>{6, 9});
  CHECK(dbias == std::vector<float>{3});
}

TEST_CASE("fast equals the seven loops on chosen shapes, 1 and 2 threads") {
  const std::vector<ConvGeometry> cases = {
      geometry(3, 3, 16, 16, 64, 3, 3, 1),   // AttentionNet's first layer, a smaller batch
      geometry(2, 3, 17, 19, 13, 3, 3, 1),   // odd image, O not a multiple of the tile
      geometry(1, 1, 5, 7, 1, 3, 3, 0),      // one channel in and out
      geometry(5, 2, 9, 4, 7, 2, 3, 1),      // a 2x3 kernel, batch 5 (uneven over 2 threads)
      geometry(2, 1, 11, 13, 5, 5, 5, 2),    // K = 25
      geometry(2, 8, 6, 6, 9, 2, 2, 0),      // C = 8, K = 32: the longest field taken
      geometry(2, 4, 7, 5, 6, 3, 3, 1, 2),   // 2 groups of 2 channels
      geometry(4, 5, 8, 3, 10, 1, 1, 0, 5),  // pointwise, depthwise
      geometry(1, 3, 40, 33, 3, 3, 3, 1),    // P = 1320: several chunks, one ragged
      geometry(1, 2, 1, 1, 3, 3, 3, 1),      // a 1x1 image: every tap but the centre is padding
  };
  // Output rows of 32 and 16 pixels, a whole number of vectors with AVX-512
  // or AVX2: the tiles read the padded image in place, here with a taller
  // stride and dilation too.
  std::vector<ConvGeometry> in_place = {geometry(2, 3, 20, 34, 7, 3, 3, 0)};
  ConvGeometry tall = geometry(2, 2, 21, 16, 9, 3, 3, 1);
  tall.stride_h = 2, tall.dilation_h = 2;
  conv_fill_output_size(tall);
  in_place.push_back(tall);
  for (int threads : {1, 2}) {
    ThreadCount scope(threads);
    for (const ConvGeometry& g : cases) check_against_naive(g);
    for (const ConvGeometry& g : in_place) check_against_naive(g);
  }
}

TEST_CASE("fast equals the seven loops on random shapes: strides, dilations, C from 1 to 8") {
  // Drawn from a fixed LCG; shapes without an output or with K > 32 are redrawn.
  ag_test::ShapeDraw draw{2025};  // draw(lo, hi): uniform in [lo, hi]
  int tried = 0;
  while (tried < 30) {
    const int64_t groups = draw(1, 2);
    ConvGeometry g = geometry(draw(1, 4), groups * draw(1, 4), draw(1, 19), draw(1, 19),
                              groups * draw(1, 11), draw(1, 4), draw(1, 4), 0, groups);
    g.stride_h = draw(1, 3), g.stride_w = draw(1, 3);
    g.pad_h = draw(0, 2), g.pad_w = draw(0, 2);
    g.dilation_h = draw(1, 2), g.dilation_w = draw(1, 2);
    conv_fill_output_size(g);
    if (g.OH < 1 || g.OW < 1 || !small_k_applies(g)) continue;
    ThreadCount scope(1 + tried % 2);
    check_against_naive(g);
    ++tried;
  }
}

TEST_CASE("an empty batch: no output, zero gradients") {
  const ConvGeometry g = geometry(0, 3, 4, 4, 5, 3, 3, 1);
  const std::vector<float> weight(5 * 27, 1.0f);
  small_k_conv2d_forward(g, nullptr, weight.data(), nullptr, nullptr);
  std::vector<float> dweight(5 * 27, 9.0f), dbias(5, 9.0f);
  small_k_conv2d_backward_weight(g, nullptr, nullptr, dweight.data(), dbias.data());
  CHECK(dweight == std::vector<float>(5 * 27, 0.0f));
  CHECK(dbias == std::vector<float>(5, 0.0f));
}

TEST_CASE("the rule: a receptive field of at most 32 takes this path") {
  const ConvGeometry rgb = geometry(32, 3, 16, 16, 64, 3, 3, 1);  // K = 27
  CHECK(small_k_applies(rgb));
  CHECK((conv2d_forward_for(rgb) == &small_k_conv2d_forward));  // (( )): a function pointer
  CHECK((conv2d_backward_weight_for(rgb) == &small_k_conv2d_backward_weight));
  const ConvGeometry four = geometry(32, 4, 16, 16, 64, 3, 3, 1);  // K = 36: the blocked sgemm
  CHECK_FALSE(small_k_applies(four));
  CHECK((conv2d_forward_for(four) == &conv2d_forward));
  CHECK((conv2d_backward_weight_for(four) == &conv2d_backward_weight));
}

TEST_CASE("conv2d on an RGB batch: fast mode runs this path, naive mode the seven loops") {
  // Told apart by their bits: the weight gradient's sums run lane by lane
  // here and pixel after pixel in the seven loops.
  manual_seed(7);
  const Tensor x = randn({2, 3, 9, 11}), weight = randn({6, 3, 3, 3}), bias = randn({6});
  const Tensor dout = randn({2, 6, 9, 11});
  const Conv2dOptions options = Conv2dOptions().padding(1);
  const ConvGeometry g = geometry(2, 3, 9, 11, 6, 3, 3, 1);
  std::vector<float> out_small_k(dout.numel()), out_seven_loops(dout.numel());
  small_k_conv2d_forward(g, x.data(), weight.data(), bias.data(), out_small_k.data());
  conv2d_forward_naive(g, x.data(), weight.data(), bias.data(), out_seven_loops.data());
  std::vector<float> dweight_small_k(weight.numel()), dweight_seven_loops(weight.numel());
  small_k_conv2d_backward_weight(g, dout.data(), x.data(), dweight_small_k.data(), nullptr);
  conv2d_backward_weight_naive(g, dout.data(), x.data(), dweight_seven_loops.data(), nullptr);
  REQUIRE(dweight_small_k != dweight_seven_loops);

  auto run = [&](std::vector<float>* out, std::vector<float>* dweight) {
    const Tensor w = weight.detach().requires_grad_();
    const Tensor y = conv2d(x, w, bias, options);
    y.backward(dout);
    *out = std::vector<float>(y.data(), y.data() + y.numel());
    *dweight = std::vector<float>(w.grad().data(), w.grad().data() + w.numel());
  };
  std::vector<float> out, dweight;
  run(&out, &dweight);
  CHECK(out == out_small_k);
  CHECK(dweight == dweight_small_k);
  KernelsGuard naive_mode(Kernels::Naive);
  run(&out, &dweight);
  CHECK(out == out_seven_loops);
  CHECK(dweight == dweight_seven_loops);
}

TEST_CASE("conv2d on an RGB batch: gradcheck; an input without grad gets no gradient") {
  manual_seed(8);
  const Conv2dOptions options = Conv2dOptions().padding(1);
  CHECK_GRADCHECK([&](const Inputs& in) { return conv2d(in[0], in[1], in[2], options); },
                  Inputs{leaf({2, 3, 5, 4}), leaf({4, 3, 3, 3}), leaf({4})});
  // The first layer of a network: the images need no gradient, so the node
  // has no edge to them and its backward never computes dx.
  const Tensor images = randn({2, 3, 5, 4}), weight = leaf({4, 3, 3, 3});
  const Tensor out = conv2d(images, weight, Tensor(), options);
  REQUIRE(out.grad_fn() != nullptr);
  CHECK_FALSE(out.grad_fn()->next_edges[0].valid());
  out.sum().backward();
  CHECK_FALSE(images.grad().defined());
  CHECK(weight.grad().defined());
}

}  // TEST_SUITE("kernels.conv_small_k")
