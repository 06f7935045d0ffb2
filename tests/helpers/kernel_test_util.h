// tests/helpers/kernel_test_util.h: small helpers for the raw-kernel suites
// (test_conv_kernels, test_conv_transpose_kernels, test_gemm,
// test_norm_kernels, test_pool_kernels).
//
// They work on plain std::vector<float>, so the kernel tests need nothing of
// the Tensor library: a kernel is checked against its naive twin directly.
// (ThreadCount needs only the thread pool's header.)
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "core/kernels/parallel.h"

namespace ag_test {

// Sets the thread count for a scope and restores the previous one after, so
// a failing CHECK cannot leave the other suites on the wrong count.
struct ThreadCount {
  int saved = ag::get_num_threads();
  explicit ThreadCount(int n) { ag::set_num_threads(n); }
  ~ThreadCount() { ag::set_num_threads(saved); }
};

// Deterministic values in [-1, 1) from a 64-bit LCG (Knuth's MMIX constants):
// the same data with every compiler, independent of the library's generator.
inline std::vector<float> random_values(int64_t count, uint64_t seed) {
  std::vector<float> values(static_cast<size_t>(count));
  uint64_t state = seed * 2654435761u + 1442695040888963407ull;
  for (float& v : values) {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    v = static_cast<float>((state >> 40) * (1.0 / 16777216.0)) * 2.0f - 1.0f;  // 24 bits
  }
  return values;
}

// Test shapes drawn from the same LCG: draw(lo, hi) is uniform in [lo, hi],
// one fixed sequence per starting state on every machine.
struct ShapeDraw {
  uint64_t state;
  int64_t operator()(int64_t lo, int64_t hi) {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    return lo + static_cast<int64_t>((state >> 33) % static_cast<uint64_t>(hi - lo + 1));
  }
};

// The largest |a - b| / (1 + |b|): an absolute error for small values, a
// relative one for large sums. Sizes must match (else returns infinity).
inline double max_error(const std::vector<float>& a, const std::vector<float>& b) {
  if (a.size() != b.size()) return INFINITY;
  double worst = 0.0;
  for (size_t i = 0; i < a.size(); ++i) {
    double diff = std::fabs(double(a[i]) - double(b[i])) / (1.0 + std::fabs(double(b[i])));
    if (std::isnan(diff)) return INFINITY;
    worst = std::max(worst, diff);
  }
  return worst;
}

}  // namespace ag_test
