// core/ops/loss.h: the class losses, cross_entropy and nll_loss (core/ops/loss.cpp),
// with PyTorch's options and defaults, and the reduction every loss takes. The
// element-wise losses (mse, l1, smooth_l1, bce, kl_div) are in core/ops/loss_pointwise.h.
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
Tensor cross_entropy(const Tensor& logits, const Tensor& targets,
                     const CrossEntropyOptions& options);
// log_probs as from log_softmax over dim 1; class-id targets shaped as for cross_entropy.
Tensor nll_loss(const Tensor& log_probs, const Tensor& targets, int64_t ignore_index = -100);
Tensor nll_loss(const Tensor& log_probs, const Tensor& targets, const NllLossOptions& options);

}  // namespace ag
