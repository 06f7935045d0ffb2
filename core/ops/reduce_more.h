// core/ops/reduce_more.h: the reductions beyond core/ops/reduce.h
// (core/ops/reduce_more.cpp): logsumexp, prod and argmax/argmin over
// everything, with PyTorch 1.13's gradients at the edges (ties, zeros).
// The reductions over several dimensions at once (sum, mean, std, norm) are
// in core/ops/reduce_dims.h, included here.
#pragma once

#include <vector>

#include "core/ops/reduce_dims.h"
#include "core/tensor.h"

namespace ag {

// log Σ_k e^(x_k) along dim, without overflow (an all -inf row gives -inf).
Tensor logsumexp(const Tensor& x, int64_t dim, bool keepdim = false);

// min() over everything is in reduce.h, beside max().

// Product; the gradient is right with zeros: with one zero only that element
// gets a gradient (the product of the others), with two or more none does.
Tensor prod(const Tensor& x);
Tensor prod(const Tensor& x, int64_t dim, bool keepdim = false);

// Flat index of the first largest (smallest) element as a 0-d float tensor,
// and the index along dim (argmax(x, dim) lives in reduce.h). NaN counts as
// the extreme, as PyTorch. Not differentiable.
Tensor argmax(const Tensor& x);
Tensor argmin(const Tensor& x);
Tensor argmin(const Tensor& x, int64_t dim, bool keepdim = false);

}  // namespace ag
