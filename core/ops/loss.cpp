// core/ops/loss.cpp: cross_entropy, nll_loss and mse_loss (mean reduction), with backward.
//
// Shape legend: N samples, C classes, S = product of the extra dims d... (1 for
// plain (N, C) logits). Logits (N, C, d...) are read as (N, C, S): the class
// scores of sample position (n, s) are x[n, 0..C-1, s], stride S apart.
// Targets (N, d...) are read as (N, S) and hold class ids as whole floats.
//
// A position whose target equals ignore_index adds nothing to the loss and is
// not counted in the mean. When every position is ignored the mean is 0/0 =
// NaN, exactly as PyTorch returns (and its gradient is NaN too).
#include "core/ops/loss.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "core/autograd.h"
#include "core/kernels/softmax.h"  // exp_sum: the log-sum-exp softmax.cpp uses too

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

// 0/0 must give NaN (all ignored); spelled out so no compiler flag changes it.
float mean_of(double total, int64_t count) {
  return count == 0 ? std::numeric_limits<float>::quiet_NaN()
                    : static_cast<float>(total / static_cast<double>(count));
}

}  // namespace

// ---------------------------------------------------------------- cross_entropy
// loss = mean over kept (n, s) of  -log softmax(x[n, :, s])[t]  =  logsumexp(x[n, :, s]) - x[n, t, s]
// dx[n, c, s] = dout * (softmax(x[n, :, s])[c] - [c == t]) / kept,  0 on ignored positions.
// This fused form needs no log_softmax tensor and is exact where softmax saturates.
struct CrossEntropyBackward : Node {
  SavedTensor logits;
  ClassGeometry g;  // with the checked class ids
  std::string name() const override { return "CrossEntropyBackward"; }
  std::vector<Tensor> apply(const Tensor& dout) override;
  void release_saved() override { logits.reset(); }
};

Tensor cross_entropy(const Tensor& logits, const Tensor& targets, int64_t ignore_index) {
  ClassGeometry g = check_class_targets("cross_entropy", "logits", logits, targets, ignore_index);
  const float* px = logits.data();
  double total = 0.0;  // in double: a mean over many samples loses no digits
  for (int64_t n = 0; n < g.N; ++n)
    for (int64_t s = 0; s < g.S; ++s) {
      const int64_t target = g.classes[n * g.S + s];
      if (target == kIgnored) continue;
      const float* row = px + n * g.C * g.S + s;
      total += exp_sum(row, g.C, g.S).log_sum_exp() - row[target * g.S];
    }
  Tensor out = scalar(mean_of(total, g.kept));
  if (needs_grad({logits})) {
    auto node = std::make_shared<CrossEntropyBackward>();
    node->logits = SavedTensor(logits);
    node->g = std::move(g);
    attach(out, node, {logits});
  }
  return out;
}

std::vector<Tensor> CrossEntropyBackward::apply(const Tensor& dout) {
  Tensor x = logits.unpack(*this);
  // ASSIGNMENT log_softmax_cross_entropy: begin
  Tensor dlogits = zeros(x.shape());
  const float scale = dout.item() / static_cast<float>(g.kept);  // NaN when all are ignored
  const float* px = x.data();
  float* dx = dlogits.data();
  for (int64_t n = 0; n < g.N; ++n)
    for (int64_t s = 0; s < g.S; ++s) {
      const int64_t target = g.classes[n * g.S + s];
      if (target == kIgnored) continue;
      const float* row = px + n * g.C * g.S + s;  // row[c * S] = x[n, c, s]
      float* drow = dx + n * g.C * g.S + s;
      const ExpSum e = exp_sum(row, g.C, g.S);
      for (int64_t c = 0; c < g.C; ++c) {
        const float p = std::exp(row[c * g.S] - e.max) / e.sum;
        const float onehot = c == target ? 1.0f : 0.0f;
        drow[c * g.S] = (p - onehot) * scale;
      }
    }
  // ASSIGNMENT log_softmax_cross_entropy: end
  return {dlogits};
}

