// core/ops/loss_pointwise.cpp: the element-wise losses, with backward:
// mse_loss, l1_loss, smooth_l1_loss, binary_cross_entropy(_with_logits), kl_div.
//
// Each compares input x and target t element by element, l_i = f(x_i, t_i),
// then reduces: none keeps l (the input's shape), sum adds it, mean divides the
// sum by numel (an empty input gives NaN, as PyTorch), batchmean (kl_div only)
// by the batch size x.size(0). Backward is the same for all of them:
//   dx_i = scale_i * df/dx (x_i, t_i),   dt_i = scale_i * df/dt (x_i, t_i)
// with scale_i = dout_i (none), dout (sum) or dout / divisor (mean, batchmean).
// So each loss below is its value f and its two partial derivatives, side by side.
#include <cmath>
#include <limits>
#include <vector>

#include "core/autograd.h"
#include "core/ops/elementwise.h"
#include "core/ops/loss.h"
#include "core/ops/loss_pointwise.h"

namespace ag {

// One node shape for every element-wise loss; each loss names its own struct
// (break ag::SmoothL1LossBackward::apply works) and gives its derivatives.
struct PointwiseLossBackward : Node {
  SavedTensor input, target;
  LossReduction reduction = LossReduction::Mean;
  double divisor = 1.0;  // of mean / batchmean
  std::vector<Tensor> apply(const Tensor& dout) override;
  void release_saved() override {
    input.reset();
    target.reset();
  }
  // df/dx and df/dt at element i.
  virtual void derivatives(float x, float t, int64_t i, float& dx, float& dt) const = 0;
};

namespace {

// The value of the loss from its per-element values l (the input's shape).
Tensor reduce_elements(std::vector<float> l, const Shape& shape, LossReduction reduction,
                       double divisor) {
  if (reduction == LossReduction::None) return from_vector(std::move(l), shape);
  double total = 0.0;  // in double: a mean over many elements loses no digits
  for (float v : l) total += v;
  if (reduction == LossReduction::Sum) return scalar(static_cast<float>(total));
  return scalar(divisor == 0.0 ? std::numeric_limits<float>::quiet_NaN()  // 0/0, spelled out
                               : static_cast<float>(total / divisor));
}

// Checks shapes and reduction, computes l_i = f(x_i, t_i), reduces, attaches the node.
template <class Value>
Tensor pointwise_loss(const char* op, const Tensor& input, const Tensor& target,
                      LossReduction reduction, Value f,
                      std::shared_ptr<PointwiseLossBackward> node) {
  if (input.shape() != target.shape())
    fail(op, ": input ", input.shape(), " and target ", target.shape(),
         " must have the same shape");
  if (reduction == LossReduction::BatchMean && std::string(op) != "kl_div")
    fail(op, ": reduction 'batchmean' is only for kl_div (use none, mean or sum)");
  if (reduction == LossReduction::BatchMean && input.dim() == 0)
    fail(op, ": reduction 'batchmean' needs a batch dimension, got a 0-d input");
  const float *px = input.data(), *pt = target.data();
  std::vector<float> l(input.numel());
  for (int64_t i = 0; i < input.numel(); ++i) l[i] = f(px[i], pt[i], i);
  const double divisor = reduction == LossReduction::BatchMean ? static_cast<double>(input.size(0))
                                                               : static_cast<double>(input.numel());
  Tensor out = reduce_elements(std::move(l), input.shape(), reduction, divisor);
  if (needs_grad({input, target})) {
    node->input = SavedTensor(input);
    node->target = SavedTensor(target);
    node->reduction = reduction;
    node->divisor = divisor;
    attach(out, node, {input, target});
  }
  return out;
}

float sign_of(float d) {
  return d > 0.0f ? 1.0f : (d < 0.0f ? -1.0f : 0.0f);
}  // sign(0) = 0, as PyTorch

}  // namespace

std::vector<Tensor> PointwiseLossBackward::apply(const Tensor& dout) {
  Tensor x = input.unpack(*this), t = target.unpack(*this);
  Tensor dinput = empty(x.shape()), dtarget = empty(x.shape());
  const float *px = x.data(), *pt = t.data();
  float *di = dinput.data(), *dt = dtarget.data();
  const float shared_scale = reduction == LossReduction::None ? 0.0f
                             : reduction == LossReduction::Sum
                                 ? dout.item()
                                 : dout.item() / static_cast<float>(divisor);
  for (int64_t i = 0; i < x.numel(); ++i) {
    const float scale = reduction == LossReduction::None ? dout.data()[i] : shared_scale;
    float fx = 0.0f, ft = 0.0f;
    derivatives(px[i], pt[i], i, fx, ft);
    di[i] = scale * fx;
    dt[i] = scale * ft;
  }
  return {dinput, dtarget};
}

// ---------------------------------------------------------------- mse_loss
// f = (x - t)²:  df/dx = 2 (x - t),  df/dt = -2 (x - t)
struct MseLossBackward : PointwiseLossBackward {
  std::string name() const override { return "MseLossBackward"; }
  void derivatives(float x, float t, int64_t, float& dx, float& dt) const override {
    dx = 2.0f * (x - t);
    dt = -dx;
  }
};
Tensor mse_loss(const Tensor& input, const Tensor& target, LossReduction reduction) {
  return pointwise_loss(
      "mse_loss", input, target, reduction,
      [](float x, float t, int64_t) { return (x - t) * (x - t); },
      std::make_shared<MseLossBackward>());
}

// ---------------------------------------------------------------- l1_loss
// f = |x - t|:  df/dx = sign(x - t) (0 at x = t, as PyTorch),  df/dt = -sign(x - t)
struct L1LossBackward : PointwiseLossBackward {
  std::string name() const override { return "L1LossBackward"; }
  void derivatives(float x, float t, int64_t, float& dx, float& dt) const override {
    dx = sign_of(x - t);
    dt = -dx;
  }
};
Tensor l1_loss(const Tensor& input, const Tensor& target, LossReduction reduction) {
  return pointwise_loss(
      "l1_loss", input, target, reduction,
      [](float x, float t, int64_t) { return std::fabs(x - t); },
      std::make_shared<L1LossBackward>());
}

// ---------------------------------------------------------------- smooth_l1_loss
// d = x - t.  f = 0.5 d² / beta where |d| < beta, else |d| - 0.5 beta  (a parabola
// that meets the line with slope 1):  df/dx = d / beta or sign(d),  df/dt = -df/dx
struct SmoothL1LossBackward : PointwiseLossBackward {
  float beta = 1.0f;
  std::string name() const override { return "SmoothL1LossBackward"; }
  void derivatives(float x, float t, int64_t, float& dx, float& dt) const override {
    const float d = x - t;
    dx = std::fabs(d) < beta ? d / beta : sign_of(d);
    dt = -dx;
  }
};
Tensor smooth_l1_loss(const Tensor& input, const Tensor& target, LossReduction reduction,
                      float beta) {
  if (!(beta >= 0.0f)) fail("smooth_l1_loss: beta must be non-negative, got ", beta);
  if (beta == 0.0f) return l1_loss(input, target, reduction);  // as PyTorch: no 0/0 parabola
  auto node = std::make_shared<SmoothL1LossBackward>();
  node->beta = beta;
  return pointwise_loss(
      "smooth_l1_loss", input, target, reduction,
      [beta](float x, float t, int64_t) {
        const float d = std::fabs(x - t);
        return d < beta ? 0.5f * d * d / beta : d - 0.5f * beta;
      },
      node);
}

// ---------------------------------------------------------------- binary_cross_entropy
// f = -(t log x + (1 - t) log(1 - x)), each log clamped at -100 so x = 0 or 1 stays finite:
//   df/dx = (x - t) / max(x (1 - x), 1e-12)   (PyTorch's epsilon),
//   df/dt = log(1 - x) - log(x)
struct BinaryCrossEntropyBackward : PointwiseLossBackward {
  std::string name() const override { return "BinaryCrossEntropyBackward"; }
  void derivatives(float x, float t, int64_t, float& dx, float& dt) const override {
    dx = (x - t) / std::max(x * (1.0f - x), 1e-12f);
    dt = std::log1p(-x) - std::log(x);
  }
};
Tensor binary_cross_entropy(const Tensor& input, const Tensor& target, LossReduction reduction) {
  const float* px = input.data();
  for (int64_t i = 0; i < input.numel(); ++i)
    if (!(px[i] >= 0.0f && px[i] <= 1.0f))
      fail("binary_cross_entropy: all elements of input should be between 0 and 1; element ",
           index_str(i, input.shape()), " of input ", input.shape(), " is ", px[i]);
  return pointwise_loss(
      "binary_cross_entropy", input, target, reduction,
      [](float x, float t, int64_t) {
        const float log_x = std::max(std::log(x), -100.0f),
                    log_1mx = std::max(std::log1p(-x), -100.0f);
        return -(t * log_x + (1.0f - t) * log_1mx);
      },
      std::make_shared<BinaryCrossEntropyBackward>());
}

// ---------------------------------------------------------------- binary_cross_entropy_with_logits
// With sp(-x) = log(1 + e^-x) = log(1 + e^-|x|) + max(-x, 0) (never overflows) and
// lw = 1 + (pw - 1) t for pos_weight pw:
//   f = (1 - t) x + lw sp(-x)
//   df/dx = (1 - t) - lw sigmoid(-x)          (= sigmoid(x) - t when pw = 1)
//   df/dt = -x + (pw - 1) sp(-x)
struct BinaryCrossEntropyWithLogitsBackward : PointwiseLossBackward {
  std::vector<float> pos_weight;  // expanded to the input's shape, or empty (all 1)
  std::string name() const override { return "BinaryCrossEntropyWithLogitsBackward"; }
  void derivatives(float x, float t, int64_t i, float& dx, float& dt) const override {
    const float pw = pos_weight.empty() ? 1.0f : pos_weight[i];
    const float lw = 1.0f + (pw - 1.0f) * t;
    const float sigmoid_neg_x = 1.0f / (1.0f + std::exp(x));
    const float softplus_neg_x = std::log1p(std::exp(-std::fabs(x))) + std::max(-x, 0.0f);
    dx = (1.0f - t) - lw * sigmoid_neg_x;
    dt = -x + (pw - 1.0f) * softplus_neg_x;
  }
};
Tensor binary_cross_entropy_with_logits(const Tensor& input, const Tensor& target,
                                        LossReduction reduction, const Tensor& pos_weight) {
  auto node = std::make_shared<BinaryCrossEntropyWithLogitsBackward>();
  if (pos_weight.defined()) {
    if (broadcast_shapes("binary_cross_entropy_with_logits", pos_weight.shape(), input.shape()) !=
        input.shape())
      fail("binary_cross_entropy_with_logits: pos_weight ", pos_weight.shape(),
           " does not broadcast to the input's shape ", input.shape());
    NoGradGuard constant;  // pos_weight is a constant here (see loss.h)
    node->pos_weight = expand(pos_weight, input.shape()).to_vector();
  }
  const std::vector<float>* pw = &node->pos_weight;
  return pointwise_loss(
      "binary_cross_entropy_with_logits", input, target, reduction,
      [pw](float x, float t, int64_t i) {
        const float lw = 1.0f + ((pw->empty() ? 1.0f : (*pw)[i]) - 1.0f) * t;
        return (1.0f - t) * x + lw * (std::log1p(std::exp(-std::fabs(x))) + std::max(-x, 0.0f));
      },
      node);
}

// ---------------------------------------------------------------- kl_div
// x = log q (input), t = p (target):   f = t (log t - x), 0 where t = 0
//   df/dx = -t,   df/dt = log t + 1 - x  (0 where t = 0, as PyTorch's xlogy)
// With log_target, t = log p:  f = e^t (t - x),  df/dx = -e^t,  df/dt = e^t (t - x + 1)
struct KlDivBackward : PointwiseLossBackward {
  bool log_target = false;
  std::string name() const override { return "KlDivBackward"; }
  void derivatives(float x, float t, int64_t, float& dx, float& dt) const override {
    if (log_target) {
      dx = -std::exp(t);
      dt = std::exp(t) * (t - x + 1.0f);
    } else {
      dx = -t;
      dt = t > 0.0f ? std::log(t) + 1.0f - x : 0.0f;
    }
  }
};
Tensor kl_div(const Tensor& input, const Tensor& target, LossReduction reduction, bool log_target) {
  auto node = std::make_shared<KlDivBackward>();
  node->log_target = log_target;
  return pointwise_loss(
      "kl_div", input, target, reduction,
      [log_target](float x, float t, int64_t) {
        if (log_target) return std::exp(t) * (t - x);
        return t > 0.0f ? t * (std::log(t) - x) : (t == 0.0f ? 0.0f : t * (std::log(t) - x));
      },
      node);
}

}  // namespace ag
