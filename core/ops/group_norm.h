// core/ops/group_norm.h: group normalization (core/ops/group_norm.cpp), the
// sibling of batch and layer norm (core/ops/norm.h).
#pragma once

#include "core/tensor.h"

namespace ag {

// x: (N, C, *). Splits the C channels into num_groups groups and normalizes
// each sample's group with its own mean and biased variance;
// weight/bias: (C) or undefined. C must be divisible by num_groups.
Tensor group_norm(const Tensor& x, int64_t num_groups, const Tensor& weight = Tensor(),
                  const Tensor& bias = Tensor(), float eps = 1e-5f);

}  // namespace ag
