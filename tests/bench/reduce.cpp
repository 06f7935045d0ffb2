// tests/bench/reduce.cpp: how fast are the reductions and the copying shape ops?
//
// These ops do one addition (or none) per float they read, so they are bound
// by memory, not arithmetic: the figure of merit is GB/s of input read (plus
// output written, for the copies). For scale, the first line is a naive
// single-accumulator loop over the same buffer (one long dependency chain).
// Shapes: the 4M-float tensors are 16 MB, larger than the caches; the
// attention-shaped transpose is (B, T, H, D) = (32, 64, 4, 32) -> (B, H, T, D).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <vector>

#include "core/autograd.h"
#include "core/kernels/parallel.h"
#include "core/ops/reduce.h"
#include "core/ops/shape.h"

namespace {

using Clock = std::chrono::steady_clock;

// Median seconds per call over several runs of >= 20 ms each.
template <class Call>
double median_seconds(Call call) {
  call();  // warm-up: page faults, thread start
  int calls = 1;
  for (;;) {
    auto start = Clock::now();
    for (int i = 0; i < calls; ++i) call();
    if (std::chrono::duration<double>(Clock::now() - start).count() > 0.02 || calls >= (1 << 20)) break;
    calls *= 2;
  }
  std::vector<double> times;
  for (int r = 0; r < 7; ++r) {
    auto start = Clock::now();
    for (int i = 0; i < calls; ++i) call();
    times.push_back(std::chrono::duration<double>(Clock::now() - start).count() / calls);
  }
  std::sort(times.begin(), times.end());
  return times[times.size() / 2];
}

void row(const char* what, int threads, double bytes, double seconds) {
  std::printf("%-44s %7d %10.3f %9.1f\n", what, threads, seconds * 1e3, bytes / seconds * 1e-9);
}

}  // namespace

int main() {
  ag::NoGradGuard no_grad;  // forward only: no graph bookkeeping in the timings
  ag::manual_seed(0);
  const ag::Tensor wide = ag::randn({1024, 4096});  // sum over the last dim: 1024 rows of 4096
  const ag::Tensor tall = ag::randn({4096, 1024});  // sum over dim 0: 4096 rows into one of 1024
  const ag::Tensor square = ag::randn({1024, 1024});
  const ag::Tensor heads = ag::randn({32, 64, 4, 32});
  const ag::Tensor half = ag::randn({512, 4096});  // cat output 16 MB (see the note in main)
  const double big = 4.0 * wide.numel();

  std::printf("%-44s %7s %10s %9s\n", "op", "threads", "ms", "GB/s");
  volatile float sink = 0.0f;
  const float* p = wide.data();
  row("naive loop: one running sum over 4M floats", 1, big, median_seconds([&] {
        float total = 0.0f;
        for (int64_t i = 0, n = wide.numel(); i < n; ++i) total += p[i];
        sink = total;
      }));
  for (int threads : {1, 2}) {
    ag::set_num_threads(threads);
    row("sum() of [1024, 4096]", threads, big, median_seconds([&] { sink = ag::sum(wide).item(); }));
    row("sum(dim -1) of [1024, 4096]", threads, big, median_seconds([&] { ag::sum(wide, -1); }));
    row("mean(dim -1) of [1024, 4096]", threads, big, median_seconds([&] { ag::mean(wide, -1); }));
    row("sum(dim 0) of [4096, 1024]", threads, big, median_seconds([&] { ag::sum(tall, 0); }));
    row("mean(dim 0) of [4096, 1024]", threads, big, median_seconds([&] { ag::mean(tall, 0); }));
    row("max(dim -1) of [1024, 4096]", threads, big, median_seconds([&] { ag::max(wide, -1); }));
    row("var(dim -1) of [1024, 4096]", threads, big, median_seconds([&] { ag::var(wide, int64_t{-1}); }));
    row("transpose(0, 1) of [1024, 1024] (copy)", threads, 2.0 * 4 * square.numel(),
        median_seconds([&] { ag::transpose(square, 0, 1); }));
    row("transpose(1, 2) of [32, 64, 4, 32] (copy)", threads, 2.0 * 4 * heads.numel(),
        median_seconds([&] { ag::transpose(heads, 1, 2); }));
    row("cat of two [512, 4096] along dim 1", threads, 2.0 * big,
        median_seconds([&] { ag::cat({half, half}, 1); }));
  }
  (void)sink;
  return 0;
}
