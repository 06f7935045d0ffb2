// core/ops/shape.h: ops that move elements around without arithmetic.
//
// reshape shares storage with its input (the data is contiguous, so any shape
// with the same numel is a valid view). permute/transpose and the slicing ops
// copy: attograd has no strided views, which keeps every kernel contiguous.
// Where PyTorch returns a view, an in-place write into the copy is refused
// (core/ops/view_copies.h): write into the original with slice_scatter.
#pragma once

#include <cstdint>
#include <vector>

#include "core/tensor.h"

namespace ag {

Tensor reshape(const Tensor& x, const Shape& shape);  // one size may be -1
Tensor view(const Tensor& x, const Shape& shape);     // same as reshape
Tensor flatten(const Tensor& x, int64_t start_dim = 0, int64_t end_dim = -1);
Tensor permute(const Tensor& x, const std::vector<int64_t>& dims);
Tensor transpose(const Tensor& x, int64_t dim0, int64_t dim1);
Tensor squeeze(const Tensor& x, int64_t dim);
Tensor squeeze(const Tensor& x);  // drops every size-1 dimension: [1, 3, 1] -> [3]
Tensor unsqueeze(const Tensor& x, int64_t dim);
Tensor cat(const std::vector<Tensor>& xs, int64_t dim = 0);
Tensor stack(const std::vector<Tensor>& xs, int64_t dim = 0);
Tensor narrow(const Tensor& x, int64_t dim, int64_t start, int64_t length);
Tensor select(const Tensor& x, int64_t dim, int64_t index);  // removes dim
// Python's x[start:end:step] along dim (end clipped to the size, negatives wrap).
Tensor slice(const Tensor& x, int64_t dim, int64_t start, int64_t end, int64_t step = 1);
// The way to write into a band or one entry of x without a view: out = x with
// x[..., start:end:step, ...] along dim (or x.select(dim, index)) replaced by
// src, as torch.slice_scatter / torch.select_scatter (core/ops/slice_scatter.cpp).
// PyTorch's y[:, 1:3] = v is y = slice_scatter(y, v, 1, 1, 3); copy_(y, ...) keeps y's memory.
Tensor slice_scatter(const Tensor& x, const Tensor& src, int64_t dim = 0, int64_t start = 0,
                     int64_t end = INT64_MAX, int64_t step = 1);
Tensor select_scatter(const Tensor& x, const Tensor& src, int64_t dim, int64_t index);
Tensor clone(const Tensor& x);
Tensor contiguous(const Tensor& x);  // always already contiguous: returns x

}  // namespace ag
