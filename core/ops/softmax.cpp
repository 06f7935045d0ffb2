// core/ops/softmax.cpp: softmax and log_softmax along one dimension, and their backward.
//
// Shape legend: x is seen as (outer, n, inner) where n is the size of the
// softmax dimension, outer the product of the sizes before it and inner the
// product of the sizes after it (core/kernels/softmax.h).
//
//   softmax:      y_i = e^(x_i - m) / Σ_j e^(x_j - m)          m = max_j x_j
//   log_softmax:  y_i = x_i - m - log Σ_j e^(x_j - m)
// Subtracting m changes nothing mathematically (it cancels) but keeps every
// exponent ≤ 0, so e^ never overflows: a row of 1000s gives 1/n each, not NaN.
//
// Both backwards need only the output y. Their formulas are written once,
// beside their textbook loops: core/reference/softmax_naive.cpp,
// softmax_backward_naive and log_softmax_backward_naive. The loops are in
// core/kernels/softmax.cpp (fast) and core/reference/softmax_naive.cpp (textbook).
#include "core/ops/softmax.h"

#include <algorithm>

#include "core/autograd.h"
#include "core/inplace_history.h"
#include "core/kernels/kernel_mode.h"
#include "core/kernels/softmax.h"
#include "core/reference/softmax_naive.h"

namespace ag {
namespace {

// The softmax dimension cuts x into (outer, n, inner).
SoftmaxGeometry geometry(const char* op, const Shape& shape, int64_t dim) {
  // A 0-d tensor behaves as one row of one number, as in PyTorch (dim 0 or -1).
  const int64_t rank = std::max<int64_t>(1, static_cast<int64_t>(shape.size()));
  if (dim < -rank || dim >= rank)
    fail(op, ": dim ", dim, " is out of range for a tensor of shape ", shape,
         " (expected a dim in [", -rank, ", ", rank - 1, "])");
  if (dim < 0) dim += rank;
  SoftmaxGeometry g;
  if (shape.empty()) return g;
  for (int64_t d = 0; d < dim; ++d) g.outer *= shape[d];
  g.n = shape[dim];
  for (int64_t d = dim + 1; d < rank; ++d) g.inner *= shape[d];
  return g;
}

}  // namespace

// ---------------------------------------------------------------- softmax
struct SoftmaxBackward : Node {
  SavedTensor saved_y;  // the output: the formula needs nothing else
  SoftmaxGeometry g;
  std::string name() const override { return "SoftmaxBackward"; }
  std::vector<Tensor> apply(const Tensor& dy) override;
  void release_saved() override { saved_y.reset(); }
};

Tensor softmax(const Tensor& x, int64_t dim) {
  const SoftmaxGeometry g = geometry("softmax", x.shape(), dim);
  Tensor y = empty(x.shape());
  if (x.numel() > 0) fast_or_naive(softmax_forward, softmax_forward_naive)(g, x.data(), y.data());
  if (needs_grad({x})) {
    auto node = std::make_shared<SoftmaxBackward>();
    node->saved_y = SavedTensor(y);
    node->g = g;
    attach(y, node, {x});
  }
  return y;
}

// softmax_ writes y over x: no second buffer (the attention's (N, P, P) scores
// are the biggest activation of AttentionNet's last stage, 8 MB at batch 32).
// Autograd allows it because the backward needs only y, which is exactly what
// x then holds; the scores x are not needed by anyone (bmm saved q and k, not
// its product). A node that did save x sees the version bump and refuses to
// run, rather than read y as if it were x. The kernels read x[i] before they
// write y[i], so the same pointer may be passed for both.
Tensor& softmax_(Tensor& x, int64_t dim) {
  const SoftmaxGeometry g = geometry("softmax_", x.shape(), dim);
  begin_inplace("softmax_", x);
  if (x.numel() > 0) fast_or_naive(softmax_forward, softmax_forward_naive)(g, x.data(), x.data());
  std::shared_ptr<SoftmaxBackward> node;
  if (needs_grad({x})) {
    node = std::make_shared<SoftmaxBackward>();
    node->g = g;
    // After the write, so anomaly mode checks the output it names; x's
    // history is still the old one until end_inplace, so the edge goes there.
    attach(x, node, {x});
  }
  end_inplace(x, node);
  if (node) node->saved_y = SavedTensor(x);  // saved at the new version
  return x;
}

// formula: see core/reference/softmax_naive.cpp, softmax_backward_naive
std::vector<Tensor> SoftmaxBackward::apply(const Tensor& dy) {
  const Tensor y = saved_y.unpack(*this);
  Tensor dx = empty(y.shape());
  if (y.numel() > 0)
    fast_or_naive(softmax_backward, softmax_backward_naive)(g, y.data(), dy.data(), dx.data());
  return {dx};
}

// ---------------------------------------------------------------- log_softmax
struct LogSoftmaxBackward : Node {
  SavedTensor saved_y;
  SoftmaxGeometry g;
  std::string name() const override { return "LogSoftmaxBackward"; }
  std::vector<Tensor> apply(const Tensor& dy) override;
  void release_saved() override { saved_y.reset(); }
};

Tensor log_softmax(const Tensor& x, int64_t dim) {
  const SoftmaxGeometry g = geometry("log_softmax", x.shape(), dim);
  Tensor y = empty(x.shape());
  if (x.numel() > 0)
    fast_or_naive(log_softmax_forward, log_softmax_forward_naive)(g, x.data(), y.data());
  if (needs_grad({x})) {
    auto node = std::make_shared<LogSoftmaxBackward>();
    node->saved_y = SavedTensor(y);
    node->g = g;
    attach(y, node, {x});
  }
  return y;
}

// formula: see core/reference/softmax_naive.cpp, log_softmax_backward_naive
std::vector<Tensor> LogSoftmaxBackward::apply(const Tensor& dy) {
  const Tensor y = saved_y.unpack(*this);
  Tensor dx = empty(y.shape());
  if (y.numel() > 0)
    fast_or_naive(log_softmax_backward, log_softmax_backward_naive)(g, y.data(), dy.data(),
                                                                    dx.data());
  return {dx};
}

}  // namespace ag
