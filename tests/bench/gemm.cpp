// tests/bench/gemm.cpp: how fast is sgemm, and where does the time go?
//
// Prints GFLOP/s (2·M·N·K flops per call, median of several timed runs) for
// square matrices on 1 and 2 threads, the naive triple loop for scale, and the
// shapes the network actually runs: conv2d through im2col and the two matmuls
// of attention. Single-precision FMA peak on this machine is ~200 GFLOP/s per
// core, so the square 1-thread line reads directly as a fraction of peak.
//
// "cpu GFLOP/s" divides the same flops by the CPU time the process spent
// (the fastest of the timed runs, all threads together), so it reads as the
// rate of one busy core, whatever the thread count: on a shared machine another
// program's time slices lengthen the wall clock but not the CPU time, so on
// 1 thread that column is the kernel's own rate. (This VM exposes no cycle
// counters, so `perf stat -e cycles` prints "not supported"; its task-clock
// is the same CPU time.)
//
// Measured that way (sgemm, 1 thread, CPU-time GFLOP/s, best of 5 alternating
// runs of the two builds, load average ~20), before -> after the micro-kernel
// kept its 28 accumulators in registers (gemm_micro_kernel.cpp's header):
//   square 256^3 188 -> 190, 512^3 199 -> 205, 1024^3 166 -> 173,
//   conv 256x256x1152 184 -> 183, attn Q·K^T (K = 32) 162 -> 178,
//   linear dW 202 -> 204, Winograd 256x128x256 178 -> 177, 128x128x64 164 -> 169:
// a tile's fixed cost (memset, 28 stores and reloads) showed where K is short.
#include <time.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "core/kernels/gemm.h"
#include "core/kernels/gemm_packed.h"
#include "core/kernels/parallel.h"
#include "core/reference/gemm_naive.h"
#include "tests/bench/timing.h"

namespace {

struct Shape {
  std::string name;
  bool trans_a, trans_b;
  int64_t M, N, K;
};

std::vector<float> random_matrix(int64_t count, uint32_t seed) {
  std::mt19937 gen(seed);
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  std::vector<float> values(count);
  for (float& v : values) v = dist(gen);
  return values;
}

double gflops(const Shape& s, double seconds) {
  return 2.0 * double(s.M) * double(s.N) * double(s.K) / seconds * 1e-9;
}

double cpu_seconds() {
  timespec t;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return double(t.tv_sec) + 1e-9 * double(t.tv_nsec);
}

// The smallest CPU time per call (all threads) of `runs` runs of `calls` calls.
template <class Call>
double cpu_seconds_per_call(Call&& call, int calls, int runs) {
  double best = 1e30;
  for (int r = 0; r < runs; ++r) {
    const double start = cpu_seconds();
    for (int i = 0; i < calls; ++i) call();
    best = std::min(best, (cpu_seconds() - start) / calls);
  }
  return best;
}

struct Timing {
  double wall, cpu;  // seconds per call: median wall clock, CPU time of all threads
};

// Times one shape with the fast kernel (or the naive one) at `threads`.
Timing time_shape(const Shape& s, int threads, bool naive, int runs) {
  ag::set_num_threads(threads);
  int64_t lda = s.trans_a ? s.M : s.K, ldb = s.trans_b ? s.K : s.N;
  std::vector<float> A = random_matrix(s.M * s.K, 1), B = random_matrix(s.K * s.N, 2);
  std::vector<float> C(s.M * s.N, 0.0f);
  auto gemm = naive ? ag::sgemm_naive : ag::sgemm;
  auto call = [&] {
    gemm(s.trans_a, s.trans_b, s.M, s.N, s.K, 1.0f, A.data(), lda, B.data(), ldb, 0.0f, C.data(),
         s.N);
  };
  const double wall = bench::median_seconds_batched(call, runs);
  const int calls = std::max(1, int(0.02 / wall));  // runs of ~20 ms
  return {wall, cpu_seconds_per_call(call, calls, runs)};
}

// conv's product with the epilogue (+ bias, + residual, ReLU: the eval fused
// conv) against the same product followed by the three passes over C.
Timing time_epilogue(const Shape& s, bool fused, int runs) {
  ag::set_num_threads(1);
  const std::vector<float> A = random_matrix(s.M * s.K, 1), B = random_matrix(s.K * s.N, 2);
  const std::vector<float> bias = random_matrix(s.M, 3), residual = random_matrix(s.M * s.N, 4);
  std::vector<float> C(s.M * s.N, 0.0f);
  const ag::PackedA packed(false, s.M, s.K, A.data(), s.K);
  const ag::GemmRows rows = ag::matrix_rows(B.data(), s.N);
  auto call = [&] {
    if (fused) {
      ag::sgemm_packed(packed, s.N, 1.0f, rows, 0.0f, C.data(), s.N,
                       ag::Epilogue{bias.data(), residual.data(), s.N, true});
      return;
    }
    ag::sgemm_packed(packed, s.N, 1.0f, rows, 0.0f, C.data(), s.N);
    for (int64_t i = 0; i < s.M; ++i)
      for (int64_t j = 0; j < s.N; ++j) C[i * s.N + j] += bias[i];
    for (int64_t e = 0; e < s.M * s.N; ++e) C[e] += residual[e];
    for (float& c : C) c = std::max(c, 0.0f);
  };
  const double wall = bench::median_seconds_batched(call, runs);
  return {wall, cpu_seconds_per_call(call, std::max(1, int(0.02 / wall)), runs)};
}

void print_row(const Shape& s, const char* kernel, int threads, Timing t) {
  std::printf("%-34s %-8s %7d %10.3f %10.1f %10.1f\n", s.name.c_str(), kernel, threads,
              t.wall * 1e3, gflops(s, t.wall), gflops(s, t.cpu));
}

}  // namespace

