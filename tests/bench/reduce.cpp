// tests/bench/reduce.cpp: how fast are the reductions and the copying shape ops?
//
// These ops do one addition (or none) per float they read, so they are bound
// by memory, not arithmetic: the figure of merit is GB/s of input read (plus
// output written, for the copies). For scale, the first line is a naive
// single-accumulator loop over the same buffer (one long dependency chain).
// Shapes: the 4M-float tensors are 16 MB, larger than the caches; the
// attention-shaped transpose is (B, T, H, D) = (32, 64, 4, 32) -> (B, H, T, D).
#include <cstdio>
#include <vector>

#include "core/autograd.h"
#include "core/kernels/parallel.h"
#include "core/ops/reduce.h"
#include "core/ops/shape.h"
#include "tests/bench/timing.h"

namespace {

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
  row("naive loop: one running sum over 4M floats", 1, big,
      bench::median_seconds_batched(
          [&] {
            float total = 0.0f;
            for (int64_t i = 0, n = wide.numel(); i < n; ++i) total += p[i];
            sink = total;
          },
          7));
  for (int threads : {1, 2}) {
    ag::set_num_threads(threads);
    row("sum() of [1024, 4096]", threads, big,
        bench::median_seconds_batched([&] { sink = ag::sum(wide).item(); }, 7));
    row("sum(dim -1) of [1024, 4096]", threads, big,
        bench::median_seconds_batched([&] { ag::sum(wide, -1); }, 7));
    row("mean(dim -1) of [1024, 4096]", threads, big,
        bench::median_seconds_batched([&] { ag::mean(wide, -1); }, 7));
    row("sum(dim 0) of [4096, 1024]", threads, big,
        bench::median_seconds_batched([&] { ag::sum(tall, 0); }, 7));
    row("mean(dim 0) of [4096, 1024]", threads, big,
        bench::median_seconds_batched([&] { ag::mean(tall, 0); }, 7));
    row("max(dim -1) of [1024, 4096]", threads, big,
        bench::median_seconds_batched([&] { ag::max(wide, -1); }, 7));
    row("var(dim -1) of [1024, 4096]", threads, big,
        bench::median_seconds_batched([&] { ag::var(wide, int64_t{-1}); }, 7));
    row("transpose(0, 1) of [1024, 1024] (copy)", threads, 2.0 * 4 * square.numel(),
        bench::median_seconds_batched([&] { ag::transpose(square, 0, 1); }, 7));
    row("transpose(1, 2) of [32, 64, 4, 32] (copy)", threads, 2.0 * 4 * heads.numel(),
        bench::median_seconds_batched([&] { ag::transpose(heads, 1, 2); }, 7));
    row("cat of two [512, 4096] along dim 1", threads, 2.0 * big,
        bench::median_seconds_batched(
            [&] {
              ag::cat({half, half}, 1);
            },
            7));
  }
  (void)sink;
  return 0;
}
