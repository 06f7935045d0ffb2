// core/gradcheck.h: check analytic gradients against finite differences.
//
// Students use this to check their own ops, so the report is meant to be read:
// on failure it names the input, the element, both values and the error.
//
// How it works: the output is reduced to a scalar L = sum(out * r) with a fixed
// random r (so every output element matters), then for each element x_i of each
// input that requires grad
//   numeric  dL/dx_i = (L(x_i + eps) - L(x_i - eps)) / (2 eps)   (central difference)
//   analytic dL/dx_i = from one backward() with dout = r
// and they must agree within atol + rtol * |numeric|.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "core/tensor.h"

namespace ag {

struct GradcheckResult {
  bool ok = true;
  std::string report;  // empty when ok; otherwise what failed, readable
  explicit operator bool() const { return ok; }
};

using GradcheckFn = std::function<Tensor(const std::vector<Tensor>&)>;

GradcheckResult gradcheck(const GradcheckFn& fn, const std::vector<Tensor>& inputs,
                          double eps = 1e-3, double atol = 1e-3, double rtol = 1e-2);

}  // namespace ag
