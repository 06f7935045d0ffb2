// core/ops/reduce.cpp: sum, mean, max/min, argmax and var, each with its backward.
//
// Shape legend (see core/ops/dim.h): reducing over dimension `dim` views x as
//   x: (O, N, I) -> out: (O, I)      N is the reduced size
// keepdim only changes how out's shape is written ([O.., 1, I..] instead of
// [O.., I..]); the data is the same. Reducing over everything is the special
// case O = 1, N = numel, I = 1, with a 0-d result.
//
// Backward spreads dout back over the reduced dimension:
//   sum:  dx[o,k,i] = dout[o,i]
//   mean: dx[o,k,i] = dout[o,i] / N
//   max:  dx[o,k,i] = dout[o,i] if k is the (first) arg-max of x[o,:,i], else 0
//   max over everything: dout / T to each of the T elements tied at the max (PyTorch 1.13)
//   var:  dx[o,k,i] = dout[o,i] * 2 (x[o,k,i] - mean[o,i]) / (N - correction)
#include "core/ops/reduce.h"

#include <cmath>
#include <limits>

#include "core/autograd.h"
#include "core/kernels/parallel.h"
#include "core/ops/dim.h"

namespace ag {

int64_t wrap_dim(const char* op, int64_t dim, int64_t rank) {
  const int64_t n = std::max<int64_t>(rank, 1);  // a 0-d tensor takes dim 0 or -1
  if (dim < -n || dim >= n)
    fail(op, ": dimension ", dim, " out of range for a tensor of rank ", rank,
         " (expected to be in [", -n, ", ", n - 1, "])");
  return dim < 0 ? dim + n : dim;
}

namespace {

Reduction over_all(const Tensor& x) { return {{1, x.numel(), 1}, {}}; }

// ---------------------------------------------------------------- sum kernels
// Sum of n contiguous floats. Sixteen independent partial sums let the
// compiler fill whole vector registers (one running sum is a single long
// dependency chain it may not reorder), and they round less than one chain.
float sum_contiguous(const float* p, int64_t n) {
  constexpr int kLanes = 16;
  float lanes[kLanes] = {};
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes)
    for (int j = 0; j < kLanes; ++j) lanes[j] += p[i + j];
  float total = 0.0f;
  for (int j = 0; j < kLanes; ++j) total += lanes[j];
  for (; i < n; ++i) total += p[i];
  return total;
}

// out[o, i] = sum_k x[o, k, i] / divisor   (divisor 1 for sum, N for mean).
// Threads split the O*I outputs; each output is always summed in the same
// order, so the result does not depend on the thread count.
void sum_kernel(const float* x, float* out, DimSplit s, float divisor) {
  const int64_t N = s.size, I = s.inner;
  const int64_t grain = std::max<int64_t>(1, (1 << 15) / std::max<int64_t>(N, 1));
  parallel_for(0, s.outer * I, grain, [&](int64_t lo, int64_t hi) {
    for (int64_t o = lo / I; o * I < hi; ++o) {
      const float* src = x + o * N * I;
      float* dst = out + o * I;
      if (I == 1) {  // reducing the last dimension: one contiguous row per output
        dst[0] = sum_contiguous(src, N) / divisor;
        continue;
      }
      // Otherwise add whole rows x[o, k, :] into out[o, :]: contiguous, vectorizes.
      const int64_t i0 = std::max(lo, o * I) - o * I, i1 = std::min(hi, (o + 1) * I) - o * I;
      for (int64_t i = i0; i < i1; ++i) dst[i] = 0.0f;
      for (int64_t k = 0; k < N; ++k) {
        const float* row = src + k * I;
        for (int64_t i = i0; i < i1; ++i) dst[i] += row[i];
      }
      if (divisor != 1.0f)
        for (int64_t i = i0; i < i1; ++i) dst[i] /= divisor;
    }
  });
}

// dx[o, k, i] = dout[o, i] * scale: the gradient of sum (scale 1) and mean (1/N).
Tensor spread(const Tensor& dout, const Shape& input_shape, DimSplit s, float scale) {
  Tensor dx = empty(input_shape);
  const float* g = dout.data();
  float* d = dx.data();
  for (int64_t o = 0; o < s.outer; ++o)
    for (int64_t k = 0; k < s.size; ++k)
      for (int64_t i = 0; i < s.inner; ++i)
        d[(o * s.size + k) * s.inner + i] = g[o * s.inner + i] * scale;
  return dx;
}

}  // namespace

// ---------------------------------------------------------------- sum, mean
struct SumBackward : Node {
  Shape input_shape;
  DimSplit split;
  bool is_mean = false;
  std::string name() const override { return is_mean ? "MeanBackward" : "SumBackward"; }
  std::vector<Tensor> apply(const Tensor& dout) override;
};

