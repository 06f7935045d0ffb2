// core/ops/outer.h: torch.outer (core/ops/outer.cpp).
#pragma once

#include "core/tensor.h"

namespace ag {

// a (N) and b (M), both 1-D, -> (N, M) with out[i][j] = a[i]·b[j]; no
// broadcasting, as PyTorch.
Tensor outer(const Tensor& a, const Tensor& b);

}  // namespace ag
