// core/ops/reduce_dims.cpp: sum, mean, std and norm over several dimensions
// at once, each forward then backward (declared in core/ops/reduce_dims.h).
//
// Shape legend: x: (d_0, ..., d_{r-1}); R = the reduced dimensions, N = the
// number of elements each output sums (Π of d_k for k in R).
//   keep shape: x's shape with every reduced d_k set to 1; out has it with
//   keepdim, else the same numbers without those dimensions.
// x[i] belongs to output j = i with its R coordinates zeroed, which is the
// keep shape broadcast to x: every loop here walks x once with
// for_each_broadcast and adds x[i] into out[j]. Backward is the reverse:
// dx[i] = dout[j] · (∂out[j]/∂x[i]).
//   sum:  ∂ = 1            mean: ∂ = 1/N
//   std:  ∂ = (x[i] - mean[j]) / ((N - correction)·std[j])    (0 where std[j] = 0)
//   norm: ∂ = sgn(x[i])·|x[i]|^(p-1) / norm[j]^(p-1)          (0 where norm[j] = 0)
//         p = inf: ∂ = sgn(x[i]) / ties[j] where |x[i]| = norm[j], else 0
#include <cmath>

#include "core/autograd.h"
#include "core/ops/broadcast.h"
#include "core/ops/dim.h"
#include "core/ops/elementwise.h"
#include "core/ops/reduce_dims.h"
#include "core/ops/shape.h"

