// core/ops/embedding.h: integer ids -> rows of a weight matrix.
#pragma once

#include "core/tensor.h"

namespace ag {

// weight: (V, D); ids: any shape of whole numbers in [0, V) -> (ids..., D).
// Backward scatter-adds each output row's gradient into its id's row (an id
// used twice gets both gradients).
Tensor embedding(const Tensor& weight, const Tensor& ids);

}  // namespace ag
