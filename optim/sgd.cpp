// optim/sgd.cpp: stochastic gradient descent with momentum, as torch.optim.SGD.
//
// For each parameter p with gradient g, at step t (PyTorch's equations):
//   g ← g + weight_decay · p
//   if momentum ≠ 0:
//     b ← g                                      at t = 1
//     b ← momentum · b + (1 − dampening) · g     after that
//     g ← g + momentum · b   if nesterov,  else  g ← b
//   p ← p − lr · g
#include "optim/optimizer.h"

namespace ag::optim {

SGD::SGD(std::vector<Tensor> params, SGDOptions options)
    : Optimizer(std::move(params), options.lr), opt_(options) {
  if (opt_.momentum < 0.0f) fail("SGD: invalid momentum ", opt_.momentum);
  if (opt_.weight_decay < 0.0f) fail("SGD: invalid weight_decay ", opt_.weight_decay);
  if (opt_.nesterov && (opt_.momentum <= 0.0f || opt_.dampening != 0.0f))
    fail("SGD: nesterov momentum requires a momentum and zero dampening");
}

void SGD::step() {
  ++steps_;
  for (size_t i = 0; i < params_.size(); ++i) {
    Tensor& p = params_[i];
    Tensor grad = p.grad();
    if (!grad.defined()) continue;
    float* w = p.data();
    const float* dw = grad.data();
    // The first step that sees this parameter starts its buffer at g.
    const bool first = !has_buffer(i, "momentum_buffer");
    float* b = opt_.momentum != 0.0f ? buffer(i, "momentum_buffer").data() : nullptr;
    for (int64_t k = 0, n = p.numel(); k < n; ++k) {
      float g = dw[k] + opt_.weight_decay * w[k];
      if (b) {
        b[k] = first ? g : opt_.momentum * b[k] + (1.0f - opt_.dampening) * g;
        g = opt_.nesterov ? g + opt_.momentum * b[k] : b[k];
      }
      w[k] -= lr_ * g;
    }
    p.bump_version();
  }
}

}  // namespace ag::optim
