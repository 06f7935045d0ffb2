// core/ops/norm.cpp: batch_norm and layer_norm, the autograd ops over
// core/kernels/norm.h (fast) and core/reference/norm_naive.h (naive),
// chosen by kernels().
//
// Shape legend: N batch, C channels, S = product of the dims after C (H*W
// for images, 1 for (N, C)); R rows and D features for layer norm.
//
// Both normalize a group of values with its own mean and biased variance,
//   xhat = (x - mean) / sqrt(var + eps),  out = xhat * weight + bias,
// and backpropagate with the closed form (formula: see
// core/reference/norm_naive.cpp, group_backward) instead of a graph of a
// dozen primitive ops: one node, two passes over memory.
#include "core/ops/norm.h"

#include <algorithm>
#include <vector>

#include "core/autograd.h"
#include "core/kernels/kernel_mode.h"
#include "core/kernels/norm.h"
#include "core/ops/norm_common.h"
#include "core/reference/norm_naive.h"

namespace ag {

namespace {

const float* data_or_null(const Tensor& t) { return t.defined() ? t.data() : nullptr; }

// A per-channel (or per-feature) parameter must be undefined or of `shape`.
void check_parameter(const char* op, const char* what, const Tensor& p, const Shape& shape,
                     const Tensor& x) {
  if (p.defined() && p.shape() != shape)
    fail(op, ": ", what, " ", p.shape(), " must have shape ", shape, " to match input ", x.shape());
}

}  // namespace

// ---------------------------------------------------------------- batch norm
BatchNormShape check_batch_norm_inputs(const char* op, const Tensor& x, const Tensor& running_mean,
                                       const Tensor& running_var, const Tensor& weight,
                                       const Tensor& bias, bool training, float eps) {
  if (!x.defined()) fail(op, ": input must be defined");
  if (x.dim() < 2) fail(op, ": expected an input (N, C) or (N, C, H, W), got ", x.shape());
  BatchNormShape s;
  s.N = x.size(0), s.C = x.size(1);
  s.S = numel_of(Shape(x.shape().begin() + 2, x.shape().end()));  // 1 for (N, C)
  const Shape channels{s.C};
  check_parameter(op, "weight", weight, channels, x);
  check_parameter(op, "bias", bias, channels, x);
  check_parameter(op, "running_mean", running_mean, channels, x);
  check_parameter(op, "running_var", running_var, channels, x);
  if (running_mean.defined() != running_var.defined())
    fail(op, ": running_mean and running_var must both be given or both be undefined");
  if (!training && !running_mean.defined())
    fail(op, ": eval mode (training=false) needs running_mean and running_var");
  if (training && s.count() <= 1)
    fail(op, ": expected more than 1 value per channel when training, got input ", x.shape());
  if (!(eps >= 0.0f)) fail(op, ": eps must be >= 0, got ", eps);
  return s;
}

void running_stats_for_eval(const Tensor& running_mean, const Tensor& running_var, float eps,
                            std::vector<float>& mean, std::vector<float>& invstd) {
  const float* rm = running_mean.data();
  const float* rv = running_var.data();
  for (size_t c = 0; c < mean.size(); ++c) {
    mean[c] = rm[c];
    invstd[c] = inverse_std(rv[c], eps);
  }
}

void update_running_stats(const BatchNormShape& s, const std::vector<float>& mean,
                          const std::vector<float>& var, Tensor& running_mean, Tensor& running_var,
                          float momentum) {
  if (!running_mean.defined()) return;
  // Biased variance normalizes; the running estimate uses the unbiased
  // one (times M / (M - 1)), as PyTorch does.
  const float M = float(s.count()), unbias = M / (M - 1.0f);
  float* rm = running_mean.data();
  float* rv = running_var.data();
  for (int64_t c = 0; c < s.C; ++c) {
    rm[c] = (1.0f - momentum) * rm[c] + momentum * mean[c];
    rv[c] = (1.0f - momentum) * rv[c] + momentum * var[c] * unbias;
  }
  running_mean.bump_version();
  running_var.bump_version();
}

struct BatchNormBackward : Node {
  SavedTensor x, weight;            // weight only when defined
  std::vector<float> mean, invstd;  // the statistics the forward normalized with
  BatchNormShape shape;
  bool training = true;  // batch statistics (they depend on x) or running ones
  std::string name() const override { return "BatchNormBackward"; }