namespace ag {

namespace {

struct DimsPlan {
  Shape keep_shape, out_shape;
  int64_t count = 1;  // N
};

DimsPlan plan_dims(const char* op, const Tensor& x, const std::vector<int64_t>& dims,
                   bool keepdim) {
  const Shape& shape = x.shape();
  std::vector<bool> reduced(std::max<size_t>(shape.size(), 1),
                            dims.empty());  // {} = every dimension
  for (int64_t dim : dims) {
    const int64_t d = wrap_dim(op, dim, shape);
    if (reduced[d]) fail(op, ": dim ", d, " appears more than once in dims ", Shape(dims));
    reduced[d] = true;
  }
  DimsPlan plan{shape, {}, 1};
  for (size_t d = 0; d < shape.size(); ++d) {
    if (!reduced[d]) {
      plan.out_shape.push_back(shape[d]);
      continue;
    }
    plan.count *= shape[d];
    plan.keep_shape[d] = 1;
    if (keepdim) plan.out_shape.push_back(1);
  }
  return plan;
}

// fn(i, j) for every element i of x, j its output in the keep shape.
template <class Fn>
void for_each_reduced(const Shape& x_shape, const Shape& keep_shape, Fn fn) {
  for_each_broadcast(x_shape, x_shape, keep_shape,
                     [&](int64_t i, int64_t, int64_t j) { fn(i, j); });
}

// Σ over each output's N elements of f(x[i]), in double.
template <class F>
std::vector<double> reduce_sum(const Tensor& x, const DimsPlan& plan, F f) {
  std::vector<double> acc(numel_of(plan.keep_shape), 0.0);
  const float* px = x.data();
  for_each_reduced(x.shape(), plan.keep_shape, [&](int64_t i, int64_t j) { acc[j] += f(px[i]); });
  return acc;
}

Tensor to_tensor(const std::vector<double>& values, const Shape& shape) {
  Tensor out = empty(shape);
  for (size_t j = 0; j < values.size(); ++j) out.data()[j] = static_cast<float>(values[j]);
  return out;
}

}  // namespace

// ---------------------------------------------------------------- sum, mean over dims
// dx = dout (read in the keep shape, expanded back to x's shape) · scale
struct SumDimsBackward : Node {
  Shape input_shape, keep_shape;
  float scale = 1.0f;  // 1 for sum, 1/N for mean
  std::string name() const override { return scale == 1.0f ? "SumBackward" : "MeanBackward"; }
  std::vector<Tensor> apply(const Tensor& dout) override;
};

static Tensor sum_dims(const char* op, const Tensor& x, const std::vector<int64_t>& dims,
                       bool keepdim, bool is_mean) {
  DimsPlan plan = plan_dims(op, x, dims, keepdim);
  std::vector<double> totals = reduce_sum(x, plan, [](float v) { return static_cast<double>(v); });
  if (is_mean)
    for (double& t : totals)
      t /= static_cast<double>(plan.count);  // mean of nothing: NaN, as PyTorch
  Tensor out = to_tensor(totals, plan.out_shape);
  if (needs_grad({x})) {
    auto node = std::make_shared<SumDimsBackward>();
    node->input_shape = x.shape();
    node->keep_shape = plan.keep_shape;
    node->scale = is_mean ? 1.0f / static_cast<float>(plan.count) : 1.0f;
    attach(out, node, {x});
  }
  return out;
}

std::vector<Tensor> SumDimsBackward::apply(const Tensor& dout) {
  Tensor dx = expand(reshape(dout, keep_shape), input_shape);
  return {scale == 1.0f ? dx : mul(dx, scale)};
}

Tensor sum(const Tensor& x, const std::vector<int64_t>& dims, bool keepdim) {
  return sum_dims("sum", x, dims, keepdim, false);
}
Tensor mean(const Tensor& x, const std::vector<int64_t>& dims, bool keepdim) {
  return sum_dims("mean", x, dims, keepdim, true);
}

// ---------------------------------------------------------------- std
// Mean and standard deviation of each output's group, in double (two passes).
struct Moments {
  std::vector<double> mean, std;
};

static Moments moments(const Tensor& x, const DimsPlan& plan, int64_t correction) {
  Moments m;
  m.mean = reduce_sum(x, plan, [](float v) { return static_cast<double>(v); });
  for (double& t : m.mean) t /= static_cast<double>(plan.count);
  std::vector<double> squares(m.mean.size(), 0.0);
  const float* px = x.data();
  for_each_reduced(x.shape(), plan.keep_shape, [&](int64_t i, int64_t j) {
    const double centered = px[i] - m.mean[j];
    squares[j] += centered * centered;
  });
  // N - correction, never negative: too few samples give 0/0 = NaN, as PyTorch.
  const double divisor = std::max<double>(static_cast<double>(plan.count - correction), 0.0);
  m.std.resize(squares.size());
  for (size_t j = 0; j < squares.size(); ++j) m.std[j] = std::sqrt(squares[j] / divisor);
  return m;
}

struct StdBackward : Node {
  SavedTensor input;
  DimsPlan plan;
  int64_t correction = 1;
  std::string name() const override { return "StdBackward"; }
  std::vector<Tensor> apply(const Tensor& dout) override;
  void release_saved() override { input.reset(); }
};

Tensor std(const Tensor& x, const std::vector<int64_t>& dims, int64_t correction, bool keepdim) {
  if (correction < 0) fail("std: correction must be non-negative, got ", correction);
  DimsPlan plan = plan_dims("std", x, dims, keepdim);
  Tensor out = to_tensor(moments(x, plan, correction).std, plan.out_shape);
  if (needs_grad({x})) {
    auto node = std::make_shared<StdBackward>();
    node->input = SavedTensor(x);
    node->plan = std::move(plan);
    node->correction = correction;
    attach(out, node, {x});
  }
  return out;
}

std::vector<Tensor> StdBackward::apply(const Tensor& dout) {
  Tensor x = input.unpack(*this);
  Moments m = moments(x, plan, correction);
  const double divisor = static_cast<double>(plan.count - correction);
  Tensor dx = empty(x.shape());
  const float *px = x.data(), *g = dout.data();
  float* pdx = dx.data();
  for_each_reduced(x.shape(), plan.keep_shape, [&](int64_t i, int64_t j) {
    pdx[i] = m.std[j] == 0.0
                 ? 0.0f
                 : static_cast<float>(g[j] * (px[i] - m.mean[j]) / (divisor * m.std[j]));
  });
  return {dx};
}

Tensor std(const Tensor& x, bool unbiased) {
  return std(x, std::vector<int64_t>{}, unbiased ? 1 : 0, false);
}
Tensor std(const Tensor& x, int64_t dim, int64_t correction, bool keepdim) {
  return std(x, std::vector<int64_t>{dim}, correction, keepdim);
}

// ---------------------------------------------------------------- norm
struct NormBackward : Node {
  SavedTensor input, output;
  Shape keep_shape;
  double p = 2.0;
  std::string name() const override { return "NormBackward"; }
  std::vector<Tensor> apply(const Tensor& dout) override;
  void release_saved() override { input.reset(), output.reset(); }
};

static double sgn(double v) { return v > 0 ? 1.0 : (v < 0 ? -1.0 : v); }  // NaN stays NaN

Tensor norm(const Tensor& x, float p, const std::vector<int64_t>& dims, bool keepdim) {
  if (!(p >= 1.0f)) fail("norm: p must be >= 1 or inf, got ", p);
  DimsPlan plan = plan_dims("norm", x, dims, keepdim);
  std::vector<double> result;
  if (std::isinf(p)) {  // max |x|, NaN winning
    result.assign(numel_of(plan.keep_shape), 0.0);
    const float* px = x.data();
    for_each_reduced(x.shape(), plan.keep_shape, [&](int64_t i, int64_t j) {
      const double a = std::fabs(px[i]);
      if (std::isnan(a) || a > result[j]) result[j] = std::isnan(result[j]) ? result[j] : a;
    });
  } else {
    const double q = p;
    result = reduce_sum(x, plan,
                        [q](float v) { return std::pow(std::fabs(static_cast<double>(v)), q); });
    for (double& r : result) r = std::pow(r, 1.0 / q);
  }
  Tensor out = to_tensor(result, plan.out_shape);
  if (needs_grad({x})) {
    auto node = std::make_shared<NormBackward>();
    node->input = SavedTensor(x);
    node->output = SavedTensor(out);
    node->keep_shape = plan.keep_shape;
    node->p = p;
    attach(out, node, {x});
  }
  return out;
}

std::vector<Tensor> NormBackward::apply(const Tensor& dout) {
  Tensor x = input.unpack(*this), result = output.unpack(*this);
  const float *px = x.data(), *pn = result.data(), *g = dout.data();
  Tensor dx = empty(x.shape());
  float* pdx = dx.data();
  if (std::isinf(
          p)) {  // the gradient is shared evenly by the elements where |x| is the max (or NaN)
    std::vector<double> ties(result.numel(), 0.0);
    auto is_max = [&](int64_t i, int64_t j) {
      return std::fabs(px[i]) == pn[j] || std::isnan(px[i]);
    };
    for_each_reduced(x.shape(), keep_shape,
                     [&](int64_t i, int64_t j) { ties[j] += is_max(i, j) ? 1.0 : 0.0; });
    for_each_reduced(x.shape(), keep_shape, [&](int64_t i, int64_t j) {
      pdx[i] = is_max(i, j) ? static_cast<float>(sgn(px[i]) * g[j] / ties[j]) : 0.0f;
    });
    return {dx};
  }
  const double q = p;
  for_each_reduced(x.shape(), keep_shape, [&](int64_t i, int64_t j) {
    const double v = px[i], n = pn[j];
    const double slope =
        q == 1.0 ? sgn(v) : sgn(v) * std::pow(std::fabs(v), q - 1.0) / std::pow(n, q - 1.0);
    pdx[i] = (q != 1.0 && n == 0.0) ? 0.0f : static_cast<float>(g[j] * slope);
  });
  return {dx};
}

Tensor norm(const Tensor& x, float p) { return norm(x, p, std::vector<int64_t>{}, false); }
Tensor norm(const Tensor& x, float p, int64_t dim, bool keepdim) {
  return norm(x, p, std::vector<int64_t>{dim}, keepdim);
}

}  // namespace ag
