// The raw transposed-convolution kernels: the naive scatter loops against
// hand-computed values, then the fast path (conv2d's kernels, roles swapped)
// against the naive loops on many geometries, with 1 and 2 threads.
#include <doctest/doctest.h>

#include <sstream>
#include <string>
#include <vector>

#include "core/kernels/conv_transpose.h"
#include "core/kernels/parallel.h"
#include "core/reference/conv_transpose_naive.h"
#include "tests/helpers/kernel_test_util.h"

using namespace ag;
using ag_test::max_error;
using ag_test::random_values;
using ag_test::ThreadCount;

namespace {

struct Spec {
  int64_t N, C, H, W, O, kh, kw, stride_h, stride_w, pad, output_pad_h, output_pad_w, dilation,
      groups;
};

ConvTransposeGeometry geometry(const Spec& s) {
  ConvTransposeGeometry g;
  g.N = s.N, g.C = s.C, g.H = s.H, g.W = s.W, g.O = s.O, g.kh = s.kh, g.kw = s.kw;
  g.stride_h = s.stride_h, g.stride_w = s.stride_w;
  g.pad_h = g.pad_w = s.pad;
  g.output_pad_h = s.output_pad_h, g.output_pad_w = s.output_pad_w;
  g.dilation_h = g.dilation_w = s.dilation;
  g.groups = s.groups;
  conv_transpose_fill_output_size(g);
  return g;
}

std::string describe(const ConvTransposeGeometry& g) {
  std::ostringstream os;
  os << "N" << g.N << " C" << g.C << " " << g.H << "x" << g.W << " O" << g.O << " k" << g.kh << "x"
     << g.kw << " s" << g.stride_h << "," << g.stride_w << " p" << g.pad_h << " op"
     << g.output_pad_h << "," << g.output_pad_w << " d" << g.dilation_h << " g" << g.groups
     << " -> " << g.OH << "x" << g.OW;
  return os.str();
}

void check_fast_matches_naive(const ConvTransposeGeometry& g) {
  INFO(describe(g));
  const int64_t in_size = g.N * g.C * g.H * g.W, out_size = g.N * g.O * g.OH * g.OW;
  const int64_t weight_size = g.C * g.out_channels_per_group() * g.kh * g.kw;
  const auto inp = random_values(in_size, 1), weight = random_values(weight_size, 2);
  const auto bias = random_values(g.O, 3), dout = random_values(out_size, 4);

  // Garbage in every output first: the kernels must overwrite, not accumulate.
  std::vector<float> out_fast(out_size, -7.0f), out_naive(out_size, 5.0f);
  conv_transpose2d_forward(g, inp.data(), weight.data(), bias.data(), out_fast.data());
  conv_transpose2d_forward_naive(g, inp.data(), weight.data(), bias.data(), out_naive.data());
  CHECK(max_error(out_fast, out_naive) < 1e-5);

  std::vector<float> dx_fast(in_size, 9.0f), dx_naive(in_size, -9.0f);
  conv_transpose2d_backward_input(g, dout.data(), weight.data(), dx_fast.data());
  conv_transpose2d_backward_input_naive(g, dout.data(), weight.data(), dx_naive.data());
  CHECK(max_error(dx_fast, dx_naive) < 1e-5);

  std::vector<float> dw_fast(weight_size, 3.0f), dw_naive(weight_size, -3.0f);
  std::vector<float> db_fast(g.O, 3.0f), db_naive(g.O, -3.0f);
  conv_transpose2d_backward_weight(g, dout.data(), inp.data(), dw_fast.data(), db_fast.data());
  conv_transpose2d_backward_weight_naive(g, dout.data(), inp.data(), dw_naive.data(),
                                         db_naive.data());
  CHECK(max_error(dw_fast, dw_naive) < 1e-4);
  CHECK(max_error(db_fast, db_naive) < 1e-4);
}

}  // namespace

TEST_SUITE("kernels.conv_transpose") {

TEST_CASE("naive conv_transpose2d: each input pixel scatters a scaled kernel, by hand") {
  // x [[1, 2], [3, 4]], w [[1, 2], [3, 4]], stride 2: the four copies x*w do
  // not overlap, so the 4x4 output is the block matrix [[1w, 2w], [3w, 4w]].
  Spec s{1, 1, 2, 2, 1, 2, 2, 2, 2, 0, 0, 0, 1, 1};
  const ConvTransposeGeometry g = geometry(s);
  REQUIRE(g.OH == 4);
  const std::vector<float> x = {1, 2, 3, 4}, w = {1, 2, 3, 4};
  std::vector<float> out(16);
  conv_transpose2d_forward_naive(g, x.data(), w.data(), nullptr, out.data());
  CHECK(out == std::vector<float>{1, 2, 2, 4, 3, 4, 6, 8, 3, 6, 4, 8, 9, 12, 12, 16});
  // Stride 1: the copies overlap and add; the centre gets 1*4 + 2*3 + 3*2 + 4*1 = 20.
  s.stride_h = s.stride_w = 1;
  const ConvTransposeGeometry g1 = geometry(s);
  std::vector<float> out1(9);
  const std::vector<float> bias = {0.5f};
  conv_transpose2d_forward_naive(g1, x.data(), w.data(), bias.data(), out1.data());
  CHECK(out1 == std::vector<float>{1.5f, 4.5f, 4.5f, 6.5f, 20.5f, 16.5f, 9.5f, 24.5f, 16.5f});
}

TEST_CASE("fast conv_transpose2d kernels agree with the naive loops") {
  const std::vector<Spec> specs = {
      {1, 1, 3, 3, 1, 2, 2, 1, 1, 0, 0, 0, 1, 1},
      {2, 3, 4, 5, 4, 3, 3, 2, 2, 1, 1, 1, 1, 1},  // stride 2 with output_padding
      {2, 4, 3, 4, 6, 3, 2, 2, 1, 1, 1, 0, 1, 2},  // groups, uneven strides
      {1, 2, 3, 3, 2, 2, 2, 1, 1, 0, 1, 1, 2, 1},  // output_padding >= stride (< dilation)
      {3, 2, 5, 4, 3, 3, 3, 3, 3, 2, 2, 1, 2, 1},  // dilation and stride
      {2, 6, 4, 4, 3, 1, 1, 1, 1, 0, 0, 0, 1, 3},  // 1x1 (conv2d's pointwise path)
      {4, 3, 6, 6, 3, 3, 3, 1, 1, 1, 0, 0, 1, 3},  // depthwise, a batch the threads split
      {0, 2, 3, 3, 2, 2, 2, 1, 1, 0, 0, 0, 1, 1},  // an empty batch
  };
  for (int threads : {1, 2}) {
    ThreadCount thread_count(threads);
    CAPTURE(threads);
    for (const Spec& s : specs) check_fast_matches_naive(geometry(s));
  }
}

}  // TEST_SUITE("kernels.conv_transpose")
