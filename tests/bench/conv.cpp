// tests/bench/conv.cpp: how fast is conv2d, forward + backward?
//
// The shape is a mid-network ResNet-style layer: x [32, 128, 16, 16] through
// 256 filters of 3x3 with padding 1, on 2 threads. One forward is
//   2 * N * O * OH * OW * (C * 3 * 3) = 4.83 GFLOP,
// and the backward is two more products of the same size (dx and dweight),
// so a training step counts 3x the forward FLOPs. Target: >= 220 GFLOP/s
// (the single-precision FMA peak is ~200 GFLOP/s per core).
//
// Printed: the op through autograd (what training sees), each raw kernel on
// its own, then the naive seven loops on a smaller batch (they are ~100x
// slower), with the time scaled up to the full batch.
#include <cstdio>
#include <vector>

#include "core/ag.h"
#include "core/kernels/conv.h"
#include "core/kernels/kernel_mode.h"
#include "core/reference/conv_naive.h"
#include "tests/bench/timing.h"

using namespace ag;

namespace {

ConvGeometry geometry(int64_t N) {
  ConvGeometry g;
  g.N = N, g.C = 128, g.H = 16, g.W = 16, g.O = 256, g.kh = 3, g.kw = 3;
  g.pad_h = g.pad_w = 1;
  conv_fill_output_size(g);
  return g;
}

double forward_flops(const ConvGeometry& g) {
  return 2.0 * g.N * g.O * g.OH * g.OW * g.field_size();
}

}  // namespace

int main() {
  set_num_threads(2);
  set_kernels(Kernels::Fast);
  const ConvGeometry g = geometry(32);
  const double flops = forward_flops(g);
  std::printf("conv2d x[32, 128, 16, 16] -> 256 channels, 3x3, padding 1, %d threads\n",
              get_num_threads());
  std::printf("forward %.2f GFLOP; forward + backward counts 3x = %.2f GFLOP\n\n", flops / 1e9,
              3 * flops / 1e9);

  // ---- the op, through autograd
  manual_seed(0);
  Tensor x = randn({g.N, g.C, g.H, g.W}, true), weight = mul(randn({g.O, g.C, 3, 3}), 0.03f);
  weight.requires_grad_();
  Tensor bias = zeros({g.O}, true);
  const Tensor dout = randn({g.N, g.O, g.OH, g.OW});
  const Conv2dOptions options = Conv2dOptions().padding(1);
  const double t_forward = bench::median_seconds(
      [&] {
        NoGradGuard no_grad;
        conv2d(x, weight, bias, options);
      },
      7);
  const double t_step = bench::median_seconds(
      [&] {
        x.zero_grad(), weight.zero_grad(), bias.zero_grad();
        conv2d(x, weight, bias, options).backward(dout);
      },
      7);
  std::printf("op   forward             %8.2f ms  %7.1f GFLOP/s\n", t_forward * 1e3,
              flops / t_forward / 1e9);
  std::printf("op   forward + backward  %8.2f ms  %7.1f GFLOP/s   (target >= 220)\n\n",
              t_step * 1e3, 3 * flops / t_step / 1e9);

  // ---- each raw kernel (forward: weight packed once, im2col rows packed
  // straight into the gemm)
  std::vector<float> out(g.N * g.O * g.OH * g.OW), dx(g.N * g.C * g.H * g.W);
  std::vector<float> dweight(g.O * g.field_size()), dbias(g.O);
  const float *xp = x.data(), *wp = weight.data(), *bp = bias.data(), *dp = dout.data();
  const double t_fwd = bench::median_seconds([&] { conv2d_forward(g, xp, wp, bp, out.data()); }, 7);
  const double t_din =
      bench::median_seconds([&] { conv2d_backward_input(g, dp, wp, dx.data()); }, 7);
  const double t_dw = bench::median_seconds(
      [&] { conv2d_backward_weight(g, dp, xp, dweight.data(), dbias.data()); }, 7);
  std::printf("kernel forward           %8.2f ms  %7.1f GFLOP/s\n", t_fwd * 1e3,
              flops / t_fwd / 1e9);
  std::printf("kernel backward input    %8.2f ms  %7.1f GFLOP/s\n", t_din * 1e3,
              flops / t_din / 1e9);
  std::printf("kernel backward weight   %8.2f ms  %7.1f GFLOP/s\n\n", t_dw * 1e3,
              flops / t_dw / 1e9);

  // ---- the naive reference: single-threaded loops, on 2 images, scaled x16
  const ConvGeometry small = geometry(2);
  const double scale = double(g.N) / double(small.N);
  std::vector<float> out_small(small.N * small.O * small.OH * small.OW);
  std::vector<float> dx_small(small.N * small.C * small.H * small.W);
  const double n_fwd =
      bench::median_seconds([&] { conv2d_forward_naive(small, xp, wp, bp, out_small.data()); }, 1);
  const double n_din = bench::median_seconds(
      [&] { conv2d_backward_input_naive(small, dp, wp, dx_small.data()); }, 1);
  const double n_dw = bench::median_seconds(
      [&] { conv2d_backward_weight_naive(small, dp, xp, dweight.data(), dbias.data()); }, 1);
  const double n_step = (n_fwd + n_din + n_dw) * scale;
  std::printf("naive (measured on batch %lld, time scaled x%.0f to batch %lld)\n",
              static_cast<long long>(small.N), scale, static_cast<long long>(g.N));
  std::printf("naive forward + backward %8.0f ms  %7.2f GFLOP/s   (fast is %.0fx faster)\n",
              n_step * 1e3, 3 * flops / n_step / 1e9, n_step / t_step);
  return 0;
}
