// core/ops/loss_pointwise.h: the element-wise losses (core/ops/loss_pointwise.cpp):
// mse_loss, l1_loss, smooth_l1_loss, binary_cross_entropy(_with_logits), kl_div.
// Each takes a LossReduction (core/ops/loss.h).
#pragma once

#include "core/ops/loss.h"
#include "core/tensor.h"

namespace ag {

// Element-wise losses: input and target of one shape; reduction mean by default.
// (x - t)²
Tensor mse_loss(const Tensor& input, const Tensor& target,
                LossReduction reduction = LossReduction::Mean);
// |x - t|
Tensor l1_loss(const Tensor& input, const Tensor& target,
               LossReduction reduction = LossReduction::Mean);
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
Tensor kl_div(const Tensor& input, const Tensor& target,
              LossReduction reduction = LossReduction::Mean, bool log_target = false);

}  // namespace ag