// ---------------------------------------------------------------- nll_loss
// loss = -mean over kept (n, s) of logp[n, t, s]
// dlogp[n, t, s] = -dout / kept at each kept target, 0 everywhere else.
struct NllLossBackward : Node {
  ClassGeometry g;  // with the checked class ids
  Shape input_shape;
  std::string name() const override { return "NllLossBackward"; }
  std::vector<Tensor> apply(const Tensor& dout) override;
};

Tensor nll_loss(const Tensor& log_probs, const Tensor& targets, int64_t ignore_index) {
  ClassGeometry g = check_class_targets("nll_loss", "log_probs", log_probs, targets, ignore_index);
  const float* lp = log_probs.data();
  double total = 0.0;
  for (int64_t n = 0; n < g.N; ++n)
    for (int64_t s = 0; s < g.S; ++s) {
      const int64_t target = g.classes[n * g.S + s];
      if (target != kIgnored) total -= lp[(n * g.C + target) * g.S + s];
    }
  Tensor out = scalar(mean_of(total, g.kept));
  if (needs_grad({log_probs})) {
    auto node = std::make_shared<NllLossBackward>();
    node->g = std::move(g);
    node->input_shape = log_probs.shape();
    attach(out, node, {log_probs});
  }
  return out;
}

std::vector<Tensor> NllLossBackward::apply(const Tensor& dout) {
  Tensor dlogp = zeros(input_shape);
  const float scale = -dout.item() / static_cast<float>(g.kept);
  float* d = dlogp.data();
  for (int64_t n = 0; n < g.N; ++n)
    for (int64_t s = 0; s < g.S; ++s) {
      const int64_t target = g.classes[n * g.S + s];
      if (target != kIgnored) d[(n * g.C + target) * g.S + s] = scale;
    }
  return {dlogp};
}

// ---------------------------------------------------------------- mse_loss
// loss = mean((x - t)²):   dx = dout * 2 (x - t) / numel,   dt = -dx
struct MseLossBackward : Node {
  SavedTensor input, target;
  std::string name() const override { return "MseLossBackward"; }
  std::vector<Tensor> apply(const Tensor& dout) override;
  void release_saved() override { input.reset(); target.reset(); }
};

Tensor mse_loss(const Tensor& input, const Tensor& target) {
  // Stricter than PyTorch, which broadcasts with a warning: (N, 1) against (N)
  // silently becomes (N, N), a classic bug, so here it is an error.
  if (input.shape() != target.shape())
    fail("mse_loss: input ", input.shape(), " and target ", target.shape(),
         " must have the same shape");
  const float *px = input.data(), *pt = target.data();
  double total = 0.0;
  for (int64_t i = 0; i < input.numel(); ++i) {
    const double diff = static_cast<double>(px[i]) - pt[i];
    total += diff * diff;
  }
  Tensor out = scalar(mean_of(total, input.numel()));  // empty input: NaN, as PyTorch
  if (needs_grad({input, target})) {
    auto node = std::make_shared<MseLossBackward>();
    node->input = SavedTensor(input);
    node->target = SavedTensor(target);
    attach(out, node, {input, target});
  }
  return out;
}

std::vector<Tensor> MseLossBackward::apply(const Tensor& dout) {
  Tensor x = input.unpack(*this), t = target.unpack(*this);
  const float scale = 2.0f * dout.item() / static_cast<float>(x.numel());
  Tensor dinput = empty(x.shape()), dtarget = empty(x.shape());
  const float *px = x.data(), *pt = t.data();
  float *di = dinput.data(), *dt = dtarget.data();
  for (int64_t i = 0; i < x.numel(); ++i) {
    di[i] = scale * (px[i] - pt[i]);
    dt[i] = -di[i];
  }
  return {dinput, dtarget};
}

}  // namespace ag
