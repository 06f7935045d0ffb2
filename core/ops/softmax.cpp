// core/ops/softmax.cpp: softmax and log_softmax along one dimension, and their backward.
//
// Shape legend: x is seen as (outer, n, inner) where n is the size of the
// softmax dimension, outer the product of the sizes before it and inner the
// product of the sizes after it. The last dimension is inner = 1: each row of
// n numbers is contiguous, which is the fast path (attention's scores).
//
//   softmax:      y_i = e^(x_i - m) / Σ_j e^(x_j - m)          m = max_j x_j
//   log_softmax:  y_i = x_i - m - log Σ_j e^(x_j - m)
// Subtracting m changes nothing mathematically (it cancels) but keeps every
// exponent ≤ 0, so e^ never overflows: a row of 1000s gives 1/n each, not NaN.
//
// Backward, with a row's sums taken along the softmax dimension:
//   softmax:      dx = y * (dy - Σ dy*y)
//   log_softmax:  dx = dy - e^y * Σ dy
#include "core/ops/softmax.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "core/autograd.h"
#include "core/kernels/kernel_mode.h"
#include "core/kernels/parallel.h"

namespace ag {
namespace {

// The softmax dimension cuts x into (outer, n, inner).
struct Geometry {
  int64_t outer = 1, n = 1, inner = 1;
};

Geometry geometry(const char* op, const Shape& shape, int64_t dim) {
  // A 0-d tensor behaves as one row of one number, as in PyTorch (dim 0 or -1).
  const int64_t rank = std::max<int64_t>(1, static_cast<int64_t>(shape.size()));
  if (dim < -rank || dim >= rank)
    fail(op, ": dim ", dim, " is out of range for a tensor of shape ", shape,
         " (expected a dim in [", -rank, ", ", rank - 1, "])");
  if (dim < 0) dim += rank;
  Geometry g;
  if (shape.empty()) return g;
  for (int64_t d = 0; d < dim; ++d) g.outer *= shape[d];
  g.n = shape[dim];
  for (int64_t d = dim + 1; d < rank; ++d) g.inner *= shape[d];
  return g;
}

// ---------------------------------------------------------------- naive reference
// The textbook loops: for every (o, j) walk the n numbers x[o, :, j] three
// times (max, sum of exponentials, output). Also the path for inner > 1.
void softmax_naive(const float* x, float* y, const Geometry& g, int64_t outer_lo,
                   int64_t outer_hi, bool log) {
  for (int64_t o = outer_lo; o < outer_hi; ++o) {
    for (int64_t j = 0; j < g.inner; ++j) {
      const float* xs = x + o * g.n * g.inner + j;  // xs[k * inner] = x[o, k, j]
      float* ys = y + o * g.n * g.inner + j;
      float m = -std::numeric_limits<float>::infinity();
      for (int64_t k = 0; k < g.n; ++k) m = std::max(m, xs[k * g.inner]);
      float sum = 0.0f;
      for (int64_t k = 0; k < g.n; ++k) sum += std::exp(xs[k * g.inner] - m);
      const float log_sum = std::log(sum);
      for (int64_t k = 0; k < g.n; ++k) {
        const float shifted = xs[k * g.inner] - m;
        ys[k * g.inner] = log ? shifted - log_sum : std::exp(shifted) / sum;
      }
    }
  }
}

// ---------------------------------------------------------------- fast rows
// The fast path works on 16 floats at a time (one AVX-512 register) through
// the GCC/Clang vector extension, as core/kernels/gemm.cpp does: `a * b + c`
// on a vfloat is one instruction, and no intrinsics tie us to one CPU.
constexpr int64_t kLanes = 16;
typedef float vfloat __attribute__((vector_size(kLanes * sizeof(float))));
typedef int32_t vint __attribute__((vector_size(kLanes * sizeof(int32_t))));

inline vfloat load(const float* p) {
  vfloat v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
inline void store(float* p, vfloat v) { std::memcpy(p, &v, sizeof v); }
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
  for (; i + kLanes <= n; i += kLanes) lanes = max_of(lanes, load(x + i));
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
    const vfloat e = exp_nonpositive<vfloat, vint>(load(x + i) - m);
    if (y) store(y + i, e);
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

// Softmax over the last dimension: rows are independent, so threads take
// whole rows. Per row: a max pass over x, then one pass that writes e^(x-m)
// and sums it, then a scale of the (cache-hot) output row.
void softmax_rows_fast(const float* x, float* y, int64_t rows, int64_t n, bool log) {
  const int64_t grain = std::max<int64_t>(1, 16384 / std::max<int64_t>(1, n));
  parallel_for(0, rows, grain, [&](int64_t lo, int64_t hi) {
    for (int64_t r = lo; r < hi; ++r) {
      const float* xr = x + r * n;
      float* yr = y + r * n;
      const float m = row_max(xr, n);
      if (log) {
        const float offset = m + std::log(row_exp_sum(xr, m, nullptr, n));
        for (int64_t i = 0; i < n; ++i) yr[i] = xr[i] - offset;
      } else {
        const float inv_sum = 1.0f / row_exp_sum(xr, m, yr, n);
        for (int64_t i = 0; i < n; ++i) yr[i] *= inv_sum;
      }
    }
  });
}

Tensor softmax_forward(const char* op, const Tensor& x, int64_t dim, bool log) {
  const Geometry g = geometry(op, x.shape(), dim);
  Tensor y = empty(x.shape());
  if (x.numel() == 0) return y;
  if (kernels() == Kernels::Naive) {
    softmax_naive(x.data(), y.data(), g, 0, g.outer, log);
  } else if (g.inner == 1) {
    softmax_rows_fast(x.data(), y.data(), g.outer, g.n, log);
  } else {  // a middle dimension: the reference loops, threaded over outer
    parallel_for(0, g.outer, 1, [&](int64_t lo, int64_t hi) {
      softmax_naive(x.data(), y.data(), g, lo, hi, log);
    });
  }
  return y;
}

// Both backward formulas, one (o, j) column of the softmax dimension at a time.
//   softmax:      dx = y * (dy - Σ dy*y)
//   log_softmax:  dx = dy - e^y * Σ dy
void softmax_backward_range(const float* y, const float* dy, float* dx, const Geometry& g,
                            int64_t outer_lo, int64_t outer_hi, bool log) {
  for (int64_t o = outer_lo; o < outer_hi; ++o) {
    for (int64_t j = 0; j < g.inner; ++j) {
      const int64_t base = o * g.n * g.inner + j, step = g.inner;
      float dot = 0.0f;  // Σ dy*y for softmax, Σ dy for log_softmax
      for (int64_t k = 0; k < g.n; ++k)
        dot += log ? dy[base + k * step] : dy[base + k * step] * y[base + k * step];
      for (int64_t k = 0; k < g.n; ++k) {
        const int64_t i = base + k * step;
        dx[i] = log ? dy[i] - std::exp(y[i]) * dot : y[i] * (dy[i] - dot);
      }
    }
  }
}

Tensor softmax_backward(const Tensor& y, const Tensor& dout, const Geometry& g, bool log) {
  Tensor dx = empty(y.shape());
  if (y.numel() == 0) return dx;
  if (kernels() == Kernels::Naive) {
    softmax_backward_range(y.data(), dout.data(), dx.data(), g, 0, g.outer, log);
  } else {
    const int64_t grain = std::max<int64_t>(1, 16384 / std::max<int64_t>(1, g.n * g.inner));
    parallel_for(0, g.outer, grain, [&](int64_t lo, int64_t hi) {
      softmax_backward_range(y.data(), dout.data(), dx.data(), g, lo, hi, log);
    });
  }
  return dx;
}

}  // namespace

// ---------------------------------------------------------------- softmax
// dx = y * (dy - Σ dy*y): the Jacobian ∂y_i/∂x_j = y_i (δ_ij - y_j) applied to dy.
struct SoftmaxBackward : Node {
  SavedTensor y;  // the output: the formula needs nothing else
  Geometry g;
  std::string name() const override { return "SoftmaxBackward"; }
  std::vector<Tensor> apply(const Tensor& dout) override {
    return {softmax_backward(y.unpack(*this), dout, g, false)};
  }
  void release_saved() override { y.reset(); }
};

Tensor softmax(const Tensor& x, int64_t dim) {
  Tensor y = softmax_forward("softmax", x, dim, false);
  if (needs_grad({x})) {
    auto node = std::make_shared<SoftmaxBackward>();
    node->y = SavedTensor(y);
    node->g = geometry("softmax", x.shape(), dim);
    attach(y, node, {x});
  }
  return y;
}

// ---------------------------------------------------------------- log_softmax
// dx = dy - e^y * Σ dy: ∂y_i/∂x_j = δ_ij - softmax_j, and softmax = e^y.
struct LogSoftmaxBackward : Node {
  SavedTensor y;
  Geometry g;
  std::string name() const override { return "LogSoftmaxBackward"; }
  std::vector<Tensor> apply(const Tensor& dout) override {
    return {softmax_backward(y.unpack(*this), dout, g, true)};
  }
  void release_saved() override { y.reset(); }
};

Tensor log_softmax(const Tensor& x, int64_t dim) {
  Tensor y = softmax_forward("log_softmax", x, dim, true);
  if (needs_grad({x})) {
    auto node = std::make_shared<LogSoftmaxBackward>();
    node->y = SavedTensor(y);
    node->g = geometry("log_softmax", x.shape(), dim);
    attach(y, node, {x});
  }
  return y;
}

}  // namespace ag
