// core/ops/norm_relu.h: relu(batch_norm(x) + residual) as one op
// (core/ops/norm_relu.cpp), the training fast path of the network's
// conv -> bn -> relu and conv -> bn -> add -> relu blocks.
#pragma once

#include "core/tensor.h"

namespace ag {

// x, residual: (N, C) or (N, C, H, W); the others as batch_norm's (core/ops/norm.h).
// Returns relu(batch_norm(x, ...) + residual), or relu(batch_norm(x, ...))
// when residual is undefined: the values, the gradients of x, weight, bias
// and residual, and the running-stat update of those ops one after another,
// in two passes over memory each way instead of four to six.
Tensor batch_norm_relu(const Tensor& x, Tensor running_mean, Tensor running_var,
                       const Tensor& weight, const Tensor& bias, bool training,
                       float momentum = 0.1f, float eps = 1e-5f, const Tensor& residual = Tensor());

}  // namespace ag
