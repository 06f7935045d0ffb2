// optim/sgd.cpp: stochastic gradient descent with momentum, as torch.optim.SGD.
//
// For each parameter p with gradient g, at step t (PyTorch's equations):
//   g ← g + weight_decay · p
//   if momentum ≠ 0:
//     b ← g                                      at t = 1
//     b ← momentum · b + (1 − dampening) · g     after that
//     g ← g + momentum · b   if nesterov,  else  g ← b
//   p ← p − lr · g
//
// Bit for bit as PyTorch 1.13 (_single_tensor_sgd in torch/optim/sgd.py),
// which runs these lines as separate float32 tensor ops, each rounding its
// result once:
//   d_p = d_p.add(p, alpha=weight_decay)        one rounding: see below
//   buf.mul_(momentum).add_(d_p, alpha=1 - dampening)   two ops, two roundings
//   d_p = d_p.add(buf, alpha=momentum)          (nesterov)
//   p.add_(d_p, alpha=-lr)
// `x.add(y, alpha=a)` computes x + a·y with one fused multiply-add on the
// CPU (ATen's add kernel calls vec::fmadd), so it is std::fma here. Every
// other op rounds on its own, and the compiler must not fuse a product into
// the next addition (with g++'s default -ffp-contract=fast it turned
// momentum·b + g into one FMA, one rounding fewer than PyTorch): optim/ is
// compiled with -ffp-contract=off (Makefile). g++ ignores the standard
// `#pragma STDC FP_CONTRACT OFF`, so a flag is the one portable switch.
//
// The Python floats (lr, momentum, ...) are doubles; 1 − dampening is taken
// in double, then each scalar is rounded to float as the kernel does.
#include <cmath>

#include "optim/optimizer.h"

namespace ag::optim {

SGD::SGD(std::vector<Tensor> params, SGDOptions options)
    : Optimizer(std::move(params), options.lr), opt_(options) {
  if (!(opt_.momentum >= 0.0 && opt_.momentum <= kFloatMax))
    fail("SGD: invalid momentum ", opt_.momentum);
  if (!(opt_.weight_decay >= 0.0 && opt_.weight_decay <= kFloatMax))
    fail("SGD: invalid weight_decay ", opt_.weight_decay);
  if (!(std::fabs(opt_.dampening) <= kFloatMax)) fail("SGD: invalid dampening ", opt_.dampening);
  if (opt_.nesterov && (opt_.momentum <= 0.0 || opt_.dampening != 0.0))
    fail("SGD: nesterov momentum requires a momentum and zero dampening");
}

void SGD::step() {
  ++steps_;
  // The scalars as the kernels see them: rounded once to float.
  const float weight_decay = static_cast<float>(opt_.weight_decay);
  const float momentum = static_cast<float>(opt_.momentum);
  const float kept = static_cast<float>(1.0 - opt_.dampening);  // alpha = 1 - dampening
  const float minus_lr = static_cast<float>(-lr_);
  for (size_t i = 0; i < params_.size(); ++i) {
    Tensor& p = params_[i];
    Tensor grad = p.grad();
    if (!grad.defined()) continue;
    float* w = p.data();
    const float* dw = grad.data();
    // The first step that sees this parameter starts its buffer at g.
    const bool first = !has_buffer(i, "momentum_buffer");
    float* b = opt_.momentum != 0.0 ? buffer(i, "momentum_buffer").data() : nullptr;
    for (int64_t k = 0, n = p.numel(); k < n; ++k) {
      float g = dw[k];
      if (opt_.weight_decay != 0.0) g = std::fma(weight_decay, w[k], g);  // g.add(p, alpha=wd)
      if (b) {
        if (first) {
          b[k] = g;  // buf = clone(d_p)
        } else {
          const float decayed = b[k] * momentum;  // buf.mul_(momentum)
          b[k] = std::fma(kept, g, decayed);      //    .add_(d_p, alpha=1 - dampening)
        }
        g = opt_.nesterov ? std::fma(momentum, b[k], g) : b[k];  // d_p.add(buf, alpha=momentum)
      }
      w[k] = std::fma(minus_lr, g, w[k]);  // p.add_(d_p, alpha=-lr)
    }
    p.bump_version();
  }
}

}  // namespace ag::optim
