// core/ops/reduce_dims.h: sum, mean, std and norm over several dimensions at
// once (core/ops/reduce_dims.cpp). A dims list {} means every dimension, as in
// PyTorch; negative dims count from the end; a dimension listed twice is an
// error. The one-dimension sum and mean are in core/ops/reduce.h.
#pragma once

#include <vector>

#include "core/tensor.h"

namespace ag {

Tensor sum(const Tensor& x, const std::vector<int64_t>& dims, bool keepdim = false);
Tensor mean(const Tensor& x, const std::vector<int64_t>& dims, bool keepdim = false);

// Standard deviation sqrt(Σ(x - mean)² / (N - correction)); correction 1 is
// the unbiased estimate (PyTorch's default), 0 the biased one, and std(x, dim,
// false) reads as PyTorch's unbiased=False. Its gradient where std is 0 is 0.
Tensor std(const Tensor& x, bool unbiased = true);
Tensor std(const Tensor& x, int64_t dim, int64_t correction = 1, bool keepdim = false);
inline Tensor std(const Tensor& x, int dim, int64_t correction = 1, bool keepdim = false) {
  return std(x, static_cast<int64_t>(dim), correction, keepdim);
}
Tensor std(const Tensor& x, const std::vector<int64_t>& dims, int64_t correction = 1,
           bool keepdim = false);

// p-norm (Σ|x|^p)^(1/p) over everything or over dims, p = 2 (Frobenius) by
// default; p = INFINITY is max|x| (ties split the gradient evenly). The
// gradient at a zero norm is 0, as PyTorch. attograd takes p >= 1 or p = inf
// (PyTorch also takes 0 < p < 1, p = 0 and -inf).
Tensor norm(const Tensor& x, float p = 2.0f);
Tensor norm(const Tensor& x, float p, int64_t dim, bool keepdim = false);
Tensor norm(const Tensor& x, float p, const std::vector<int64_t>& dims, bool keepdim = false);

}  // namespace ag
