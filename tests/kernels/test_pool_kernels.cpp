// The raw pooling kernels: the naive loops against hand-worked windows, then
// the fast kernels against the naive ones on many geometries.
#include <doctest/doctest.h>

#include <array>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "core/kernels/parallel.h"
#include "core/kernels/pool.h"
#include "core/reference/pool_naive.h"
#include "tests/helpers/kernel_test_util.h"

using namespace ag;
using ag_test::max_error;
using ag_test::random_values;

namespace {

PoolGeometry pool_geometry(int64_t planes, int64_t H, int64_t W, int64_t kh, int64_t kw,
                           int64_t stride_h, int64_t stride_w, int64_t pad_h, int64_t pad_w) {
  PoolGeometry g;
  g.planes = planes, g.H = H, g.W = W, g.kh = kh, g.kw = kw;
  g.stride_h = stride_h, g.stride_w = stride_w, g.pad_h = pad_h, g.pad_w = pad_w;
  pool_fill_output_size(g);
  return g;
}

struct ThreadCount {
  int saved = get_num_threads();
  explicit ThreadCount(int n) { set_num_threads(n); }
  ~ThreadCount() { set_num_threads(saved); }
};

}  // namespace

TEST_SUITE("kernels.pool") {

TEST_CASE("naive avg pool, worked by hand") {
  // 4x4 of 0..15, 2x2 windows, stride 2: the four block means.
  std::vector<float> x(16);
  for (int k = 0; k < 16; ++k) x[k] = float(k);
  const PoolGeometry g = pool_geometry(1, 4, 4, 2, 2, 2, 2, 0, 0);
  std::vector<float> out(4);
  avg_pool2d_forward_naive(g, x.data(), out.data());
  CHECK(out == std::vector<float>{2.5f, 4.5f, 10.5f, 12.5f});

  // count_include_pad: a 3x3 window over a 2x2 image padded by 1 sees all four
  // cells (sum 10) but divides by 9.
  const std::vector<float> small = {1, 2, 3, 4};
  const PoolGeometry padded = pool_geometry(1, 2, 2, 3, 3, 1, 1, 1, 1);
  REQUIRE(padded.OH == 2);
  std::vector<float> out_padded(4), dx(4);
  avg_pool2d_forward_naive(padded, small.data(), out_padded.data());
  for (float v : out_padded) CHECK(v == doctest::Approx(10.0 / 9.0));
  // Backward: each cell is in all four windows, each passing on 1/9 of dout = 1.
  const std::vector<float> ones = {1, 1, 1, 1};
  avg_pool2d_backward_naive(padded, ones.data(), dx.data());
  for (float v : dx) CHECK(v == doctest::Approx(4.0 / 9.0));
}

TEST_CASE("naive max pool treats padding as -inf, worked by hand") {
  // All-negative 2x2 image, 2x2 windows, stride 1, padding 1: a corner window
  // sees one real cell, and must return it (zero padding would return 0).
  const std::vector<float> x = {-1, -2, -3, -4};
  const PoolGeometry g = pool_geometry(1, 2, 2, 2, 2, 1, 1, 1, 1);
  REQUIRE(g.OH == 3);
  std::vector<float> out(9);
  std::vector<int64_t> argmax(9);
  max_pool2d_forward_naive(g, x.data(), out.data(), argmax.data());
  CHECK(out == std::vector<float>{-1, -1, -2, -1, -1, -2, -3, -3, -4});
  CHECK(argmax == std::vector<int64_t>{0, 0, 1, 0, 0, 1, 2, 2, 3});
  // Backward with dout = 1 everywhere: each cell gets one per window that chose it.
  std::vector<float> dout(9, 1.0f), dx(4);
  max_pool2d_backward_naive(g, dout.data(), argmax.data(), dx.data());
  CHECK(dx == std::vector<float>{4, 2, 2, 1});
}

TEST_CASE("max pool: first maximum wins ties, NaN propagates, the last NaN is the argmax") {
  // PyTorch 1.13: max_pool2d(tensor([[[[1, nan, 7, 3]]]]).view(1, 1, 2, 2), 2,
  // return_indices=True) gives (nan, 1); with NaNs at cells 1 and 3 it gives 3.
  const std::vector<float> ties = {5, 5, 5, 5};
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const std::vector<float> with_nan = {1, nan, 7, 3};
  const std::vector<float> two_nans = {1, nan, 7, nan};
  const PoolGeometry g = pool_geometry(1, 2, 2, 2, 2, 2, 2, 0, 0);
  float out = 0;
  int64_t argmax = -1;
  for (bool fast : {false, true}) {
    auto forward = fast ? max_pool2d_forward : max_pool2d_forward_naive;
    forward(g, ties.data(), &out, &argmax);
    CHECK(argmax == 0);
    forward(g, with_nan.data(), &out, &argmax);
    CHECK(std::isnan(out));
    CHECK(argmax == 1);
    forward(g, two_nans.data(), &out, &argmax);
    CHECK(std::isnan(out));
    CHECK(argmax == 3);
  }
}

TEST_CASE("adaptive avg pool uses PyTorch's bin edges") {
  // 5 cells into 3 bins: [0, 2), [1, 4), [3, 5).
  CHECK(adaptive_bin_start(1, 5, 3) == 1);
  CHECK(adaptive_bin_end(1, 5, 3) == 4);
  CHECK(adaptive_bin_start(2, 5, 3) == 3);
  CHECK(adaptive_bin_end(2, 5, 3) == 5);
  const std::vector<float> row = {0, 1, 2, 3, 4};
  std::vector<float> out(3), dx(5);
  adaptive_avg_pool2d_forward_naive(1, 1, 5, 1, 3, row.data(), out.data());
  CHECK(out == std::vector<float>{0.5f, 2.0f, 3.5f});
  // Backward: cell 1 is in bins 0 and 1 (1/2 + 1/3), cell 3 in bins 1 and 2.
  const std::vector<float> ones = {1, 1, 1};
  adaptive_avg_pool2d_backward_naive(1, 1, 5, 1, 3, ones.data(), dx.data());
  CHECK(dx[0] == doctest::Approx(0.5));
  CHECK(dx[1] == doctest::Approx(0.5 + 1.0 / 3.0));
  CHECK(dx[2] == doctest::Approx(1.0 / 3.0));
  CHECK(dx[3] == doctest::Approx(1.0 / 3.0 + 0.5));
}

TEST_CASE("fast pools equal naive pools on many geometries") {
  const std::vector<PoolGeometry> cases = {
      pool_geometry(6, 8, 8, 2, 2, 2, 2, 0, 0),   // the classic 2x2/2
      pool_geometry(5, 7, 9, 3, 3, 2, 2, 1, 1),   // odd sizes, overlapping windows, padding
      pool_geometry(3, 9, 7, 3, 2, 1, 3, 1, 0),   // non-square window and strides
      pool_geometry(2, 5, 5, 5, 5, 1, 1, 2, 2),   // window as big as the image, padding 2
      pool_geometry(1, 6, 11, 4, 4, 3, 3, 2, 1),  // batch*channels 1
      pool_geometry(64, 16, 16, 3, 3, 1, 1, 1, 1),
  };
  for (int threads : {1, 2}) {
    ThreadCount scope(threads);
    for (const PoolGeometry& g : cases) {
      INFO("P" << g.planes << " " << g.H << "x" << g.W << " k" << g.kh << "x" << g.kw << " s"
               << g.stride_h << "," << g.stride_w << " p" << g.pad_h << "," << g.pad_w
               << " threads " << threads);
      REQUIRE(g.OH >= 1);
      const int64_t in_size = g.planes * g.H * g.W, out_size = g.planes * g.OH * g.OW;
      const auto x = random_values(in_size, 51), dout = random_values(out_size, 52);
      std::vector<float> out_f(out_size), out_n(out_size), dx_f(in_size, 9), dx_n(in_size, 9);

      avg_pool2d_forward(g, x.data(), out_f.data());
      avg_pool2d_forward_naive(g, x.data(), out_n.data());
      CHECK(max_error(out_f, out_n) < 1e-6);
      avg_pool2d_backward(g, dout.data(), dx_f.data());
      avg_pool2d_backward_naive(g, dout.data(), dx_n.data());
      CHECK(max_error(dx_f, dx_n) < 1e-6);

      std::vector<int64_t> argmax_f(out_size), argmax_n(out_size);
      max_pool2d_forward(g, x.data(), out_f.data(), argmax_f.data());
      max_pool2d_forward_naive(g, x.data(), out_n.data(), argmax_n.data());
      CHECK(out_f == out_n);  // a max is exact: no rounding to differ in
      CHECK(argmax_f == argmax_n);
      max_pool2d_backward(g, dout.data(), argmax_f.data(), dx_f.data());
      max_pool2d_backward_naive(g, dout.data(), argmax_n.data(), dx_n.data());
      CHECK(max_error(dx_f, dx_n) < 1e-6);
    }

    for (const auto& sizes : std::vector<std::array<int64_t, 4>>{
             {7, 5, 3, 2}, {6, 6, 6, 6}, {5, 9, 1, 1}, {4, 4, 8, 8}, {13, 10, 4, 7}}) {
      const int64_t H = sizes[0], W = sizes[1], OH = sizes[2], OW = sizes[3];
      INFO(H << "x" << W << " -> " << OH << "x" << OW << " threads " << threads);
      const int64_t planes = 3;
      const auto x = random_values(planes * H * W, 53), dout = random_values(planes * OH * OW, 54);
      std::vector<float> out_f(planes * OH * OW), out_n(planes * OH * OW);
      std::vector<float> dx_f(planes * H * W, 9), dx_n(planes * H * W, 9);
      adaptive_avg_pool2d_forward(planes, H, W, OH, OW, x.data(), out_f.data());
      adaptive_avg_pool2d_forward_naive(planes, H, W, OH, OW, x.data(), out_n.data());
      CHECK(max_error(out_f, out_n) < 1e-6);
      adaptive_avg_pool2d_backward(planes, H, W, OH, OW, dout.data(), dx_f.data());
      adaptive_avg_pool2d_backward_naive(planes, H, W, OH, OW, dout.data(), dx_n.data());
      CHECK(max_error(dx_f, dx_n) < 1e-6);
    }
  }
}

TEST_CASE("average pools sum in two passes: random shapes, AttentionNet's tail, 1 and 2 threads") {
  // Random geometries from a fixed LCG (odd sizes, strides, padding, ceil
  // mode, count_include_pad, overlapping adaptive bins), then the network's
  // 16x16 -> 4x4 on 512 planes, where avg_pool2d(x, 4) and
  // adaptive_avg_pool2d(x, 4, 4) sum the same windows in the same order.
  ag_test::ShapeDraw draw{77};  // draw(lo, hi): uniform in [lo, hi]
  for (int trial = 0; trial < 24; ++trial) {
    ThreadCount scope(1 + trial % 2);
    const int64_t kh = draw(1, 4), kw = draw(1, 4);
    PoolGeometry g = pool_geometry(draw(1, 9), draw(kh, 13), draw(kw, 13), kh, kw, draw(1, 3),
                                   draw(1, 3), draw(0, kh / 2), draw(0, kw / 2));
    g.ceil_mode = draw(0, 1) == 1, g.count_include_pad = draw(0, 1) == 1;
    pool_fill_output_size(g);
    INFO("P" << g.planes << " " << g.H << "x" << g.W << " k" << kh << "x" << kw << " s"
             << g.stride_h << "," << g.stride_w << " p" << g.pad_h << "," << g.pad_w << " ceil "
             << g.ceil_mode << " include_pad " << g.count_include_pad);
    const int64_t in_size = g.planes * g.H * g.W, out_size = g.planes * g.OH * g.OW;
    const auto x = random_values(in_size, 61), dout = random_values(out_size, 62);
    std::vector<float> out_f(out_size, 9), out_n(out_size), dx_f(in_size, 9), dx_n(in_size);
    avg_pool2d_forward(g, x.data(), out_f.data());
    avg_pool2d_forward_naive(g, x.data(), out_n.data());
    CHECK(max_error(out_f, out_n) < 1e-6);
    avg_pool2d_backward(g, dout.data(), dx_f.data());
    avg_pool2d_backward_naive(g, dout.data(), dx_n.data());
    CHECK(max_error(dx_f, dx_n) < 1e-6);

    const int64_t OH = draw(1, g.H), OW = draw(1, g.W);  // adaptive bins over the same image
    std::vector<float> bins_f(g.planes * OH * OW, 9), bins_n(g.planes * OH * OW);
    adaptive_avg_pool2d_forward(g.planes, g.H, g.W, OH, OW, x.data(), bins_f.data());
    adaptive_avg_pool2d_forward_naive(g.planes, g.H, g.W, OH, OW, x.data(), bins_n.data());
    CHECK(max_error(bins_f, bins_n) < 1e-6);
    adaptive_avg_pool2d_backward(g.planes, g.H, g.W, OH, OW, x.data(), dx_f.data());
    adaptive_avg_pool2d_backward_naive(g.planes, g.H, g.W, OH, OW, x.data(), dx_n.data());
    CHECK(max_error(dx_f, dx_n) < 1e-6);
  }
  for (int threads : {1, 2}) {
    ThreadCount scope(threads);
    const PoolGeometry g = pool_geometry(512, 16, 16, 4, 4, 4, 4, 0, 0);
    const auto x = random_values(512 * 256, 63);
    std::vector<float> avg(512 * 16), adaptive(512 * 16), naive(512 * 16);
    avg_pool2d_forward(g, x.data(), avg.data());
    adaptive_avg_pool2d_forward(512, 16, 16, 4, 4, x.data(), adaptive.data());
    adaptive_avg_pool2d_forward_naive(512, 16, 16, 4, 4, x.data(), naive.data());
    CHECK(avg == adaptive);
    CHECK(max_error(adaptive, naive) < 1e-6);
  }
}

}  // TEST_SUITE("kernels.pool")
