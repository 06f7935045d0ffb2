// core/ops/slice_scatter.h: slice_scatter and select_scatter
// (core/ops/slice_scatter.cpp), PyTorch's way to write into part of a tensor
// without a view.
#pragma once

#include <cstdint>

#include "core/tensor.h"

namespace ag {

// The way to write into a band or one entry of x without a view: out = x with
// x[..., start:end:step, ...] along dim (or x.select(dim, index)) replaced by
// src, as torch.slice_scatter / torch.select_scatter.
// PyTorch's y[:, 1:3] = v is y = slice_scatter(y, v, 1, 1, 3); copy_(y, ...) keeps y's memory.
Tensor slice_scatter(const Tensor& x, const Tensor& src, int64_t dim = 0, int64_t start = 0,
                     int64_t end = INT64_MAX, int64_t step = 1);
Tensor select_scatter(const Tensor& x, const Tensor& src, int64_t dim, int64_t index);

}  // namespace ag