int main() {
  std::printf("sgemm: C[M,N] = op(A)[M,K] · op(B)[K,N]; median of 7 timed runs\n\n");
  std::printf("%-34s %-8s %7s %10s %10s %10s\n", "shape", "kernel", "threads", "ms", "GFLOP/s",
              "cpu GFLOP/s");

  std::vector<Shape> square;
  for (int64_t n : {256, 512, 1024})
    square.push_back({"square " + std::to_string(n) + "^3", false, false, n, n, n});
  Shape naive256 = square[0];
  print_row(naive256, "naive", 1, time_shape(naive256, 1, true, 3));
  for (const Shape& s : square)
    for (int threads : {1, 2}) print_row(s, "fast", threads, time_shape(s, threads, false, 7));

  std::printf("\nthe network's shapes (one image / one head):\n");
  std::vector<Shape> network = {
      // conv 3x3 over 128 channels on a 16x16 map, via im2col: weight (256, 1152)
      // times columns (1152, 256 positions).
      {"conv im2col W·cols 256x256x1152", false, false, 256, 256, 1152},
      // attention scores Q·Kᵀ: (T=256, d=32) · (d=32, T=256): K is tiny.
      {"attn Q·K^T 256x256x32 (B^T)", false, true, 256, 256, 32},
      // attention output P·V: (256, 256) · (256, d=32): N is tiny.
      {"attn P·V 256x32x256", false, false, 256, 32, 256},
      // the backward of a linear layer: dweight = doutᵀ · x.
      {"linear dW = dout^T·x 256x1152x256", true, false, 256, 1152, 256},
      // one of Winograd's 16 products for 256->256 at 8x8, batch 8: U[ξ] (O, C) ·
      // V[ξ] (C, T tiles): K = C is short, so a tile's entry and exit count.
      {"winograd U·V 256x128x256", false, false, 256, 128, 256},
  };
  for (const Shape& s : network)
    for (int threads : {1, 2}) print_row(s, "fast", threads, time_shape(s, threads, false, 7));

  std::printf("\nthe eval conv's output: + bias, + residual, ReLU (1 thread):\n");
  const Shape conv = network[0];
  print_row(conv, "3 passes", 1, time_epilogue(conv, false, 7));
  print_row(conv, "epilogue", 1, time_epilogue(conv, true, 7));
  return 0;
}
