// core/kernels/softmax.cpp: the fast softmax and log_softmax (see softmax.h).
//
// Over the last dimension (inner = 1) each row is contiguous: threads take
// whole rows, and e^x runs on 16 lanes at once. A middle dimension (inner > 1)
// reads its columns with a stride; it runs the reference loops, threaded over
// outer. Backward is the reference loops, threaded over outer.
#include "core/kernels/softmax.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "core/kernels/parallel.h"
#include "core/kernels/simd.h"
#include "core/reference/softmax_naive.h"

namespace ag {

float ExpSum::log_sum_exp() const { return max + std::log(sum); }

ExpSum exp_sum(const float* x, int64_t n, int64_t stride) {
  float m = -std::numeric_limits<float>::infinity();
  for (int64_t k = 0; k < n; ++k) m = std::max(m, x[k * stride]);
  float sum = 0.0f;
  for (int64_t k = 0; k < n; ++k) sum += std::exp(x[k * stride] - m);
  return {m, sum};
}

namespace {

// The fast path works on 16 floats at a time (one AVX-512 register) through
// the GCC/Clang vector extension, as core/kernels/gemm.cpp does: `a * b + c`
// on a vfloat is one instruction, and no intrinsics tie us to one CPU.
constexpr int64_t kLanes = 16;
typedef float vfloat __attribute__((vector_size(kLanes * sizeof(float))));
typedef int32_t vint __attribute__((vector_size(kLanes * sizeof(int32_t))));

inline float max_of(float a, float b) { return a > b ? a : b; }
inline vfloat max_of(vfloat a, vfloat b) { return a > b ? a : b; }  // lane by lane
template <class To, class From>
To same_bits(From v) {  // reinterpret float bits as int bits (or back)
  static_assert(sizeof(To) == sizeof(From));
  To out;
  std::memcpy(&out, &v, sizeof out);
  return out;
}

// e^x for x ≤ 0 in plain arithmetic, so it runs on 16 lanes at once
// (std::exp is a library call, one number at a time). Split
//   e^x = 2^n · e^r,   n = round(x / ln 2),   r = x - n·ln 2  in [-0.35, 0.35]
// e^r is a degree-6 Taylor polynomial (error ~1e-7, float's own precision) and
// 2^n is built by writing n + 127 into the float's exponent bits.
// F is float or vfloat, I the matching int32_t or vint.
template <class F, class I>
F exp_nonpositive(F x) {
  // e^-87 ≈ 1.6e-38 is the smallest normal float the bit trick below can
  // build. Below it the answer is 0 (exactly: a masked score, -inf, must get
  // weight 0, not 1e-38). Written as x < lowest so that a NaN stays NaN.
  const F lowest = F{} - 87.0f;
  const F underflows = x < lowest ? F{} + 1.0f : F{};
  x = x < lowest ? lowest : x;
  // Adding 1.5·2^23 rounds x/ln2 to an integer and leaves it in the low
  // mantissa bits of `shifted`: no float-to-int conversion needed.
  const float magic = 12582912.0f;
  const F shifted = x * 1.44269504f + magic;
  const F n = shifted - magic;
  const F r = (x - n * 0.693145751953125f) - n * 1.428606820e-6f;  // ln 2 in two parts
  F p = F{} + 1.0f / 720.0f;
  p = p * r + 1.0f / 120.0f;
  p = p * r + 1.0f / 24.0f;
  p = p * r + 1.0f / 6.0f;
  p = p * r + 0.5f;
  p = p * r + 1.0f;
  p = p * r + 1.0f;
  const I n_int = same_bits<I>(shifted) - 0x4B400000;  // the integer n
  const F result = p * same_bits<F>((n_int + 127) << 23);
  return underflows != 0.0f ? F{} : result;
}

float row_max(const float* x, int64_t n) {
  vfloat lanes = vfloat{} - std::numeric_limits<float>::infinity();
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes) lanes = max_of(lanes, simd::load<vfloat>(x + i));
  float m = -std::numeric_limits<float>::infinity();
  for (int64_t l = 0; l < kLanes; ++l) m = max_of(m, lanes[l]);
  for (; i < n; ++i) m = max_of(m, x[i]);
  return m;
}

// Σ e^(x_i - m); also stores each e^(x_i - m) into y when y is not null.
float row_exp_sum(const float* x, float m, float* y, int64_t n) {
  vfloat lanes = {};  // 16 partial sums: no step waits for the one before
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes) {
    const vfloat e = exp_nonpositive<vfloat, vint>(simd::load<vfloat>(x + i) - m);
    if (y) simd::store(y + i, e);
    lanes += e;
  }
  float sum = 0.0f;
  for (int64_t l = 0; l < kLanes; ++l) sum += lanes[l];
  for (; i < n; ++i) {
    const float e = exp_nonpositive<float, int32_t>(x[i] - m);
    if (y) y[i] = e;
    sum += e;
  }
  return sum;
}

