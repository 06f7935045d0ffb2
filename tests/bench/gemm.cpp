// tests/bench/gemm.cpp: how fast is sgemm, and where does the time go?
//
// Prints GFLOP/s (2·M·N·K flops per call, median of several timed runs) for
// square matrices on 1 and 2 threads, the naive triple loop for scale, and the
// shapes the network actually runs: conv2d through im2col and the two matmuls
// of attention. Single-precision FMA peak on this machine is ~200 GFLOP/s per
// core, so the square 1-thread line reads directly as a fraction of peak.
#include <cstdint>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "core/kernels/gemm.h"
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

// Times one shape with the fast kernel (or the naive one) at `threads`.
double time_shape(const Shape& s, int threads, bool naive, int runs) {
  ag::set_num_threads(threads);
  int64_t lda = s.trans_a ? s.M : s.K, ldb = s.trans_b ? s.K : s.N;
  std::vector<float> A = random_matrix(s.M * s.K, 1), B = random_matrix(s.K * s.N, 2);
  std::vector<float> C(s.M * s.N, 0.0f);
  auto gemm = naive ? ag::sgemm_naive : ag::sgemm;
  return bench::median_seconds_batched(
      [&] {
        gemm(s.trans_a, s.trans_b, s.M, s.N, s.K, 1.0f, A.data(), lda, B.data(), ldb, 0.0f,
             C.data(), s.N);
      },
      runs);
}

void print_row(const Shape& s, const char* kernel, int threads, double seconds) {
  std::printf("%-34s %-6s %7d %10.3f %10.1f\n", s.name.c_str(), kernel, threads, seconds * 1e3,
              gflops(s, seconds));
}

}  // namespace

int main() {
  std::printf("sgemm: C[M,N] = op(A)[M,K] · op(B)[K,N]; median of 7 timed runs\n\n");
  std::printf("%-34s %-6s %7s %10s %10s\n", "shape", "kernel", "threads", "ms", "GFLOP/s");

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
  };
  for (const Shape& s : network)
    for (int threads : {1, 2}) print_row(s, "fast", threads, time_shape(s, threads, false, 7));
  return 0;
}
