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
// slower), with the time scaled up to the full batch. Last, Winograd
// F(2×2, 3×3) against im2col on each 3×3 layer of AttentionNet (forward and
// dx), and its worst relative error against the seven loops in doubles.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <vector>

#include "core/ag.h"
#include "core/kernels/conv.h"
#include "core/kernels/kernel_mode.h"
#include "core/kernels/winograd.h"
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

// ---- Winograd F(2×2, 3×3) against im2col + sgemm on the layers of
// AttentionNet (batch 32, padding 1). Effective GFLOP/s counts the direct
// conv's flops, so above the FMA peak means fewer multiplies, not faster ones.
// The machine is shared: each time is the best of `rounds` medians, the two
// kernels alternating, and the spread (worst/best) is printed.
struct Layer {
  const char* name;
  int64_t C, O, S;
};

// out = conv(x, weight) in doubles, the seven loops: the yardstick of the error.
std::vector<double> conv_double(const ConvGeometry& g, const float* x, const float* w) {
  std::vector<double> out(g.N * g.O * g.OH * g.OW, 0.0);
  for (int64_t n = 0; n < g.N; ++n)
    for (int64_t o = 0; o < g.O; ++o)
      for (int64_t c = 0; c < g.C; ++c)
        for (int64_t i = 0; i < 3; ++i)
          for (int64_t j = 0; j < 3; ++j) {
            const double tap = w[((o * g.C + c) * 3 + i) * 3 + j];
            for (int64_t oh = 0; oh < g.OH; ++oh) {
              const int64_t ih = oh - g.pad_h + i;
              if (ih < 0 || ih >= g.H) continue;
              for (int64_t ow = 0; ow < g.OW; ++ow) {
                const int64_t iw = ow - g.pad_w + j;
                if (iw < 0 || iw >= g.W) continue;
                out[((n * g.O + o) * g.OH + oh) * g.OW + ow] +=
                    tap * x[((n * g.C + c) * g.H + ih) * g.W + iw];
              }
            }
          }
  return out;
}

// The worst |got - exact| / max |exact| over the output.
double worst_relative_error(const std::vector<float>& got, const std::vector<double>& exact) {
  double worst = 0.0, scale = 0.0;
  for (size_t i = 0; i < exact.size(); ++i) {
    worst = std::max(worst, std::fabs(got[i] - exact[i]));
    scale = std::max(scale, std::fabs(exact[i]));
  }
  return worst / scale;
}

// F(4×4, 3×3) for the error column only (not a kernel): its matrices come
// from the points 0, ±1, ±2, ∞ (Lavin & Gray), and the ±2 and the 1/24 make
// its rounding error larger. The textbook loop on one image, in floats.
std::vector<float> winograd_f4x4_floats(const ConvGeometry& g, const float* x, const float* w) {
  static const float Bt[6][6] = {{4, 0, -5, 0, 1, 0},  {0, -4, -4, 1, 1, 0}, {0, 4, -4, -1, 1, 0},
                                 {0, -2, -1, 2, 1, 0}, {0, 2, -1, -2, 1, 0}, {0, 4, 0, -5, 0, 1}};
  static const float G[6][3] = {{1.0f / 4, 0, 0},
                                {-1.0f / 6, -1.0f / 6, -1.0f / 6},
                                {-1.0f / 6, 1.0f / 6, -1.0f / 6},
                                {1.0f / 24, 1.0f / 12, 1.0f / 6},
                                {1.0f / 24, -1.0f / 12, 1.0f / 6},
                                {0, 0, 1}};
  static const float At[4][6] = {
      {1, 1, 1, 1, 1, 0}, {0, 1, -1, 2, -2, 0}, {0, 1, 1, 4, 4, 0}, {0, 1, -1, 8, -8, 1}};
  const int64_t th = (g.OH + 3) / 4, tw = (g.OW + 3) / 4, tiles = th * tw;
  std::vector<float> U(g.O * g.C * 36), V(g.C * tiles * 36), out(g.O * g.OH * g.OW);
  for (int64_t o = 0; o < g.O; ++o)
    for (int64_t c = 0; c < g.C; ++c)
      for (int r = 0; r < 6; ++r)
        for (int s = 0; s < 6; ++s) {  // (G g Gᵀ)[r][s]
          float sum = 0.0f;
          for (int i = 0; i < 3; ++i)
            for (int j = 0; j < 3; ++j)
              sum += G[r][i] * w[((o * g.C + c) * 3 + i) * 3 + j] * G[s][j];
          U[(o * g.C + c) * 36 + r * 6 + s] = sum;
        }
  for (int64_t c = 0; c < g.C; ++c)
    for (int64_t t = 0; t < tiles; ++t)
      for (int r = 0; r < 6; ++r)
        for (int s = 0; s < 6; ++s) {  // (Bᵀ d B)[r][s]
          float sum = 0.0f;
          for (int i = 0; i < 6; ++i)
            for (int j = 0; j < 6; ++j) {
              const int64_t h = t / tw * 4 - g.pad_h + i, wc = t % tw * 4 - g.pad_w + j;
              if (h < 0 || h >= g.H || wc < 0 || wc >= g.W) continue;
              sum += Bt[r][i] * x[(c * g.H + h) * g.W + wc] * Bt[s][j];
            }
          V[(c * tiles + t) * 36 + r * 6 + s] = sum;
        }
  for (int64_t o = 0; o < g.O; ++o)
    for (int64_t t = 0; t < tiles; ++t) {
      float m[36] = {};
      for (int64_t c = 0; c < g.C; ++c)
        for (int k = 0; k < 36; ++k)
          m[k] += U[(o * g.C + c) * 36 + k] * V[(c * tiles + t) * 36 + k];
      for (int r = 0; r < 4; ++r)
        for (int s = 0; s < 4; ++s) {  // (Aᵀ m A)[r][s]
          const int64_t oh = t / tw * 4 + r, ow = t % tw * 4 + s;
          if (oh >= g.OH || ow >= g.OW) continue;
          float sum = 0.0f;
          for (int i = 0; i < 6; ++i)
            for (int j = 0; j < 6; ++j) sum += At[r][i] * m[i * 6 + j] * At[s][j];
          out[(o * g.OH + oh) * g.OW + ow] = sum;
        }
    }
  return out;
}