// Threads take whole slabs of outer, about 16K floats each: `run` gets
// the sub-geometry and the offset of its first float.
template <class Fn>
void for_outer_slabs(const SoftmaxGeometry& g, Fn&& run) {
  const int64_t grain = std::max<int64_t>(1, 16384 / std::max<int64_t>(1, g.n * g.inner));
  parallel_for(0, g.outer, grain, [&](int64_t lo, int64_t hi) {
    run(SoftmaxGeometry{hi - lo, g.n, g.inner}, lo * g.n * g.inner);
  });
}

}  // namespace

// Per row: a max pass over x, then one pass that writes e^(x-m) and sums it,
// then a scale of the (cache-hot) output row.
void softmax_forward(const SoftmaxGeometry& g, const float* x, float* y) {
  if (g.inner != 1) {
    for_outer_slabs(
        g, [&](const SoftmaxGeometry& s, int64_t at) { softmax_forward_naive(s, x + at, y + at); });
    return;
  }
  const int64_t n = g.n, grain = std::max<int64_t>(1, 16384 / std::max<int64_t>(1, n));
  parallel_for(0, g.outer, grain, [&](int64_t lo, int64_t hi) {
    for (int64_t r = lo; r < hi; ++r) {
      const float* xr = x + r * n;
      float* yr = y + r * n;
      const float m = row_max(xr, n);
      const float inv_sum = 1.0f / row_exp_sum(xr, m, yr, n);
      for (int64_t i = 0; i < n; ++i) yr[i] *= inv_sum;
    }
  });
}

// Per row: a max pass, a pass that only sums e^(x-m), then y = x - (m + log sum).
void log_softmax_forward(const SoftmaxGeometry& g, const float* x, float* y) {
  if (g.inner != 1) {
    for_outer_slabs(g, [&](const SoftmaxGeometry& s, int64_t at) {
      log_softmax_forward_naive(s, x + at, y + at);
    });
    return;
  }
  const int64_t n = g.n, grain = std::max<int64_t>(1, 16384 / std::max<int64_t>(1, n));
  parallel_for(0, g.outer, grain, [&](int64_t lo, int64_t hi) {
    for (int64_t r = lo; r < hi; ++r) {
      const float* xr = x + r * n;
      float* yr = y + r * n;
      const float m = row_max(xr, n);
      const float offset = m + std::log(row_exp_sum(xr, m, nullptr, n));
      for (int64_t i = 0; i < n; ++i) yr[i] = xr[i] - offset;
    }
  });
}

// formula: see core/reference/softmax_naive.cpp, softmax_backward_naive (called here per slab)
void softmax_backward(const SoftmaxGeometry& g, const float* y, const float* dy, float* dx) {
  // ASSIGNMENT softmax_backward_runner/softmax_backward_kernel: begin
  for_outer_slabs(g, [&](const SoftmaxGeometry& s, int64_t at) {
    softmax_backward_naive(s, y + at, dy + at, dx + at);
  });
  // ASSIGNMENT softmax_backward_runner/softmax_backward_kernel: end
}

// formula: see core/reference/softmax_naive.cpp, log_softmax_backward_naive (called here per slab)
void log_softmax_backward(const SoftmaxGeometry& g, const float* y, const float* dy, float* dx) {
  for_outer_slabs(g, [&](const SoftmaxGeometry& s, int64_t at) {
    log_softmax_backward_naive(s, y + at, dy + at, dx + at);
  });
}

}  // namespace ag
