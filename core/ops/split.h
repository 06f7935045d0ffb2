// core/ops/split.h: pieces along one dimension (chunk, split), tiling
// (repeat) and reversal (flip) (core/ops/split.cpp).
//
// Deliberate difference from PyTorch: chunk/split return copies (narrow), not
// views sharing storage; attograd has no strided views. An in-place write into
// a piece is refused (core/ops/view_copies.h).
#pragma once

#include <vector>

#include "core/tensor.h"

namespace ag {

// `chunks` pieces of ceil(size/chunks) along dim, the last smaller; fewer
// pieces when they run out (PyTorch's rule): chunk of size 5 into 3 is 2, 2, 1.
std::vector<Tensor> chunk(const Tensor& x, int64_t chunks, int64_t dim = 0);
// Pieces of split_size along dim, the last one what is left.
std::vector<Tensor> split(const Tensor& x, int64_t split_size, int64_t dim = 0);
// Pieces of the given sizes, which must add up to x.size(dim).
std::vector<Tensor> split(const Tensor& x, const std::vector<int64_t>& split_sizes,
                          int64_t dim = 0);
// Tiles x repeats[d] times along each dimension; more repeats than x has
// dimensions prepend size-1 dimensions to x first, as PyTorch.
Tensor repeat(const Tensor& x, const std::vector<int64_t>& repeats);
// Reverses the order of the elements along each listed dimension.
Tensor flip(const Tensor& x, const std::vector<int64_t>& dims);

}  // namespace ag
