// core/ops/reduce.h: reductions over one dimension or over everything.
// dim may be negative (counts from the end). keepdim leaves a size-1 dimension.
#pragma once

#include "core/tensor.h"

namespace ag {

Tensor sum(const Tensor& x);  // 0-d result
Tensor sum(const Tensor& x, int64_t dim, bool keepdim = false);
Tensor mean(const Tensor& x);
Tensor mean(const Tensor& x, int64_t dim, bool keepdim = false);
// Max/min values, NaN propagating. As PyTorch 1.13: max(x)/min(x) over everything
// split the gradient evenly among tied elements; max(x, dim)/min(x, dim) send it
// to one index per output, the first on ties.
Tensor max(const Tensor& x);
Tensor max(const Tensor& x, int64_t dim, bool keepdim = false);
Tensor min(const Tensor& x);
Tensor min(const Tensor& x, int64_t dim, bool keepdim = false);
// Index of the max along dim, as float values (not differentiable).
Tensor argmax(const Tensor& x, int64_t dim, bool keepdim = false);
// Variance; unbiased divides by n-1 (PyTorch's default), else by n.
Tensor var(const Tensor& x, bool unbiased = true);
Tensor var(const Tensor& x, int64_t dim, bool unbiased = true, bool keepdim = false);
// var(x, 1) means dim 1: without this overload a plain int converts equally
// well to `bool unbiased` and to `int64_t dim`, and the call is ambiguous.
inline Tensor var(const Tensor& x, int dim, bool unbiased = true, bool keepdim = false) {
  return var(x, static_cast<int64_t>(dim), unbiased, keepdim);
}

// Normalize a possibly negative dim against rank, or throw naming `op`.
int64_t wrap_dim(const char* op, int64_t dim, int64_t rank);

}  // namespace ag