struct Timing {
  double best = 1e30, worst = 0.0;
  void add(double t) { best = std::min(best, t), worst = std::max(worst, t); }
};

void winograd_rows() {
  // AttentionNet's maps stay 16×16 (no pooling before the attention); the
  // 8×8 rows are the same channels on a smaller map.
  const Layer layers[] = {{"res1.conv1 64->128 16x16", 64, 128, 16},
                          {"res1.conv2 128->128 16x16", 128, 128, 16},
                          {"res2.conv1 128->256 16x16", 128, 256, 16},
                          {"res2.conv2 256->256 16x16", 256, 256, 16},
                          {"128->256 8x8", 128, 256, 8},
                          {"256->256 8x8", 256, 256, 8},
                          {"conv1 3->64 16x16 (C = 3)", 3, 64, 16},
                          {"32->32 4x4 (small)", 32, 32, 4}};
  const int rounds = 5;
  std::printf(
      "\nWinograd F(2x2,3x3) vs im2col, batch 32, padding 1: best of %d alternating\n"
      "medians (spread worst/best); GFLOP/s = direct-conv flops / time\n",
      rounds);
  std::printf("%-27s %-8s %16s %16s %6s   %s\n", "layer", "pass", "im2col ms (GF/s)",
              "winograd ms(GF/s)", "speed", "spread im2col / winograd");
  for (const Layer& layer : layers) {
    ConvGeometry g;
    g.N = 32, g.C = layer.C, g.O = layer.O, g.H = g.W = layer.S, g.kh = g.kw = 3;
    g.pad_h = g.pad_w = 1;
    conv_fill_output_size(g);
    manual_seed(1);
    const Tensor x = randn({g.N, g.C, g.H, g.W}), dout = randn({g.N, g.O, g.OH, g.OW});
    const Tensor w = mul(randn({g.O, g.C, 3, 3}), 1.0f / std::sqrt(9.0f * g.C));
    std::vector<float> out(g.N * g.O * g.OH * g.OW), dx(g.N * g.C * g.H * g.W);
    const double flops = forward_flops(g);
    for (int pass = 0; pass < 2; ++pass) {
      Timing direct, wino;
      for (int r = 0; r < rounds; ++r) {
        if (pass == 0) {
          direct.add(bench::median_seconds(
              [&] { conv2d_forward(g, x.data(), w.data(), nullptr, out.data()); }, 5));
          wino.add(bench::median_seconds(
              [&] { winograd_conv2d_forward(g, x.data(), w.data(), nullptr, out.data()); }, 5));
        } else {
          direct.add(bench::median_seconds(
              [&] { conv2d_backward_input(g, dout.data(), w.data(), dx.data()); }, 5));
          wino.add(bench::median_seconds(
              [&] { winograd_conv2d_backward_input(g, dout.data(), w.data(), dx.data()); }, 5));
        }
      }
      std::printf("%-27s %-8s %7.2f (%6.1f) %7.2f (%6.1f) %5.2fx   spread %.2f / %.2f\n",
                  layer.name, pass == 0 ? "forward" : "dx", direct.best * 1e3,
                  flops / direct.best / 1e9, wino.best * 1e3, flops / wino.best / 1e9,
                  direct.best / wino.best, direct.worst / direct.best, wino.worst / wino.best);
    }
    // The error on one image, against the seven loops in doubles.
    ConvGeometry one = g;
    one.N = 1;
    const std::vector<double> exact = conv_double(one, x.data(), w.data());
    std::vector<float> got(exact.size());
    conv2d_forward(one, x.data(), w.data(), nullptr, got.data());
    const double err_direct = worst_relative_error(got, exact);
    winograd_conv2d_forward(one, x.data(), w.data(), nullptr, got.data());
    const double err_f2 = worst_relative_error(got, exact);
    const double err_f4 =
        worst_relative_error(winograd_f4x4_floats(one, x.data(), w.data()), exact);
    std::printf(
        "%-27s worst relative error vs doubles: im2col %.2e, F(2x2,3x3) %.2e, "
        "F(4x4,3x3) %.2e\n",
        layer.name, err_direct, err_f2, err_f4);
  }
  // What the filter transform and its packing cost on their own: a 1×1 map
  // is one tile, so the rest of the call is nearly free.
  ConvGeometry tiny;
  tiny.C = tiny.O = 256, tiny.kh = tiny.kw = 3, tiny.pad_h = tiny.pad_w = 1;
  conv_fill_output_size(tiny);
  std::vector<float> w(256 * 256 * 9, 0.01f), x(256, 1.0f), out(256);
  const double t_filter = bench::median_seconds(
      [&] { winograd_conv2d_forward(tiny, x.data(), w.data(), nullptr, out.data()); }, 9);
  std::printf("filter transform + packing, 256->256: %.3f ms per call\n", t_filter * 1e3);
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
  winograd_rows();
  return 0;
}
