// core/ops/inplace.h: in-place updates and the arithmetic operators
// (core/ops/inplace.cpp).
//
// The in-place ops bump the tensor's version, so a node that saved the old
// value refuses to run at backward; they are refused on a leaf that requires
// grad unless grad mode is off, as in an optimizer step, and on a copy that
// PyTorch would have returned as a view, such as a narrow or a chunk piece
// (core/ops/view_copies.h).
#pragma once

#include "core/tensor.h"

namespace ag {

Tensor& add_(Tensor& self, const Tensor& other, float alpha = 1.0f);  // self += alpha*other
Tensor& add_(Tensor& self, float value);
Tensor& mul_(Tensor& self, const Tensor& other);
Tensor& mul_(Tensor& self, float value);
Tensor& relu_(Tensor& self);
Tensor& zero_(Tensor& self);
Tensor& fill_(Tensor& self, float value);
Tensor& copy_(Tensor& self, const Tensor& src);  // same numel; src broadcast not allowed

// a + b is add(a, b), and so on (core/ops/elementwise.h, core/ops/unary.h).
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
