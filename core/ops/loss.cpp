// core/ops/loss.cpp: cross_entropy and nll_loss (class losses), with backward.
// The element-wise losses (mse, l1, smooth_l1, bce, kl_div) are in loss_pointwise.cpp.
//
// Shape legend: N samples, C classes, S = product of the extra dims d... (1 for
// plain (N, C) logits). Logits (N, C, d...) are read as (N, C, S): the class
// scores of sample position (n, s) are x[n, 0..C-1, s], stride S apart.
// Targets (N, d...) are read as (N, S) and hold class ids as whole floats.
//
// A position whose target equals ignore_index adds nothing to the loss and is
// not counted in the mean. When every position is ignored the mean is 0/0 =
// NaN, exactly as PyTorch returns (and its gradient is NaN too).
// With class weights w (C), a position with target t counts w[t] times, and
// the mean divides by the sum of w[t] over the counted positions (PyTorch's rule).
#include "core/ops/loss.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "core/autograd.h"
#include "core/kernels/softmax.h"  // exp_sum: the log-sum-exp softmax.cpp uses too
#include "core/ops/shape.h"

namespace ag {
namespace {

// Flat index -> "2" for 1-D targets, "[1, 2]" otherwise: how a reader indexes it.
std::string position(int64_t flat, const Shape& shape) {
  return shape.size() <= 1 ? std::to_string(flat) : index_str(flat, shape);
}

// Checks (N, C, d...) against (N, d...) and every target value, before any
// arithmetic: a bad class id would otherwise read outside the row. The checked
// ids are kept as integers for forward and backward alike: backward must not
// re-read the targets tensor, which the caller may have overwritten since.
struct ClassGeometry {
  int64_t N = 0, C = 0, S = 1;
  std::vector<int64_t> classes;  // (N, S): the class id at (n, s), or kIgnored
  int64_t kept = 0;              // positions not ignored: the divisor of the mean
};
constexpr int64_t kIgnored = -1;

ClassGeometry check_class_targets(const char* op, const char* input_name, const Tensor& input,
                                  const Tensor& targets, int64_t ignore_index) {
  if (input.dim() < 2)
    fail(op, ": ", input_name, " must have shape (N, C) or (N, C, d...), got ", input.shape());
  Shape expected = input.shape();
  expected.erase(expected.begin() + 1);  // drop C
  if (targets.shape() != expected)
    fail(op, ": targets ", targets.shape(), " do not match ", input_name, " ", input.shape(),
         " (expected targets of shape ", expected, ")");
  ClassGeometry g;
  g.N = input.size(0);
  g.C = input.size(1);
  for (int64_t d = 2; d < input.dim(); ++d) g.S *= input.size(d);
  const float* t = targets.data();
  g.classes.assign(targets.numel(), kIgnored);
  for (int64_t i = 0; i < targets.numel(); ++i) {
    if (t[i] == static_cast<float>(ignore_index)) continue;
    if (!(t[i] == std::floor(t[i])))  // also catches NaN and infinities
      fail(op, ": target ", t[i], " at index ", position(i, targets.shape()),
           " is not a whole number (class ids are whole numbers in [0, ", g.C, "))");
    if (t[i] < 0 || t[i] >= static_cast<double>(g.C))  // C as a float rounds past 2^24
      fail(op, ": target ", t[i], " at index ", position(i, targets.shape()),
           " is out of range for ", g.C, " classes");
    g.classes[i] = static_cast<int64_t>(t[i]);
    ++g.kept;
  }
  return g;
}

// ---------------------------------------------------------------- options
// The per-class weights (1 each when none are given), checked against C.
std::vector<float> class_weights(const char* op, const Tensor& weight, int64_t C) {
  if (!weight.defined()) return std::vector<float>(C, 1.0f);
  if (weight.dim() != 1 || weight.size(0) != C)
    fail(op, ": weight of shape ", weight.shape(), " must be a 1-D tensor of ", C,
         " class weights (one per class)");
  return weight.to_vector();
}

// Everything forward and backward share about one class loss.
struct ClassLoss {
  ClassGeometry g;
  std::vector<float> weight;  // (C)
  float smoothing = 0.0f;     // label_smoothing eps
  LossReduction reduction = LossReduction::Mean;
  double divisor = 1.0;  // of the mean: the summed weights of counted targets
  Shape out_shape;       // of reduction none: the targets' shape
};

// The loss's value, from the per-position losses.
Tensor reduce_positions(const ClassLoss& L, std::vector<float> per_position) {
  if (L.reduction == LossReduction::None) return from_vector(std::move(per_position), L.out_shape);
  double total = 0.0;  // in double: a mean over many samples loses no digits
  for (float v : per_position) total += v;
  if (L.reduction == LossReduction::Sum) return scalar(static_cast<float>(total));
  return scalar(L.divisor == 0.0 ? std::numeric_limits<float>::quiet_NaN()  // all ignored: NaN
                                 : static_cast<float>(total / L.divisor));
}

// The gradient each position's loss receives from dout.
float position_scale(const ClassLoss& L, const Tensor& dout, int64_t position) {
  if (L.reduction == LossReduction::None) return dout.data()[position];
  if (L.reduction == LossReduction::Sum) return dout.item();
  return dout.item() / static_cast<float>(L.divisor);  // NaN when all are ignored
}

LossReduction check_class_reduction(const char* op, LossReduction r) {
  if (r == LossReduction::BatchMean)
    fail(op, ": reduction 'batchmean' is only for kl_div (use none, mean or sum)");
  return r;
}

}  // namespace

LossReduction loss_reduction(const char* op, const char* name) {
  const std::string word = name;
  if (word == "none") return LossReduction::None;
  if (word == "mean") return LossReduction::Mean;
  if (word == "sum") return LossReduction::Sum;
  if (word == "batchmean") return LossReduction::BatchMean;
  fail(op, ": '", word, "' is not a valid value for reduction (none, mean, sum or batchmean)");
}

// ---------------------------------------------------------------- cross_entropy
// With class ids, per kept position (n, s) with target t, p = softmax(x[n, :, s]),
// logp = log p = x - logsumexp(x):
//   loss = (1 - eps) w_t (-logp_t) + eps/C sum_c w_c (-logp_c)
// With class probabilities T (the logits' shape), t_c = (1 - eps) T_c + eps/C:
//   loss = -sum_c w_c t_c logp_c;  the mean divides by the N*S positions.
// The gradients are written beside their loop, in CrossEntropyBackward::apply.
struct CrossEntropyBackward : Node {
  SavedTensor logits, probabilities;  // probabilities: defined for probability targets
  ClassLoss L;                        // with the checked class ids
  std::string name() const override { return "CrossEntropyBackward"; }
  std::vector<Tensor> apply(const Tensor& dout) override;
  void release_saved() override {
    logits.reset();
    probabilities.reset();
  }
};

Tensor cross_entropy(const Tensor& logits, const Tensor& targets, int64_t ignore_index) {
  return cross_entropy(logits, targets, CrossEntropyOptions{.ignore_index = ignore_index});
}

// Unbatched logits (C): the same as a batch of one, as PyTorch. The target is a
// 0-d class id or a (C) row of probabilities; reduction none gives a 0-d loss.
static Tensor cross_entropy_unbatched(const Tensor& logits, const Tensor& targets,
                                      const CrossEntropyOptions& options) {
  const bool probabilities = targets.shape() == logits.shape();
  if (!probabilities && targets.dim() != 0)
    fail("cross_entropy: for logits of shape ", logits.shape(),
         " (one sample) the target must be a 0-d class id or probabilities of shape ",
         logits.shape(), ", got ", targets.shape());
  Tensor batched = cross_entropy(unsqueeze(logits, 0), unsqueeze(targets, 0), options);
  return options.reduction == LossReduction::None ? reshape(batched, {}) : batched;
}

Tensor cross_entropy(const Tensor& logits, const Tensor& targets,
                     const CrossEntropyOptions& options) {
  const char* op = "cross_entropy";
  if (logits.dim() == 1) return cross_entropy_unbatched(logits, targets, options);
  if (!(options.label_smoothing >= 0.0f && options.label_smoothing <= 1.0f))
    fail(op, ": label_smoothing must be between 0.0 and 1.0, got ", options.label_smoothing);
  const bool probabilities = logits.dim() >= 2 && targets.shape() == logits.shape();
  ClassLoss L;
  L.reduction = check_class_reduction(op, options.reduction);
  L.smoothing = options.label_smoothing;
  if (probabilities) {
    L.g.N = logits.size(0);
    L.g.C = logits.size(1);
    for (int64_t d = 2; d < logits.dim(); ++d) L.g.S *= logits.size(d);
    L.divisor = static_cast<double>(L.g.N * L.g.S);
  } else {
    L.g = check_class_targets(op, "logits", logits, targets, options.ignore_index);
  }
  L.weight = class_weights(op, options.weight, L.g.C);
  L.out_shape = logits.shape();
  L.out_shape.erase(L.out_shape.begin() + 1);  // (N, d...)

  const int64_t C = L.g.C, S = L.g.S;
  const float eps = L.smoothing, *w = L.weight.data(), *px = logits.data();
  const float* pt = probabilities ? targets.data() : nullptr;
  std::vector<float> per_position(L.g.N * S, 0.0f);
  double counted_weight = 0.0;
  for (int64_t n = 0; n < L.g.N; ++n)
    for (int64_t s = 0; s < S; ++s) {
      const float* row = px + n * C * S + s;  // row[c * S] = x[n, c, s]
      const float lse = exp_sum(row, C, S).log_sum_exp();
      double loss = 0.0;
      if (probabilities) {
        const float* trow = pt + n * C * S + s;
        for (int64_t c = 0; c < C; ++c)
          loss -= w[c] * ((1.0 - eps) * trow[c * S] + eps / C) * (row[c * S] - lse);
      } else {
        const int64_t t = L.g.classes[n * S + s];
        if (t == kIgnored) continue;
        loss = (1.0 - eps) * w[t] * (lse - row[t * S]);
        if (eps > 0.0f)
          for (int64_t c = 0; c < C; ++c) loss += eps / C * w[c] * (lse - row[c * S]);
        counted_weight += w[t];
      }
      per_position[n * S + s] = static_cast<float>(loss);
    }
  if (!probabilities) L.divisor = counted_weight;
  Tensor out = reduce_positions(L, std::move(per_position));
  const bool target_grad = probabilities && targets.requires_grad();
  if (needs_grad({logits}) || (target_grad && grad_enabled())) {
    auto node = std::make_shared<CrossEntropyBackward>();
    node->logits = SavedTensor(logits);
    if (probabilities) node->probabilities = SavedTensor(targets);
    node->L = std::move(L);
    attach(out, node, {logits, probabilities ? targets : Tensor()});
  }
  return out;
}

std::vector<Tensor> CrossEntropyBackward::apply(const Tensor& dout) {
  Tensor x = logits.unpack(*this);
  // ASSIGNMENT log_softmax_cross_entropy/cross_entropy_backward: begin
  // With class ids (the top comment's notation), W = sum_c w_c and scale the
  // position's share of dout:
  //   dx_c = scale * ((1 - eps) w_t (p_c - [c == t]) + eps/C (p_c W - w_c))
  // This fused form needs no log_softmax tensor and is exact where softmax saturates.
  // With class probabilities T:
  //   dx_c = scale * (p_c sum_k w_k t_k - w_c t_c),  dT_c = -scale (1 - eps) w_c logp_c
  const bool by_probability = probabilities.defined();
  Tensor T = by_probability ? probabilities.unpack(*this) : Tensor();
  const int64_t C = L.g.C, S = L.g.S;
  const float eps = L.smoothing, *w = L.weight.data();
  float weight_total = 0.0f;
  for (float wc : L.weight) weight_total += wc;
  Tensor dlogits = zeros(x.shape());
  Tensor dtargets = by_probability && next_edges[1].valid() ? zeros(x.shape()) : Tensor();
  const float* px = x.data();
  for (int64_t n = 0; n < L.g.N; ++n)
    for (int64_t s = 0; s < S; ++s) {
      const int64_t t = by_probability ? 0 : L.g.classes[n * S + s];
      if (t == kIgnored) continue;
      const float scale = position_scale(L, dout, n * S + s);
      const float* row = px + n * C * S + s;
      float* drow = dlogits.data() + n * C * S + s;
      const ExpSum e = exp_sum(row, C, S);
      if (by_probability) {
        const float* trow = T.data() + n * C * S + s;
        float weighted_total = 0.0f;  // sum_k w_k t_k
        for (int64_t c = 0; c < C; ++c)
          weighted_total += w[c] * ((1.0f - eps) * trow[c * S] + eps / C);
        for (int64_t c = 0; c < C; ++c) {
          const float p = std::exp(row[c * S] - e.max) / e.sum;
          const float tc = (1.0f - eps) * trow[c * S] + eps / C;
          drow[c * S] = scale * (p * weighted_total - w[c] * tc);
          if (dtargets.defined())
            dtargets.data()[n * C * S + s + c * S] =
                -scale * (1.0f - eps) * w[c] * (row[c * S] - e.log_sum_exp());
        }
        continue;
      }
      for (int64_t c = 0; c < C; ++c) {
        const float p = std::exp(row[c * S] - e.max) / e.sum;
        const float onehot = c == t ? 1.0f : 0.0f;
        drow[c * S] =
            scale * ((1.0f - eps) * w[t] * (p - onehot) + eps / C * (p * weight_total - w[c]));
      }
    }
  // ASSIGNMENT log_softmax_cross_entropy/cross_entropy_backward: end
  return {dlogits, dtargets};
}

// ---------------------------------------------------------------- nll_loss
// loss = w_t (-logp[n, t, s]) per kept position;  dlogp[n, t, s] = -scale w_t, 0 elsewhere.
struct NllLossBackward : Node {
  ClassLoss L;  // with the checked class ids
  Shape input_shape;
  std::string name() const override { return "NllLossBackward"; }
  std::vector<Tensor> apply(const Tensor& dout) override;
};

Tensor nll_loss(const Tensor& log_probs, const Tensor& targets, int64_t ignore_index) {
  return nll_loss(log_probs, targets, NllLossOptions{.ignore_index = ignore_index});
}

Tensor nll_loss(const Tensor& log_probs, const Tensor& targets, const NllLossOptions& options) {
  const char* op = "nll_loss";
  if (log_probs.dim() == 1) {  // unbatched (C) with a 0-d target, as PyTorch
    if (targets.dim() != 0)
      fail(op, ": for log_probs of shape ", log_probs.shape(),
           " the target must be a 0-d class id, got ", targets.shape());
    Tensor batched = nll_loss(unsqueeze(log_probs, 0), unsqueeze(targets, 0), options);
    return options.reduction == LossReduction::None ? reshape(batched, {}) : batched;
  }
  ClassLoss L;
  L.reduction = check_class_reduction(op, options.reduction);
  L.g = check_class_targets(op, "log_probs", log_probs, targets, options.ignore_index);
  L.weight = class_weights(op, options.weight, L.g.C);
  L.out_shape = targets.shape();
  const float* lp = log_probs.data();
  std::vector<float> per_position(L.g.N * L.g.S, 0.0f);
  double counted_weight = 0.0;
  for (int64_t n = 0; n < L.g.N; ++n)
    for (int64_t s = 0; s < L.g.S; ++s) {
      const int64_t t = L.g.classes[n * L.g.S + s];
      if (t == kIgnored) continue;
      per_position[n * L.g.S + s] = -L.weight[t] * lp[(n * L.g.C + t) * L.g.S + s];
      counted_weight += L.weight[t];
    }
  L.divisor = counted_weight;
  Tensor out = reduce_positions(L, std::move(per_position));
  if (needs_grad({log_probs})) {
    auto node = std::make_shared<NllLossBackward>();
    node->L = std::move(L);
    node->input_shape = log_probs.shape();
    attach(out, node, {log_probs});
  }
  return out;
}

std::vector<Tensor> NllLossBackward::apply(const Tensor& dout) {
  Tensor dlogp = zeros(input_shape);
  float* d = dlogp.data();
  for (int64_t n = 0; n < L.g.N; ++n)
    for (int64_t s = 0; s < L.g.S; ++s) {
      const int64_t t = L.g.classes[n * L.g.S + s];
      if (t != kIgnored)
        d[(n * L.g.C + t) * L.g.S + s] = -position_scale(L, dout, n * L.g.S + s) * L.weight[t];
    }
  return {dlogp};
}

}  // namespace ag
