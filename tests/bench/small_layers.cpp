// tests/bench/small_layers.cpp: the small and the odd layers of AttentionNet
// (batch 32 of 3×16×16, 2 threads), each fast path against the general one it
// replaced, in alternating rounds on the same data:
//   - the first conv, 3→64, 3×3, padding 1 (K = 27): im2col + the blocked
//     sgemm (conv2d_forward) against the small-K path (conv_small_k.h),
//     forward and weight gradient, on 2 threads and on 1;
//   - the network's tail, adaptive_avg_pool2d (32, 256, 16, 16) → 4×4 then
//     the linear layer 4096 → 10: the pooling kernel on its own and the two
//     ops as the network runs them.
// Each figure is the best of `kRounds` medians (the machine is shared: the
// load average is printed too). GFLOP/s counts a multiply-add as 2 flops.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <vector>

#include "core/ag.h"
#include "core/kernels/conv.h"
#include "core/kernels/conv_small_k.h"
#include "core/kernels/pool.h"
#include "core/reference/pool_naive.h"
#include "nn/nn.h"
#include "tests/bench/timing.h"

using namespace ag;

namespace {

constexpr int kRounds = 7;

// The best median of each call, the calls alternating round by round.
std::vector<double> best_of_alternating(const std::vector<std::function<void()>>& calls, int runs) {
  std::vector<double> best(calls.size(), 1e30);
  for (int round = 0; round < kRounds; ++round)
    for (size_t i = 0; i < calls.size(); ++i)
      best[i] = std::min(best[i], bench::median_seconds(calls[i], runs));
  return best;
}

void row(const char* what, double seconds, double flops) {
  std::printf("  %-44s %8.3f ms  %7.1f GFLOP/s\n", what, seconds * 1e3, flops / seconds * 1e-9);
}

void first_conv() {
  ConvGeometry g;
  g.N = 32, g.C = 3, g.H = g.W = 16, g.O = 64, g.kh = g.kw = 3, g.pad_h = g.pad_w = 1;
  conv_fill_output_size(g);
  const double flops = 2.0 * g.N * g.O * g.OH * g.OW * g.field_size();
  manual_seed(3);
  const Tensor x = randn({g.N, g.C, g.H, g.W}), weight = randn({g.O, g.C, 3, 3});
  const Tensor bias = randn({g.O}), dout = randn({g.N, g.O, g.OH, g.OW});
  std::vector<float> out(dout.numel()), dweight(weight.numel()), dbias(g.O);
  for (int threads : {2, 1}) {
    set_num_threads(threads);
    std::printf("first conv 3->64, 16x16, 3x3, padding 1, batch 32, %d thread(s): %.1f MFLOP\n",
                threads, flops * 1e-6);
    const std::vector<double> forward = best_of_alternating(
        {[&] { conv2d_forward(g, x.data(), weight.data(), bias.data(), out.data()); },
         [&] { small_k_conv2d_forward(g, x.data(), weight.data(), bias.data(), out.data()); }},
        21);
    row("forward, im2col + blocked sgemm", forward[0], flops);
    row("forward, small K (conv_small_k)", forward[1], flops);
    const std::vector<double> backward = best_of_alternating(
        {[&] { conv2d_backward_weight(g, dout.data(), x.data(), dweight.data(), dbias.data()); },
         [&] {
           small_k_conv2d_backward_weight(g, dout.data(), x.data(), dweight.data(), dbias.data());
         }},
        21);
    row("weight + bias gradient, im2col + sgemm", backward[0], flops);
    row("weight + bias gradient, small K", backward[1], flops);
  }
  set_num_threads(2);
}

void pool_and_fc() {
  const int64_t N = 32, C = 256, S = 16;
  manual_seed(4);
  const Tensor features = randn({N, C, S, S});
  nn::Linear fc(C * 4 * 4, 10);
  std::vector<float> pooled(N * C * 16);
  const double fc_flops = 2.0 * N * C * 16 * 10;
  std::printf("pool + fc: adaptive_avg_pool2d [32, 256, 16, 16] -> 4x4, then linear 4096 -> 10\n");
  const std::vector<double> pool = best_of_alternating(
      {[&] {
         adaptive_avg_pool2d_forward_naive(N * C, S, S, 4, 4, features.data(), pooled.data());
       },
       [&] { adaptive_avg_pool2d_forward(N * C, S, S, 4, 4, features.data(), pooled.data()); }},
      21);
  const double bytes = double(features.numel()) * sizeof(float);
  std::printf("  %-44s %8.3f ms  %7.1f GB/s read\n", "pool kernel, naive loops", pool[0] * 1e3,
              bytes / pool[0] * 1e-9);
  std::printf("  %-44s %8.3f ms  %7.1f GB/s read\n", "pool kernel, fast", pool[1] * 1e3,
              bytes / pool[1] * 1e-9);
  NoGradGuard no_grad;
  const Tensor flat = adaptive_avg_pool2d(features, 4, 4).reshape({N, -1});
  const std::vector<double> ops =
      best_of_alternating({[&] { adaptive_avg_pool2d(features, 4, 4); }, [&] { fc(flat); },
                           [&] {
                             fc(adaptive_avg_pool2d(features, 4, 4).reshape({N, -1}));
                           }},
                          21);
  std::printf("  %-44s %8.3f ms\n", "adaptive_avg_pool2d op", ops[0] * 1e3);
  row("fc (linear 4096 -> 10)", ops[1], fc_flops);
  row("pool + fc, as attention_net's stage", ops[2], fc_flops);
}

}  // namespace

int main() {
  set_num_threads(2);
  double load[3] = {0, 0, 0};
  if (getloadavg(load, 3) < 1) load[0] = -1;
  std::printf("small and odd layers; best of %d alternating medians; load average %.2f\n\n",
              kRounds, load[0]);
  first_conv();
  std::printf("\n");
  pool_and_fc();
  return 0;
}
