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
//
// Bit for bit as PyTorch 1.13 (_single_tensor_adam / _single_tensor_adamw),
// whose float32 tensor ops each round their result once:
//   p.mul_(1 - lr * weight_decay)                  AdamW; the factor in double
//   g = g.add(p, alpha=weight_decay)               Adam with weight decay
//   m.mul_(β1).add_(g, alpha=1 - β1)               a product, then an FMA
//   v.mul_(β2).addcmul_(g, g, value=1 - β2)        v·β2, then fma((1-β2)·g, g, v)
//   denom = (v.sqrt() / √(1 - β2^t)).add_(eps)     three roundings
//   p.addcdiv_(m, denom, value=-lr / (1 - β1^t))   p + ((-step_size)·m) / denom
// The scalars (β1^t, step_size, ...) are computed in double, as Python does,
// and rounded to float once. add(x, alpha=a) is ATen's fused multiply-add
// (std::fma here). addcmul_'s kernel is written self + value·t1·t2, and the
// compiler PyTorch is built with fuses its last product into the addition
// (checked against Debian's torch 1.13: rounding value·t1·t2 separately
// differs in 2 of 1003 elements, this FMA in none). Nothing else may fuse,
// so optim/ is compiled with -ffp-contract=off (sgd.cpp says why a flag):
// without it g++ fuses even AdamW's 1 − lr·wd, in double, where Python
// rounds the product and the difference apart.
#include <algorithm>
#include <cmath>
#include <string>

#include "optim/optimizer.h"

namespace ag::optim {

Adam::Adam(std::vector<Tensor> params, AdamOptions options)
    : Adam(std::move(params), options, false) {}

Adam::Adam(std::vector<Tensor> params, AdamOptions options, bool decoupled)
    : Optimizer(std::move(params), options.lr), opt_(options), decoupled_weight_decay_(decoupled) {
  if (!(opt_.beta1 >= 0.0 && opt_.beta1 < 1.0) || !(opt_.beta2 >= 0.0 && opt_.beta2 < 1.0))
    fail("Adam: betas must be in [0, 1), got (", opt_.beta1, ", ", opt_.beta2, ")");
  if (!(opt_.eps >= 0.0 && opt_.eps <= kFloatMax)) fail("Adam: invalid epsilon ", opt_.eps);
  if (!(opt_.weight_decay >= 0.0 && opt_.weight_decay <= kFloatMax))
    fail("Adam: invalid weight_decay ", opt_.weight_decay);
}

// The second moments are averages of squares: a negative one (its square
// root is NaN) cannot come from a run, only from a damaged state.
std::string Adam::invalid_state(const std::string& buffer_name, float value) const {
  if (!std::isfinite(value)) return "expected a finite number";
  if ((buffer_name == "exp_avg_sq" || buffer_name == "max_exp_avg_sq") && value < 0.0f)
    return "a second moment is a mean of squares, so it is >= 0";
  return "";
}

AdamW::AdamW(std::vector<Tensor> params, AdamOptions options)
    : Adam(std::move(params), options, true) {}

void Adam::step() {
  // ASSIGNMENT adam/step: begin
  ++steps_;
  const double t = static_cast<double>(steps_);
  const double bias_correction1 = 1.0 - std::pow(opt_.beta1, t);
  const double bias_correction2_sqrt = std::sqrt(1.0 - std::pow(opt_.beta2, t));
  // The scalars as the kernels see them: computed in double, rounded once.
  const float decay = static_cast<float>(1.0 - lr_ * opt_.weight_decay);  // AdamW's p.mul_
  const float weight_decay = static_cast<float>(opt_.weight_decay);
  const float beta1 = static_cast<float>(opt_.beta1), beta2 = static_cast<float>(opt_.beta2);
  const float one_minus_beta1 = static_cast<float>(1.0 - opt_.beta1);
  const float one_minus_beta2 = static_cast<float>(1.0 - opt_.beta2);
  const float correction2 = static_cast<float>(bias_correction2_sqrt);
  const float eps = static_cast<float>(opt_.eps);
  const float minus_step_size = static_cast<float>(-(lr_ / bias_correction1));
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
      if (decoupled_weight_decay_)
        w[k] = w[k] * decay;  // p.mul_(1 - lr * wd)
      else if (opt_.weight_decay != 0.0)
        g = std::fma(weight_decay, w[k], g);              // g.add(p, alpha=wd)
      m[k] = std::fma(one_minus_beta1, g, m[k] * beta1);  // m.mul_(β1).add_(g, alpha=1-β1)
      const float scaled_g = one_minus_beta2 * g;         // v.mul_(β2).addcmul_(g, g, 1-β2)
      v[k] = std::fma(scaled_g, g, v[k] * beta2);
      float second = v[k];
      if (v_max) second = v_max[k] = std::max(v_max[k], v[k]);    // torch.maximum
      const float denom = std::sqrt(second) / correction2 + eps;  // (v.sqrt() / bc2_sqrt).add_(eps)
      w[k] = w[k] + (minus_step_size * m[k]) / denom;  // p.addcdiv_(m, denom, -step_size)
    }
    p.bump_version();
  }
  // ASSIGNMENT adam/step: end
}

}  // namespace ag::optim
