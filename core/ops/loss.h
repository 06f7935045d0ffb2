// core/ops/loss.h: the training losses, with PyTorch's options and defaults.
//
// Class targets are float tensors holding whole numbers (attograd tensors are
// float32 only); a target that is not a whole number in [0, C) is an error,
// except ignore_index, whose positions count neither in the loss nor in the mean.
// Differs from PyTorch: the element-wise losses (mse, l1, smooth_l1, bce, kl_div)
// require input and target of the same shape instead of broadcasting with a warning.
// Class weights and pos_weight are constants here: no gradient flows into them.
#pragma once

#include <cstdint>

#include "core/tensor.h"

namespace ag {

// How a loss combines its per-element values, as PyTorch's `reduction`:
// "none" keeps them, "sum" adds them, "mean" averages them (cross_entropy and
// nll_loss divide by the summed class weights of the targets they count), and
// "batchmean" (kl_div only) divides the sum by the batch size input.size(0).
enum class LossReduction { None, Mean, Sum, BatchMean };
// "none" | "mean" | "sum" | "batchmean", or an error naming op and the word.
LossReduction loss_reduction(const char* op, const char* name);

struct CrossEntropyOptions {
  LossReduction reduction = LossReduction::Mean;
  int64_t ignore_index = -100;   // class-index targets only
  float label_smoothing = 0.0f;  // in [0, 1]: target = (1 - eps) * target + eps / C
  Tensor weight{};               // optional (C): a weight per class ({} here: no warning
                                 // when a designated initializer leaves it out)
};
struct NllLossOptions {
  LossReduction reduction = LossReduction::Mean;
  int64_t ignore_index = -100;
  Tensor weight{};  // optional (C)
};

// logits: (N, C), (N, C, d...) or (C); targets: class ids (N), (N, d...) or () for
// (C) logits, or class probabilities of the logits' own shape.
Tensor cross_entropy(const Tensor& logits, const Tensor& targets, int64_t ignore_index = -100);
Tensor cross_entropy(const Tensor& logits, const Tensor& targets, const CrossEntropyOptions& options);
// log_probs as from log_softmax over dim 1; class-id targets shaped as for cross_entropy.
Tensor nll_loss(const Tensor& log_probs, const Tensor& targets, int64_t ignore_index = -100);
Tensor nll_loss(const Tensor& log_probs, const Tensor& targets, const NllLossOptions& options);

// Element-wise losses: input and target of one shape; reduction mean by default.
// (x - t)²
Tensor mse_loss(const Tensor& input, const Tensor& target, LossReduction reduction = LossReduction::Mean);
// |x - t|
Tensor l1_loss(const Tensor& input, const Tensor& target, LossReduction reduction = LossReduction::Mean);
// 0.5 (x - t)² / beta where |x - t| < beta, else |x - t| - 0.5 beta; beta = 0 is l1_loss.
Tensor smooth_l1_loss(const Tensor& input, const Tensor& target,
                      LossReduction reduction = LossReduction::Mean, float beta = 1.0f);
// input: probabilities in [0, 1]; -(t log x + (1 - t) log(1 - x)), each log clamped at -100.
Tensor binary_cross_entropy(const Tensor& input, const Tensor& target,
                            LossReduction reduction = LossReduction::Mean);
// The same on logits, in the stable form (1 - t) x + lw (log(1 + e^-|x|) + max(-x, 0)),
// lw = 1 + (pos_weight - 1) t; pos_weight (optional) broadcasts to the input's shape.
Tensor binary_cross_entropy_with_logits(const Tensor& input, const Tensor& target,
                                        LossReduction reduction = LossReduction::Mean,
                                        const Tensor& pos_weight = Tensor());
// input: log-probabilities; target: probabilities (or log-probabilities with log_target).
// t (log t - x), 0 where t = 0.  PyTorch's default reduction is mean (over every
// element); batchmean is the true KL divergence per sample.
Tensor kl_div(const Tensor& input, const Tensor& target, LossReduction reduction = LossReduction::Mean,
              bool log_target = false);

}  // namespace ag
