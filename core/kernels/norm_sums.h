// core/kernels/norm_sums.h: the per-channel sums batch norm's fast kernels
// share: core/kernels/norm.cpp (batch_norm) and core/kernels/norm_relu.cpp
// (batch_norm_relu), so the two compute bit-identical statistics. Internal to
// core/kernels/.
//
// Shape legend (as norm.h): N batch, C channels, S spatial positions,
// M = N*S values per channel.
#pragma once

#include <algorithm>
#include <cstdint>
#include <utility>

#include "core/kernels/norm.h"

namespace ag {

// Two running sums over a run of values, Σ f(i) and Σ g(i), in double, the
// way the hardware likes them: 8 double lanes side by side (one AVX-512
// register each), so no addition waits for the one before. A single chain
// (total += v, one value after another) cannot be vectorized, since it fixes
// the order of the additions, and took 4 cycles a value: more than reading
// the memory. Each lane is a double sum, as the single chain was, so the
// precision is the same (float lanes were tried: they overflow past |x| ~ 1e19
// and cancel when a channel's first value is far from its mean).
template <class TermsAt>
void add_sums(int64_t n, const TermsAt& terms_at, double& total_a, double& total_b) {
  constexpr int kLanes = 8;
  double a[kLanes] = {}, b[kLanes] = {};
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes)
    for (int l = 0; l < kLanes; ++l) {
      const auto [ta, tb] = terms_at(i + l);
      a[l] += ta;
      b[l] += tb;
    }
  for (; i < n; ++i) {
    const auto [ta, tb] = terms_at(i);
    a[0] += ta;
    b[0] += tb;
  }
  for (int l = 0; l < kLanes; ++l) total_a += a[l], total_b += b[l];
}

// Mean and biased variance of one channel (N runs of S values, C*S apart).
// One pass with sums shifted by the channel's first value: the textbook
// E[x^2] - E[x]^2 cancels catastrophically when |mean| >> std, the shifted
// form does not (it is exact for a constant channel).
inline void channel_stats(const BatchNormShape& s, const float* x, int64_t c, float* mean,
                          float* var) {
  const double shift = x[c * s.S];
  double sum = 0.0, sum_sq = 0.0;
  for (int64_t n = 0; n < s.N; ++n) {
    const float* run = x + (n * s.C + c) * s.S;
    add_sums(
        s.S,
        [&](int64_t i) {
          const double d = run[i] - shift;
          return std::pair<double, double>{d, d * d};
        },
        sum, sum_sq);
  }
  const double M = double(s.count());
  const double mean_shifted = sum / M;
  *mean = float(shift + mean_shifted);
  *var = float(std::max(0.0, sum_sq / M - mean_shifted * mean_shifted));
}

// Channels per chunk of parallel_for: enough values that a thread is worth waking.
inline int64_t channel_grain(const BatchNormShape& s) {
  return std::max<int64_t>(1, 16384 / std::max<int64_t>(1, s.count()));
}

}  // namespace ag
