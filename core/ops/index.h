// core/ops/index.h: picking elements by index, and splitting and tiling.
//
// attograd is float32 only, so an index tensor holds whole numbers as floats
// (as embedding's ids do); every op checks each index is a whole number in
// [0, size) and names the op, the index, its position and the size if not.
// Negative indices are refused, as PyTorch refuses them in these ops.
// Deliberate difference from PyTorch: chunk/split return copies (narrow), not
// views sharing storage; attograd has no strided views. An in-place write into
// a piece is refused (core/ops/view_copies.h); index_select and gather copy in
// PyTorch too, so their results may be written in place.
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

// `chunks` pieces of ceil(size/chunks) along dim, the last smaller; fewer
// pieces when they run out (PyTorch's rule): chunk of size 5 into 3 is 2, 2, 1.
std::vector<Tensor> chunk(const Tensor& x, int64_t chunks, int64_t dim = 0);
// Pieces of split_size along dim, the last one what is left.
std::vector<Tensor> split(const Tensor& x, int64_t split_size, int64_t dim = 0);
// Pieces of the given sizes, which must add up to x.size(dim).
std::vector<Tensor> split(const Tensor& x, const std::vector<int64_t>& split_sizes, int64_t dim = 0);
// Tiles x repeats[d] times along each dimension; more repeats than x has
// dimensions prepend size-1 dimensions to x first, as PyTorch.
Tensor repeat(const Tensor& x, const std::vector<int64_t>& repeats);
// Reverses the order of the elements along each listed dimension.
Tensor flip(const Tensor& x, const std::vector<int64_t>& dims);

}  // namespace ag
