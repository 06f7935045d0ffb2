// core/ops/norm.h: batch and layer normalization (core/ops/norm.cpp); group
// normalization, their sibling, is in core/ops/group_norm.h, and batch norm
// fused with the ReLU after it in core/ops/norm_relu.h, both included here.
#pragma once

#include "core/ops/group_norm.h"
#include "core/ops/norm_relu.h"
#include "core/tensor.h"

namespace ag {

// x: (N, C) or (N, C, H, W). Training: normalize with the batch mean and the
// biased batch variance, and (when running stats are given) update
//   running_mean = (1 - momentum) * running_mean + momentum * mean
//   running_var  = (1 - momentum) * running_var  + momentum * unbiased_var
// in place, as PyTorch does. Eval: normalize with the running stats.
// weight/bias: (C) or undefined.
Tensor batch_norm(const Tensor& x, Tensor running_mean, Tensor running_var, const Tensor& weight,
                  const Tensor& bias, bool training, float momentum = 0.1f, float eps = 1e-5f);

// Normalize over the last normalized_shape.size() dims; weight/bias of that shape or undefined.
Tensor layer_norm(const Tensor& x, const Shape& normalized_shape, const Tensor& weight = Tensor(),
                  const Tensor& bias = Tensor(), float eps = 1e-5f);

}  // namespace ag
