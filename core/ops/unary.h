// core/ops/unary.h: pointwise math of one tensor (core/ops/unary.cpp).
//
// y = f(x) element by element, so dx = dy * f'(x); a scalar operand (x + 2,
// 3 / x) makes an op unary too. The tensor-with-tensor arithmetic, which
// broadcasts, is in core/ops/elementwise.h; pow with a tensor exponent or a
// scalar base in core/ops/pow.h.
#pragma once

#include "core/tensor.h"

namespace ag {

// Arithmetic with a scalar.
Tensor add(const Tensor& a, float b);
Tensor sub(const Tensor& a, float b);
Tensor rsub(float a, const Tensor& b);  // a - b
Tensor mul(const Tensor& a, float b);
Tensor div(const Tensor& a, float b);
Tensor rdiv(float a, const Tensor& b);  // a / b

Tensor neg(const Tensor& x);
Tensor pow(const Tensor& x, float exponent);
Tensor exp(const Tensor& x);
Tensor log(const Tensor& x);
Tensor sqrt(const Tensor& x);
Tensor abs(const Tensor& x);
Tensor relu(const Tensor& x);
Tensor sigmoid(const Tensor& x);
Tensor tanh(const Tensor& x);
Tensor clamp(const Tensor& x, float min, float max);

}  // namespace ag
