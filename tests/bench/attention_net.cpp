// tests/bench/attention_net.cpp: how fast is the document's network?
//
// Batch 32 of 3×16×16 images, 2 threads (AG_NUM_THREADS or the machine's 2
// cores). Prints the median time of
//   - a forward pass in eval mode without a graph (inference),
//   - a forward pass in training mode, recording the graph,
//   - a training step: zero_grad, forward, cross-entropy, backward, SGD step,
// as ms per batch and images per second, then what one training step asks of
// the caching allocator, the same calls with AG_ALLOCATOR=system (every
// buffer from the C library), then where the forward time goes,
// stage by stage, with the GFLOP/s of each (multiply-adds counted as 2 flops
// from the layer shapes).
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>
#include <vector>

#include "core/ag.h"
#include "nn/nn.h"
#include "optim/optimizer.h"
#include "tests/bench/timing.h"

using namespace ag;
using namespace ag::nn;
using ag::optim::SGD;
using ag::optim::SGDOptions;

namespace {

// Flops of a 'same'-padded conv on an H×W map: 2 · N·H·W · O · C·k·k.
double conv_flops(int64_t N, int64_t HW, int64_t C, int64_t O, int64_t k) {
  return 2.0 * N * HW * O * C * k * k;
}

}  // namespace

int main() {
  const int64_t N = 32, S = 16, HW = S * S;
  if (get_num_threads() > 2) set_num_threads(2);
  manual_seed(0);
  AttentionNet net;
  Tensor x = randn({N, 3, S, S});
  Tensor targets = empty({N});
  for (int64_t i = 0; i < N; ++i) targets.data()[i] = float(i % 10);
  SGDOptions sgd_options;
  sgd_options.lr = 0.01f;
  sgd_options.momentum = 0.9f;
  SGD sgd(net.parameters(), sgd_options);

  std::printf("AttentionNet, batch %lld of 3x%lldx%lld, %d threads, %lld parameters\n",
              (long long)N, (long long)S, (long long)S, get_num_threads(),
              (long long)net.num_parameters());

  auto infer_once = [&] {
    NoGradGuard no_grad;
    net(x);
  };
  auto train_step = [&] {
    sgd.zero_grad();
    cross_entropy(net(x), targets).backward();
    sgd.step();
  };
  set_allocator_mode(AllocatorMode::Caching);
  net.eval();
  double infer = bench::median_seconds(infer_once, 7);
  net.train();
  double forward = bench::median_seconds([&] { net(x); }, 7);
  double step = bench::median_seconds(train_step, 7);
  auto line = [&](const char* what, double seconds) {
    std::printf("  %-38s %8.1f ms   %7.0f img/s\n", what, seconds * 1e3, N / seconds);
  };
  line("forward, eval, no graph", infer);
  line("forward, training (graph recorded)", forward);
  line("training step (fwd+bwd+SGD)", step);

  // Eval fusion (nn/fold_batch_norm.h) on and off, alternating rounds in the
  // same minutes, the best round's median of each: AG_FUSE=0 runs conv, bn,
  // add and relu as separate passes.
  net.eval();
  double fused_best = 1e30, unfused_best = 1e30;
  for (int round = 0; round < 5; ++round) {
    ::setenv("AG_FUSE", "0", 1);
    unfused_best = std::min(unfused_best, bench::median_seconds(infer_once, 3));
    ::setenv("AG_FUSE", "1", 1);
    fused_best = std::min(fused_best, bench::median_seconds(infer_once, 3));
  }
  ::unsetenv("AG_FUSE");
  line("forward, eval, fused (best of 5)", fused_best);
  line("forward, eval, AG_FUSE=0 (best of 5)", unfused_best);

  // What one training step asks of the caching allocator (core/allocator.h):
  // after the warm-up steps above, nearly every block should be a cache hit.
  const MemoryStats before = memory_stats();
  reset_peak_memory_stats();
  train_step();
  const MemoryStats after = memory_stats();
  const double MiB = 1024.0 * 1024.0;
  std::printf(
      "  allocator, one training step: %lld allocations (%lld cache hits), %.1f MiB handed out,\n"
      "    peak in use %.1f MiB, %.1f MiB cached after the step\n",
      (long long)(after.allocations - before.allocations),
      (long long)(after.cache_hits - before.cache_hits),
      (after.bytes_allocated - before.bytes_allocated) / MiB, after.peak_bytes_in_use / MiB,
      after.bytes_cached / MiB);

  // The same with every block from the C library (AG_ALLOCATOR=system): the
  // cost of page faults and zeroing that the cache saves.
  set_allocator_mode(AllocatorMode::System);
  net.eval();
  double infer_system = bench::median_seconds(infer_once, 7);
  net.train();
  double step_system = bench::median_seconds(train_step, 7);
  set_allocator_mode(AllocatorMode::Caching);
  line("forward, eval, AG_ALLOCATOR=system", infer_system);
  line("training step, AG_ALLOCATOR=system", step_system);

  // Stage by stage, in eval mode without a graph: the cost of each block.
  net.eval();
  NoGradGuard no_grad;
  Tensor a0 = x, a1 = net.conv1(a0), a2 = net.res1(a1), a3 = net.res2(a2), a4 = net.attention(a3);
  struct Stage {
    const char* name;
    std::function<void()> run;
    double flops;
  };
  const double attention_flops = 2 * conv_flops(N, HW, 256, 32, 1) +
                                 conv_flops(N, HW, 256, 256, 1) + 2.0 * N * HW * HW * 32 +
                                 2.0 * N * HW * HW * 256;  // energy, then attended
  std::vector<Stage> stages = {
      {"conv1 (ConvBlock 3->64)", [&] { net.conv1(a0); }, conv_flops(N, HW, 3, 64, 3)},
      {"res1 (ResBlock 64->128)", [&] { net.res1(a1); },
       conv_flops(N, HW, 64, 128, 3) + conv_flops(N, HW, 128, 128, 3) +
           conv_flops(N, HW, 64, 128, 1)},
      {"res2 (ResBlock 128->256)", [&] { net.res2(a2); },
       conv_flops(N, HW, 128, 256, 3) + conv_flops(N, HW, 256, 256, 3) +
           conv_flops(N, HW, 128, 256, 1)},
      {"attention (SelfAttention 256)", [&] { net.attention(a3); }, attention_flops},
      {"pool + fc",
       [&] {
         net.fc(adaptive_avg_pool2d(a4, 4, 4).reshape({N, -1}));
       },
       2.0 * N * 4096 * 10},
  };
  std::printf("  forward by stage (eval, no graph):\n");
  double total_flops = 0;
  for (auto& s : stages) {
    double t = bench::median_seconds(s.run, 5);
    total_flops += s.flops;
    std::printf("    %-32s %8.2f ms   %6.1f GFLOP/s\n", s.name, t * 1e3, s.flops / t * 1e-9);
  }
  std::printf("  whole forward: %.2f GFLOP per batch, %.1f GFLOP/s\n", total_flops * 1e-9,
              total_flops / infer * 1e-9);
  return 0;
}