  std::vector<Tensor> apply(const Tensor& dout) override;
  void release_saved() override {
    x.reset();
    weight.reset();
  }
};

Tensor batch_norm(const Tensor& x, Tensor running_mean, Tensor running_var, const Tensor& weight,
                  const Tensor& bias, bool training, float momentum, float eps) {
  const BatchNormShape s = check_batch_norm_inputs("batch_norm", x, running_mean, running_var,
                                                   weight, bias, training, eps);
  Tensor out = empty(x.shape());
  std::vector<float> mean(s.C), invstd(s.C);
  if (training) {
    std::vector<float> var(s.C);
    fast_or_naive(batch_norm_forward_train, batch_norm_forward_train_naive)(
        s, x.data(), data_or_null(weight), data_or_null(bias), eps, out.data(), mean.data(),
        var.data());
    for (int64_t c = 0; c < s.C; ++c) invstd[c] = inverse_std(var[c], eps);
    update_running_stats(s, mean, var, running_mean, running_var, momentum);
  } else {
    running_stats_for_eval(running_mean, running_var, eps, mean, invstd);
    fast_or_naive(batch_norm_forward_eval, batch_norm_forward_eval_naive)(
        s, x.data(), mean.data(), invstd.data(), data_or_null(weight), data_or_null(bias),
        out.data());
  }

  if (needs_grad({x, weight, bias})) {
    auto node = std::make_shared<BatchNormBackward>();
    node->x = SavedTensor(x);
    if (weight.defined()) node->weight = SavedTensor(weight);
    node->mean = std::move(mean);
    node->invstd = std::move(invstd);
    node->shape = s;
    node->training = training;
    attach(out, node, {x, weight, bias});
  }
  return out;
}

std::vector<Tensor> BatchNormBackward::apply(const Tensor& dout) {
  const Tensor saved_x = x.unpack(*this);
  const Tensor saved_weight = weight.defined() ? weight.unpack(*this) : Tensor();
  Tensor dx, dweight, dbias;
  if (next_edges[0].valid()) dx = empty(saved_x.shape());
  if (next_edges[1].valid()) dweight = empty({shape.C});
  if (next_edges[2].valid()) dbias = empty({shape.C});
  fast_or_naive(batch_norm_backward, batch_norm_backward_naive)(
      shape, saved_x.data(), dout.data(), mean.data(), invstd.data(), data_or_null(saved_weight),
      training, dx.defined() ? dx.data() : nullptr, dweight.defined() ? dweight.data() : nullptr,
      dbias.defined() ? dbias.data() : nullptr);
  return {dx, dweight, dbias};
}

// ---------------------------------------------------------------- layer norm
struct LayerNormBackward : Node {
  SavedTensor x, weight;
  std::vector<float> mean, invstd;  // one per row
  int64_t rows = 0, features = 0;
  std::string name() const override { return "LayerNormBackward"; }

  std::vector<Tensor> apply(const Tensor& dout) override;
  void release_saved() override {
    x.reset();
    weight.reset();
  }
};

Tensor layer_norm(const Tensor& x, const Shape& normalized_shape, const Tensor& weight,
                  const Tensor& bias, float eps) {
  if (!x.defined()) fail("layer_norm: input must be defined");
  const int64_t k = static_cast<int64_t>(normalized_shape.size());
  if (k == 0) fail("layer_norm: normalized_shape must not be empty");
  for (int64_t size : normalized_shape)
    if (size < 1) fail("layer_norm: normalized_shape ", normalized_shape, " must have sizes >= 1");
  const Shape& shape = x.shape();
  if (x.dim() < k || !std::equal(normalized_shape.begin(), normalized_shape.end(), shape.end() - k))
    fail("layer_norm: normalized_shape ", normalized_shape, " must be the last dims of input ",
         shape);
  check_parameter("layer_norm", "weight", weight, normalized_shape, x);
  check_parameter("layer_norm", "bias", bias, normalized_shape, x);
  if (!(eps >= 0.0f)) fail("layer_norm: eps must be >= 0, got ", eps);

  const int64_t D = numel_of(normalized_shape), R = x.numel() / D;
  Tensor out = empty(shape);
  std::vector<float> mean(R), invstd(R);
  fast_or_naive(layer_norm_forward, layer_norm_forward_naive)(R, D, x.data(), data_or_null(weight),
                                                              data_or_null(bias), eps, out.data(),
                                                              mean.data(), invstd.data());

  if (needs_grad({x, weight, bias})) {
    auto node = std::make_shared<LayerNormBackward>();
    node->x = SavedTensor(x);
    if (weight.defined()) node->weight = SavedTensor(weight);
    node->mean = std::move(mean);
    node->invstd = std::move(invstd);
    node->rows = R;
    node->features = D;
    attach(out, node, {x, weight, bias});
  }
  return out;
}

std::vector<Tensor> LayerNormBackward::apply(const Tensor& dout) {
  const Tensor saved_x = x.unpack(*this);
  const Tensor saved_weight = weight.defined() ? weight.unpack(*this) : Tensor();
  Tensor dx, dweight, dbias;
  if (next_edges[0].valid()) dx = empty(saved_x.shape());
  if (next_edges[1].valid()) dweight = empty(saved_weight.shape());
  if (next_edges[2].valid()) dbias = empty(next_edges[2].shape);
  fast_or_naive(layer_norm_backward, layer_norm_backward_naive)(
      rows, features, saved_x.data(), dout.data(), mean.data(), invstd.data(),
      data_or_null(saved_weight), dx.defined() ? dx.data() : nullptr,
      dweight.defined() ? dweight.data() : nullptr, dbias.defined() ? dbias.data() : nullptr);
  return {dx, dweight, dbias};
}

}  // namespace ag
