// core/ops/dim.h: dimension arguments, shared by the reduce and shape ops (internal).
//
// Many ops act "along one dimension". Whatever the rank, the tensor can then
// be seen as a 3-D block around that dimension:
//   x: (O, N, I)   O = product of the sizes before dim ("outer"),
//                  N = the size of dim itself,
//                  I = product of the sizes after dim ("inner")
// Element (o, k, i) sits at flat index (o*N + k)*I + i of the contiguous
// buffer, so such an op is three plain loops, whatever the rank.
#pragma once

#include <algorithm>

#include "core/tensor.h"

namespace ag {

// Checks a possibly negative `dim` against `positions` valid places (the rank,
// or rank + 1 for ops that insert a dimension, like unsqueeze) and returns it
// counted from the front. The error quotes the tensor's shape. A 0-d tensor
// takes dim 0 or -1, as in PyTorch (it behaves like shape [1]).
inline int64_t wrap_dim_in(const char* op, int64_t dim, const Shape& shape, int64_t positions) {
  const int64_t n = std::max<int64_t>(positions, 1);
  if (dim < -n || dim >= n)
    fail(op, ": dimension ", dim, " out of range for a tensor of shape ", shape,
         " (expected to be in [", -n, ", ", n - 1, "])");
  return dim < 0 ? dim + n : dim;
}

inline int64_t wrap_dim(const char* op, int64_t dim, const Shape& shape) {
  return wrap_dim_in(op, dim, shape, static_cast<int64_t>(shape.size()));
}

struct DimSplit {
  int64_t outer = 1, size = 1, inner = 1;  // O, N, I of the legend above
};

// The (O, N, I) view of `shape` around dimension `dim` (already wrapped).
// A 0-d shape is the single element (1, 1, 1).
inline DimSplit split_at(const Shape& shape, int64_t dim) {
  DimSplit s;
  if (shape.empty()) return s;
  for (int64_t d = 0; d < dim; ++d) s.outer *= shape[d];
  s.size = shape[dim];
  for (size_t d = dim + 1; d < shape.size(); ++d) s.inner *= shape[d];
  return s;
}

// Where a reduction along `dim` reads (the (O, N, I) split) and the shape it
// writes: `dim` removed, or kept with size 1 when keepdim. A 0-d tensor
// reduces to itself. Shared by every reduce_*.cpp.
struct Reduction {
  DimSplit split;
  Shape out_shape;
};

inline Reduction over_dim(const char* op, const Tensor& x, int64_t dim, bool keepdim) {
  const int64_t d = wrap_dim(op, dim, x.shape());
  Reduction r{split_at(x.shape(), d), x.shape()};
  if (r.out_shape.empty()) return r;
  if (keepdim)
    r.out_shape[d] = 1;
  else
    r.out_shape.erase(r.out_shape.begin() + d);
  return r;
}

}  // namespace ag
