// core/ops/index.h: picking elements by index (core/ops/index.cpp).
//
// attograd is float32 only, so an index tensor holds whole numbers as floats
// (as embedding's ids do); every op checks each index is a whole number in
// [0, size) and names the op, the index, its position and the size if not.
// Negative indices are refused, as PyTorch refuses them in these ops.
// index_select and gather copy in PyTorch too, so their results may be
// written in place.
#pragma once

#include <vector>

#include "core/tensor.h"

namespace ag {

// out = x with dim's entries picked by the 1-D (or 0-d) index: out.size(dim) = index.numel().
Tensor index_select(const Tensor& x, int64_t dim, const Tensor& index);
// out[..., j, ...] = x[..., index[..., j, ...], ...] along dim; out has index's shape.
// index has x's rank, and index.size(d) <= x.size(d) for every d != dim.
Tensor gather(const Tensor& x, int64_t dim, const Tensor& index);
// out = x, then out[..., index[i], ...] += src[i] along dim for every i of index
// (index.size(d) <= src.size(d) everywhere, <= x.size(d) for d != dim).
// Differentiable in x and src (src's entries outside index's extent get 0).
Tensor scatter_add(const Tensor& x, int64_t dim, const Tensor& index, const Tensor& src);

}  // namespace ag
