// core/ops/elementwise.h: arithmetic of two tensors with NumPy broadcasting
// (core/ops/elementwise.cpp).
//
// Binary ops broadcast their inputs (sizes align from the right; a size-1 or
// missing dimension stretches). In backward the gradient of a broadcast input
// is summed back over the stretched dimensions, so it has that input's shape.
//
// Every op file includes this header, and with it the rest of the pointwise
// family: one-tensor math (unary.h), pow (pow.h), the in-place ops and the
// operators + - * / (inplace.h).
#pragma once

#include "core/ops/inplace.h"
#include "core/ops/pow.h"
#include "core/ops/unary.h"
#include "core/tensor.h"

namespace ag {

// The broadcast result shape of a and b, or ag::Error naming `op` and both shapes.
Shape broadcast_shapes(const char* op, const Shape& a, const Shape& b);
// Sum `t` down to `shape` (the inverse of broadcasting), differentiable.
Tensor sum_to(const Tensor& t, const Shape& shape);
// Broadcast `t` up to `shape` (a copy, differentiable: its backward is sum_to).
Tensor expand(const Tensor& t, const Shape& shape);

Tensor add(const Tensor& a, const Tensor& b);
Tensor sub(const Tensor& a, const Tensor& b);
// PyTorch's alpha keyword: out = a + alpha·b, out = a - alpha·b (torch.add(a, b, alpha=2)).
Tensor add(const Tensor& a, const Tensor& b, float alpha);
Tensor sub(const Tensor& a, const Tensor& b, float alpha);
Tensor mul(const Tensor& a, const Tensor& b);
Tensor div(const Tensor& a, const Tensor& b);

// out = mask != 0 ? value : x. mask broadcasts to x's shape (attention masks).
Tensor masked_fill(const Tensor& x, const Tensor& mask, float value);
// out = cond != 0 ? a : b, all three broadcast together.
Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b);

}  // namespace ag
