// core/ops/norm_relu.cpp: batch_norm_relu, the autograd op over
// core/kernels/norm_relu.h (fast) and core/reference/norm_relu_naive.h (naive:
// batch norm, add and relu one after another), chosen by kernels().
//
// Shape legend: N batch, C channels, S = product of the dims after C.
//
//   forward:  out = relu(xhat * weight + bias + residual)
//   backward: g = dout * [out passed the ReLU]    (= dresidual)
//             dx, dweight, dbias = batch norm's backward of g
//
// What the node keeps: x (batch norm needs it), the statistics, and one bit
// per value for the ReLU, not the float output the ReLU alone would keep.
#include "core/ops/norm_relu.h"

#include <vector>

#include "core/autograd.h"
#include "core/kernels/kernel_mode.h"
#include "core/kernels/norm_relu.h"
#include "core/ops/norm_common.h"
#include "core/reference/norm_relu_naive.h"

namespace ag {

namespace {
const float* data_if_defined(const Tensor& t) { return t.defined() ? t.data() : nullptr; }
float* data_if_defined(Tensor& t) { return t.defined() ? t.data() : nullptr; }
}  // namespace

struct BatchNormReluBackward : Node {
  SavedTensor x, weight;            // weight only when defined
  std::vector<uint64_t> passed;     // the ReLU's bits (layout: ReluMaskLayout)
  std::vector<float> mean, invstd;  // the statistics the forward normalized with
  BatchNormShape shape;
  bool training = true;
  std::string name() const override { return "BatchNormReluBackward"; }

  std::vector<Tensor> apply(const Tensor& dout) override;
  void release_saved() override {
    x.reset();
    weight.reset();
    passed = std::vector<uint64_t>();  // give the memory back, not just the size
  }
};

Tensor batch_norm_relu(const Tensor& x, Tensor running_mean, Tensor running_var,
                       const Tensor& weight, const Tensor& bias, bool training, float momentum,
                       float eps, const Tensor& residual) {
  const BatchNormShape s = check_batch_norm_inputs("batch_norm_relu", x, running_mean, running_var,
                                                   weight, bias, training, eps);
  if (residual.defined() && residual.shape() != x.shape())
    fail("batch_norm_relu: residual ", residual.shape(), " must have the input's shape ",
         x.shape());

  Tensor out = empty(x.shape());
  std::vector<uint64_t> passed(static_cast<size_t>(ReluMaskLayout(s).words(s)));
  std::vector<float> mean(s.C), invstd(s.C);
  if (training) {
    std::vector<float> var(s.C);
    fast_or_naive(batch_norm_relu_forward_train, batch_norm_relu_forward_train_naive)(
        s, x.data(), data_if_defined(weight), data_if_defined(bias), data_if_defined(residual), eps,
        out.data(), passed.data(), mean.data(), var.data());
    for (int64_t c = 0; c < s.C; ++c) invstd[c] = inverse_std(var[c], eps);
    update_running_stats(s, mean, var, running_mean, running_var, momentum);
  } else {
    running_stats_for_eval(running_mean, running_var, eps, mean, invstd);
    fast_or_naive(batch_norm_relu_forward_eval, batch_norm_relu_forward_eval_naive)(
        s, x.data(), mean.data(), invstd.data(), data_if_defined(weight), data_if_defined(bias),
        data_if_defined(residual), out.data(), passed.data());
  }

  if (needs_grad({x, weight, bias, residual})) {
    auto node = std::make_shared<BatchNormReluBackward>();
    node->x = SavedTensor(x);
    if (weight.defined()) node->weight = SavedTensor(weight);
    node->passed = std::move(passed);
    node->mean = std::move(mean);
    node->invstd = std::move(invstd);
    node->shape = s;
    node->training = training;
    attach(out, node, {x, weight, bias, residual});
  }
  return out;
}

std::vector<Tensor> BatchNormReluBackward::apply(const Tensor& dout) {
  const Tensor saved_x = x.unpack(*this);
  const Tensor saved_weight = weight.defined() ? weight.unpack(*this) : Tensor();
  Tensor dx, dweight, dbias, dresidual;
  if (next_edges[0].valid()) dx = empty(saved_x.shape());
  if (next_edges[1].valid()) dweight = empty({shape.C});
  if (next_edges[2].valid()) dbias = empty({shape.C});
  if (next_edges[3].valid()) dresidual = empty(saved_x.shape());
  fast_or_naive(batch_norm_relu_backward, batch_norm_relu_backward_naive)(
      shape, saved_x.data(), dout.data(), passed.data(), mean.data(), invstd.data(),
      data_if_defined(saved_weight), training, data_if_defined(dx), data_if_defined(dweight),
      data_if_defined(dbias), data_if_defined(dresidual));
  return {dx, dweight, dbias, dresidual};
}

}  // namespace ag
