// core/ops/elementwise.h: pointwise arithmetic with NumPy broadcasting.
//
// Binary ops broadcast their inputs (sizes align from the right; a size-1 or
// missing dimension stretches). In backward the gradient of a broadcast input
// is summed back over the stretched dimensions, so it has that input's shape.
#pragma once

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
Tensor add(const Tensor& a, float b);
Tensor sub(const Tensor& a, float b);
Tensor rsub(float a, const Tensor& b);  // a - b
Tensor mul(const Tensor& a, float b);
Tensor div(const Tensor& a, float b);
Tensor rdiv(float a, const Tensor& b);  // a / b
// torch.outer: a (N) and b (M), both 1-D, -> (N, M) with out[i][j] = a[i]·b[j]
// (core/ops/outer.cpp); no broadcasting, as PyTorch.
Tensor outer(const Tensor& a, const Tensor& b);

Tensor neg(const Tensor& x);
Tensor pow(const Tensor& x, float exponent);
// a^b with a tensor exponent (a and b broadcast; d/db = a^b log a) and with a
// scalar base (core/ops/pow.cpp).
Tensor pow(const Tensor& a, const Tensor& b);
Tensor pow(float a, const Tensor& b);
Tensor exp(const Tensor& x);
Tensor log(const Tensor& x);
Tensor sqrt(const Tensor& x);
Tensor abs(const Tensor& x);
Tensor relu(const Tensor& x);
Tensor sigmoid(const Tensor& x);
Tensor tanh(const Tensor& x);
Tensor clamp(const Tensor& x, float min, float max);

// out = mask != 0 ? value : x. mask broadcasts to x's shape (attention masks).
Tensor masked_fill(const Tensor& x, const Tensor& mask, float value);
// out = cond != 0 ? a : b, all three broadcast together.
Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b);

// In place (they bump the version; refused on a leaf that requires grad unless
// grad mode is off, as in an optimizer step, and on a copy that PyTorch would
// have returned as a view, such as a narrow or a chunk piece: core/ops/view_copies.h).
Tensor& add_(Tensor& self, const Tensor& other, float alpha = 1.0f);  // self += alpha*other
Tensor& add_(Tensor& self, float value);
Tensor& mul_(Tensor& self, const Tensor& other);
Tensor& mul_(Tensor& self, float value);
Tensor& relu_(Tensor& self);
Tensor& zero_(Tensor& self);
Tensor& fill_(Tensor& self, float value);
Tensor& copy_(Tensor& self, const Tensor& src);  // same numel; src broadcast not allowed

Tensor operator+(const Tensor& a, const Tensor& b);
Tensor operator-(const Tensor& a, const Tensor& b);
Tensor operator*(const Tensor& a, const Tensor& b);
Tensor operator/(const Tensor& a, const Tensor& b);
Tensor operator+(const Tensor& a, float b);
Tensor operator-(const Tensor& a, float b);
Tensor operator*(const Tensor& a, float b);
Tensor operator/(const Tensor& a, float b);
Tensor operator+(float a, const Tensor& b);
Tensor operator-(float a, const Tensor& b);
Tensor operator*(float a, const Tensor& b);
Tensor operator/(float a, const Tensor& b);
Tensor operator-(const Tensor& x);
Tensor& operator+=(Tensor& a, const Tensor& b);
Tensor& operator*=(Tensor& a, float b);

}  // namespace ag
