// core/ops/loss.h: the training losses, mean reduction as PyTorch's default.
//
// Class targets are float tensors holding whole numbers (attograd tensors are
// float32 only); a target that is not a whole number in [0, C) is an error,
// except ignore_index, whose rows count neither in the loss nor in the mean.
#pragma once

#include "core/tensor.h"

namespace ag {

// logits: (N, C) or (N, C, d...) ; targets: (N) or (N, d...).
Tensor cross_entropy(const Tensor& logits, const Tensor& targets, int64_t ignore_index = -100);
// log_probs as from log_softmax over dim 1; same shapes as cross_entropy.
Tensor nll_loss(const Tensor& log_probs, const Tensor& targets, int64_t ignore_index = -100);
Tensor mse_loss(const Tensor& input, const Tensor& target);

}  // namespace ag
