// tests/helpers/pool_test_util.h: inputs for the pooling suites (test_pool.cpp,
// test_pool_modes.cpp).
#pragma once

#include <vector>

#include "core/ag.h"

namespace ag_test {

// Distinct values 0.1 apart in a scrambled order: no two cells of a window
// are within gradcheck's step of each other, so max pooling is differentiable
// at every one of them.
inline ag::Tensor distinct_values(const ag::Shape& shape) {
  const int64_t n = ag::numel_of(shape);
  std::vector<float> values(n);
  for (int64_t i = 0; i < n; ++i) values[i] = 0.1f * float((i * 7919) % n) - 0.05f * float(n);
  return ag::from_vector(values, shape, true);
}

}  // namespace ag_test
