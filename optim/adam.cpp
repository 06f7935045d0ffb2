// optim/adam.cpp: Adam and AdamW, as torch.optim.Adam / torch.optim.AdamW.
//
// For each parameter p with gradient g, at step t (PyTorch's equations):
//   AdamW only:  p ← p − lr · weight_decay · p            (decoupled decay)
//   Adam only:   g ← g + weight_decay · p                 (L2 in the gradient)
//   m ← β1 · m + (1 − β1) · g                             first moment
//   v ← β2 · v + (1 − β2) · g²                            second moment
//   amsgrad:     v_max ← max(v_max, v), and v_max replaces v below
//   p ← p − (lr / (1 − β1^t)) · m / (√v / √(1 − β2^t) + ε)
// The bias corrections 1 − β^t undo the zero start of m and v: without them
// the first steps would be far too small.
#include <cmath>

#include "optim/optimizer.h"

namespace ag::optim {

Adam::Adam(std::vector<Tensor> params, AdamOptions options) : Adam(std::move(params), options, false) {}

Adam::Adam(std::vector<Tensor> params, AdamOptions options, bool decoupled)
    : Optimizer(std::move(params), options.lr), opt_(options), decoupled_weight_decay_(decoupled) {
  if (!(opt_.beta1 >= 0.0f && opt_.beta1 < 1.0f) || !(opt_.beta2 >= 0.0f && opt_.beta2 < 1.0f))
    fail("Adam: betas must be in [0, 1), got (", opt_.beta1, ", ", opt_.beta2, ")");
  if (!(opt_.eps >= 0.0f)) fail("Adam: invalid epsilon ", opt_.eps);
  if (opt_.weight_decay < 0.0f) fail("Adam: invalid weight_decay ", opt_.weight_decay);
}

AdamW::AdamW(std::vector<Tensor> params, AdamOptions options) : Adam(std::move(params), options, true) {}

void Adam::step() {
  // ASSIGNMENT adam/step: begin
  ++steps_;
  const double t = static_cast<double>(steps_);
  const float bias_correction1 = static_cast<float>(1.0 - std::pow(double(opt_.beta1), t));
  const float bias_correction2_sqrt = static_cast<float>(std::sqrt(1.0 - std::pow(double(opt_.beta2), t)));
  const float step_size = lr_ / bias_correction1;
  for (size_t i = 0; i < params_.size(); ++i) {
    Tensor& p = params_[i];
    Tensor grad = p.grad();
    if (!grad.defined()) continue;
    float* w = p.data();
    const float* dw = grad.data();
    float* m = buffer(i, "exp_avg").data();
    float* v = buffer(i, "exp_avg_sq").data();
    float* v_max = opt_.amsgrad ? buffer(i, "max_exp_avg_sq").data() : nullptr;
    for (int64_t k = 0, n = p.numel(); k < n; ++k) {
      float g = dw[k];
      if (decoupled_weight_decay_) w[k] *= 1.0f - lr_ * opt_.weight_decay;
      else g += opt_.weight_decay * w[k];
      m[k] = opt_.beta1 * m[k] + (1.0f - opt_.beta1) * g;
      v[k] = opt_.beta2 * v[k] + (1.0f - opt_.beta2) * g * g;
      float second = v[k];
      if (v_max) second = v_max[k] = std::max(v_max[k], v[k]);
      float denom = std::sqrt(second) / bias_correction2_sqrt + opt_.eps;
      w[k] -= step_size * m[k] / denom;
    }
    p.bump_version();
  }
  // ASSIGNMENT adam/step: end
}

}  // namespace ag::optim
