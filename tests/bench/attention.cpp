// tests/bench/attention.cpp: the two hot ops of attention, through the op layer.
//
// Shape legend: B batch (heads × sequences), T tokens, D head width.
//   scores  = bmm(query [B, T, D], keyᵀ [B, D, T])   -> [B, T, T]
//   weights = softmax(scores, -1)                     -> [B, T, T]
// with B = 32, T = 256, D = 32. Each line: median ms per call on 2 threads,
// GFLOP/s (bmm: 2·B·T·T·D flops) or GB/s (softmax: read + write of B·T·T
// floats), and the same op in Naive mode (AG_KERNELS=naive's loops) for scale.
// Single-precision FMA peak is ~200 GFLOP/s per core on this machine.
// The last lines time the fast ops on 1 thread by the thread's CPU clock, not
// the wall clock: that cost does not change when other programs share the
// cores (wall times on a busy machine can be several times longer).
#include <algorithm>
#include <cstdio>
#include <ctime>
#include <vector>

#include "core/autograd.h"
#include "core/kernels/kernel_mode.h"
#include "core/kernels/parallel.h"
#include "core/ops/matmul.h"
#include "core/ops/softmax.h"
#include "tests/bench/timing.h"

namespace {

// Minimum CPU seconds of this thread per call over a few runs (1 thread only:
// the pool's workers would burn CPU time on another clock).
template <class Call>
double cpu_seconds(Call call) {
  auto now = [] {
    timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return double(t.tv_sec) + double(t.tv_nsec) * 1e-9;
  };
  call();
  double best = 1e30;
  for (int r = 0; r < 20; ++r) {
    const double start = now();
    for (int i = 0; i < 5; ++i) call();
    best = std::min(best, (now() - start) / 5);
  }
  return best;
}

}  // namespace

int main() {
  const int64_t B = 32, T = 256, D = 32;
  const int threads = 2;
  ag::set_num_threads(threads);
  ag::NoGradGuard no_grad;  // time the kernels, not graph recording
  ag::manual_seed(0);
  ag::Tensor query = ag::randn({B, T, D}), key_t = ag::randn({B, D, T});
  ag::Tensor scores = ag::randn({B, T, T});

  std::printf("attention ops, B=%lld T=%lld D=%lld, %d threads\n", static_cast<long long>(B),
              static_cast<long long>(T), static_cast<long long>(D), threads);
  std::printf("%-38s %-6s %10s %12s\n", "op", "kernel", "ms", "rate");

  const double bmm_flops = 2.0 * B * T * T * D;
  for (ag::Kernels mode : {ag::Kernels::Fast, ag::Kernels::Naive}) {
    ag::KernelsGuard guard(mode);
    const int runs = mode == ag::Kernels::Fast ? 15 : 3;
    double s = bench::median_seconds_batched([&] { ag::bmm(query, key_t); }, runs);
    std::printf("%-38s %-6s %10.3f %8.1f GFLOP/s\n", "bmm [32,256,32] x [32,32,256]",
                ag::kernels_name(mode).c_str(), s * 1e3, bmm_flops / s * 1e-9);
  }

  const double softmax_bytes = 2.0 * B * T * T * sizeof(float);  // read x, write y
  for (ag::Kernels mode : {ag::Kernels::Fast, ag::Kernels::Naive}) {
    ag::KernelsGuard guard(mode);
    const int runs = mode == ag::Kernels::Fast ? 15 : 3;
    double s = bench::median_seconds_batched([&] { ag::softmax(scores, -1); }, runs);
    std::printf("%-38s %-6s %10.3f %8.1f GB/s\n", "softmax [32,256,256] dim -1",
                ag::kernels_name(mode).c_str(), s * 1e3, softmax_bytes / s * 1e-9);
  }
  for (ag::Kernels mode : {ag::Kernels::Fast, ag::Kernels::Naive}) {
    ag::KernelsGuard guard(mode);
    const int runs = mode == ag::Kernels::Fast ? 15 : 3;
    double s = bench::median_seconds_batched([&] { ag::log_softmax(scores, -1); }, runs);
    std::printf("%-38s %-6s %10.3f %8.1f GB/s\n", "log_softmax [32,256,256] dim -1",
                ag::kernels_name(mode).c_str(), s * 1e3, softmax_bytes / s * 1e-9);
  }

  ag::set_num_threads(1);
  double s = cpu_seconds([&] { ag::bmm(query, key_t); });
  std::printf("%-38s %-6s %10.3f %8.1f GFLOP/s\n", "bmm, 1 thread, CPU time", "fast", s * 1e3,
              bmm_flops / s * 1e-9);
  s = cpu_seconds([&] { ag::softmax(scores, -1); });
  std::printf("%-38s %-6s %10.3f %8.1f GB/s\n", "softmax, 1 thread, CPU time", "fast", s * 1e3,
              softmax_bytes / s * 1e-9);
  return 0;
}
