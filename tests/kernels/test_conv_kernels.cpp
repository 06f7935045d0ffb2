// The raw convolution kernels: the naive loops against hand-computed values,
// then the im2col + sgemm path against the naive loops on many shapes.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <sstream>
#include <string>
#include <vector>

#include "core/kernels/conv.h"
#include "core/kernels/parallel.h"
#include "core/reference/conv_naive.h"
#include "tests/helpers/kernel_test_util.h"

using namespace ag;
using ag_test::max_error;
using ag_test::random_values;
using ag_test::ThreadCount;

namespace {

ConvGeometry geometry(int64_t N, int64_t C, int64_t H, int64_t W, int64_t O, int64_t kh, int64_t kw,
                      int64_t stride, int64_t pad, int64_t dilation, int64_t groups) {
  ConvGeometry g;
  g.N = N, g.C = C, g.H = H, g.W = W, g.O = O, g.kh = kh, g.kw = kw;
  g.stride_h = g.stride_w = stride;
  g.pad_h = g.pad_w = pad;
  g.dilation_h = g.dilation_w = dilation;
  g.groups = groups;
  conv_fill_output_size(g);
  return g;
}

// (A stream, not a chain of std::string +: g++ 12 -O3 misreads that chain as
// an overlapping memcpy and warns, -Wrestrict.)
std::string describe(const ConvGeometry& g) {
  std::ostringstream os;
  os << "N" << g.N << " C" << g.C << " " << g.H << "x" << g.W << " O" << g.O << " k" << g.kh << "x"
     << g.kw << " s" << g.stride_h << "," << g.stride_w << " p" << g.pad_h << "," << g.pad_w << " d"
     << g.dilation_h << " g" << g.groups;
  return os.str();
}

// Run forward and both backward passes through the fast and the naive kernels
// and require every output to agree.
void check_fast_matches_naive(const ConvGeometry& g) {
  INFO(describe(g));
  const int64_t in_size = g.N * g.C * g.H * g.W, out_size = g.N * g.O * g.OH * g.OW;
  const int64_t weight_size = g.O * g.field_size();
  const auto inp = random_values(in_size, 1), weight = random_values(weight_size, 2);
  const auto bias = random_values(g.O, 3), dout = random_values(out_size, 4);

  std::vector<float> out_fast(out_size, -7.0f), out_naive(out_size, -7.0f);
  conv2d_forward(g, inp.data(), weight.data(), bias.data(), out_fast.data());
  conv2d_forward_naive(g, inp.data(), weight.data(), bias.data(), out_naive.data());
  CHECK(max_error(out_fast, out_naive) < 1e-5);

  // Garbage in the outputs first: the kernels must overwrite, not accumulate.
  std::vector<float> dx_fast(in_size, 9.0f), dx_naive(in_size, 9.0f);
  conv2d_backward_input(g, dout.data(), weight.data(), dx_fast.data());
  conv2d_backward_input_naive(g, dout.data(), weight.data(), dx_naive.data());
  CHECK(max_error(dx_fast, dx_naive) < 1e-5);

  std::vector<float> dweight_fast(weight_size, 9.0f), dweight_naive(weight_size, 9.0f);
  std::vector<float> dbias_fast(g.O, 9.0f), dbias_naive(g.O, 9.0f);
  conv2d_backward_weight(g, dout.data(), inp.data(), dweight_fast.data(), dbias_fast.data());
  conv2d_backward_weight_naive(g, dout.data(), inp.data(), dweight_naive.data(),
                               dbias_naive.data());
  // Each dweight and dbias element sums N·OH·OW products, and float rounding
  // grows like the square root of the number of terms: 1e-5 holds up to about
  // a thousand terms, the 66x65 image below sums 4290 (1.1e-5 in the ASan build).
  const double sum_tol = 1e-5 * std::max(1.0, std::sqrt(double(g.N * g.OH * g.OW) / 1024.0));
  CHECK(max_error(dweight_fast, dweight_naive) < sum_tol);
  CHECK(max_error(dbias_fast, dbias_naive) < sum_tol);

  // Only the bias wants a gradient: dweight is null and left alone.
  std::vector<float> dbias_only(g.O, 9.0f);
  conv2d_backward_weight(g, dout.data(), inp.data(), nullptr, dbias_only.data());
  CHECK(max_error(dbias_only, dbias_naive) < 1e-5);
}

}  // namespace

