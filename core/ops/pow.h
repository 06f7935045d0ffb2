// core/ops/pow.h: a^b with a tensor exponent, and with a scalar base
// (core/ops/pow.cpp). pow(x, 2.0f), the scalar exponent, is a unary op
// (core/ops/unary.h).
#pragma once

#include "core/tensor.h"

namespace ag {

// a and b broadcast together; da = dz·b·a^(b-1), db = dz·a^b·log a.
Tensor pow(const Tensor& a, const Tensor& b);
// a^b for a scalar base a: db = dz·a^b·log a.
Tensor pow(float a, const Tensor& b);

}  // namespace ag
