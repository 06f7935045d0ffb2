// core/ops/shape.h: ops that move elements around without arithmetic
// (core/ops/shape.cpp). reshape shares storage with its input (the data is
// contiguous, so any shape with the same numel is a valid view). The slicing
// ops copy, and so do permute/transpose (core/ops/permute.h, included here):
// attograd has no strided views, which keeps every kernel contiguous.
// Where PyTorch returns a view, an in-place write into the copy is refused
// (core/ops/view_copies.h): write into the original with slice_scatter
// (core/ops/slice_scatter.h).
#pragma once

#include <cstdint>
#include <vector>

#include "core/ops/permute.h"
#include "core/tensor.h"

namespace ag {

Tensor reshape(const Tensor& x, const Shape& shape);  // one size may be -1
Tensor view(const Tensor& x, const Shape& shape);     // same as reshape
Tensor flatten(const Tensor& x, int64_t start_dim = 0, int64_t end_dim = -1);
Tensor squeeze(const Tensor& x, int64_t dim);
Tensor squeeze(const Tensor& x);  // drops every size-1 dimension: [1, 3, 1] -> [3]
Tensor unsqueeze(const Tensor& x, int64_t dim);
Tensor cat(const std::vector<Tensor>& xs, int64_t dim = 0);
Tensor stack(const std::vector<Tensor>& xs, int64_t dim = 0);
Tensor narrow(const Tensor& x, int64_t dim, int64_t start, int64_t length);
Tensor select(const Tensor& x, int64_t dim, int64_t index);  // removes dim
// Python's x[start:end:step] along dim (end clipped to the size, negatives wrap).
Tensor slice(const Tensor& x, int64_t dim, int64_t start, int64_t end, int64_t step = 1);
Tensor clone(const Tensor& x);
Tensor contiguous(const Tensor& x);  // x, or a clone where PyTorch copies (view_copies.h)

}  // namespace ag