TEST_SUITE("kernels.conv") {

TEST_CASE("output size follows PyTorch's formula") {
  CHECK(conv_output_size(16, 3, 1, 1, 1) == 16);
  CHECK(conv_output_size(7, 3, 2, 0, 1) == 3);  // floor((7 - 3) / 2) + 1
  CHECK(conv_output_size(7, 3, 2, 1, 2) == 3);  // floor((7 + 2 - 4 - 1) / 2) + 1
  CHECK(conv_output_size(2, 3, 1, 0, 1) == 0);  // kernel larger than the image
  CHECK(conv_output_size(4, 3, 1, 0, 2) == 0);  // dilated span 5 > 4
}

TEST_CASE("naive forward on a 3x3 image, worked by hand") {
  // inp 1..9 in a 3x3 grid, weight [[1, 2], [3, 4]], bias 1:
  // out[0,0] = 1*1 + 2*2 + 3*4 + 4*5 + 1 = 38, and so on.
  const ConvGeometry g = geometry(1, 1, 3, 3, 1, 2, 2, 1, 0, 1, 1);
  REQUIRE(g.OH == 2);
  const std::vector<float> inp = {1, 2, 3, 4, 5, 6, 7, 8, 9}, weight = {1, 2, 3, 4}, bias = {1};
  std::vector<float> out(4);
  conv2d_forward_naive(g, inp.data(), weight.data(), bias.data(), out.data());
  CHECK(out == std::vector<float>{38, 48, 68, 78});

  // Padding 1: a 4x4 output whose corner sees only inp[0,0], through tap (1,1).
  const ConvGeometry padded = geometry(1, 1, 3, 3, 1, 2, 2, 1, 1, 1, 1);
  std::vector<float> out_padded(16);
  conv2d_forward_naive(padded, inp.data(), weight.data(), nullptr, out_padded.data());
  CHECK(out_padded[0] == 4.0f);   // 4 * inp[0,0]
  CHECK(out_padded[15] == 9.0f);  // 1 * inp[2,2]
  CHECK(out_padded[5] == 37.0f);  // the unpadded out[0,0] without bias

  // Stride 2, dilation 2 on a 5x5 image of 0..24: one output, the four corners
  // 0, 4, 20, 24 weighted 1, 2, 3, 4.
  std::vector<float> big(25);
  for (int k = 0; k < 25; ++k) big[k] = float(k);
  const ConvGeometry dilated = geometry(1, 1, 5, 5, 1, 2, 2, 2, 0, 2, 1);
  REQUIRE(dilated.OH == 2);  // floor((5 - 2 - 1) / 2) + 1
  std::vector<float> out_dilated(4);
  conv2d_forward_naive(dilated, big.data(), weight.data(), nullptr, out_dilated.data());
  CHECK(out_dilated[0] == 0 * 1 + 2 * 2 + 10 * 3 + 12 * 4);
  CHECK(out_dilated[3] == 12 * 1 + 14 * 2 + 22 * 3 + 24 * 4);
}

TEST_CASE("naive groups route channels to their own filters") {
  // Two groups of one channel each, 1x1 weights 2 and 3: channel 0 doubles, channel 1 triples.
  const ConvGeometry g = geometry(1, 2, 1, 2, 2, 1, 1, 1, 0, 1, 2);
  const std::vector<float> inp = {1, 2, 10, 20}, weight = {2, 3};
  std::vector<float> out(4);
  conv2d_forward_naive(g, inp.data(), weight.data(), nullptr, out.data());
  CHECK(out == std::vector<float>{2, 4, 30, 60});
}

TEST_CASE("naive backward on the 3x3 image, worked by hand") {
  const ConvGeometry g = geometry(1, 1, 3, 3, 1, 2, 2, 1, 0, 1, 1);
  const std::vector<float> inp = {1, 2, 3, 4, 5, 6, 7, 8, 9}, weight = {1, 2, 3, 4};
  const std::vector<float> dout = {1, 1, 1, 1};
  // dx: each pixel collects the weights of the taps that saw it
  // (the centre is seen by all four taps: 1 + 2 + 3 + 4).
  std::vector<float> dx(9);
  conv2d_backward_input_naive(g, dout.data(), weight.data(), dx.data());
  CHECK(dx == std::vector<float>{1, 3, 2, 4, 10, 6, 3, 7, 4});
  // dweight[i, j]: the sum of the 2x2 block of inp at offset (i, j); dbias: four ones.
  std::vector<float> dweight(4), dbias(1);
  conv2d_backward_weight_naive(g, dout.data(), inp.data(), dweight.data(), dbias.data());
  CHECK(dweight == std::vector<float>{12, 16, 24, 28});
  CHECK(dbias[0] == 4.0f);
}

TEST_CASE("col2im is the adjoint of im2col") {
  // <im2col(x), y> == <x, col2im(y)> for any x, y: the property that makes
  // col2im the right backward of im2col.
  for (const ConvGeometry& g :
       {geometry(1, 3, 7, 6, 1, 3, 3, 2, 1, 1, 1), geometry(1, 2, 9, 9, 1, 3, 2, 1, 2, 2, 1)}) {
    INFO(describe(g));
    const int64_t K = g.field_size(), P = g.OH * g.OW;
    const auto x = random_values(g.C * g.H * g.W, 5), y = random_values(K * P, 6);
    std::vector<float> col(K * P), img(g.C * g.H * g.W);
    im2col(g, x.data(), col.data());
    col2im(g, y.data(), img.data());
    double lhs = 0, rhs = 0;
    for (int64_t e = 0; e < K * P; ++e) lhs += double(col[e]) * y[e];
    for (int64_t e = 0; e < g.C * g.H * g.W; ++e) rhs += double(x[e]) * img[e];
    CHECK(lhs == doctest::Approx(rhs).epsilon(1e-5));
  }
}

TEST_CASE("fast conv equals naive conv on many shapes") {
  std::vector<ConvGeometry> cases = {
      geometry(2, 3, 7, 7, 4, 3, 3, 1, 1, 1, 1),    // odd size, same padding
      geometry(2, 3, 9, 8, 5, 3, 3, 2, 0, 1, 1),    // stride 2, no padding
      geometry(3, 4, 11, 10, 6, 5, 3, 2, 2, 1, 1),  // padding 2, non-square kernel
      geometry(2, 2, 9, 9, 3, 3, 3, 1, 2, 2, 1),    // dilation 2
      geometry(2, 4, 8, 6, 6, 3, 3, 1, 1, 1, 2),    // groups 2
      geometry(2, 6, 7, 9, 6, 3, 3, 2, 1, 1, 6),    // depthwise
      geometry(2, 4, 5, 5, 12, 3, 3, 1, 1, 1, 4),   // depthwise with multiplier 3
      geometry(1, 5, 6, 7, 3, 3, 3, 1, 1, 1, 1),    // batch 1
      geometry(3, 8, 5, 6, 7, 1, 1, 1, 0, 1, 1),    // 1x1: the pointwise path
      geometry(2, 4, 5, 6, 6, 1, 1, 1, 0, 1, 2),    // 1x1 with groups
      geometry(2, 3, 7, 6, 4, 1, 1, 2, 1, 1, 1),    // 1x1 with stride and padding: im2col
      geometry(4, 3, 6, 6, 2, 6, 6, 1, 0, 1, 1),    // kernel the size of the image
      geometry(5, 3, 8, 5, 4, 2, 3, 3, 1, 1, 1),    // stride 3, odd batch
      geometry(2, 2, 4, 4, 2, 3, 3, 1, 3, 1, 1),    // padding wider than half the kernel
      geometry(2, 32, 6, 5, 20, 3, 3, 1, 1, 1, 1),  // K = 288: two KC-deep steps of the gemm
      geometry(1, 2, 66, 65, 3, 1, 1, 1, 0, 1, 1),  // P = 4290: two NC-wide column panels
      geometry(1, 2, 66, 65, 3, 3, 3, 1, 1, 1, 1),  // the same through im2col_row's pieces
  };
  // A different stride and dilation per axis.
  ConvGeometry skewed = geometry(2, 3, 10, 9, 4, 3, 2, 1, 0, 1, 1);
  skewed.stride_h = 2, skewed.stride_w = 1, skewed.pad_h = 1, skewed.pad_w = 2;
  skewed.dilation_h = 1, skewed.dilation_w = 3;
  conv_fill_output_size(skewed);
  cases.push_back(skewed);

  for (int threads : {1, 2}) {
    ThreadCount scope(threads);
    for (const ConvGeometry& g : cases) {
      REQUIRE(g.OH >= 1);
      REQUIRE(g.OW >= 1);
      check_fast_matches_naive(g);
    }
  }
}

TEST_CASE("fast conv equals naive conv on random shapes") {
  // Sizes drawn from a fixed LCG: every stride, padding, dilation and group
  // count below, batch 1 to 3, odd images; shapes with no output are redrawn.
  ag_test::ShapeDraw draw{12345};  // draw(lo, hi): uniform in [lo, hi]
  int tried = 0;
  while (tried < 40) {
    const int64_t groups = draw(1, 3);
    ConvGeometry g = geometry(draw(1, 3), groups * draw(1, 4), draw(1, 12), draw(1, 12),
                              groups * draw(1, 5), draw(1, 4), draw(1, 4), 1, 0, 1, groups);
    g.stride_h = draw(1, 3), g.stride_w = draw(1, 3);
    g.pad_h = draw(0, 2), g.pad_w = draw(0, 2);
    g.dilation_h = draw(1, 2), g.dilation_w = draw(1, 2);
    conv_fill_output_size(g);
    if (g.OH < 1 || g.OW < 1) continue;
    ThreadCount scope(1 + tried % 2);
    check_fast_matches_naive(g);
    ++tried;
  }
}

TEST_CASE("pad_image surrounds the image with zeros") {
  const ConvGeometry g = geometry(1, 2, 2, 3, 1, 3, 3, 1, 1, 1, 1);  // padding 1
  const std::vector<float> img = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
  std::vector<float> padded(padded_image_size(g), 5.0f);
  REQUIRE(padded.size() == 2u * 4 * 5);
  pad_image(g, img.data(), padded.data());
  CHECK(padded == std::vector<float>{0, 0, 0, 0,  0,  0,  1, 2, 3, 0, 0, 4, 5, 6,
                                     0, 0, 0, 0,  0,  0,  0, 0, 0, 0, 0, 0, 7, 8,
                                     9, 0, 0, 10, 11, 12, 0, 0, 0, 0, 0, 0});
}

TEST_CASE("im2col_row gives any piece of a row of im2col's matrix") {
  // Pieces that start and end inside output rows, span several, or all of P.
  for (const ConvGeometry& g :
       {geometry(1, 2, 7, 6, 1, 3, 3, 2, 1, 1, 1), geometry(1, 2, 9, 8, 1, 3, 2, 1, 2, 2, 1)}) {
    INFO(describe(g));
    const int64_t K = g.field_size(), P = g.OH * g.OW;
    const auto img = random_values(g.C * g.H * g.W, 8);
    std::vector<float> col(K * P), padded(padded_image_size(g), 5.0f);
    im2col(g, img.data(), col.data());
    pad_image(g, img.data(), padded.data());
    for (int64_t tap = 0; tap < K; ++tap)
      for (int64_t p0 : {int64_t(0), int64_t(1), g.OW - 1, g.OW + 2})
        for (int64_t n : {int64_t(1), g.OW, P - p0}) {
          if (p0 + n > P) continue;
          std::vector<float> piece(n + 1, 7.0f);  // one extra: must stay untouched
          im2col_row(g, padded.data(), tap, p0, n, piece.data());
          for (int64_t k = 0; k < n; ++k) CHECK(piece[k] == col[tap * P + p0 + k]);
          CHECK(piece[n] == 7.0f);
        }
  }
}

TEST_CASE("fast conv with an empty batch writes zero gradients for the weight") {
  const ConvGeometry g = geometry(0, 2, 4, 4, 3, 3, 3, 1, 1, 1, 1);
  std::vector<float> dweight(3 * 2 * 9, 5.0f), dbias(3, 5.0f);
  conv2d_backward_weight(g, nullptr, nullptr, dweight.data(), dbias.data());
  CHECK(dweight == std::vector<float>(3 * 2 * 9, 0.0f));
  CHECK(dbias == std::vector<float>(3, 0.0f));
}

}  // TEST_SUITE("kernels.conv")
