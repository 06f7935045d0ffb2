// core/ops/map.h: y[i] = f(x[i]) into a new tensor, the forward loop of every
// one-input pointwise op (core/ops/unary.cpp, core/ops/activation.cpp).
// Internal to core/ops/.
#pragma once

#include "core/tensor.h"

namespace ag {

template <class F>
Tensor map_elements(const Tensor& x, F f) {
  Tensor out = empty(x.shape());  // every element is written below
  const float* in = x.data();
  float* o = out.data();
  for (int64_t i = 0, n = x.numel(); i < n; ++i) o[i] = f(in[i]);
  return out;
}

}  // namespace ag