static Tensor sum_or_mean(const Tensor& x, const Reduction& r, bool is_mean) {
  Tensor out = empty(r.out_shape);
  // mean of nothing is 0/0 = NaN, as in PyTorch.
  sum_kernel(x.data(), out.data(), r.split, is_mean ? static_cast<float>(r.split.size) : 1.0f);
  if (needs_grad({x})) {
    auto node = std::make_shared<SumBackward>();
    node->input_shape = x.shape();
    node->split = r.split;
    node->is_mean = is_mean;
    attach(out, node, {x});
  }
  return out;
}

std::vector<Tensor> SumBackward::apply(const Tensor& dout) {
  float scale = is_mean ? 1.0f / static_cast<float>(split.size) : 1.0f;
  return {spread(dout, input_shape, split, scale)};
}

Tensor sum(const Tensor& x) { return sum_or_mean(x, over_all(x), false); }
Tensor sum(const Tensor& x, int64_t dim, bool keepdim) {
  return sum_or_mean(x, over_dim("sum", x, dim, keepdim), false);
}
Tensor mean(const Tensor& x) { return sum_or_mean(x, over_all(x), true); }
Tensor mean(const Tensor& x, int64_t dim, bool keepdim) {
  return sum_or_mean(x, over_dim("mean", x, dim, keepdim), true);
}

// ---------------------------------------------------------------- max, min, argmax
// Does v beat the best so far? NaN beats every number (it propagates, as in
// PyTorch); on ties the earlier element stays, so the first arg-max wins.
static bool beats(float v, float best, bool want_max) {
  if (std::isnan(v)) return !std::isnan(best);
  return want_max ? v > best : v < best;
}

// For every output (o, i): the winning value and its index k along N.
static void extreme_kernel(const float* x, DimSplit s, bool want_max, float* value,
                           int64_t* index) {
  const int64_t N = s.size, I = s.inner;
  for (int64_t o = 0; o < s.outer; ++o) {
    const float* src = x + o * N * I;
    float* best = value + o * I;
    int64_t* at = index + o * I;
    if (I == 1) {  // the last dimension: one contiguous row, the winner kept in registers
      float top = src[0];
      int64_t top_k = 0;
      for (int64_t k = 1; k < N; ++k)
        if (beats(src[k], top, want_max)) top = src[k], top_k = k;
      best[0] = top, at[0] = top_k;
      continue;
    }
    for (int64_t i = 0; i < I; ++i) best[i] = src[i], at[i] = 0;
    for (int64_t k = 1; k < N; ++k)  // rows in order keep the reads contiguous
      for (int64_t i = 0; i < I; ++i)
        if (beats(src[k * I + i], best[i], want_max)) best[i] = src[k * I + i], at[i] = k;
  }
}

// dx is zero except at each arg-max, which receives its output's gradient.
struct MaxBackward : Node {
  Shape input_shape;
  DimSplit split;
  std::vector<int64_t> winner;  // k of the arg-max, one per output (o, i)
  bool is_min = false;
  bool split_ties = false;  // over everything: winner lists every tied element
  std::string name() const override { return is_min ? "MinBackward" : "MaxBackward"; }
  std::vector<Tensor> apply(const Tensor& dout) override;
};

static void check_not_empty(const char* op, const Tensor& x, const Reduction& r, bool all) {
  if (r.split.size > 0) return;
  if (all)
    fail(op, ": cannot reduce an empty tensor of shape ", x.shape(), " (it has no ", op, ")");
  fail(op, ": cannot reduce over a dimension of size 0 (input shape ", x.shape(), ")");
}

static Tensor extreme(const char* op, const Tensor& x, const Reduction& r, bool all,
                      bool want_max) {
  check_not_empty(op, x, r, all);
  Tensor out = empty(r.out_shape);
  std::vector<int64_t> winner(out.numel());
  extreme_kernel(x.data(), r.split, want_max, out.data(), winner.data());
  if (needs_grad({x})) {
    auto node = std::make_shared<MaxBackward>();
    node->input_shape = x.shape();
    node->split = r.split;
    node->winner = std::move(winner);
    node->is_min = !want_max;
    if (all) {  // PyTorch 1.13 splits the gradient of max() evenly among its ties (NaN ties NaN)
      const float top = out.data()[0];
      node->winner.clear();
      for (int64_t k = 0, n = x.numel(); k < n; ++k)
        if (x.data()[k] == top || (std::isnan(x.data()[k]) && std::isnan(top)))
          node->winner.push_back(k);
      node->split_ties = true;
    }
    attach(out, node, {x});
  }
  return out;
}

std::vector<Tensor> MaxBackward::apply(const Tensor& dout) {
  Tensor dx = zeros(input_shape);
  const float* g = dout.data();
  float* d = dx.data();
  if (split_ties) {
    const float share = g[0] / static_cast<float>(winner.size());
    for (int64_t k : winner) d[k] = share;
    return {dx};
  }
  const int64_t N = split.size, I = split.inner;
  for (int64_t o = 0; o < split.outer; ++o)
    for (int64_t i = 0; i < I; ++i) d[(o * N + winner[o * I + i]) * I + i] = g[o * I + i];
  return {dx};
}

