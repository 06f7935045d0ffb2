// tests/helpers/shape_test_util.h: helpers shared by the shape suites
// (tests/core/test_shape.cpp, test_permute.cpp).
#pragma once

#include <doctest/doctest.h>

#include <cstdint>
#include <vector>

#include "core/gradcheck.h"
#include "core/ops/shape.h"

namespace shape_test {

// Exact equality: shape ops move floats, they never round them.
inline void check_values(const ag::Tensor& t, const std::vector<float>& expected) {
  REQUIRE(t.numel() == static_cast<int64_t>(expected.size()));
  for (size_t i = 0; i < expected.size(); ++i) {
    INFO("element ", i);
    CHECK(t.data()[i] == expected[i]);
  }
}

inline ag::Tensor grid23() { return ag::tensor({{0, 1, 2}, {3, 4, 5}}); }

// 0, 1, ..., n-1 in the given shape.
inline ag::Tensor counting(const ag::Shape& shape) {
  return ag::reshape(ag::arange(ag::numel_of(shape)), shape);
}

inline void gradcheck_ok(const ag::GradcheckFn& fn, const std::vector<ag::Tensor>& inputs) {
  auto r = ag::gradcheck(fn, inputs);
  CHECK_MESSAGE(r.ok, r.report);
}

}  // namespace shape_test
