// Hand-in fixture (F6 Adam, student "memory_hog"): optim/adam.cpp whose step
// keeps a copy of every moment it ever computed, and keeps computing: it
// grows without end. The sandbox stops it at its memory limit, and the
// report must say so by name ("used more than 2 GiB"), not "an endless loop?".

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
#include <memory>
#include <string>
#include <vector>

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
  // A history of the moments, "for debugging": 256 MB a step, never freed.
  static std::vector<std::unique_ptr<float[]>> history;
  for (;;) history.emplace_back(new float[size_t{1} << 26]);
  // ASSIGNMENT adam/step: end
}

}  // namespace ag::optim