Tensor max(const Tensor& x) { return extreme("max", x, over_all(x), true, true); }
Tensor max(const Tensor& x, int64_t dim, bool keepdim) {
  return extreme("max", x, over_dim("max", x, dim, keepdim), false, true);
}
Tensor min(const Tensor& x) { return extreme("min", x, over_all(x), true, false); }
Tensor min(const Tensor& x, int64_t dim, bool keepdim) {
  return extreme("min", x, over_dim("min", x, dim, keepdim), false, false);
}

// An index is a step function of x: its gradient is zero almost everywhere,
// so argmax records no graph at all (as in PyTorch).
Tensor argmax(const Tensor& x, int64_t dim, bool keepdim) {
  Reduction r = over_dim("argmax", x, dim, keepdim);
  check_not_empty("argmax", x, r, false);
  std::vector<float> best(numel_of(r.out_shape));
  std::vector<int64_t> winner(best.size());
  extreme_kernel(x.data(), r.split, true, best.data(), winner.data());
  Tensor out = empty(r.out_shape);
  for (size_t j = 0; j < winner.size(); ++j) out.data()[j] = static_cast<float>(winner[j]);
  return out;
}

// ---------------------------------------------------------------- var
// var = sum_k (x_k - mean)² / (N - correction), correction 1 when unbiased
// (Bessel's correction: the sample mean sits closer to the samples than the
// true mean, so dividing by N would underestimate the spread).
// Accumulated in double: this is the textbook two-pass form, kept exact
// enough that gradcheck can see the small terms.
static std::vector<double> row_means(const float* x, DimSplit s) {
  std::vector<double> means(s.outer * s.inner, 0.0);
  for (int64_t o = 0; o < s.outer; ++o)
    for (int64_t i = 0; i < s.inner; ++i) {
      double total = 0.0;
      for (int64_t k = 0; k < s.size; ++k) total += x[(o * s.size + k) * s.inner + i];
      means[o * s.inner + i] = total / static_cast<double>(s.size);
    }
  return means;
}

// N - correction, never negative: var of too few samples is then 0/0 = NaN, as in PyTorch.
static double var_divisor(DimSplit s, bool unbiased) {
  return std::max<double>(static_cast<double>(s.size) - (unbiased ? 1.0 : 0.0), 0.0);
}

struct VarBackward : Node {
  SavedTensor input;
  DimSplit split;
  bool unbiased = true;
  std::string name() const override { return "VarBackward"; }
  std::vector<Tensor> apply(const Tensor& dout) override;
  void release_saved() override { input.reset(); }
};

static Tensor variance(const Tensor& x, const Reduction& r, bool unbiased) {
  const DimSplit s = r.split;
  std::vector<double> means = row_means(x.data(), s);
  const double divisor = var_divisor(s, unbiased);
  Tensor out = empty(r.out_shape);
  const float* px = x.data();
  for (int64_t o = 0; o < s.outer; ++o)
    for (int64_t i = 0; i < s.inner; ++i) {
      double squares = 0.0;
      for (int64_t k = 0; k < s.size; ++k) {
        const double centered = px[(o * s.size + k) * s.inner + i] - means[o * s.inner + i];
        squares += centered * centered;
      }
      out.data()[o * s.inner + i] = static_cast<float>(squares / divisor);
    }
  if (needs_grad({x})) {
    auto node = std::make_shared<VarBackward>();
    node->input = SavedTensor(x);
    node->split = s;
    node->unbiased = unbiased;
    attach(out, node, {x});
  }
  return out;
}

std::vector<Tensor> VarBackward::apply(const Tensor& dout) {
  Tensor x = input.unpack(*this);
  std::vector<double> means = row_means(x.data(), split);
  const double divisor = var_divisor(split, unbiased);
  Tensor dx = empty(x.shape());
  const float *g = dout.data(), *px = x.data();
  float* d = dx.data();
  const int64_t N = split.size, I = split.inner;
  for (int64_t o = 0; o < split.outer; ++o)
    for (int64_t k = 0; k < N; ++k)
      for (int64_t i = 0; i < I; ++i) {
        const int64_t at = (o * N + k) * I + i;
        d[at] = static_cast<float>(g[o * I + i] * 2.0 * (px[at] - means[o * I + i]) / divisor);
      }
  return {dx};
}

Tensor var(const Tensor& x, bool unbiased) { return variance(x, over_all(x), unbiased); }
Tensor var(const Tensor& x, int64_t dim, bool unbiased, bool keepdim) {
  return variance(x, over_dim("var", x, dim, keepdim), unbiased);
}

}  // namespace ag
