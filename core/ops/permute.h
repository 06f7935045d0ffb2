// core/ops/permute.h: permute and transpose (core/ops/permute.cpp). Both copy
// into a new contiguous buffer: attograd has no strided views.
#pragma once

#include <vector>

#include "core/tensor.h"

namespace ag {

// out.shape[d] = x.shape[dims[d]]: (B, T, H, D) -> (B, H, T, D) for dims {0, 2, 1, 3}.
Tensor permute(const Tensor& x, const std::vector<int64_t>& dims);
// permute with dim0 and dim1 swapped.
Tensor transpose(const Tensor& x, int64_t dim0, int64_t dim1);

}  // namespace ag
