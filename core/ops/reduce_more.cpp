// core/ops/reduce_more.cpp: logsumexp, min over everything, prod, and
// argmax/argmin over everything, each forward then backward (declared in
// core/ops/reduce_more.h; the multi-dimension ones are in reduce_dims.cpp).
//
// Shape legend (core/ops/dim.h): along dimension dim, x: (O, N, I) -> out: (O, I).
//   logsumexp: out = log Σ_k e^(x[o,k,i]),   dx = dout · e^(x - out)   (= dout · softmax(x))
//   prod:      out = Π_k x[o,k,i],           dx[k] = dout · Π_{k' != k} x[k']
//   min:       out = the smallest x,         dx = dout / ties at each smallest element
#include <cmath>
#include <limits>

#include "core/autograd.h"
#include "core/kernels/softmax.h"
#include "core/ops/dim.h"
#include "core/ops/elementwise.h"
#include "core/ops/reduce.h"
#include "core/ops/reduce_more.h"
#include "core/ops/shape.h"

namespace ag {

// ---------------------------------------------------------------- logsumexp
struct LogsumexpBackward : Node {
  SavedTensor input, output;
  DimSplit split;
  std::string name() const override { return "LogsumexpBackward"; }
  std::vector<Tensor> apply(const Tensor& dout) override;
  void release_saved() override { input.reset(), output.reset(); }
};

Tensor logsumexp(const Tensor& x, int64_t dim, bool keepdim) {
  const Reduction a = over_dim("logsumexp", x, dim, keepdim);
  const DimSplit s = a.split;
  Tensor out = empty(a.out_shape);
  for (int64_t o = 0; o < s.outer; ++o)
    for (int64_t i = 0; i < s.inner; ++i) {
      const float* column = x.data() + o * s.size * s.inner + i;
      ExpSum e = exp_sum(column, s.size, s.inner);  // the house's one log-sum-exp
      // An infinite max (or no elements) would give inf - inf: shift by 0
      // instead, as PyTorch does, so all -inf gives -inf and any +inf gives +inf.
      if (std::isinf(e.max)) {
        e = {0.0f, 0.0f};
        for (int64_t k = 0; k < s.size; ++k) e.sum += std::exp(column[k * s.inner]);
      }
      out.data()[o * s.inner + i] = e.log_sum_exp();
    }
  if (needs_grad({x})) {
    auto node = std::make_shared<LogsumexpBackward>();
    node->input = SavedTensor(x);
    node->output = SavedTensor(out);
    node->split = s;
    attach(out, node, {x});
  }
  return out;
}

std::vector<Tensor> LogsumexpBackward::apply(const Tensor& dout) {
  Tensor x = input.unpack(*this), result = output.unpack(*this);
  Tensor dx = empty(x.shape());
  const float *px = x.data(), *pr = result.data(), *g = dout.data();
  float* pdx = dx.data();
  const int64_t N = split.size, I = split.inner;
  for (int64_t o = 0; o < split.outer; ++o)
    for (int64_t k = 0; k < N; ++k)
      for (int64_t i = 0; i < I; ++i) {
        const int64_t at = (o * N + k) * I + i;
        pdx[at] = g[o * I + i] * std::exp(px[at] - pr[o * I + i]);
      }
  return {dx};
}

// ---------------------------------------------------------------- prod
// Π of the others is out / x[k] unless x[k] is 0; with zeros it is written out:
//   no zero:   dx[k] = dout · out / x[k]
//   one zero:  dx[k] = dout · Π(nonzeros) at the zero, 0 elsewhere (their product holds the zero)
//   two zeros: dx = 0 everywhere (every "product of the others" holds a zero)
struct ProdBackward : Node {
  SavedTensor input;
  DimSplit split;
  std::string name() const override { return "ProdBackward"; }
  std::vector<Tensor> apply(const Tensor& dout) override;
  void release_saved() override { input.reset(); }
};

static Tensor product(const Tensor& x, const Reduction& a) {
  const DimSplit s = a.split;
  Tensor out = empty(a.out_shape);
  const float* px = x.data();
  for (int64_t o = 0; o < s.outer; ++o)
    for (int64_t i = 0; i < s.inner; ++i) {
      double p = 1.0;  // the product of nothing is 1
      for (int64_t k = 0; k < s.size; ++k) p *= px[(o * s.size + k) * s.inner + i];
      out.data()[o * s.inner + i] = static_cast<float>(p);
    }
  if (needs_grad({x})) {
    auto node = std::make_shared<ProdBackward>();
    node->input = SavedTensor(x);
    node->split = s;
    attach(out, node, {x});
  }
  return out;
}

std::vector<Tensor> ProdBackward::apply(const Tensor& dout) {
  Tensor x = input.unpack(*this);
  Tensor dx = zeros(x.shape());
  const float *px = x.data(), *g = dout.data();
  float* pdx = dx.data();
  const int64_t N = split.size, I = split.inner;
  for (int64_t o = 0; o < split.outer; ++o)
    for (int64_t i = 0; i < I; ++i) {
      auto at = [&](int64_t k) { return (o * N + k) * I + i; };
      int64_t zeros_seen = 0, zero_at = 0;
      double nonzero_product = 1.0;
      for (int64_t k = 0; k < N; ++k) {
        if (px[at(k)] == 0.0f)
          ++zeros_seen, zero_at = k;
        else
          nonzero_product *= px[at(k)];
      }
      const double grad = g[o * I + i];
      if (zeros_seen == 0)
        for (int64_t k = 0; k < N; ++k)
          pdx[at(k)] = static_cast<float>(grad * nonzero_product / px[at(k)]);
      else if (zeros_seen == 1)
        pdx[at(zero_at)] = static_cast<float>(grad * nonzero_product);
    }
  return {dx};
}

Tensor prod(const Tensor& x) { return product(x, Reduction{{1, x.numel(), 1}, {}}); }
Tensor prod(const Tensor& x, int64_t dim, bool keepdim) {
  return product(x, over_dim("prod", x, dim, keepdim));
}

// ---------------------------------------------------------------- argmax, argmin
// Indices are step functions of x (zero gradient almost everywhere): no graph.
// argmin is argmax of -x: negation keeps ties tied and NaN NaN, so the first
// smallest element (or the first NaN) wins, as in PyTorch.
Tensor argmax(const Tensor& x) {
  if (x.numel() == 0)
    fail("argmax: cannot reduce an empty tensor of shape ", x.shape(), " (it has no argmax)");
  return argmax(reshape(x.detach(), {-1}), 0);
}

Tensor argmin(const Tensor& x) {
  if (x.numel() == 0)
    fail("argmin: cannot reduce an empty tensor of shape ", x.shape(), " (it has no argmin)");
  return argmax(neg(reshape(x.detach(), {-1})), 0);
}

Tensor argmin(const Tensor& x, int64_t dim, bool keepdim) {
  const Reduction a = over_dim("argmin", x, dim, keepdim);
  if (a.split.size == 0)
    fail("argmin: cannot reduce over a dimension of size 0 (input shape ", x.shape(), ")");
  return argmax(neg(x.detach()), dim, keepdim);
}

}  // namespace ag
